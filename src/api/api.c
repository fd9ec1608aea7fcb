/*
 * Resource API handlers and bearer validation; see api.h. RFC 6750 3.1
 * errors: no token → 401 with a bare challenge; a bad token → 401
 * invalid_token; missing scope → 403 insufficient_scope; a malformed
 * header or a token in the query string → 400 invalid_request.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "api/api.h"
#include "api/api_dpop.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/metrics.h"
#include "jose/jose.h"
#include "proto/proto.h"
#include "trace/recorder.h"
#include "core/err.h"

#define CACHE_SLOTS 4096

/* Longest claims accepted: a token with longer ones is refused, never cut. */
#define CLAIM_ID_MAX 128
#define CLAIM_SCOPE_MAX 512

/* What a verified token says; cached by the SHA-256 of the token. */
struct claims {
    unsigned char hash[GH_SHA256_LEN];
    int64_t exp, nbf, iat;
    int aud_ok, iss_ok;
    char sub[CLAIM_ID_MAX];
    char client_id[CLAIM_ID_MAX];
    char scope[CLAIM_SCOPE_MAX];
    char fid[40];
    char jkt[GH_DPOP_JKT_LEN + 1]; /* cnf.jkt (RFC 9449 6.1), "" when not bound */
};

struct gh_api {
    struct gh_api_cfg cfg;
    char *issuer, *audience;
    struct gh_jwks_client *jwks;
    pthread_mutex_t cache_lock;
    struct claims *cache; /* direct-mapped by hash */
    struct gh_api_dpop *dpop;
    struct gh_prm prm; /* RFC 9728 (prm.c) */
};

struct gh_prm *gh_api_prm(struct gh_api *api)
{
    return &api->prm;
}

const char *gh_api_issuer(const struct gh_api *api)
{
    return api->issuer;
}

int gh_api_new(const struct gh_api_cfg *cfg, struct gh_api **out)
{
    struct gh_api *api = calloc(1, sizeof(*api));
    if (api == NULL)
        return GH_ENOMEM;
    api->cfg = *cfg;
    api->issuer = strdup(cfg->issuer);
    api->audience = strdup(cfg->audience);
    api->cache = calloc(CACHE_SLOTS, sizeof(*api->cache));
    pthread_mutex_init(&api->cache_lock, NULL);
    if (api->issuer == NULL || api->audience == NULL || api->cache == NULL ||
        gh_jwks_client_new(cfg->issuer, cfg->refetch_interval, &api->jwks) < 0 ||
        gh_api_dpop_new(cfg, &api->dpop) < 0) {
        gh_api_free(api);
        return GH_ENOMEM;
    }
    *out = api;
    return 0;
}

void gh_api_free(struct gh_api *api)
{
    if (api == NULL)
        return;
    gh_jwks_client_free(api->jwks);
    gh_api_dpop_free(api->dpop);
    pthread_mutex_destroy(&api->cache_lock);
    free(api->cache);
    free(api->prm.doc);
    free(api->issuer);
    free(api->audience);
    free(api);
}

static size_t slot_of(const unsigned char hash[GH_SHA256_LEN])
{
    return ((size_t)hash[0] << 8 | hash[1]) % CACHE_SLOTS;
}

static int cache_get(struct gh_api *api, const unsigned char hash[GH_SHA256_LEN],
                     struct claims *out)
{
    pthread_mutex_lock(&api->cache_lock);
    const struct claims *c = &api->cache[slot_of(hash)];
    int hit = gh_ct_eq(c->hash, hash, GH_SHA256_LEN) && c->exp != 0;
    if (hit)
        *out = *c;
    pthread_mutex_unlock(&api->cache_lock);
    return hit;
}

static void cache_put(struct gh_api *api, const struct claims *c)
{
    pthread_mutex_lock(&api->cache_lock);
    api->cache[slot_of(c->hash)] = *c;
    pthread_mutex_unlock(&api->cache_lock);
}

static int aud_contains(const json_t *aud, const char *want)
{
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), want) == 0;
    size_t i;
    json_t *v;
    json_array_foreach(aud, i, v) if (json_is_string(v) &&
                                      strcmp(json_string_value(v), want) == 0) return 1;
    return 0;
}

static int copy_str(const json_t *doc, const char *name, char *out, size_t len, int required)
{
    const json_t *v = json_object_get(doc, name);
    if (v == NULL && !required) {
        out[0] = '\0';
        return 0;
    }
    if (!json_is_string(v) || strlen(json_string_value(v)) >= len)
        return GH_EINVAL;
    snprintf(out, len, "%s", json_string_value(v));
    return 0;
}

/* Claims of a freshly verified payload. */
static int parse_claims(struct gh_api *api, const char *payload, size_t n, struct claims *c)
{
    json_t *doc = json_loadb(payload, n, JSON_REJECT_DUPLICATES, NULL);
    int rc = json_is_object(doc) ? 0 : GH_EINVAL;
    const json_t *exp = json_object_get(doc, "exp"), *nbf = json_object_get(doc, "nbf");
    const json_t *iat = json_object_get(doc, "iat");
    const char *iss = json_string_value(json_object_get(doc, "iss"));
    if (rc == 0 &&
        (!json_is_integer(exp) || (nbf && !json_is_integer(nbf)) || (iat && !json_is_integer(iat))))
        rc = GH_EINVAL;
    if (rc == 0) {
        c->exp = json_integer_value(exp);
        c->nbf = nbf ? json_integer_value(nbf) : 0;
        c->iat = iat ? json_integer_value(iat) : 0;
        c->iss_ok = iss != NULL && strcmp(iss, api->issuer) == 0;
        /* the default audience, or this API's RFC 8707 resource identifier */
        c->aud_ok = aud_contains(json_object_get(doc, "aud"), api->audience) ||
                    (api->prm.resource[0] != '\0' &&
                     aud_contains(json_object_get(doc, "aud"), api->prm.resource));
        rc = copy_str(doc, "sub", c->sub, sizeof(c->sub), 1);
    }
    if (rc == 0)
        rc = copy_str(doc, "client_id", c->client_id, sizeof(c->client_id), 1);
    if (rc == 0)
        rc = copy_str(doc, "scope", c->scope, sizeof(c->scope), 0);
    if (rc == 0)
        rc = copy_str(doc, "gh_fid", c->fid, sizeof(c->fid), 0);
    const json_t *cnf = json_object_get(doc, "cnf");
    if (rc == 0 && cnf != NULL &&
        (!json_is_object(cnf) || copy_str(cnf, "jkt", c->jkt, sizeof(c->jkt), 1) < 0))
        rc = GH_EINVAL;
    json_decref(doc);
    return rc;
}

/* Verifies the signature of jws with the issuer's JWKS, or with keys[0..n)
 * when keys is not NULL (gh_api_check_token). Errors as
 * gh_jwks_client_verify. */
static int verify(struct gh_api *api, const struct gh_jwk *const *keys, size_t n,
                  const struct gh_jws *jws)
{
    int fetched;
    if (keys == NULL)
        return gh_jwks_client_verify(api->jwks, jws, &fetched);
    for (size_t i = 0; i < n; i++)
        if (strcmp(gh_jwk_kid(keys[i]), jws->kid) == 0)
            return gh_jws_verify(keys[i], jws) == 0 ? 0 : GH_EINVAL;
    return GH_ENOTFOUND;
}

/* Verifies the token; on failure sets *why. */
static int validate(struct gh_api *api, const struct gh_jwk *const *keys, size_t n,
                    const char *token, struct claims *c, const char **why)
{
    gh_sha256(token, strlen(token), c->hash);
    if (!cache_get(api, c->hash, c)) {
        struct gh_jws jws;
        int rc = gh_jws_parse(token, strlen(token), &jws);
        if (rc < 0) {
            *why = "malformed token or algorithm not allowed";
            return rc;
        }
        /* RFC 9068 4: typ must be at+jwt */
        if (strcasecmp(jws.typ, "at+jwt") != 0 && strcasecmp(jws.typ, "application/at+jwt") != 0)
            rc = GH_EINVAL, *why = "not an access token (typ)";
        else if ((rc = verify(api, keys, n, &jws)) == GH_ENOTFOUND)
            *why = "unknown signing key";
        else if (rc == GH_EUNAVAIL)
            *why = "issuer keys unavailable";
        else if (rc < 0)
            *why = "bad signature";
        else if (parse_claims(api, jws.payload, jws.payload_len, c) < 0)
            rc = GH_EINVAL, *why = "malformed claims";
        gh_jws_release(&jws);
        if (rc < 0)
            return rc;
        cache_put(api, c);
    }
    int64_t now = gh_now(), leeway = api->cfg.leeway;
    if (!c->iss_ok)
        *why = "wrong issuer";
    else if (!c->aud_ok)
        *why = "wrong audience";
    else if (c->exp + leeway <= now)
        *why = "token expired";
    else if (c->nbf > now + leeway || c->iat > now + leeway)
        *why = "token not yet valid";
    else
        return 0;
    return GH_EINVAL;
}

int gh_api_check_token(struct gh_api *api, const struct gh_jwk *const *keys, size_t n,
                       const char *token, const char **why)
{
    struct claims c;
    memset(&c, 0, sizeof(c));
    *why = NULL;
    return validate(api, keys, n, token, &c, why);
}

static void cors(struct gh_req *r, struct gh_api *api)
{
    const char *origin = gh_req_header(r, "Origin");
    if (origin == NULL)
        return;
    gh_resp_header(r, "Vary", "Origin");
    if (api->cfg.origin_ok != NULL && api->cfg.origin_ok(api->cfg.origin_arg, origin)) {
        gh_resp_header(r, "Access-Control-Allow-Origin", gh_arena_strdup(r->arena, origin));
        gh_resp_header(r, "Access-Control-Expose-Headers", "WWW-Authenticate, DPoP-Nonce");
    }
}

static void challenge_as(struct gh_req *r, const char *scheme, int status, const char *error,
                         const char *desc, const char *scope)
{
    struct gh_buf b;
    gh_buf_init(&b, 1024);
    gh_buf_printf(&b, "%s realm=\"gatehouse\"", scheme);
    if (error != NULL)
        gh_buf_printf(&b, ", error=\"%s\", error_description=\"%s\"", error, desc);
    if (scope != NULL)
        gh_buf_printf(&b, ", scope=\"%s\"", scope);
    /* RFC 9449 7.1: the algorithms a proof may use */
    if (strcmp(scheme, "DPoP") == 0)
        gh_buf_puts(&b, ", algs=\"" GH_DPOP_ALGS_TEXT "\"");
    const struct gh_prm *prm = gh_api_prm(r->ctx);
    if (prm->url[0] != '\0') /* RFC 9728 5.1 */
        gh_buf_printf(&b, ", resource_metadata=\"%s\"", prm->url);
    gh_resp_header(r, "WWW-Authenticate", gh_arena_strdup(r->arena, b.p ? b.p : "Bearer"));
    gh_buf_release(&b);
    if (error == NULL)
        gh_resp_body(r, status, "application/json", "{\"error\":\"unauthorized\"}", 24);
    else
        gh_resp_error(r, status, error, desc);
}

static void challenge(struct gh_req *r, int status, const char *error, const char *desc,
                      const char *scope)
{
    challenge_as(r, "Bearer", status, error, desc, scope);
}

/* The access token of the request ("Bearer" or, RFC 9449 7.1, "DPoP"
 * with *dpop set), or NULL after answering. */
static const char *bearer(struct gh_req *r, int *dpop)
{
    if (gh_form_count(&r->query, "access_token") > 0) {
        challenge(r, 400, "invalid_request", "tokens in the query string are not accepted", NULL);
        return NULL;
    }
    const char *h = gh_req_header(r, "Authorization");
    if (h == NULL) {
        challenge(r, 401, NULL, NULL, NULL); /* RFC 6750 3.1: no error code */
        return NULL;
    }
    *dpop = strncasecmp(h, "DPoP ", 5) == 0;
    if (!*dpop && strncasecmp(h, "Bearer ", 7) != 0) {
        challenge(r, 400, "invalid_request", "Authorization must be 'Bearer <token>'", NULL);
        return NULL;
    }
    const char *t = h + (*dpop ? 5 : 7);
    while (*t == ' ')
        t++;
    /* RFC 6750 2.1: b64token */
    size_t n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");
    while (t[n] == '=')
        n++;
    if (n == 0 || t[n] != '\0' || n > 8192) {
        challenge(r, 400, "invalid_request", "malformed bearer token", NULL);
        return NULL;
    }
    return t;
}

static void trace_api(struct gh_req *r, struct gh_api *api, const struct claims *c,
                      const char *token, int dpop, int64_t t0)
{
    char flow[64] = "";
    if (api->cfg.rec == NULL || c->fid[0] == '\0' ||
        gh_rec_flow_of_family(api->cfg.rec, c->fid, flow, sizeof(flow)) < 0 || flow[0] == '\0')
        return;
    char t4[16];
    gh_rec_short(token, t4);
    int64_t end = gh_now_us();
    gh_rec_step(api->cfg.rec, flow, GH_P_APP, GH_P_API, GH_STEP_CALL, 0, t0, 0,
                gh_arena_printf(r->arena, "GET %s (Authorization: %s %s%s)", r->path,
                                dpop ? "DPoP" : "Bearer", t4, dpop ? ", DPoP: proof" : ""),
                "access token use", NULL, GH_GROUP_NONE);
    gh_rec_step(api->cfg.rec, flow, GH_P_API, GH_P_API, GH_STEP_SELF, 0, t0 + 1, 0,
                dpop ? "validate JWT: signature, typ, iss, aud, exp; DPoP proof: signature, "
                       "ath, htm, htu, iat, jti, key = cnf.jkt"
                     : "validate JWT: signature, typ, iss, aud, exp",
                NULL, NULL, GH_GROUP_NONE);
    gh_rec_step(api->cfg.rec, flow, GH_P_API, GH_P_APP, GH_STEP_REPLY, r->status, end,
                (int32_t)(end - t0),
                r->status == 200   ? "200 {sub, client_id, scope}"
                : r->status == 403 ? "403 insufficient_scope"
                                   : gh_arena_printf(r->arena, "%d invalid_token", r->status),
                NULL, NULL, GH_GROUP_NONE);
}

/* A token bound to a key (cnf.jkt) is good only with the key's proof:
 * never as a Bearer token (RFC 9449 7.2). */
static enum gh_dpop_result dpop_check(struct gh_api *api, struct gh_req *r, int dpop,
                                      const char *token, const struct claims *c,
                                      struct gh_dpop_use *use, const char **why)
{
    if (!dpop) {
        *why = "a DPoP-bound token needs Authorization: DPoP and a proof";
        return GH_DPOP_INVALID;
    }
    return gh_api_dpop_check(api->dpop, r, token, c->hash, c->jkt, use, why);
}

/* One resource request, kept in the request's arena while a DPoP proof's
 * jti is recorded (the answer waits for the commit, no thread does). */
struct call {
    struct gh_req *r;
    const char *need_scope, *token;
    struct claims c;
    int dpop, rc;
    int64_t t0;
    struct gh_dpop_use use;
};

/* The answer for a token (and proof) that passed. */
static void answer(struct gh_req *r, const struct call *k)
{
    struct gh_api *api = r->ctx;
    const struct claims *c = &k->c;
    if (k->need_scope != NULL && !gh_scope_has(c->scope, k->need_scope)) {
        challenge_as(r, k->dpop ? "DPoP" : "Bearer", 403, "insufficient_scope",
                     "the token lacks the required scope", k->need_scope);
    } else {
        json_t *doc = json_pack("{s:s,s:s,s:s,s:s}", "sub", c->sub, "client_id", c->client_id,
                                "scope", c->scope, "preferred_username", c->sub);
        if (k->need_scope != NULL)
            json_object_set_new(doc, "admin", json_true());
        char *text = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        gh_resp_header(r, "Cache-Control", "no-store");
        gh_resp_json(r, 200, text ? gh_arena_strdup(r->arena, text) : "{}");
        free(text);
    }
    trace_api(r, api, c, k->token, k->dpop, k->t0);
}

static void recorded(void *arg, int rc)
{
    struct call *k = arg;
    k->rc = rc;
    gh_req_resume(k->r);
}

static void record_start(struct gh_req *r)
{
    struct gh_api *api = r->ctx;
    struct call *k = r->defer_arg;
    if (gh_api_dpop_record(api->dpop, &k->use, recorded, k) != 0)
        recorded(k, 0); /* no replay table configured */
}

static void record_finish(struct gh_req *r)
{
    struct gh_api *api = r->ctx;
    struct call *k = r->defer_arg;
    if (k->rc < 0) {
        /* RFC 9449 11.1: a proof works once */
        gh_metric_inc(GH_M_API_REJECTED);
        challenge_as(r, "DPoP", k->rc == GH_EEXIST ? 401 : 503,
                     k->rc == GH_EEXIST ? "invalid_token" : "temporarily_unavailable",
                     k->rc == GH_EEXIST ? "DPoP proof already used (jti replay)"
                                        : "cannot record the DPoP proof",
                     NULL);
        trace_api(r, api, &k->c, k->token, k->dpop, k->t0);
        return;
    }
    answer(r, k);
}

static void serve_resource(struct gh_req *r, const char *need_scope)
{
    struct gh_api *api = r->ctx;
    struct call *k = gh_arena_alloc(r->arena, sizeof(*k));
    const char *why = NULL;
    if (k == NULL) {
        gh_resp_error(r, 500, "server_error", "out of memory");
        return;
    }
    memset(k, 0, sizeof(*k));
    k->r = r;
    k->need_scope = need_scope;
    k->t0 = gh_now_us();
    cors(r, api);
    if ((k->token = bearer(r, &k->dpop)) == NULL)
        return;
    int bad = validate(api, NULL, 0, k->token, &k->c, &why) < 0;
    enum gh_dpop_result dr = GH_DPOP_OK;
    if (!bad && (k->dpop || k->c.jkt[0] != '\0'))
        dr = dpop_check(api, r, k->dpop, k->token, &k->c, &k->use, &why);
    gh_metric_observe(GH_H_API, gh_now_us() - k->t0);
    if (bad) {
        gh_metric_inc(GH_M_API_REJECTED);
        challenge_as(r, k->dpop ? "DPoP" : "Bearer",
                     why && strcmp(why, "issuer keys unavailable") == 0 ? 503 : 401,
                     "invalid_token", why, NULL);
    } else if (dr != GH_DPOP_OK) {
        /* RFC 9449 7.1, 8: a DPoP challenge, or a fresh nonce to retry with */
        gh_metric_inc(GH_M_API_REJECTED);
        if (dr == GH_DPOP_NONCE)
            gh_api_dpop_nonce_header(api->dpop, r);
        challenge_as(r, "DPoP", 401, dr == GH_DPOP_NONCE ? "use_dpop_nonce" : "invalid_token", why,
                     NULL);
    } else if (k->dpop) {
        r->defer_arg = k;
        gh_req_defer(r, record_start, record_finish);
        return;
    } else {
        answer(r, k);
        return;
    }
    trace_api(r, api, &k->c, k->token, k->dpop, k->t0);
}

static void h_me(struct gh_req *r)
{
    serve_resource(r, NULL);
}

static void h_admin(struct gh_req *r)
{
    serve_resource(r, "admin");
}

static void h_preflight(struct gh_req *r)
{
    struct gh_api *api = r->ctx;
    const char *origin = gh_req_header(r, "Origin");
    if (origin == NULL || api->cfg.origin_ok == NULL ||
        !api->cfg.origin_ok(api->cfg.origin_arg, origin)) {
        gh_resp_error(r, 403, "invalid_request", "origin not allowed");
        return;
    }
    gh_resp_header(r, "Access-Control-Allow-Origin", gh_arena_strdup(r->arena, origin));
    gh_resp_header(r, "Access-Control-Allow-Methods", "GET");
    gh_resp_header(r, "Access-Control-Allow-Headers", "Authorization, DPoP");
    gh_resp_header(r, "Access-Control-Max-Age", "600");
    gh_resp_header(r, "Vary", "Origin");
    gh_resp_body(r, 204, NULL, "", 0);
}

const struct gh_route gh_api_routes[] = {
    {GH_GET, "/api/me", h_me},
    {GH_GET, "/api/admin", h_admin},
    {GH_OPTIONS, "/api/*", h_preflight},
    {GH_GET, "/.well-known/oauth-protected-resource", gh_api_h_prm},
    {GH_GET, "/.well-known/oauth-protected-resource/*", gh_api_h_prm},
};
const size_t gh_api_n_routes = sizeof(gh_api_routes) / sizeof(gh_api_routes[0]);
