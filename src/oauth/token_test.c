/*
 * The token endpoint's pure helpers: the grant table as discovery, the
 * CLI and dispatch read it (who may use which grant type, RFC 6749 4.4 and
 * 5.2), refresh-token store keys (common.c gh_refresh_key: what a
 * presented token is looked up by) and the facts a rotation is judged on
 * (gh_refresh_facts, proto/grant.h).
 */
#include <stdio.h>
#include <string.h>

#include "oauth/oauth.h"
#include "core/test.h"
#include "core/err.h"

GH_TEST(grant_table_rows)
{
    static const char *const names[] = {"authorization_code", "refresh_token",
                                        "client_credentials"};
    size_t n = 0;
    while (gh_grant_type_name(n) != NULL)
        n++;
    ASSERT_INT_EQ((int64_t)n, (int64_t)GH_ARRAY_LEN(names));
    for (size_t i = 0; i < n; i++) {
        ASSERT_STR_EQ(gh_grant_type_name(i), names[i]);
        ASSERT_INT_EQ(gh_grant_type_find(names[i]), (int64_t)i);
    }
    ASSERT_INT_EQ(gh_grant_type_find("password"), -1);
    ASSERT_INT_EQ(gh_grant_type_find("client_credentials "), -1);
    ASSERT_INT_EQ(gh_grant_type_find(""), -1);
}

GH_TEST(grant_table_who_may_use_it)
{
    int code = gh_grant_type_find("authorization_code");
    int cc = gh_grant_type_find("client_credentials");
    ASSERT_TRUE(code >= 0 && cc >= 0);
    /* the defaults of each kind (""): client_credentials for confidential
     * clients only */
    ASSERT_INT_EQ(gh_grant_type_use((size_t)code, 1, ""), GH_GRANT_USE_OK);
    ASSERT_INT_EQ(gh_grant_type_use((size_t)cc, 1, ""), GH_GRANT_USE_CONFIDENTIAL);
    ASSERT_INT_EQ(gh_grant_type_use((size_t)cc, 0, ""), GH_GRANT_USE_OK);
    /* a registered list */
    ASSERT_INT_EQ(gh_grant_type_use((size_t)code, 0, "client_credentials"),
                  GH_GRANT_USE_NOT_LISTED);
    ASSERT_INT_EQ(gh_grant_type_use((size_t)cc, 0, "client_credentials"), GH_GRANT_USE_OK);
    ASSERT_INT_EQ(gh_grant_type_use((size_t)cc, 1, "client_credentials"),
                  GH_GRANT_USE_CONFIDENTIAL);
}

GH_TEST(refresh_key_of_a_presented_token)
{
    char tok[GH_REFRESH_LEN + 1], bad[GH_REFRESH_LEN + 2];
    unsigned char key[GH_SHA256_LEN], again[GH_SHA256_LEN], other[GH_SHA256_LEN];
    ASSERT_INT_EQ(gh_refresh_new(tok, key), 0);
    ASSERT_INT_EQ((int64_t)strlen(tok), GH_REFRESH_LEN);
    ASSERT_INT_EQ(gh_refresh_key(tok, again), 0);
    ASSERT_MEM_EQ(again, key, sizeof(key));
    /* one character changed: another key (one in the middle: the last
     * one's low bits may be padding that decodes to the same bytes) */
    memcpy(bad, tok, sizeof(tok));
    bad[GH_REFRESH_LEN / 2] = bad[GH_REFRESH_LEN / 2] == 'A' ? 'B' : 'A';
    ASSERT_INT_EQ(gh_refresh_key(bad, other), 0);
    ASSERT_TRUE(memcmp(other, key, sizeof(key)) != 0);
    /* never one of ours: wrong length or alphabet */
    bad[GH_REFRESH_LEN - 1] = '+';
    ASSERT_INT_EQ(gh_refresh_key(bad, other), GH_EINVAL);
    ASSERT_INT_EQ(gh_refresh_key("", other), GH_EINVAL);
    snprintf(bad, sizeof(bad), "%sA", tok);
    ASSERT_INT_EQ(gh_refresh_key(bad, other), GH_EINVAL);
    bad[GH_REFRESH_LEN - 1] = '\0';
    ASSERT_INT_EQ(gh_refresh_key(bad, other), GH_EINVAL);
    /* a later token sorts after: the key starts with its issue time */
    char later[GH_REFRESH_LEN + 1];
    unsigned char later_key[GH_SHA256_LEN];
    ASSERT_INT_EQ(gh_refresh_new(later, later_key), 0);
    ASSERT_TRUE(memcmp(later_key, key, 8) >= 0);
}

GH_TEST(refresh_facts_of_a_stored_token)
{
    struct gh_refresh t;
    memset(&t, 0, sizeof(t));
    snprintf(t.client_id, sizeof(t.client_id), "spa");
    t.state = GH_RT_ROTATED;
    t.rotated_at = 100;
    t.idle_expires_at = 200;
    t.abs_expires_at = 300;
    struct gh_rt_facts f = gh_refresh_facts(&t, "spa");
    ASSERT_INT_EQ(f.found, 1);
    ASSERT_INT_EQ(f.state, GH_RT_ROTATED);
    ASSERT_INT_EQ(f.rotated_at, 100);
    ASSERT_INT_EQ(f.idle_expires_at, 200);
    ASSERT_INT_EQ(f.abs_expires_at, 300);
    ASSERT_INT_EQ(f.family_revoked, 0);
    ASSERT_INT_EQ(f.other_client, 0);
    /* the successor facts are the store's to fill */
    ASSERT_INT_EQ(f.own_successor + f.successor_active + f.successor_wrapped, 0);
    t.family_revoked_at = 150;
    f = gh_refresh_facts(&t, "other");
    ASSERT_INT_EQ(f.family_revoked, 1);
    ASSERT_INT_EQ(f.other_client, 1);
    /* no client binding (introspection) */
    ASSERT_INT_EQ(gh_refresh_facts(&t, NULL).other_client, 0);
}
