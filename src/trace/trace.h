/*
 * Flow recorder data model and sequence-diagram exporters (SPEC section 6).
 * A flow is an ordered list of steps between four participants. The
 * recorder (recorder.c) fills steps at run time and the store keeps them;
 * the exporters read them back, run one layout pass (layout.c) and render
 * it as draw.io XML, SVG, Mermaid or PlantUML. No step ever holds a secret:
 * tokens, codes and verifiers appear only as short fingerprints.
 */
#ifndef GH_TRACE_H
#define GH_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Participants, in the diagram's left-to-right order. */
enum gh_part { GH_P_BROWSER, GH_P_APP, GH_P_AS, GH_P_API, GH_P_COUNT };

enum gh_step_kind {
    GH_STEP_CALL,  /* request: solid arrow from -> to */
    GH_STEP_REPLY, /* response or redirect: dashed arrow from -> to */
    GH_STEP_SELF,  /* work inside one participant (from == to) */
    GH_STEP_NOTE,  /* a note over participant `from` (e.g. a UI message) */
};

/* Fragment a step belongs to; consecutive steps with the same non-empty
 * group title form one fragment. */
enum gh_group_kind {
    GH_GROUP_NONE, /* plain sequence */
    GH_GROUP_OPT,  /* optional/normal section, drawn as "opt" */
    GH_GROUP_ALT,  /* failure path, drawn as "alt" */
    GH_GROUP_LOOP, /* repeated step, e.g. refresh rotation */
};

#define GH_TRACE_LABEL_MAX 160
#define GH_TRACE_NOTE_MAX 120
#define GH_TRACE_GROUP_MAX 64

struct gh_trace_step {
    int64_t t_us;                   /* start, microseconds since the epoch */
    int32_t dur_us;                 /* duration, 0 when unknown */
    uint8_t from, to;               /* enum gh_part */
    uint8_t kind;                   /* enum gh_step_kind */
    uint8_t group_kind;             /* enum gh_group_kind */
    int16_t status;                 /* HTTP status, 0 when none */
    char label[GH_TRACE_LABEL_MAX]; /* e.g. "POST /token (authorization_code)" */
    char note[GH_TRACE_NOTE_MAX];   /* OAuth meaning, e.g. "code exchange" */
    char group[GH_TRACE_GROUP_MAX]; /* fragment title, "" when none */
};

const char *gh_part_name(enum gh_part p); /* "Browser", "Frontend App", ... */

enum gh_trace_format { GH_FMT_DRAWIO, GH_FMT_SVG, GH_FMT_MERMAID, GH_FMT_PLANTUML };
/* 0 and *out for "drawio", "svg", "mermaid", "plantuml"; GH_EINVAL else. */
int gh_trace_format_parse(const char *name, enum gh_trace_format *out /* OUT */);

struct gh_export_opts {
    const char *title; /* diagram title, may be NULL */
    int timings;       /* 1: show times/durations; 0: deterministic output */
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
