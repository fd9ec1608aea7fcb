/*
 * HAR import, first half (import.h): each entry of the HAR, as the reader
 * (har.c) hands it over, is parsed with jansson, classified by its OAuth
 * meaning (vocab.h) and reduced to a secret-free message (struct imp_msg):
 * a label, the facts the linter needs (attrs.h) with every secret
 * fingerprinted, the status. The entry's JSON, and with it every secret in
 * clear, is freed before the next entry is read. import_build.c turns the
 * messages into the flow once the file is read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "core/b64url.h"
#include "core/crypto.h"
#include "core/err.h"
#include "trace/attrs.h"
#include "trace/har.h"
#include "trace/import_int.h"

/* Parameters whose value a label shows (when short and plain). */
static const char *const shown[] = {"response_type",   "grant_type",    "code_challenge_method",
                                    "token_type_hint", "response_mode", "prompt",
                                    "decision"};
/* Parameters a label shows as a fingerprint. */
static const char *const secret[] = {
    "code",          "code_verifier", "code_challenge",   "state",       "nonce",
    "refresh_token", "access_token",  "id_token",         "token",       "id_token_hint",
    "device_code",   "assertion",     "client_assertion", "request",     "request_uri",
    "login_hint",    "subject_token", "actor_token",      "logout_token"};
/* Parameters a label leaves out (they are in the attrs or say little). */
static const char *const omitted[] = {"client_id", "redirect_uri", "scope", "claims", "ui_locales"};

static int in(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

static int plain(const char *v, size_t max)
{
    size_t n = strlen(v);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] <= ' ' || v[i] >= 0x7f || v[i] == ',' || v[i] == '(' || v[i] == ')')
            return 0;
    return 1;
}

/* ---------- messages ---------- */

static struct imp_msg *new_msg(struct imp *imp, const struct imp_entry *en, enum gh_meaning m)
{
    if (imp->n == imp->cap) {
        size_t cap = imp->cap ? imp->cap * 2 : 64;
        struct imp_msg *p = NULL;
        if (cap > IMP_MSGS_MAX)
            cap = IMP_MSGS_MAX;
        if (imp->cap >= IMP_MSGS_MAX || (p = realloc(imp->msgs, cap * sizeof(*p))) == NULL)
            return NULL;
        imp->msgs = p;
        imp->cap = cap;
    }
    struct imp_msg *msg = &imp->msgs[imp->n++];
    memset(msg, 0, sizeof(*msg));
    msg->t_us = en->t_us;
    msg->dur_us = en->dur_us;
    msg->seq = imp->seq;
    msg->m = m;
    msg->status = (int16_t)(en->status > 0 && en->status < 1000 ? en->status : 0);
    snprintf(msg->origin, sizeof(msg->origin), "%s", en->u.origin);
    return msg;
}

/* The authorization request's parameters, which sign-in and consent forms
 * often carry along: their labels leave them out. */
static const char *const request_params[] = {
    "response_type", "state",  "code_challenge", "code_challenge_method",
    "nonce",         "prompt", "response_mode",  "request_uri"};

/* "p1, p2=v, p3=#ab12" for the parameters of kv, by the lists above. */
static void params_label(const struct imp *imp, const struct imp_kv *kv, int form, char *dst,
                         size_t cap)
{
    int first = 1;
    for (size_t i = 0; i < kv->n; i++) {
        const char *n = kv->name[i], *v = kv->value[i];
        if (in(omitted, GH_ARRAY_LEN(omitted), n) || !plain(n, 32) ||
            (form && in(request_params, GH_ARRAY_LEN(request_params), n)))
            continue;
        imp_cat(dst, cap, "%s%s", first ? "" : ", ", n);
        first = 0;
        if (in(shown, GH_ARRAY_LEN(shown), n) && plain(v, 32)) {
            imp_cat(dst, cap, "=%s", v);
        } else if (in(secret, GH_ARRAY_LEN(secret), n) && v[0] != '\0') {
            char fp[8];
            imp_fp_short(imp, v, fp);
            imp_cat(dst, cap, "=%s", fp);
        }
    }
}

/* "METHOD /path (params)" for the request; page: a sign-in or consent
 * form (the request's parameters left out). */
static void request_label(const struct imp *imp, const struct imp_entry *en,
                          const struct imp_kv *kv, int page, struct imp_msg *msg)
{
    char params[GH_TRACE_LABEL_MAX] = "";
    snprintf(msg->label, sizeof(msg->label), "%.8s ", en->method);
    imp_path_label(imp, en->u.path, msg->label, sizeof(msg->label), 60);
    if (kv != NULL)
        params_label(imp, kv, page, params, sizeof(params));
    if (params[0] != '\0')
        imp_cat(msg->label, sizeof(msg->label), " (%s)", params);
}

static void set_fp(const struct imp *imp, char *attrs, const char *key, const char *v)
{
    char fp[IMP_FP_LEN + 1];
    if (v == NULL || v[0] == '\0')
        return;
    imp_fp(imp, v, fp);
    gh_attrs_set(attrs, GH_TRACE_ATTRS_MAX, key, fp);
}

static void set_clear(char *attrs, const char *key, const char *v, size_t max)
{
    char buf[GH_TRACE_ATTRS_MAX];
    if (v == NULL || v[0] == '\0')
        return;
    snprintf(buf, sizeof(buf), "%.*s", (int)max, v);
    gh_attrs_set(attrs, GH_TRACE_ATTRS_MAX, key, buf);
}

/* RFC 9700 2.1.2, RFC 6750 2.3: tokens in a URL's query or fragment. */
static void tokens_in_url(const struct imp_kv *q, const struct imp_kv *f, char *attrs)
{
    char names[64] = "";
    static const char *const tok[] = {"access_token", "refresh_token"};
    for (size_t i = 0; i < GH_ARRAY_LEN(tok); i++)
        if (imp_kv_get(q, tok[i]) != NULL || imp_kv_get(f, tok[i]) != NULL)
            imp_cat(names, sizeof(names), "%s%s", names[0] ? "," : "", tok[i]);
    gh_attrs_set(attrs, GH_TRACE_ATTRS_MAX, "tku", names);
}

/* The value of an error_description fit for a label: printable, short, and
 * dropped if it repeats a secret the request carried. */
static void error_text(const struct imp_entry *en, const char *d, char *out, size_t cap)
{
    const struct imp_kv *kvs[] = {&en->query, &en->form};
    out[0] = '\0';
    if (d == NULL)
        return;
    for (size_t k = 0; k < GH_ARRAY_LEN(kvs); k++)
        for (size_t i = 0; i < kvs[k]->n; i++)
            if (strlen(kvs[k]->value[i]) >= 6 && strstr(d, kvs[k]->value[i]) != NULL)
                return;
    size_t n = 0;
    for (size_t i = 0; d[i] != '\0' && n + 1 < cap && i < 80; i++)
        out[n++] = d[i] >= ' ' && d[i] < 0x7f ? d[i] : '?';
    out[n] = '\0';
}

/* ---------- responses ---------- */

/* "302 → redirect_uri?code=#ab12&state=#cd34&iss", or "303 → /path". */
static void location_reply(const struct imp *imp, const struct imp_entry *en, struct imp_msg *msg)
{
    struct imp_url lu;
    struct imp_kv q = {0}, f = {0};
    const char *loc = en->location;
    if (imp_url_parse(loc, &en->u, &lu) < 0) { /* a custom scheme (RFC 8252 7.1) */
        memset(&lu, 0, sizeof(lu));
        lu.query = strchr(loc, '?');
        lu.frag = strchr(loc, '#');
        if (lu.query != NULL && (lu.frag == NULL || lu.query < lu.frag))
            lu.qlen = strcspn(++lu.query, "#");
        else
            lu.query = NULL;
        if (lu.frag != NULL)
            lu.flen = strlen(++lu.frag);
    }
    imp_kv_parse(lu.query, lu.qlen, &q);
    imp_kv_parse(lu.frag, lu.flen, &f);
    tokens_in_url(&q, &f, msg->rattrs);
    static const char *const resp[] = {"code", "access_token", "id_token", "error", "state", "iss"};
    const char *code = imp_kv_get(&q, "code") ? imp_kv_get(&q, "code") : imp_kv_get(&f, "code");
    const char *err = imp_kv_get(&q, "error") ? imp_kv_get(&q, "error") : imp_kv_get(&f, "error");
    const char *st = imp_kv_get(&q, "state") ? imp_kv_get(&q, "state") : imp_kv_get(&f, "state");
    const char *iss = imp_kv_get(&q, "iss") ? imp_kv_get(&q, "iss") : imp_kv_get(&f, "iss");
    if (code != NULL || imp_kv_get(&f, "access_token") || (err && (st || iss))) {
        snprintf(msg->reply, sizeof(msg->reply), "%d → redirect_uri%s", en->status,
                 code || err ? "?" : "#");
        for (size_t i = 0, k = 0; i < GH_ARRAY_LEN(resp); i++) {
            const char *v =
                imp_kv_get(&q, resp[i]) ? imp_kv_get(&q, resp[i]) : imp_kv_get(&f, resp[i]);
            char fp[8];
            if (v == NULL)
                continue;
            imp_fp_short(imp, v, fp);
            imp_cat(msg->reply, sizeof(msg->reply), "%s%s%s%s", k++ ? "&" : "", resp[i],
                    in(secret, GH_ARRAY_LEN(secret), resp[i]) ? "=" : "",
                    in(secret, GH_ARRAY_LEN(secret), resp[i]) ? fp : "");
        }
        gh_attrs_set(msg->rattrs, GH_TRACE_ATTRS_MAX, "rloc", "1");
        set_fp(imp, msg->rattrs, "code", code);
        set_fp(imp, msg->rattrs, "st", st);
        set_clear(msg->rattrs, "iss", iss, 120);
        set_clear(msg->rattrs, "err", err && plain(err, 40) ? err : NULL, 40);
    } else {
        snprintf(msg->reply, sizeof(msg->reply), "%d → %s", en->status,
                 strcmp(lu.origin, en->u.origin) != 0 ? lu.origin : "");
        imp_path_label(imp, lu.path[0] ? lu.path : "/", msg->reply, sizeof(msg->reply), 60);
        if (lu.query != NULL)
            imp_cat(msg->reply, sizeof(msg->reply), "?…");
    }
    imp_kv_release(&q);
    imp_kv_release(&f);
}

/* A page or a redirect answered. */
static void page_reply(const struct imp *imp, const struct imp_entry *en, struct imp_msg *msg)
{
    if (en->location != NULL && en->location[0] != '\0' && en->status >= 300 && en->status < 400)
        location_reply(imp, en, msg);
    else
        snprintf(msg->reply, sizeof(msg->reply), "%d%s", en->status,
                 en->page_password                                  ? " sign-in page"
                 : en->page_consent                                 ? " consent page"
                 : en->resp_ctype && strstr(en->resp_ctype, "html") ? " page"
                                                                    : "");
}

/* RFC 6749 5.1 / 5.2: what the token endpoint answered. */
static void token_reply(const struct imp *imp, const struct imp_entry *en, struct imp_msg *msg)
{
    json_t *b = en->body;
    const char *at = imp_str(b, "access_token"), *rt = imp_str(b, "refresh_token");
    const char *idt = imp_str(b, "id_token"), *error = imp_str(b, "error");
    int nostore = en->cache_control != NULL && strcasestr(en->cache_control, "no-store") != NULL;
    snprintf(msg->reply, sizeof(msg->reply), "%d", en->status);
    if (error != NULL) {
        char d[96];
        error_text(en, imp_str(b, "error_description"), d, sizeof(d));
        imp_cat(msg->reply, sizeof(msg->reply), " %s%s%s", plain(error, 40) ? error : "error",
                d[0] ? ": " : "", d);
        set_clear(msg->rattrs, "err", plain(error, 40) ? error : "error", 40);
    }
    const char *names[] = {"access_token", "refresh_token", "id_token"}, *vals[] = {at, rt, idt};
    for (size_t i = 0, k = 0; i < 3; i++) {
        char fp[8];
        if (vals[i] == NULL)
            continue;
        imp_fp_short(imp, vals[i], fp);
        imp_cat(msg->reply, sizeof(msg->reply), "%s%s %s", k++ ? ", " : " ", names[i], fp);
    }
    set_fp(imp, msg->rattrs, "at", at);
    set_fp(imp, msg->rattrs, "rtk", rt);
    set_fp(imp, msg->rattrs, "idt", idt);
    json_t *claims = imp_jwt_claims(idt);
    set_fp(imp, msg->rattrs, "nonce", imp_str(claims, "nonce"));
    const char *sub = imp_str(claims, "sub");
    if (imp->keep_claims && sub != NULL && plain(sub, 40))
        imp_cat(msg->reply, sizeof(msg->reply), " (sub=%s)", sub);
    json_decref(claims);
    gh_attrs_set(msg->rattrs, GH_TRACE_ATTRS_MAX, "ns", nostore ? "1" : "0");
    if (en->acao != NULL && strcmp(en->acao, "*") == 0)
        gh_attrs_set(msg->rattrs, GH_TRACE_ATTRS_MAX, "acao", "*");
}

/* ---------- requests ---------- */

static int is_post(const struct imp_entry *en)
{
    return strcmp(en->method, "POST") == 0;
}

static int discovery(struct imp *imp, const struct imp_entry *en)
{
    struct imp_msg *msg = new_msg(imp, en, GH_M_DISCOVERY);
    if (msg == NULL)
        return GH_ENOMEM;
    request_label(imp, en, NULL, 0, msg);
    snprintf(msg->reply, sizeof(msg->reply), "%d", en->status);
    imp_origin_add(imp->as_origins, &imp->n_as, en->u.origin);
    json_t *b = en->body;
    const char *iss = imp_str(b, "issuer");
    if (iss == NULL)
        return 0;
    struct {
        const char *key;
        char *dst;
    } eps[] = {{"authorization_endpoint", imp->ep.authz},
               {"token_endpoint", imp->ep.token},
               {"userinfo_endpoint", imp->ep.userinfo},
               {"revocation_endpoint", imp->ep.revocation},
               {"end_session_endpoint", imp->ep.end_session},
               {"jwks_uri", imp->ep.jwks},
               {"pushed_authorization_request_endpoint", imp->ep.par}};
    for (size_t i = 0; i < GH_ARRAY_LEN(eps); i++) {
        const char *v = imp_str(b, eps[i].key);
        struct imp_url u;
        if (v == NULL || eps[i].dst[0] != '\0' || imp_url_parse(v, NULL, &u) < 0)
            continue;
        snprintf(eps[i].dst, IMP_URL_MAX, "%s", v);
        if (i < 2)
            imp_origin_add(imp->as_origins, &imp->n_as, u.origin);
    }
    if (imp->issuer[0] == '\0' && plain(iss, 200)) {
        struct imp_url u;
        snprintf(imp->issuer, sizeof(imp->issuer), "%s", iss);
        if (imp_url_parse(iss, NULL, &u) == 0)
            imp_origin_add(imp->as_origins, &imp->n_as, u.origin);
    }
    int supported =
        json_is_true(json_object_get(b, "authorization_response_iss_parameter_supported"));
    if (imp->iss_supported < 1)
        imp->iss_supported = supported;
    set_clear(msg->rattrs, "iss", iss, 120);
    gh_attrs_set(msg->rattrs, GH_TRACE_ATTRS_MAX, "issps", supported ? "1" : "0");
    imp_cat(msg->reply, sizeof(msg->reply), " issuer %.120s", plain(iss, 200) ? iss : "?");
    return 0;
}

static int jwks(struct imp *imp, const struct imp_entry *en)
{
    struct imp_msg *msg = new_msg(imp, en, GH_M_JWKS);
    if (msg == NULL)
        return GH_ENOMEM;
    request_label(imp, en, NULL, 0, msg);
    size_t keys = json_array_size(json_object_get(en->body, "keys"));
    snprintf(msg->reply, sizeof(msg->reply), "%d %zu key%s", en->status, keys,
             keys == 1 ? "" : "s");
    return 0;
}

static int token_request(struct imp *imp, const struct imp_entry *en, const char *gt)
{
    enum gh_meaning m = strcmp(gt, "authorization_code") == 0 ? GH_M_CODE_EXCHANGE
                        : strcmp(gt, "refresh_token") == 0    ? GH_M_REFRESH
                                                              : GH_M_TOKEN;
    struct imp_msg *msg = new_msg(imp, en, m);
    if (msg == NULL)
        return GH_ENOMEM;
    request_label(imp, en, &en->form, 0, msg);
    if (en->authz != NULL && strncasecmp(en->authz, "Basic ", 6) == 0)
        imp_cat(msg->label, sizeof(msg->label), " + Basic");
    imp_origin_add(imp->as_origins, &imp->n_as, en->u.origin);
    set_clear(msg->attrs, "gt", plain(gt, 60) ? gt : "other", 60);
    set_fp(imp, msg->attrs, "code", imp_kv_get(&en->form, "code"));
    set_fp(imp, msg->attrs, "ru", imp_kv_get(&en->form, "redirect_uri"));
    if (imp_kv_get(&en->form, "code_verifier") != NULL)
        gh_attrs_set(msg->attrs, GH_TRACE_ATTRS_MAX, "cv", "1");
    set_fp(imp, msg->attrs, "rtk", imp_kv_get(&en->form, "refresh_token"));
    tokens_in_url(&en->query, &en->frag, msg->attrs);
    token_reply(imp, en, msg);
    return 0;
}

static int revocation(struct imp *imp, const struct imp_entry *en)
{
    struct imp_msg *msg = new_msg(imp, en, GH_M_REVOCATION);
    if (msg == NULL)
        return GH_ENOMEM;
    request_label(imp, en, &en->form, 0, msg);
    set_fp(imp, msg->attrs, "tok", imp_kv_get(&en->form, "token"));
    snprintf(msg->reply, sizeof(msg->reply), "%d", en->status);
    return 0;
}

/* The token of "Authorization: Bearer X" (or DPoP, RFC 9449 7.1), or NULL. */
static const char *bearer(const struct imp_entry *en)
{
    const char *a = en->authz;
    if (a != NULL && strncasecmp(a, "Bearer ", 7) == 0)
        return a + 7;
    if (a != NULL && strncasecmp(a, "DPoP ", 5) == 0)
        return a + 5;
    return NULL;
}

/* RFC 6750: an access token sent to a Resource API, or to userinfo. */
static int resource(struct imp *imp, const struct imp_entry *en, const char *tok)
{
    int userinfo = imp_url_is(&en->u, imp->ep.userinfo) ||
                   imp_origin_in(imp->as_origins, imp->n_as, en->u.origin);
    struct imp_msg *msg = new_msg(imp, en, userinfo ? GH_M_USERINFO : GH_M_API);
    if (msg == NULL)
        return GH_ENOMEM;
    char fp[8];
    imp_fp_short(imp, tok, fp);
    request_label(imp, en, bearer(en) ? NULL : &en->query, 0, msg);
    if (bearer(en) != NULL)
        imp_cat(msg->label, sizeof(msg->label), " (Authorization: %.6s %s)", en->authz, fp);
    set_fp(imp, msg->attrs, "at", tok);
    if (!en->u.https && !en->u.loopback)
        gh_attrs_set(msg->attrs, GH_TRACE_ATTRS_MAX, "insecure", "1");
    tokens_in_url(&en->query, &en->frag, msg->attrs);
    const char *e = en->www_auth ? strstr(en->www_auth, "error=\"") : NULL;
    snprintf(msg->reply, sizeof(msg->reply), "%d", en->status);
    if (e != NULL && en->status >= 400)
        imp_cat(msg->reply, sizeof(msg->reply), " %.*s", (int)strcspn(e + 7, "\""), e + 7);
    return 0;
}

/* Reads a JAR request object's parameters (RFC 9101) into kv. */
static void request_object(const struct imp_kv *src, struct imp_kv *kv)
{
    json_t *claims = imp_jwt_claims(imp_kv_get(src, "request"));
    const char *k;
    json_t *v;
    json_object_foreach(claims, k, v)
    {
        char *pair = NULL;
        if (json_is_string(v) && asprintf(&pair, "%s=%s", k, json_string_value(v)) > 0) {
            imp_kv_parse(pair, strlen(pair), kv);
            OPENSSL_cleanse(pair, strlen(pair));
        }
        free(pair);
    }
    json_decref(claims);
}

/* RFC 6749 4.1.1 with RFC 7636 4.3 and OIDC nonce: what lint needs. */
static void authz_facts(const struct imp *imp, const struct imp_kv *kv, char *attrs)
{
    const char *cid = imp_kv_get(kv, "client_id"), *rt = imp_kv_get(kv, "response_type");
    set_clear(attrs, "cid", cid && plain(cid, 64) ? cid : NULL, 64);
    set_clear(attrs, "rt", rt && plain(rt, 40) ? rt : rt ? "other" : NULL, 40);
    set_fp(imp, attrs, "cc", imp_kv_get(kv, "code_challenge"));
    const char *ccm = imp_kv_get(kv, "code_challenge_method");
    set_clear(attrs, "ccm", ccm && plain(ccm, 16) ? ccm : ccm ? "other" : NULL, 16);
    set_fp(imp, attrs, "st", imp_kv_get(kv, "state"));
    set_fp(imp, attrs, "nonce", imp_kv_get(kv, "nonce"));
    set_fp(imp, attrs, "ru", imp_kv_get(kv, "redirect_uri"));
}

static int authz_request(struct imp *imp, const struct imp_entry *en, const struct imp_kv *kv)
{
    int par = is_post(en) && !en->nav && !imp_url_is(&en->u, imp->ep.authz);
    struct imp_msg *msg = new_msg(imp, en, par ? GH_M_NONE : GH_M_AUTHZ);
    struct imp_kv jar = {0};
    if (msg == NULL)
        return GH_ENOMEM;
    request_label(imp, en, kv, 0, msg);
    imp_origin_add(imp->as_origins, &imp->n_as, en->u.origin);
    const char *cid = imp_kv_get(kv, "client_id"), *ru = imp_kv_get(kv, "redirect_uri");
    struct imp_url u;
    if (imp->client_id[0] == '\0' && cid != NULL && plain(cid, 120))
        snprintf(imp->client_id, sizeof(imp->client_id), "%s", cid);
    if (imp->redirect_uri[0] == '\0' && ru != NULL && imp_url_parse(ru, NULL, &u) == 0) {
        snprintf(imp->redirect_uri, sizeof(imp->redirect_uri), "%s", ru);
        snprintf(imp->app_origin, sizeof(imp->app_origin), "%s", u.origin);
    }
    request_object(kv, &jar);
    authz_facts(imp, jar.n > 0 ? &jar : kv, msg->attrs);
    imp_kv_release(&jar);
    if (par) { /* RFC 9126: pushed by the app; the browser brings request_uri */
        msg->routed = 1, msg->from = GH_P_APP, msg->to = GH_P_AS;
        snprintf(msg->label + strlen(msg->label), sizeof(msg->label) - strlen(msg->label),
                 " pushed");
        memcpy(imp->par_attrs, msg->attrs, sizeof(imp->par_attrs));
        snprintf(msg->reply, sizeof(msg->reply), "%d", en->status);
        return 0;
    }
    if (imp_kv_get(kv, "request_uri") != NULL && imp->par_attrs[0] != '\0' &&
        !gh_attrs_has(msg->attrs, sizeof(msg->attrs), "cc"))
        memcpy(msg->attrs, imp->par_attrs, sizeof(msg->attrs));
    tokens_in_url(&en->query, &en->frag, msg->attrs);
    page_reply(imp, en, msg);
    return 0;
}

/* RFC 6749 4.1.2: the browser brings the code (or error) to the client. */
static int callback(struct imp *imp, const struct imp_entry *en, const struct imp_kv *kv)
{
    struct imp_msg *msg = new_msg(imp, en, GH_M_REDIRECT);
    if (msg == NULL)
        return GH_ENOMEM;
    static const char *const resp[] = {"code", "error", "state", "iss"};
    snprintf(msg->label, sizeof(msg->label), "%.8s ", en->method);
    imp_path_label(imp, en->u.path, msg->label, sizeof(msg->label), 60);
    for (size_t i = 0, k = 0; i < GH_ARRAY_LEN(resp); i++) {
        const char *v = imp_kv_get(kv, resp[i]);
        char fp[8];
        if (v == NULL)
            continue;
        imp_fp_short(imp, v, fp);
        imp_cat(msg->label, sizeof(msg->label), "%s%s", k++ ? "&" : "?", resp[i]);
        if (i == 0 || i == 2)
            imp_cat(msg->label, sizeof(msg->label), "=%s", fp);
        else if (i == 1 && plain(v, 40))
            imp_cat(msg->label, sizeof(msg->label), "=%s", v);
    }
    set_fp(imp, msg->attrs, "code", imp_kv_get(kv, "code"));
    set_fp(imp, msg->attrs, "st", imp_kv_get(kv, "state"));
    set_clear(msg->attrs, "iss", imp_kv_get(kv, "iss"), 120);
    const char *err = imp_kv_get(kv, "error");
    set_clear(msg->attrs, "err", err && plain(err, 40) ? err : err ? "error" : NULL, 40);
    tokens_in_url(&en->query, &en->frag, msg->attrs);
    msg->no_reply = 1;
    if (imp->app_origin[0] == '\0')
        snprintf(imp->app_origin, sizeof(imp->app_origin), "%s", en->u.origin);
    return 0;
}

/* OIDC RP-Initiated Logout 1.0, and the authorization server's other pages
 * (sign-in, consent, interaction steps) while the browser is there. */
static int as_page(struct imp *imp, const struct imp_entry *en, enum gh_meaning m)
{
    struct imp_msg *msg = new_msg(imp, en, m);
    if (msg == NULL)
        return GH_ENOMEM;
    request_label(imp, en, is_post(en) ? &en->form : &en->query, m != GH_M_LOGOUT, msg);
    tokens_in_url(&en->query, &en->frag, msg->attrs);
    page_reply(imp, en, msg);
    return 0;
}

static int is_discovery(const char *path)
{
    return strstr(path, "/.well-known/openid-configuration") != NULL ||
           strstr(path, "/.well-known/oauth-authorization-server") != NULL;
}

/* A second factor posted to the authorization server: a one-time code
 * (RFC 6238) by its field or path, a passkey assertion (WebAuthn) by its
 * fields (authenticatorData, clientDataJSON) or path. GH_M_NONE when
 * neither. */
static enum gh_meaning second_factor(const struct imp_entry *en)
{
    static const char *const otp_fields[] = {"otp",       "totp",          "otp_code",
                                             "totp_code", "one_time_code", "mfa_code"};
    static const char *const otp_paths[] = {"/otp", "totp", "/mfa", "2fa"};
    static const char *const passkey_paths[] = {"webauthn", "passkey"};
    const char *p = en->u.path;
    if (imp_kv_get(&en->form, "authenticatorData") != NULL ||
        imp_kv_get(&en->form, "clientDataJSON") != NULL)
        return GH_M_PASSKEY;
    for (size_t i = 0; i < GH_ARRAY_LEN(passkey_paths); i++)
        if (strstr(p, passkey_paths[i]) != NULL)
            return GH_M_PASSKEY;
    for (size_t i = 0; i < GH_ARRAY_LEN(otp_fields); i++)
        if (imp_kv_get(&en->form, otp_fields[i]) != NULL)
            return GH_M_OTP;
    for (size_t i = 0; i < GH_ARRAY_LEN(otp_paths); i++)
        if (strstr(p, otp_paths[i]) != NULL)
            return GH_M_OTP;
    return GH_M_NONE;
}

static enum gh_meaning page_meaning(const struct imp *imp, const struct imp_entry *en)
{
    const char *p = en->u.path;
    struct imp_url es;
    int under_logout = imp->ep.end_session[0] != '\0' &&
                       imp_url_parse(imp->ep.end_session, NULL, &es) == 0 &&
                       strncmp(p, es.path, strlen(es.path)) == 0;
    if (!is_post(en) && (imp_url_is(&en->u, imp->ep.end_session) ||
                         imp_kv_get(&en->query, "id_token_hint") != NULL ||
                         imp_kv_get(&en->query, "post_logout_redirect_uri") != NULL))
        return GH_M_LOGOUT;
    if (!is_post(en) || under_logout)
        return GH_M_NONE;
    if (imp_kv_get(&en->form, "password") != NULL)
        return GH_M_SIGN_IN;
    enum gh_meaning factor = second_factor(en);
    if (factor != GH_M_NONE)
        return factor;
    static const char *const consent[] = {"decision", "consent", "approve", "allow", "deny"};
    for (size_t i = 0; i < GH_ARRAY_LEN(consent); i++)
        if (imp_kv_get(&en->form, consent[i]) != NULL)
            return GH_M_CONSENT;
    if (strstr(p, "consent") != NULL || strstr(p, "/confirm") != NULL ||
        strstr(p, "approve") != NULL)
        return GH_M_CONSENT;
    return GH_M_NONE;
}

static int classify(struct imp *imp, struct imp_entry *en)
{
    if (strcmp(en->method, "OPTIONS") == 0 || en->status <= 0)
        return 0; /* CORS preflights, and requests that got no answer */
    const struct imp_kv *kv = is_post(en) ? &en->form : &en->query;
    const char *gt = imp_kv_get(&en->form, "grant_type");
    const char *tok = bearer(en) ? bearer(en) : imp_kv_get(&en->query, "access_token");
    if (is_discovery(en->u.path))
        return discovery(imp, en);
    if (!is_post(en) &&
        (imp_url_is(&en->u, imp->ep.jwks) || json_is_array(json_object_get(en->body, "keys"))))
        return jwks(imp, en);
    if (is_post(en) && gt != NULL)
        return token_request(imp, en, gt);
    if (is_post(en) && imp_kv_get(&en->form, "token") != NULL &&
        (imp_url_is(&en->u, imp->ep.revocation) || strstr(en->u.path, "revo") != NULL))
        return revocation(imp, en);
    if (tok != NULL)
        return resource(imp, en, tok);
    enum gh_meaning page = page_meaning(imp, en);
    int as = imp_origin_in(imp->as_origins, imp->n_as, en->u.origin);
    if (as && page != GH_M_NONE && page != GH_M_LOGOUT) /* forms may repeat the request */
        return as_page(imp, en, page);
    if (imp_kv_get(kv, "client_id") != NULL &&
        (imp_kv_get(kv, "response_type") || imp_kv_get(kv, "request_uri") ||
         imp_kv_get(kv, "request")))
        return authz_request(imp, en, kv);
    int response = imp_kv_get(kv, "code") != NULL ||
                   (imp_kv_get(kv, "error") && (imp_kv_get(kv, "state") || imp_kv_get(kv, "iss")));
    if (response && (!as || imp_url_is(&en->u, imp->redirect_uri)))
        return callback(imp, en, kv);
    if (as && (en->nav || is_post(en)))
        return as_page(imp, en, page);
    return 0;
}

/* ---------- the reader's callback ---------- */

static int on_entry(void *arg, size_t index, const char *json, size_t n)
{
    struct imp *imp = arg;
    json_error_t je;
    json_t *e = json_loadb(json, n, 0, &je);
    if (e == NULL || !json_is_object(e)) {
        snprintf(imp->err, sizeof(imp->err), "entry %zu of log.entries: %s", index + 1,
                 e == NULL ? je.text : "not a JSON object");
        json_decref(e);
        return GH_EINVAL;
    }
    struct imp_entry en;
    int rc = imp_entry_read(imp, index, e, &en);
    imp->seq = index;
    if (rc == 0 && en.u.origin[0] != '\0')
        rc = classify(imp, &en);
    imp_entry_release(&en);
    json_decref(e);
    return rc;
}

static int import(struct imp *imp, const char *path, const char *p, size_t n, struct gh_import *out,
                  char *err, size_t errlen)
{
    int rc;
    if (gh_rand_bytes(imp->key, sizeof(imp->key)) < 0)
        return GH_ECRYPTO;
    imp->iss_supported = -1;
    if (path != NULL) {
        rc = gh_har_read_file(path, on_entry, imp, &out->entries, &out->skipped, err, errlen);
        if (rc < 0 && imp->err[0] != '\0')
            snprintf(err, errlen, "'%s' is not a valid HAR file: %s", path, imp->err);
        if (rc == GH_ENOMEM && imp->err[0] == '\0')
            snprintf(err, errlen, "'%s' has more OAuth messages than one flow holds (%d)", path,
                     IMP_MSGS_MAX);
    } else {
        struct gh_har_reader *r = NULL;
        rc = gh_har_reader_new(on_entry, imp, &r);
        if (rc == 0 && (rc = gh_har_feed(r, p, n)) == 0)
            rc = gh_har_finish(r);
        if (rc < 0)
            snprintf(err, errlen, "not a valid HAR file: %s",
                     imp->err[0] ? imp->err
                     : r         ? gh_har_error(r)
                                 : "out of memory");
        if (r != NULL) {
            out->entries = gh_har_entries(r);
            out->skipped = gh_har_skipped(r);
        }
        gh_har_reader_free(r);
    }
    if (rc == 0)
        rc = imp_build(imp, out);
    OPENSSL_cleanse(imp->key, sizeof(imp->key));
    free(imp->msgs);
    return rc;
}

int gh_trace_import_file(const char *path, const struct gh_import_opts *opts, struct gh_import *out,
                         char *err, size_t errlen)
{
    struct imp *imp = calloc(1, sizeof(*imp));
    memset(out, 0, sizeof(*out));
    if (imp == NULL)
        return GH_ENOMEM;
    imp->keep_claims = opts != NULL && opts->keep_claims;
    int rc = import(imp, path, NULL, 0, out, err, errlen);
    free(imp);
    return rc;
}

int gh_trace_import_mem(const char *p, size_t n, const struct gh_import_opts *opts,
                        struct gh_import *out, char *err, size_t errlen)
{
    struct imp *imp = calloc(1, sizeof(*imp));
    memset(out, 0, sizeof(*out));
    if (imp == NULL)
        return GH_ENOMEM;
    imp->keep_claims = opts != NULL && opts->keep_claims;
    int rc = import(imp, NULL, p, n, out, err, errlen);
    free(imp);
    return rc;
}

void gh_import_release(struct gh_import *imp)
{
    free(imp->steps);
    imp->steps = NULL;
    imp->n = 0;
}
