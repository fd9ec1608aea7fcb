/*
 * Private to src/trace: the layout pass shared by the SVG and draw.io
 * exporters (column x of each lifeline, one row band per step, fragment
 * boxes), fragment detection shared by all four exporters, and the text
 * helpers they use: bounded access to the fixed-size step fields, UTF-8
 * sanitising (invalid bytes become U+FFFD, control characters a space),
 * XML escaping and time formatting. Geometry is integer pixels computed
 * from estimated text widths only, so the same steps always give the same
 * bytes; nothing here reads a clock or a random source.
 */
#ifndef GH_TRACE_LAYOUT_H
#define GH_TRACE_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "trace/export.h"

/* Text metrics. Widths are estimates (no font files): 13px sans-serif
 * averages well under 7px a character, bold under 8px. */
#define GH_LAYOUT_CHAR_W 7
#define GH_LAYOUT_BOLD_W 8
#define GH_LAYOUT_LINE_H 16
#define GH_LAYOUT_SELF_W 28 /* width of a self-message loop */

/* A borrowed view of a step field: p[0..n), not NUL-terminated. */
struct gh_trace_text {
    const char *p;
    size_t n;
};

struct gh_trace_text gh_trace_label(const struct gh_trace_step *s);
struct gh_trace_text gh_trace_note(const struct gh_trace_step *s);
struct gh_trace_text gh_trace_group(const struct gh_trace_step *s);

/* The kind to draw: a CALL or REPLY whose from == to is drawn as SELF. */
enum gh_step_kind gh_trace_kind(const struct gh_trace_step *s);
/* 1 when step i opens (ends) a fragment: a run of consecutive steps with
 * the same non-empty group title and group kind. */
int gh_trace_frag_starts(const struct gh_trace_step *steps, size_t n, size_t i);
int gh_trace_frag_ends(const struct gh_trace_step *steps, size_t n, size_t i);
/* "alt", "opt" or "loop"; a titled group of kind NONE is drawn as "opt". */
const char *gh_trace_frag_word(const struct gh_trace_step *s);
/* Marks (export.h) of step i: their number; *kind the one drawn (a finding
 * before a removal, an addition, a move), their texts one a line (findings
 * prefixed "⚠ ") in dst[0..cap). 0 and "" for a step without. */
size_t gh_trace_step_marks(const struct gh_export_opts *opts, size_t i, uint8_t *kind, char *dst,
                           size_t cap);
/* "#b42318" ...: the colour of a mark's arrow and text, and of its band. */
const char *gh_trace_mark_color(uint8_t kind);
const char *gh_trace_mark_fill(uint8_t kind);

/* Writes "+12 ms (3 ms)": start relative to t0, duration when known. */
void gh_trace_timing(const struct gh_trace_step *s, int64_t t0, char *dst, size_t cap);

/* Next code point of s[*i..n), advancing *i. Invalid or overlong UTF-8
 * gives U+FFFD; control characters other than '\n' give ' '. */
uint32_t gh_trace_next_cp(const char *s, size_t n, size_t *i);
int gh_trace_put_cp(struct gh_buf *b, uint32_t cp);
/* Appends s[0..n) escaped for XML text and attribute values. html == 0:
 * '\n' becomes a space; html == 1: escaped twice, for draw.io's html=1
 * labels, and '\n' becomes a <br>. */
int gh_trace_put_xml(struct gh_buf *b, const char *s, size_t n, int html);
/* Estimated width in pixels of the widest '\n'-separated line. */
int gh_trace_text_w(const char *s, size_t n, int char_w);
/* Number of '\n'-separated lines; 0 for empty text. */
int gh_trace_text_lines(const char *s, size_t n);

/* Sticky-error output: after the first failure every call is a no-op and
 * rc keeps the first error, so renderers need not check each append. */
struct gh_trace_out {
    struct gh_buf *b;
    int rc;
};

void gh_trace_emit(struct gh_trace_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void gh_trace_emit_xml(struct gh_trace_out *o, const char *s, size_t n, int html);

struct gh_layout_row {
    const struct gh_trace_step *step; /* borrowed */
    enum gh_step_kind kind;           /* from gh_trace_kind() */
    int from, to;
    int top, bottom; /* the row's band */
    int text_y;      /* baseline of the first text line */
    int y, y2;       /* arrow y; SELF: loop from y to y2; NOTE: box from y to y2 */
    int time_y;      /* baseline of the timing text */
    int lines;       /* label lines + note lines */
    int text_w;      /* widest text line */
    int left, right; /* horizontal extent of all that the row draws */
    char timing[40]; /* "+12 ms (3 ms)", "" without timings */
    char *marks;     /* owned: the marks' text lines, NULL without marks */
    uint8_t mark_kind;
    int mark_lines;
};

struct gh_layout_frag {
    const struct gh_trace_step *step; /* first step: title and kind */
    const char *word;                 /* "alt", "opt", "loop" */
    size_t first, last;               /* rows */
    int x, y, w, h;
    int tab_w, tab_h;
};

struct gh_layout {
    int col_x[GH_P_COUNT]; /* lifeline centres */
    int box_w[GH_P_COUNT]; /* participant box widths */
    int box_h;
    int head_y;   /* top of the participant boxes */
    int foot_y;   /* top of the boxes under the lifelines */
    int title_y;  /* title baseline; 0 without a title */
    int margin;   /* left edge of the content */
    int gutter_x; /* right edge of the timing texts; 0 without timings */
    int width, height;
    struct gh_layout_row *rows; /* owned, one per step */
    size_t nrows;
    struct gh_layout_frag *frags; /* owned */
    size_t nfrags;
};

/* Lays steps[0..n) out. Steps must be valid (gh_trace_export checks).
 * The layout borrows steps; release it with gh_layout_release(). */
int gh_layout_build(const struct gh_trace_step *steps, size_t n, const struct gh_export_opts *opts,
                    struct gh_layout *out /* OUT */);
void gh_layout_release(struct gh_layout *l);

/* The four renderers, called by gh_trace_export with checked steps. */
int gh_trace_export_drawio(const struct gh_trace_step *steps, size_t n,
                           const struct gh_export_opts *opts, struct gh_buf *out);
int gh_trace_export_svg(const struct gh_trace_step *steps, size_t n,
                        const struct gh_export_opts *opts, struct gh_buf *out);
int gh_trace_export_mermaid(const struct gh_trace_step *steps, size_t n,
                            const struct gh_export_opts *opts, struct gh_buf *out);
int gh_trace_export_plantuml(const struct gh_trace_step *steps, size_t n,
                             const struct gh_export_opts *opts, struct gh_buf *out);

#endif
