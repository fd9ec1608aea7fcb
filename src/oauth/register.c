/*
 * POST /register (RFC 7591 3) and the client configuration endpoint
 * GET/PUT/DELETE /register/CLIENT_ID (RFC 7592 2), under `serve
 * --registration off|open|token`. Registered clients are never trusted
 * (the consent page names them and says they registered themselves). The
 * client secret and the registration access token are shown once and kept
 * only as SHA-256 hashes, compared in constant time; initial access tokens
 * likewise. Registration is rate-limited per client address (an IPv6
 * client per /64, src/http/addr.h) through the store, so processes sharing
 * a PostgreSQL database share the limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "core/b64url.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/settings.h"
#include "oauth/oauth.h"
#include "oauth/reg.h"
#include "core/err.h"

#define RATE_WINDOW 60 /* seconds without a registration that reset the count */
#define SECRET_BYTES 32

enum gh_reg_mode gh_reg_mode(const struct gh_settings *cfg)
{
    const char *m = cfg->registration ? cfg->registration : "off";
    if (strcmp(m, "off") == 0)
        return GH_REG_OFF;
    if (strcmp(m, "open") == 0)
        return GH_REG_OPEN;
    if (strcmp(m, "token") == 0)
        return GH_REG_TOKEN;
    return GH_REG_BAD;
}

static void no_store(struct gh_req *r)
{
    gh_resp_header(r, "Cache-Control", "no-store");
    gh_resp_header(r, "Pragma", "no-cache");
}

/* RFC 6750 3.1 challenge for a missing or bad bearer token. */
static void bad_token(struct gh_req *r, const char *desc)
{
    gh_resp_header(r, "WWW-Authenticate",
                   gh_arena_printf(r->arena,
                                   "Bearer error=\"invalid_token\", "
                                   "error_description=\"%s\"",
                                   desc));
    gh_resp_error(r, 401, "invalid_token", desc);
}

/* The bearer token of the Authorization header, or NULL. */
static const char *bearer(struct gh_req *r)
{
    const char *h = gh_req_header(r, "Authorization");
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return *h ? h : NULL;
}

static int json_body(struct gh_req *r)
{
    const char *ct = gh_req_header(r, "Content-Type");
    size_t n = strlen("application/json");
    return ct != NULL && strncasecmp(ct, "application/json", n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* 1 when this address has registered too often: the count of its
 * attempts resets after RATE_WINDOW seconds without one. */
static int rate_limited(struct gh_req *r, struct gh_as *as, int64_t now)
{
    char bucket[GH_BUCKET_LEN];
    gh_addr_bucket(r->addr, bucket);
    const char *key = gh_arena_printf(r->arena, "reg:%s", bucket);
    int count = 0;
    int64_t last = 0;
    if (key == NULL || gh_store_login_fail_get(as->store, key, &count, &last) < 0)
        return 0;
    if (count > 0 && last + RATE_WINDOW <= now) {
        gh_store_login_fail_clear(as->store, key);
        count = 0;
    }
    if (count >= as->cfg->registration_rate) {
        gh_resp_header(r, "Retry-After",
                       gh_arena_printf(r->arena, "%lld", (long long)(last + RATE_WINDOW - now)));
        gh_resp_error(r, 429, "invalid_request",
                      "too many registrations from this address; try again later");
        return 1;
    }
    gh_store_login_fail_add(as->store, key, now, &count);
    return 0;
}

static void reg_error(struct gh_req *r, enum gh_reg_result e, const char *desc)
{
    no_store(r);
    gh_resp_error(r, 400,
                  e == GH_REG_INVALID_REDIRECT_URI ? "invalid_redirect_uri"
                                                   : "invalid_client_metadata",
                  desc);
}

/* A new random secret: base64url of SECRET_BYTES (256 bits) into out. */
static int new_secret(char out[GH_B64URL_LEN(SECRET_BYTES) + 1], unsigned char hash[GH_SHA256_LEN])
{
    unsigned char raw[SECRET_BYTES];
    int rc = gh_rand_bytes(raw, sizeof(raw));
    if (rc == 0) {
        gh_b64url_encode(raw, sizeof(raw), out, GH_B64URL_LEN(SECRET_BYTES) + 1);
        gh_sha256(out, strlen(out), hash);
    }
    OPENSSL_cleanse(raw, sizeof(raw));
    return rc;
}

/* Answers with the client information response (status 201 or 200), with
 * the secrets given (NULL: left out). */
static void answer(struct gh_req *r, int status, const struct gh_snap *s, const struct gh_client *c,
                   const struct gh_client_reg *m, const char *secret, const char *rat)
{
    json_t *o = gh_reg_meta_json(c, m);
    if (o != NULL && secret != NULL) {
        json_object_set_new(o, "client_secret", json_string(secret));
        json_object_set_new(o, "client_secret_expires_at", json_integer(0));
    }
    if (o != NULL && rat != NULL)
        json_object_set_new(o, "registration_access_token", json_string(rat));
    if (o != NULL)
        json_object_set_new(
            o, "registration_client_uri",
            json_string(gh_arena_printf(r->arena, "%s/register/%s", s->issuer, c->id)));
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    no_store(r);
    if (text == NULL) {
        gh_resp_error(r, 500, "server_error", "out of memory");
        return;
    }
    gh_resp_json(r, status, gh_arena_strdup(r->arena, text));
    OPENSSL_cleanse(text, strlen(text));
    free(text);
}

/* Only an initial access token made by `registration token create` may
 * register under --registration token (RFC 7591 3); each use spends one. */
static int iat_ok(struct gh_req *r, struct gh_as *as, const char *iat, int64_t now)
{
    unsigned char h[GH_SHA256_LEN];
    gh_sha256(iat, strlen(iat), h);
    int rc = gh_store_iat_use(as->store, h, now);
    if (rc == GH_ENOTFOUND) {
        bad_token(r, "initial access token unknown, expired or used up");
        return 0;
    }
    if (rc < 0) {
        gh_resp_error(r, 503, "temporarily_unavailable", "storage temporarily unavailable");
        return 0;
    }
    return 1;
}

struct reg {
    struct gh_client c;
    struct gh_client_reg m;
    char secret[GH_B64URL_LEN(SECRET_BYTES) + 1];
    char rat[GH_B64URL_LEN(SECRET_BYTES) + 1];
    char desc[320];
};

static void do_register(struct gh_req *r, struct gh_as *as, struct gh_snap *s, struct reg *g)
{
    int64_t now = gh_now();
    enum gh_reg_mode mode = gh_reg_mode(as->cfg);
    const char *iat = bearer(r);
    if (mode == GH_REG_OFF) {
        gh_resp_error(r, 404, "invalid_request", "dynamic client registration is off");
        return;
    }
    if (rate_limited(r, as, now))
        return;
    if (mode == GH_REG_TOKEN && iat == NULL) {
        bad_token(r, "an initial access token is required to register");
        return;
    }
    if (!json_body(r)) {
        reg_error(r, GH_REG_INVALID_METADATA, "Content-Type must be application/json");
        return;
    }
    enum gh_reg_result e = gh_reg_meta_parse(r->body, r->body_len, as->cfg->registration_scope,
                                             &g->c, &g->m, g->desc, sizeof(g->desc));
    if (e != GH_REG_OK) {
        reg_error(r, e, g->desc);
        return;
    }
    if (mode == GH_REG_TOKEN && !iat_ok(r, as, iat, now))
        return;
    unsigned char id[16];
    int rc = gh_rand_bytes(id, sizeof(id));
    gh_b64url_encode(id, sizeof(id), g->c.id, sizeof(g->c.id));
    snprintf(g->m.client_id, sizeof(g->m.client_id), "%s", g->c.id);
    g->c.created_at = g->m.created_at = now;
    if (rc == 0 && !g->c.is_public)
        rc = new_secret(g->secret, g->c.secret_hash);
    if (rc == 0)
        rc = new_secret(g->rat, g->m.token_hash);
    if (rc == 0)
        rc = gh_store_client_register(as->store, &g->c, &g->m);
    if (rc < 0) {
        gh_log(GH_LOG_ERROR, "cannot register client", "error", gh_strerror(rc), NULL);
        gh_resp_error(r, 503, "temporarily_unavailable", "storage temporarily unavailable");
        return;
    }
    gh_log(GH_LOG_INFO, "client registered", "client_id", g->c.id, "client_name", g->m.client_name,
           NULL);
    r->client_id = gh_arena_strdup(r->arena, g->c.id);
    gh_as_reload(as); /* usable here at once; elsewhere within a second */
    answer(r, 201, s, &g->c, &g->m, g->c.is_public ? NULL : g->secret, g->rat);
}

void gh_h_register(struct gh_req *r)
{
    struct gh_as *as = gh_as_of(r);
    struct gh_snap *s = gh_as_snap(as);
    struct reg *g = gh_arena_alloc(r->arena, sizeof(*g));
    if (g == NULL)
        gh_resp_error(r, 500, "server_error", "out of memory");
    else
        do_register(r, as, s, g);
    if (g != NULL)
        OPENSSL_cleanse(g, sizeof(*g));
    gh_snap_put(as, s);
}

/* RFC 7592 2.2: the new metadata replaces the old; the id, its secret (a
 * client that turns confidential gets a new one) and the registration
 * access token stay. */
static void do_update(struct gh_req *r, struct gh_as *as, struct gh_snap *s, struct reg *g,
                      const struct gh_client *old, const struct gh_client_reg *oldm,
                      const char *rat)
{
    if (!json_body(r)) {
        reg_error(r, GH_REG_INVALID_METADATA, "Content-Type must be application/json");
        return;
    }
    enum gh_reg_result e = gh_reg_meta_parse(r->body, r->body_len, as->cfg->registration_scope,
                                             &g->c, &g->m, g->desc, sizeof(g->desc));
    json_t *doc = json_loadb(r->body, r->body_len, 0, NULL);
    const char *id = json_string_value(json_object_get(doc, "client_id"));
    int id_differs = id != NULL && strcmp(id, old->id) != 0;
    json_decref(doc);
    if (e == GH_REG_OK && id_differs)
        e = GH_REG_INVALID_METADATA, snprintf(g->desc, sizeof(g->desc), "client_id differs");
    if (e != GH_REG_OK) {
        reg_error(r, e, g->desc);
        return;
    }
    snprintf(g->c.id, sizeof(g->c.id), "%s", old->id);
    snprintf(g->m.client_id, sizeof(g->m.client_id), "%s", old->id);
    memcpy(g->m.token_hash, oldm->token_hash, GH_SHA256_LEN);
    g->c.created_at = g->m.created_at = old->created_at;
    int rc = 0, fresh = 0;
    if (!g->c.is_public && old->is_public)
        fresh = 1, rc = new_secret(g->secret, g->c.secret_hash);
    else if (!g->c.is_public)
        memcpy(g->c.secret_hash, old->secret_hash, GH_SHA256_LEN);
    if (rc == 0)
        rc = gh_store_client_reregister(as->store, &g->c, &g->m);
    if (rc < 0) {
        gh_resp_error(r, rc == GH_ENOTFOUND ? 401 : 503,
                      rc == GH_ENOTFOUND ? "invalid_token" : "temporarily_unavailable",
                      rc == GH_ENOTFOUND ? "no such client" : "storage temporarily unavailable");
        return;
    }
    gh_as_reload(as);
    answer(r, 200, s, &g->c, &g->m, fresh ? g->secret : NULL, rat);
}

struct managed {
    struct gh_client c;
    struct gh_client_reg m;
    struct reg g;
};

/* The client the registration access token of this request is for, or
 * NULL after answering 401 (RFC 7592 2: an unknown client and a wrong
 * token look alike). */
static int authorised(struct gh_req *r, struct gh_as *as, const char *id, const char *rat,
                      struct managed *x)
{
    unsigned char h[GH_SHA256_LEN];
    if (rat == NULL) {
        bad_token(r, "the registration access token is required");
        return 0;
    }
    gh_sha256(rat, strlen(rat), h);
    int rc = gh_store_client_reg_get(as->store, id, &x->m);
    if (rc == 0)
        rc = gh_store_client_get(as->store, id, &x->c);
    if (rc < 0 && rc != GH_ENOTFOUND) {
        gh_resp_error(r, 503, "temporarily_unavailable", "storage temporarily unavailable");
        return 0;
    }
    if (rc == GH_ENOTFOUND || !gh_ct_eq(h, x->m.token_hash, GH_SHA256_LEN)) {
        bad_token(r, "registration access token invalid for this client");
        return 0;
    }
    return 1;
}

void gh_h_register_manage(struct gh_req *r)
{
    struct gh_as *as = gh_as_of(r);
    const char *id = r->path + strlen("/register/");
    const char *rat = bearer(r);
    if (gh_reg_mode(as->cfg) == GH_REG_OFF) {
        gh_resp_error(r, 404, "invalid_request", "no such registration endpoint");
        return;
    }
    struct managed *x = gh_arena_alloc(r->arena, sizeof(*x));
    if (x == NULL) {
        gh_resp_error(r, 500, "server_error", "out of memory");
        return;
    }
    memset(x, 0, sizeof(*x));
    struct gh_snap *s = gh_as_snap(as);
    if (strlen(id) >= GH_ID_MAX || !authorised(r, as, id, rat, x)) {
        if (r->status == 0)
            bad_token(r, "registration access token invalid for this client");
    } else if (r->method == GH_GET) {
        answer(r, 200, s, &x->c, &x->m, NULL, rat);
    } else if (r->method == GH_PUT) {
        do_update(r, as, s, &x->g, &x->c, &x->m, rat);
    } else {
        int rc = gh_store_client_remove(as->store, id);
        if (rc < 0 && rc != GH_ENOTFOUND) {
            gh_resp_error(r, 503, "temporarily_unavailable", "storage temporarily unavailable");
        } else {
            gh_log(GH_LOG_INFO, "client deregistered", "client_id", id, NULL);
            gh_as_reload(as);
            no_store(r);
            gh_resp_body(r, 204, NULL, "", 0);
        }
    }
    OPENSSL_cleanse(x, sizeof(*x));
    gh_snap_put(as, s);
}

void gh_reg_consent_note(struct gh_req *r, const char *client_id, struct gh_buf *b)
{
    struct gh_client_reg m;
    if (gh_store_client_reg_get(gh_as_of(r)->store, client_id, &m) != 0)
        return;
    const char *name = m.client_name[0] ? m.client_name : client_id;
    gh_buf_puts(b, "<div class=\"error\" role=\"note\" id=\"registered-itself\"><strong>");
    gh_buf_html(b, name, strlen(name));
    gh_buf_puts(b, "</strong> registered itself with this server (dynamic client registration). "
                   "Its name");
    if (m.client_uri[0] != '\0') {
        gh_buf_puts(b, " and site (<code>");
        gh_buf_html(b, m.client_uri, strlen(m.client_uri));
        gh_buf_puts(b, "</code>)");
    }
    gh_buf_puts(b, " are its own claims, not checked by anyone. Allow only if you started "
                   "this sign-in and trust it.</div>");
}
