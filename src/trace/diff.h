/*
 * `gatehouse trace diff`: two flows compared by meaning (vocab.h), not by
 * token values or timings. Each flow is reduced to its sequence of OAuth
 * steps (meaning, the two participants, and whether it failed); the two
 * sequences are aligned by their longest common subsequence, and a step
 * removed at one place and added at another is reported as moved. The
 * result is shown as text (like a unified diff), JSON, or as one diagram
 * with the changes marked (docs/flow-review.md).
 */
#ifndef GH_TRACE_DIFF_H
#define GH_TRACE_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "trace/export.h"
#include "trace/step.h"

/* Most OAuth steps one side of a diff may have. */
#define GH_DIFF_ITEMS_MAX 2000

enum gh_diff_op {
    GH_DIFF_SAME,
    GH_DIFF_ADDED,     /* only in b */
    GH_DIFF_REMOVED,   /* only in a */
    GH_DIFF_MOVED_OUT, /* in a here, in b elsewhere (line `other`) */
    GH_DIFF_MOVED_IN,  /* in b here, in a elsewhere (line `other`) */
};

#define GH_DIFF_NONE ((size_t)-1)

struct gh_diff_line {
    uint8_t op;     /* enum gh_diff_op */
    uint8_t failed; /* the step failed (4xx/5xx, or an error redirect) */
    size_t a, b;    /* the call step in a / in b, GH_DIFF_NONE when not there */
    size_t other;   /* moved: the line of the other end */
};

struct gh_diff {
    struct gh_diff_line *lines; /* owned */
    size_t n;
    size_t same, added, removed, moved;
};

/* Aligns the OAuth steps of a[0..na) and b[0..nb). 0, GH_EINVAL (a side
 * has more than GH_DIFF_ITEMS_MAX steps), GH_ENOMEM. */
int gh_trace_diff(const struct gh_trace_step *a, size_t na, const struct gh_trace_step *b,
                  size_t nb, struct gh_diff *out /* OUT */);
void gh_diff_release(struct gh_diff *d);

/* As text: "--- a" / "+++ b" headers, one line per step prefixed ' ', '-'
 * or '+', moves named, a summary; for flows that are the same, one line. */
int gh_diff_text(const struct gh_diff *d, const struct gh_trace_step *a,
                 const struct gh_trace_step *b, const char *name_a, const char *name_b,
                 struct gh_buf *out);
/* As a JSON object {same, added, removed, moved, steps: [...]}. */
int gh_diff_json(const struct gh_diff *d, const struct gh_trace_step *a,
                 const struct gh_trace_step *b, struct gh_buf *out);
/* As one flow for the exporters: the steps of b with those only in a put
 * back where they were, each change marked. New arrays (caller frees). */
int gh_diff_flow(const struct gh_diff *d, const struct gh_trace_step *a, size_t na,
                 const struct gh_trace_step *b, size_t nb, struct gh_trace_step **steps /* OUT */,
                 size_t *n /* OUT */, struct gh_trace_mark **marks /* OUT */,
                 size_t *nmarks /* OUT */);

#endif
