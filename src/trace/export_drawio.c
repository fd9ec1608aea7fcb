/*
 * draw.io exporter: an uncompressed <mxfile> that diagrams.net opens as an
 * editable UML sequence diagram, placed by the shared layout (layout.c).
 * Each participant is a UML lifeline cell (shape=umlLifeline with
 * perimeter=lifelinePerimeter) tall enough for every row; each message is
 * an edge whose source and target are lifeline cells, pinned to its row by
 * exitDy/entryDy constraints and carrying the same y in its sourcePoint
 * and targetPoint; self-messages are edges from a lifeline to itself
 * through two waypoints; notes are shape=note cells and fragments
 * shape=umlFrame containers with the keyword in the tab and the title as
 * a child text. Cell ids come from positions (p-*, s<step>, f<n>), never a
 * clock. Labels use html=1, so text is escaped twice: for HTML, then XML.
 */
#include <string.h>

#include "trace/layout.h"

static const char *const cell_ids[GH_P_COUNT] = {"p-browser", "p-app", "p-as", "p-api"};

static void put_head(struct gh_trace_out *o, const struct gh_layout *l,
                     const struct gh_export_opts *opts)
{
    const char *name = opts->title != NULL ? opts->title : "OAuth 2.0 authorization code flow";
    gh_trace_emit(o, "<mxfile host=\"gatehouse\" type=\"device\">\n"
                     "  <diagram id=\"gatehouse-flow\" name=\"");
    gh_trace_emit_xml(o, name, strlen(name), 0);
    gh_trace_emit(o,
                  "\">\n"
                  "    <mxGraphModel dx=\"%d\" dy=\"%d\" grid=\"1\" gridSize=\"10\" guides=\"1\" "
                  "tooltips=\"1\" connect=\"1\" arrows=\"1\" fold=\"1\" page=\"0\" "
                  "pageScale=\"1\" pageWidth=\"%d\" pageHeight=\"%d\" math=\"0\" shadow=\"0\">\n"
                  "      <root>\n"
                  "        <mxCell id=\"0\"/>\n"
                  "        <mxCell id=\"1\" parent=\"0\"/>\n",
                  l->width, l->height, l->width, l->height);
    if (opts->title != NULL) {
        gh_trace_emit(o, "        <mxCell id=\"title\" value=\"");
        gh_trace_emit_xml(o, opts->title, strlen(opts->title), 1);
        gh_trace_emit(o,
                      "\" style=\"text;html=1;align=left;verticalAlign=middle;fontSize=14;"
                      "fontStyle=1;\" vertex=\"1\" parent=\"1\">\n"
                      "          <mxGeometry x=\"%d\" y=\"%d\" width=\"%d\" height=\"20\" "
                      "as=\"geometry\"/>\n        </mxCell>\n",
                      l->margin, l->title_y - 15, l->width - 2 * l->margin);
    }
}

static void put_tail(struct gh_trace_out *o)
{
    gh_trace_emit(o, "      </root>\n    </mxGraphModel>\n  </diagram>\n</mxfile>\n");
}

static void put_geometry(struct gh_trace_out *o, int x, int y, int w, int h)
{
    gh_trace_emit(o,
                  "          <mxGeometry x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                  "as=\"geometry\"/>\n        </mxCell>\n",
                  x, y, w, h);
}

static void put_frag(struct gh_trace_out *o, const struct gh_layout_frag *f, size_t k)
{
    struct gh_trace_text title = gh_trace_group(f->step);
    gh_trace_emit(o,
                  "        <mxCell id=\"f%zu\" value=\"%s\" style=\"shape=umlFrame;whiteSpace=wrap;"
                  "html=1;pointerEvents=0;recursiveResize=0;container=1;collapsible=0;"
                  "width=%d;height=%d;fontStyle=1;fontSize=13;fillColor=#e4e7eb;"
                  "strokeColor=#7b8794;\" vertex=\"1\" parent=\"1\">\n",
                  k + 1, f->word, f->tab_w, f->tab_h);
    put_geometry(o, f->x, f->y, f->w, f->h);
    gh_trace_emit(o, "        <mxCell id=\"f%zu-title\" value=\"[", k + 1);
    gh_trace_emit_xml(o, title.p, title.n, 1);
    gh_trace_emit(o, "]\" style=\"text;html=1;align=left;verticalAlign=middle;spacingLeft=2;"
                     "fontSize=13;fontColor=#3e4c59;\" vertex=\"1\" parent=\"");
    gh_trace_emit(o, "f%zu\">\n", k + 1);
    put_geometry(o, f->tab_w + 6, 0, f->w - f->tab_w - 12, f->tab_h);
}

static void put_lifelines(struct gh_trace_out *o, const struct gh_layout *l)
{
    for (int p = 0; p < GH_P_COUNT; p++) {
        gh_trace_emit(o,
                      "        <mxCell id=\"%s\" value=\"%s\" style=\"shape=umlLifeline;"
                      "perimeter=lifelinePerimeter;whiteSpace=wrap;html=1;container=1;"
                      "dropTarget=0;collapsible=0;recursiveResize=0;outlineConnect=0;"
                      "portConstraint=eastwest;size=%d;fillColor=#e8eef8;strokeColor=#3b5b92;"
                      "fontStyle=1;fontSize=13;\" vertex=\"1\" parent=\"1\">\n",
                      cell_ids[p], gh_part_name((enum gh_part)p), l->box_h);
        put_geometry(o, l->col_x[p] - l->box_w[p] / 2, l->head_y, l->box_w[p],
                     l->foot_y + l->box_h - l->head_y);
    }
}

/* The html value of a row: label, then the OAuth meaning in italics, then
 * its marks in bold, in their colour. */
static void put_value(struct gh_trace_out *o, const struct gh_layout_row *r)
{
    const struct gh_trace_step *s = r->step;
    struct gh_trace_text label = gh_trace_label(s), note = gh_trace_note(s);
    gh_trace_emit_xml(o, label.p, label.n, 1);
    if (note.n > 0) {
        if (label.n > 0)
            gh_trace_emit(o, "&lt;br&gt;");
        gh_trace_emit(o, "&lt;i&gt;");
        gh_trace_emit_xml(o, note.p, note.n, 1);
        gh_trace_emit(o, "&lt;/i&gt;");
    }
    if (r->marks == NULL)
        return;
    gh_trace_emit(o, "&lt;br&gt;&lt;font color=&quot;%s&quot;&gt;&lt;b&gt;",
                  gh_trace_mark_color(r->mark_kind));
    gh_trace_emit_xml(o, r->marks, strlen(r->marks), 1);
    gh_trace_emit(o, "&lt;/b&gt;&lt;/font&gt;");
}

/* The band behind a marked row (under the edges, which come later). */
static void put_band(struct gh_trace_out *o, const struct gh_layout_row *r, size_t k)
{
    if (r->marks == NULL)
        return;
    int mid = (r->left + r->right) / 2, half = (r->right - r->left) / 2 + 10;
    if (r->kind != GH_STEP_NOTE && r->kind != GH_STEP_SELF && r->text_w / 2 + 12 > half)
        half = r->text_w / 2 + 12;
    int left = r->kind == GH_STEP_SELF ? r->left - 10 : mid - half;
    int right = r->kind == GH_STEP_SELF ? r->right + 10 : mid + half;
    gh_trace_emit(o,
                  "        <mxCell id=\"m%zu\" value=\"\" style=\"rounded=1;arcSize=6;html=1;"
                  "fillColor=%s;strokeColor=none;\" vertex=\"1\" parent=\"1\">\n",
                  k + 1, gh_trace_mark_fill(r->mark_kind));
    put_geometry(o, left, r->top, right - left, r->bottom - r->top);
}

static void put_edge(struct gh_trace_out *o, const struct gh_layout *l,
                     const struct gh_layout_row *r, size_t k)
{
    int self = r->kind == GH_STEP_SELF, reply = r->step->kind == GH_STEP_REPLY;
    int y1 = r->y, y2 = self ? r->y2 : r->y, x1 = l->col_x[r->from], x2 = l->col_x[r->to];
    int span = r->from > r->to ? r->from - r->to : r->to - r->from;
    gh_trace_emit(o, "        <mxCell id=\"s%zu\" value=\"", k + 1);
    put_value(o, r);
    gh_trace_emit(
        o, "\" style=\"html=1;%s;curved=0;rounded=0;fontSize=13;%s%s",
        self       ? "align=left;spacingLeft=4;verticalAlign=middle;labelBackgroundColor=none"
        : span > 1 ? "verticalAlign=bottom;labelBackgroundColor=#ffffff"
                   : "verticalAlign=bottom;labelBackgroundColor=none",
        reply ? "endArrow=open;endSize=8;dashed=1;" : "endArrow=block;endFill=1;",
        r->step->status >= 400 && r->marks == NULL ? "strokeColor=#b42318;fontColor=#b42318;" : "");
    if (r->marks != NULL)
        gh_trace_emit(o, "strokeColor=%s;strokeWidth=2;", gh_trace_mark_color(r->mark_kind));
    gh_trace_emit(o,
                  "exitX=0.5;exitY=0;exitDx=0;exitDy=%d;entryX=0.5;entryY=0;entryDx=0;"
                  "entryDy=%d;\" edge=\"1\" parent=\"1\" source=\"%s\" target=\"%s\">\n"
                  "          <mxGeometry relative=\"1\" as=\"geometry\">\n"
                  "            <mxPoint x=\"%d\" y=\"%d\" as=\"sourcePoint\"/>\n"
                  "            <mxPoint x=\"%d\" y=\"%d\" as=\"targetPoint\"/>\n",
                  y1 - l->head_y, y2 - l->head_y, cell_ids[r->from], cell_ids[r->to], x1, y1, x2,
                  y2);
    if (self)
        gh_trace_emit(o,
                      "            <Array as=\"points\">\n"
                      "              <mxPoint x=\"%d\" y=\"%d\"/>\n"
                      "              <mxPoint x=\"%d\" y=\"%d\"/>\n"
                      "            </Array>\n",
                      x1 + GH_LAYOUT_SELF_W, y1, x1 + GH_LAYOUT_SELF_W, y2);
    gh_trace_emit(o, "          </mxGeometry>\n        </mxCell>\n");
}

static void put_note(struct gh_trace_out *o, const struct gh_layout_row *r, size_t k)
{
    gh_trace_emit(o, "        <mxCell id=\"s%zu\" value=\"", k + 1);
    put_value(o, r);
    gh_trace_emit(o, "\" style=\"shape=note;whiteSpace=wrap;html=1;size=10;fillColor=#fff7d6;"
                     "strokeColor=#c9a227;fontSize=13;\" vertex=\"1\" parent=\"1\">\n");
    put_geometry(o, r->left, r->y, r->right - r->left, r->y2 - r->y);
}

static void put_timing(struct gh_trace_out *o, const struct gh_layout *l,
                       const struct gh_layout_row *r, size_t k)
{
    gh_trace_emit(o,
                  "        <mxCell id=\"t%zu\" value=\"%s\" style=\"text;html=1;align=right;"
                  "verticalAlign=middle;fontSize=12;fontColor=#7b8794;\" vertex=\"1\" "
                  "parent=\"1\">\n",
                  k + 1, r->timing);
    put_geometry(o, l->margin, r->time_y - 12, l->gutter_x - l->margin, 16);
}

int gh_trace_export_drawio(const struct gh_trace_step *steps, size_t n,
                           const struct gh_export_opts *opts, struct gh_buf *out)
{
    struct gh_layout l;
    struct gh_trace_out o = {out, 0};
    int rc = gh_layout_build(steps, n, opts, &l);
    if (rc < 0)
        return rc;
    put_head(&o, &l, opts);
    put_lifelines(&o, &l);
    /* frames over the lifelines so their tabs stay readable; the body is
     * not filled (pointerEvents=0 leaves the lifelines clickable) */
    for (size_t i = 0; i < l.nfrags; i++)
        put_frag(&o, &l.frags[i], i);
    for (size_t i = 0; i < l.nrows; i++)
        put_band(&o, &l.rows[i], i);
    for (size_t i = 0; i < l.nrows; i++) {
        if (l.rows[i].kind == GH_STEP_NOTE)
            put_note(&o, &l.rows[i], i);
        else
            put_edge(&o, &l, &l.rows[i], i);
        if (l.rows[i].timing[0] != '\0')
            put_timing(&o, &l, &l.rows[i], i);
    }
    put_tail(&o);
    gh_layout_release(&l);
    return o.rc;
}
