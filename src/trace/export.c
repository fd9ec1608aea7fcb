/*
 * Entry point of the flow exporters (docs/internals/layers.md, "How to add
 * an exporter"): checks the steps,
 * dispatches on the format through one table, and rolls the output back
 * on failure. Also holds the helpers every renderer shares: bounded access
 * to the fixed-size step fields (a stored step need not be NUL-terminated),
 * fragment detection, time formatting, and UTF-8 sanitising with XML
 * escaping, so that hostile text (a path, an error description) can never
 * break the markup of any format.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "trace/layout.h"
#include "trace/export.h"

static const char *const part_names[GH_P_COUNT] = {
    [GH_P_BROWSER] = "Browser",
    [GH_P_APP] = "Frontend App",
    [GH_P_AS] = "Authorization Server",
    [GH_P_API] = "Resource API",
};

typedef int (*export_fn)(const struct gh_trace_step *steps, size_t n,
                         const struct gh_export_opts *opts, struct gh_buf *out);

static const struct {
    enum gh_trace_format fmt;
    const char *name;
    export_fn fn;
} formats[] = {
    {GH_FMT_DRAWIO, "drawio", gh_trace_export_drawio},
    {GH_FMT_SVG, "svg", gh_trace_export_svg},
    {GH_FMT_MERMAID, "mermaid", gh_trace_export_mermaid},
    {GH_FMT_PLANTUML, "plantuml", gh_trace_export_plantuml},
};

const char *gh_part_name(enum gh_part p)
{
    if ((unsigned)p >= GH_P_COUNT)
        return "?";
    return part_names[p];
}

int gh_trace_format_parse(const char *name, enum gh_trace_format *out /* OUT */)
{
    for (size_t i = 0; name != NULL && i < GH_ARRAY_LEN(formats); i++) {
        if (strcmp(name, formats[i].name) == 0) {
            *out = formats[i].fmt;
            return 0;
        }
    }
    return GH_EINVAL;
}

/* Drawn first when a step has several kinds of marks. */
static const uint8_t mark_order[] = {GH_MARK_FINDING, GH_MARK_REMOVED, GH_MARK_ADDED,
                                     GH_MARK_MOVED};

size_t gh_trace_step_marks(const struct gh_export_opts *opts, size_t i, uint8_t *kind, char *dst,
                           size_t cap)
{
    size_t count = 0, best = GH_ARRAY_LEN(mark_order), len = 0;
    if (cap > 0)
        dst[0] = '\0';
    for (size_t k = 0; opts != NULL && k < opts->n_marks; k++) {
        const struct gh_trace_mark *m = &opts->marks[k];
        if (m->step != i)
            continue;
        for (size_t r = 0; r < best; r++)
            if (mark_order[r] == m->kind)
                best = r;
        int w = snprintf(dst + len, cap - len, "%s%s%.*s", count ? "\n" : "",
                         m->kind == GH_MARK_FINDING ? "⚠ " : "", (int)sizeof(m->text), m->text);
        if (w > 0)
            len = len + (size_t)w < cap ? len + (size_t)w : cap - 1;
        count++;
    }
    *kind = best < GH_ARRAY_LEN(mark_order) ? mark_order[best] : GH_MARK_FINDING;
    return count;
}

const char *gh_trace_mark_color(uint8_t kind)
{
    switch (kind) {
    case GH_MARK_ADDED:
        return "#1a7f37";
    case GH_MARK_REMOVED:
        return "#6e7781";
    case GH_MARK_MOVED:
        return "#0969da";
    default:
        return "#b42318";
    }
}

const char *gh_trace_mark_fill(uint8_t kind)
{
    switch (kind) {
    case GH_MARK_ADDED:
        return "#e6f4ea";
    case GH_MARK_REMOVED:
        return "#eef0f2";
    case GH_MARK_MOVED:
        return "#e7f0fb";
    default:
        return "#fde8e7";
    }
}

static int steps_valid(const struct gh_trace_step *steps, size_t n)
{
    if (n > GH_TRACE_EXPORT_MAX || (steps == NULL && n > 0))
        return 0;
    for (size_t i = 0; i < n; i++) {
        const struct gh_trace_step *s = &steps[i];
        if (s->from >= GH_P_COUNT || s->to >= GH_P_COUNT || s->kind > GH_STEP_NOTE ||
            s->group_kind > GH_GROUP_LOOP)
            return 0;
    }
    return 1;
}

int gh_trace_export(const struct gh_trace_step *steps, size_t n, enum gh_trace_format fmt,
                    const struct gh_export_opts *opts, struct gh_buf *out)
{
    static const struct gh_export_opts defaults = {NULL, 0, NULL, 0};
    export_fn fn = NULL;
    int rc = GH_EINVAL;
    if (out == NULL || !steps_valid(steps, n) ||
        (opts != NULL && opts->n_marks > 0 && opts->marks == NULL))
        goto out;
    for (size_t i = 0; i < GH_ARRAY_LEN(formats); i++) {
        if (formats[i].fmt == fmt)
            fn = formats[i].fn;
    }
    if (fn == NULL)
        goto out;
    size_t mark = out->len;
    rc = fn(steps, n, opts != NULL ? opts : &defaults, out);
    if (rc < 0 && out->p != NULL) {
        out->len = mark;
        out->p[mark] = '\0';
    }
out:
    return rc;
}

static struct gh_trace_text field(const char *p, size_t cap)
{
    struct gh_trace_text t = {p, strnlen(p, cap)};
    return t;
}

struct gh_trace_text gh_trace_label(const struct gh_trace_step *s)
{
    return field(s->label, sizeof(s->label));
}

struct gh_trace_text gh_trace_note(const struct gh_trace_step *s)
{
    return field(s->note, sizeof(s->note));
}

struct gh_trace_text gh_trace_group(const struct gh_trace_step *s)
{
    return field(s->group, sizeof(s->group));
}

enum gh_step_kind gh_trace_kind(const struct gh_trace_step *s)
{
    if (s->kind == GH_STEP_NOTE || s->kind == GH_STEP_SELF)
        return (enum gh_step_kind)s->kind;
    return s->from == s->to ? GH_STEP_SELF : (enum gh_step_kind)s->kind;
}

/* Same fragment: both titled, same title, same kind. */
static int same_frag(const struct gh_trace_step *a, const struct gh_trace_step *b)
{
    struct gh_trace_text ga = gh_trace_group(a), gb = gh_trace_group(b);
    return ga.n > 0 && ga.n == gb.n && memcmp(ga.p, gb.p, ga.n) == 0 &&
           a->group_kind == b->group_kind;
}

int gh_trace_frag_starts(const struct gh_trace_step *steps, size_t n, size_t i)
{
    if (i >= n || gh_trace_group(&steps[i]).n == 0)
        return 0;
    return i == 0 || !same_frag(&steps[i - 1], &steps[i]);
}

int gh_trace_frag_ends(const struct gh_trace_step *steps, size_t n, size_t i)
{
    if (i >= n || gh_trace_group(&steps[i]).n == 0)
        return 0;
    return i + 1 == n || !same_frag(&steps[i], &steps[i + 1]);
}

const char *gh_trace_frag_word(const struct gh_trace_step *s)
{
    switch (s->group_kind) {
    case GH_GROUP_ALT:
        return "alt";
    case GH_GROUP_LOOP:
        return "loop";
    default:
        return "opt";
    }
}

/* "0.4 ms", "12 ms", "12.3 s": one decimal below 10 ms and above 10 s. */
static void fmt_span(char *dst, size_t cap, int64_t us)
{
    const char *sign = us < 0 ? "-" : "";
    uint64_t u = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
    if (u < 10000)
        snprintf(dst, cap, "%s%" PRIu64 ".%" PRIu64 " ms", sign, u / 1000, u % 1000 / 100);
    else if (u < 10000000)
        snprintf(dst, cap, "%s%" PRIu64 " ms", sign, u / 1000);
    else
        snprintf(dst, cap, "%s%" PRIu64 ".%" PRIu64 " s", sign, u / 1000000, u % 1000000 / 100000);
}

void gh_trace_timing(const struct gh_trace_step *s, int64_t t0, char *dst, size_t cap)
{
    char rel[24], dur[24];
    int64_t d;
    if (__builtin_sub_overflow(s->t_us, t0, &d))
        d = 0;
    fmt_span(rel, sizeof(rel), d);
    if (s->dur_us > 0) {
        fmt_span(dur, sizeof(dur), s->dur_us);
        snprintf(dst, cap, "%s%s (%s)", d >= 0 ? "+" : "", rel, dur);
    } else {
        snprintf(dst, cap, "%s%s", d >= 0 ? "+" : "", rel);
    }
}

uint32_t gh_trace_next_cp(const char *s, size_t n, size_t *i)
{
    const unsigned char *u = (const unsigned char *)s + *i;
    size_t avail = n - *i, len;
    uint32_t c = u[0], min;
    *i += 1; /* an invalid sequence costs one byte and gives one U+FFFD */
    if (c < 0x80)
        return (c < 0x20 && c != '\n') || c == 0x7f ? ' ' : c;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, min = 0x80, c &= 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, min = 0x800, c &= 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, min = 0x10000, c &= 0x07;
    } else {
        return 0xfffd;
    }
    if (avail < len)
        return 0xfffd;
    for (size_t k = 1; k < len; k++) {
        if ((u[k] & 0xc0) != 0x80)
            return 0xfffd;
        c = (c << 6) | (u[k] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
        return 0xfffd;
    *i += len - 1;
    return c >= 0x80 && c < 0xa0 ? ' ' : c; /* C1 controls are not XML-safe either */
}

int gh_trace_put_cp(struct gh_buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
    } else {
        u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
    }
    return gh_buf_append(b, u, n);
}

int gh_trace_put_xml(struct gh_buf *b, const char *s, size_t n, int html)
{
    /* html: the attribute holds HTML, so each entity is itself escaped */
    const char *amp = html ? "&amp;amp;" : "&amp;", *lt = html ? "&amp;lt;" : "&lt;";
    const char *gt = html ? "&amp;gt;" : "&gt;", *quot = html ? "&amp;quot;" : "&quot;";
    const char *apos = html ? "&amp;#39;" : "&#39;", *nl = html ? "&lt;br&gt;" : " ";
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0;) {
        uint32_t c = gh_trace_next_cp(s, n, &i);
        const char *e = c == '&'    ? amp
                        : c == '<'  ? lt
                        : c == '>'  ? gt
                        : c == '"'  ? quot
                        : c == '\'' ? apos
                        : c == '\n' ? nl
                                    : NULL;
        rc = e != NULL ? gh_buf_puts(b, e) : gh_trace_put_cp(b, c);
    }
    return rc;
}

int gh_trace_text_w(const char *s, size_t n, int char_w)
{
    int widest = 0, cur = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n')
            cur = 0;
        else if ((c & 0xc0) != 0x80)
            cur += char_w;
        if (cur > widest)
            widest = cur;
    }
    return widest;
}

int gh_trace_text_lines(const char *s, size_t n)
{
    int lines = n > 0;
    for (size_t i = 0; i < n; i++)
        lines += s[i] == '\n';
    return lines;
}

void gh_trace_emit(struct gh_trace_out *o, const char *fmt, ...)
{
    char small[256], *big = NULL;
    va_list ap;
    if (o->rc < 0)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        o->rc = GH_EINVAL;
    } else if ((size_t)n < sizeof(small)) {
        o->rc = gh_buf_append(o->b, small, (size_t)n);
    } else if ((big = malloc((size_t)n + 1)) == NULL) {
        o->rc = GH_ENOMEM;
    } else {
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        o->rc = gh_buf_append(o->b, big, (size_t)n);
    }
    free(big);
}

void gh_trace_emit_xml(struct gh_trace_out *o, const char *s, size_t n, int html)
{
    if (o->rc == 0)
        o->rc = gh_trace_put_xml(o->b, s, n, html);
}
