/*
 * The flow recorder's data model (docs/internals/recorder.md): a flow is an
 * ordered list of steps between four participants. The recorder
 * (recorder.h) fills steps at run time, the store keeps them, the
 * exporters (export.h) draw them. No step ever holds a secret: tokens,
 * codes and verifiers appear only as short fingerprints. A step's note
 * names its OAuth meaning from one vocabulary (trace/vocab.h), shared by
 * the recorder and `trace import`. This header has
 * no dependencies beyond the C library, so the store can include it.
 */
#ifndef GH_TRACE_STEP_H
#define GH_TRACE_STEP_H

#include <stdint.h>

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
#define GH_TRACE_ATTRS_MAX 256

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
    /* What the flow review checks (trace/attrs.h): "key=value" pairs,
     * secrets only as fingerprints. Imported steps fill it; the recorder
     * leaves it "". Never drawn. */
    char attrs[GH_TRACE_ATTRS_MAX];
};

const char *gh_part_name(enum gh_part p); /* "Browser", "Frontend App", ... */

#endif
