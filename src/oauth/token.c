/*
 * POST /token (RFC 6749 3.2, 4.1.3, 4.4, 6; RFC 7636 4.5-4.6; RFC 9068;
 * RFC 9700 4.14). Grants: authorization_code (PKCE S256 required),
 * refresh_token (rotation on every use, reuse revokes the family) and
 * client_credentials (confidential clients). The response leaves only after
 * the store committed the state it creates (SPEC section 7).
 */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/b64url.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/metrics.h"
#include "oauth/oauth.h"
#include "trace/recorder.h"
#include "core/err.h"

struct grant {
    struct gh_req *r;
    struct gh_as *as;
    const struct gh_snap *s;
    const struct gh_client *c;
    const struct gh_form *f;
    int64_t now;
    int64_t t0_us; /* wall-clock start, for the trace */
};

static void store_failed(struct gh_req *r, int rc)
{
    gh_metric_inc(GH_M_DB_ERRORS);
    gh_log(GH_LOG_ERROR, "store write failed", "error", gh_strerror(rc), NULL);
    gh_oauth_error(r, GH_OAUTH_TEMPORARILY_UNAVAILABLE, "storage temporarily unavailable");
}

/* Answers 200 with the token pair; rt may be NULL. */
static void token_response(struct gh_req *r, const struct gh_buf *at, int64_t ttl, const char *rt,
                           const char *scope)
{
    struct gh_buf b;
    gh_buf_init(&b, 16384);
    gh_buf_puts(&b, "{\"access_token\":\"");
    gh_buf_append(&b, at->p, at->len);
    gh_buf_printf(&b, "\",\"token_type\":\"Bearer\",\"expires_in\":%lld", (long long)ttl);
    if (rt != NULL)
        gh_buf_printf(&b, ",\"refresh_token\":\"%s\"", rt);
    gh_buf_puts(&b, ",\"scope\":");
    gh_buf_json_str(&b, scope, strlen(scope));
    gh_buf_putc(&b, '}');
    char *body = b.p ? gh_arena_strndup(r->arena, b.p, b.len) : NULL;
    gh_buf_release(&b);
    if (body == NULL) {
        gh_oauth_error(r, GH_OAUTH_SERVER_ERROR, "out of memory");
        return;
    }
    gh_resp_header(r, "Cache-Control", "no-store");
    gh_resp_header(r, "Pragma", "no-cache");
    gh_resp_json(r, 200, body);
}

/* Records the token request and its answer in the flow's trace. */
static void trace_token(struct grant *g, const char *flow, const char *label, const char *note,
                        const char *reply, const char *group, enum gh_group_kind gk)
{
    struct gh_recorder *rec = g->as->rec;
    if (rec == NULL)
        return;
    int64_t end = gh_now_us();
    gh_rec_step(rec, flow, GH_P_APP, GH_P_AS, GH_STEP_CALL, 0, g->t0_us, 0, label, note, group,
                gk);
    gh_rec_step(rec, flow, GH_P_AS, GH_P_APP, GH_STEP_REPLY, g->r->status, end,
                (int32_t)(end - g->t0_us), reply, NULL, group, gk);
}

static const char *reply_label(struct grant *g, const char *at, const char *rt)
{
    if (g->r->status != 200) {
        json_t *doc = json_loadb(g->r->resp, g->r->resp_len, 0, NULL);
        const char *e = json_string_value(json_object_get(doc, "error"));
        const char *d = json_string_value(json_object_get(doc, "error_description"));
        const char *label = gh_arena_printf(g->r->arena, "%d %s: %s", g->r->status,
                                            e ? e : "error", d ? d : "");
        json_decref(doc);
        return label;
    }
    char a[16], b[16];
    gh_rec_short(at, a);
    if (rt == NULL)
        return gh_arena_printf(g->r->arena, "200 access_token %s (JWT)", a);
    gh_rec_short(rt, b);
    return gh_arena_printf(g->r->arena, "200 access_token %s, refresh_token %s", a, b);
}

/* New refresh token: the token to hand out and its hash for the store. */
static int new_refresh(char tok[GH_TOKEN_LEN + 1], unsigned char hash[GH_SHA256_LEN])
{
    int rc = gh_rand_token(tok, GH_TOKEN_LEN + 1);
    if (rc == 0)
        gh_sha256(tok, strlen(tok), hash);
    return rc;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Why the code cannot be exchanged (NULL: it can). Reads only; a replayed
 * code is revoked here (RFC 6749 4.1.2). */
static const char *check_code(struct grant *g, const struct gh_code *k, const char *redirect,
                              const char *verifier, struct gh_redeem *rd)
{
    if (k->used_at != 0) {
        enum gh_redeem_result res;
        gh_metric_inc(GH_M_CODE_REPLAYS);
        gh_metric_inc(GH_M_FAMILY_REVOCATIONS);
        g->as->store->ops->code_redeem(g->as->store, rd, &res);
        return "authorization code already used; tokens issued from it are revoked";
    }
    if (k->expires_at <= g->now)
        return "authorization code expired";
    if (strcmp(k->client_id, g->c->id) != 0)
        return "authorization code was issued to another client";
    if (strcmp(k->redirect_uri, redirect) != 0)
        return "redirect_uri does not match the authorization request";
    /* RFC 7636 4.6 */
    if (!gh_pkce_verify(verifier, strlen(verifier), k->challenge, strlen(k->challenge)))
        return "code_verifier does not match the code_challenge";
    return NULL;
}

/* Redeems the code and answers with the first token pair. */
static void issue_from_code(struct grant *g, const struct gh_code *k, struct gh_redeem *rd,
                            struct gh_buf *at, char rt[GH_TOKEN_LEN + 1])
{
    char jti[23];
    unsigned char fid[16];
    rd->issue_refresh = 1;
    gh_rand_bytes(fid, sizeof(fid));
    gh_b64url_encode(fid, sizeof(fid), rd->family_id, sizeof(rd->family_id));
    rd->abs_expires_at = g->now + g->as->cfg->refresh_ttl;
    rd->idle_expires_at = min64(g->now + g->as->cfg->refresh_idle_ttl, rd->abs_expires_at);
    if (new_refresh(rt, rd->rt_hash) < 0 ||
        gh_oauth_access_token(g->s, k->sub, k->client_id, k->scope, rd->family_id, g->now,
                              g->as->cfg->access_ttl, at, jti) < 0) {
        gh_oauth_error(g->r, GH_OAUTH_SERVER_ERROR, "cannot issue tokens");
        return;
    }
    enum gh_redeem_result res;
    int rc = g->as->store->ops->code_redeem(g->as->store, rd, &res);
    if (rc < 0) {
        store_failed(g->r, rc);
    } else if (res == GH_REDEEM_REPLAYED) {
        gh_metric_inc(GH_M_CODE_REPLAYS);
        gh_oauth_error(g->r, GH_OAUTH_INVALID_GRANT,
                       "authorization code already used; tokens issued from it are revoked");
    } else if (res == GH_REDEEM_INVALID) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_GRANT, "authorization code expired");
    } else {
        gh_metric_inc(GH_M_TOKENS_CODE);
        token_response(g->r, at, g->as->cfg->access_ttl, rt, k->scope);
    }
}

static void grant_code(struct grant *g)
{
    const struct gh_form *f = g->f;
    const char *code = gh_form_get(f, "code", NULL);
    const char *redirect = gh_form_get(f, "redirect_uri", NULL);
    const char *verifier = gh_form_get(f, "code_verifier", NULL);
    if (code == NULL || redirect == NULL || verifier == NULL) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_REQUEST,
                       code == NULL       ? "missing code"
                       : redirect == NULL ? "missing redirect_uri"
                                          : "missing code_verifier (PKCE is required)");
        return;
    }
    if (!gh_pkce_verifier_valid(verifier, strlen(verifier))) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_REQUEST,
                       "code_verifier must be 43 to 128 unreserved characters");
        return;
    }
    struct gh_code k;
    struct gh_redeem rd = {.now = g->now};
    gh_sha256(code, strlen(code), rd.code_hash);
    int rc = g->as->store->ops->code_get(g->as->store, rd.code_hash, &k);
    if (rc == GH_ENOTFOUND) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_GRANT, "invalid authorization code");
        return;
    }
    if (rc < 0)
        return store_failed(g->r, rc);
    char rt[GH_TOKEN_LEN + 1] = "";
    struct gh_buf at;
    gh_buf_init(&at, 8192);
    const char *why = check_code(g, &k, redirect, verifier, &rd);
    if (why != NULL)
        gh_oauth_error(g->r, GH_OAUTH_INVALID_GRANT, why);
    else
        issue_from_code(g, &k, &rd, &at, rt);
    if (g->as->rec != NULL) {
        char c4[16], v4[16];
        gh_rec_short(code, c4);
        gh_rec_short(verifier, v4);
        trace_token(g, k.flow_id,
                    gh_arena_printf(g->r->arena,
                                    "POST /token (grant_type=authorization_code, code=%s, "
                                    "code_verifier=%s)",
                                    c4, v4),
                    "code exchange: code + PKCE code_verifier",
                    reply_label(g, at.p ? at.p : "", rt[0] ? rt : NULL), NULL, GH_GROUP_NONE);
        if (g->r->status == 200)
            gh_rec_flow_outcome(g->as->rec, k.flow_id, k.sub, "signed in");
    }
    gh_buf_release(&at);
}

/* Why the refresh token cannot be used before trying to rotate it; NULL
 * when rotation may proceed. *expired is set for expiry. */
static const char *check_refresh(struct grant *g, const struct gh_refresh *t, int *expired)
{
    *expired = 0;
    if (strcmp(t->client_id, g->c->id) != 0)
        return "refresh token was issued to another client";
    if (t->family_revoked_at != 0 || t->state == GH_RT_REVOKED)
        return "refresh token revoked";
    *expired = 1;
    if (g->now >= t->abs_expires_at)
        return "refresh token expired (absolute lifetime reached); sign in again";
    if (t->state == GH_RT_ACTIVE && g->now >= t->idle_expires_at)
        return "refresh token expired (unused for too long); sign in again";
    *expired = 0;
    return NULL;
}

static const char *rotate_error(enum gh_rotate_result res)
{
    switch (res) {
    case GH_ROTATE_REUSED:
        return "refresh token already used; every token of this grant is now revoked";
    case GH_ROTATE_REVOKED:
        return "refresh token revoked";
    case GH_ROTATE_INVALID:
        return "invalid refresh token";
    default:
        return NULL;
    }
}

static void trace_refresh(struct grant *g, const struct gh_refresh *t, const char *old_rt,
                          const char *new_rt, const struct gh_buf *at, int expired)
{
    char o4[16], n4[16];
    gh_rec_short(old_rt, o4);
    gh_rec_short(new_rt[0] ? new_rt : "", n4);
    const char *label =
        gh_arena_printf(g->r->arena, "POST /token (grant_type=refresh_token, refresh_token=%s)", o4);
    const char *reply = reply_label(g, at->p ? at->p : "", new_rt[0] ? new_rt : NULL);
    if (g->r->status == 200) {
        trace_token(g, t->flow_id, label,
                    gh_arena_printf(g->r->arena, "refresh token rotation (%s → %s)", o4, n4),
                    reply, "refresh token rotation", GH_GROUP_LOOP);
        return;
    }
    const char *title = expired                     ? "refresh token expired"
                        : strstr(reply, "already used") ? "refresh token reused"
                                                        : "refresh token rejected";
    gh_rec_flow_fail(g->as->rec, t->flow_id, t->client_id, title, title);
    trace_token(g, t->flow_id, label, "refresh attempt", reply, NULL, GH_GROUP_NONE);
}

static void grant_refresh(struct grant *g)
{
    const char *rt = gh_form_get(g->f, "refresh_token", NULL);
    const char *scope = gh_form_get(g->f, "scope", NULL);
    if (rt == NULL) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_REQUEST, "missing refresh_token");
        return;
    }
    struct gh_refresh t;
    struct gh_rotate rot = {.now = g->now, .grace = g->as->cfg->refresh_reuse_grace};
    gh_sha256(rt, strlen(rt), rot.old_hash);
    int rc = g->as->store->ops->refresh_get(g->as->store, rot.old_hash, &t);
    if (rc == GH_ENOTFOUND) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_GRANT, "invalid refresh token");
        return;
    }
    if (rc < 0)
        return store_failed(g->r, rc);
    /* RFC 6749 6: the requested scope may narrow, never widen */
    if (scope != NULL && (!gh_scope_valid(scope) || !gh_scope_subset(scope, t.scope))) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_SCOPE, "scope exceeds the granted scope");
        return;
    }
    int expired;
    const char *why = check_refresh(g, &t, &expired);
    char next[GH_TOKEN_LEN + 1] = "", jti[23];
    struct gh_buf at;
    gh_buf_init(&at, 8192);
    if (why == NULL) {
        rot.idle_expires_at = min64(g->now + g->as->cfg->refresh_idle_ttl, t.abs_expires_at);
        enum gh_rotate_result res = GH_ROTATE_INVALID;
        if (new_refresh(next, rot.new_hash) < 0 ||
            gh_oauth_access_token(g->s, t.sub, t.client_id, scope ? scope : t.scope, t.family_id,
                                  g->now, g->as->cfg->access_ttl, &at, jti) < 0) {
            gh_oauth_error(g->r, GH_OAUTH_SERVER_ERROR, "cannot issue tokens");
        } else if ((rc = g->as->store->ops->refresh_rotate(g->as->store, &rot, &res)) < 0) {
            store_failed(g->r, rc);
        } else if ((why = rotate_error(res)) == NULL) {
            token_response(g->r, &at, g->as->cfg->access_ttl, next, scope ? scope : t.scope);
            gh_metric_inc(GH_M_TOKENS_REFRESH);
            gh_metric_inc(GH_M_ROTATIONS);
        } else if (res == GH_ROTATE_REUSED) {
            gh_metric_inc(GH_M_REUSE_DETECTED);
            gh_metric_inc(GH_M_FAMILY_REVOCATIONS);
        }
        if (why != NULL)
            next[0] = '\0';
    }
    if (why != NULL)
        gh_oauth_error(g->r, GH_OAUTH_INVALID_GRANT, why);
    if (g->as->rec != NULL)
        trace_refresh(g, &t, rt, next, &at, expired);
    gh_buf_release(&at);
}

static void grant_client_credentials(struct grant *g)
{
    if (g->c->is_public) {
        gh_oauth_error(g->r, GH_OAUTH_UNAUTHORIZED_CLIENT,
                       "client_credentials is for confidential clients");
        return;
    }
    const char *scope = gh_form_get(g->f, "scope", NULL);
    if (scope != NULL && (!gh_scope_valid(scope) || !gh_scope_subset(scope, g->c->scope))) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_SCOPE, "scope not allowed for this client");
        return;
    }
    char jti[23];
    char mem[4096];
    struct gh_buf at = {mem, 0, sizeof(mem), sizeof(mem) - 1};
    if (gh_oauth_access_token(g->s, g->c->id, g->c->id, scope ? scope : g->c->scope, NULL, g->now,
                              g->as->cfg->access_ttl, &at, jti) < 0) {
        gh_oauth_error(g->r, GH_OAUTH_SERVER_ERROR, "cannot issue token");
        return;
    }
    token_response(g->r, &at, g->as->cfg->access_ttl, NULL, scope ? scope : g->c->scope);
    gh_metric_inc(GH_M_TOKENS_CC);
}

void gh_h_token(struct gh_req *r)
{
    struct gh_as *as = gh_as_of(r);
    struct gh_snap *s = gh_as_snap(as);
    struct gh_form f;
    gh_oauth_cors(r, s);
    if (gh_oauth_form(r, &f) < 0)
        goto out;
    const struct gh_client *c = gh_oauth_client(r, s, &f);
    if (c == NULL)
        goto out;
    struct grant g = {r, as, s, c, &f, gh_now(), gh_now_us()};
    r->client_id = c->id;
    const char *type = gh_form_get(&f, "grant_type", NULL);
    if (type == NULL)
        gh_oauth_error(r, GH_OAUTH_INVALID_REQUEST, "missing grant_type");
    else if (strcmp(type, "authorization_code") == 0)
        grant_code(&g);
    else if (strcmp(type, "refresh_token") == 0)
        grant_refresh(&g);
    else if (strcmp(type, "client_credentials") == 0)
        grant_client_credentials(&g);
    else
        gh_oauth_error(r, GH_OAUTH_UNSUPPORTED_GRANT_TYPE, "unsupported grant_type");
out:
    gh_metric_observe(GH_H_TOKEN, gh_mono_us() - r->start_us);
    if (r->client_id != NULL) /* the snapshot owns the string */
        r->client_id = gh_arena_strdup(r->arena, r->client_id);
    gh_snap_put(as, s);
}
