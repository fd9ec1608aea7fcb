/*
 * Sequence-diagram exporters (docs/internals/recorder.md): steps read back
 * from the store go through one layout pass (layout.c) and are rendered as
 * draw.io XML, SVG, Mermaid or PlantUML.
 */
#ifndef GH_TRACE_EXPORT_H
#define GH_TRACE_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "trace/step.h"

enum gh_trace_format { GH_FMT_DRAWIO, GH_FMT_SVG, GH_FMT_MERMAID, GH_FMT_PLANTUML };
/* The format names, in one place: for usage lines and error messages. */
#define GH_TRACE_FORMATS_USAGE "drawio|svg|mermaid|plantuml"
#define GH_TRACE_FORMATS_TEXT "drawio, svg, mermaid or plantuml"

/* 0 and *out for one of GH_TRACE_FORMATS_USAGE; GH_EINVAL else. */
int gh_trace_format_parse(const char *name, enum gh_trace_format *out /* OUT */);

/* Something to point out at one step (docs/flow-review.md): a lint finding,
 * drawn red with its rule and RFC section, or a change `trace diff` found. */
enum gh_mark_kind {
    GH_MARK_FINDING, /* red */
    GH_MARK_ADDED,   /* green: only in the second flow */
    GH_MARK_REMOVED, /* grey: only in the first flow */
    GH_MARK_MOVED,   /* blue: in both, elsewhere */
};

#define GH_TRACE_MARK_MAX 200

struct gh_trace_mark {
    size_t step;  /* index of the step it belongs to */
    uint8_t kind; /* enum gh_mark_kind */
    char text[GH_TRACE_MARK_MAX];
};

struct gh_export_opts {
    const char *title; /* diagram title, may be NULL */
    int timings;       /* 1: show times/durations; 0: deterministic output */
    /* marks[0..n_marks), any order, several per step allowed; a step
     * without marks is drawn exactly as without this option */
    const struct gh_trace_mark *marks;
    size_t n_marks;
};

/* Most steps one export draws; longer flows are refused with GH_EINVAL. */
#define GH_TRACE_EXPORT_MAX 10000

/* Renders steps[0..n) in the given format, appending to out. opts may be
 * NULL (no title, no timings). With timings == 0 the bytes depend only on
 * the steps' participants, kinds, statuses, texts and groups: no clock, no
 * random ids. Text is sanitised (invalid UTF-8 becomes U+FFFD) and escaped for
 * the format. 0, or GH_EINVAL for a bad step (participant, kind or group
 * kind out of range, n > GH_TRACE_EXPORT_MAX) or GH_ENOMEM; on failure out
 * is left as it was. */
int gh_trace_export(const struct gh_trace_step *steps, size_t n, enum gh_trace_format fmt,
                    const struct gh_export_opts *opts, struct gh_buf *out);

#endif
