/*
 * Snapshot cache of keys, clients and settings; see as.h. Building a
 * snapshot reads the store and parses keys; serving from it reads nothing.
 * It also sets the parameters of the dummy password hash to those of the
 * costliest user (core/password.h), so an unknown user name costs as much
 * as a wrong password for any user.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/password.h"
#include "jose/dpop.h"
#include "oauth/as.h"
#include "oauth/oauth.h"
#include "oauth/reg.h"
#include "proto/amr.h"
#include "proto/proto.h"
#include "core/err.h"

static void snap_free(struct gh_snap *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_keys; i++)
        gh_jwk_free(s->keys[i]);
    free(s->keys);
    free(s->jwks);
    free(s->discovery);
    free(s->clients);
    free(s->origins);
    free(s);
}

static int load_keys(struct gh_as *as, struct gh_snap *s, int64_t now)
{
    struct gh_key_row *rows = NULL;
    size_t n = 0;
    int rc = gh_store_key_list(as->store, &rows, &n);
    if (rc < 0)
        return rc;
    s->keys = calloc(n ? n : 1, sizeof(*s->keys));
    if (s->keys == NULL)
        rc = GH_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!rows[i].active && rows[i].publish_until <= now)
            continue;
        struct gh_jwk *k = NULL;
        if (gh_jwk_from_pem(rows[i].pem, strlen(rows[i].pem), &k) < 0) {
            gh_log(GH_LOG_ERROR, "cannot load signing key", "kid", rows[i].kid, NULL);
            continue;
        }
        s->keys[s->n_keys++] = k;
        if (rows[i].active)
            s->signer = k;
        else if (s->valid_until == 0 || rows[i].publish_until < s->valid_until)
            s->valid_until = rows[i].publish_until;
    }
    gh_key_rows_free(rows, n);
    return rc;
}

static int build_jwks(struct gh_snap *s)
{
    struct gh_buf b;
    gh_buf_init(&b, 1 << 20);
    int rc = gh_buf_puts(&b, "{\"keys\":[");
    for (size_t i = 0; rc == 0 && i < s->n_keys; i++) {
        if (i > 0)
            gh_buf_putc(&b, ',');
        rc = gh_jwk_public_json(s->keys[i], &b);
    }
    if (rc == 0)
        rc = gh_buf_puts(&b, "]}");
    s->jwks = rc == 0 ? gh_buf_steal(&b, &s->jwks_len) : NULL;
    gh_buf_release(&b);
    return s->jwks ? 0 : GH_ENOMEM;
}

/* What the OpenID Provider supports beyond RFC 8414's fields: id_tokens
 * signed by whichever key is active (init and keys rotate make ES256,
 * EdDSA or RS256 keys), the claims of idtoken.c and userinfo.c, and no
 * request objects or claims parameter (request_uri_parameter_supported
 * defaults to true, so it is said); RP-initiated logout at /logout and
 * back-channel logout with sid (Back-Channel Logout 1.0 2.1); the two
 * authentication context classes of proto/amr.h. */
#define OIDC_METADATA                                                                              \
    ",\"id_token_signing_alg_values_supported\":[\"ES256\",\"EdDSA\",\"RS256\"],"                  \
    "\"claims_supported\":[\"sub\",\"iss\",\"aud\",\"exp\",\"iat\",\"auth_time\",\"nonce\","       \
    "\"at_hash\",\"sid\",\"azp\",\"acr\",\"amr\",\"name\",\"given_name\",\"family_name\","         \
    "\"preferred_username\","                                                                      \
    "\"email\",\"email_verified\"],\"claims_parameter_supported\":false,"                          \
    "\"request_parameter_supported\":false,\"request_uri_parameter_supported\":false,"             \
    "\"backchannel_logout_supported\":true,\"backchannel_logout_session_supported\":true,"         \
    "\"acr_values_supported\":[\"" GH_ACR_MFA "\",\"" GH_ACR_PWD "\"]"

static int build_discovery(struct gh_snap *s, int registration)
{
    const char *i = s->issuer;
    struct gh_buf b;
    gh_buf_init(&b, 16384);
    gh_buf_puts(&b, "{\"issuer\":");
    gh_buf_json_str(&b, i, strlen(i));
    gh_buf_printf(
        &b,
        ",\"authorization_endpoint\":\"%s/authorize\",\"token_endpoint\":\"%s/token\","
        "\"jwks_uri\":\"%s/jwks\",\"revocation_endpoint\":\"%s/revoke\","
        "\"introspection_endpoint\":\"%s/introspect\",\"userinfo_endpoint\":\"%s/userinfo\","
        "\"end_session_endpoint\":\"%s/logout\"",
        i, i, i, i, i, i, i);
    if (registration) /* RFC 8414 2 */
        gh_buf_printf(&b, ",\"registration_endpoint\":\"%s/register\"", i);
    /* OpenID Connect Discovery 1.0 section 3 */
    gh_buf_puts(&b, OIDC_METADATA);
    gh_buf_puts(&b,
                ",\"response_types_supported\":[\"code\"],\"response_modes_supported\":[\"query\"],"
                "\"code_challenge_methods_supported\":[\"S256\"],"
                "\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\","
                "\"client_secret_post\",\"none\"],"
                "\"revocation_endpoint_auth_methods_supported\":[\"client_secret_basic\","
                "\"client_secret_post\",\"none\"],"
                "\"introspection_endpoint_auth_methods_supported\":[\"client_secret_basic\","
                "\"client_secret_post\"],\"authorization_response_iss_parameter_supported\":true,"
                "\"subject_types_supported\":[\"public\"],"
                "\"dpop_signing_alg_values_supported\":" GH_DPOP_ALGS_JSON ","
                "\"grant_types_supported\":[");
    const char *g;
    for (size_t n = 0; (g = gh_grant_type_name(n)) != NULL; n++)
        gh_buf_printf(&b, "%s\"%s\"", n ? "," : "", g);
    gh_buf_puts(&b, "],\"scopes_supported\":[");
    /* the OpenID Connect scopes, then the union of the clients' scopes */
    char seen[4096] = "openid profile email";
    size_t k = strlen(seen);
    gh_buf_puts(&b, "\"openid\",\"profile\",\"email\"");
    for (size_t c = 0; c < s->n_clients; c++) {
        const char *p = s->clients[c].scope;
        while (*p) {
            size_t n = strcspn(p, " ");
            char tok[256];
            snprintf(tok, sizeof(tok), "%.*s", (int)n, p);
            if (n > 0 && n < sizeof(tok) && !gh_scope_has(seen, tok) && k + n + 2 < sizeof(seen)) {
                k += (size_t)snprintf(seen + k, sizeof(seen) - k, "%s%s", k ? " " : "", tok);
                gh_buf_printf(&b, "%s", b.p[b.len - 1] == '[' ? "" : ",");
                gh_buf_json_str(&b, tok, strlen(tok));
            }
            p += n;
            while (*p == ' ')
                p++;
        }
    }
    int rc = gh_buf_puts(&b, "]}");
    s->discovery = rc == 0 ? gh_buf_steal(&b, &s->discovery_len) : NULL;
    gh_buf_release(&b);
    return s->discovery ? 0 : GH_ENOMEM;
}

static int load_clients(struct gh_as *as, struct gh_snap *s)
{
    int rc = gh_store_client_list(as->store, &s->clients, &s->n_clients);
    if (rc < 0)
        return rc;
    size_t total = 0;
    for (size_t i = 0; i < s->n_clients; i++)
        total += (size_t)s->clients[i].n_origin;
    s->origins = calloc(total ? total : 1, sizeof(*s->origins));
    if (s->origins == NULL)
        return GH_ENOMEM;
    for (size_t i = 0; i < s->n_clients; i++) {
        const struct gh_client *c = &s->clients[i];
        for (int k = 0; c->is_public && k < c->n_origin; k++)
            memcpy(s->origins[s->n_origins++], c->origin[k], GH_URI_MAX);
    }
    return 0;
}

static int hex_decode(const char *hex, unsigned char *out, size_t n)
{
    if (strlen(hex) != 2 * n)
        return GH_EINVAL;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return GH_EINVAL;
        out[i] = (unsigned char)v;
    }
    return 0;
}

static int snap_build(struct gh_as *as, struct gh_snap **out, char *err, size_t errlen)
{
    struct gh_snap *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return GH_ENOMEM;
    s->refs = 1;
    struct gh_store *st = as->store;
    char csrf[80] = "";
    int rc = gh_store_revision(st, &s->revision);
    if (rc == 0 && as->cfg->issuer && as->cfg->issuer[0])
        snprintf(s->issuer, sizeof(s->issuer), "%s", as->cfg->issuer);
    else if (rc == 0 && gh_store_setting_get(st, "issuer", s->issuer, sizeof(s->issuer)) < 0)
        snprintf(err, errlen, "no issuer configured (run 'gatehouse init --issuer URL')");
    if (rc == 0 && s->issuer[0] == '\0')
        rc = GH_EINVAL;
    if (rc == 0)
        snprintf(s->audience, sizeof(s->audience), "%s",
                 as->cfg->audience && as->cfg->audience[0] ? as->cfg->audience : "");
    if (rc == 0 && s->audience[0] == '\0') {
        size_t n = strnlen(s->issuer, sizeof(s->issuer) - 5);
        memcpy(s->audience, s->issuer, n);
        memcpy(s->audience + n, "/api", 5);
    }
    if (rc == 0 && (gh_store_setting_get(st, "csrf_key", csrf, sizeof(csrf)) < 0 ||
                    hex_decode(csrf, s->csrf_key, sizeof(s->csrf_key)) < 0)) {
        snprintf(err, errlen, "database has no CSRF key (run 'gatehouse init')");
        rc = GH_EINVAL;
    }
    if (rc == 0)
        s->dpop_nonce_ok =
            gh_dpop_nonce_key(s->csrf_key, sizeof(s->csrf_key), s->dpop_nonce_key) == 0;
    if (rc == 0)
        rc = load_keys(as, s, gh_now());
    if (rc == 0 && s->signer == NULL) {
        snprintf(err, errlen, "no active signing key (run 'gatehouse init' or 'keys rotate')");
        rc = GH_EINVAL;
    }
    if (rc == 0)
        rc = load_clients(as, s);
    if (rc == 0)
        rc = build_jwks(s);
    if (rc == 0)
        rc = build_discovery(s, gh_reg_mode(as->cfg) != GH_REG_OFF);
    struct gh_argon2_params costliest;
    int found = rc == 0 ? gh_store_user_costliest(st, &costliest) : GH_ENOTFOUND;
    if (found < 0 && found != GH_ENOTFOUND)
        rc = found; /* keep the previous snapshot and its dummy */
    if (rc < 0) {
        if (err[0] == '\0')
            snprintf(err, errlen, "cannot load keys and clients: %s", gh_strerror(rc));
        snap_free(s);
        return rc;
    }
    gh_password_set_dummy(found == 0 ? &costliest : NULL);
    *out = s;
    return 0;
}

int gh_as_init(struct gh_as *as, const struct gh_settings *cfg, struct gh_store *store, char *err,
               size_t errlen)
{
    memset(as, 0, sizeof(*as));
    const char *grants[GH_METRIC_GRANTS_MAX];
    size_t n = 0;
    while (n < GH_METRIC_GRANTS_MAX && (grants[n] = gh_grant_type_name(n)) != NULL)
        n++;
    gh_metric_grant_names(grants, n);
    as->cfg = cfg;
    as->store = store;
    pthread_mutex_init(&as->lock, NULL);
    err[0] = '\0';
    int rc = snap_build(as, &as->snap, err, errlen);
    as->last_check_us = gh_mono_us();
    if (rc < 0)
        pthread_mutex_destroy(&as->lock);
    return rc;
}

void gh_as_release(struct gh_as *as)
{
    gh_snap_put(as, as->snap);
    as->snap = NULL;
    pthread_mutex_destroy(&as->lock);
}

void gh_as_reload(struct gh_as *as)
{
    int64_t rev = 0;
    if (gh_store_revision(as->store, &rev) < 0)
        return;
    pthread_mutex_lock(&as->lock);
    int stale = rev != as->snap->revision ||
                (as->snap->valid_until != 0 && gh_now() >= as->snap->valid_until);
    pthread_mutex_unlock(&as->lock);
    if (!stale)
        return;
    char err[256] = "";
    struct gh_snap *fresh = NULL;
    if (snap_build(as, &fresh, err, sizeof(err)) < 0) {
        gh_log(GH_LOG_ERROR, "reload failed; keeping the previous keys and clients", "error", err,
               NULL);
        return;
    }
    pthread_mutex_lock(&as->lock);
    struct gh_snap *old = as->snap;
    as->snap = fresh;
    pthread_mutex_unlock(&as->lock);
    gh_snap_put(as, old);
    gh_log(GH_LOG_DEBUG, "reloaded keys and clients", NULL);
}

/* Takes a reference to the current snapshot; called locked. */
static struct gh_snap *take(struct gh_as *as)
{
    as->snap->refs++;
    return as->snap;
}

struct gh_snap *gh_as_snap(struct gh_as *as)
{
    int64_t now = gh_mono_us();
    pthread_mutex_lock(&as->lock);
    if (as->checking || now - as->last_check_us < 1000000) {
        struct gh_snap *s = take(as); /* the common case: one lock */
        pthread_mutex_unlock(&as->lock);
        return s;
    }
    as->checking = 1;
    as->last_check_us = now;
    pthread_mutex_unlock(&as->lock);
    gh_as_reload(as); /* at most one thread, at most once a second */
    pthread_mutex_lock(&as->lock);
    as->checking = 0;
    struct gh_snap *s = take(as);
    pthread_mutex_unlock(&as->lock);
    return s;
}

const struct gh_client *gh_as_snap_for(struct gh_as *as, struct gh_snap **s, const char *client_id)
{
    const struct gh_client *c = client_id != NULL ? gh_snap_client(*s, client_id) : NULL;
    if (client_id == NULL || c != NULL)
        return c;
    int64_t now = gh_mono_us();
    pthread_mutex_lock(&as->lock);
    if (as->checking || now - as->last_miss_us < 100000) {
        pthread_mutex_unlock(&as->lock);
        return NULL;
    }
    as->checking = 1;
    as->last_miss_us = now;
    as->last_check_us = now;
    pthread_mutex_unlock(&as->lock);
    gh_as_reload(as);
    pthread_mutex_lock(&as->lock);
    as->checking = 0;
    struct gh_snap *fresh = take(as);
    pthread_mutex_unlock(&as->lock);
    gh_snap_put(as, *s);
    *s = fresh;
    return gh_snap_client(fresh, client_id);
}

void gh_snap_put(struct gh_as *as, struct gh_snap *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&as->lock);
    int last = --s->refs == 0;
    pthread_mutex_unlock(&as->lock);
    if (last)
        snap_free(s);
}

const struct gh_client *gh_snap_client(const struct gh_snap *s, const char *id)
{
    for (size_t i = 0; i < s->n_clients; i++)
        if (strcmp(s->clients[i].id, id) == 0)
            return &s->clients[i];
    return NULL;
}

const struct gh_jwk *gh_snap_key(const struct gh_snap *s, const char *kid)
{
    for (size_t i = 0; i < s->n_keys; i++)
        if (strcmp(gh_jwk_kid(s->keys[i]), kid) == 0)
            return s->keys[i];
    return NULL;
}

int gh_snap_origin_allowed(const struct gh_snap *s, const char *origin)
{
    for (size_t i = 0; i < s->n_origins; i++)
        if (strcmp(s->origins[i], origin) == 0)
            return 1;
    return 0;
}
