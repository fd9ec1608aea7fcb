/*
 * POST /token (RFC 6749 3.2, 4.1.3, 4.4, 6; RFC 7636 4.5-4.6; RFC 9068;
 * RFC 9700 4.14). Grants: authorization_code (PKCE S256 required),
 * refresh_token (rotation on every use, reuse revokes the family) and
 * client_credentials (confidential clients). The response leaves only after
 * the store committed the state it creates (docs/internals/store.md,
 * "Deferred answers").
 */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/b64url.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/metrics.h"
#include "oauth/idtoken.h"
#include "oauth/oauth.h"
#include "oauth/resources.h"
#include "trace/recorder.h"
#include "core/err.h"

/* Rows of the grant table (grant_types below). */
enum { GRANT_CODE, GRANT_REFRESH, GRANT_CLIENT_CREDENTIALS };

/* The state of one token request. It lives in the request's arena because
 * the code and refresh grants defer their answer until the store's group
 * commit (gh_req_defer): no thread waits for the fsync. */
struct grant {
    struct gh_req *r;
    struct gh_as *as;
    struct gh_snap *s; /* referenced until the answer */
    const struct gh_client *c;
    struct gh_form f;
    char jkt[GH_JKT_MAX];          /* the DPoP proof's key, "" without one (RFC 9449) */
    struct gh_oauth_dpop_use dpop; /* its record in the replay table */
    int64_t now;
    int64_t t0_us;               /* wall-clock start, for the trace */
    int store_rc;                /* result of the deferred write */
    struct gh_buf at;            /* the signed access token */
    struct gh_buf idt;           /* the signed id_token, empty when none */
    char rt[GH_REFRESH_LEN + 1]; /* the new refresh token, "" when none */
    char granted[GH_SCOPE_MAX];  /* the scope this answer grants */
    const char *aud;             /* RFC 8707 resource asked for, NULL: default audience */
    char at_scope[GH_SCOPE_MAX]; /* the access token's scope (narrowed to the resource's) */
    /* authorization_code */
    const char *code, *verifier;
    struct gh_code k;
    struct gh_redeem rd;
    enum gh_redeem_result redeemed;
    /* refresh_token */
    const char *presented, *scope;
    struct gh_refresh t;
    struct gh_rotate rot;
    struct gh_rotated rotated;
    int expired;
};

static void store_failed(struct gh_req *r, int rc)
{
    gh_metric_inc(GH_M_DB_ERRORS);
    gh_log(GH_LOG_ERROR, "store write failed", "error", gh_strerror(rc), NULL);
    gh_oauth_error(r, GH_OAUTH_TEMPORARILY_UNAVAILABLE, "storage temporarily unavailable");
}

/* Answers 200 with the token pair; rt may be NULL, idt (the id_token)
 * NULL or empty. */
static void token_response(struct gh_req *r, const struct gh_buf *at, int64_t ttl, const char *rt,
                           const char *scope, const struct gh_buf *idt, const char *jkt)
{
    struct gh_buf b;
    gh_buf_init(&b, 16384);
    gh_buf_puts(&b, "{\"access_token\":\"");
    gh_buf_append(&b, at->p, at->len);
    /* RFC 9449 5: a DPoP-bound access token has token_type DPoP */
    gh_buf_printf(&b, "\",\"token_type\":\"%s\",\"expires_in\":%lld", jkt[0] ? "DPoP" : "Bearer",
                  (long long)ttl);
    if (rt != NULL)
        gh_buf_printf(&b, ",\"refresh_token\":\"%s\"", rt);
    gh_buf_puts(&b, ",\"scope\":");
    gh_buf_json_str(&b, scope, strlen(scope));
    if (idt != NULL && idt->len > 0) {
        gh_buf_puts(&b, ",\"id_token\":\"");
        gh_buf_append(&b, idt->p, idt->len);
        gh_buf_putc(&b, '"');
    }
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
    gh_rec_step(rec, flow, GH_P_APP, GH_P_AS, GH_STEP_CALL, 0, g->t0_us, 0, label, note, group, gk);
    gh_rec_step(rec, flow, GH_P_AS, GH_P_APP, GH_STEP_REPLY, g->r->status, end,
                (int32_t)(end - g->t0_us), reply, NULL, group, gk);
}

static const char *reply_label(struct grant *g, const char *at, const char *rt)
{
    if (g->r->status != 200) {
        json_t *doc = json_loadb(g->r->resp, g->r->resp_len, 0, NULL);
        const char *e = json_string_value(json_object_get(doc, "error"));
        const char *d = json_string_value(json_object_get(doc, "error_description"));
        const char *label =
            gh_arena_printf(g->r->arena, "%d %s: %s", g->r->status, e ? e : "error", d ? d : "");
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

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static const char *redeem_error(enum gh_redeem_result res)
{
    switch (res) {
    case GH_REDEEM_REPLAYED:
        return "authorization code already used; tokens issued from it are revoked";
    case GH_REDEEM_INVALID:
        return "invalid authorization code";
    case GH_REDEEM_EXPIRED:
        return "authorization code expired";
    case GH_REDEEM_WRONG_CLIENT:
        return "authorization code was issued to another client";
    case GH_REDEEM_WRONG_REDIRECT:
        return "redirect_uri does not match the authorization request";
    case GH_REDEEM_WRONG_VERIFIER:
        return "code_verifier does not match the code_challenge";
    default:
        return NULL;
    }
}

/* What the code as read allows (proto/grant.h). A replayed code is
 * revoked here: the store judges it again and revokes what it issued. */
static enum gh_redeem_result check_code(struct grant *g, const char *redirect)
{
    const struct gh_code *k = &g->k;
    struct gh_code_facts f = {
        .found = 1,
        .used_at = k->used_at,
        .expires_at = k->expires_at,
        .binding = gh_grant_code_binding(k->client_id, k->redirect_uri, k->challenge, g->c->id,
                                         redirect, g->verifier),
    };
    enum gh_redeem_result res = gh_grant_redeem(&f, g->now);
    if (res == GH_REDEEM_REPLAYED) {
        enum gh_redeem_result revoked;
        gh_metric_inc(GH_M_CODE_REPLAYS);
        gh_metric_inc(GH_M_FAMILY_REVOCATIONS);
        gh_store_code_redeem(g->as->store, &g->rd, &revoked);
    }
    return res;
}

static void code_trace(struct grant *g)
{
    if (g->as->rec == NULL)
        return;
    char c4[16], v4[16];
    gh_rec_short(g->code, c4);
    gh_rec_short(g->verifier, v4);
    trace_token(g, g->k.flow_id,
                gh_arena_printf(g->r->arena,
                                "POST /token (grant_type=authorization_code, code=%s, "
                                "code_verifier=%s%s)",
                                c4, v4, g->jkt[0] ? ", DPoP: proof" : ""),
                "code exchange: code + PKCE code_verifier",
                reply_label(g, g->at.p ? g->at.p : "", g->rt[0] ? g->rt : NULL), NULL,
                GH_GROUP_NONE);
    if (g->r->status == 200)
        gh_rec_flow_outcome(g->as->rec, g->k.flow_id, g->k.sub, "signed in");
}

static void written(void *arg, int rc)
{
    struct grant *g = arg;
    g->store_rc = rc;
    gh_req_resume(g->r);
}

static void code_start(struct gh_req *r)
{
    struct grant *g = r->defer_arg;
    gh_store_code_redeem_async(g->as->store, &g->rd, &g->redeemed, written, g);
}

static void grant_end(struct grant *g);

/* After the commit: the first token pair, or why not. */
static void code_finish(struct gh_req *r)
{
    struct grant *g = r->defer_arg;
    /* found moments ago by code_get: gone now means purged, so expired */
    enum gh_redeem_result res = g->redeemed == GH_REDEEM_INVALID ? GH_REDEEM_EXPIRED : g->redeemed;
    if (g->store_rc < 0) {
        store_failed(r, g->store_rc);
    } else if (res != GH_REDEEM_OK) {
        if (res == GH_REDEEM_REPLAYED)
            gh_metric_inc(GH_M_CODE_REPLAYS);
        gh_oauth_error(r, GH_OAUTH_INVALID_GRANT, redeem_error(res));
    } else {
        gh_metric_token_issued(GRANT_CODE);
        /* a client not registered for the refresh grant gets no refresh
         * token it could never use (RFC 6749 5.1: it is optional) */
        int refresh =
            gh_grant_type_use(GRANT_REFRESH, g->c->is_public, g->c->grant_types) == GH_GRANT_USE_OK;
        token_response(r, &g->at, g->as->cfg->access_ttl, refresh ? g->rt : NULL, g->at_scope,
                       &g->idt, g->jkt);
    }
    if (r->status != 200)
        g->rt[0] = '\0';
    code_trace(g);
    grant_end(g);
}

/* Signs the tokens and defers the redemption to the group commit. */
static void issue_from_code(struct grant *g)
{
    char jti[23];
    unsigned char fid[16];
    struct gh_redeem *rd = &g->rd;
    rd->issue_refresh = 1;
    gh_rand_bytes(fid, sizeof(fid));
    gh_b64url_encode(fid, sizeof(fid), rd->family_id, sizeof(rd->family_id));
    rd->abs_expires_at = g->now + g->as->cfg->refresh_ttl;
    rd->idle_expires_at = min64(g->now + g->as->cfg->refresh_idle_ttl, rd->abs_expires_at);
    snprintf(rd->dpop_jkt, sizeof(rd->dpop_jkt), "%s",
             gh_grant_dpop_family_jkt(g->c->is_public, g->jkt));
    const struct gh_code *k = &g->k;
    struct gh_idtoken it = {.sub = k->sub,
                            .client_id = k->client_id,
                            .auth_time = k->auth_time,
                            .nonce = k->nonce,
                            .sid = k->sid,
                            .amr = k->amr};
    struct gh_at_claims at = {.aud = g->aud,
                              .sub = k->sub,
                              .client_id = k->client_id,
                              .scope = g->at_scope,
                              .family = rd->family_id,
                              .jkt = g->jkt,
                              .amr = k->amr};
    if (gh_refresh_new(g->rt, rd->rt_hash) < 0 ||
        gh_oauth_access_token_for(g->s, &at, g->now, g->as->cfg->access_ttl, &g->at, jti) < 0 ||
        gh_idtoken_grant(g->s, g->granted, &it, &g->at, g->now, g->as->cfg->access_ttl, &g->idt) <
            0) {
        g->rt[0] = '\0';
        gh_oauth_error(g->r, GH_OAUTH_SERVER_ERROR, "cannot issue tokens");
        return;
    }
    g->r->defer_arg = g;
    gh_req_defer(g->r, code_start, code_finish);
}

static void grant_code(struct grant *g)
{
    const char *redirect = gh_form_get(&g->f, "redirect_uri", NULL);
    g->code = gh_form_get(&g->f, "code", NULL);
    g->verifier = gh_form_get(&g->f, "code_verifier", NULL);
    if (g->code == NULL || redirect == NULL || g->verifier == NULL) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_REQUEST,
                       g->code == NULL    ? "missing code"
                       : redirect == NULL ? "missing redirect_uri"
                                          : "missing code_verifier (PKCE is required)");
        return;
    }
    if (!gh_pkce_verifier_valid(g->verifier, strlen(g->verifier))) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_REQUEST,
                       "code_verifier must be 43 to 128 unreserved characters");
        return;
    }
    g->rd.now = g->now;
    gh_sha256(g->code, strlen(g->code), g->rd.code_hash);
    int rc = gh_store_code_get(g->as->store, g->rd.code_hash, &g->k);
    if (rc == GH_ENOTFOUND) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_GRANT, "invalid authorization code");
        return;
    }
    if (rc < 0)
        return store_failed(g->r, rc);
    /* RFC 9449 10: a code bound by dpop_jkt, like any binding that does not
     * hold, changes nothing */
    if (!gh_grant_dpop_match(g->k.dpop_jkt, g->jkt)) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_GRANT,
                       "authorization code is bound to another DPoP key (dpop_jkt)");
        code_trace(g);
        return;
    }
    enum gh_redeem_result res = check_code(g, redirect);
    if (res != GH_REDEEM_OK)
        gh_oauth_error(g->r, GH_OAUTH_INVALID_GRANT, redeem_error(res));
    else if (gh_grant_scope(NULL, g->k.scope, g->c->scope, g->granted, sizeof(g->granted)) < 0)
        gh_oauth_error(g->r, GH_OAUTH_INVALID_SCOPE,
                       "no authorized scope is still allowed for this client");
    else if (gh_token_resource(g->r, &g->f, g->rd.code_hash, NULL, g->granted, &g->aud, g->at_scope,
                               sizeof(g->at_scope)) == 0)
        issue_from_code(g);
    if (g->r->defer_start == NULL)
        code_trace(g);
}

/* What the token as read allows (proto/grant.h). */
static enum gh_rotate_result check_refresh(struct grant *g)
{
    struct gh_rt_facts f = gh_refresh_facts(&g->t, g->c->id);
    return gh_grant_rotate(&f, g->now, g->rot.grace);
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
    case GH_ROTATE_WRONG_CLIENT:
        return "refresh token was issued to another client";
    case GH_ROTATE_EXPIRED:
        return "refresh token expired (absolute lifetime reached); sign in again";
    case GH_ROTATE_IDLE:
        return "refresh token expired (unused for too long); sign in again";
    default:
        return NULL;
    }
}

static void trace_refresh(struct grant *g)
{
    if (g->as->rec == NULL)
        return;
    char o4[16], n4[16];
    gh_rec_short(g->presented, o4);
    gh_rec_short(g->rt, n4);
    const char *label =
        gh_arena_printf(g->r->arena, "POST /token (grant_type=refresh_token, refresh_token=%s%s)",
                        o4, g->jkt[0] ? ", DPoP: proof" : "");
    const char *reply = reply_label(g, g->at.p ? g->at.p : "", g->rt[0] ? g->rt : NULL);
    if (g->r->status == 200) {
        trace_token(g, g->t.flow_id, label,
                    gh_arena_printf(g->r->arena, "refresh token rotation (%s → %s)", o4, n4), reply,
                    "refresh token rotation", GH_GROUP_LOOP);
        return;
    }
    const char *title = g->expired                      ? "refresh token expired"
                        : strstr(reply, "already used") ? "refresh token reused"
                                                        : "refresh token rejected";
    gh_rec_flow_fail(g->as->rec, g->t.flow_id, g->t.client_id, g->t.sub, title, title);
    trace_token(g, g->t.flow_id, label, "refresh attempt", reply, NULL, GH_GROUP_NONE);
}

static void refresh_start(struct gh_req *r)
{
    struct grant *g = r->defer_arg;
    gh_store_refresh_rotate_async(g->as->store, &g->rot, &g->rotated, written, g);
}

/* After the commit: the rotated pair, or why not. */
static void refresh_finish(struct gh_req *r)
{
    struct grant *g = r->defer_arg;
    enum gh_rotate_result res = g->rotated.result;
    const char *why = NULL;
    if (g->store_rc < 0) {
        store_failed(r, g->store_rc);
    } else if (res == GH_ROTATE_GRACE &&
               gh_refresh_unwrap(g->presented, g->rot.old_hash, g->rotated.wrap, g->rt) < 0) {
        /* cannot happen: only the presented token sealed it */
        gh_oauth_error(r, GH_OAUTH_SERVER_ERROR, "cannot recover the refresh token");
    } else if ((why = rotate_error(res)) == NULL) {
        /* GH_ROTATE_GRACE answers with the successor the token was rotated
         * to, the same one for every presentation inside the window */
        gh_metric_token_issued(GRANT_REFRESH);
        if (res == GH_ROTATE_OK)
            gh_metric_inc(GH_M_ROTATIONS);
        token_response(r, &g->at, g->as->cfg->access_ttl, g->rt, g->at_scope, &g->idt, g->jkt);
    } else {
        if (res == GH_ROTATE_REUSED) {
            gh_metric_inc(GH_M_REUSE_DETECTED);
            gh_metric_inc(GH_M_FAMILY_REVOCATIONS);
        }
        g->expired = res == GH_ROTATE_EXPIRED || res == GH_ROTATE_IDLE;
        gh_oauth_error(r, GH_OAUTH_INVALID_GRANT, why);
    }
    if (r->status != 200)
        g->rt[0] = '\0';
    trace_refresh(g);
    grant_end(g);
}

/* The candidate successor, wrapped for the grace window, and the access
 * token: signed before the store is asked, so the answer waits only for
 * the commit. */
static int refresh_issue(struct grant *g)
{
    struct gh_rotate *rot = &g->rot;
    char jti[23];
    int rc = gh_refresh_new(g->rt, rot->new_hash);
    /* a presentation of the old token inside the window gets this same
     * successor back, which only the old token can unwrap */
    rot->wrapped = rc == 0 && rot->grace > 0;
    if (rot->wrapped)
        rc = gh_refresh_wrap(g->presented, rot->old_hash, g->rt, rot->wrap);
    struct gh_at_claims at = {.aud = g->aud,
                              .sub = g->t.sub,
                              .client_id = g->t.client_id,
                              .scope = g->at_scope,
                              .family = g->t.family_id,
                              .jkt = g->jkt,
                              .amr = g->t.amr};
    if (rc == 0)
        rc = gh_oauth_access_token_for(g->s, &at, g->now, g->as->cfg->access_ttl, &g->at, jti);
    /* OIDC Core 12.2: same sub, auth_time, sid, acr and amr; no nonce */
    struct gh_idtoken it = {.sub = g->t.sub,
                            .client_id = g->t.client_id,
                            .auth_time = g->t.auth_time,
                            .sid = g->t.sid,
                            .amr = g->t.amr};
    if (rc == 0)
        rc = gh_idtoken_grant(g->s, g->granted, &it, &g->at, g->now, g->as->cfg->access_ttl,
                              &g->idt);
    return rc;
}

static void grant_refresh(struct grant *g)
{
    g->presented = gh_form_get(&g->f, "refresh_token", NULL);
    g->scope = gh_form_get(&g->f, "scope", NULL);
    if (g->presented == NULL) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_REQUEST, "missing refresh_token");
        return;
    }
    struct gh_rotate *rot = &g->rot;
    rot->now = g->now;
    rot->grace = g->as->cfg->refresh_reuse_grace;
    int rc = gh_refresh_key(g->presented, rot->old_hash);
    if (rc == 0)
        rc = gh_store_refresh_get(g->as->store, rot->old_hash, &g->t);
    if (rc == GH_ENOTFOUND || rc == GH_EINVAL) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_GRANT, "invalid refresh token");
        return;
    }
    if (rc < 0)
        return store_failed(g->r, rc);
    /* RFC 9449 5: a bound family only with its key's proof; a refusal is
     * no theft by the key's holder, so the family is left as it is */
    if (!gh_grant_dpop_match(g->t.dpop_jkt, g->jkt)) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_GRANT,
                       g->jkt[0] ? "refresh token is bound to another DPoP key"
                                 : "refresh token is DPoP-bound: a DPoP proof is required");
        trace_refresh(g);
        return;
    }
    /* RFC 6749 6: the requested scope may narrow, never widen; and what the
     * client may no longer have is no longer granted */
    if (gh_grant_scope(g->scope, g->t.scope, g->c->scope, g->granted, sizeof(g->granted)) < 0) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_SCOPE,
                       g->scope != NULL ? "scope exceeds the granted scope"
                                        : "no granted scope is still allowed for this client");
        return;
    }
    /* RFC 8707 2.2: any resource granted at authorization */
    if (gh_token_resource(g->r, &g->f, NULL, g->t.family_id, g->granted, &g->aud, g->at_scope,
                          sizeof(g->at_scope)) < 0) {
        trace_refresh(g);
        return;
    }
    /* OK, GRACE and REUSED go to the store, which judges again on the rows
     * as they are in its transaction (with the successor this token was
     * rotated to, which the row read here does not show) and writes what
     * the outcome needs */
    enum gh_rotate_result pre = check_refresh(g);
    g->expired = pre == GH_ROTATE_EXPIRED || pre == GH_ROTATE_IDLE;
    if (pre != GH_ROTATE_OK && pre != GH_ROTATE_GRACE && pre != GH_ROTATE_REUSED) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_GRANT, rotate_error(pre));
    } else if (refresh_issue(g) < 0) {
        g->rt[0] = '\0';
        gh_oauth_error(g->r, GH_OAUTH_SERVER_ERROR, "cannot issue tokens");
    } else {
        rot->idle_expires_at = min64(g->now + g->as->cfg->refresh_idle_ttl, g->t.abs_expires_at);
        g->r->defer_arg = g;
        gh_req_defer(g->r, refresh_start, refresh_finish);
        return;
    }
    trace_refresh(g);
}

static void grant_client_credentials(struct grant *g)
{
    /* RFC 6749 3.3 through the one scope rule (src/proto/scope.c) */
    const char *req = gh_form_get(&g->f, "scope", NULL);
    char scope[GH_SCOPE_MAX] = "";
    if ((req != NULL || g->c->scope[0] != '\0') &&
        gh_scope_grant(req ? req : g->c->scope, g->c->scope, scope, sizeof(scope)) < 0) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_SCOPE, "scope not allowed for this client");
        return;
    }
    char jti[23];
    char mem[4096];
    struct gh_buf at = {mem, 0, sizeof(mem), sizeof(mem) - 1};
    if (gh_token_resource(g->r, &g->f, NULL, NULL, scope, &g->aud, g->at_scope,
                          sizeof(g->at_scope)) < 0)
        return; /* RFC 8707: a registered resource as aud */
    struct gh_at_claims t = {
        .aud = g->aud, .sub = g->c->id, .client_id = g->c->id, .scope = g->at_scope, .jkt = g->jkt};
    if (gh_oauth_access_token_for(g->s, &t, g->now, g->as->cfg->access_ttl, &at, jti) < 0) {
        gh_oauth_error(g->r, GH_OAUTH_SERVER_ERROR, "cannot issue token");
        return;
    }
    token_response(g->r, &at, g->as->cfg->access_ttl, NULL, g->at_scope, NULL, g->jkt);
    gh_metric_token_issued(GRANT_CLIENT_CREDENTIALS);
}

/* The grant types, one row each: the grant_type value (also the metric's
 * label and the discovery document's entry), its handler, and whether only
 * confidential clients may use it (RFC 6749 4.4). Dispatch, discovery
 * (gh_grant_type_name), metrics, and who may use which (gh_grant_type_use,
 * for /token and `client add|update --grant-type`) all read this table. */
static const struct {
    const char *name;
    void (*run)(struct grant *g);
    int confidential_only;
} grant_types[] = {
    [GRANT_CODE] = {"authorization_code", grant_code, 0},
    [GRANT_REFRESH] = {"refresh_token", grant_refresh, 0},
    [GRANT_CLIENT_CREDENTIALS] = {"client_credentials", grant_client_credentials, 1},
};

const char *gh_grant_type_name(size_t i)
{
    return i < GH_ARRAY_LEN(grant_types) ? grant_types[i].name : NULL;
}

int gh_grant_type_find(const char *name)
{
    for (size_t i = 0; i < GH_ARRAY_LEN(grant_types); i++)
        if (strcmp(name, grant_types[i].name) == 0)
            return (int)i;
    return -1;
}

enum gh_grant_use gh_grant_type_use(size_t i, int is_public, const char *allowed)
{
    return gh_grant_use(allowed, is_public, grant_types[i].name, grant_types[i].confidential_only);
}

static void dispatch(struct grant *g)
{
    const char *type = gh_form_get(&g->f, "grant_type", NULL);
    if (type == NULL) {
        gh_oauth_error(g->r, GH_OAUTH_INVALID_REQUEST, "missing grant_type");
        return;
    }
    int i = gh_grant_type_find(type);
    if (i < 0) {
        gh_oauth_error(g->r, GH_OAUTH_UNSUPPORTED_GRANT_TYPE, "unsupported grant_type");
        return;
    }
    switch (gh_grant_type_use((size_t)i, g->c->is_public, g->c->grant_types)) {
    case GH_GRANT_USE_OK:
        grant_types[i].run(g);
        break;
    case GH_GRANT_USE_CONFIDENTIAL:
        gh_oauth_error(g->r, GH_OAUTH_UNAUTHORIZED_CLIENT,
                       gh_arena_printf(g->r->arena, "%s is for confidential clients", type));
        break;
    case GH_GRANT_USE_NOT_LISTED:
        gh_oauth_error(g->r, GH_OAUTH_UNAUTHORIZED_CLIENT,
                       gh_arena_printf(g->r->arena, "client may not use %s", type));
        break;
    }
}

/* RFC 9449 11.1: the proof's jti goes into the replay table first, in the
 * store's group commit; the grant runs after it. */
static void dpop_start(struct gh_req *r)
{
    struct grant *g = r->defer_arg;
    gh_store_dpop_jti_use_async(g->as->store, g->dpop.jti, g->jkt, g->dpop.expires_at, written, g);
}

static void dpop_finish(struct gh_req *r)
{
    struct grant *g = r->defer_arg;
    if (gh_oauth_dpop_recorded(r, g->store_rc) == 0)
        dispatch(g); /* may wait for the store once more */
    if (r->defer_start == NULL)
        grant_end(g);
}

/* Releases what a token request holds; the last step of every request. */
static void grant_end(struct grant *g)
{
    struct gh_req *r = g->r;
    gh_metric_observe(GH_H_TOKEN, gh_mono_us() - r->start_us);
    if (r->client_id != NULL) /* the snapshot owns the string */
        r->client_id = gh_arena_strdup(r->arena, r->client_id);
    gh_buf_release(&g->at);
    gh_buf_release(&g->idt);
    gh_snap_put(g->as, g->s);
}

void gh_h_token(struct gh_req *r)
{
    struct gh_as *as = gh_as_of(r);
    struct grant *g = gh_arena_alloc(r->arena, sizeof(*g));
    if (g == NULL) {
        gh_oauth_error(r, GH_OAUTH_SERVER_ERROR, "out of memory");
        return;
    }
    memset(g, 0, sizeof(*g));
    g->r = r;
    g->as = as;
    g->s = gh_as_snap(as);
    g->now = gh_now();
    g->t0_us = gh_now_us();
    gh_buf_init(&g->at, 8192);
    gh_buf_init(&g->idt, 8192);
    gh_oauth_cors(r, g->s);
    if (gh_oauth_form(r, &g->f) < 0 || (g->c = gh_oauth_client(r, &g->s, &g->f)) == NULL)
        goto out;
    r->client_id = g->c->id;
    /* RFC 9449 5: a DPoP proof with any grant; required of a client
     * registered with dpop_bound_access_tokens */
    if (gh_oauth_dpop(r, as, g->s, "/token", g->jkt, &g->dpop) < 0)
        goto out;
    if (gh_grant_dpop_missing(g->c->dpop_bound, g->jkt)) {
        gh_oauth_error(r, GH_OAUTH_INVALID_DPOP_PROOF,
                       "this client must send a DPoP proof (dpop_bound_access_tokens)");
        goto out;
    }
    if (g->jkt[0] != '\0') { /* the grant goes on once the proof is recorded */
        r->defer_arg = g;
        gh_req_defer(r, dpop_start, dpop_finish);
        goto out;
    }
    dispatch(g);
out:
    if (r->defer_start == NULL)
        grant_end(g);
}
