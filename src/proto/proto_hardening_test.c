/*
 * Regression tests for defects the hardening work (issue 10) found in the
 * protocol parsers: each case says how it was found.
 */
#include <stdio.h>
#include <string.h>

#include "core/test.h"
#include "proto/proto.h"

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
