/*
 * Regression tests for defects the hardening work (docs/security.md) found in the
 * protocol parsers: each case says how it was found.
 */
#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "core/test.h"
#include "proto/proto.h"
#include "core/err.h"

/* fuzz_scope_pkce: gh_scope_subset copied each token into a 256-byte
 * buffer and refused any longer token, even one the client may use. */
GH_TEST(scope_subset_long_token)
{
    char tok[301], allowed[400];
    memset(tok, 'a', 300);
    tok[300] = '\0';
    ASSERT_TRUE(gh_scope_valid(tok));
    ASSERT_INT_EQ(gh_scope_subset(tok, tok), 1);
    snprintf(allowed, sizeof(allowed), "openid %s admin", tok);
    ASSERT_INT_EQ(gh_scope_subset(tok, allowed), 1);
    ASSERT_INT_EQ(gh_scope_subset(tok, "openid admin"), 0);
    tok[299] = 'b';
    ASSERT_INT_EQ(gh_scope_subset(tok, allowed), 0);
}

/* Found while writing the fuzz_redirect invariants: plain http is for
 * loopback hosts only (RFC 9700 2.6, RFC 8252 7.3), but any host name that
 * merely started with "localhost" was accepted for registration. */
GH_TEST(redirect_http_only_for_loopback)
{
    ASSERT_INT_EQ(gh_redirect_valid("http://localhost.evil.example/cb", 0), 0);
    ASSERT_INT_EQ(gh_redirect_valid("http://localhostevil.example/cb", 0), 0);
    ASSERT_INT_EQ(gh_redirect_valid("http://localhost/cb", 0), 1);
    ASSERT_INT_EQ(gh_redirect_valid("http://localhost:8080/cb", 0), 1);
    ASSERT_INT_EQ(gh_redirect_valid("http://localhost?x=1", 0), 1);
    ASSERT_INT_EQ(gh_redirect_valid("http://127.0.0.1:53211/cb", 0), 1);
    ASSERT_INT_EQ(gh_redirect_valid("http://[::1]/cb", 0), 1);
    ASSERT_INT_EQ(gh_redirect_valid("http://127.0.0.1.evil.example/cb", 0), 0);
    ASSERT_INT_EQ(gh_redirect_valid("http://app.example.com/cb", 0), 0);
    ASSERT_INT_EQ(gh_redirect_valid("http://app.example.com/cb", 1), 1);
    ASSERT_INT_EQ(gh_redirect_valid("https://localhost.evil.example/cb", 0), 1);
}

/* "admin.read" 47 times passed the subset check and was cut at 511 bytes
 * into a scope ending in "admin", which the client was not registered for.
 * The grant rule drops duplicates and never truncates. */
GH_TEST(scope_grant_never_truncates)
{
    char req[1024] = "", out[512];
    for (int i = 0; i < 47; i++)
        snprintf(req + strlen(req), sizeof(req) - strlen(req), "%sadmin.read", i ? " " : "");
    ASSERT_TRUE(strlen(req) > 511);
    ASSERT_INT_EQ(gh_scope_grant(req, "openid admin.read", out, sizeof(out)), 0);
    ASSERT_STR_EQ(out, "admin.read");
    /* a result that cannot be held whole is refused, never cut */
    char big[600];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[300] = ' ';
    ASSERT_INT_EQ(gh_scope_grant(big, NULL, out, sizeof(out)), GH_ENOMEM);
    ASSERT_STR_EQ(out, "");
    ASSERT_INT_EQ(gh_scope_grant("aaa bbb", NULL, out, 8), 0);
    ASSERT_STR_EQ(out, "aaa bbb");
    ASSERT_INT_EQ(gh_scope_grant("aaa bbb", NULL, out, 7), GH_ENOMEM);
    ASSERT_STR_EQ(out, "");
    ASSERT_INT_EQ(gh_scope_grant("aaa bbb", NULL, out, 0), GH_ENOMEM);
}

GH_TEST(scope_grant_rules)
{
    char out[64];
    ASSERT_INT_EQ(gh_scope_grant("api openid api api", "openid api", out, sizeof(out)), 0);
    ASSERT_STR_EQ(out, "api openid");
    ASSERT_INT_EQ(gh_scope_grant("api admin", "openid api", out, sizeof(out)), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_scope_grant("ap", "api", out, sizeof(out)), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_scope_grant("api", "apis", out, sizeof(out)), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_scope_grant("", "api", out, sizeof(out)), GH_EINVAL);
    ASSERT_INT_EQ(gh_scope_grant("api  openid", "openid api", out, sizeof(out)), GH_EINVAL);
    ASSERT_INT_EQ(gh_scope_grant("api\"", NULL, out, sizeof(out)), GH_EINVAL);
    /* order kept, registration's duplicates do not matter */
    ASSERT_INT_EQ(gh_scope_grant("b a", "a a b", out, sizeof(out)), 0);
    ASSERT_STR_EQ(out, "b a");
    /* a token that is a prefix of an earlier one is not a duplicate */
    ASSERT_INT_EQ(gh_scope_grant("api ap api", NULL, out, sizeof(out)), 0);
    ASSERT_STR_EQ(out, "api ap");
}

/* Client secrets are stored as unsalted SHA-256, which is enough only for
 * secrets that cannot be guessed: obviously guessable ones are refused at
 * registration, random ones of the usual alphabets pass. */
GH_TEST(client_secret_weak)
{
    static const char *const weak[] = {
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "abababababababababababababababababababab",
        "secret12secret12secret12secret12secret12", "passwordpasswordpasswordpassword1",
        "abcdefghijklmnopqrstuvwxyz0123456789",     "0123456789abcdef0123456789abcdef",
        "zyxwvutsrqponmlkjihgfedcba9876543210",     "backend-secret-0123456789-abcdefghijkl",
    };
    for (size_t i = 0; i < GH_ARRAY_LEN(weak); i++)
        if (gh_secret_weak(weak[i], strlen(weak[i])) == NULL)
            GH_FAIL_("'%s' passed", weak[i]);
    static const char *const good[] = {
        "9f86d081884c7d659a2feaa0c55ad015", /* hex, 128 bits */
        "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        "k3TQpWm0xV9ZcL2rYs8HbN4uJf7GdE1aQ6oPiR5tXwA", /* base64url, 256 bits */
        "83920175463920184756302918475610",            /* decimal digits */
        "correct horse battery staple long",           /* a passphrase */
        "backend-secret-Vq7Lx2Rk9Tz4Hm8Pw3Nd6",
    };
    for (size_t i = 0; i < GH_ARRAY_LEN(good); i++) {
        const char *why = gh_secret_weak(good[i], strlen(good[i]));
        if (why != NULL)
            GH_FAIL_("'%s' refused: %s", good[i], why);
    }
    /* random secrets of each alphabet: never refused */
    static const char *const alphabets[] = {"0123456789abcdef", "0123456789",
                                            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                            "0123456789-_"};
    for (size_t a = 0; a < GH_ARRAY_LEN(alphabets); a++) {
        size_t k = strlen(alphabets[a]);
        for (int round = 0; round < 2000; round++) {
            unsigned char raw[32];
            char s[33];
            gh_rand_bytes(raw, sizeof(raw));
            for (size_t i = 0; i < 32; i++)
                s[i] = alphabets[a][raw[i] % k];
            s[32] = '\0';
            const char *why = gh_secret_weak(s, 32);
            if (why != NULL)
                GH_FAIL_("random '%s' refused: %s", s, why);
        }
    }
}
