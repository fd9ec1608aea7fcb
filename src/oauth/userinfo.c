/*
 * GET and POST /userinfo (OpenID Connect Core 1.0 section 5.3): the claims
 * about the signed-in user that the access token's scopes grant (5.4) —
 * sub always; name, given_name, family_name and preferred_username for
 * "profile"; email and email_verified for "email". Claims without a value
 * are left out (5.3.2).
 *
 * The token comes in the Authorization header (RFC 6750 2.1) or, on POST,
 * as the form field access_token (2.2); never in the query (2.3 is
 * refused: URLs end up in logs). It must be an access token this server
 * signed, unexpired, not revoked by itself nor through its refresh-token
 * family (like introspection), issued to a user (client_credentials tokens
 * are not), and carry "openid". Errors follow RFC 6750 3: 401 with
 * WWW-Authenticate (a bare challenge when no token was sent), 403
 * insufficient_scope without "openid". Browser clients read it under the
 * same CORS rule as /token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/clock.h"
#include "core/err.h"
#include "jose/dpop.h"
#include "oauth/oauth.h"

static void challenge_as(struct gh_req *r, const char *v, int status, const char *error,
                         const char *desc)
{
    if (error != NULL)
        v = gh_arena_printf(r->arena, "%s, error=\"%s\", error_description=\"%s\"%s", v, error,
                            desc,
                            strcmp(error, "insufficient_scope") == 0 ? ", scope=\"openid\"" : "");
    gh_resp_header(r, "WWW-Authenticate", v ? v : "Bearer");
    gh_resp_header(r, "Access-Control-Expose-Headers", "WWW-Authenticate, DPoP-Nonce");
    if (error == NULL) { /* RFC 6750 3.1: no error code when no token came */
        gh_resp_header(r, "Cache-Control", "no-store");
        gh_resp_body(r, status, "application/json", "{\"error\":\"unauthorized\"}", 24);
    } else {
        gh_resp_error(r, status, error, desc);
    }
}

static void challenge(struct gh_req *r, int status, const char *error, const char *desc)
{
    challenge_as(r, "Bearer realm=\"gatehouse\"", status, error, desc);
}

/* RFC 9449 7.1: a DPoP challenge naming the algorithms a proof may use. */
static void dpop_challenge(struct gh_req *r, const char *error, const char *desc)
{
    challenge_as(r, "DPoP realm=\"gatehouse\", algs=\"" GH_DPOP_ALGS_TEXT "\"", 401, error, desc);
}

/* RFC 6750 2.1 b64token of a header value, or NULL. */
static const char *b64token(const char *t)
{
    size_t n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");
    while (t[n] == '=')
        n++;
    return n > 0 && t[n] == '\0' && n <= GH_JWS_MAX ? t : NULL;
}

/* The access token of the request (one method only), or NULL after
 * answering. */
static const char *presented(struct gh_req *r, int *dpop)
{
    if (gh_form_count(&r->query, "access_token") > 0) {
        challenge(r, 400, "invalid_request", "tokens in the query string are not accepted");
        return NULL;
    }
    const char *form = NULL, *h = gh_req_header(r, "Authorization");
    struct gh_form f;
    const char *ct = gh_req_header(r, "Content-Type");
    if (r->method == GH_POST && r->body_len > 0 && ct != NULL &&
        strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
        int dup = 0;
        if (gh_form_parse(r->arena, r->body, r->body_len, &f) < 0 ||
            ((form = gh_form_get(&f, "access_token", &dup)) != NULL && dup)) {
            challenge(r, 400, "invalid_request", "malformed form body");
            return NULL;
        }
    }
    if (h != NULL && form != NULL) {
        challenge(r, 400, "invalid_request", "send the access token one way only (RFC 6750 2)");
        return NULL;
    }
    if (h == NULL && form == NULL) {
        challenge(r, 401, NULL, NULL);
        return NULL;
    }
    const char *t = form;
    if (h != NULL) {
        *dpop = strncasecmp(h, "DPoP ", 5) == 0; /* RFC 9449 7.1 */
        if (!*dpop && strncasecmp(h, "Bearer ", 7) != 0) {
            challenge(r, 400, "invalid_request", "Authorization must be 'Bearer <token>'");
            return NULL;
        }
        for (t = h + (*dpop ? 5 : 7); *t == ' ';)
            t++;
    }
    if (b64token(t) == NULL) {
        challenge(r, 401, "invalid_token", "malformed access token");
        return NULL;
    }
    return t;
}

/* Why the token's claims c do not grant /userinfo (NULL: they do). */
static const char *unusable(struct gh_as *as, const json_t *c)
{
    json_int_t exp = json_integer_value(json_object_get(c, "exp"));
    const char *jti = json_string_value(json_object_get(c, "jti"));
    const char *fid = json_string_value(json_object_get(c, "gh_fid"));
    const char *sub = json_string_value(json_object_get(c, "sub"));
    int revoked = 0, family_revoked = 0;
    if (exp <= gh_now())
        return "access token expired";
    if (jti == NULL || sub == NULL)
        return "access token lacks jti or sub";
    /* only tokens of a user's grant carry a family; client_credentials
     * tokens name a client, not a user */
    if (fid == NULL)
        return "access token was not issued to a user";
    if (gh_store_jti_revoked(as->store, jti, &revoked) < 0 ||
        gh_store_family_revoked(as->store, fid, &family_revoked) < 0)
        return ""; /* the store cannot say: temporarily unavailable */
    if (revoked || family_revoked)
        return "access token revoked";
    return NULL;
}

static void put(json_t *doc, const char *name, const char *v)
{
    if (v[0] != '\0')
        json_object_set_new(doc, name, json_string(v));
}

/* OIDC Core 5.4: the claims of the token's scopes. */
static json_t *claims_of(const struct gh_user *u, const char *scope)
{
    json_t *doc = json_pack("{s:s}", "sub", u->username);
    if (doc != NULL && gh_scope_has(scope, "profile")) {
        put(doc, "name", u->name);
        put(doc, "given_name", u->given_name);
        put(doc, "family_name", u->family_name);
        put(doc, "preferred_username", u->username);
    }
    if (doc != NULL && gh_scope_has(scope, "email") && u->email[0] != '\0') {
        put(doc, "email", u->email);
        json_object_set_new(doc, "email_verified", json_boolean(u->email_verified));
    }
    return doc;
}

static void answer(struct gh_req *r, struct gh_as *as, const json_t *c)
{
    const char *sub = json_string_value(json_object_get(c, "sub"));
    const char *scope = json_string_value(json_object_get(c, "scope"));
    struct gh_user *u = gh_arena_alloc(r->arena, sizeof(*u));
    int rc = u ? gh_store_user_get(as->store, sub, u) : GH_ENOMEM;
    if (rc == GH_ENOTFOUND) {
        challenge(r, 401, "invalid_token", "the user of this access token no longer exists");
        return;
    }
    if (rc < 0) {
        gh_resp_error(r, 503, "temporarily_unavailable", "storage temporarily unavailable");
        return;
    }
    json_t *doc = claims_of(u, scope ? scope : "");
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    memset(u->pwhash, 0, sizeof(u->pwhash));
    if (text == NULL) {
        gh_resp_error(r, 500, "server_error", "out of memory");
        return;
    }
    gh_resp_header(r, "Cache-Control", "no-store");
    gh_resp_header(r, "Pragma", "no-cache");
    gh_resp_json(r, 200, gh_arena_strdup(r->arena, text));
    free(text);
}

void gh_h_userinfo(struct gh_req *r)
{
    struct gh_as *as = gh_as_of(r);
    struct gh_snap *s = gh_as_snap(as);
    gh_oauth_cors(r, s);
    int dpop = 0;
    const char *token = presented(r, &dpop);
    if (token == NULL) /* answered */
        goto out;
    json_t *c = gh_oauth_verify_own(s, token);
    const char *why = c == NULL ? "invalid access token" : unusable(as, c);
    const char *scope = c ? json_string_value(json_object_get(c, "scope")) : NULL;
    const char *jkt = json_string_value(json_object_get(json_object_get(c, "cnf"), "jkt"));
    enum gh_dpop_result dr = GH_DPOP_OK;
    /* RFC 9449 7: a bound token only with its key's proof, never as Bearer */
    if (why == NULL && (dpop || jkt != NULL))
        dr = dpop ? gh_oauth_dpop_resource(r, as, s, "/userinfo", token, jkt ? jkt : "", &why)
                  : (why = "a DPoP-bound token needs Authorization: DPoP and a proof",
                     GH_DPOP_INVALID);
    if (why != NULL && why[0] == '\0')
        gh_resp_error(r, 503, "temporarily_unavailable", "storage temporarily unavailable");
    else if (dr == GH_DPOP_NONCE) {
        gh_oauth_dpop_nonce_header(r, as, s);
        dpop_challenge(r, "use_dpop_nonce", why);
    } else if (dr != GH_DPOP_OK)
        dpop_challenge(r, "invalid_token", why);
    else if (why != NULL)
        challenge(r, 401, "invalid_token", why);
    else if (scope == NULL || !gh_scope_has(scope, "openid"))
        challenge(r, 403, "insufficient_scope", "the access token does not carry 'openid'");
    else
        answer(r, as, c);
    json_decref(c);
out:
    gh_snap_put(as, s);
}

void gh_h_userinfo_preflight(struct gh_req *r)
{
    struct gh_snap *s = gh_as_snap(gh_as_of(r));
    const char *origin = gh_req_header(r, "Origin");
    gh_resp_header(r, "Vary", "Origin");
    if (origin == NULL || !gh_snap_origin_allowed(s, origin)) {
        gh_resp_error(r, 403, "invalid_request", "origin not allowed");
    } else {
        gh_resp_header(r, "Access-Control-Allow-Origin", gh_arena_strdup(r->arena, origin));
        gh_resp_header(r, "Access-Control-Allow-Methods", "GET, POST");
        gh_resp_header(r, "Access-Control-Allow-Headers", "Authorization, Content-Type, DPoP");
        gh_resp_header(r, "Access-Control-Max-Age", "600");
        gh_resp_body(r, 204, NULL, "", 0);
    }
    gh_snap_put(gh_as_of(r), s);
}
