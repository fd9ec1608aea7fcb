/* The settings table (docs/configuration.md): every server setting, once. */
#include <stddef.h>

#include "core/settings.h"

#define S(field) offsetof(struct gh_settings, field)
#define DAY 86400

static const struct gh_opt opts[] = {
    {"config", GH_OPT_STR, S(config), NULL, 0, 0, "read settings from this file (key = value)",
     GH_OPT_NOFILE | GH_OPT_NOENV},
    {"db", GH_OPT_STR, S(db), "sqlite:./gatehouse.db", 0, 0,
     "database URL: sqlite:PATH or postgres://...", 0},
    {"listen", GH_OPT_ADDR, S(listen), "127.0.0.1:9000", 0, 0, "Authorization Server address", 0},
    {"api-listen", GH_OPT_ADDR, S(api_listen), "", 0, 0, "Resource API address (off if empty)", 0},
    {"app-listen", GH_OPT_ADDR, S(app_listen), "", 0, 0, "Frontend App address (off if empty)", 0},
    {"metrics-listen", GH_OPT_ADDR, S(metrics_listen), "", 0, 0,
     "Prometheus metrics address, GET /metrics (off if empty; keep it private)", 0},
    {"issuer", GH_OPT_URL, S(issuer), "", 0, 0, "issuer URL (default: the one set by init)", 0},
    {"audience", GH_OPT_URL, S(audience), "", 0, 0,
     "access-token audience, the Resource API's identifier (default: ISSUER/api)", 0},
    {"tls-cert", GH_OPT_STR, S(tls_cert), "", 0, 0, "PEM certificate: serve HTTPS natively", 0},
    {"tls-key", GH_OPT_STR, S(tls_key), "", 0, 0, "PEM private key for --tls-cert", 0},
    {"code-ttl", GH_OPT_INT, S(code_ttl), "60", 1, 600, "authorization code lifetime, seconds", 0},
    {"access-ttl", GH_OPT_INT, S(access_ttl), "300", 1, DAY, "access token lifetime, seconds", 0},
    {"refresh-ttl", GH_OPT_INT, S(refresh_ttl), "2592000", 1, 365 * DAY,
     "refresh token absolute lifetime (whole family), seconds", 0},
    {"refresh-idle-ttl", GH_OPT_INT, S(refresh_idle_ttl), "1209600", 1, 365 * DAY,
     "refresh token idle lifetime since the last rotation, seconds", 0},
    {"refresh-reuse-grace", GH_OPT_INT, S(refresh_reuse_grace), "0", 0, 300,
     "seconds in which the previous refresh token may be presented again", 0},
    {"session-ttl", GH_OPT_INT, S(session_ttl), "28800", 60, 30 * DAY,
     "browser sign-in session lifetime at the Authorization Server, seconds", 0},
    {"trace", GH_OPT_BOOL, S(trace), "false", 0, 0, "record flows for `trace export`", 0},
    {"trace-keep", GH_OPT_INT, S(trace_keep), "200", 1, 1000000,
     "most flows --trace keeps; the oldest are dropped", 0},
    {"threads", GH_OPT_INT, S(threads), "0", 0, 1024,
     "Authorization Server connection threads (0: one per core; password hashing has its own)", 0},
    {"max-body", GH_OPT_INT, S(max_body), "65536", 1024, 16777216,
     "largest request body accepted, bytes (larger: 413)", 0},
    {"max-conns", GH_OPT_INT, S(max_conns), "1024", 1, 100000, "connection limit per listener", 0},
    {"max-conns-per-ip", GH_OPT_INT, S(max_conns_per_ip), "0", 0, 100000,
     "connection limit per client address (0 = none)", 0},
    {"conn-timeout", GH_OPT_INT, S(conn_timeout), "30", 1, 3600, "idle connection timeout, seconds",
     0},
    {"login-max-failures", GH_OPT_INT, S(login_max_failures), "5", 1, 1000,
     "failed sign-ins per user or address before a lockout", 0},
    {"login-lockout", GH_OPT_INT, S(login_lockout), "300", 1, DAY,
     "lockout after too many failed sign-ins, seconds", 0},
    {"trusted-proxies", GH_OPT_STR, S(trusted_proxies), "", 0, 0,
     "CIDR[,CIDR...] of reverse proxies whose X-Forwarded-For / Forwarded name the client "
     "(empty: none; the headers are ignored)",
     0},
    {"api-leeway", GH_OPT_INT, S(api_leeway), "30", 0, 300,
     "Resource API clock leeway for exp/nbf/iat, seconds", 0},
    {"jwks-refetch-interval", GH_OPT_INT, S(jwks_refetch_interval), "10", 1, 3600,
     "Resource API: least seconds between JWKS fetches for unknown kids", 0},
    {"app-trusted", GH_OPT_BOOL, S(app_trusted), "false", 0, 0,
     "the Frontend App's client skips the consent page", 0},
    {"app-client-id", GH_OPT_STR, S(app_client_id), "gatehouse-app", 0, 0,
     "client id the Frontend App registers and uses", 0},
    {"log-level", GH_OPT_STR, S(log_level), "info", 0, 0, "error, warn, info or debug", 0},
    {"log-format", GH_OPT_STR, S(log_format), "logfmt", 0, 0, "logfmt or json", 0},
    {"purge-interval", GH_OPT_INT, S(purge_interval), "60", 1, DAY,
     "seconds between background deletions of expired rows", 0},
};

const struct gh_opt_table gh_settings_table = {opts, sizeof(opts) / sizeof(opts[0])};
