/*
 * POST /introspect (RFC 7662) and POST /revoke (RFC 7009). Introspection
 * needs a confidential client; anything not active is {"active":false}
 * and nothing more. An access token is inactive when expired, when its jti
 * was revoked, or when its refresh-token family was revoked. Revocation
 * answers 200 for unknown tokens; revoking a refresh token revokes its
 * whole family.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/metrics.h"
#include "oauth/oauth.h"
#include "trace/recorder.h"
#include "core/err.h"

json_t *gh_oauth_verify_own(const struct gh_snap *s, const char *token)
{
    struct gh_jws jws;
    if (strchr(token, '.') == NULL || gh_jws_parse(token, strlen(token), &jws) < 0)
        return NULL;
    json_t *claims = NULL;
    const struct gh_jwk *k = gh_snap_key(s, jws.kid);
    if (k != NULL && gh_jws_verify(k, &jws) == 0 && strcmp(jws.typ, "at+jwt") == 0)
        claims = json_loadb(jws.payload, jws.payload_len, JSON_REJECT_DUPLICATES, NULL);
    gh_jws_release(&jws);
    const char *iss = json_string_value(json_object_get(claims, "iss"));
    if (claims != NULL && (iss == NULL || strcmp(iss, s->issuer) != 0)) {
        json_decref(claims);
        claims = NULL;
    }
    return claims;
}

static void answer(struct gh_req *r, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    gh_resp_header(r, "Cache-Control", "no-store");
    gh_resp_json(r, 200, text ? gh_arena_strdup(r->arena, text) : "{\"active\":false}");
    free(text);
}

/* Introspection of an access token we signed; NULL when inactive. */
static json_t *access_info(struct gh_as *as, struct gh_snap **sp, const char *token)
{
    json_t *c = gh_oauth_verify_own(*sp, token);
    if (c == NULL)
        return NULL;
    json_int_t exp = json_integer_value(json_object_get(c, "exp"));
    const char *jti = json_string_value(json_object_get(c, "jti"));
    const char *fid = json_string_value(json_object_get(c, "gh_fid"));
    int revoked = 0, family_revoked = 0;
    if (jti != NULL)
        gh_store_jti_revoked(as->store, jti, &revoked);
    if (fid != NULL)
        gh_store_family_revoked(as->store, fid, &family_revoked);
    /* a removed (or deregistered, RFC 7592 2.3) client's tokens are dead */
    const char *cid = json_string_value(json_object_get(c, "client_id"));
    const struct gh_client *owner = gh_as_snap_for(as, sp, cid);
    if (exp <= gh_now() || jti == NULL || revoked || family_revoked || owner == NULL) {
        json_decref(c);
        return NULL;
    }
    /* RFC 9449 6.2: a DPoP-bound token says so, with its cnf */
    json_t *out = json_pack("{s:b,s:s}", "active", 1, "token_type",
                            json_object_get(c, "cnf") != NULL ? "DPoP" : "Bearer");
    const char *keys[] = {"scope", "client_id", "sub", "exp", "iat",
                          "nbf",   "iss",       "aud", "jti", "cnf"};
    for (size_t i = 0; i < GH_ARRAY_LEN(keys); i++)
        if (json_object_get(c, keys[i]) != NULL)
            json_object_set(out, keys[i], json_object_get(c, keys[i]));
    json_decref(c);
    return out;
}

static json_t *refresh_info(struct gh_as *as, const struct gh_snap *s, const char *token)
{
    struct gh_refresh t;
    unsigned char hash[GH_SHA256_LEN];
    int64_t now = gh_now();
    if (gh_refresh_key(token, hash) < 0 || gh_store_refresh_get(as->store, hash, &t) < 0)
        return NULL;
    /* active: it could be rotated now (no grace: a rotated token is not) */
    struct gh_rt_facts f = gh_refresh_facts(&t, NULL);
    if (gh_grant_rotate(&f, now, 0) != GH_ROTATE_OK)
        return NULL;
    return json_pack("{s:b,s:s,s:s,s:s,s:s,s:I,s:I,s:s}", "active", 1, "token_type",
                     "refresh_token", "scope", t.scope, "client_id", t.client_id, "sub", t.sub,
                     "exp", (json_int_t)t.idle_expires_at, "iat", (json_int_t)t.created_at, "iss",
                     s->issuer);
}

void gh_h_introspect(struct gh_req *r)
{
    struct gh_as *as = gh_as_of(r);
    struct gh_snap *s = gh_as_snap(as);
    struct gh_form f;
    const struct gh_client *c;
    if (gh_oauth_form(r, &f) < 0 || (c = gh_oauth_client(r, &s, &f)) == NULL)
        goto out;
    if (c->is_public) {
        gh_oauth_error(r, GH_OAUTH_INVALID_CLIENT, "introspection needs a confidential client");
        goto out;
    }
    const char *token = gh_form_get(&f, "token", NULL);
    if (token == NULL) {
        gh_oauth_error(r, GH_OAUTH_INVALID_REQUEST, "missing token");
        goto out;
    }
    const char *hint = gh_form_get(&f, "token_type_hint", NULL);
    json_t *info = NULL;
    if (hint == NULL || strcmp(hint, "refresh_token") != 0)
        info = access_info(as, &s, token);
    if (info == NULL)
        info = refresh_info(as, s, token);
    if (info == NULL && hint != NULL && strcmp(hint, "refresh_token") == 0)
        info = access_info(as, &s, token);
    answer(r, info ? info : json_pack("{s:b}", "active", 0));
out:
    gh_snap_put(as, s);
}

/* Revokes a refresh token's family if the token belongs to client c. */
static int revoke_refresh(struct gh_as *as, const struct gh_client *c, const char *token)
{
    struct gh_refresh t;
    unsigned char hash[GH_SHA256_LEN];
    if (gh_refresh_key(token, hash) < 0)
        return 0; /* not a refresh token of ours */
    int rc = gh_store_refresh_get(as->store, hash, &t);
    if (rc < 0)
        return rc == GH_ENOTFOUND ? 0 : rc;
    if (strcmp(t.client_id, c->id) != 0)
        return 0; /* another client's token: nothing happens, nothing leaks */
    gh_metric_inc(GH_M_FAMILY_REVOCATIONS);
    rc = gh_store_family_revoke(as->store, t.family_id, gh_now());
    return rc < 0 ? rc : 1;
}

static int revoke_access(struct gh_as *as, const struct gh_snap *s, const struct gh_client *c,
                         const char *token)
{
    json_t *claims = gh_oauth_verify_own(s, token);
    if (claims == NULL)
        return 0;
    const char *cid = json_string_value(json_object_get(claims, "client_id"));
    const char *jti = json_string_value(json_object_get(claims, "jti"));
    json_int_t exp = json_integer_value(json_object_get(claims, "exp"));
    int rc = 0;
    if (cid != NULL && jti != NULL && strcmp(cid, c->id) == 0 && exp > gh_now())
        rc = gh_store_jti_revoke(as->store, jti, (int64_t)exp);
    json_decref(claims);
    return rc < 0 ? rc : 1;
}

/* The recorder sees a refresh token of a traced flow revoked (the
 * revocation step of docs/flow-review.md's vocabulary). */
static void trace_revoke(struct gh_req *r, struct gh_as *as, const char *token, const char *hint,
                         int64_t t0)
{
    unsigned char hash[GH_SHA256_LEN];
    char flow[64] = "", t4[16];
    if (as->rec == NULL || gh_refresh_key(token, hash) < 0 ||
        gh_rec_flow_of_refresh(as->rec, hash, flow, sizeof(flow)) < 0 || flow[0] == '\0')
        return;
    gh_rec_short(token, t4);
    int64_t end = gh_now_us();
    gh_rec_step(as->rec, flow, GH_P_APP, GH_P_AS, GH_STEP_CALL, 0, t0, 0,
                gh_arena_printf(r->arena, "POST /revoke (token=%s, token_type_hint=%s)", t4,
                                hint && strcmp(hint, "access_token") == 0 ? "access_token"
                                                                          : "refresh_token"),
                "revocation", NULL, GH_GROUP_NONE);
    gh_rec_step(as->rec, flow, GH_P_AS, GH_P_APP, GH_STEP_REPLY, 200, end, (int32_t)(end - t0),
                "200 refresh token family revoked", NULL, NULL, GH_GROUP_NONE);
}

void gh_h_revoke(struct gh_req *r)
{
    int64_t t0 = gh_now_us();
    struct gh_as *as = gh_as_of(r);
    struct gh_snap *s = gh_as_snap(as);
    struct gh_form f;
    const struct gh_client *c;
    gh_oauth_cors(r, s);
    if (gh_oauth_form(r, &f) < 0 || (c = gh_oauth_client(r, &s, &f)) == NULL)
        goto out;
    const char *token = gh_form_get(&f, "token", NULL);
    if (token == NULL) {
        gh_oauth_error(r, GH_OAUTH_INVALID_REQUEST, "missing token");
        goto out;
    }
    /* RFC 7009 2.1: the hint only orders the lookups */
    const char *hint = gh_form_get(&f, "token_type_hint", NULL);
    int rc = hint != NULL && strcmp(hint, "access_token") == 0 ? revoke_access(as, s, c, token)
                                                               : revoke_refresh(as, c, token);
    if (rc == 0)
        rc = hint != NULL && strcmp(hint, "access_token") == 0 ? revoke_refresh(as, c, token)
                                                               : revoke_access(as, s, c, token);
    if (rc < 0) {
        gh_oauth_error(r, GH_OAUTH_TEMPORARILY_UNAVAILABLE, "storage temporarily unavailable");
        goto out;
    }
    gh_resp_header(r, "Cache-Control", "no-store");
    gh_resp_body(r, 200, "application/json", "{}", 2);
    trace_revoke(r, as, token, hint, t0);
out:
    gh_snap_put(as, s);
}
