/*
 * Layout pass shared by the SVG and draw.io exporters. Columns first: each
 * gap between adjacent lifelines starts wide enough for the two
 * participant boxes and grows until every label fits between the
 * lifelines it joins (one-gap messages first, then wider spans, whose
 * shortfall is spread evenly over the gaps they cross). Then rows top to
 * bottom, one band per step, with room above a fragment for its tab and
 * below it for its frame. Fragments span the extent of what their rows
 * draw. All integer pixels from estimated text widths: deterministic.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "trace/layout.h"

#define MARGIN 20
#define TITLE_H 34   /* title band */
#define BOX_H 36     /* participant box */
#define BOX_MIN_W 96 /* narrowest participant box */
#define GAP_PAD 24   /* between two participant boxes */
#define MSG_PAD 16   /* each side of a message label, inside its lifelines */
#define SELF_GAP 10  /* between a self loop and its label */
#define NOTE_PAD 12  /* each side of a note's text */
#define FRAG_PAD 12  /* a fragment frame beyond what it encloses */
#define FRAG_HEAD 30 /* above a fragment's first row: tab and guard */
#define FRAG_FOOT 12 /* below its last row */
#define TAB_H 20
#define ROWS_GAP 14 /* between the boxes and the first or last row */

static int max_i(int a, int b)
{
    return a > b ? a : b;
}

static int min_i(int a, int b)
{
    return a < b ? a : b;
}

/* The marks of step i, kept with its row; they add lines to it. */
static int measure_marks(struct gh_layout_row *r, const struct gh_export_opts *opts, size_t i)
{
    char text[4 * GH_TRACE_MARK_MAX];
    if (gh_trace_step_marks(opts, i, &r->mark_kind, text, sizeof(text)) == 0)
        return 0;
    r->marks = strdup(text);
    if (r->marks == NULL)
        return GH_ENOMEM;
    r->mark_lines = gh_trace_text_lines(text, strlen(text));
    r->lines += r->mark_lines;
    r->text_w = max_i(r->text_w, gh_trace_text_w(text, strlen(text), GH_LAYOUT_BOLD_W));
    return 0;
}

static void measure_row(struct gh_layout_row *r, const struct gh_trace_step *s)
{
    struct gh_trace_text l = gh_trace_label(s), note = gh_trace_note(s);
    memset(r, 0, sizeof(*r));
    r->step = s;
    r->kind = gh_trace_kind(s);
    r->from = s->from;
    r->to = r->kind == GH_STEP_CALL || r->kind == GH_STEP_REPLY ? s->to : s->from;
    r->lines = max_i(1, gh_trace_text_lines(l.p, l.n) + gh_trace_text_lines(note.p, note.n));
    r->text_w = max_i(gh_trace_text_w(l.p, l.n, GH_LAYOUT_CHAR_W),
                      gh_trace_text_w(note.p, note.n, GH_LAYOUT_CHAR_W));
}

/* The gap span [a, b) a row needs and how wide it must be; 0 if none. */
static int row_need(const struct gh_layout_row *r, int *a, int *b)
{
    if (r->kind == GH_STEP_CALL || r->kind == GH_STEP_REPLY) {
        *a = min_i(r->from, r->to);
        *b = max_i(r->from, r->to);
        return r->text_w + 2 * MSG_PAD;
    }
    if (r->kind == GH_STEP_SELF && r->from + 1 < GH_P_COUNT) {
        *a = r->from;
        *b = r->from + 1;
        return GH_LAYOUT_SELF_W + SELF_GAP + r->text_w + MSG_PAD;
    }
    return 0;
}

static void widen(int *gap, int a, int b, int need)
{
    int sum = 0, k = b - a;
    for (int i = a; i < b; i++)
        sum += gap[i];
    if (sum >= need)
        return;
    int d = need - sum;
    for (int i = a; i < b; i++)
        gap[i] += d / k + (i - a < d % k);
}

static void solve_columns(struct gh_layout *l, int left)
{
    int gap[GH_P_COUNT - 1];
    for (int p = 0; p < GH_P_COUNT; p++) {
        int w = gh_trace_text_w(gh_part_name((enum gh_part)p),
                                strlen(gh_part_name((enum gh_part)p)), GH_LAYOUT_BOLD_W);
        l->box_w[p] = max_i(BOX_MIN_W, w + 2 * NOTE_PAD);
    }
    for (int p = 0; p + 1 < GH_P_COUNT; p++)
        gap[p] = (l->box_w[p] + l->box_w[p + 1]) / 2 + GAP_PAD;
    for (int span = 1; span < GH_P_COUNT; span++) {
        for (size_t i = 0; i < l->nrows; i++) {
            int a, b, need = row_need(&l->rows[i], &a, &b);
            if (need > 0 && b - a == span)
                widen(gap, a, b, need);
        }
    }
    /* a note centred on its lifeline must not cross the left edge */
    int x0 = left + l->box_w[0] / 2;
    for (size_t i = 0; i < l->nrows; i++) {
        const struct gh_layout_row *r = &l->rows[i];
        if (r->kind != GH_STEP_NOTE)
            continue;
        int before = 0;
        for (int p = 0; p < r->from; p++)
            before += gap[p];
        x0 = max_i(x0, left + (r->text_w + 2 * NOTE_PAD + 1) / 2 - before);
    }
    l->col_x[0] = x0;
    for (int p = 0; p + 1 < GH_P_COUNT; p++)
        l->col_x[p + 1] = l->col_x[p] + gap[p];
}

/* Vertical placement of one row whose band starts at top. */
static void place_row(struct gh_layout *l, struct gh_layout_row *r, int top)
{
    int cx = l->col_x[r->from], h = r->lines * GH_LAYOUT_LINE_H;
    r->top = top;
    r->text_y = top + 16;
    switch (r->kind) {
    case GH_STEP_SELF:
        r->y = top + 10;
        r->y2 = r->y + max_i(20, h - 2);
        r->bottom = r->y2 + 10;
        r->left = cx;
        r->right = cx + GH_LAYOUT_SELF_W + SELF_GAP + r->text_w;
        break;
    case GH_STEP_NOTE:
        r->y = top + 6;
        r->y2 = r->y + h + 10;
        r->text_y = r->y + 17;
        r->bottom = r->y2 + 10;
        r->left = cx - (r->text_w + 2 * NOTE_PAD + 1) / 2;
        r->right = r->left + r->text_w + 2 * NOTE_PAD;
        break;
    default:
        r->y = top + 4 + h + 6;
        r->y2 = r->y;
        r->bottom = r->y + 10;
        r->left = min_i(cx, l->col_x[r->to]);
        r->right = max_i(cx, l->col_x[r->to]);
    }
    r->time_y = r->kind == GH_STEP_NOTE ? r->text_y : r->y + 4;
}

static int place_rows(struct gh_layout *l, const struct gh_trace_step *steps, int y)
{
    size_t n = l->nrows;
    for (size_t i = 0; i < n; i++) {
        if (gh_trace_frag_starts(steps, n, i))
            y += FRAG_HEAD;
        place_row(l, &l->rows[i], y);
        y = l->rows[i].bottom;
        if (gh_trace_frag_ends(steps, n, i))
            y += FRAG_FOOT;
    }
    return y;
}

static void place_frag(struct gh_layout *l, struct gh_layout_frag *f)
{
    struct gh_trace_text title = gh_trace_group(f->step);
    int left = l->rows[f->first].left, right = l->rows[f->first].right;
    for (size_t i = f->first; i <= f->last; i++) {
        left = min_i(left, l->rows[i].left);
        right = max_i(right, l->rows[i].right);
    }
    f->tab_w = (int)strlen(f->word) * GH_LAYOUT_BOLD_W + 20;
    f->tab_h = TAB_H;
    int guard_w = gh_trace_text_w(title.p, title.n, GH_LAYOUT_CHAR_W) + 2 * GH_LAYOUT_CHAR_W;
    f->x = left - FRAG_PAD;
    f->w = max_i(right - left + 2 * FRAG_PAD, f->tab_w + 10 + guard_w + FRAG_PAD);
    f->y = l->rows[f->first].top - FRAG_HEAD + 6;
    f->h = l->rows[f->last].bottom + FRAG_FOOT - 6 - f->y;
}

static int build_frags(struct gh_layout *l, const struct gh_trace_step *steps)
{
    size_t n = l->nrows, count = 0;
    for (size_t i = 0; i < n; i++)
        count += (size_t)gh_trace_frag_starts(steps, n, i);
    if (count == 0)
        return 0;
    l->frags = calloc(count, sizeof(*l->frags));
    if (l->frags == NULL)
        return GH_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!gh_trace_frag_starts(steps, n, i))
            continue;
        struct gh_layout_frag *f = &l->frags[l->nfrags++];
        f->step = &steps[i];
        f->word = gh_trace_frag_word(&steps[i]);
        f->first = i;
        f->last = i;
        while (!gh_trace_frag_ends(steps, n, f->last))
            f->last++;
        place_frag(l, f);
    }
    return 0;
}

/* Timing texts and the width of the gutter they sit in (0 without). */
static int measure_timings(struct gh_layout *l, const struct gh_trace_step *steps)
{
    int widest = 0;
    for (size_t i = 0; i < l->nrows; i++) {
        struct gh_layout_row *r = &l->rows[i];
        gh_trace_timing(&steps[i], steps[0].t_us, r->timing, sizeof(r->timing));
        widest = max_i(widest, gh_trace_text_w(r->timing, strlen(r->timing), GH_LAYOUT_CHAR_W));
    }
    return l->nrows > 0 ? widest + 16 : 0;
}

static int content_right(const struct gh_layout *l, const struct gh_export_opts *opts)
{
    int right = l->col_x[GH_P_COUNT - 1] + l->box_w[GH_P_COUNT - 1] / 2;
    for (size_t i = 0; i < l->nrows; i++)
        right = max_i(right, l->rows[i].right);
    for (size_t i = 0; i < l->nfrags; i++)
        right = max_i(right, l->frags[i].x + l->frags[i].w);
    if (opts->title != NULL)
        right = max_i(right, MARGIN + gh_trace_text_w(opts->title, strlen(opts->title),
                                                      GH_LAYOUT_BOLD_W + 1));
    return right;
}

int gh_layout_build(const struct gh_trace_step *steps, size_t n, const struct gh_export_opts *opts,
                    struct gh_layout *out /* OUT */)
{
    struct gh_layout l;
    int rc = GH_ENOMEM, gutter = 0;
    memset(&l, 0, sizeof(l));
    l.rows = calloc(n > 0 ? n : 1, sizeof(*l.rows));
    if (l.rows == NULL)
        goto out;
    l.nrows = n;
    for (size_t i = 0; i < n; i++) {
        measure_row(&l.rows[i], &steps[i]);
        if (measure_marks(&l.rows[i], opts, i) < 0)
            goto out;
    }
    if (opts->timings)
        gutter = measure_timings(&l, steps);
    l.margin = MARGIN;
    l.gutter_x = gutter > 0 ? MARGIN + gutter - 12 : 0;
    solve_columns(&l, MARGIN + gutter);
    int y = MARGIN;
    if (opts->title != NULL) {
        l.title_y = y + 16;
        y += TITLE_H;
    }
    l.box_h = BOX_H;
    l.head_y = y;
    y = place_rows(&l, steps, y + BOX_H + ROWS_GAP);
    l.foot_y = y + ROWS_GAP;
    l.height = l.foot_y + BOX_H + MARGIN;
    if (build_frags(&l, steps) < 0)
        goto out;
    l.width = content_right(&l, opts) + MARGIN;
    *out = l;
    memset(&l, 0, sizeof(l));
    rc = 0;
out:
    gh_layout_release(&l);
    return rc;
}

void gh_layout_release(struct gh_layout *l)
{
    for (size_t i = 0; l->rows != NULL && i < l->nrows; i++)
        free(l->rows[i].marks);
    free(l->frags);
    free(l->rows);
    l->frags = NULL;
    l->rows = NULL;
    l->nrows = 0;
    l->nfrags = 0;
}
