/*
 * SVG exporter: a standalone UML sequence diagram drawn from the shared
 * layout (layout.c). One <svg> with xmlns, viewBox, width and height; an
 * internal stylesheet and arrowhead <marker>s, no scripts, fonts, images
 * or links, so it renders the same in a browser, an <img> tag or a
 * converter. Participant boxes top and bottom joined by dashed lifelines,
 * calls as solid arrows with filled heads, replies dashed with open heads
 * (red when the status is 4xx/5xx), self-messages as loops, notes as
 * folded boxes, fragments as frames with the keyword in a corner tab and
 * the title as the guard. Every text is sanitised and XML-escaped.
 */
#include <stdio.h>
#include <string.h>

#include "trace/layout.h"

/* Draw order matters: frames, lifelines, boxes, tabs, then messages. */
static const char css[] =
    "text{font-family:'Helvetica Neue',Helvetica,Arial,'Liberation Sans',sans-serif;"
    "font-size:13px;fill:#1f2933}\n"
    ".title{font-size:14px;font-weight:bold}\n"
    ".box{fill:#e8eef8;stroke:#3b5b92;stroke-width:1.5}\n"
    ".pname{font-weight:bold;fill:#1d2b45}\n"
    ".life{stroke:#9aa5b1;stroke-width:1;stroke-dasharray:5 4}\n"
    ".msg{fill:none;stroke:#323f4b;stroke-width:1.4}\n"
    ".reply{stroke-dasharray:6 4}\n"
    ".msg.err{stroke:#b42318}\n"
    "text.err{fill:#b42318}\n"
    ".halo{paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}\n"
    ".mean{font-size:12px;font-style:italic;fill:#52606d}\n"
    ".note{fill:#fff7d6;stroke:#c9a227;stroke-width:1.2}\n"
    ".frame{stroke:#7b8794;stroke-width:1.2}\n"
    ".f-alt{fill:#fdf3f1}.f-opt{fill:#f1f8f1}.f-loop{fill:#eff5fc}\n"
    ".tab{fill:#e4e7eb;stroke:#7b8794;stroke-width:1.2}\n"
    ".kw{font-weight:bold;fill:#323f4b}\n"
    ".guard{fill:#3e4c59}\n"
    ".time{font-size:12px;fill:#7b8794}\n";

static void put_head(struct gh_trace_out *o, const struct gh_layout *l,
                     const struct gh_export_opts *opts)
{
    const char *title = opts->title != NULL ? opts->title : "OAuth 2.0 authorization code flow";
    gh_trace_emit(o,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                  "viewBox=\"0 0 %d %d\" role=\"img\">\n<title>",
                  l->width, l->height, l->width, l->height);
    gh_trace_emit_xml(o, title, strlen(title), 0);
    gh_trace_emit(o, "</title>\n<defs>\n<style>\n%s", css);
    if (opts->n_marks > 0) /* only then: unmarked output stays as it was */
        for (uint8_t k = GH_MARK_FINDING; k <= GH_MARK_MOVED; k++)
            gh_trace_emit(
                o, ".msg.mk%u{stroke:%s}\ntext.mk%u{font-size:12px;font-weight:bold;fill:%s}\n", k,
                gh_trace_mark_color(k), k, gh_trace_mark_color(k));
    gh_trace_emit(o, "</style>\n");
    static const struct {
        const char *id, *path, *paint;
    } marks[] = {
        {"gh-call", "M0,1 L10,5 L0,9 z", "fill=\"#323f4b\""},
        {"gh-call-err", "M0,1 L10,5 L0,9 z", "fill=\"#b42318\""},
        {"gh-reply", "M1,1 L10,5 L1,9", "fill=\"none\" stroke=\"#323f4b\" stroke-width=\"1.4\""},
        {"gh-reply-err", "M1,1 L10,5 L1,9",
         "fill=\"none\" stroke=\"#b42318\" stroke-width=\"1.4\""},
    };
    for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
        gh_trace_emit(o,
                      "<marker id=\"%s\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
                      "markerWidth=\"10\" markerHeight=\"10\" markerUnits=\"userSpaceOnUse\" "
                      "orient=\"auto\"><path d=\"%s\" %s/></marker>\n",
                      marks[i].id, marks[i].path, marks[i].paint);
    for (uint8_t k = GH_MARK_FINDING; opts->n_marks > 0 && k <= GH_MARK_MOVED; k++)
        gh_trace_emit(o,
                      "<marker id=\"gh-call-mk%u\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
                      "markerWidth=\"10\" markerHeight=\"10\" markerUnits=\"userSpaceOnUse\" "
                      "orient=\"auto\"><path d=\"M0,1 L10,5 L0,9 z\" fill=\"%s\"/></marker>\n"
                      "<marker id=\"gh-reply-mk%u\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
                      "markerWidth=\"10\" markerHeight=\"10\" markerUnits=\"userSpaceOnUse\" "
                      "orient=\"auto\"><path d=\"M1,1 L10,5 L1,9\" fill=\"none\" stroke=\"%s\" "
                      "stroke-width=\"1.4\"/></marker>\n",
                      k, gh_trace_mark_color(k), k, gh_trace_mark_color(k));
    gh_trace_emit(o, "</defs>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
    if (opts->title != NULL) {
        gh_trace_emit(o, "<text class=\"title\" x=\"%d\" y=\"%d\">", l->margin, l->title_y);
        gh_trace_emit_xml(o, opts->title, strlen(opts->title), 0);
        gh_trace_emit(o, "</text>\n");
    }
}

/* One <text> per '\n'-separated line of s[0..n), baselines 16px apart. */
static int put_lines(struct gh_trace_out *o, int x, int y, const char *anchor, const char *cls,
                     const char *s, size_t n)
{
    int lines = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '\n')
            continue;
        gh_trace_emit(o, "<text class=\"%s\" x=\"%d\" y=\"%d\" text-anchor=\"%s\">", cls, x,
                      y + lines * GH_LAYOUT_LINE_H, anchor);
        gh_trace_emit_xml(o, s + start, i - start, 0);
        gh_trace_emit(o, "</text>\n");
        lines++;
        start = i + 1;
    }
    return lines;
}

/* The label, then the OAuth meaning in italics, from r->text_y down. */
static void put_row_text(struct gh_trace_out *o, const struct gh_layout_row *r, int x,
                         const char *anchor, int halo)
{
    struct gh_trace_text label = gh_trace_label(r->step), note = gh_trace_note(r->step);
    int err = r->step->status >= 400;
    const char *cls = err ? (halo ? "halo err" : "err") : (halo ? "halo" : "lbl");
    int y = r->text_y;
    if (label.n > 0)
        y += put_lines(o, x, y, anchor, cls, label.p, label.n) * GH_LAYOUT_LINE_H;
    if (note.n > 0)
        y += put_lines(o, x, y, anchor, halo ? "mean halo" : "mean", note.p, note.n) *
             GH_LAYOUT_LINE_H;
    if (r->marks != NULL) {
        char mk[16];
        snprintf(mk, sizeof(mk), "mk%u%s", r->mark_kind, halo ? " halo" : "");
        put_lines(o, x, y, anchor, mk, r->marks, strlen(r->marks));
    }
}

/* The band behind a marked row, under the lifelines. */
static void put_band(struct gh_trace_out *o, const struct gh_layout_row *r)
{
    if (r->marks == NULL)
        return;
    int left = r->left - 10, right = r->right + 10;
    if (r->kind != GH_STEP_NOTE && r->kind != GH_STEP_SELF) {
        int half = r->text_w / 2 + 12, mid = (r->left + r->right) / 2;
        left = mid - half < left ? mid - half : left;
        right = mid + half > right ? mid + half : right;
    }
    gh_trace_emit(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" fill=\"%s\"/>\n",
                  left, r->top, right - left, r->bottom - r->top, gh_trace_mark_fill(r->mark_kind));
}

static void put_frame(struct gh_trace_out *o, const struct gh_layout_frag *f)
{
    gh_trace_emit(o, "<rect class=\"frame f-%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n",
                  f->word, f->x, f->y, f->w, f->h);
}

static void put_tab(struct gh_trace_out *o, const struct gh_layout_frag *f)
{
    struct gh_trace_text title = gh_trace_group(f->step);
    int x = f->x, y = f->y, w = f->tab_w, h = f->tab_h;
    gh_trace_emit(o, "<path class=\"tab\" d=\"M%d,%d H%d V%d L%d,%d H%d Z\"/>\n", x, y, x + w,
                  y + h - 6, x + w - 6, y + h, x);
    gh_trace_emit(o, "<text class=\"kw\" x=\"%d\" y=\"%d\">%s</text>\n", x + 8, y + 14, f->word);
    gh_trace_emit(o, "<text class=\"guard\" x=\"%d\" y=\"%d\">[", x + w + 10, y + 14);
    gh_trace_emit_xml(o, title.p, title.n, 0);
    gh_trace_emit(o, "]</text>\n");
}

static void put_box(struct gh_trace_out *o, const struct gh_layout *l, int p, int y)
{
    gh_trace_emit(o,
                  "<rect class=\"box\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\"/>\n"
                  "<text class=\"pname\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                  l->col_x[p] - l->box_w[p] / 2, y, l->box_w[p], l->box_h, l->col_x[p],
                  y + l->box_h / 2 + 5, gh_part_name((enum gh_part)p));
}

static void put_participants(struct gh_trace_out *o, const struct gh_layout *l)
{
    for (int p = 0; p < GH_P_COUNT; p++)
        gh_trace_emit(o, "<line class=\"life\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
                      l->col_x[p], l->head_y + l->box_h, l->col_x[p], l->foot_y);
    for (int p = 0; p < GH_P_COUNT; p++) {
        put_box(o, l, p, l->head_y);
        put_box(o, l, p, l->foot_y);
    }
}

static void put_message(struct gh_trace_out *o, const struct gh_layout *l,
                        const struct gh_layout_row *r)
{
    int reply = r->kind == GH_STEP_REPLY, err = r->step->status >= 400;
    int x1 = l->col_x[r->from], x2 = l->col_x[r->to];
    int span = r->from > r->to ? r->from - r->to : r->to - r->from;
    char mk[16] = "";
    if (r->marks != NULL)
        snprintf(mk, sizeof(mk), "-mk%u", r->mark_kind);
    gh_trace_emit(o,
                  "<line class=\"msg%s%s%s%s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                  "marker-end=\"url(#gh-%s%s)\"/>\n",
                  reply ? " reply" : "", err && !mk[0] ? " err" : "", mk[0] ? " " : "",
                  mk[0] ? mk + 1 : "", x1, r->y, x2, r->y, reply ? "reply" : "call",
                  mk[0] ? mk
                  : err ? "-err"
                        : "");
    /* a label crossing a lifeline gets a white halo to stay readable */
    put_row_text(o, r, (x1 + x2) / 2, "middle", span > 1);
}

static void put_self(struct gh_trace_out *o, const struct gh_layout *l,
                     const struct gh_layout_row *r)
{
    int x = l->col_x[r->from], err = r->step->status >= 400;
    int reply = r->step->kind == GH_STEP_REPLY;
    char mk[16] = "";
    if (r->marks != NULL)
        snprintf(mk, sizeof(mk), "-mk%u", r->mark_kind);
    gh_trace_emit(o,
                  "<path class=\"msg%s%s%s%s\" d=\"M%d,%d H%d V%d H%d\" "
                  "marker-end=\"url(#gh-%s%s)\"/>\n",
                  reply ? " reply" : "", err && !mk[0] ? " err" : "", mk[0] ? " " : "",
                  mk[0] ? mk + 1 : "", x, r->y, x + GH_LAYOUT_SELF_W, r->y2, x + 1,
                  reply ? "reply" : "call",
                  mk[0] ? mk
                  : err ? "-err"
                        : "");
    put_row_text(o, r, x + GH_LAYOUT_SELF_W + 10, "start", 0);
}

static void put_note(struct gh_trace_out *o, const struct gh_layout_row *r)
{
    int x = r->left, y = r->y, w = r->right - r->left, h = r->y2 - r->y;
    gh_trace_emit(o,
                  "<path class=\"note\" d=\"M%d,%d H%d L%d,%d V%d H%d Z\"/>\n"
                  "<path class=\"note\" d=\"M%d,%d V%d H%d\"/>\n",
                  x, y, x + w - 8, x + w, y + 8, y + h, x, x + w - 8, y, y + 8, x + w);
    put_row_text(o, r, x + w / 2, "middle", 0);
}

int gh_trace_export_svg(const struct gh_trace_step *steps, size_t n,
                        const struct gh_export_opts *opts, struct gh_buf *out)
{
    struct gh_layout l;
    struct gh_trace_out o = {out, 0};
    int rc = gh_layout_build(steps, n, opts, &l);
    if (rc < 0)
        return rc;
    put_head(&o, &l, opts);
    for (size_t i = 0; i < l.nfrags; i++)
        put_frame(&o, &l.frags[i]);
    for (size_t i = 0; i < l.nrows; i++)
        put_band(&o, &l.rows[i]);
    put_participants(&o, &l);
    for (size_t i = 0; i < l.nfrags; i++)
        put_tab(&o, &l.frags[i]);
    for (size_t i = 0; i < l.nrows; i++) {
        const struct gh_layout_row *r = &l.rows[i];
        if (r->kind == GH_STEP_NOTE)
            put_note(&o, r);
        else if (r->kind == GH_STEP_SELF)
            put_self(&o, &l, r);
        else
            put_message(&o, &l, r);
        if (r->timing[0] != '\0')
            gh_trace_emit(&o,
                          "<text class=\"time\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
                          l.gutter_x, r->time_y, r->timing);
    }
    gh_trace_emit(&o, "</svg>\n");
    gh_layout_release(&l);
    return o.rc;
}
