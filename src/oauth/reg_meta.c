/*
 * Client metadata of dynamic registration (RFC 7591 2 and 3.2.2; RFC 8252
 * 7 for native apps' redirect URIs): a strict check of the JSON document a
 * client registers, and the client information response. Pure: no store,
 * no clock; network-reachable input, so fuzz/fuzz_register.c runs it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oauth/reg.h"
#include "proto/proto.h"
#include "core/err.h"

#define CONTACT_MAX 254 /* an email address (RFC 5321 4.5.3.1.3) */

struct meta_ctx {
    json_t *doc;
    struct gh_client *c;
    struct gh_client_reg *m;
    char *desc;
    size_t desclen;
    int grant_code, grant_refresh, grant_cc;
};

static enum gh_reg_result fail(struct meta_ctx *x, enum gh_reg_result e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum gh_reg_result fail(struct meta_ctx *x, enum gh_reg_result e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->desc, x->desclen, fmt, ap);
    va_end(ap);
    return e;
}

static int printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

/* An optional string member: NULL when absent; *bad when present but not
 * a string. */
static const char *opt_str(struct meta_ctx *x, const char *name, int *bad)
{
    json_t *v = json_object_get(x->doc, name);
    *bad = v != NULL && !json_is_string(v);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* An http(s) URL for client_uri and logo_uri. */
static int web_url_ok(const char *u)
{
    char origin[GH_URI_MAX];
    return strlen(u) < GH_URI_MAX && printable(u) && strchr(u, ' ') == NULL &&
           (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0) &&
           gh_uri_origin(u, origin, sizeof(origin)) == 0 && strchr(origin, '@') == NULL;
}

/* A redirect URI (RFC 7591 2, RFC 8252 7, RFC 9700 2.1): https; http only
 * for a loopback host; or a private-use scheme with a dot
 * (com.example.app:/cb); no fragment, no wildcard. */
static const char *redirect_problem(const char *u)
{
    if (strchr(u, '#') != NULL)
        return "must not have a fragment";
    if (strchr(u, '*') != NULL)
        return "must not have a wildcard";
    if (strlen(u) >= GH_URI_MAX)
        return "is too long";
    if (!gh_redirect_valid(u, 0))
        return "must be https, http on a loopback host, or a private-use scheme "
               "(com.example.app:/path)";
    return NULL;
}

static enum gh_reg_result uri_list(struct meta_ctx *x, const char *name, int redirect)
{
    json_t *arr = json_object_get(x->doc, name), *v;
    size_t i;
    enum gh_reg_result e = redirect ? GH_REG_INVALID_REDIRECT_URI : GH_REG_INVALID_METADATA;
    if (arr == NULL)
        return GH_REG_OK;
    if (!json_is_array(arr) || json_array_size(arr) > GH_URIS_MAX)
        return fail(x, e, "%s must be an array of at most %d URIs", name, GH_URIS_MAX);
    size_t k = 0;
    json_array_foreach(arr, i, v)
    {
        const char *u = json_string_value(v);
        if (u == NULL)
            return fail(x, e, "%s must hold strings", name);
        const char *why = redirect_problem(u);
        if (why != NULL)
            return fail(x, e, "%s: '%.200s' %s", name, u, why);
        if (redirect) {
            snprintf(x->c->redirect[x->c->n_redirect++], GH_URI_MAX, "%s", u);
        } else {
            size_t n = strlen(u);
            if (k + n + 2 > sizeof(x->m->post_logout_uris))
                return fail(x, e, "%s is too long", name);
            k += (size_t)snprintf(x->m->post_logout_uris + k, sizeof(x->m->post_logout_uris) - k,
                                  "%s%s", k ? "\n" : "", u);
        }
    }
    return GH_REG_OK;
}

/* A list of names from a fixed set, space-separated into out. */
static enum gh_reg_result name_list(struct meta_ctx *x, const char *name,
                                    const char *const *allowed, const char *dflt, char *out,
                                    size_t outlen)
{
    json_t *arr = json_object_get(x->doc, name), *v;
    size_t i, k = 0;
    out[0] = '\0';
    if (arr == NULL) {
        snprintf(out, outlen, "%s", dflt);
        return GH_REG_OK;
    }
    /* an empty list only where nothing is the default (response_types of
     * a client without the code grant) */
    if (!json_is_array(arr) || (json_array_size(arr) == 0 && dflt[0] != '\0'))
        return fail(x, GH_REG_INVALID_METADATA, "%s must be a non-empty array", name);
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v);
        int known = 0;
        for (size_t a = 0; s != NULL && allowed[a] != NULL; a++)
            known |= strcmp(s, allowed[a]) == 0;
        if (!known)
            return fail(x, GH_REG_INVALID_METADATA, "%s: '%.60s' is not supported", name,
                        s ? s : "(not a string)");
        if (gh_scope_has(out, s))
            continue; /* each once */
        if (k + strlen(s) + 2 > outlen)
            return fail(x, GH_REG_INVALID_METADATA, "%s is too long", name);
        k += (size_t)snprintf(out + k, outlen - k, "%s%s", k ? " " : "", s);
    }
    return GH_REG_OK;
}

static const char *const GRANTS[] = {"authorization_code", "refresh_token", "client_credentials",
                                     NULL};
static const char *const RESPONSES[] = {"code", NULL};
static const char *const METHODS[] = {"none", "client_secret_basic", "client_secret_post", NULL};

/* grant_types, response_types and token_endpoint_auth_method, and that
 * they agree (RFC 7591 2.1). */
static enum gh_reg_result grants(struct meta_ctx *x)
{
    struct gh_client_reg *m = x->m;
    enum gh_reg_result e;
    int bad;
    if ((e = name_list(x, "grant_types", GRANTS, "authorization_code", m->grant_types,
                       sizeof(m->grant_types))) != GH_REG_OK)
        return e;
    x->grant_code = gh_scope_has(m->grant_types, "authorization_code");
    x->grant_refresh = gh_scope_has(m->grant_types, "refresh_token");
    x->grant_cc = gh_scope_has(m->grant_types, "client_credentials");
    if ((e = name_list(x, "response_types", RESPONSES, x->grant_code ? "code" : "",
                       m->response_types, sizeof(m->response_types))) != GH_REG_OK)
        return e;
    if (x->grant_code != gh_scope_has(m->response_types, "code"))
        return fail(x, GH_REG_INVALID_METADATA,
                    "grant_type authorization_code and response_type code go together");
    const char *method = opt_str(x, "token_endpoint_auth_method", &bad);
    if (bad)
        return fail(x, GH_REG_INVALID_METADATA, "token_endpoint_auth_method must be a string");
    if (method == NULL)
        method = "client_secret_basic"; /* RFC 7591 2 */
    int known = 0;
    for (size_t i = 0; METHODS[i] != NULL; i++)
        known |= strcmp(method, METHODS[i]) == 0;
    if (!known)
        return fail(x, GH_REG_INVALID_METADATA,
                    "token_endpoint_auth_method '%.60s' is not supported (none, "
                    "client_secret_basic, client_secret_post)",
                    method);
    snprintf(m->auth_method, sizeof(m->auth_method), "%s", method);
    x->c->is_public = strcmp(method, "none") == 0;
    if (x->c->is_public && x->grant_cc)
        return fail(x, GH_REG_INVALID_METADATA,
                    "client_credentials needs a confidential client (not auth method none)");
    return GH_REG_OK;
}

/* client_name, client_uri, logo_uri, contacts. */
static enum gh_reg_result descriptive(struct meta_ctx *x)
{
    struct gh_client_reg *m = x->m;
    int bad;
    const char *name = opt_str(x, "client_name", &bad);
    if (bad || (name != NULL && (strlen(name) >= sizeof(m->client_name) || !printable(name))))
        return fail(x, GH_REG_INVALID_METADATA,
                    "client_name must be text of at most %zu bytes without control characters",
                    sizeof(m->client_name) - 1);
    snprintf(m->client_name, sizeof(m->client_name), "%s", name ? name : "");
    const char *fields[] = {"client_uri", "logo_uri"};
    char *outs[] = {m->client_uri, m->logo_uri};
    for (size_t i = 0; i < 2; i++) {
        const char *u = opt_str(x, fields[i], &bad);
        if (bad || (u != NULL && !web_url_ok(u)))
            return fail(x, GH_REG_INVALID_METADATA, "%s must be an http or https URL", fields[i]);
        snprintf(outs[i], GH_URI_MAX, "%s", u ? u : "");
    }
    json_t *arr = json_object_get(x->doc, "contacts"), *v;
    size_t i, k = 0;
    if (arr != NULL && (!json_is_array(arr) || json_array_size(arr) > GH_URIS_MAX))
        return fail(x, GH_REG_INVALID_METADATA, "contacts must be an array of at most %d",
                    GH_URIS_MAX);
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v);
        if (s == NULL || s[0] == '\0' || strlen(s) > CONTACT_MAX || !printable(s))
            return fail(x, GH_REG_INVALID_METADATA,
                        "contacts must hold addresses of at most %d characters", CONTACT_MAX);
        k += (size_t)snprintf(m->contacts + k, sizeof(m->contacts) - k, "%s%s", k ? "\n" : "", s);
    }
    return GH_REG_OK;
}

static enum gh_reg_result scope_and_flags(struct meta_ctx *x, const char *allowed)
{
    int bad;
    const char *scope = opt_str(x, "scope", &bad);
    if (bad || (scope != NULL && scope[0] != '\0' && !gh_scope_valid(scope)))
        return fail(x, GH_REG_INVALID_METADATA, "scope must be a space-separated list of scopes");
    if (scope == NULL || scope[0] == '\0')
        scope = allowed;
    /* RFC 7591 3.2.1: the server may register fewer scopes than asked */
    if (gh_scope_intersect(scope, allowed, x->c->scope, sizeof(x->c->scope)) < 0)
        return fail(x, GH_REG_INVALID_METADATA, "scope is too long");
    json_t *dpop = json_object_get(x->doc, "dpop_bound_access_tokens");
    if (dpop != NULL && !json_is_boolean(dpop))
        return fail(x, GH_REG_INVALID_METADATA, "dpop_bound_access_tokens must be a boolean");
    x->m->dpop_bound = json_is_true(dpop);
    return GH_REG_OK;
}

/* What the server enforces from the registered metadata, in the client's
 * own fields: its grant types at /authorize and /token, its
 * post_logout_redirect_uris at /logout and dpop_bound_access_tokens at
 * /token (the same fields `client add` sets). */
static void enforced(struct gh_client *c, const struct gh_client_reg *m)
{
    snprintf(c->grant_types, sizeof(c->grant_types), "%s", m->grant_types);
    c->dpop_bound = m->dpop_bound;
    c->n_post_logout = 0;
    for (const char *p = m->post_logout_uris; *p && c->n_post_logout < GH_URIS_MAX;) {
        size_t n = strcspn(p, "\n");
        if (n > 0 && n < GH_URI_MAX)
            snprintf(c->post_logout[c->n_post_logout++], GH_URI_MAX, "%.*s", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

/* CORS origins of a public client: those of its http(s) redirect URIs. */
static void origins(struct gh_client *c)
{
    for (int i = 0; c->is_public && i < c->n_redirect; i++) {
        char o[GH_URI_MAX];
        int seen = 0;
        if (gh_uri_origin(c->redirect[i], o, sizeof(o)) < 0)
            continue;
        for (int k = 0; k < c->n_origin; k++)
            seen |= strcmp(c->origin[k], o) == 0;
        if (!seen)
            snprintf(c->origin[c->n_origin++], GH_URI_MAX, "%s", o);
    }
}

enum gh_reg_result gh_reg_meta_parse(const char *body, size_t len, const char *allowed_scope,
                                     struct gh_client *c, struct gh_client_reg *m, char *desc,
                                     size_t desclen)
{
    memset(c, 0, sizeof(*c));
    memset(m, 0, sizeof(*m));
    snprintf(m->via, sizeof(m->via), "registration");
    struct meta_ctx x = {NULL, c, m, desc, desclen, 0, 0, 0};
    desc[0] = '\0';
    json_error_t jerr;
    x.doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    enum gh_reg_result e = GH_REG_OK;
    if (!json_is_object(x.doc))
        e = fail(&x, GH_REG_INVALID_METADATA, "the body must be a JSON object");
    if (e == GH_REG_OK)
        e = grants(&x);
    if (e == GH_REG_OK)
        e = uri_list(&x, "redirect_uris", 1);
    if (e == GH_REG_OK && x.grant_code && c->n_redirect == 0)
        e = fail(&x, GH_REG_INVALID_REDIRECT_URI,
                 "redirect_uris is required for the authorization_code grant");
    if (e == GH_REG_OK)
        e = uri_list(&x, "post_logout_redirect_uris", 0);
    if (e == GH_REG_OK)
        e = descriptive(&x);
    if (e == GH_REG_OK)
        e = scope_and_flags(&x, allowed_scope);
    if (e == GH_REG_OK)
        origins(c);
    if (e == GH_REG_OK)
        enforced(c, m);
    json_decref(x.doc);
    return e;
}

/* Adds a space- or newline-separated list as a JSON array (nothing when
 * empty). */
static void set_list(json_t *o, const char *name, const char *list, const char *seps)
{
    if (list[0] == '\0')
        return;
    json_t *arr = json_array();
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, seps);
        if (n > 0)
            json_array_append_new(arr, json_stringn(p, n));
        p += n;
        while (*p && strchr(seps, *p) != NULL)
            p++;
    }
    json_object_set_new(o, name, arr);
}

static void set_str(json_t *o, const char *name, const char *v)
{
    if (v[0] != '\0')
        json_object_set_new(o, name, json_string(v));
}

json_t *gh_reg_meta_json(const struct gh_client *c, const struct gh_client_reg *m)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "client_id", json_string(c->id));
    json_object_set_new(o, "client_id_issued_at", json_integer(c->created_at));
    json_t *uris = json_array();
    for (int i = 0; i < c->n_redirect; i++)
        json_array_append_new(uris, json_string(c->redirect[i]));
    json_object_set_new(o, "redirect_uris", uris);
    json_object_set_new(o, "token_endpoint_auth_method", json_string(m->auth_method));
    set_list(o, "grant_types", m->grant_types, " ");
    if (m->response_types[0] == '\0') /* client_credentials alone */
        json_object_set_new(o, "response_types", json_array());
    set_list(o, "response_types", m->response_types, " ");
    set_str(o, "client_name", m->client_name);
    set_str(o, "client_uri", m->client_uri);
    set_str(o, "logo_uri", m->logo_uri);
    set_str(o, "scope", c->scope);
    set_list(o, "contacts", m->contacts, "\n");
    set_list(o, "post_logout_redirect_uris", m->post_logout_uris, "\n");
    if (m->dpop_bound)
        json_object_set_new(o, "dpop_bound_access_tokens", json_true());
    return o;
}
