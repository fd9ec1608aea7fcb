/*
 * The authorization request (RFC 6749 4.1.1, RFC 7636 4.3, RFC 9207, RFC
 * 9700 4.1 and 4.7) as /authorize, /login and /consent share it: parsing
 * and validation, the CSRF form token that carries the pending request
 * through the sign-in and consent forms, and the end of the request, a
 * code or an error redirect. The client and redirect URI are checked
 * first: if either is wrong the user sees an error page and is never
 * redirected (no open redirector). Every later error goes back to the
 * client with error, error_description, state and iss.
 */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/log.h"
#include "jose/dpop.h"
#include "oauth/authz.h"
#include "oauth/csrf.h"
#include "oauth/idtoken.h"
#include "oauth/resources.h"
#include "proto/amr.h"
#include "proto/grant.h"
#include "proto/prompt.h"
#include "trace/recorder.h"
#include "core/err.h"

#define STATE_MAX 2048
#define ACR_VALUES_MAX 512
#define STATE_MAX_TEXT "2048"
#define B64URL_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

static const char *redirect_for(const struct gh_client *c, const char *uri)
{
    for (int i = 0; i < c->n_redirect; i++)
        if (gh_redirect_match(c->redirect[i], uri))
            return uri;
    return NULL;
}

static const char *repeated(const struct gh_form *f)
{
    for (int i = 0; i < f->n; i++) /* RFC 8707 2: resource may repeat */
        if (gh_form_count(f, f->p[i].key) > 1 && strcmp(f->p[i].key, "resource") != 0)
            return f->p[i].key;
    return NULL;
}

/* The trace flow id the sign-in forms carry: ours only when tracing is on,
 * and only in its exact shape (never cut to fit the code's field). */
static const char *flow_of(struct gh_req *r, const struct gh_form *f)
{
    const char *flow = gh_form_get(f, "flow", NULL);
    if (gh_as_of(r)->rec == NULL || flow == NULL || strlen(flow) != GH_FLOW_ID_LEN ||
        strspn(flow, B64URL_CHARS) != GH_FLOW_ID_LEN)
        return NULL;
    return flow;
}

/* The client, redirect URI and state: when any of them is wrong the answer
 * is an error page, never a redirect (RFC 6749 4.1.2.1, RFC 9700 4.11.2). */
static int parse_target(struct gh_req *r, const struct gh_form *f, struct gh_authz *a)
{
    int dup_client, dup_redirect;
    a->client_id = gh_form_get(f, "client_id", &dup_client);
    a->redirect_uri = gh_form_get(f, "redirect_uri", &dup_redirect);
    a->state = gh_form_get(f, "state", NULL);
    if (r->query_invalid || a->client_id == NULL || dup_client ||
        a->c == NULL) { /* looked up by gh_authz_parse */
        gh_page_error(r, 400, "Unknown application",
                      "The request names no registered client (client_id).");
        return GH_EINVAL;
    }
    /* the code stores the URI whole; a loopback URI may be longer than the
     * registered one by its port (RFC 8252 7.3) */
    if (a->redirect_uri == NULL || dup_redirect || strlen(a->redirect_uri) >= GH_URI_MAX ||
        redirect_for(a->c, a->redirect_uri) == NULL) {
        gh_page_error(r, 400, "Invalid redirect URI",
                      "The redirect_uri is missing or not registered for this client.");
        return GH_EINVAL;
    }
    /* a state the redirect could not carry back whole is refused here:
     * dropping it would hand the client a response it cannot match */
    if (a->state != NULL && strlen(a->state) > STATE_MAX) {
        gh_page_error(r, 400, "Invalid state",
                      "The state parameter is longer than " STATE_MAX_TEXT " characters.");
        return GH_EINVAL;
    }
    return 0;
}

/* The scope to grant (src/proto/scope.c gh_scope_grant); NULL with *why
 * set when it is refused. */
static const char *granted_scope(struct gh_req *r, const struct gh_authz *a, const char **why)
{
    const char *req = a->scope ? a->scope : a->c->scope;
    char *out = gh_arena_alloc(r->arena, GH_SCOPE_MAX);
    if (out == NULL) {
        *why = "out of memory";
        return NULL;
    }
    out[0] = '\0';
    if (a->scope == NULL && req[0] == '\0')
        return out; /* a client registered without scopes */
    int rc = gh_scope_grant(req, a->c->scope, out, GH_SCOPE_MAX);
    if (rc == 0)
        return out;
    *why = rc == GH_ENOMEM   ? "requested scope is too long"
           : rc == GH_EINVAL ? "scope is malformed"
                             : "requested scope is not "
                               "allowed for this client";
    return NULL;
}

/* The OpenID Connect parameters of OIDC Core 3.1.2.1 that decide about
 * sign-in and consent; NULL, or why the request is refused. */
static const char *oidc_params(const struct gh_form *f, struct gh_authz *a)
{
    a->prompt = gh_form_get(f, "prompt", NULL);
    if (a->prompt != NULL && a->prompt[0] == '\0')
        a->prompt = NULL;
    a->login_hint = gh_form_get(f, "login_hint", NULL);
    /* only a pre-filled field: one that could not be a user name is dropped */
    if (a->login_hint != NULL && (a->login_hint[0] == '\0' || strlen(a->login_hint) >= GH_ID_MAX))
        a->login_hint = NULL;
    a->id_token_hint = gh_form_get(f, "id_token_hint", NULL);
    if (a->id_token_hint != NULL && a->id_token_hint[0] == '\0')
        a->id_token_hint = NULL;
    if (gh_prompt_parse(a->prompt, &a->prompt_bits) < 0)
        return "prompt must be none, or any of login, consent and select_account";
    if (a->prompt != NULL && strlen(a->prompt) > 64)
        return "prompt is too long";
    if (gh_max_age_parse(gh_form_get(f, "max_age", NULL), &a->max_age) < 0)
        return "max_age must be a number of seconds";
    a->acr_values = gh_form_get(f, "acr_values", NULL);
    if (a->acr_values != NULL && a->acr_values[0] == '\0')
        a->acr_values = NULL;
    if (a->acr_values != NULL && strlen(a->acr_values) > ACR_VALUES_MAX)
        return "acr_values is too long";
    return NULL;
}

int gh_authz_parse(struct gh_req *r, struct gh_snap **sp, const struct gh_form *f,
                   struct gh_authz *a)
{
    memset(a, 0, sizeof(*a));
    a->c = gh_as_snap_for(gh_as_of(r), sp, gh_form_get(f, "client_id", NULL));
    const struct gh_snap *s = *sp;
    if (parse_target(r, f, a) < 0)
        return GH_EINVAL;
    a->flow = flow_of(r, f);
    const char *dup = repeated(f);
    const char *rt = gh_form_get(f, "response_type", NULL);
    const char *method = gh_form_get(f, "code_challenge_method", NULL);
    a->challenge = gh_form_get(f, "code_challenge", NULL);
    a->scope = gh_form_get(f, "scope", NULL);
    a->nonce = gh_form_get(f, "nonce", NULL);
    if (a->nonce != NULL && a->nonce[0] == '\0')
        a->nonce = NULL; /* an empty nonce says nothing */
    a->dpop_jkt = gh_form_get(f, "dpop_jkt", NULL);
    enum gh_oauth_err e = GH_OAUTH_INVALID_REQUEST;
    const char *why = NULL;
    if (dup != NULL)
        why = gh_arena_printf(r->arena, "parameter '%.40s' is repeated", dup);
    else if (rt == NULL)
        why = "missing response_type";
    else if (strcmp(rt, "code") != 0)
        e = GH_OAUTH_UNSUPPORTED_RESPONSE_TYPE, why = "only response_type=code is supported";
    else if (gh_grant_use(a->c->grant_types, a->c->is_public, "authorization_code", 0) !=
             GH_GRANT_USE_OK) /* RFC 6749 4.1.2.1: never a code it could not redeem */
        e = GH_OAUTH_UNAUTHORIZED_CLIENT,
        why = "this client is not registered for the authorization_code grant";
    else if (a->challenge == NULL)
        why = "code_challenge is required (PKCE)";
    else if (method == NULL || strcmp(method, "S256") != 0)
        why = "code_challenge_method must be S256";
    else if (!gh_pkce_challenge_valid(a->challenge, strlen(a->challenge)))
        why = "code_challenge must be 43 base64url characters";
    else if ((a->scope = granted_scope(r, a, &why)) == NULL)
        e = GH_OAUTH_INVALID_SCOPE;
    else if (a->nonce != NULL && !gh_idtoken_nonce_ok(a->nonce)) /* echoed whole or refused */
        why = "nonce must be 1 to 255 bytes of UTF-8 text without control characters";
    else if (a->dpop_jkt != NULL && !gh_dpop_jkt_valid(a->dpop_jkt)) /* RFC 9449 10 */
        why = "dpop_jkt must be a JWK SHA-256 thumbprint (43 base64url characters)";
    else if ((why = oidc_params(f, a)) == NULL &&
             (why = gh_authz_resources(r, f, &a->resources)) != NULL)
        e = GH_OAUTH_INVALID_TARGET;
    if (why != NULL) {
        gh_authz_error(r, s, a, e, why);
        return GH_EINVAL;
    }
    return 0;
}

/* Appends "name=value" to a redirect URL (value percent-encoded). */
static void param(struct gh_buf *b, int *first, const char *name, const char *value)
{
    if (value == NULL)
        return;
    gh_buf_printf(b, "%c%s=", *first ? (strchr(b->p, '?') ? '&' : '?') : '&', name);
    *first = 0;
    gh_buf_urlenc(b, value, strlen(value));
}

static void redirect_with(struct gh_req *r, const struct gh_snap *s, const struct gh_authz *a,
                          const char *k1, const char *v1, const char *k2, const char *v2)
{
    struct gh_buf b;
    gh_buf_init(&b, 16384);
    gh_buf_puts(&b, a->redirect_uri);
    int first = 1;
    param(&b, &first, k1, v1);
    param(&b, &first, k2, v2);
    param(&b, &first, "state", a->state);
    param(&b, &first, "iss", s->issuer); /* RFC 9207 */
    const char *loc = b.p ? gh_arena_strndup(r->arena, b.p, b.len) : NULL;
    gh_buf_release(&b);
    if (loc == NULL) /* never a redirect that leaves out the state */
        gh_page_error(r, 500, "Server error", "The response could not be built.");
    else
        gh_resp_redirect(r, loc);
}

void gh_authz_error(struct gh_req *r, const struct gh_snap *s, const struct gh_authz *a,
                    enum gh_oauth_err e, const char *desc)
{
    redirect_with(r, s, a, "error", gh_oauth_err_code(e), "error_description", desc);
}

/* Copies src whole into dst[size], or fails: a field of a code is never
 * cut short. */
static int put(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        return GH_EINVAL;
    memcpy(dst, src, n + 1);
    return 0;
}

/* The code's row: every field whole (gh_authz_parse refused what would not
 * fit, so GH_EINVAL here is a bug caught without harm). */
static int code_row(const struct gh_authz *a, const struct gh_session *sess, struct gh_code *k)
{
    if (put(k->client_id, sizeof(k->client_id), a->client_id) < 0 ||
        put(k->redirect_uri, sizeof(k->redirect_uri), a->redirect_uri) < 0 ||
        put(k->challenge, sizeof(k->challenge), a->challenge) < 0 ||
        put(k->sub, sizeof(k->sub), sess->sub) < 0 ||
        put(k->scope, sizeof(k->scope), a->scope) < 0 ||
        put(k->flow_id, sizeof(k->flow_id), a->flow ? a->flow : "") < 0 ||
        put(k->nonce, sizeof(k->nonce), a->nonce ? a->nonce : "") < 0 ||
        put(k->sid, sizeof(k->sid), sess->sid) < 0 ||
        put(k->dpop_jkt, sizeof(k->dpop_jkt), a->dpop_jkt ? a->dpop_jkt : "") < 0)
        return GH_EINVAL;
    return 0;
}

void gh_authz_issue_code(struct gh_req *r, const struct gh_snap *s, const struct gh_authz *a,
                         const struct gh_session *sess)
{
    struct gh_as *as = gh_as_of(r);
    char code[GH_TOKEN_LEN + 1];
    struct gh_code k;
    if (gh_authz_mfa_needed(a) && !gh_amr_is_mfa(sess->amr)) { /* whatever form led here */
        gh_authz_error(r, s, a, GH_OAUTH_ACCESS_DENIED, "a second factor is required");
        return;
    }
    memset(&k, 0, sizeof(k));
    int rc = code_row(a, sess, &k);
    if (rc < 0) {
        gh_authz_error(r, s, a, GH_OAUTH_INVALID_REQUEST, "authorization request too large");
        return;
    }
    if ((rc = gh_rand_token(code, sizeof(code))) == 0) {
        gh_sha256(code, strlen(code), k.hash);
        k.auth_time = sess->created_at; /* OIDC Core 2: when the user signed in */
        k.amr = sess->amr;
        k.expires_at = gh_now() + as->cfg->code_ttl;
        rc = gh_authz_resources_keep(r, a->resources, k.hash);
        if (rc == 0)
            rc = gh_store_code_put(as->store, &k);
    }
    if (rc < 0) {
        gh_log(GH_LOG_ERROR, "cannot store authorization code", "error", gh_strerror(rc), NULL);
        gh_authz_error(r, s, a, GH_OAUTH_TEMPORARILY_UNAVAILABLE,
                       "storage temporarily unavailable");
        return;
    }
    redirect_with(r, s, a, "code", code, NULL, NULL);
}

/* The fields of the request the CSRF token binds (csrf.h): every field
 * the forms carry, the trace flow id included (a form cannot move its
 * steps into another flow). */
#define AUTHZ_FIELDS 11
static void csrf_fields(const struct gh_authz *a, const char *f[AUTHZ_FIELDS])
{
    const char *v[AUTHZ_FIELDS] = {a->client_id,
                                   a->redirect_uri,
                                   a->challenge,
                                   a->state ? a->state : "",
                                   a->scope,
                                   a->flow ? a->flow : "",
                                   a->nonce ? a->nonce : "",
                                   a->prompt ? a->prompt : "",
                                   a->dpop_jkt ? a->dpop_jkt : "",
                                   a->resources ? a->resources : "",
                                   a->acr_values ? a->acr_values : ""};
    memcpy(f, v, sizeof(v));
}

void gh_authz_csrf(struct gh_req *r, const struct gh_snap *s, struct gh_authz *a)
{
    const char *f[AUTHZ_FIELDS];
    csrf_fields(a, f);
    gh_csrf_token(r, s, f, AUTHZ_FIELDS, a->csrf);
}

int gh_authz_mfa_needed(const struct gh_authz *a)
{
    return a->c->require_mfa || gh_amr_wants_mfa(a->acr_values);
}

int gh_authz_csrf_ok(struct gh_req *r, const struct gh_snap *s, struct gh_authz *a,
                     const char *posted)
{
    const char *f[AUTHZ_FIELDS];
    csrf_fields(a, f);
    if (gh_csrf_ok(r, s, f, AUTHZ_FIELDS, posted))
        return 1;
    a->flow = NULL; /* a posted flow id counts only under a valid MAC */
    return 0;
}

void gh_authz_trace(struct gh_req *r, const struct gh_authz *a, const char *label, const char *note,
                    int64_t t0_us)
{
    struct gh_recorder *rec = gh_as_of(r)->rec;
    if (rec == NULL || a->flow == NULL || a->flow[0] == '\0')
        return;
    int64_t end = gh_now_us();
    gh_rec_step(rec, a->flow, GH_P_BROWSER, GH_P_AS, GH_STEP_CALL, 0, t0_us, 0, label, note, NULL,
                GH_GROUP_NONE);
    const char *reply;
    if (r->status == 302 || r->status == 303) {
        const char *loc = NULL;
        for (int i = 0; i < r->n_headers; i++)
            if (strcmp(r->hdr_name[i], "Location") == 0)
                loc = r->hdr_value[i];
        const char *q = loc ? strchr(loc, '?') : NULL;
        char c4[16] = "";
        const char *code = q ? strstr(q, "code=") : NULL;
        if (code != NULL) {
            char tmp[GH_TOKEN_LEN + 1];
            snprintf(tmp, sizeof(tmp), "%.*s", (int)strcspn(code + 5, "&"), code + 5);
            gh_rec_short(tmp, c4);
            reply = gh_arena_printf(r->arena, "%d → redirect_uri?code=%s&state&iss", r->status, c4);
        } else {
            const char *err = q ? strstr(q, "error=") : NULL;
            reply = gh_arena_printf(r->arena, "%d → redirect_uri?error=%.*s&state&iss", r->status,
                                    err ? (int)strcspn(err + 6, "&") : 0, err ? err + 6 : "");
        }
    } else {
        reply = gh_arena_printf(
            r->arena, "%d %s", r->status,
            strstr(r->resp ? r->resp : "", "action=\"/consent\"")       ? "consent page"
            : strstr(r->resp ? r->resp : "", "action=\"/login/otp\"")   ? "one-time code page"
            : strstr(r->resp ? r->resp : "", "data-passkey=\"stepup\"") ? "passkey page"
            : strstr(r->resp ? r->resp : "", "action=\"/login\"")       ? "sign-in page"
                                                                  : "error page");
    }
    gh_rec_step(rec, a->flow, GH_P_AS, GH_P_BROWSER, GH_STEP_REPLY, r->status, end,
                (int32_t)(end - t0_us), reply, NULL, NULL, GH_GROUP_NONE);
}

/* 1 when the client needs the user's consent for this request: it is
 * not trusted (first-party) and the user has not granted it every scope
 * asked for before (OIDC Core 3.1.2.4). A store that cannot tell asks. */
int gh_authz_consent_needed(struct gh_req *r, const struct gh_authz *a, const char *sub)
{
    if (a->c->trusted)
        return 0;
    struct gh_as *as = gh_as_of(r);
    char given[GH_SCOPE_MAX];
    if (gh_store_consent_get(as->store, sub, a->client_id, given, sizeof(given)) < 0)
        return 1;
    return !gh_scope_subset(a->scope, given);
}

void gh_authz_form_step(struct gh_req *r, gh_authz_step_fn *step, const char *label,
                        const char *note)
{
    struct gh_as *as = gh_as_of(r);
    struct gh_snap *s = gh_as_snap(as);
    int64_t t0 = gh_now_us();
    struct gh_form f;
    struct gh_authz a;
    if (gh_form_parse(r->arena, r->body, r->body_len, &f) < 0) {
        gh_page_error(r, 400, "Bad request", "The sign-in form is malformed.");
        goto out;
    }
    if (gh_authz_parse(r, &s, &f, &a) < 0)
        goto out;
    int csrf_ok = gh_authz_csrf_ok(r, s, &a, gh_form_get(&f, "csrf", NULL));
    gh_authz_csrf(r, s, &a);
    if (!csrf_ok)
        gh_page_login(r, 403, &a, NULL, "This sign-in form expired. Please sign in again.");
    else
        step(r, s, &a, &f);
    gh_authz_trace(r, &a, label, note, t0);
out:
    gh_snap_put(as, s);
}
