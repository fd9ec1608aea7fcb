/*
 * Allocation-failure tests (docs/internals/alloc.md, after curl's torture
 * tests and sqlite's OOM tests). Each alloc_* case runs one request parser
 * or token path again and again, the k-th allocation failing in run k, for
 * k = 1, 2, ... until a run completes without reaching the failure. Every
 * run must return 0 with the right result or a clean negative gh_err (the
 * callers turn those into 500 server_error or the RFC error), never crash;
 * and LeakSanitizer, asked after the last run, must find nothing.
 *
 * The failures come from gh_alloc_fail_after (src/core/alloc.h), which the
 * arena, gh_buf, the JWS parser and key wrapping consult, and from the
 * allocation hooks of OpenSSL (CRYPTO_set_mem_functions, installed by a
 * constructor before any other OpenSSL call) and jansson
 * (json_set_alloc_funcs).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "api/api.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/test.h"
#include "http/form.h"
#include "jose/jose.h"
#include "oauth/oauth.h"
#include "proto/proto.h"

/* More allocations than any path here makes: a loop that gets this far
 * is a path whose allocations never end. */
#define K_MAX 20000
/* A run returns this when it succeeded with a wrong result. */
#define WRONG 1

/* Present when the binary runs under LeakSanitizer (ASan). */
extern int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

static void *ossl_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    /* OpenSSL's own CRYPTO_malloc returns NULL for 0 bytes */
    return n == 0 || gh_alloc_fail_now() ? NULL : malloc(n);
}

static void *ossl_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    if (n == 0) {
        free(p);
        return NULL;
    }
    return gh_alloc_fail_now() ? NULL : realloc(p, n);
}

static void ossl_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

/* Set when the injected failure fell on a jansson allocation. */
static int json_failed;

static void *json_malloc(size_t n)
{
    if (!gh_alloc_fail_now())
        return malloc(n);
    json_failed = 1;
    return NULL;
}

static int ossl_hooked;

/* CRYPTO_set_mem_functions works only before OpenSSL's first allocation,
 * so this runs before main; with the countdown at 0 the hooks are plain
 * malloc, realloc and free for every other test. */
__attribute__((constructor(101))) static void hook_allocators(void)
{
    ossl_hooked = CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free);
    json_set_alloc_funcs(json_malloc, free);
}

struct torture {
    const char *label;          /* for GH_ALLOC_VERBOSE */
    void (*prepare)(void *arg); /* before each run, without failures; may be NULL */
    int (*run)(void *arg);      /* 0 with a checked result, <0, or WRONG */
    void *arg;
    long allocs;  /* OUT: allocations the path makes */
    long corrupt; /* OUT: runs that jansson's lexer corrupted, see below */
};

/* Runs t->run with the k-th allocation failing for every k; NULL when each
 * run behaved, else what went wrong. */
static const char *torture(struct torture *t)
{
    /* one clean run first: OpenSSL and jansson fill their caches of
     * algorithms and hash seeds once, and that is not per request */
    if (t->prepare != NULL)
        t->prepare(t->arg);
    if (t->run(t->arg) != 0)
        return "the path fails without injected failures";
    for (long k = 1; k < K_MAX; k++) {
        if (t->prepare != NULL)
            t->prepare(t->arg);
        json_failed = 0;
        gh_alloc_fail_after(k);
        int rc = t->run(t->arg);
        int hit = gh_alloc_failed();
        gh_alloc_fail_after(0);
        ERR_clear_error();
        if (!hit) {
            t->allocs = k - 1;
            if (getenv("GH_ALLOC_VERBOSE") != NULL)
                fprintf(stderr,
                        "# %s: %ld allocations failed in turn, %ld runs corrupted by jansson\n",
                        t->label, t->allocs, t->corrupt);
            return rc == 0 ? NULL : "the path fails after the last allocation";
        }
        /* jansson 2.14's lexer ignores a failure to grow its token buffer
         * and goes on without the byte (jansson issue #362): json_loadb
         * then returns a document with a string one byte short. That is
         * jansson's defect, not ours; it is counted, not failed. */
        if (rc == WRONG && json_failed) {
            t->corrupt++;
            continue;
        }
        if (rc == WRONG)
            return "a wrong result after an injected failure";
        if (rc > 0)
            return "a positive status";
    }
    return "no end to the allocations";
}

/* 1 when LeakSanitizer finds leaks (it prints them); 0 without it. */
static int leaks(void)
{
    return __lsan_do_recoverable_leak_check != NULL && __lsan_do_recoverable_leak_check() != 0;
}

#define ASSERT_TORTURE(t, min_allocs)                                                              \
    do {                                                                                           \
        const char *why_ = torture(t);                                                             \
        if (why_ != NULL)                                                                          \
            GH_FAIL_("%s after %ld allocations", why_, (t)->allocs);                               \
        if ((t)->allocs < (min_allocs))                                                            \
            GH_FAIL_("only %ld allocations reached, want %d or more", (t)->allocs,                 \
                     (int)(min_allocs));                                                           \
        if (leaks())                                                                               \
            GH_FAIL_("LeakSanitizer found leaks (report above)");                                  \
    } while (0)

/* ---- shared keys: one per alg, made once, kept for the binary's life ---- */

static struct gh_jwk *keys[3];

static int have_keys(void)
{
    const enum gh_jwa algs[] = {GH_JWA_ES256, GH_JWA_EDDSA, GH_JWA_RS256};
    for (size_t i = 0; i < 3; i++)
        if (keys[i] == NULL && gh_jwk_generate(algs[i], &keys[i]) < 0)
            return 0;
    return 1;
}

/* ---- hashing: used on every request, it must not be able to fail ---- */

/* gh_sha256 used EVP_Digest, which allocates, and aborted the process when
 * that failed; it now uses an interface that does not allocate. */
GH_TEST(alloc_sha256_never_allocates)
{
    /* FIPS 180-2 B.1: SHA-256("abc") */
    static const unsigned char abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                          0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                          0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                          0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    unsigned char d[32];
    ASSERT_TRUE(ossl_hooked);
    gh_alloc_fail_after(1);
    gh_sha256("abc", 3, d);
    int hit = gh_alloc_failed();
    gh_alloc_fail_after(0);
    ASSERT_INT_EQ(hit, 0);
    ASSERT_MEM_EQ(d, abc, sizeof(abc));
}

/* ---- request parsers ---- */

static const char token_body[] =
    "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA"
    "&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&client_id=s6BhdRkqt3"
    "&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&scope=openid+profile";

static int run_form(void *arg)
{
    struct gh_form f;
    (void)arg;
    /* a small chunk, so the arena also grows by new chunks */
    struct gh_arena *a = gh_arena_new(256, 64 * 1024);
    if (a == NULL)
        return GH_ENOMEM;
    int rc = gh_form_parse(a, token_body, strlen(token_body), &f);
    if (rc == 0)
        rc = gh_form_add(a, &f, "client_secret", 13, "s3cr3t", 6);
    if (rc == 0) {
        const char *uri = gh_form_get(&f, "redirect_uri", NULL);
        const char *scope = gh_form_get(&f, "scope", NULL);
        rc = f.n == 7 && uri != NULL && strcmp(uri, "https://client.example.com/cb") == 0 &&
                     scope != NULL && strcmp(scope, "openid profile") == 0
                 ? 0
                 : WRONG;
    }
    gh_arena_free(a);
    return rc;
}

GH_TEST(alloc_form_parse)
{
    struct torture t = {"form", NULL, run_form, NULL, 0, 0};
    ASSERT_TORTURE(&t, 10);
}

static int run_basic(void *arg)
{
    char *id, *secret;
    (void)arg;
    struct gh_arena *a = gh_arena_new(256, 64 * 1024);
    if (a == NULL)
        return GH_ENOMEM;
    /* RFC 6749 2.3.1's example, then an id and secret that are encoded */
    int rc = gh_basic_parse(a, "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW", &id, &secret);
    if (rc == 0)
        rc = strcmp(id, "s6BhdRkqt3") == 0 && strcmp(secret, "gX1fBat3bV") == 0 ? 0 : WRONG;
    if (rc == 0) /* base64("my%20app:a%3Ab+c") */
        rc = gh_basic_parse(a, "Basic bXklMjBhcHA6YSUzQWIrYw==", &id, &secret);
    if (rc == 0)
        rc = strcmp(id, "my app") == 0 && strcmp(secret, "a:b c") == 0 ? 0 : WRONG;
    gh_arena_free(a);
    return rc;
}

GH_TEST(alloc_basic_parse)
{
    struct torture t = {"basic", NULL, run_basic, NULL, 0, 0};
    ASSERT_TORTURE(&t, 4);
}

/* ---- JWS: parse and verify, sign ---- */

struct jws_case {
    const struct gh_jwk *key;
    struct gh_buf token;
};

static const char claims_json[] =
    "{\"iss\":\"https://as.example\",\"sub\":\"alice\",\"aud\":\"https://api.example\","
    "\"exp\":4102444800,\"iat\":1700000000,\"client_id\":\"app\",\"scope\":\"openid\"}";

/* Parses and verifies c->token and reads its claims, as a resource server. */
static int run_jws_verify(void *arg)
{
    struct jws_case *c = arg;
    struct gh_jws jws;
    int rc = gh_jws_parse(c->token.p, c->token.len, &jws);
    if (rc == 0)
        rc = strcmp(jws.kid, gh_jwk_kid(c->key)) == 0 ? gh_jws_verify(c->key, &jws) : WRONG;
    if (rc == 0) {
        json_t *doc = json_loadb(jws.payload, jws.payload_len, JSON_REJECT_DUPLICATES, NULL);
        const char *sub = json_string_value(json_object_get(doc, "sub"));
        rc = doc == NULL ? GH_ENOMEM : sub != NULL && strcmp(sub, "alice") == 0 ? 0 : WRONG;
        json_decref(doc);
    }
    gh_jws_release(&jws);
    return rc;
}

GH_TEST(alloc_jws_parse_verify)
{
    ASSERT_TRUE(ossl_hooked);
    ASSERT_TRUE(have_keys());
    for (size_t i = 0; i < 3; i++) {
        struct jws_case c = {keys[i], {0}};
        gh_buf_init(&c.token, 16384);
        ASSERT_INT_EQ(gh_jws_sign(keys[i], "at+jwt", claims_json, strlen(claims_json), &c.token),
                      0);
        struct torture t = {"jws_verify", NULL, run_jws_verify, &c, 0, 0};
        const char *why = torture(&t);
        gh_buf_release(&c.token);
        if (why != NULL)
            GH_FAIL_("%s: %s after %ld allocations", gh_jwa_name(gh_jwk_alg(keys[i])), why,
                     t.allocs);
        ASSERT_TRUE(t.allocs >= 5);
    }
    ASSERT_TRUE(!leaks());
}

/* Signs into an empty buffer, so it grows, then verifies the result. */
static int run_jws_sign(void *arg)
{
    struct jws_case *c = arg;
    struct gh_jws jws;
    struct gh_buf out;
    gh_buf_init(&out, 16384);
    int rc = gh_jws_sign(c->key, "at+jwt", claims_json, strlen(claims_json), &out);
    /* on failure the buffer is left as it was: empty */
    if (rc < 0 && out.len != 0)
        rc = WRONG;
    if (rc == 0)
        rc = gh_jws_parse(out.p, out.len, &jws);
    if (rc == 0) {
        rc = gh_jws_verify(c->key, &jws);
        if (rc == 0 && (jws.payload_len != strlen(claims_json) ||
                        memcmp(jws.payload, claims_json, jws.payload_len) != 0))
            rc = WRONG;
        gh_jws_release(&jws);
    }
    gh_buf_release(&out);
    return rc;
}

GH_TEST(alloc_jws_sign)
{
    ASSERT_TRUE(ossl_hooked);
    ASSERT_TRUE(have_keys());
    for (size_t i = 0; i < 3; i++) {
        struct jws_case c = {keys[i], {0}};
        struct torture t = {"jws_sign", NULL, run_jws_sign, &c, 0, 0};
        const char *why = torture(&t);
        if (why != NULL)
            GH_FAIL_("%s: %s after %ld allocations", gh_jwa_name(gh_jwk_alg(keys[i])), why,
                     t.allocs);
        ASSERT_TRUE(t.allocs >= 5);
    }
    ASSERT_TRUE(!leaks());
}

/* ---- JWKS import, as the Resource API does it ---- */

struct jwks_case {
    struct gh_buf doc;
};

static int run_jwks(void *arg)
{
    struct jwks_case *c = arg;
    json_t *doc = json_loadb(c->doc.p, c->doc.len, JSON_REJECT_DUPLICATES, NULL);
    const json_t *arr = json_object_get(doc, "keys"), *v;
    size_t i;
    int rc = doc == NULL ? GH_ENOMEM : json_array_size(arr) == 3 ? 0 : WRONG;
    json_array_foreach(arr, i, v)
    {
        struct gh_jwk *k = NULL;
        if (rc == 0)
            rc = gh_jwk_from_json(v, &k);
        if (rc == 0 && (gh_jwk_alg(k) != gh_jwk_alg(keys[i]) ||
                        strcmp(gh_jwk_kid(k), gh_jwk_kid(keys[i])) != 0))
            rc = WRONG;
        gh_jwk_free(k);
    }
    json_decref(doc);
    return rc;
}

GH_TEST(alloc_jwk_from_json)
{
    struct jwks_case c;
    ASSERT_TRUE(ossl_hooked);
    ASSERT_TRUE(have_keys());
    gh_buf_init(&c.doc, 65536);
    gh_buf_puts(&c.doc, "{\"keys\":[");
    for (size_t i = 0; i < 3; i++) {
        if (i > 0)
            gh_buf_putc(&c.doc, ',');
        ASSERT_INT_EQ(gh_jwk_public_json(keys[i], &c.doc), 0);
    }
    ASSERT_INT_EQ(gh_buf_puts(&c.doc, "]}"), 0);
    struct torture t = {"jwks", NULL, run_jwks, &c, 0, 0};
    const char *why = torture(&t);
    gh_buf_release(&c.doc);
    if (why != NULL)
        GH_FAIL_("%s after %ld allocations", why, t.allocs);
    ASSERT_TRUE(t.allocs >= 10);
    ASSERT_TRUE(!leaks());
}

/* ---- JSON and escaping helpers of responses ---- */

struct json_case {
    char expect[1024];
    int have_expect;
};

static int run_json(void *arg)
{
    struct json_case *c = arg;
    static const char hostile[] = "a\"b\\c\n\x01<script>&'x'</script> %~";
    struct gh_buf b;
    gh_buf_init(&b, 65536);
    int rc = gh_buf_puts(&b, "{\"error\":\"invalid_request\",\"error_description\":");
    if (rc == 0)
        rc = gh_buf_json_str(&b, hostile, sizeof(hostile) - 1);
    if (rc == 0)
        rc = gh_buf_printf(&b, ",\"expires_in\":%d,\"html\":\"", 300);
    if (rc == 0)
        rc = gh_buf_html(&b, "<b>&</b>", 8);
    if (rc == 0)
        rc = gh_buf_puts(&b, "\",\"q\":\"");
    if (rc == 0)
        rc = gh_buf_urlenc(&b, hostile, sizeof(hostile) - 1);
    if (rc == 0)
        rc = gh_buf_puts(&b, "\",\"jwk\":");
    if (rc == 0)
        rc = gh_jwk_public_json(keys[0], &b);
    if (rc == 0)
        rc = gh_buf_putc(&b, '}');
    if (rc == 0 && !c->have_expect && b.len < sizeof(c->expect)) {
        memcpy(c->expect, b.p, b.len + 1);
        c->have_expect = 1;
    } else if (rc == 0) {
        rc = strcmp(c->expect, b.p) == 0 ? 0 : WRONG;
    }
    gh_buf_release(&b);
    return rc;
}

GH_TEST(alloc_json_helpers)
{
    struct json_case c = {"", 0};
    ASSERT_TRUE(have_keys());
    struct torture t = {"json", NULL, run_json, &c, 0, 0};
    ASSERT_TORTURE(&t, 3);
    /* what was built is JSON */
    json_t *doc = json_loads(c.expect, 0, NULL);
    ASSERT_NOT_NULL(doc);
    json_decref(doc);
}

/* ---- access tokens: issue (RFC 9068) and check our own (introspection) ---- */

struct token_case {
    struct gh_snap snap;
    struct gh_jwk *keyv[1];
};

static int run_access_token(void *arg)
{
    struct token_case *c = arg;
    struct gh_buf jwt;
    char jti[23];
    gh_buf_init(&jwt, 16384);
    int rc = gh_oauth_access_token(&c->snap, "alice", "app", "openid admin", "fam1", gh_now(), 300,
                                   &jwt, jti);
    if (rc == 0) {
        json_t *claims = gh_oauth_verify_own(&c->snap, jwt.p);
        const char *sub = json_string_value(json_object_get(claims, "sub"));
        const char *j = json_string_value(json_object_get(claims, "jti"));
        /* NULL claims: the introspection answers active=false, a clean error */
        rc = claims == NULL ? GH_EINVAL
             : sub != NULL && strcmp(sub, "alice") == 0 && j != NULL && strcmp(j, jti) == 0 ? 0
                                                                                            : WRONG;
        json_decref(claims);
    }
    gh_buf_release(&jwt);
    return rc;
}

GH_TEST(alloc_access_token)
{
    static struct token_case c;
    ASSERT_TRUE(ossl_hooked);
    ASSERT_TRUE(have_keys());
    for (size_t i = 0; i < 3; i++) {
        memset(&c, 0, sizeof(c));
        snprintf(c.snap.issuer, sizeof(c.snap.issuer), "https://as.example");
        snprintf(c.snap.audience, sizeof(c.snap.audience), "https://api.example");
        c.keyv[0] = keys[i];
        c.snap.signer = keys[i];
        c.snap.keys = c.keyv;
        c.snap.n_keys = 1;
        struct torture t = {"access_token", NULL, run_access_token, &c, 0, 0};
        const char *why = torture(&t);
        if (why != NULL)
            GH_FAIL_("%s: %s after %ld allocations", gh_jwa_name(gh_jwk_alg(keys[i])), why,
                     t.allocs);
        ASSERT_TRUE(t.allocs >= 10);
    }
    ASSERT_TRUE(!leaks());
}

/* ---- the Resource API's bearer validation ---- */

struct api_case {
    struct gh_api *api;
    const struct gh_jwk *key;
    struct gh_buf token;
    long serial;
};

/* A fresh token for each run: a verified token is cached by its hash, and
 * a cache hit would skip the path under test. */
static void prepare_api(void *arg)
{
    struct api_case *c = arg;
    char claims[512];
    int64_t now = gh_now();
    snprintf(claims, sizeof(claims),
             "{\"iss\":\"https://as.example\",\"sub\":\"alice\",\"aud\":[\"x\","
             "\"https://api.example\"],\"exp\":%lld,\"iat\":%lld,\"nbf\":%lld,\"jti\":\"%ld\","
             "\"client_id\":\"app\",\"scope\":\"openid\",\"gh_fid\":\"f\"}",
             (long long)(now + 300), (long long)now, (long long)now, ++c->serial);
    gh_buf_reset(&c->token);
    if (gh_jws_sign(c->key, "at+jwt", claims, strlen(claims), &c->token) < 0)
        gh_buf_reset(&c->token);
}

static int run_api(void *arg)
{
    struct api_case *c = arg;
    const char *why = NULL;
    if (c->token.len == 0)
        return WRONG;
    int rc = gh_api_check_token(c->api, &c->key, 1, c->token.p, &why);
    return rc < 0 && why == NULL ? WRONG : rc;
}

GH_TEST(alloc_api_validate)
{
    struct gh_api_cfg cfg = {.issuer = "https://as.example",
                             .audience = "https://api.example",
                             .leeway = 30,
                             .refetch_interval = 10};
    struct api_case c = {NULL, NULL, {0}, 0};
    ASSERT_TRUE(ossl_hooked);
    ASSERT_TRUE(have_keys());
    ASSERT_INT_EQ(gh_api_new(&cfg, &c.api), 0);
    gh_buf_init(&c.token, 16384);
    for (size_t i = 0; i < 3; i++) {
        c.key = keys[i];
        struct torture t = {"api", prepare_api, run_api, &c, 0, 0};
        const char *why = torture(&t);
        if (why != NULL) {
            gh_buf_release(&c.token);
            gh_api_free(c.api);
            GH_FAIL_("%s: %s after %ld allocations", gh_jwa_name(gh_jwk_alg(keys[i])), why,
                     t.allocs);
        }
        if (t.allocs < 10) {
            gh_buf_release(&c.token);
            gh_api_free(c.api);
            GH_FAIL_("only %ld allocations reached", t.allocs);
        }
    }
    gh_buf_release(&c.token);
    gh_api_free(c.api);
    ASSERT_TRUE(!leaks());
}
