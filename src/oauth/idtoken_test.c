/*
 * Unit tests for idtoken.c: at_hash vectors — the example of OpenID
 * Connect Core 1.0 A.3 (access token jHkWEd..., at_hash 77QmUP...), the
 * RS256 vector of panva's oidc-token-hash, and SHA-512 for EdDSA — and
 * id_tokens of each key type verified and decoded claim by claim; nonce
 * checks at the limits.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/test.h"
#include "oauth/idtoken.h"
#include "proto/amr.h"

GH_TEST(idtoken_at_hash_vectors)
{
    static const struct {
        enum gh_jwa alg;
        const char *token, *at_hash;
    } v[] = {
        /* OIDC Core 1.0 A.3 and A.4 (an RS256 id_token) */
        {GH_JWA_RS256, "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "77QmUPtjPfzWtF2AnpK9RQ"},
        /* the same hash for ES256 (RFC 7518 3.4: SHA-256) */
        {GH_JWA_ES256, "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "77QmUPtjPfzWtF2AnpK9RQ"},
        /* oidc-token-hash README (node-oidc-provider, openid-client) */
        {GH_JWA_RS256,
         "YmJiZTAwYmYtMzgyOC00NzhkLTkyOTItNjJjNDM3MGYzOWIy9sFhvH8K_x8UIHj1osisS57f5DduL-ar_qw5jl3"
         "lthwpMjm283aVMQXDmoqqqydDSqJfbhptzw8rUVwkuQbolw",
         "x7vk7f6BvQj0jQHYFIk4ag"},
        /* Ed25519: left half of SHA-512 (32 bytes, 43 characters) */
        {GH_JWA_EDDSA, "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y",
         "q7nS86GgvvFaZkzALLWqJYaJIKw2wCDAVfCAsm5CrBM"},
    };
    for (size_t i = 0; i < GH_ARRAY_LEN(v); i++) {
        char out[GH_AT_HASH_MAX];
        ASSERT_INT_EQ(gh_idtoken_at_hash(v[i].alg, v[i].token, strlen(v[i].token), out), 0);
        ASSERT_STR_EQ(out, v[i].at_hash);
    }
}

/* Verifies jwt with s's signer and returns its claims (json_decref). */
static json_t *verified_claims(const struct gh_snap *s, const char *jwt, char typ[32])
{
    struct gh_jws jws;
    json_t *claims = NULL;
    if (gh_jws_parse(jwt, strlen(jwt), &jws) == 0 && gh_jws_verify(s->signer, &jws) == 0 &&
        strcmp(jws.kid, gh_jwk_kid(s->signer)) == 0) {
        claims = json_loadb(jws.payload, jws.payload_len, JSON_REJECT_DUPLICATES, NULL);
        memcpy(typ, jws.typ, 32);
    }
    gh_jws_release(&jws);
    return claims;
}

static const char *str_of(const json_t *c, const char *name)
{
    return json_string_value(json_object_get(c, name));
}

static void check_signed(enum gh_jwa alg, int *gh_failed_)
{
    struct gh_snap s;
    memset(&s, 0, sizeof(s));
    snprintf(s.issuer, sizeof(s.issuer), "https://as.example");
    ASSERT_INT_EQ(gh_jwk_generate(alg, &s.signer), 0);
    const char *at = "eyJ.access.token";
    struct gh_idtoken t = {
        .sub = "alice",
        .client_id = "spa",
        .auth_time = 1700000000,
        .nonce = "n-0S6_WzA2Mj \"q\" \\ \xe2\x9c\x93",
        .sid = "sid-1",
        .amr = GH_AMR_PWD | GH_AMR_OTP,
        .access_token = at,
        .access_token_len = strlen(at),
        .now = 1700000100,
        .ttl = 300,
    };
    struct gh_buf jwt;
    gh_buf_init(&jwt, 16384);
    int rc = gh_idtoken_sign(&s, &t, &jwt);
    char typ[32] = "";
    json_t *c = rc == 0 ? verified_claims(&s, jwt.p, typ) : NULL;
    gh_buf_release(&jwt);
    gh_jwk_free(s.signer);
    ASSERT_INT_EQ(rc, 0);
    ASSERT_NOT_NULL(c);
    char want_hash[GH_AT_HASH_MAX];
    gh_idtoken_at_hash(alg, at, strlen(at), want_hash);
    int ok = strcmp(typ, "JWT") == 0 && strcmp(str_of(c, "iss"), "https://as.example") == 0 &&
             strcmp(str_of(c, "sub"), "alice") == 0 && strcmp(str_of(c, "aud"), "spa") == 0 &&
             strcmp(str_of(c, "azp"), "spa") == 0 &&
             json_integer_value(json_object_get(c, "exp")) == 1700000400 &&
             json_integer_value(json_object_get(c, "iat")) == 1700000100 &&
             json_integer_value(json_object_get(c, "auth_time")) == 1700000000 &&
             strcmp(str_of(c, "nonce"), t.nonce) == 0 && strcmp(str_of(c, "sid"), "sid-1") == 0 &&
             strcmp(str_of(c, "at_hash"), want_hash) == 0 &&
             strlen(want_hash) == (alg == GH_JWA_EDDSA ? 43u : 22u) &&
             strcmp(str_of(c, "acr"), "urn:gatehouse:acr:mfa") == 0 &&
             json_array_size(json_object_get(c, "amr")) == 2 &&
             strcmp(json_string_value(json_array_get(json_object_get(c, "amr"), 1)), "otp") == 0;
    json_decref(c);
    ASSERT_TRUE(ok);
}

GH_TEST(idtoken_signed_claims)
{
    check_signed(GH_JWA_ES256, gh_failed_);
    if (*gh_failed_)
        return;
    check_signed(GH_JWA_EDDSA, gh_failed_);
    if (*gh_failed_)
        return;
    check_signed(GH_JWA_RS256, gh_failed_);
}

/* Without nonce, sid, acr, amr and access token those claims are absent
 * (the refresh grant's id_token has no nonce, OIDC Core 12.2). */
GH_TEST(idtoken_optional_claims_absent)
{
    struct gh_snap s;
    memset(&s, 0, sizeof(s));
    snprintf(s.issuer, sizeof(s.issuer), "https://as.example");
    ASSERT_INT_EQ(gh_jwk_generate(GH_JWA_ES256, &s.signer), 0);
    struct gh_idtoken t = {
        .sub = "alice", .client_id = "spa", .auth_time = 5, .now = 10, .ttl = 60, .nonce = ""};
    struct gh_buf jwt;
    gh_buf_init(&jwt, 16384);
    int rc = gh_idtoken_sign(&s, &t, &jwt);
    char typ[32] = "";
    json_t *c = rc == 0 ? verified_claims(&s, jwt.p, typ) : NULL;
    gh_buf_release(&jwt);
    struct gh_idtoken bad = {.client_id = "spa"}; /* no sub */
    struct gh_buf b2;
    gh_buf_init(&b2, 1024);
    int rc2 = gh_idtoken_sign(&s, &bad, &b2);
    gh_buf_release(&b2);
    gh_jwk_free(s.signer);
    ASSERT_INT_EQ(rc, 0);
    ASSERT_NOT_NULL(c);
    int ok = json_object_get(c, "nonce") == NULL && json_object_get(c, "sid") == NULL &&
             json_object_get(c, "at_hash") == NULL && json_object_get(c, "amr") == NULL &&
             json_object_get(c, "acr") == NULL &&
             json_integer_value(json_object_get(c, "auth_time")) == 5;
    json_decref(c);
    ASSERT_TRUE(ok);
    ASSERT_INT_EQ(rc2, GH_EINVAL);
}

GH_TEST(idtoken_nonce_limits)
{
    char max[GH_NONCE_MAX + 1];
    memset(max, 'n', sizeof(max));
    max[GH_NONCE_MAX - 1] = '\0';
    ASSERT_TRUE(gh_idtoken_nonce_ok(max)); /* 255 bytes */
    max[GH_NONCE_MAX - 1] = 'n';
    max[GH_NONCE_MAX] = '\0';
    ASSERT_TRUE(!gh_idtoken_nonce_ok(max)); /* 256: refused, never cut */
    ASSERT_TRUE(gh_idtoken_nonce_ok("abc \xc3\xa9 \"x\""));
    ASSERT_TRUE(!gh_idtoken_nonce_ok(""));
    ASSERT_TRUE(!gh_idtoken_nonce_ok("a\nb"));
    ASSERT_TRUE(!gh_idtoken_nonce_ok("a\x7f"));
    ASSERT_TRUE(!gh_idtoken_nonce_ok("bad \xc3("));    /* broken UTF-8 */
    ASSERT_TRUE(!gh_idtoken_nonce_ok("\xed\xa0\x80")); /* a surrogate */
}
