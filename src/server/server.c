/* Assembly of the listeners and background work; see server.h. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/password.h"
#include "jose/dpop.h"
#include "oauth/oauth.h"
#include "oauth/pages.h"
#include "oauth/passkey.h"
#include "oauth/reg.h"
#include "proto/proto.h"
#include "server/server.h"
#include "oauth/backchannel.h"
#include "server/app_logout.h"
#include "trace/recorder.h"
#include "core/err.h"
#include "core/workq.h"

/* sign-ins waiting for a hashing thread; beyond this they get 503 */
#define HASH_QUEUE_MAX 256
#define HASH_NICE 10
#define HASH_IDLE_MS 2000        /* a hashing thread idle this long frees its argon2 memory */
#define PURGE_REST_MAX_US 100000 /* the longest rest between two purge batches */
#define PURGE_BATCH_MAX 1000     /* a ramping purge's largest batch */
#define PURGE_RAMP 3             /* purge intervals a pass runs before its batch doubles */

static const struct gh_route as_routes[] = {
    {GH_GET, "/.well-known/oauth-authorization-server", gh_h_discovery},
    {GH_GET, "/.well-known/openid-configuration", gh_h_discovery},
    {GH_GET, "/jwks", gh_h_jwks},
    {GH_OPTIONS, "/.well-known/oauth-authorization-server", gh_h_public_preflight},
    {GH_OPTIONS, "/.well-known/openid-configuration", gh_h_public_preflight},
    {GH_OPTIONS, "/jwks", gh_h_public_preflight},
    {GH_GET | GH_POST, "/authorize", gh_h_authorize},
    {GH_POST, "/login", gh_h_login},
    {GH_POST, "/login/otp", gh_h_login_otp},
    {GH_POST, "/login/passkey/options", gh_h_login_passkey_options},
    {GH_POST, "/login/passkey", gh_h_login_passkey},
    {GH_POST, "/consent", gh_h_consent},
    {GH_POST, "/token", gh_h_token},
    {GH_OPTIONS, "/token", gh_h_cors_preflight},
    {GH_POST, "/revoke", gh_h_revoke},
    {GH_OPTIONS, "/revoke", gh_h_cors_preflight},
    {GH_POST, "/introspect", gh_h_introspect},
    {GH_POST, "/register", gh_h_register},
    {GH_GET | GH_PUT | GH_DELETE, "/register/*", gh_h_register_manage},
    {GH_GET | GH_POST, "/userinfo", gh_h_userinfo},
    {GH_OPTIONS, "/userinfo", gh_h_userinfo_preflight},
    {GH_GET | GH_POST, "/logout", gh_h_logout},
    {GH_GET, "/account", gh_h_account},
    {GH_POST, "/account/sessions/signout", gh_h_account_signout},
    {GH_POST, "/account/totp/setup", gh_h_account_totp_setup},
    {GH_POST, "/account/totp/confirm", gh_h_account_totp_confirm},
    {GH_POST, "/account/totp/disable", gh_h_account_totp_disable},
    {GH_POST, "/account/recovery", gh_h_account_recovery},
    {GH_POST, "/account/passkeys/options", gh_h_account_passkeys_options},
    {GH_POST, "/account/passkeys", gh_h_account_passkeys_add},
    {GH_POST, "/account/passkeys/rename", gh_h_account_passkeys_rename},
    {GH_POST, "/account/passkeys/remove", gh_h_account_passkeys_remove},
    {GH_GET, "/gh.css", gh_h_stylesheet},
    {GH_GET, "/passkey.js", gh_h_passkey_js},
    {GH_GET, "/healthz", gh_h_healthz},
    {GH_GET, "/readyz", gh_h_readyz},
};

/* One line per request (no query string, no secret) and the metrics. addr
 * is the client (src/http/addr.h); peer, only when it differs, the proxy. */
static void access_log(struct gh_req *r)
{
    static atomic_ullong next_id;
    gh_metric_request(r->listener, r->route, r->status);
    if (!gh_log_enabled(GH_LOG_INFO))
        return;
    char status[8], us[24], id[20];
    snprintf(status, sizeof(status), "%d", r->status);
    snprintf(us, sizeof(us), "%lld", (long long)(gh_mono_us() - r->start_us));
    snprintf(id, sizeof(id), "%llx", (unsigned long long)atomic_fetch_add(&next_id, 1) + 1);
    gh_log(GH_LOG_INFO, "request", "id", id, "listener", r->listener, "method",
           r->method == GH_POST  ? "POST"
           : r->method == GH_GET ? "GET"
                                 : "OTHER",
           "path", r->route ? r->route : "(unknown)", "status", status, "client_id",
           r->client_id ? r->client_id : "-", "latency_us", us, "addr", r->addr,
           /* the proxy, when a trusted one named the client (a NULL key ends the list) */
           strcmp(r->addr, r->peer) != 0 ? "peer" : NULL, r->peer, NULL);
}

static void h_metrics(struct gh_req *r)
{
    struct gh_buf b;
    gh_buf_init(&b, 1 << 20);
    gh_metrics_render(&b);
    char *text = b.p ? gh_arena_strndup(r->arena, b.p, b.len) : NULL;
    gh_buf_release(&b);
    gh_resp_body(r, text ? 200 : 500, "text/plain; version=0.0.4", text ? text : "",
                 text ? strlen(text) : 0);
}

static const struct gh_route metrics_routes[] = {
    {GH_GET, "/metrics", h_metrics},
};

/* srv->stopping, read under the lock that guards it */
static int purge_stopping(struct gh_server *srv)
{
    pthread_mutex_lock(&srv->purge_lock);
    int stop = srv->stopping;
    pthread_mutex_unlock(&srv->purge_lock);
    return stop;
}

/* One pass: batches until a batch finds nothing. A pass is not capped: a
 * server spending tokens faster than a cap per interval would grow for
 * ever. The backend says how to pace it (gh_store_purge_pace): the batch
 * to start with and how many times a batch's duration to rest after it.
 * On SQLite, whose one writer the rotations share, that is a trickle of
 * small batches with twice their time between them, so that no rotation
 * waits behind more than a few rows' deletes and the pass takes at most a
 * third of the writer. A trickle that cannot keep up would let the
 * database grow, so each time a pass has run PURGE_RAMP intervals without
 * finding the end, its batch doubles (up to PURGE_BATCH_MAX): a backlog
 * is cleared at the cost of a longer wait per batch. bench/purge.sh
 * measures both: the database's size over ten minutes, and the token
 * endpoint's p99 while a pass runs. */
static void purge_pass(struct gh_server *srv)
{
    int64_t t0 = gh_mono_us();
    int64_t ramp_us = (int64_t)srv->cfg->purge_interval * PURGE_RAMP * 1000000;
    int64_t next_ramp = t0 + ramp_us;
    long deleted = 0;
    int n = 0, batch, rest;
    gh_store_purge_pace(srv->store, &batch, &rest);
    for (;;) {
        int64_t b0 = gh_mono_us();
        if (purge_stopping(srv) || gh_store_purge(srv->store, gh_now(), batch, &n) < 0 || n == 0)
            break;
        deleted += n;
        int64_t b1 = gh_mono_us();
        if (b1 >= next_ramp) {
            if (batch < PURGE_BATCH_MAX)
                batch = batch * 2 < PURGE_BATCH_MAX ? batch * 2 : PURGE_BATCH_MAX;
            next_ramp = b1 + ramp_us;
        }
        int64_t took = rest * (b1 - b0);
        struct timespec ts = {0,
                              (long)(took < PURGE_REST_MAX_US ? took : PURGE_REST_MAX_US) * 1000L};
        if (took > 0)
            nanosleep(&ts, NULL);
    }
    if (deleted > 0) {
        char rows[24], ms[24], last[24];
        snprintf(rows, sizeof(rows), "%ld", deleted);
        snprintf(ms, sizeof(ms), "%lld", (long long)((gh_mono_us() - t0) / 1000));
        snprintf(last, sizeof(last), "%d", batch);
        gh_log(GH_LOG_INFO, "purged expired rows", "rows", rows, "ms", ms, "batch", last, NULL);
    }
}

static void *purge_main(void *arg)
{
    struct gh_server *srv = arg;
    pthread_mutex_lock(&srv->purge_lock);
    while (!srv->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += srv->cfg->purge_interval;
        pthread_cond_timedwait(&srv->purge_wake, &srv->purge_lock, &until);
        if (srv->stopping)
            break;
        pthread_mutex_unlock(&srv->purge_lock);
        purge_pass(srv);
        pthread_mutex_lock(&srv->purge_lock);
    }
    pthread_mutex_unlock(&srv->purge_lock);
    return NULL;
}

static int listen_on(struct gh_server *srv, const char *name, const char *addr,
                     const struct gh_route *routes, size_t n, void *ctx, unsigned threads,
                     struct gh_http **out, char *url, char *err, size_t errlen)
{
    struct gh_http_opts o = {
        .name = name,
        .listen = addr,
        .routes = routes,
        .n_routes = n,
        .ctx = ctx,
        .threads = threads,
        .max_body = (size_t)srv->cfg->max_body,
        .max_conns = (unsigned)srv->cfg->max_conns,
        .max_conns_per_ip = (unsigned)srv->cfg->max_conns_per_ip,
        .conn_timeout = (unsigned)srv->cfg->conn_timeout,
        .conn_memory = (size_t)srv->cfg->conn_memory,
        .after = access_log,
        .tls_cert_pem = srv->tls_cert,
        .tls_key_pem = srv->tls_key,
        .trusted_proxies = &srv->trusted,
    };
    int rc = gh_http_start(&o, out, err, errlen);
    if (rc == 0 && url != NULL) {
        char host[128];
        snprintf(host, sizeof(host), "%.*s", (int)(strrchr(addr, ':') - addr), addr);
        snprintf(url, GH_URI_MAX, "%s://%s:%u", srv->tls_cert ? "https" : "http", host,
                 gh_http_port(*out));
    }
    return rc;
}

static int origin_ok(void *arg, const char *origin)
{
    struct gh_as *as = arg;
    struct gh_snap *s = gh_as_snap(as);
    int ok = gh_snap_origin_allowed(s, origin);
    gh_snap_put(as, s);
    return ok;
}

/* Makes sure the Frontend App's public client exists for its origin. */
static int ensure_app_client(struct gh_server *srv)
{
    struct gh_client *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return GH_ENOMEM;
    int exists = gh_store_client_get(srv->store, srv->cfg->app_client_id, c) == 0;
    char redirect[GH_URI_MAX];
    char home[GH_URI_MAX]; /* where its Sign out comes back to (RP-Initiated Logout 1.0) */
    snprintf(redirect, sizeof(redirect), "%.*s/callback", GH_URI_MAX - 16, srv->app_url);
    snprintf(home, sizeof(home), "%.*s/", GH_URI_MAX - 16, srv->app_url);
    char bcl[GH_URI_MAX]; /* its back end receives back-channel logouts */
    snprintf(bcl, sizeof(bcl), "%.*s/backchannel-logout", GH_URI_MAX - 32, srv->app_url);
    int same = exists && c->is_public && c->n_redirect == 1 &&
               strcmp(c->redirect[0], redirect) == 0 && c->trusted == srv->cfg->app_trusted &&
               c->n_post_logout == 1 && strcmp(c->post_logout[0], home) == 0 &&
               strcmp(c->backchannel_uri, bcl) == 0;
    int rc = 0;
    if (!same) {
        snprintf(c->id, sizeof(c->id), "%s", srv->cfg->app_client_id);
        c->is_public = 1;
        c->trusted = srv->cfg->app_trusted;
        memset(c->secret_hash, 0, sizeof(c->secret_hash));
        if (!exists)
            snprintf(c->scope, sizeof(c->scope), "openid profile offline_access api");
        c->n_redirect = 1;
        snprintf(c->redirect[0], GH_URI_MAX, "%s", redirect);
        c->n_origin = 1;
        snprintf(c->origin[0], GH_URI_MAX, "%s", srv->app_url);
        c->n_post_logout = 1;
        snprintf(c->post_logout[0], GH_URI_MAX, "%s", home);
        snprintf(c->backchannel_uri, sizeof(c->backchannel_uri), "%s", bcl);
        c->created_at = gh_now();
        rc = exists ? gh_store_client_update(srv->store, c) : gh_store_client_add(srv->store, c);
        if (rc == 0)
            gh_as_reload(&srv->as);
    }
    free(c);
    return rc;
}

/* The store's DPoP replay table, for the Resource API (api.h). */
static void api_jti_use(void *arg, const unsigned char jti[32], const char *jkt, int64_t expires_at,
                        void (*done)(void *done_arg, int rc), void *done_arg)
{
    gh_store_dpop_jti_use_async(arg, jti, jkt, expires_at, done, done_arg);
}

/* The API's RFC 9728 identity: --api-url, else its origin; the scopes of
 * the resource registered under that URI (`resource add --scope`), else
 * those it serves. */
static int api_resource(struct gh_server *srv)
{
    const char *url = srv->cfg->api_url && srv->cfg->api_url[0] ? srv->cfg->api_url : srv->api_url;
    struct gh_resource res;
    int found = gh_store_resource_get(srv->store, url, &res) == 0 && res.scope[0] != '\0';
    return gh_api_set_resource(srv->api, url, found ? res.scope : "api admin");
}

static int start_api(struct gh_server *srv, char *err, size_t errlen)
{
    struct gh_snap *s = gh_as_snap(&srv->as);
    /* nonces work across processes: their key comes from the database */
    unsigned char nonce_key[32];
    int nonce_on =
        srv->cfg->dpop_nonce && gh_dpop_nonce_key(s->csrf_key, sizeof(s->csrf_key), nonce_key) == 0;
    struct gh_api_cfg ac = {
        .issuer = s->issuer,
        .audience = s->audience,
        .leeway = srv->cfg->api_leeway,
        .refetch_interval = srv->cfg->jwks_refetch_interval,
        .rec = srv->rec,
        .origin_ok = origin_ok,
        .origin_arg = &srv->as,
        .public_url = srv->api_url, /* filled in by listen_on below */
        .dpop_window = srv->cfg->dpop_window,
        .dpop_nonce_key = nonce_on ? nonce_key : NULL,
        .dpop_jti_use = api_jti_use,
        .dpop_arg = srv->store,
    };
    int rc = gh_api_new(&ac, &srv->api);
    OPENSSL_cleanse(nonce_key, sizeof(nonce_key));
    gh_snap_put(&srv->as, s);
    if (rc < 0) {
        snprintf(err, errlen, "cannot start the Resource API");
        return rc;
    }
    /* the API waits on the store only for a DPoP proof's jti, and then
     * without holding a thread: an epoll pool of a few threads */
    rc = listen_on(srv, "api", srv->cfg->api_listen, gh_api_routes, gh_api_n_routes, srv->api, 4,
                   &srv->api_http, srv->api_url, err, errlen);
    if (rc == 0 && (rc = api_resource(srv)) < 0)
        snprintf(err, errlen, "bad --api-url '%s'", srv->cfg->api_url);
    return rc;
}

static int start_app(struct gh_server *srv, char *err, size_t errlen)
{
    /* the app's origin is part of its client registration: a fixed port */
    const char *addr = srv->cfg->app_listen;
    if (strcmp(strrchr(addr, ':'), ":0") == 0) {
        snprintf(err, errlen, "--app-listen needs a fixed port");
        return GH_EINVAL;
    }
    snprintf(srv->app_url, sizeof(srv->app_url), "http://%s", addr);
    int rc = gh_app_logout_new(srv->issuer, srv->cfg->app_client_id, &srv->app_logout);
    if (rc < 0) {
        snprintf(err, errlen, "cannot start the Frontend App");
        return rc;
    }
    struct gh_app_cfg pc = {
        .issuer = srv->issuer,
        .client_id = srv->cfg->app_client_id,
        .origin = srv->app_url,
        .api_base = srv->api_url[0] ? srv->api_url : srv->issuer,
        .scope = "openid profile offline_access api",
        .rec = srv->rec,
        .logout_check = gh_app_logout_check,
        .logout_arg = srv->app_logout,
    };
    rc = gh_app_new(&pc, &srv->app);
    if (rc < 0) {
        snprintf(err, errlen, "cannot start the Frontend App");
        return rc;
    }
    if ((rc = ensure_app_client(srv)) < 0) {
        snprintf(err, errlen, "cannot register the Frontend App's client: %s", gh_strerror(rc));
        return rc;
    }
    return listen_on(srv, "app", addr, gh_app_routes, gh_app_n_routes, srv->app, 2, &srv->app_http,
                     NULL, err, errlen);
}

static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char *data = NULL;
    size_t len = 0;
    if (f != NULL) {
        data = calloc(1, 1 << 20);
        len = data ? fread(data, 1, (1 << 20) - 1, f) : 0;
        fclose(f);
    }
    if (data == NULL || len == 0) {
        snprintf(err, errlen, "cannot read '%s'", path);
        free(data);
        return NULL;
    }
    return data;
}

static int load_tls(struct gh_server *srv, char *err, size_t errlen)
{
    if (srv->cfg->tls_cert == NULL || srv->cfg->tls_cert[0] == '\0')
        return 0;
    srv->tls_cert = read_file(srv->cfg->tls_cert, err, errlen);
    srv->tls_key = srv->tls_cert ? read_file(srv->cfg->tls_key, err, errlen) : NULL;
    return srv->tls_key != NULL ? 0 : GH_EIO;
}

int gh_server_start(struct gh_server *srv, struct gh_settings *cfg, struct gh_store *store,
                    char *err, size_t errlen)
{
    memset(srv, 0, sizeof(*srv));
    srv->cfg = cfg;
    srv->store = store;
    pthread_mutex_init(&srv->purge_lock, NULL);
    pthread_cond_init(&srv->purge_wake, NULL);
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", (long long)cfg->access_ttl);
    char old[32] = "";
    gh_store_setting_get(store, "access_ttl", old, sizeof(old));
    if (strcmp(old, buf) != 0)
        gh_store_setting_set(store, "access_ttl", buf);
    char why[160];
    if (gh_cidrs_parse(cfg->trusted_proxies ? cfg->trusted_proxies : "", &srv->trusted, why,
                       sizeof(why)) < 0) {
        snprintf(err, errlen, "bad --trusted-proxies: %s", why);
        return GH_EINVAL;
    }
    if (cfg->trace && gh_recorder_new(store, (int)cfg->trace_keep, &srv->rec) < 0) {
        snprintf(err, errlen, "cannot start the flow recorder");
        return GH_ENOMEM;
    }
    gh_password_prepare();
    int rc = load_tls(srv, err, errlen);
    if (rc == 0)
        rc = gh_as_init(&srv->as, cfg, store, err, errlen);
    if (rc < 0) {
        gh_recorder_free(srv->rec);
        free(srv->tls_cert);
        free(srv->tls_key);
        return rc;
    }
    srv->as.rec = srv->rec;
    struct gh_snap *s = gh_as_snap(&srv->as);
    snprintf(srv->issuer, sizeof(srv->issuer), "%s", s->issuer);
    gh_snap_put(&srv->as, s);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned ncores = (unsigned)(cores > 0 ? cores : 1);
    /* argon2id runs here, so no connection thread waits tens of ms on one;
     * without the pool sign-ins hash on the connection threads */
    if (gh_workq_start(ncores, HASH_QUEUE_MAX, "gh-hash", &srv->as.hashq) < 0)
        srv->as.hashq = NULL;
    /* and below the connection threads: in a login storm the hashes take
     * whatever CPU the token endpoint leaves, not the other way round */
    if (srv->as.hashq != NULL) {
        gh_workq_set_nice(srv->as.hashq, HASH_NICE);
        /* each thread keeps argon2's 19 MiB between sign-ins (password.c);
         * idle for a while, it gives it back */
        gh_workq_set_idle(srv->as.hashq, gh_password_thread_release, HASH_IDLE_MS);
    }
    /* one per core: more only adds tail latency (threads queue for cores) */
    unsigned threads = cfg->threads ? (unsigned)cfg->threads : ncores;
    /* the Authorization Server last: once its /healthz answers, every
     * listener of this process is up (deployments and tests wait on it) */
    rc = 0;
    if (cfg->api_listen && cfg->api_listen[0])
        rc = start_api(srv, err, errlen);
    if (rc == 0 && cfg->app_listen && cfg->app_listen[0])
        rc = start_app(srv, err, errlen);
    if (rc == 0 && cfg->metrics_listen && cfg->metrics_listen[0])
        rc = listen_on(srv, "metrics", cfg->metrics_listen, metrics_routes, 1, NULL, 1,
                       &srv->metrics_http, NULL, err, errlen);
    if (rc == 0)
        rc = listen_on(srv, "as", cfg->listen, as_routes, GH_ARRAY_LEN(as_routes), &srv->as,
                       threads, &srv->as_http, NULL, err, errlen);
    if (rc == 0 && pthread_create(&srv->purger, NULL, purge_main, srv) == 0)
        srv->purger_started = 1;
    if (rc == 0 && gh_bcl_start(&srv->as, &srv->as.bcl) < 0)
        gh_log(GH_LOG_ERROR, "cannot start back-channel logout delivery", NULL);
    if (rc < 0)
        gh_server_stop(srv);
    return rc;
}

void gh_server_stop(struct gh_server *srv)
{
    struct gh_http *all[] = {srv->as_http, srv->api_http, srv->app_http, srv->metrics_http};
    for (size_t i = 0; i < 4; i++)
        if (all[i] != NULL)
            gh_http_quiesce(all[i]);
    /* let in-flight requests finish, at most 5 seconds */
    for (int t = 0; t < 50; t++) {
        unsigned open = 0;
        for (size_t i = 0; i < 4; i++)
            open += all[i] ? gh_http_connections(all[i]) : 0;
        if (open == 0)
            break;
        usleep(100000);
    }
    /* queued sign-ins finish (and resume their connections) first */
    gh_workq_stop(srv->as.hashq);
    srv->as.hashq = NULL;
    for (size_t i = 0; i < 4; i++)
        gh_http_stop(all[i]);
    pthread_mutex_lock(&srv->purge_lock);
    srv->stopping = 1;
    pthread_cond_signal(&srv->purge_wake);
    pthread_mutex_unlock(&srv->purge_lock);
    if (srv->purger_started)
        pthread_join(srv->purger, NULL);
    gh_bcl_stop(srv->as.bcl);
    srv->as.bcl = NULL;
    gh_api_free(srv->api);
    gh_app_free(srv->app);
    gh_app_logout_free(srv->app_logout);
    srv->app_logout = NULL;
    if (srv->as.snap != NULL)
        gh_as_release(&srv->as);
    gh_recorder_free(srv->rec);
    pthread_mutex_destroy(&srv->purge_lock);
    pthread_cond_destroy(&srv->purge_wake);
    free(srv->tls_cert);
    if (srv->tls_key != NULL)
        OPENSSL_cleanse(srv->tls_key, strlen(srv->tls_key));
    free(srv->tls_key);
    srv->tls_cert = srv->tls_key = NULL;
    srv->as_http = srv->api_http = srv->app_http = srv->metrics_http = NULL;
    srv->api = NULL;
    srv->app = NULL;
    srv->rec = NULL;
}
