/*
 * PlantUML exporter: @startuml ... @enduml with the four participants in
 * order, `->` for calls, `-->` for replies (red when the status is 4xx or
 * 5xx), self-messages, `note over`, and `alt` / `opt` / `loop` ... `end`
 * fragments; the OAuth meaning of a step is its label's italic second
 * line. PlantUML reads creole markup, preprocessor calls and \n escapes
 * inside labels, so text that could be read as markup is written as
 * numeric entities (&#60; for '<', the first of a doubled "//", "**",
 * "--" ...; '\' as <U+005C>, since &#92; crashes some versions) and every
 * label stays on its one source line.
 */
#include <string.h>

#include "trace/layout.h"

static const char *const ids[GH_P_COUNT] = {"Browser", "App", "AS", "API"};

static const char header[] = "skinparam shadowing false\n"
                             "skinparam defaultFontName sans-serif\n"
                             "skinparam defaultFontSize 13\n"
                             "skinparam sequenceMessageAlign center\n"
                             "skinparam ArrowColor #323f4b\n"
                             "skinparam ParticipantBackgroundColor #e8eef8\n"
                             "skinparam ParticipantBorderColor #3b5b92\n"
                             "skinparam SequenceLifeLineBorderColor #9aa5b1\n"
                             "skinparam SequenceGroupBorderColor #7b8794\n"
                             "skinparam SequenceGroupHeaderFontStyle bold\n"
                             "skinparam NoteBackgroundColor #fff7d6\n"
                             "skinparam NoteBorderColor #c9a227\n";

/* Characters creole reads as markup when doubled ("//" italic ...). */
static int doubled_markup(uint32_t c)
{
    return c < 0x80 && c != 0 && strchr("*/\"_-=^,[|", (int)c) != NULL;
}

/* One line of text: newlines become \n, markup becomes entities. With
 * italic, each line is wrapped in <i>...</i>: creole tags end at a \n. */
static void put_text(struct gh_trace_out *o, const char *s, size_t n, int italic)
{
    if (italic)
        gh_trace_emit(o, "<i>");
    int line_start = 1;
    for (size_t i = 0; i < n && o->rc == 0;) {
        uint32_t c = gh_trace_next_cp(s, n, &i), next = 0;
        if (i < n) {
            size_t j = i;
            next = gh_trace_next_cp(s, n, &j);
        }
        int punct = c < 0x80 && c > ' ' && strchr("0123456789", (int)c) == NULL &&
                    !((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
        if (c == '\n')
            gh_trace_emit(o, italic ? "</i>\\n<i>" : "\\n");
        else if (c == '\\')
            gh_trace_emit(o, "<U+005C>");
        else if (c == '<' || c == '&' || c == '%' || c == '~' || (doubled_markup(c) && next == c) ||
                 (line_start && punct))
            gh_trace_emit(o, "&#%u;", (unsigned)c);
        else
            o->rc = gh_trace_put_cp(o->b, c);
        line_start = c == '\n';
    }
    if (italic)
        gh_trace_emit(o, "</i>");
}

static void put_step(struct gh_trace_out *o, const struct gh_trace_step *s, const char *timing,
                     const char *marks, uint8_t mark_kind, const char *indent)
{
    struct gh_trace_text label = gh_trace_label(s), note = gh_trace_note(s);
    enum gh_step_kind kind = gh_trace_kind(s);
    int err = s->status >= 400;
    if (kind == GH_STEP_NOTE) {
        gh_trace_emit(o, "%snote over %s : ", indent, ids[s->from]);
    } else if (marks[0] != '\0') {
        gh_trace_emit(o, "%s%s -[%s,bold]%s> %s : ", indent, ids[s->from],
                      gh_trace_mark_color(mark_kind), s->kind == GH_STEP_REPLY ? "-" : "",
                      ids[kind == GH_STEP_SELF ? s->from : s->to]);
    } else {
        const char *arrow = s->kind == GH_STEP_REPLY ? (err ? "-[#b42318]->" : "-->")
                                                     : (err ? "-[#b42318]>" : "->");
        gh_trace_emit(o, "%s%s %s %s : ", indent, ids[s->from], arrow,
                      ids[kind == GH_STEP_SELF ? s->from : s->to]);
    }
    put_text(o, label.p, label.n, 0);
    if (note.n > 0) {
        gh_trace_emit(o, "%s", label.n > 0 ? "\\n" : "");
        put_text(o, note.p, note.n, 1);
    }
    if (marks[0] != '\0') {
        gh_trace_emit(o, "\\n<color:%s><b>", gh_trace_mark_color(mark_kind));
        put_text(o, marks, strlen(marks), 0);
        gh_trace_emit(o, "</b></color>");
    }
    if (timing[0] != '\0')
        gh_trace_emit(o, "\\n<color:#7b8794>%s</color>", timing);
    gh_trace_emit(o, "\n");
}

int gh_trace_export_plantuml(const struct gh_trace_step *steps, size_t n,
                             const struct gh_export_opts *opts, struct gh_buf *out)
{
    struct gh_trace_out o = {out, 0};
    char timing[40] = "";
    gh_trace_emit(&o, "@startuml\n%s", header);
    if (opts->title != NULL) {
        gh_trace_emit(&o, "title ");
        put_text(&o, opts->title, strlen(opts->title), 0);
        gh_trace_emit(&o, "\n");
    }
    for (int p = 0; p < GH_P_COUNT; p++) {
        const char *name = gh_part_name((enum gh_part)p);
        if (strcmp(ids[p], name) == 0)
            gh_trace_emit(&o, "participant %s\n", ids[p]);
        else
            gh_trace_emit(&o, "participant \"%s\" as %s\n", name, ids[p]);
    }
    for (size_t i = 0; i < n; i++) {
        if (gh_trace_frag_starts(steps, n, i)) {
            struct gh_trace_text group = gh_trace_group(&steps[i]);
            gh_trace_emit(&o, "%s ", gh_trace_frag_word(&steps[i]));
            put_text(&o, group.p, group.n, 0);
            gh_trace_emit(&o, "\n");
        }
        if (opts->timings)
            gh_trace_timing(&steps[i], steps[0].t_us, timing, sizeof(timing));
        char marks[4 * GH_TRACE_MARK_MAX];
        uint8_t kind;
        gh_trace_step_marks(opts, i, &kind, marks, sizeof(marks));
        put_step(&o, &steps[i], timing, marks, kind, gh_trace_group(&steps[i]).n > 0 ? "  " : "");
        if (gh_trace_frag_ends(steps, n, i))
            gh_trace_emit(&o, "end\n");
    }
    gh_trace_emit(&o, "@enduml\n");
    return o.rc;
}
