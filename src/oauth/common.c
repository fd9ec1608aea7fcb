/*
 * Helpers shared by the endpoints: OAuth error responses (RFC 6749 5.2),
 * strict form parsing, client authentication (RFC 6749 2.3.1; secrets
 * compared as SHA-256 digests with CRYPTO_memcmp), CORS for public
 * clients, RFC 9068 access tokens, refresh tokens (their store keys and
 * the successor wrapped for the reuse grace window) and page security
 * headers.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "core/b64url.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "oauth/oauth.h"
#include "proto/amr.h"
#include "core/err.h"

void gh_oauth_error(struct gh_req *r, enum gh_oauth_err e, const char *desc)
{
    int status = gh_oauth_err_status(e);
    if (status == 401)
        gh_resp_header(r, "WWW-Authenticate", "Basic realm=\"gatehouse\"");
    gh_resp_error(r, status, gh_oauth_err_code(e), desc);
}

int gh_oauth_form(struct gh_req *r, struct gh_form *f)
{
    const char *ct = gh_req_header(r, "Content-Type");
    size_t n = strlen("application/x-www-form-urlencoded");
    if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", n) != 0 ||
        (ct[n] != '\0' && ct[n] != ';' && ct[n] != ' ')) {
        gh_oauth_error(r, GH_OAUTH_INVALID_REQUEST,
                       "Content-Type must be application/x-www-form-urlencoded");
        return GH_EINVAL;
    }
    if (gh_form_parse(r->arena, r->body, r->body_len, f) < 0) {
        gh_oauth_error(r, GH_OAUTH_INVALID_REQUEST, "malformed form body");
        return GH_EINVAL;
    }
    for (int i = 0; i < f->n; i++) { /* but RFC 8707 2: resource may repeat */
        if (gh_form_count(f, f->p[i].key) > 1 && strcmp(f->p[i].key, "resource") != 0) {
            const char *d = gh_arena_printf(r->arena, "parameter '%.40s' is repeated", f->p[i].key);
            gh_oauth_error(r, GH_OAUTH_INVALID_REQUEST, d ? d : "repeated parameter");
            return GH_EINVAL;
        }
    }
    return 0;
}

static int secret_ok(const struct gh_client *c, const char *secret)
{
    unsigned char d[GH_SHA256_LEN];
    gh_sha256(secret, strlen(secret), d);
    return gh_ct_eq(d, c->secret_hash, sizeof(d));
}

const struct gh_client *gh_oauth_client(struct gh_req *r, struct gh_snap **s,
                                        const struct gh_form *f)
{
    const char *authz = gh_req_header(r, "Authorization");
    const char *id = gh_form_get(f, "client_id", NULL);
    const char *secret = gh_form_get(f, "client_secret", NULL);
    if (authz != NULL) {
        char *bid, *bsecret;
        if (gh_basic_parse(r->arena, authz, &bid, &bsecret) < 0) {
            gh_oauth_error(r, GH_OAUTH_INVALID_CLIENT, "malformed Basic credentials");
            return NULL;
        }
        if (secret != NULL || (id != NULL && strcmp(id, bid) != 0)) {
            gh_oauth_error(r, GH_OAUTH_INVALID_REQUEST, "use one client authentication method");
            return NULL;
        }
        id = bid;
        secret = bsecret;
    }
    if (id == NULL) {
        gh_oauth_error(r, GH_OAUTH_INVALID_CLIENT, "client authentication required");
        return NULL;
    }
    const struct gh_client *c = gh_as_snap_for(gh_as_of(r), s, id);
    if (c == NULL) {
        gh_oauth_error(r, GH_OAUTH_INVALID_CLIENT, "client authentication failed");
        return NULL;
    }
    if (c->is_public ? secret != NULL : secret == NULL || !secret_ok(c, secret)) {
        gh_oauth_error(r, GH_OAUTH_INVALID_CLIENT, "client authentication failed");
        return NULL;
    }
    return c;
}

void gh_oauth_cors(struct gh_req *r, const struct gh_snap *s)
{
    const char *origin = gh_req_header(r, "Origin");
    if (origin == NULL)
        return;
    gh_resp_header(r, "Vary", "Origin");
    if (gh_snap_origin_allowed(s, origin))
        gh_resp_header(r, "Access-Control-Allow-Origin", gh_arena_strdup(r->arena, origin));
}

void gh_h_cors_preflight(struct gh_req *r)
{
    struct gh_snap *s = gh_as_snap(gh_as_of(r));
    const char *origin = gh_req_header(r, "Origin");
    if (origin == NULL || !gh_snap_origin_allowed(s, origin)) {
        gh_snap_put(gh_as_of(r), s);
        gh_resp_error(r, 403, "invalid_request", "origin not allowed");
        return;
    }
    gh_resp_header(r, "Access-Control-Allow-Origin", gh_arena_strdup(r->arena, origin));
    gh_resp_header(r, "Access-Control-Allow-Methods", "POST");
    gh_resp_header(r, "Access-Control-Allow-Headers", "Content-Type, Authorization, DPoP");
    gh_resp_header(r, "Access-Control-Max-Age", "600");
    gh_resp_header(r, "Vary", "Origin");
    gh_resp_body(r, 204, NULL, "", 0);
    gh_snap_put(gh_as_of(r), s);
}

/* Appends ,"name":"v"; any failure sticks in *rc so no partial JSON is
 * ever signed. */
static void claim_str(struct gh_buf *b, int *rc, const char *name, const char *v)
{
    if (*rc == 0)
        *rc = gh_buf_printf(b, ",\"%s\":", name);
    if (*rc == 0)
        *rc = gh_buf_json_str(b, v, strlen(v));
}

int gh_oauth_access_token(const struct gh_snap *s, const char *sub, const char *client_id,
                          const char *scope, const char *family, int64_t now, int64_t ttl,
                          struct gh_buf *jwt, char jti_out[23])
{
    struct gh_at_claims t = {.sub = sub, .client_id = client_id, .scope = scope, .family = family};
    return gh_oauth_access_token_for(s, &t, now, ttl, jwt, jti_out);
}

void gh_oauth_claims_amr(struct gh_buf *b, int *rc, int amr)
{
    const char *names[GH_AMR_MAX];
    size_t n = gh_amr_names(amr, names);
    if (n == 0)
        return;
    claim_str(b, rc, "acr", gh_amr_acr(amr)); /* OIDC Core 2 */
    if (*rc == 0)
        *rc = gh_buf_puts(b, ",\"amr\":["); /* RFC 8176 */
    for (size_t i = 0; i < n && *rc == 0; i++) {
        *rc = i > 0 ? gh_buf_putc(b, ',') : 0;
        if (*rc == 0)
            *rc = gh_buf_json_str(b, names[i], strlen(names[i]));
    }
    if (*rc == 0)
        *rc = gh_buf_putc(b, ']');
}

int gh_oauth_access_token_for(const struct gh_snap *s, const struct gh_at_claims *t, int64_t now,
                              int64_t ttl, struct gh_buf *jwt, char jti_out[23])
{
    unsigned char raw[16];
    if (gh_rand_bytes(raw, sizeof(raw)) < 0)
        return GH_ECRYPTO;
    gh_b64url_encode(raw, sizeof(raw), jti_out, 23);
    /* RFC 9068 2.2: iss, exp, aud, sub, client_id, iat, jti (+ scope) */
    char claims_mem[2048];
    struct gh_buf claims = {claims_mem, 0, sizeof(claims_mem), sizeof(claims_mem) - 1};
    int rc = gh_buf_puts(&claims, "{\"iss\":");
    if (rc == 0)
        rc = gh_buf_json_str(&claims, s->issuer, strlen(s->issuer));
    claim_str(&claims, &rc, "sub", t->sub);
    claim_str(&claims, &rc, "aud", t->aud ? t->aud : s->audience); /* RFC 8707 2.2 */
    if (rc == 0)
        rc = gh_buf_printf(&claims, ",\"exp\":%lld,\"iat\":%lld,\"nbf\":%lld",
                           (long long)(now + ttl), (long long)now, (long long)now);
    claim_str(&claims, &rc, "jti", jti_out);
    claim_str(&claims, &rc, "client_id", t->client_id);
    claim_str(&claims, &rc, "scope", t->scope);
    if (t->family != NULL)
        claim_str(&claims, &rc, "gh_fid", t->family);
    gh_oauth_claims_amr(&claims, &rc, t->amr);
    /* RFC 9449 6.1: the key the token is bound to */
    if (rc == 0 && t->jkt != NULL && t->jkt[0] != '\0') {
        rc = gh_buf_puts(&claims, ",\"cnf\":{\"jkt\":");
        if (rc == 0)
            rc = gh_buf_json_str(&claims, t->jkt, strlen(t->jkt));
        if (rc == 0)
            rc = gh_buf_putc(&claims, '}');
    }
    if (rc == 0)
        rc = gh_buf_putc(&claims, '}');
    if (rc == 0)
        rc = gh_jws_sign(s->signer, "at+jwt", claims.p, claims.len, jwt);
    return rc;
}

void gh_oauth_page_headers(struct gh_req *r, const char *redirect_uri)
{
    gh_oauth_page_headers_script(r, redirect_uri, 0);
}

void gh_oauth_page_headers_script(struct gh_req *r, const char *redirect_uri, int script)
{
    /* form-action also governs the redirect that follows a form post, so
     * the client's redirect target must be allowed too */
    char target[GH_URI_MAX] = "";
    if (redirect_uri != NULL && gh_uri_origin(redirect_uri, target, sizeof(target)) < 0) {
        size_t n = strcspn(redirect_uri, ":");
        if (redirect_uri[n] == ':' && n + 2 < sizeof(target))
            snprintf(target, sizeof(target), "%.*s:", (int)n, redirect_uri);
    }
    gh_resp_header(r, "Content-Security-Policy",
                   gh_arena_printf(r->arena,
                                   "default-src 'none'; %sstyle-src 'self'; img-src 'self' "
                                   "data:; form-action 'self' %s; frame-ancestors 'none'; "
                                   "base-uri 'none'",
                                   /* passkey.js, and the options it fetches */
                                   script ? "script-src 'self'; connect-src 'self'; " : "",
                                   target));
    gh_resp_header(r, "X-Frame-Options", "DENY");
    gh_resp_header(r, "Referrer-Policy", "no-referrer");
    gh_resp_header(r, "Cache-Control", "no-store");
    gh_resp_header(r, "X-Content-Type-Options", "nosniff");
}

static void refresh_key_of(const char *tok, size_t n, const unsigned char when[8],
                           unsigned char key[GH_SHA256_LEN])
{
    unsigned char d[GH_SHA256_LEN];
    gh_sha256(tok, n, d);
    memcpy(key, when, 8);
    memcpy(key + 8, d, GH_SHA256_LEN - 8);
}

int gh_refresh_new(char tok[GH_REFRESH_LEN + 1], unsigned char key[GH_SHA256_LEN])
{
    unsigned char raw[GH_REFRESH_BYTES];
    uint64_t us = (uint64_t)gh_now_us();
    for (int i = 7; i >= 0; i--, us >>= 8)
        raw[i] = (unsigned char)us;
    int rc = gh_rand_bytes(raw + 8, sizeof(raw) - 8);
    if (rc < 0)
        return rc;
    gh_b64url_encode(raw, sizeof(raw), tok, GH_REFRESH_LEN + 1);
    refresh_key_of(tok, GH_REFRESH_LEN, raw, key);
    return 0;
}

int gh_refresh_key(const char *tok, unsigned char key[GH_SHA256_LEN])
{
    unsigned char when[GH_REFRESH_BYTES];
    size_t n = strlen(tok);
    if (n != GH_REFRESH_LEN || gh_b64url_decode(tok, n, when, sizeof(when)) != GH_REFRESH_BYTES)
        return GH_EINVAL;
    refresh_key_of(tok, n, when, key);
    return 0;
}

_Static_assert(GH_RT_WRAP_LEN == GH_REFRESH_LEN + GH_AEAD_OVERHEAD, "wrapped refresh token size");

/* HKDF info: the key serves this one purpose */
static const char WRAP_INFO[] = "gatehouse refresh-token successor v1";

int gh_refresh_wrap(const char *tok, const unsigned char key[GH_SHA256_LEN], const char *next,
                    unsigned char out[GH_RT_WRAP_LEN])
{
    unsigned char k[GH_AEAD_KEY_LEN];
    if (strlen(next) != GH_REFRESH_LEN)
        return GH_EINVAL;
    int rc = gh_hkdf_sha256(tok, strlen(tok), WRAP_INFO, k, sizeof(k));
    if (rc == 0)
        rc = gh_aead_seal(k, key, GH_SHA256_LEN, next, GH_REFRESH_LEN, out);
    OPENSSL_cleanse(k, sizeof(k));
    return rc;
}

int gh_refresh_unwrap(const char *tok, const unsigned char key[GH_SHA256_LEN],
                      const unsigned char wrap[GH_RT_WRAP_LEN], char next[GH_REFRESH_LEN + 1])
{
    unsigned char k[GH_AEAD_KEY_LEN];
    int rc = gh_hkdf_sha256(tok, strlen(tok), WRAP_INFO, k, sizeof(k));
    if (rc == 0)
        rc = gh_aead_open(k, key, GH_SHA256_LEN, wrap, GH_RT_WRAP_LEN, (unsigned char *)next);
    OPENSSL_cleanse(k, sizeof(k));
    next[rc == 0 ? GH_REFRESH_LEN : 0] = '\0';
    return rc;
}

struct gh_rt_facts gh_refresh_facts(const struct gh_refresh *t, const char *client)
{
    return (struct gh_rt_facts){
        .found = 1,
        .state = t->state,
        .rotated_at = t->rotated_at,
        .idle_expires_at = t->idle_expires_at,
        .abs_expires_at = t->abs_expires_at,
        .family_revoked = t->family_revoked_at != 0,
        .other_client = client != NULL && strcmp(t->client_id, client) != 0,
    };
}
