/*
 * Unit tests of the flow review (docs/flow-review.md): the streaming HAR
 * reader (any split of the input gives the same entries; syntax errors,
 * cut strings, skipped entries), the vocabulary, the facts, the importer on
 * a small HAR (no secret in any step), every lint rule on a flow with and
 * without its violation, and the diff's alignment (same, added, removed,
 * moved).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/test.h"
#include "trace/attrs.h"
#include "trace/diff.h"
#include "trace/har.h"
#include "trace/import.h"
#include "trace/lint.h"
#include "trace/vocab.h"

/* ---------- the HAR reader ---------- */

struct seen {
    struct gh_buf all; /* entries, one a line */
    size_t n;
};

static int collect(void *arg, size_t index, const char *json, size_t n)
{
    struct seen *s = arg;
    (void)index;
    s->n++;
    gh_buf_append(&s->all, json, n);
    return gh_buf_putc(&s->all, '\n');
}

/* Feeds p in chunks of k bytes; the reader's result. */
static int feed_split(const char *p, size_t n, size_t k, struct seen *s, char *err, size_t cap)
{
    struct gh_har_reader *r = NULL;
    gh_buf_init(&s->all, 1 << 24);
    s->n = 0;
    int rc = gh_har_reader_new(collect, s, &r);
    for (size_t i = 0; rc == 0 && i < n; i += k)
        rc = gh_har_feed(r, p + i, n - i < k ? n - i : k);
    if (rc == 0)
        rc = gh_har_finish(r);
    snprintf(err, cap, "%s", r ? gh_har_error(r) : "");
    gh_har_reader_free(r);
    return rc;
}

static const char small_har[] =
    "\xef\xbb\xbf{\"log\": {\"version\": \"1.2\", \"creator\": {\"name\": \"t\", \"x\": [1, "
    "-2.5e+3, "
    "true, null, false, {}]},\n \"pages\": [{\"entries\": [\"not these\"]}],\n"
    " \"entries\": [ {\"a\": \"x\\\"y\\\\z\\u00e9\"} , {\"b\": [1, {\"c\": 0.5}]}, {} ]},"
    " \"entries\": [{\"not\": \"these either\"}]}\n";

GH_TEST(har_reader_same_entries_for_any_split)
{
    struct seen whole, part;
    char err[200];
    ASSERT_INT_EQ(feed_split(small_har, strlen(small_har), 1 << 20, &whole, err, sizeof(err)), 0);
    ASSERT_INT_EQ(whole.n, 3);
    ASSERT_STR_EQ(whole.all.p, "{\"a\": \"x\\\"y\\\\z\\u00e9\"}\n{\"b\": [1, {\"c\": 0.5}]}\n{}\n");
    for (size_t k = 1; k < 40; k++) {
        ASSERT_INT_EQ(feed_split(small_har, strlen(small_har), k, &part, err, sizeof(err)), 0);
        ASSERT_INT_EQ(part.n, 3);
        ASSERT_STR_EQ(part.all.p, whole.all.p);
        gh_buf_release(&part.all);
    }
    gh_buf_release(&whole.all);
}

GH_TEST(har_reader_refuses_what_is_not_json_or_not_a_har)
{
    static const struct {
        const char *in, *why;
    } bad[] = {
        {"", "empty"},
        {"   ", "empty"},
        {"[]", "JSON object"},
        {"42", "JSON object"},
        {"{\"log\": {}}", "no log.entries"},
        {"{\"log\": {\"entries\": []}", "ends in the middle"},
        {"{\"log\": {\"entries\": []}} x", "after the end"},
        {"{\"log\": {\"entries\": [01]}}", "bad number"},
        {"{\"log\": {\"entries\": [1.]}}", "bad number"},
        {"{\"log\": {\"entries\": [-]}}", "bad number"},
        {"{\"log\": {\"entries\": [tru]}}", "bad literal"},
        {"{\"log\": {\"entries\": [\"a\\x\"]}}", "bad escape"},
        {"{\"log\": {\"entries\": [\"\\u12g4\"]}}", "bad \\u escape"},
        {"{\"log\": {\"entries\": [\"a\nb\"]}}", "control character"},
        {"{\"log\" {}}", "':' was expected"},
        {"{\"log\": {\"entries\": [1 2]}}", "',' or the end"},
        {"{\"log\": {\"entries\": [1,]}}", "a value was expected"},
        {"{\"log\": {\"entries\": [}]}}", "a value was expected"},
        {"{\"log\": {\"entries\": [1}}}", "unexpected '}'"},
        {"{,}", "a key was expected"},
        {"\xef\xbb{}", "unexpected byte"},
    };
    for (size_t i = 0; i < GH_ARRAY_LEN(bad); i++) {
        struct seen s;
        char err[200];
        int rc = feed_split(bad[i].in, strlen(bad[i].in), 3, &s, err, sizeof(err));
        gh_buf_release(&s.all);
        if (rc != GH_EINVAL || strstr(err, bad[i].why) == NULL)
            GH_FAIL_("input %zu: rc %d, error '%s', expected '%s'", i, rc, err, bad[i].why);
        ASSERT_TRUE(strncmp(err, "line ", 5) == 0 || strstr(err, "no log.entries") != NULL);
    }
    /* nesting deeper than the reader's stack */
    struct gh_buf deep;
    gh_buf_init(&deep, 1 << 20);
    gh_buf_puts(&deep, "{\"log\": {\"entries\": [");
    for (int i = 0; i < GH_HAR_DEPTH_MAX + 5; i++)
        gh_buf_putc(&deep, '[');
    struct seen s;
    char err[200];
    ASSERT_INT_EQ(feed_split(deep.p, deep.len, 4096, &s, err, sizeof(err)), GH_EINVAL);
    ASSERT_NOT_NULL(strstr(err, "nested too deeply"));
    gh_buf_release(&s.all);
    gh_buf_release(&deep);
}

/* An entry whose one string is longer than the cap, ending the cut on a
 * multibyte character (é) or a surrogate pair: still valid JSON, cut. */
GH_TEST(har_reader_cuts_long_strings_into_valid_json)
{
    static const char *const units[] = {"\xc3\xa9", "\\ud83d\\ude00", "ab", "\\\\ud800"};
    for (size_t u = 0; u < GH_ARRAY_LEN(units); u++) {
        for (size_t shift = 0; shift < 7; shift++) {
            struct gh_buf in;
            gh_buf_init(&in, 8 << 20);
            gh_buf_puts(&in, "{\"log\":{\"entries\":[{\"s\":\"");
            for (size_t i = 0; i < shift; i++)
                gh_buf_putc(&in, 'x');
            while (in.len < GH_HAR_STRING_MAX + 4096)
                gh_buf_puts(&in, units[u]);
            gh_buf_puts(&in, "\",\"t\":\"kept\"}]}}");
            for (size_t k = 4093; k <= 65536; k += 61443) {
                struct seen s;
                char err[200];
                ASSERT_INT_EQ(feed_split(in.p, in.len, k, &s, err, sizeof(err)), 0);
                json_error_t je;
                json_t *j = json_loadb(s.all.p, s.all.len - 1, 0, &je);
                if (j == NULL)
                    GH_FAIL_("unit %zu shift %zu split %zu: %s", u, shift, k, je.text);
                size_t len = strlen(json_string_value(json_object_get(j, "s")));
                int ok = len <= GH_HAR_STRING_MAX && len > GH_HAR_STRING_MAX / 4 && /* escapes */
                         strcmp(json_string_value(json_object_get(j, "t")), "kept") == 0;
                json_decref(j);
                gh_buf_release(&s.all);
                if (!ok)
                    GH_FAIL_("unit %zu shift %zu split %zu: length %zu", u, shift, k, len);
            }
            gh_buf_release(&in);
        }
    }
}

GH_TEST(har_reader_skips_entries_over_the_cap)
{
    struct gh_buf in;
    gh_buf_init(&in, 16 << 20);
    gh_buf_puts(&in, "{\"log\":{\"entries\":[{\"big\":[");
    for (size_t i = 0; in.len < GH_HAR_ENTRY_MAX + 100; i++)
        gh_buf_printf(&in, "%s\"%0200zu\"", i ? "," : "", i);
    gh_buf_puts(&in, "]},{\"small\":1}]}}");
    struct gh_har_reader *r = NULL;
    struct seen s;
    gh_buf_init(&s.all, 1 << 20);
    s.n = 0;
    ASSERT_INT_EQ(gh_har_reader_new(collect, &s, &r), 0);
    ASSERT_INT_EQ(gh_har_feed(r, in.p, in.len), 0);
    ASSERT_INT_EQ(gh_har_finish(r), 0);
    ASSERT_INT_EQ(gh_har_entries(r), 2);
    ASSERT_INT_EQ(gh_har_skipped(r), 1);
    ASSERT_STR_EQ(s.all.p, "{\"small\":1}\n");
    gh_har_reader_free(r);
    gh_buf_release(&s.all);
    gh_buf_release(&in);
}

/* ---------- vocabulary and facts ---------- */

static struct gh_trace_step step(uint8_t kind, uint8_t from, uint8_t to, int status,
                                 const char *note, const char *attrs)
{
    struct gh_trace_step s;
    memset(&s, 0, sizeof(s));
    s.kind = kind, s.from = from, s.to = to, s.status = (int16_t)status;
    snprintf(s.note, sizeof(s.note), "%s", note);
    snprintf(s.attrs, sizeof(s.attrs), "%s", attrs);
    snprintf(s.label, sizeof(s.label), "%s", note[0] ? note : "reply");
    return s;
}

GH_TEST(vocab_reads_names_and_the_recorders_notes)
{
    static const struct {
        const char *note;
        enum gh_meaning m;
    } cases[] = {
        {"code exchange", GH_M_CODE_EXCHANGE},
        {"code exchange: code + PKCE code_verifier", GH_M_CODE_EXCHANGE},
        {"refresh", GH_M_REFRESH},
        {"refresh token rotation (ab12… → cd34…)", GH_M_REFRESH},
        {"refresh attempt", GH_M_REFRESH},
        {"user signs in", GH_M_SIGN_IN},
        {"user consents", GH_M_CONSENT},
        {"access token use", GH_M_API},
        {"app checks state and iss (RFC 9207)", GH_M_REDIRECT},
        {"authorization request", GH_M_AUTHZ},
        {"authorization request prepared by the app", GH_M_NONE},
        {"refreshments", GH_M_NONE},
        {"JWKS", GH_M_JWKS},
        {"", GH_M_NONE},
    };
    for (size_t i = 0; i < GH_ARRAY_LEN(cases); i++) {
        struct gh_trace_step s = step(GH_STEP_CALL, GH_P_APP, GH_P_AS, 0, cases[i].note, "");
        if (gh_meaning_of(&s) != cases[i].m)
            GH_FAIL_("'%s': %d, expected %d", cases[i].note, gh_meaning_of(&s), cases[i].m);
    }
    struct gh_trace_step r = step(GH_STEP_REPLY, GH_P_AS, GH_P_APP, 200, "code exchange", "");
    ASSERT_INT_EQ(gh_meaning_of(&r), GH_M_NONE);
    ASSERT_STR_EQ(gh_meaning_name(GH_M_REDIRECT), "redirect with code");
}

GH_TEST(attrs_set_get_and_bounds)
{
    char a[32] = "";
    char v[16];
    ASSERT_INT_EQ(gh_attrs_set(a, sizeof(a), "code", "Ab c=d"), 0);
    ASSERT_INT_EQ(gh_attrs_set(a, sizeof(a), "st", NULL), 0);
    ASSERT_INT_EQ(gh_attrs_set(a, sizeof(a), "ns", "0"), 0);
    ASSERT_STR_EQ(a, "code=Ab_c_d ns=0");
    ASSERT_INT_EQ(gh_attrs_get(a, sizeof(a), "code", v, sizeof(v)), 1);
    ASSERT_STR_EQ(v, "Ab_c_d");
    ASSERT_INT_EQ(gh_attrs_get(a, sizeof(a), "cod", v, sizeof(v)), 0);
    ASSERT_STR_EQ(v, "");
    ASSERT_INT_EQ(gh_attrs_has(a, sizeof(a), "ns"), 1);
    ASSERT_INT_EQ(gh_attrs_set(a, sizeof(a), "long", "0123456789abcdef"), GH_ENOMEM);
    ASSERT_STR_EQ(a, "code=Ab_c_d ns=0 cut=1");
}

/* ---------- the importer ---------- */

static const char tiny_har[] =
    "{\"log\":{\"entries\":["
    "{\"startedDateTime\":\"2024-05-01T10:00:00.000Z\",\"time\":5,"
    "\"request\":{\"method\":\"GET\",\"url\":\"https://as.example/authorize?response_type=code&"
    "client_id=spa&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=STATE-SECRET-1&code_"
    "challenge=CHALLENGE-SECRET-2&code_challenge_method=S256\",\"headers\":[{\"name\":\"Cookie\","
    "\"value\":\"sid=COOKIE-SECRET-3\"}]},"
    "\"response\":{\"status\":302,\"headers\":[{\"name\":\"Location\",\"value\":"
    "\"https://app.example/cb?code=CODE-SECRET-4&state=STATE-SECRET-1&iss=https%3A%2F%2Fas."
    "example\"}]}},"
    "{\"startedDateTime\":\"2024-05-01T12:00:01.5+02:00\",\"time\":5,"
    "\"request\":{\"method\":\"POST\",\"url\":\"https://as.example/token\",\"headers\":[],"
    "\"postData\":{\"mimeType\":\"application/x-www-form-urlencoded; charset=UTF-8\",\"params\":[],"
    "\"text\":\"grant_type=authorization_code&code=CODE-SECRET-4&code_verifier=VERIFIER-SECRET-5"
    "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb\"}},"
    "\"response\":{\"status\":200,\"headers\":[{\"name\":\"Cache-Control\",\"value\":\"no-store\"}]"
    ","
    "\"content\":{\"mimeType\":\"application/"
    "json\",\"text\":\"{\\\"access_token\\\":\\\"AT-SECRET-6"
    "\\\",\\\"refresh_token\\\":\\\"RT-SECRET-7\\\"}\"}}},"
    "{\"startedDateTime\":\"2024-05-01T10:00:02Z\",\"time\":5,"
    "\"request\":{\"method\":\"GET\",\"url\":\"https://api.example/me\",\"headers\":[{\"name\":"
    "\"authorization\",\"value\":\"Bearer AT-SECRET-6\"}]},"
    "\"response\":{\"status\":200,\"headers\":[],\"content\":{\"text\":\"{}\"}}}]}}";

GH_TEST(import_reduces_a_har_to_steps_without_secrets)
{
    struct gh_import imp;
    char err[256] = "";
    ASSERT_INT_EQ(gh_trace_import_mem(tiny_har, strlen(tiny_har), NULL, &imp, err, sizeof(err)), 0);
    ASSERT_STR_EQ(imp.client_id, "spa");
    ASSERT_STR_EQ(imp.issuer, "https://as.example");
    enum gh_meaning want[] = {GH_M_AUTHZ, GH_M_REDIRECT, GH_M_CODE_EXCHANGE, GH_M_API};
    size_t k = 0;
    for (size_t i = 0; i < imp.n; i++)
        if (gh_meaning_of(&imp.steps[i]) != GH_M_NONE && k < 4 &&
            gh_meaning_of(&imp.steps[i]) == want[k])
            k++;
    ASSERT_INT_EQ(k, 4);
    static const char *const secrets[] = {"STATE-SECRET", "CHALLENGE-SECRET", "COOKIE-SECRET",
                                          "CODE-SECRET",  "VERIFIER-SECRET",  "AT-SECRET",
                                          "RT-SECRET"};
    for (size_t i = 0; i < GH_ARRAY_LEN(secrets); i++)
        if (memmem(imp.steps, imp.n * sizeof(*imp.steps), secrets[i], strlen(secrets[i])))
            GH_FAIL_("'%s' is in the imported steps", secrets[i]);
    struct gh_lint_finding *f = NULL;
    size_t nf = 9;
    ASSERT_INT_EQ(gh_trace_lint(imp.steps, imp.n, &f, &nf), 0);
    ASSERT_INT_EQ(nf, 0);
    free(f);
    gh_import_release(&imp);
    ASSERT_INT_EQ(
        gh_trace_import_mem("{\"log\":{\"entries\":[7]}}", 23, NULL, &imp, err, sizeof(err)),
        GH_EINVAL);
    ASSERT_NOT_NULL(strstr(err, "entry 1"));
}

/* ---------- lint ---------- */

#define B GH_P_BROWSER
#define APP GH_P_APP
#define AS GH_P_AS
#define API GH_P_API

struct flow {
    struct gh_trace_step s[16];
    size_t n;
};

static void add(struct flow *f, uint8_t kind, uint8_t from, uint8_t to, int status,
                const char *note, const char *attrs)
{
    f->s[f->n++] = step(kind, from, to, status, note, attrs);
}

/* A clean code flow; the mutator changes one step's facts (or adds one). */
static void good_flow(struct flow *f)
{
    f->n = 0;
    add(f, GH_STEP_CALL, APP, AS, 0, "discovery", "");
    add(f, GH_STEP_REPLY, AS, APP, 200, "", "iss=https://as issps=1");
    add(f, GH_STEP_CALL, B, AS, 0, "authorization request",
        "rt=code cc=C1 ccm=S256 st=S1 nonce=N1 ru=R1");
    add(f, GH_STEP_REPLY, AS, B, 302, "", "rloc=1 code=K1 st=S1 iss=https://as");
    add(f, GH_STEP_CALL, B, APP, 0, "redirect with code", "code=K1 st=S1 iss=https://as");
    add(f, GH_STEP_CALL, APP, AS, 0, "code exchange", "gt=authorization_code code=K1 ru=R1 cv=1");
    add(f, GH_STEP_REPLY, AS, APP, 200, "", "at=A1 rtk=T1 idt=I1 nonce=N1 ns=1");
    add(f, GH_STEP_CALL, APP, API, 0, "API call", "at=A1");
    add(f, GH_STEP_REPLY, API, APP, 200, "", "");
    add(f, GH_STEP_CALL, APP, AS, 0, "refresh", "gt=refresh_token rtk=T1");
    add(f, GH_STEP_REPLY, AS, APP, 200, "", "at=A2 rtk=T2 ns=1");
}

static void set(struct flow *f, size_t i, const char *attrs)
{
    snprintf(f->s[i].attrs, sizeof(f->s[i].attrs), "%s", attrs);
}

static void m_pkce_missing(struct flow *f)
{
    set(f, 2, "rt=code st=S1 nonce=N1 ru=R1");
}
static void m_pkce_plain(struct flow *f)
{
    set(f, 2, "rt=code cc=C1 st=S1 nonce=N1 ru=R1");
}
static void m_csrf(struct flow *f)
{
    set(f, 2, "rt=code ru=R1");
}
static void m_code_reuse(struct flow *f)
{
    add(f, GH_STEP_CALL, APP, AS, 0, "code exchange", "gt=authorization_code code=K1 cv=1");
    add(f, GH_STEP_REPLY, AS, APP, 200, "", "at=A3 ns=1");
}
static void m_redirect(struct flow *f)
{
    set(f, 5, "gt=authorization_code code=K1 ru=R9 cv=1");
}
static void m_token_url(struct flow *f)
{
    set(f, 7, "at=A1 tku=access_token");
}
static void m_iss_missing(struct flow *f)
{
    set(f, 4, "code=K1 st=S1");
}
static void m_iss_mismatch(struct flow *f)
{
    set(f, 4, "code=K1 st=S1 iss=https://evil");
}
static void m_password(struct flow *f)
{
    add(f, GH_STEP_CALL, APP, AS, 0, "token request", "gt=password");
    add(f, GH_STEP_REPLY, AS, APP, 200, "", "at=A4 ns=1");
}
static void m_refresh_reuse(struct flow *f)
{
    add(f, GH_STEP_CALL, APP, AS, 0, "refresh", "gt=refresh_token rtk=T1");
    add(f, GH_STEP_REPLY, AS, APP, 200, "", "at=A5 rtk=T3 ns=1");
}
static void m_no_store(struct flow *f)
{
    set(f, 6, "at=A1 rtk=T1 idt=I1 nonce=N1 ns=0");
}
static void m_cors(struct flow *f)
{
    set(f, 6, "at=A1 rtk=T1 idt=I1 nonce=N1 ns=1 acao=*");
}
static void m_insecure(struct flow *f)
{
    set(f, 7, "at=A1 insecure=1");
}
static void m_nonce(struct flow *f)
{
    set(f, 6, "at=A1 rtk=T1 idt=I1 nonce=N2 ns=1");
}

GH_TEST(lint_every_rule_fires_on_its_violation_only)
{
    static const struct {
        const char *rule;
        void (*mutate)(struct flow *f);
        size_t step; /* where the finding must be */
    } cases[] = {
        {"pkce-missing", m_pkce_missing, 2},
        {"pkce-plain", m_pkce_plain, 2},
        {"csrf-no-state", m_csrf, 2},
        {"code-reuse", m_code_reuse, 11},
        {"redirect-uri-mismatch", m_redirect, 5},
        {"token-in-url", m_token_url, 7},
        {"iss-missing", m_iss_missing, 4},
        {"iss-mismatch", m_iss_mismatch, 4},
        {"password-grant", m_password, 11},
        {"refresh-reuse", m_refresh_reuse, 11},
        {"token-no-store", m_no_store, 6},
        {"cors-wildcard", m_cors, 6},
        {"bearer-insecure", m_insecure, 7},
        {"nonce-mismatch", m_nonce, 6},
    };
    size_t nrules;
    gh_lint_rules(&nrules);
    ASSERT_INT_EQ(nrules, GH_ARRAY_LEN(cases));
    struct flow f;
    struct gh_lint_finding *found = NULL;
    size_t n = 1;
    good_flow(&f);
    ASSERT_INT_EQ(gh_trace_lint(f.s, f.n, &found, &n), 0);
    ASSERT_INT_EQ(n, 0);
    free(found);
    for (size_t i = 0; i < GH_ARRAY_LEN(cases); i++) {
        good_flow(&f);
        cases[i].mutate(&f);
        ASSERT_INT_EQ(gh_trace_lint(f.s, f.n, &found, &n), 0);
        int hit = 0;
        for (size_t k = 0; k < n; k++) {
            if (strcmp(found[k].rule->id, cases[i].rule) == 0 && found[k].step == cases[i].step)
                hit = 1;
            else if (strcmp(found[k].rule->id, "pkce-missing") != 0 ||
                     strcmp(cases[i].rule, "csrf-no-state") != 0)
                GH_FAIL_("%s: also %s at %zu", cases[i].rule, found[k].rule->id, found[k].step);
        }
        free(found);
        if (!hit)
            GH_FAIL_("%s did not fire at step %zu", cases[i].rule, cases[i].step);
    }
    /* steps without facts (gatehouse's own recording) are never judged */
    good_flow(&f);
    for (size_t i = 0; i < f.n; i++)
        f.s[i].attrs[0] = '\0';
    ASSERT_INT_EQ(gh_trace_lint(f.s, f.n, &found, &n), 0);
    ASSERT_INT_EQ(n, 0);
    free(found);
}

GH_TEST(lint_refresh_without_rotation_may_be_reused)
{
    struct flow f;
    struct gh_lint_finding *found = NULL;
    size_t n = 1;
    good_flow(&f);
    set(&f, 10, "at=A2 ns=1"); /* no new refresh token: the server does not rotate */
    add(&f, GH_STEP_CALL, APP, AS, 0, "refresh", "gt=refresh_token rtk=T1");
    add(&f, GH_STEP_REPLY, AS, APP, 200, "", "at=A5 ns=1");
    ASSERT_INT_EQ(gh_trace_lint(f.s, f.n, &found, &n), 0);
    ASSERT_INT_EQ(n, 0);
    free(found);
    good_flow(&f); /* reuse refused by the server: nothing to report */
    add(&f, GH_STEP_CALL, APP, AS, 0, "refresh", "gt=refresh_token rtk=T1");
    add(&f, GH_STEP_REPLY, AS, APP, 400, "", "err=invalid_grant");
    ASSERT_INT_EQ(gh_trace_lint(f.s, f.n, &found, &n), 0);
    ASSERT_INT_EQ(n, 0);
    free(found);
}

/* ---------- diff ---------- */

/* A flow of calls named by letters: a = authorization request, c = code
 * exchange, r = refresh, p = API call, u = userinfo, R = revocation; an
 * upper-case x is a failed call (a reply 400). */
static size_t calls(const char *spec, struct gh_trace_step *s)
{
    static const char *const notes[128] = {['a'] = "authorization request",
                                           ['c'] = "code exchange",
                                           ['r'] = "refresh",
                                           ['p'] = "API call",
                                           ['u'] = "userinfo",
                                           ['R'] = "revocation",
                                           ['X'] = "refresh"};
    size_t n = 0;
    for (const char *p = spec; *p; p++) {
        uint8_t to = *p == 'p' ? API : AS, from = *p == 'a' ? B : APP;
        s[n++] = step(GH_STEP_CALL, from, to, 0, notes[(unsigned char)*p], "");
        s[n++] = step(GH_STEP_REPLY, to, from, *p == 'X' ? 400 : 200, "", "");
    }
    return n;
}

static void diff_ops(const char *x, const char *y, char *ops, size_t *moved)
{
    struct gh_trace_step a[32], b[32];
    size_t na = calls(x, a), nb = calls(y, b);
    struct gh_diff d;
    ops[0] = '\0';
    if (gh_trace_diff(a, na, b, nb, &d) < 0)
        return;
    for (size_t i = 0; i < d.n; i++)
        ops[i] = "=+-<>"[d.lines[i].op];
    ops[d.n] = '\0';
    *moved = d.moved;
    gh_diff_release(&d);
}

GH_TEST(diff_aligns_by_meaning)
{
    static const struct {
        const char *a, *b, *ops;
        size_t moved;
    } cases[] = {
        {"acprpR", "acprpR", "======", 0},
        {"acprp", "acprpR", "=====+", 0},
        {"acuprR", "acprR", "==-===", 0},
        {"acuprR", "acprRu", "==<===>", 1},
        {"acrr", "acrX", "===-+", 0},
        {"", "ac", "++", 0},
        {"pa", "", "--", 0},
    };
    for (size_t i = 0; i < GH_ARRAY_LEN(cases); i++) {
        char ops[64];
        size_t moved = 0;
        diff_ops(cases[i].a, cases[i].b, ops, &moved);
        if (strcmp(ops, cases[i].ops) != 0 || moved != cases[i].moved)
            GH_FAIL_("'%s' vs '%s': '%s' (%zu moved), expected '%s' (%zu)", cases[i].a, cases[i].b,
                     ops, moved, cases[i].ops, cases[i].moved);
    }
    struct gh_trace_step a[32], b[32];
    size_t na = calls("acpr", a), nb = calls("acrp", b);
    struct gh_diff d;
    struct gh_buf out;
    gh_buf_init(&out, 1 << 20);
    ASSERT_INT_EQ(gh_trace_diff(a, na, b, nb, &d), 0);
    ASSERT_INT_EQ(gh_diff_text(&d, a, b, "one", "two", &out), 0);
    ASSERT_NOT_NULL(strstr(out.p, "--- a: one\n+++ b: two\n"));
    ASSERT_NOT_NULL(strstr(out.p, "(moved to b:"));
    struct gh_trace_step *steps = NULL;
    struct gh_trace_mark *marks = NULL;
    size_t n = 0, nm = 0;
    ASSERT_INT_EQ(gh_diff_flow(&d, a, na, b, nb, &steps, &n, &marks, &nm), 0);
    ASSERT_INT_EQ(nm, 2);
    ASSERT_INT_EQ(marks[0].kind, GH_MARK_REMOVED);
    ASSERT_INT_EQ(marks[1].kind, GH_MARK_MOVED);
    struct gh_export_opts eo = {NULL, 0, marks, nm};
    gh_buf_reset(&out);
    ASSERT_INT_EQ(gh_trace_export(steps, n, GH_FMT_SVG, &eo, &out), 0);
    ASSERT_NOT_NULL(strstr(out.p, "moved here from a:"));
    free(steps);
    free(marks);
    gh_diff_release(&d);
    gh_buf_release(&out);
}

/* RFC 9700 2.1.1 and 4.7.1: an OpenID Connect nonce stands in for PKCE
 * (a warning) and for state only when no code is redeemed in the browser. */
GH_TEST(lint_nonce_protects_a_confidential_client_only)
{
    struct flow f;
    struct gh_lint_finding *found = NULL;
    size_t n = 0;
    f.n = 0;
    add(&f, GH_STEP_CALL, B, AS, 0, "authorization request", "rt=code nonce=N1 ru=R1");
    add(&f, GH_STEP_REPLY, AS, B, 302, "", "rloc=1 code=K1");
    ASSERT_INT_EQ(gh_trace_lint(f.s, f.n, &found, &n), 0);
    ASSERT_INT_EQ(n, 1);
    ASSERT_STR_EQ(found[0].rule->id, "pkce-missing");
    ASSERT_INT_EQ(found[0].severity, GH_LINT_WARNING);
    free(found);
    add(&f, GH_STEP_CALL, APP, AS, 0, "code exchange", "gt=authorization_code code=K1");
    add(&f, GH_STEP_REPLY, AS, APP, 200, "", "at=A1 ns=1");
    ASSERT_INT_EQ(gh_trace_lint(f.s, f.n, &found, &n), 0);
    ASSERT_INT_EQ(n, 1);
    ASSERT_INT_EQ(found[0].severity, GH_LINT_ERROR);
    free(found);
}
