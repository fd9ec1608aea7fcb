/*
 * Unit tests for backchannel.c: the logout token of Back-Channel Logout
 * 1.0 section 2.4 — typ logout+jwt, signed by the active key, exactly the
 * claims iss, aud, iat, exp, jti, sub, sid and events with the logout
 * event as an empty object, no nonce, a fresh jti each time — for each key
 * type; an id_token_hint check refuses it; and the retry backoff.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/test.h"
#include "oauth/backchannel.h"
#include "oauth/idtoken.h"

/* The claims of jwt when s's signer verifies it, with its typ. */
static json_t *verified(const struct gh_snap *s, const char *jwt, char typ[32])
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

static int claims_ok(const json_t *c, const char *jti)
{
    const char *names[] = {"iss", "aud", "iat", "exp", "jti", "sub", "sid", "events"};
    json_t *events = json_object_get(c, "events");
    json_t *ev = json_object_get(events, GH_LOGOUT_EVENT);
    int ok = json_object_size(c) == GH_ARRAY_LEN(names);
    for (size_t i = 0; i < GH_ARRAY_LEN(names); i++)
        ok = ok && json_object_get(c, names[i]) != NULL;
    return ok && json_object_get(c, "nonce") == NULL &&
           strcmp(json_string_value(json_object_get(c, "iss")), "https://as.example") == 0 &&
           strcmp(json_string_value(json_object_get(c, "aud")), "rp \"1\"") == 0 &&
           strcmp(json_string_value(json_object_get(c, "sub")), "alice") == 0 &&
           strcmp(json_string_value(json_object_get(c, "sid")), "sid-xyz") == 0 &&
           strcmp(json_string_value(json_object_get(c, "jti")), jti) == 0 &&
           json_integer_value(json_object_get(c, "iat")) == 1700000000 &&
           json_integer_value(json_object_get(c, "exp")) == 1700000000 + GH_LOGOUT_TOKEN_TTL &&
           json_object_size(events) == 1 && json_is_object(ev) && json_object_size(ev) == 0;
}

static void check_alg(enum gh_jwa alg, int *gh_failed_)
{
    struct gh_snap s;
    memset(&s, 0, sizeof(s));
    snprintf(s.issuer, sizeof(s.issuer), "https://as.example");
    ASSERT_INT_EQ(gh_jwk_generate(alg, &s.signer), 0);
    s.keys = &s.signer;
    s.n_keys = 1;
    struct gh_buf a, b;
    gh_buf_init(&a, 16384);
    gh_buf_init(&b, 16384);
    char jti[23] = "", jti2[23] = "", typ[32] = "";
    int rc = gh_logout_token_sign(&s, "rp \"1\"", "alice", "sid-xyz", 1700000000, &a, jti);
    int rc2 = gh_logout_token_sign(&s, "rp \"1\"", "alice", "sid-xyz", 1700000000, &b, jti2);
    json_t *c = rc == 0 ? verified(&s, a.p, typ) : NULL;
    int ok = c != NULL && strcmp(typ, "logout+jwt") == 0 && claims_ok(c, jti);
    /* a logout token is no id_token: typ tells them apart */
    struct gh_idtoken_hint hint;
    int as_hint = rc == 0 ? gh_idtoken_hint_verify(&s, a.p, &hint) : 0;
    json_decref(c);
    gh_buf_release(&a);
    gh_buf_release(&b);
    gh_jwk_free(s.signer);
    ASSERT_INT_EQ(rc, 0);
    ASSERT_INT_EQ(rc2, 0);
    ASSERT_TRUE(ok);
    ASSERT_INT_EQ((int)strlen(jti), 22);
    ASSERT_TRUE(strcmp(jti, jti2) != 0); /* a fresh jti each time */
    ASSERT_INT_EQ(as_hint, GH_EINVAL);
}

GH_TEST(logout_token_claims)
{
    check_alg(GH_JWA_ES256, gh_failed_);
    if (*gh_failed_)
        return;
    check_alg(GH_JWA_EDDSA, gh_failed_);
    if (*gh_failed_)
        return;
    check_alg(GH_JWA_RS256, gh_failed_);
}

GH_TEST(logout_token_needs_a_key)
{
    struct gh_snap s;
    memset(&s, 0, sizeof(s));
    struct gh_buf b;
    gh_buf_init(&b, 1024);
    char jti[23];
    int rc = gh_logout_token_sign(&s, "rp", "alice", "sid", 1, &b, jti);
    size_t len = b.len;
    gh_buf_release(&b);
    ASSERT_TRUE(rc < 0);
    ASSERT_INT_EQ((int)len, 0);
}

/* base seconds doubled per earlier failure: with the default 10 s the five
 * tries come at 0, 10, 30, 70 and 150 s (at least 3 tries over 30 s) */
GH_TEST(backchannel_backoff)
{
    ASSERT_INT_EQ((int)gh_bcl_backoff_ms(10, 1), 10000);
    ASSERT_INT_EQ((int)gh_bcl_backoff_ms(10, 2), 20000);
    ASSERT_INT_EQ((int)gh_bcl_backoff_ms(10, 4), 80000);
    ASSERT_INT_EQ((int)gh_bcl_backoff_ms(1, 3), 4000);
    int64_t total = 0;
    for (int t = 1; t < GH_BCL_TRIES; t++)
        total += gh_bcl_backoff_ms(10, t);
    ASSERT_TRUE(GH_BCL_TRIES >= 3 && total >= 30000);
    ASSERT_TRUE(gh_bcl_backoff_ms(1, 1000) <= (int64_t)1000 << 16); /* no overflow */
}
