/*
 * Grant decisions (grant.c), table-driven: each row is the facts about a
 * presented code or refresh token, the time and the grace window, and the
 * outcome RFC 6749 4.1.2 / 6, RFC 7636 4.6 and RFC 9700 4.5 / 4.14.2 ask for;
 * and the scope a grant carries (RFC 6749 3.3, 6).
 */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/test.h"
#include "proto/grant.h"
#include "proto/proto.h"

#define T0 1700000000
/* RFC 7636 appendix B */
#define VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

GH_TEST(grant_code_binding)
{
    static const struct {
        const char *client, *redirect, *verifier;
        enum gh_code_binding want;
    } rows[] = {
        {"spa", "https://app/cb", VERIFIER, GH_BIND_OK},
        {"other", "https://app/cb", VERIFIER, GH_BIND_CLIENT},
        {"spa", "https://app/cb/", VERIFIER, GH_BIND_REDIRECT},
        {"spa", "https://app/cb", VERIFIER "x", GH_BIND_VERIFIER},
        /* the client is judged first: another client learns nothing more */
        {"other", "https://evil/cb", "wrong-verifier-wrong-verifier-wrong-verifier",
         GH_BIND_CLIENT},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        enum gh_code_binding b = gh_grant_code_binding(
            "spa", "https://app/cb", CHALLENGE, rows[i].client, rows[i].redirect, rows[i].verifier);
        if (b != rows[i].want)
            GH_FAIL_("row %zu: binding %d, want %d", i, (int)b, (int)rows[i].want);
    }
}

GH_TEST(grant_redeem_table)
{
    static const struct {
        const char *name;
        struct gh_code_facts f;
        enum gh_redeem_result want;
    } rows[] = {
        {"unknown", {0, 0, 0, GH_BIND_OK, 0}, GH_REDEEM_INVALID},
        {"live, bound", {1, 0, T0 + 60, GH_BIND_OK, 0}, GH_REDEEM_OK},
        {"expires this second", {1, 0, T0, GH_BIND_OK, 0}, GH_REDEEM_EXPIRED},
        {"expired", {1, 0, T0 - 1, GH_BIND_OK, 0}, GH_REDEEM_EXPIRED},
        {"another client", {1, 0, T0 + 60, GH_BIND_CLIENT, 0}, GH_REDEEM_WRONG_CLIENT},
        {"another redirect", {1, 0, T0 + 60, GH_BIND_REDIRECT, 0}, GH_REDEEM_WRONG_REDIRECT},
        {"bad verifier", {1, 0, T0 + 60, GH_BIND_VERIFIER, 0}, GH_REDEEM_WRONG_VERIFIER},
        {"replayed by its client", {1, T0 - 5, T0 + 60, GH_BIND_OK, 0}, GH_REDEEM_REPLAYED},
        {"replayed after expiry", {1, T0 - 90, T0 - 30, GH_BIND_OK, 0}, GH_REDEEM_REPLAYED},
        {"own earlier write", {1, T0, T0 + 60, GH_BIND_OK, 1}, GH_REDEEM_OK},
        /* a used code presented by anyone but its client changes nothing */
        {"used, another client", {1, T0 - 5, T0 + 60, GH_BIND_CLIENT, 0}, GH_REDEEM_WRONG_CLIENT},
        {"used, another redirect",
         {1, T0 - 5, T0 + 60, GH_BIND_REDIRECT, 0},
         GH_REDEEM_WRONG_REDIRECT},
        {"used, no verifier", {1, T0 - 5, T0 + 60, GH_BIND_VERIFIER, 0}, GH_REDEEM_WRONG_VERIFIER},
        {"expired, another client", {1, 0, T0 - 1, GH_BIND_CLIENT, 0}, GH_REDEEM_WRONG_CLIENT},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        enum gh_redeem_result got = gh_grant_redeem(&rows[i].f, T0);
        if (got != rows[i].want)
            GH_FAIL_("%s: outcome %d, want %d", rows[i].name, (int)got, (int)rows[i].want);
    }
}

/* facts: found, state, rotated_at, idle_expires_at, abs_expires_at,
 * family_revoked, other_client, own_successor, successor_active,
 * successor_wrapped */
#define LIVE(state, rotated) 1, state, rotated, T0 + 3600, T0 + 86400
#define NEXT 1, 1 /* rotated to a successor still active, kept wrapped */
#define NONE 0, 0 /* no successor known */
GH_TEST(grant_rotate_table)
{
    static const struct {
        const char *name;
        struct gh_rt_facts f;
        int64_t grace;
        enum gh_rotate_result want;
    } rows[] = {
        {"unknown", {0, 0, 0, 0, 0, 0, 0, 0, NONE}, 0, GH_ROTATE_INVALID},
        {"active", {LIVE(GH_RT_ACTIVE, 0), 0, 0, 0, NONE}, 0, GH_ROTATE_OK},
        {"active, grace on", {LIVE(GH_RT_ACTIVE, 0), 0, 0, 0, NONE}, 10, GH_ROTATE_OK},
        {"another client", {LIVE(GH_RT_ACTIVE, 0), 0, 1, 0, NONE}, 0, GH_ROTATE_WRONG_CLIENT},
        {"family revoked", {LIVE(GH_RT_ACTIVE, 0), 1, 0, 0, NONE}, 0, GH_ROTATE_REVOKED},
        {"token revoked", {LIVE(GH_RT_REVOKED, 0), 0, 0, 0, NONE}, 10, GH_ROTATE_REVOKED},
        {"revoked before reuse",
         {LIVE(GH_RT_ROTATED, T0 - 1), 1, 0, 0, NONE},
         0,
         GH_ROTATE_REVOKED},
        {"absolute expiry",
         {1, GH_RT_ACTIVE, 0, T0 + 3600, T0, 0, 0, 0, NONE},
         0,
         GH_ROTATE_EXPIRED},
        {"idle expiry", {1, GH_RT_ACTIVE, 0, T0, T0 + 86400, 0, 0, 0, NONE}, 0, GH_ROTATE_IDLE},
        /* idle expiry is the active token's: a rotated one is judged as reuse */
        {"rotated, idle over",
         {1, GH_RT_ROTATED, T0 - 50, T0 - 1, T0 + 86400, 0, 0, 0, NONE},
         0,
         GH_ROTATE_REUSED},
        {"rotated, no grace", {LIVE(GH_RT_ROTATED, T0), 0, 0, 0, NEXT}, 0, GH_ROTATE_REUSED},
        {"rotated, in the window",
         {LIVE(GH_RT_ROTATED, T0 - 3), 0, 0, 0, NEXT},
         10,
         GH_ROTATE_GRACE},
        {"rotated, window's last second",
         {LIVE(GH_RT_ROTATED, T0 - 10), 0, 0, 0, NEXT},
         10,
         GH_ROTATE_GRACE},
        {"rotated, after the window",
         {LIVE(GH_RT_ROTATED, T0 - 11), 0, 0, 0, NEXT},
         10,
         GH_ROTATE_REUSED},
        /* inside the window, but an answer would start a second branch */
        {"successor rotated on",
         {LIVE(GH_RT_ROTATED, T0 - 3), 0, 0, 0, 0, 1},
         10,
         GH_ROTATE_REUSED},
        {"successor not kept", {LIVE(GH_RT_ROTATED, T0 - 3), 0, 0, 0, 1, 0}, 10, GH_ROTATE_REUSED},
        {"window over, successor live",
         {LIVE(GH_RT_ROTATED, T0 - 60), 0, 0, 0, NEXT},
         10,
         GH_ROTATE_REUSED},
        {"own earlier write", {LIVE(GH_RT_ROTATED, T0), 0, 0, 1, NEXT}, 0, GH_ROTATE_OK},
        {"own write, window over", {LIVE(GH_RT_ROTATED, T0 - 60), 0, 0, 1, NEXT}, 10, GH_ROTATE_OK},
        {"revoked family, in the window",
         {LIVE(GH_RT_ROTATED, T0 - 3), 1, 0, 0, NEXT},
         10,
         GH_ROTATE_REVOKED},
        {"another client, in the window",
         {LIVE(GH_RT_ROTATED, T0 - 3), 0, 1, 0, NEXT},
         10,
         GH_ROTATE_WRONG_CLIENT},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        enum gh_rotate_result got = gh_grant_rotate(&rows[i].f, T0, rows[i].grace);
        if (got != rows[i].want)
            GH_FAIL_("%s: outcome %d, want %d", rows[i].name, (int)got, (int)rows[i].want);
    }
}

GH_TEST(grant_scope_table)
{
    static const struct {
        const char *requested, *granted, *registered;
        int rc;
        const char *want;
    } rows[] = {
        {NULL, "openid api", "openid profile api admin", 0, "openid api"},
        {"api", "openid api", "openid profile api admin", 0, "api"},
        {"api api openid", "openid api", "openid api", 0, "api openid"},
        /* RFC 6749 6: never wider than granted, even when registered */
        {"openid api admin", "openid api", "openid profile api admin", GH_EINVAL, ""},
        {"profile", "openid api", "openid profile api admin", GH_EINVAL, ""},
        /* a scope removed from the client is no longer granted */
        {NULL, "openid api", "openid profile", 0, "openid"},
        {"openid", "openid api", "openid profile", 0, "openid"},
        {"openid api", "openid api", "openid profile", GH_EINVAL, ""},
        {"api", "openid api", "openid profile", GH_EINVAL, ""},
        /* nothing left */
        {NULL, "api", "openid profile", GH_EINVAL, ""},
        {NULL, "api", "", GH_EINVAL, ""},
        /* malformed requests */
        {"", "openid api", "openid api", GH_EINVAL, ""},
        {"openid  api", "openid api", "openid api", GH_EINVAL, ""},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char out[64] = "";
        int rc = gh_grant_scope(rows[i].requested, rows[i].granted, rows[i].registered, out,
                                sizeof(out));
        if (rc != rows[i].rc || (rc == 0 && strcmp(out, rows[i].want) != 0))
            GH_FAIL_("row %zu: rc %d scope \"%s\", want %d \"%s\"", i, rc, out, rows[i].rc,
                     rows[i].want);
    }
}

GH_TEST(scope_intersect)
{
    char out[17];
    ASSERT_INT_EQ(gh_scope_intersect("a b c", "c a", out, sizeof(out)), 0);
    ASSERT_STR_EQ(out, "a c");
    ASSERT_INT_EQ(gh_scope_intersect("a a b", "a b", out, sizeof(out)), 0);
    ASSERT_STR_EQ(out, "a b");
    ASSERT_INT_EQ(gh_scope_intersect("a", "b", out, sizeof(out)), 0);
    ASSERT_STR_EQ(out, "");
    ASSERT_INT_EQ(gh_scope_intersect("", "b", out, sizeof(out)), 0);
    ASSERT_STR_EQ(out, "");
    /* a token is never cut: too little room is an error */
    ASSERT_INT_EQ(gh_scope_intersect("abcdefgh ijklmnop", "abcdefgh ijklmnop", out, sizeof(out)),
                  GH_EINVAL);
    ASSERT_INT_EQ(gh_scope_intersect("abcdefgh ijklmno", "abcdefgh ijklmno", out, sizeof(out)), 0);
    ASSERT_STR_EQ(out, "abcdefgh ijklmno");
}

GH_TEST(grant_use_per_client)
{
    static const struct {
        const char *allowed;
        int is_public;
        const char *type;
        int confidential_only;
        enum gh_grant_use want;
    } rows[] = {
        /* no list: what the client's kind may use */
        {"", 1, "authorization_code", 0, GH_GRANT_USE_OK},
        {"", 1, "client_credentials", 1, GH_GRANT_USE_CONFIDENTIAL},
        {"", 0, "client_credentials", 1, GH_GRANT_USE_OK},
        /* a list: only what it names, whole words */
        {"authorization_code refresh_token", 0, "refresh_token", 0, GH_GRANT_USE_OK},
        {"authorization_code refresh_token", 0, "client_credentials", 1, GH_GRANT_USE_NOT_LISTED},
        {"client_credentials", 0, "authorization_code", 0, GH_GRANT_USE_NOT_LISTED},
        {"client_credentials", 0, "client_credentials", 1, GH_GRANT_USE_OK},
        {"refresh_token_x", 0, "refresh_token", 0, GH_GRANT_USE_NOT_LISTED},
        {"x_refresh_token", 0, "refresh_token", 0, GH_GRANT_USE_NOT_LISTED},
        {"  refresh_token  ", 0, "refresh_token", 0, GH_GRANT_USE_OK},
        /* a public client never gets a confidential-only grant, listed or not */
        {"client_credentials", 1, "client_credentials", 1, GH_GRANT_USE_CONFIDENTIAL},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        enum gh_grant_use u = gh_grant_use(rows[i].allowed, rows[i].is_public, rows[i].type,
                                           rows[i].confidential_only);
        if (u != rows[i].want)
            GH_FAIL_("row %zu: use %d, want %d", i, (int)u, (int)rows[i].want);
    }
}
