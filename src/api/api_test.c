/* Unit tests of access-token validation in the Resource API (api.c) as
 * RFC 9068 section 4 and RFC 6750 describe it: typ, signature, iss, aud,
 * exp/nbf with the leeway, required claims, claims that do not fit. Tokens
 * are signed here with keys made for the test; no network is used. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/test.h"
#include "jose/jose.h"

#define ISS "https://as.example"
#define AUD "https://api.example"
#define LEEWAY 30

/* Signs payload with k under typ; the compact JWS goes into out. */
static int sign(const struct gh_jwk *k, const char *typ, const char *payload, struct gh_buf *out)
{
    out->len = 0;
    return gh_jws_sign(k, typ, payload, strlen(payload), out);
}

GH_TEST(api_token_rules)
{
    long long now = (long long)gh_now();
    char long_sub[200];
    memset(long_sub, 'a', sizeof(long_sub) - 1);
    long_sub[sizeof(long_sub) - 1] = '\0';
    struct {
        const char *typ;
        char payload[512];
        const char *why; /* NULL: accepted */
    } cases[8];
    size_t n = 0;
#define CASE(t, w, ...)                                                                            \
    do {                                                                                           \
        cases[n].typ = (t);                                                                        \
        cases[n].why = (w);                                                                        \
        snprintf(cases[n].payload, sizeof(cases[n].payload), __VA_ARGS__);                         \
        n++;                                                                                       \
    } while (0)
    CASE("at+jwt", NULL,
         "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"alice\","
         "\"client_id\":\"spa\",\"exp\":%lld,\"iat\":%lld}",
         now + 60, now);
    CASE("at+jwt", NULL,
         "{\"iss\":\"" ISS "\",\"aud\":[\"x\",\"" AUD "\"],\"sub\":\"a\","
         "\"client_id\":\"spa\",\"exp\":%lld}",
         now - LEEWAY + 5); /* expired, but inside the leeway */
    CASE("JWT", "not an access token (typ)",
         "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"a\",\"client_id\":\"c\",\"exp\":%lld}",
         now + 60);
    CASE("at+jwt", "wrong issuer",
         "{\"iss\":\"https://evil.example\",\"aud\":\"" AUD "\",\"sub\":\"a\",\"client_id\":\"c\","
         "\"exp\":%lld}",
         now + 60);
    CASE("at+jwt", "wrong audience",
         "{\"iss\":\"" ISS "\",\"aud\":\"https://other.example\",\"sub\":\"a\",\"client_id\":\"c\","
         "\"exp\":%lld}",
         now + 60);
    CASE("at+jwt", "token expired",
         "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"a\",\"client_id\":\"c\",\"exp\":%lld}",
         now - LEEWAY - 5);
    CASE("at+jwt", "token not yet valid",
         "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"a\",\"client_id\":\"c\",\"exp\":%lld,"
         "\"nbf\":%lld}",
         now + 600, now + LEEWAY + 60);
    CASE("at+jwt", "malformed claims",
         "{\"iss\":\"" ISS "\",\"aud\":\"" AUD
         "\",\"sub\":\"%s\",\"client_id\":\"c\",\"exp\":%lld}",
         long_sub, now + 60); /* a sub too long is refused, never cut */
#undef CASE
    struct gh_api_cfg cfg = {
        .issuer = ISS, .audience = AUD, .leeway = LEEWAY, .refetch_interval = 10};
    struct gh_api *api = NULL;
    struct gh_jwk *key = NULL;
    struct gh_buf tok;
    gh_buf_init(&tok, 16384);
    ASSERT_INT_EQ(gh_api_new(&cfg, &api), 0);
    ASSERT_INT_EQ(gh_jwk_generate(GH_JWA_ES256, &key), 0);
    const struct gh_jwk *keys[] = {key};
    int failed_case = -1;
    const char *got = NULL;
    for (size_t i = 0; i < n && failed_case < 0; i++) {
        const char *why = NULL;
        if (sign(key, cases[i].typ, cases[i].payload, &tok) < 0) {
            failed_case = (int)i;
            break;
        }
        int rc = gh_api_check_token(api, keys, 1, tok.p, &why);
        if (cases[i].why == NULL ? rc != 0
                                 : rc == 0 || why == NULL || strcmp(why, cases[i].why) != 0) {
            failed_case = (int)i;
            got = why;
        }
    }
    gh_buf_release(&tok);
    gh_jwk_free(key);
    gh_api_free(api);
    if (failed_case >= 0)
        GH_FAIL_("case %d: expected %s, got %s", failed_case,
                 cases[failed_case].why ? cases[failed_case].why : "accepted",
                 got ? got : "accepted");
}

GH_TEST(api_token_signature_and_key)
{
    long long now = (long long)gh_now();
    struct gh_api_cfg cfg = {
        .issuer = ISS, .audience = AUD, .leeway = LEEWAY, .refetch_interval = 10};
    struct gh_api *api = NULL;
    struct gh_jwk *key = NULL, *other = NULL;
    struct gh_buf tok;
    char payload[256];
    const char *why = NULL;
    gh_buf_init(&tok, 16384);
    snprintf(payload, sizeof(payload),
             "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"a\",\"client_id\":\"c\","
             "\"exp\":%lld}",
             now + 60);
    ASSERT_INT_EQ(gh_api_new(&cfg, &api), 0);
    ASSERT_INT_EQ(gh_jwk_generate(GH_JWA_ES256, &key), 0);
    ASSERT_INT_EQ(gh_jwk_generate(GH_JWA_EDDSA, &other), 0);
    const struct gh_jwk *keys[] = {key};
    int rc_unknown = 1, rc_tampered = 1, rc_none = 1;
    const char *why_unknown = NULL, *why_tampered = NULL;
    /* a key the API does not know */
    if (sign(other, "at+jwt", payload, &tok) == 0)
        rc_unknown = gh_api_check_token(api, keys, 1, tok.p, &why_unknown);
    /* one byte of the signature changed */
    if (sign(key, "at+jwt", payload, &tok) == 0) {
        tok.p[tok.len - 2] = tok.p[tok.len - 2] == 'A' ? 'B' : 'A';
        rc_tampered = gh_api_check_token(api, keys, 1, tok.p, &why_tampered);
    }
    /* alg none is never accepted */
    rc_none =
        gh_api_check_token(api, keys, 1, "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.e30.", &why);
    gh_buf_release(&tok);
    gh_jwk_free(key);
    gh_jwk_free(other);
    gh_api_free(api);
    ASSERT_TRUE(rc_unknown < 0);
    ASSERT_STR_EQ(why_unknown, "unknown signing key");
    ASSERT_TRUE(rc_tampered < 0);
    ASSERT_STR_EQ(why_tampered, "bad signature");
    ASSERT_TRUE(rc_none < 0);
    ASSERT_STR_EQ(why, "malformed token or algorithm not allowed");
}
