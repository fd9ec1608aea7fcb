/*
 * Flow diff (diff.h): both flows become sequences of items (the OAuth
 * meaning of a call step, its two participants, whether it failed); a
 * longest-common-subsequence table over what the common head and tail leave
 * aligns them; then a removed item and an added item with the same key
 * become one move.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "trace/diff.h"
#include "trace/vocab.h"

struct item {
    size_t step; /* the call step */
    uint8_t m, from, to, failed;
};

/* 1 when the call at i failed: its reply says 4xx/5xx, or the redirect
 * brought an error instead of a code. */
static int failed(const struct gh_trace_step *s, size_t n, size_t i)
{
    if (gh_meaning_of(&s[i]) == GH_M_REDIRECT)
        return strstr(s[i].label, "error") != NULL;
    for (size_t j = i + 1; j < n && j <= i + 4; j++)
        if (s[j].kind == GH_STEP_REPLY && s[j].from == s[i].to && s[j].to == s[i].from)
            return s[j].status >= 400;
    return 0;
}

static int items(const struct gh_trace_step *s, size_t n, struct item **out, size_t *nout)
{
    size_t k = 0;
    *out = NULL;
    for (size_t i = 0; i < n; i++)
        k += gh_meaning_of(&s[i]) != GH_M_NONE;
    *nout = k;
    if (k > GH_DIFF_ITEMS_MAX)
        return GH_EINVAL;
    if (k == 0)
        return 0;
    struct item *v = calloc(k, sizeof(*v));
    if (v == NULL)
        return GH_ENOMEM;
    k = 0;
    for (size_t i = 0; i < n; i++) {
        enum gh_meaning m = gh_meaning_of(&s[i]);
        if (m == GH_M_NONE)
            continue;
        v[k++] = (struct item){i, (uint8_t)m, s[i].from, s[i].to, (uint8_t)failed(s, n, i)};
    }
    *out = v;
    return 0;
}

static int same(const struct item *x, const struct item *y)
{
    return x->m == y->m && x->from == y->from && x->to == y->to && x->failed == y->failed;
}

static int push(struct gh_diff *d, size_t *cap, uint8_t op, size_t a, size_t b)
{
    if (d->n == *cap) {
        size_t c = *cap ? *cap * 2 : 32;
        struct gh_diff_line *p = realloc(d->lines, c * sizeof(*p));
        if (p == NULL)
            return GH_ENOMEM;
        d->lines = p;
        *cap = c;
    }
    d->lines[d->n++] = (struct gh_diff_line){op, 0, a, b, GH_DIFF_NONE};
    return 0;
}

/* LCS over x[0..nx) and y[0..ny), emitted as lines (removals before
 * additions where both happen). */
static int align(struct gh_diff *d, size_t *cap, const struct item *x, size_t nx,
                 const struct item *y, size_t ny)
{
    uint16_t *t = calloc((nx + 1) * (ny + 1), sizeof(*t));
    if (t == NULL)
        return GH_ENOMEM;
#define T(i, j) t[(i) * (ny + 1) + (j)]
    for (size_t i = nx; i-- > 0;)
        for (size_t j = ny; j-- > 0;)
            T(i, j) = same(&x[i], &y[j])           ? (uint16_t)(T(i + 1, j + 1) + 1)
                      : T(i + 1, j) >= T(i, j + 1) ? T(i + 1, j)
                                                   : T(i, j + 1);
    size_t i = 0, j = 0;
    int rc = 0;
    while (rc == 0 && (i < nx || j < ny)) {
        if (i < nx && j < ny && same(&x[i], &y[j])) {
            rc = push(d, cap, GH_DIFF_SAME, x[i++].step, y[j++].step);
        } else if (i < nx && (j == ny || T(i + 1, j) >= T(i, j + 1))) {
            rc = push(d, cap, GH_DIFF_REMOVED, x[i++].step, GH_DIFF_NONE);
        } else {
            rc = push(d, cap, GH_DIFF_ADDED, GH_DIFF_NONE, y[j++].step);
        }
    }
#undef T
    free(t);
    return rc;
}

/* A removal and an addition of the same item are one move. */
static void find_moves(struct gh_diff *d, const struct item *x, size_t nx, const struct item *y,
                       size_t ny)
{
    for (size_t i = 0; i < d->n; i++) {
        struct gh_diff_line *r = &d->lines[i];
        if (r->op != GH_DIFF_REMOVED)
            continue;
        const struct item *xi = NULL;
        for (size_t k = 0; k < nx && xi == NULL; k++)
            if (x[k].step == r->a)
                xi = &x[k];
        for (size_t j = 0; j < d->n && xi != NULL; j++) {
            struct gh_diff_line *ad = &d->lines[j];
            const struct item *yj = NULL;
            for (size_t k = 0; ad->op == GH_DIFF_ADDED && k < ny && yj == NULL; k++)
                if (y[k].step == ad->b)
                    yj = &y[k];
            if (yj == NULL || !same(xi, yj))
                continue;
            r->op = GH_DIFF_MOVED_OUT, r->other = j;
            ad->op = GH_DIFF_MOVED_IN, ad->other = i;
            break;
        }
    }
}

int gh_trace_diff(const struct gh_trace_step *a, size_t na, const struct gh_trace_step *b,
                  size_t nb, struct gh_diff *out)
{
    struct item *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0, cap = 0, head = 0, tail = 0;
    memset(out, 0, sizeof(*out));
    int rc = items(a, na, &x, &nx);
    if (rc == 0)
        rc = items(b, nb, &y, &ny);
    while (head < nx && head < ny && same(&x[head], &y[head]))
        head++;
    while (tail < nx - head && tail < ny - head && same(&x[nx - 1 - tail], &y[ny - 1 - tail]))
        tail++;
    for (size_t i = 0; rc == 0 && i < head; i++)
        rc = push(out, &cap, GH_DIFF_SAME, x[i].step, y[i].step);
    if (rc == 0)
        rc = align(out, &cap, x ? x + head : NULL, nx - head - tail, y ? y + head : NULL,
                   ny - head - tail);
    for (size_t i = 0; rc == 0 && i < tail; i++)
        rc = push(out, &cap, GH_DIFF_SAME, x[nx - tail + i].step, y[ny - tail + i].step);
    if (rc == 0)
        find_moves(out, x, nx, y, ny);
    for (size_t i = 0; rc == 0 && i < out->n; i++) {
        struct gh_diff_line *l = &out->lines[i];
        uint8_t op = l->op;
        l->failed = (uint8_t)(l->b != GH_DIFF_NONE ? failed(b, nb, l->b) : failed(a, na, l->a));
        out->same += op == GH_DIFF_SAME;
        out->added += op == GH_DIFF_ADDED;
        out->removed += op == GH_DIFF_REMOVED;
        out->moved += op == GH_DIFF_MOVED_IN;
    }
    free(x);
    free(y);
    if (rc < 0)
        gh_diff_release(out);
    return rc;
}

void gh_diff_release(struct gh_diff *d)
{
    free(d->lines);
    memset(d, 0, sizeof(*d));
}

/* ---------- output ---------- */

static const char *op_word(uint8_t op)
{
    static const char *const w[] = {"same", "added", "removed", "moved", "moved"};
    return op <= GH_DIFF_MOVED_IN ? w[op] : "?";
}

/* The step a line shows (its b side when it has one). */
static const struct gh_trace_step *line_step(const struct gh_diff_line *l,
                                             const struct gh_trace_step *a,
                                             const struct gh_trace_step *b)
{
    return l->b != GH_DIFF_NONE ? &b[l->b] : &a[l->a];
}

int gh_diff_text(const struct gh_diff *d, const struct gh_trace_step *a,
                 const struct gh_trace_step *b, const char *name_a, const char *name_b,
                 struct gh_buf *out)
{
    int rc = 0;
    if (d->added + d->removed + d->moved == 0)
        return gh_buf_printf(out, "same: %zu OAuth steps in the same order\n", d->same);
    rc |= gh_buf_printf(out, "--- a: %s\n+++ b: %s\n", name_a, name_b);
    for (size_t i = 0; i < d->n; i++) {
        const struct gh_diff_line *l = &d->lines[i];
        const struct gh_trace_step *s = line_step(l, a, b);
        char pos[64], arrow[80];
        snprintf(arrow, sizeof(arrow), "%s → %s", gh_part_name((enum gh_part)s->from),
                 gh_part_name((enum gh_part)s->to));
        if (l->a != GH_DIFF_NONE && l->b != GH_DIFF_NONE)
            snprintf(pos, sizeof(pos), "a:%zu b:%zu", l->a + 1, l->b + 1);
        else if (l->a != GH_DIFF_NONE)
            snprintf(pos, sizeof(pos), "a:%zu", l->a + 1);
        else
            snprintf(pos, sizeof(pos), "b:%zu", l->b + 1);
        char sign = l->op == GH_DIFF_SAME                                    ? ' '
                    : l->op == GH_DIFF_REMOVED || l->op == GH_DIFF_MOVED_OUT ? '-'
                                                                             : '+';
        char tail[64] = "";
        if (l->op == GH_DIFF_MOVED_OUT)
            snprintf(tail, sizeof(tail), " (moved to b:%zu)", d->lines[l->other].b + 1);
        else if (l->op == GH_DIFF_MOVED_IN)
            snprintf(tail, sizeof(tail), " (moved from a:%zu)", d->lines[l->other].a + 1);
        rc |= gh_buf_printf(out, "%c %-22s %-42s %s%s%s", sign, gh_meaning_name(gh_meaning_of(s)),
                            arrow, pos, l->failed ? " failed" : "", tail);
        rc |= gh_buf_puts(out, "\n");
    }
    rc |= gh_buf_printf(out, "# %zu added, %zu removed, %zu moved, %zu the same\n", d->added,
                        d->removed, d->moved, d->same);
    return rc < 0 ? GH_ENOMEM : 0;
}

int gh_diff_json(const struct gh_diff *d, const struct gh_trace_step *a,
                 const struct gh_trace_step *b, struct gh_buf *out)
{
    int rc = gh_buf_printf(out,
                           "{\"same\":%s,\"added\":%zu,\"removed\":%zu,\"moved\":%zu,"
                           "\"steps\":[",
                           d->added + d->removed + d->moved == 0 ? "true" : "false", d->added,
                           d->removed, d->moved);
    for (size_t i = 0; i < d->n; i++) {
        const struct gh_diff_line *l = &d->lines[i];
        const struct gh_trace_step *s = line_step(l, a, b);
        const char *m = gh_meaning_name(gh_meaning_of(s));
        rc |= gh_buf_printf(out, "%s{\"op\":\"%s\",\"meaning\":", i ? "," : "", op_word(l->op));
        rc |= gh_buf_json_str(out, m, strlen(m));
        rc |= gh_buf_printf(out, ",\"from\":\"%s\",\"to\":\"%s\",\"failed\":%s",
                            gh_part_name((enum gh_part)s->from), gh_part_name((enum gh_part)s->to),
                            l->failed ? "true" : "false");
        if (l->a != GH_DIFF_NONE)
            rc |= gh_buf_printf(out, ",\"a\":%zu", l->a + 1);
        if (l->b != GH_DIFF_NONE)
            rc |= gh_buf_printf(out, ",\"b\":%zu", l->b + 1);
        rc |= gh_buf_puts(out, "}");
    }
    rc |= gh_buf_puts(out, "]}\n");
    return rc < 0 ? GH_ENOMEM : 0;
}

/* The call at i of s and its reply (if right after, or after a self-step
 * of the callee), appended to steps. */
static size_t take(const struct gh_trace_step *s, size_t n, size_t i, struct gh_trace_step *dst)
{
    size_t k = 0;
    dst[k++] = s[i];
    for (size_t j = i + 1; j < n && j <= i + 4; j++) {
        if (s[j].kind == GH_STEP_REPLY && s[j].from == s[i].to && s[j].to == s[i].from) {
            dst[k++] = s[j];
            break;
        }
        if (s[j].kind == GH_STEP_CALL)
            break;
    }
    for (size_t m = 0; m < k; m++) { /* fragments belong to one flow's layout */
        dst[m].group[0] = '\0';
        dst[m].group_kind = GH_GROUP_NONE;
    }
    return k;
}

static void mark(struct gh_trace_mark *m, size_t step, uint8_t kind, const char *fmt, size_t n)
{
    m->step = step;
    m->kind = kind;
    snprintf(m->text, sizeof(m->text), fmt, n);
}

int gh_diff_flow(const struct gh_diff *d, const struct gh_trace_step *a, size_t na,
                 const struct gh_trace_step *b, size_t nb, struct gh_trace_step **steps, size_t *n,
                 struct gh_trace_mark **marks, size_t *nmarks)
{
    struct gh_trace_step *s = calloc(d->n * 2 + 1, sizeof(*s));
    struct gh_trace_mark *m = calloc(d->n + 1, sizeof(*m));
    if (s == NULL || m == NULL) {
        free(s);
        free(m);
        return GH_ENOMEM;
    }
    size_t k = 0, nm = 0;
    for (size_t i = 0; i < d->n; i++) {
        const struct gh_diff_line *l = &d->lines[i];
        size_t at = k;
        if (l->b != GH_DIFF_NONE)
            k += take(b, nb, l->b, s + k);
        else
            k += take(a, na, l->a, s + k);
        if (l->op == GH_DIFF_ADDED)
            mark(&m[nm++], at, GH_MARK_ADDED, "+ only in b (b:%zu)", l->b + 1);
        else if (l->op == GH_DIFF_REMOVED)
            mark(&m[nm++], at, GH_MARK_REMOVED, "- only in a (a:%zu)", l->a + 1);
        else if (l->op == GH_DIFF_MOVED_OUT)
            mark(&m[nm++], at, GH_MARK_REMOVED, "- moved from here to b:%zu",
                 d->lines[l->other].b + 1);
        else if (l->op == GH_DIFF_MOVED_IN)
            mark(&m[nm++], at, GH_MARK_MOVED, "~ moved here from a:%zu", d->lines[l->other].a + 1);
    }
    *steps = s;
    *n = k;
    *marks = m;
    *nmarks = nm;
    return 0;
}
