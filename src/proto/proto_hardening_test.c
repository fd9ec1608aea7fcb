/*
 * Regression tests for defects the hardening work (issue 10) found in the
 * protocol parsers: each case says how it was found.
 */
#include <stdio.h>
#include <string.h>

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
