/*
 * `gatehouse trace lint`: a flow's recorded order of messages checked
 * against the OAuth security BCP (RFC 9700) and the RFCs it builds on, by
 * one table of rules (lint.c; docs/flow-review.md explains each). Rules
 * read the facts steps carry (attrs.h), so they judge imported flows; a
 * step without facts (recorded by gatehouse itself) is never flagged.
 */
#ifndef GH_TRACE_LINT_H
#define GH_TRACE_LINT_H

#include <stddef.h>

#include "trace/export.h"
#include "trace/step.h"

enum gh_lint_severity { GH_LINT_WARNING, GH_LINT_ERROR };

struct gh_lint_rule {
    const char *id;      /* "pkce-missing" */
    const char *section; /* "RFC 9700 2.1.1" */
    const char *summary; /* one line: what it finds */
};

struct gh_lint_finding {
    size_t step; /* index into the steps checked */
    const struct gh_lint_rule *rule;
    enum gh_lint_severity severity;
    char msg[200]; /* what happened at that step; no secret */
};

/* The rules, in the order they are checked. Borrowed, static. */
const struct gh_lint_rule *gh_lint_rules(size_t *n /* OUT */);
const char *gh_lint_severity_name(enum gh_lint_severity s); /* "error", "warning" */

/* Checks steps[0..n). *out (new, caller frees; NULL when none) gets the
 * findings, in step order. 0 or GH_ENOMEM. */
int gh_trace_lint(const struct gh_trace_step *steps, size_t n,
                  struct gh_lint_finding **out /* OUT */, size_t *nout /* OUT */);

/* The findings as exporter marks (one each, kind GH_MARK_FINDING). New
 * (caller frees); 0 or GH_ENOMEM. */
int gh_lint_marks(const struct gh_lint_finding *f, size_t n, struct gh_trace_mark **out /* OUT */);

#endif
