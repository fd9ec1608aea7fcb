/* Metrics storage and Prometheus exposition; see metrics.h. */
#include <stdatomic.h>
#include <string.h>

#include "core/metrics.h"
#include "core/err.h"

#define ROUTES 64
#define CLASSES 5 /* 1xx..5xx */

static const struct {
    const char *name, *help, *label;
} counter_info[GH_M_COUNTERS] = {
    [GH_M_ROTATIONS] = {"gatehouse_refresh_rotations_total", "Refresh tokens rotated", NULL},
    [GH_M_REUSE_DETECTED] = {"gatehouse_refresh_reuse_detected_total",
                             "Rotated refresh tokens presented again", NULL},
    [GH_M_FAMILY_REVOCATIONS] = {"gatehouse_family_revocations_total",
                                 "Refresh-token families revoked", NULL},
    [GH_M_CODE_REPLAYS] = {"gatehouse_code_replays_total", "Authorization codes used twice", NULL},
    [GH_M_LOGIN_OK] = {"gatehouse_logins_total", "Sign-in attempts", "result=\"ok\""},
    [GH_M_LOGIN_FAILURES] = {"gatehouse_logins_total", NULL, "result=\"failed\""},
    [GH_M_LOGIN_THROTTLED] = {"gatehouse_logins_total", NULL, "result=\"rate_limited\""},
    [GH_M_DB_ERRORS] = {"gatehouse_db_errors_total", "Failed store operations", NULL},
    [GH_M_JWKS_FETCHES] = {"gatehouse_api_jwks_fetches_total", "JWKS fetches by the Resource API",
                           NULL},
    [GH_M_API_REJECTED] = {"gatehouse_api_tokens_rejected_total",
                           "Bearer tokens the Resource API refused", NULL},
};

static const struct {
    const char *name, *help;
} hist_info[GH_H_HISTOGRAMS] = {
    [GH_H_TOKEN] = {"gatehouse_token_duration_seconds", "Token endpoint latency"},
    [GH_H_API] = {"gatehouse_api_validation_duration_seconds", "Resource API validation latency"},
    [GH_H_DB_WRITE] = {"gatehouse_db_write_duration_seconds", "Store write latency (commit)"},
};

/* bucket upper bounds in microseconds */
static const int64_t bounds[] = {100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 1000000};
#define BUCKETS (sizeof(bounds) / sizeof(bounds[0]))

static atomic_ullong counters[GH_M_COUNTERS];
static atomic_ullong tokens_issued[GH_METRIC_GRANTS_MAX];
static const char *grant_names[GH_METRIC_GRANTS_MAX];
static _Atomic size_t n_grants;
static struct {
    atomic_ullong bucket[BUCKETS + 1];
    atomic_ullong sum_us, count;
} hists[GH_H_HISTOGRAMS];
static struct {
    _Atomic(const char *) route;
    const char *listener;
    atomic_ullong by_class[CLASSES];
} routes[ROUTES];

void gh_metric_inc(enum gh_counter c)
{
    atomic_fetch_add_explicit(&counters[c], 1, memory_order_relaxed);
}

void gh_metric_grant_names(const char *const *names, size_t n)
{
    if (atomic_load(&n_grants) > 0)
        return;
    n = n < GH_METRIC_GRANTS_MAX ? n : GH_METRIC_GRANTS_MAX;
    for (size_t i = 0; i < n; i++)
        grant_names[i] = names[i];
    atomic_store(&n_grants, n);
}

void gh_metric_token_issued(size_t grant)
{
    if (grant < GH_METRIC_GRANTS_MAX)
        atomic_fetch_add_explicit(&tokens_issued[grant], 1, memory_order_relaxed);
}

void gh_metric_observe(enum gh_histogram h, int64_t us)
{
    size_t b = 0;
    while (b < BUCKETS && us > bounds[b])
        b++;
    atomic_fetch_add_explicit(&hists[h].bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&hists[h].sum_us, (unsigned long long)(us > 0 ? us : 0),
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&hists[h].count, 1, memory_order_relaxed);
}

void gh_metric_request(const char *listener, const char *route, int status)
{
    if (route == NULL || status < 100 || status > 599)
        return;
    size_t h = ((uintptr_t)route >> 4) % ROUTES;
    for (size_t probe = 0; probe < ROUTES; probe++, h = (h + 1) % ROUTES) {
        const char *cur = atomic_load_explicit(&routes[h].route, memory_order_acquire);
        if (cur == NULL) {
            const char *expected = NULL;
            routes[h].listener = listener;
            if (!atomic_compare_exchange_strong(&routes[h].route, &expected, route) &&
                expected != route)
                continue;
            cur = route;
        }
        if (cur == route) {
            atomic_fetch_add_explicit(&routes[h].by_class[status / 100 - 1], 1,
                                      memory_order_relaxed);
            return;
        }
    }
}

static void render_counters(struct gh_buf *b)
{
    size_t n = atomic_load(&n_grants);
    if (n > 0)
        gh_buf_puts(b, "# HELP gatehouse_tokens_issued_total Access tokens issued\n"
                       "# TYPE gatehouse_tokens_issued_total counter\n");
    for (size_t i = 0; i < n; i++)
        gh_buf_printf(b, "gatehouse_tokens_issued_total{grant_type=\"%s\"} %llu\n", grant_names[i],
                      (unsigned long long)atomic_load(&tokens_issued[i]));
    for (int c = 0; c < GH_M_COUNTERS; c++) {
        if (counter_info[c].help != NULL)
            gh_buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n", counter_info[c].name,
                          counter_info[c].help, counter_info[c].name);
        gh_buf_printf(b, "%s%s%s%s %llu\n", counter_info[c].name, counter_info[c].label ? "{" : "",
                      counter_info[c].label ? counter_info[c].label : "",
                      counter_info[c].label ? "}" : "",
                      (unsigned long long)atomic_load(&counters[c]));
    }
}

static void render_hists(struct gh_buf *b)
{
    for (int h = 0; h < GH_H_HISTOGRAMS; h++) {
        const char *n = hist_info[h].name;
        gh_buf_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", n, hist_info[h].help, n);
        unsigned long long cum = 0;
        for (size_t i = 0; i <= BUCKETS; i++) {
            cum += atomic_load(&hists[h].bucket[i]);
            if (i < BUCKETS)
                gh_buf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", n, (double)bounds[i] / 1e6, cum);
            else
                gh_buf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n", n, cum);
        }
        gh_buf_printf(b, "%s_sum %.6f\n%s_count %llu\n", n,
                      (double)atomic_load(&hists[h].sum_us) / 1e6, n,
                      (unsigned long long)atomic_load(&hists[h].count));
    }
}

int gh_metrics_render(struct gh_buf *b)
{
    gh_buf_puts(b, "# HELP gatehouse_http_requests_total Requests by listener, endpoint and "
                   "status class\n# TYPE gatehouse_http_requests_total counter\n");
    for (size_t i = 0; i < ROUTES; i++) {
        const char *route = atomic_load(&routes[i].route);
        for (int c = 0; route != NULL && c < CLASSES; c++) {
            unsigned long long v = atomic_load(&routes[i].by_class[c]);
            if (v > 0)
                gh_buf_printf(b,
                              "gatehouse_http_requests_total{listener=\"%s\",endpoint=\"%s\","
                              "status=\"%dxx\"} %llu\n",
                              routes[i].listener, route, c + 1, v);
        }
    }
    render_counters(b);
    render_hists(b);
    return b->p != NULL && b->len < b->max ? 0 : GH_ENOMEM;
}
