/*
 * The server's settings: one typed struct filled from the table in
 * settings.c, which drives `serve` flags, the --config file, GATEHOUSE_*
 * environment variables, `serve --help` and docs/configuration.md.
 */
#ifndef GH_SETTINGS_H
#define GH_SETTINGS_H

#include <stdint.h>

#include "core/opts.h"

struct gh_settings {
    char *config;
    char *db;
    char *listen;
    char *api_listen;
    char *app_listen;
    char *metrics_listen;
    char *issuer;
    char *audience;
    char *tls_cert;
    char *tls_key;
    int64_t code_ttl;
    int64_t access_ttl;
    int64_t refresh_ttl;
    int64_t refresh_idle_ttl;
    int64_t refresh_reuse_grace;
    int64_t session_ttl;
    int64_t dpop_window;
    int dpop_nonce;
    int trace;
    int64_t trace_keep;
    int64_t threads;
    int64_t max_body;
    int64_t max_conns;
    int64_t max_conns_per_ip;
    int64_t conn_memory;
    int64_t conn_timeout;
    int64_t login_max_failures;
    int64_t login_lockout;
    char *trusted_proxies;
    int64_t api_leeway;
    int64_t jwks_refetch_interval;
    int app_trusted;
    char *app_client_id;
    char *log_level;
    char *log_format;
    int64_t purge_interval;
    int64_t backchannel_retry;
    int64_t backchannel_timeout;
    char *registration;
    char *registration_scope;
    int64_t registration_rate;
    char *api_url;
};

extern const struct gh_opt_table gh_settings_table;

#endif
