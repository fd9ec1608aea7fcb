/*
 * Mermaid exporter: a `sequenceDiagram` with the four participants in
 * order, `->>` for calls, `-->>` for replies, self-messages from a
 * participant to itself, `Note over`, and `alt` / `opt` / `loop` ... `end`
 * fragments. Mermaid ends a message at ';', '#' or a newline, reads
 * HTML-like tags and finds "%%{...}%%" directives anywhere, so those
 * characters are written as its entity codes (#59; #35; #lt; #gt; #amp;
 * #37;) and line breaks as <br/>: any label, however hostile, stays on its
 * one line and renders as the text it was.
 */
#include <stdio.h>
#include <string.h>

#include "trace/layout.h"

static const char *const ids[GH_P_COUNT] = {"Browser", "App", "AS", "API"};

/* Text after a ':' or a keyword; br == 0 turns newlines into spaces. A
 * leading "wrap:" would be read as a directive, so its 'w' is encoded. */
static void put_text(struct gh_trace_out *o, const char *s, size_t n, int br)
{
    for (size_t i = 0; i < n && o->rc == 0;) {
        int first = i == 0;
        uint32_t c = gh_trace_next_cp(s, n, &i);
        if (first &&
            ((n >= 5 && memcmp(s, "wrap:", 5) == 0) || (n >= 7 && memcmp(s, "nowrap:", 7) == 0))) {
            gh_trace_emit(o, "#%u;", (unsigned)c);
            continue;
        }
        const char *e = c == ';'    ? "#59;"
                        : c == '%'  ? "#37;" /* "%%{init: ...}%%" anywhere is a directive */
                        : c == '#'  ? "#35;"
                        : c == '<'  ? "#lt;"
                        : c == '>'  ? "#gt;"
                        : c == '&'  ? "#amp;"
                        : c == '\n' ? (br ? "<br/>" : " ")
                                    : NULL;
        if (e != NULL)
            gh_trace_emit(o, "%s", e);
        else
            o->rc = gh_trace_put_cp(o->b, c);
    }
}

static void put_step(struct gh_trace_out *o, const struct gh_trace_step *s, const char *timing,
                     const char *marks, const char *indent)
{
    struct gh_trace_text label = gh_trace_label(s), note = gh_trace_note(s);
    enum gh_step_kind kind = gh_trace_kind(s);
    if (kind == GH_STEP_NOTE)
        gh_trace_emit(o, "%sNote over %s: ", indent, ids[s->from]);
    else
        gh_trace_emit(o, "%s%s%s%s: ", indent, ids[s->from],
                      s->kind == GH_STEP_REPLY ? "-->>" : "->>",
                      ids[kind == GH_STEP_SELF ? s->from : s->to]);
    put_text(o, label.p, label.n, 1);
    if (note.n > 0) {
        gh_trace_emit(o, "%s", label.n > 0 ? "<br/>" : "");
        put_text(o, note.p, note.n, 1);
    }
    if (marks[0] != '\0') {
        gh_trace_emit(o, "<br/>");
        put_text(o, marks, strlen(marks), 1);
    }
    if (timing[0] != '\0')
        gh_trace_emit(o, "<br/>%s", timing);
    gh_trace_emit(o, "\n");
}

/* "rgb(253, 232, 231)" for "#fde8e7": the band of a marked step. */
static void put_rect(struct gh_trace_out *o, uint8_t kind, const char *indent)
{
    unsigned r = 0, g = 0, b = 0;
    sscanf(gh_trace_mark_fill(kind), "#%2x%2x%2x", &r, &g, &b);
    gh_trace_emit(o, "%srect rgb(%u, %u, %u)\n", indent, r, g, b);
}

int gh_trace_export_mermaid(const struct gh_trace_step *steps, size_t n,
                            const struct gh_export_opts *opts, struct gh_buf *out)
{
    struct gh_trace_out o = {out, 0};
    char timing[40] = "";
    gh_trace_emit(&o, "sequenceDiagram\n");
    if (opts->title != NULL) {
        gh_trace_emit(&o, "    title ");
        put_text(&o, opts->title, strlen(opts->title), 0);
        gh_trace_emit(&o, "\n");
    }
    for (int p = 0; p < GH_P_COUNT; p++) {
        const char *name = gh_part_name((enum gh_part)p);
        if (strcmp(ids[p], name) == 0)
            gh_trace_emit(&o, "    participant %s\n", ids[p]);
        else
            gh_trace_emit(&o, "    participant %s as %s\n", ids[p], name);
    }
    for (size_t i = 0; i < n; i++) {
        struct gh_trace_text group = gh_trace_group(&steps[i]);
        int in_frag = group.n > 0;
        if (gh_trace_frag_starts(steps, n, i)) {
            gh_trace_emit(&o, "    %s ", gh_trace_frag_word(&steps[i]));
            put_text(&o, group.p, group.n, 0);
            gh_trace_emit(&o, "\n");
        }
        if (opts->timings)
            gh_trace_timing(&steps[i], steps[0].t_us, timing, sizeof(timing));
        char marks[4 * GH_TRACE_MARK_MAX];
        uint8_t kind;
        const char *indent = in_frag ? "        " : "    ";
        int marked = gh_trace_step_marks(opts, i, &kind, marks, sizeof(marks)) > 0;
        if (marked)
            put_rect(&o, kind, indent);
        put_step(&o, &steps[i], timing, marks,
                 marked ? (in_frag ? "            " : "        ") : indent);
        if (marked)
            gh_trace_emit(&o, "%send\n", indent);
        if (gh_trace_frag_ends(steps, n, i))
            gh_trace_emit(&o, "    end\n");
    }
    return o.rc;
}
