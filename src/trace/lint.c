/*
 * The flow linter (lint.h): one table of rules, each a function over the
 * whole flow that reads the steps' meanings (vocab.h) and facts (attrs.h)
 * and reports findings at the step where the problem shows. Sources:
 * RFC 9700 (OAuth 2.0 Security Best Current Practice), RFC 6749, RFC 6750,
 * RFC 7636, RFC 9207, OpenID Connect Core 1.0.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "trace/attrs.h"
#include "trace/lint.h"
#include "trace/vocab.h"

#define NONE ((size_t)-1)

struct lint {
    const struct gh_trace_step *s;
    size_t n;
    struct gh_lint_finding *f;
    size_t nf, cap;
    int rc;
    char issuer[128]; /* from the discovery document, "" when unknown */
    int iss_supported;
};

typedef void (*rule_fn)(struct lint *l, const struct gh_lint_rule *r);

static void emit(struct lint *l, const struct gh_lint_rule *r, size_t step,
                 enum gh_lint_severity sev, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void emit(struct lint *l, const struct gh_lint_rule *r, size_t step,
                 enum gh_lint_severity sev, const char *fmt, ...)
{
    if (l->nf == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct gh_lint_finding *p = realloc(l->f, cap * sizeof(*p));
        if (p == NULL) {
            l->rc = GH_ENOMEM;
            return;
        }
        l->f = p;
        l->cap = cap;
    }
    struct gh_lint_finding *f = &l->f[l->nf++];
    f->step = step;
    f->rule = r;
    f->severity = sev;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
    va_end(ap);
}

/* ---------- reading steps ---------- */

static enum gh_meaning meaning(const struct lint *l, size_t i)
{
    return gh_meaning_of(&l->s[i]);
}

/* A call with facts (an imported step) of meaning m. */
static int call(const struct lint *l, size_t i, enum gh_meaning m)
{
    return l->s[i].attrs[0] != '\0' && meaning(l, i) == m;
}

static int get(const struct lint *l, size_t i, const char *key, char *out, size_t outlen)
{
    return i != NONE && gh_attrs_get(l->s[i].attrs, sizeof(l->s[i].attrs), key, out, outlen);
}

static int has(const struct lint *l, size_t i, const char *key)
{
    return i != NONE && gh_attrs_has(l->s[i].attrs, sizeof(l->s[i].attrs), key);
}

/* The reply to call i: the next reply between the same two participants. */
static size_t reply(const struct lint *l, size_t i)
{
    for (size_t j = i + 1; j < l->n && j <= i + 4; j++)
        if (l->s[j].kind == GH_STEP_REPLY && l->s[j].from == l->s[i].to &&
            l->s[j].to == l->s[i].from)
            return j;
    return NONE;
}

static int ok(const struct lint *l, size_t reply_step)
{
    return reply_step != NONE && l->s[reply_step].status >= 200 && l->s[reply_step].status < 300;
}

/* Steps are numbered from 1 where people read them. */
#define NUM(i) ((i) + 1)

/* The authorization request a code came from: through the redirect that
 * brought it (same code) and its state, else the last one before step i. */
static size_t authz_of(const struct lint *l, size_t i)
{
    char code[32], st[32] = "", v[32];
    size_t last = NONE, redirect = NONE;
    if (get(l, i, "code", code, sizeof(code)))
        for (size_t j = 0; j < i; j++)
            if (call(l, j, GH_M_REDIRECT) && get(l, j, "code", v, sizeof(v)) &&
                strcmp(v, code) == 0)
                redirect = j;
    if (redirect != NONE)
        get(l, redirect, "st", st, sizeof(st));
    for (size_t j = 0; j < (redirect != NONE ? redirect : i); j++) {
        if (!call(l, j, GH_M_AUTHZ))
            continue;
        if (st[0] == '\0' || (get(l, j, "st", v, sizeof(v)) && strcmp(v, st) == 0))
            last = j;
    }
    return last;
}

/* ---------- the rules ---------- */

/* 1 when the browser itself redeems a code after step i: a public client
 * (whatever secret it sent, the browser holds it). */
static int public_client(const struct lint *l, size_t i)
{
    for (size_t j = i + 1; j < l->n; j++)
        if (call(l, j, GH_M_CODE_EXCHANGE))
            return 1;
    return 0;
}

/* RFC 9700 2.1.1: public clients MUST use PKCE; for confidential OpenID
 * Connect clients a nonce may stand in, so then this is a warning. */
static void pkce_missing(struct lint *l, const struct gh_lint_rule *r)
{
    char rt[48];
    for (size_t i = 0; i < l->n; i++) {
        if (!call(l, i, GH_M_AUTHZ) || has(l, i, "cc") ||
            (get(l, i, "rt", rt, sizeof(rt)) && strstr(rt, "code") == NULL))
            continue;
        if (has(l, i, "nonce") && !public_client(l, i))
            emit(l, r, i, GH_LINT_WARNING,
                 "authorization request without a PKCE code_challenge: only a confidential "
                 "OpenID Connect client may rely on its nonce instead");
        else if (has(l, i, "nonce"))
            emit(l, r, i, GH_LINT_ERROR,
                 "authorization request without a PKCE code_challenge: the browser redeems "
                 "the code, so the client is public and its nonce is not enough");
        else
            emit(l, r, i, GH_LINT_ERROR,
                 "authorization request without a PKCE code_challenge: an intercepted or "
                 "injected code can be redeemed");
    }
}

static void pkce_plain(struct lint *l, const struct gh_lint_rule *r)
{
    char m[24];
    for (size_t i = 0; i < l->n; i++) {
        if (!call(l, i, GH_M_AUTHZ) || !has(l, i, "cc"))
            continue;
        if (!get(l, i, "ccm", m, sizeof(m)))
            emit(l, r, i, GH_LINT_ERROR,
                 "code_challenge without code_challenge_method means plain (RFC 7636 4.3); "
                 "use S256");
        else if (strcmp(m, "S256") != 0)
            emit(l, r, i, GH_LINT_ERROR, "code_challenge_method=%s; only S256 protects the code",
                 m);
    }
}

/* RFC 9700 4.7.1: PKCE, an OpenID Connect nonce, or a one-time state. */
static void csrf(struct lint *l, const struct gh_lint_rule *r)
{
    for (size_t i = 0; i < l->n; i++)
        if (call(l, i, GH_M_AUTHZ) && !has(l, i, "st") && !has(l, i, "cc") && !has(l, i, "nonce"))
            emit(l, r, i, GH_LINT_ERROR,
                 "neither state nor PKCE (nor a nonce) ties the authorization response to this "
                 "browser: an attacker's code can be injected (CSRF)");
}

static void code_reuse(struct lint *l, const struct gh_lint_rule *r)
{
    char code[32], v[32];
    for (size_t i = 0; i < l->n; i++) {
        if (!call(l, i, GH_M_CODE_EXCHANGE) || !get(l, i, "code", code, sizeof(code)))
            continue;
        size_t first = NONE;
        for (size_t j = 0; j < i && first == NONE; j++)
            if (call(l, j, GH_M_CODE_EXCHANGE) && get(l, j, "code", v, sizeof(v)) &&
                strcmp(v, code) == 0)
                first = j;
        if (first == NONE)
            continue;
        if (ok(l, reply(l, i)))
            emit(l, r, i, GH_LINT_ERROR,
                 "the code first redeemed at step %zu was accepted again: codes are single use",
                 NUM(first));
        else
            emit(l, r, i, GH_LINT_WARNING,
                 "the code first redeemed at step %zu was presented again (the server refused it)",
                 NUM(first));
    }
}

static void redirect_uri(struct lint *l, const struct gh_lint_rule *r)
{
    char ru[32], v[32];
    for (size_t i = 0; i < l->n; i++) {
        if (!call(l, i, GH_M_CODE_EXCHANGE) || !get(l, i, "ru", ru, sizeof(ru)))
            continue;
        size_t a = authz_of(l, i);
        if (get(l, a, "ru", v, sizeof(v)) && strcmp(v, ru) != 0)
            emit(l, r, i, GH_LINT_ERROR,
                 "redirect_uri differs from the one of the authorization request at step %zu",
                 NUM(a));
    }
}

static void token_in_url(struct lint *l, const struct gh_lint_rule *r)
{
    char names[64];
    for (size_t i = 0; i < l->n; i++) {
        if (l->s[i].attrs[0] == '\0' || !get(l, i, "tku", names, sizeof(names)))
            continue;
        if (l->s[i].kind == GH_STEP_REPLY)
            emit(l, r, i, GH_LINT_ERROR,
                 "%s in the redirect's URL (implicit grant): it leaks through history, "
                 "Referer and logs",
                 names);
        else
            emit(l, r, i, GH_LINT_ERROR,
                 "%s in the request URL: it leaks through history, Referer and logs", names);
    }
}

static void iss(struct lint *l, const struct gh_lint_rule *r)
{
    char v[128];
    for (size_t i = 0; i < l->n; i++) {
        if (!call(l, i, GH_M_REDIRECT))
            continue;
        int got = get(l, i, "iss", v, sizeof(v));
        if (strcmp(r->id, "iss-missing") == 0 && !got && l->iss_supported)
            emit(l, r, i, GH_LINT_ERROR,
                 "the authorization response has no iss although the server advertises "
                 "authorization_response_iss_parameter_supported");
        if (strcmp(r->id, "iss-mismatch") == 0 && got && l->issuer[0] != '\0' &&
            strcmp(v, l->issuer) != 0)
            emit(l, r, i, GH_LINT_ERROR, "iss '%.60s' is not the issuer '%.60s' (mix-up attack)", v,
                 l->issuer);
    }
}

static void password(struct lint *l, const struct gh_lint_rule *r)
{
    char gt[64];
    for (size_t i = 0; i < l->n; i++)
        if (call(l, i, GH_M_TOKEN) && get(l, i, "gt", gt, sizeof(gt)) &&
            strcmp(gt, "password") == 0)
            emit(l, r, i, GH_LINT_ERROR,
                 "the resource owner password credentials grant: the client sees the password");
}

/* Refresh tokens rotated so far: fingerprint and the step that rotated it. */
struct rotated {
    char fp[32];
    size_t at;
};

static void refresh_reuse(struct lint *l, const struct gh_lint_rule *r)
{
    struct rotated *seen = NULL;
    size_t n = 0;
    char rt[32], next[32];
    for (size_t i = 0; i < l->n && l->rc == 0; i++) {
        if (!call(l, i, GH_M_REFRESH) || !get(l, i, "rtk", rt, sizeof(rt)))
            continue;
        size_t rep = reply(l, i);
        if (!ok(l, rep))
            continue;
        for (size_t k = 0; k < n; k++)
            if (strcmp(seen[k].fp, rt) == 0)
                emit(l, r, i, GH_LINT_ERROR,
                     "the refresh token rotated at step %zu was accepted again: a stolen "
                     "copy would work",
                     NUM(seen[k].at));
        if (!get(l, rep, "rtk", next, sizeof(next)) || strcmp(next, rt) == 0)
            continue; /* the server does not rotate: using it again is fine */
        struct rotated *p = realloc(seen, (n + 1) * sizeof(*p));
        if (p == NULL) {
            l->rc = GH_ENOMEM;
            break;
        }
        seen = p;
        snprintf(seen[n].fp, sizeof(seen[n].fp), "%s", rt);
        seen[n++].at = i;
    }
    free(seen);
}

/* A reply of the token endpoint that issued a token. */
static int token_issued(const struct lint *l, size_t i, size_t *rep)
{
    if (!call(l, i, GH_M_CODE_EXCHANGE) && !call(l, i, GH_M_REFRESH) && !call(l, i, GH_M_TOKEN))
        return 0;
    *rep = reply(l, i);
    return *rep != NONE;
}

static void no_store(struct lint *l, const struct gh_lint_rule *r)
{
    char ns[4];
    size_t rep;
    for (size_t i = 0; i < l->n; i++)
        if (token_issued(l, i, &rep) && ok(l, rep) && has(l, rep, "at") &&
            get(l, rep, "ns", ns, sizeof(ns)) && strcmp(ns, "0") == 0)
            emit(l, r, rep, GH_LINT_ERROR,
                 "token response without Cache-Control: no-store: caches may keep the tokens");
}

static void cors(struct lint *l, const struct gh_lint_rule *r)
{
    size_t rep;
    for (size_t i = 0; i < l->n; i++)
        if (token_issued(l, i, &rep) && has(l, rep, "acao"))
            emit(l, r, rep, GH_LINT_WARNING,
                 "the token endpoint answers Access-Control-Allow-Origin: *: scripts of any "
                 "origin may call it; allow the registered origins of public clients");
}

static void insecure(struct lint *l, const struct gh_lint_rule *r)
{
    for (size_t i = 0; i < l->n; i++)
        if ((call(l, i, GH_M_API) || call(l, i, GH_M_USERINFO)) && has(l, i, "insecure"))
            emit(l, r, i, GH_LINT_ERROR,
                 "access token sent over plain http to a host that is not loopback");
}

static void nonce(struct lint *l, const struct gh_lint_rule *r)
{
    char want[32], got[32];
    size_t rep;
    for (size_t i = 0; i < l->n; i++) {
        if (!call(l, i, GH_M_CODE_EXCHANGE) || !token_issued(l, i, &rep) || !has(l, rep, "idt"))
            continue;
        size_t a = authz_of(l, i);
        if (!get(l, a, "nonce", want, sizeof(want)))
            continue;
        if (!get(l, rep, "nonce", got, sizeof(got)))
            emit(l, r, rep, GH_LINT_ERROR,
                 "the id_token has no nonce; the authorization request at step %zu sent one",
                 NUM(a));
        else if (strcmp(got, want) != 0)
            emit(l, r, rep, GH_LINT_ERROR,
                 "the id_token's nonce differs from the authorization request's (step %zu): "
                 "a replayed or injected id_token",
                 NUM(a));
    }
}

static const struct gh_lint_rule rules[] = {
    {"pkce-missing", "RFC 9700 2.1.1", "authorization code request without PKCE"},
    {"pkce-plain", "RFC 9700 2.1.1", "PKCE with the plain method (or none named)"},
    {"csrf-no-state", "RFC 9700 4.7", "neither state nor PKCE (nor nonce): CSRF on the redirect"},
    {"code-reuse", "RFC 6749 4.1.2", "a code redeemed twice, or accepted after its first use"},
    {"redirect-uri-mismatch", "RFC 6749 4.1.3",
     "redirect_uri at the token endpoint differs from the authorization request's"},
    {"token-in-url", "RFC 9700 2.1.2", "access or refresh token in a URL (query or fragment)"},
    {"iss-missing", "RFC 9207 2.4",
     "iss missing from the authorization response though advertised"},
    {"iss-mismatch", "RFC 9207 2.4", "iss in the authorization response is not the issuer"},
    {"password-grant", "RFC 9700 2.4", "the resource owner password credentials grant"},
    {"refresh-reuse", "RFC 9700 4.14.2", "a refresh token accepted again after it was rotated"},
    {"token-no-store", "RFC 6749 5.1", "token response without Cache-Control: no-store"},
    {"cors-wildcard", "RFC 9700 2.6", "Access-Control-Allow-Origin: * on the token endpoint"},
    {"bearer-insecure", "RFC 6750 5.3",
     "access token sent over plain http to a host that is not loopback"},
    {"nonce-mismatch", "OIDC Core 3.1.3.7", "id_token nonce differs from the request's"},
};

static const rule_fn fns[] = {pkce_missing, pkce_plain, csrf,     code_reuse, redirect_uri,
                              token_in_url, iss,        iss,      password,   refresh_reuse,
                              no_store,     cors,       insecure, nonce};

_Static_assert(GH_ARRAY_LEN(rules) == GH_ARRAY_LEN(fns), "one function per rule");

const struct gh_lint_rule *gh_lint_rules(size_t *n)
{
    *n = GH_ARRAY_LEN(rules);
    return rules;
}

const char *gh_lint_severity_name(enum gh_lint_severity s)
{
    return s == GH_LINT_ERROR ? "error" : "warning";
}

/* The issuer and its RFC 9207 promise, from the first discovery document. */
static void context(struct lint *l)
{
    char v[8];
    for (size_t i = 0; i < l->n; i++) {
        if (l->s[i].kind != GH_STEP_REPLY || i == 0 || meaning(l, i - 1) != GH_M_DISCOVERY ||
            !get(l, i, "iss", l->issuer, sizeof(l->issuer)))
            continue;
        l->iss_supported = get(l, i, "issps", v, sizeof(v)) && strcmp(v, "1") == 0;
        return;
    }
}

static int by_step(const void *pa, const void *pb)
{
    const struct gh_lint_finding *a = pa, *b = pb;
    if (a->step != b->step)
        return a->step < b->step ? -1 : 1;
    return a->rule < b->rule ? -1 : a->rule > b->rule; /* table order */
}

int gh_trace_lint(const struct gh_trace_step *steps, size_t n, struct gh_lint_finding **out,
                  size_t *nout)
{
    struct lint l = {.s = steps, .n = n};
    context(&l);
    for (size_t k = 0; k < GH_ARRAY_LEN(rules) && l.rc == 0; k++)
        fns[k](&l, &rules[k]);
    if (l.rc < 0) {
        free(l.f);
        return l.rc;
    }
    if (l.nf > 1)
        qsort(l.f, l.nf, sizeof(*l.f), by_step);
    *out = l.f;
    *nout = l.nf;
    return 0;
}

/* Copies msg into dst, a space becoming a line break where a line would
 * pass width characters: diagrams stay narrow. */
static void wrap(const char *msg, char *dst, size_t cap, size_t width)
{
    size_t n = 0, line = 0;
    for (size_t i = 0; msg[i] != '\0' && n + 1 < cap; i++, n++, line++) {
        size_t word = strcspn(msg + i + 1, " ");
        dst[n] = msg[i];
        if (msg[i] == ' ' && line + word > width) {
            dst[n] = '\n';
            line = 0;
        }
    }
    dst[n] = '\0';
}

int gh_lint_marks(const struct gh_lint_finding *f, size_t n, struct gh_trace_mark **out)
{
    *out = NULL;
    if (n == 0)
        return 0;
    struct gh_trace_mark *m = calloc(n, sizeof(*m));
    if (m == NULL)
        return GH_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        m[i].step = f[i].step;
        m[i].kind = GH_MARK_FINDING;
        int k = snprintf(m[i].text, sizeof(m[i].text), "%s%s (%s)\n",
                         f[i].severity == GH_LINT_ERROR ? "" : "warning: ", f[i].rule->id,
                         f[i].rule->section);
        if (k > 0 && (size_t)k < sizeof(m[i].text))
            wrap(f[i].msg, m[i].text + k, sizeof(m[i].text) - (size_t)k, 64);
    }
    *out = m;
    return 0;
}
