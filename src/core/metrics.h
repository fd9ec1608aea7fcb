/*
 * Process-wide metrics in the Prometheus text format. Counters and
 * histogram buckets are relaxed atomic adds: no lock on the hot path.
 * Request counters are kept per route (the route table's static path
 * strings) and status class.
 */
#ifndef GH_METRICS_H
#define GH_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum gh_counter {
    GH_M_ROTATIONS,          /* refresh rotations */
    GH_M_REUSE_DETECTED,     /* rotated refresh token presented again */
    GH_M_FAMILY_REVOCATIONS, /* families revoked (reuse, code replay, /revoke) */
    GH_M_CODE_REPLAYS,
    GH_M_LOGIN_OK,
    GH_M_LOGIN_FAILURES,
    GH_M_LOGIN_THROTTLED, /* rate-limit hits */
    GH_M_DB_ERRORS,
    GH_M_JWKS_FETCHES, /* by the Resource API */
    GH_M_API_REJECTED, /* tokens the API refused */
    GH_M_COUNTERS
};

enum gh_histogram {
    GH_H_TOKEN,    /* token endpoint latency */
    GH_H_API,      /* API token validation latency */
    GH_H_DB_WRITE, /* store write (commit) latency */
    GH_H_HISTOGRAMS
};

void gh_metric_inc(enum gh_counter c);
/* Access tokens issued, by grant type: slot i is labelled names[i]. The
 * token endpoint's grant table sets the names once, at start (static
 * strings, at most GH_METRIC_GRANTS_MAX); every slot is exposed from then
 * on, also at zero. */
#define GH_METRIC_GRANTS_MAX 8
void gh_metric_grant_names(const char *const *names, size_t n);
void gh_metric_token_issued(size_t grant);
void gh_metric_observe(enum gh_histogram h, int64_t us);
/* Counts a finished request of route (a static string) by status. */
void gh_metric_request(const char *listener, const char *route, int status);
/* Appends the exposition text. */
int gh_metrics_render(struct gh_buf *out);

#endif
