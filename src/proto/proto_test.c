/* Unit tests for src/proto with RFC vectors. */
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/test.h"
#include "proto/proto.h"

GH_TEST(pkce_rfc7636_appendix_b)
{
    const char *v = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const char *c = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    char out[44];
    gh_pkce_s256(v, strlen(v), out);
    ASSERT_STR_EQ(out, c);
    ASSERT_TRUE(gh_pkce_verify(v, strlen(v), c, strlen(c)));
    ASSERT_TRUE(gh_pkce_challenge_valid(c, strlen(c)));
}

GH_TEST(pkce_rejects_bad_verifiers)
{
    const char *c = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    const char *wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK";
    ASSERT_TRUE(!gh_pkce_verify(wrong, strlen(wrong), c, strlen(c)));
    ASSERT_TRUE(!gh_pkce_verifier_valid("short", 5));
    char longv[130];
    memset(longv, 'a', 129);
    longv[129] = '\0';
    ASSERT_TRUE(!gh_pkce_verifier_valid(longv, 129));
    ASSERT_TRUE(gh_pkce_verifier_valid(longv, 128));
    ASSERT_TRUE(gh_pkce_verifier_valid(longv, 43));
    ASSERT_TRUE(!gh_pkce_verifier_valid("dBjftJeZ4CVP+mB92K27uhbUJU1p1r_wW1gFWFOEjXk", 43));
    ASSERT_TRUE(!gh_pkce_challenge_valid("abc", 3));
}

GH_TEST(redirect_exact_and_loopback)
{
    ASSERT_TRUE(gh_redirect_match("https://app.example/cb", "https://app.example/cb"));
    ASSERT_TRUE(!gh_redirect_match("https://app.example/cb", "https://app.example/cb/"));
    ASSERT_TRUE(!gh_redirect_match("https://app.example/cb", "https://app.example/cb?x=1"));
    ASSERT_TRUE(!gh_redirect_match("https://app.example/cb", "https://APP.example/cb"));
    ASSERT_TRUE(gh_redirect_match("http://127.0.0.1/cb", "http://127.0.0.1:51234/cb"));
    ASSERT_TRUE(gh_redirect_match("http://127.0.0.1:9002/cb", "http://127.0.0.1:1/cb"));
    ASSERT_TRUE(gh_redirect_match("http://[::1]:80/cb", "http://[::1]:8080/cb"));
    ASSERT_TRUE(!gh_redirect_match("http://127.0.0.1/cb", "http://127.0.0.1:1/other"));
    ASSERT_TRUE(!gh_redirect_match("http://127.0.0.1/cb", "http://127.0.0.1.evil.com/cb"));
    ASSERT_TRUE(!gh_redirect_match("http://127.0.0.1/cb", "http://127.0.0.1@evil.com/cb"));
    ASSERT_TRUE(!gh_redirect_match("http://localhost/cb", "http://localhost:81/cb"));
}

GH_TEST(redirect_registration_rules)
{
    ASSERT_TRUE(gh_redirect_valid("https://app.example/cb", 0));
    ASSERT_TRUE(gh_redirect_valid("http://127.0.0.1:9002/callback", 0));
    ASSERT_TRUE(!gh_redirect_valid("http://app.example/cb", 0));
    ASSERT_TRUE(gh_redirect_valid("http://app.example/cb", 1));
    ASSERT_TRUE(!gh_redirect_valid("https://app.example/cb#frag", 0));
    ASSERT_TRUE(!gh_redirect_valid("https://user@app.example/cb", 0));
    ASSERT_TRUE(gh_redirect_valid("com.example.app:/oauth", 0));
    ASSERT_TRUE(!gh_redirect_valid("javascript:alert(1)", 0));
    char origin[128];
    ASSERT_INT_EQ(gh_uri_origin("http://127.0.0.1:9002/callback?x", origin, sizeof(origin)), 0);
    ASSERT_STR_EQ(origin, "http://127.0.0.1:9002");
}

GH_TEST(scope_rules)
{
    ASSERT_TRUE(gh_scope_valid("openid profile api"));
    ASSERT_TRUE(!gh_scope_valid("openid  profile"));
    ASSERT_TRUE(!gh_scope_valid(" openid"));
    ASSERT_TRUE(!gh_scope_valid("a\"b"));
    ASSERT_TRUE(gh_scope_subset("api", "openid profile api"));
    ASSERT_TRUE(gh_scope_subset("", "openid"));
    ASSERT_TRUE(!gh_scope_subset("api admin", "openid profile api"));
    ASSERT_TRUE(!gh_scope_subset("ap", "api"));
    ASSERT_TRUE(gh_scope_has("a b c", "c"));
}

GH_TEST(basic_auth_parse)
{
    struct gh_arena *a = gh_arena_new(1024, 65536);
    char *id, *secret;
    /* "my%20client:s%3Acret" */
    ASSERT_INT_EQ(gh_basic_parse(a, "Basic bXklMjBjbGllbnQ6cyUzQWNyZXQ=", &id, &secret), 0);
    ASSERT_STR_EQ(id, "my client");
    ASSERT_STR_EQ(secret, "s:cret");
    ASSERT_INT_EQ(gh_basic_parse(a, "Basic !!!!", &id, &secret), GH_EINVAL);
    ASSERT_INT_EQ(gh_basic_parse(a, "Bearer abc", &id, &secret), GH_EINVAL);
    ASSERT_INT_EQ(gh_basic_parse(a, "Basic bm9jb2xvbg==", &id, &secret), GH_EINVAL);
    gh_arena_free(a);
}
