/*
 * Store conformance: one-time code setup (RFC 6238) and recovery codes,
 * on both backends: enrolment, enabling with the proving step, each step
 * once, recovery codes once, removal with the user.
 */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "store/store_test.h"

static struct gh_mfa mfa_of(const char *sub, const char *sealed, int enabled)
{
    struct gh_mfa m;
    memset(&m, 0, sizeof(m));
    snprintf(m.sub, sizeof(m.sub), "%s", sub);
    snprintf(m.secret_sealed, sizeof(m.secret_sealed), "%s", sealed);
    m.enabled = enabled;
    m.updated_at = NOW;
    return m;
}

STORE_TEST(mfa_lifecycle, 1)
{
    (void)b;
    struct gh_mfa got;
    unsigned char codes[3 * GH_SHA256_LEN], other[GH_SHA256_LEN];
    for (int i = 0; i < 3; i++)
        gh_stest_hash(40 + i, codes + i * GH_SHA256_LEN);
    gh_stest_hash(49, other);
    ASSERT_INT_EQ(gh_stest_user_add(s, "alice", "$argon2id$v=19$alice"), 0);
    ASSERT_INT_EQ(gh_store_mfa_get(s, "alice", &got), GH_ENOTFOUND);
    /* enrolment: a pending secret, not yet usable */
    struct gh_mfa m = mfa_of("alice", "00aa11bb", 0);
    ASSERT_INT_EQ(gh_store_mfa_put(s, &m), 0);
    ASSERT_INT_EQ(gh_store_mfa_get(s, "alice", &got), 0);
    ASSERT_STR_EQ(got.secret_sealed, "00aa11bb");
    ASSERT_INT_EQ(got.enabled, 0);
    ASSERT_INT_EQ(got.last_step, -1);
    ASSERT_INT_EQ(gh_store_mfa_use_step(s, "alice", 5), GH_ECONFLICT);
    /* enabled by the code of step 100, with three recovery codes */
    ASSERT_INT_EQ(gh_store_mfa_enable(s, "alice", 100, codes, 3, NOW), 0);
    ASSERT_INT_EQ(gh_store_mfa_get(s, "alice", &got), 0);
    ASSERT_INT_EQ(got.enabled, 1);
    ASSERT_INT_EQ(got.last_step, 100);
    /* each step once, and never one at or before the last */
    ASSERT_INT_EQ(gh_store_mfa_use_step(s, "alice", 100), GH_ECONFLICT);
    ASSERT_INT_EQ(gh_store_mfa_use_step(s, "alice", 99), GH_ECONFLICT);
    ASSERT_INT_EQ(gh_store_mfa_use_step(s, "alice", 101), 0);
    ASSERT_INT_EQ(gh_store_mfa_use_step(s, "alice", 101), GH_ECONFLICT);
    ASSERT_INT_EQ(gh_store_mfa_use_step(s, "bob", 200), GH_ECONFLICT);
    /* recovery codes once each */
    ASSERT_INT_EQ(gh_store_recovery_use(s, "alice", codes + GH_SHA256_LEN), 0);
    ASSERT_INT_EQ(gh_store_recovery_use(s, "alice", codes + GH_SHA256_LEN), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_recovery_use(s, "alice", other), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_recovery_use(s, "bob", codes), GH_ENOTFOUND);
    /* a new enrolment drops the old recovery codes */
    ASSERT_INT_EQ(gh_store_mfa_put(s, &m), 0);
    ASSERT_INT_EQ(gh_store_recovery_use(s, "alice", codes), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_mfa_enable(s, "alice", 7, codes, 3, NOW), 0);
    ASSERT_INT_EQ(gh_store_mfa_remove(s, "alice"), 0);
    ASSERT_INT_EQ(gh_store_mfa_remove(s, "alice"), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_recovery_use(s, "alice", codes), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_mfa_enable(s, "alice", 7, codes, 3, NOW), GH_ECONFLICT);
    /* removing the user removes the setup and its codes */
    ASSERT_INT_EQ(gh_store_mfa_put(s, &m), 0);
    ASSERT_INT_EQ(gh_store_mfa_enable(s, "alice", 7, codes, 3, NOW), 0);
    ASSERT_INT_EQ(gh_store_user_remove(s, "alice"), 0);
    ASSERT_INT_EQ(gh_store_mfa_get(s, "alice", &got), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_stest_user_add(s, "alice", "$argon2id$v=19$alice2"), 0);
    ASSERT_INT_EQ(gh_store_recovery_use(s, "alice", codes), GH_ENOTFOUND);
}

/* The account page's recovery codes: how many are left, and a new set in
 * place of the old only while the setup is enabled. */
STORE_TEST(mfa_recovery_replace, 1)
{
    (void)b;
    unsigned char codes[3 * GH_SHA256_LEN], fresh[2 * GH_SHA256_LEN];
    for (int i = 0; i < 3; i++)
        gh_stest_hash(60 + i, codes + i * GH_SHA256_LEN);
    for (int i = 0; i < 2; i++)
        gh_stest_hash(70 + i, fresh + i * GH_SHA256_LEN);
    int n = -1;
    ASSERT_INT_EQ(gh_stest_user_add(s, "alice", "$argon2id$v=19$alice"), 0);
    ASSERT_INT_EQ(gh_store_recovery_count(s, "alice", &n), 0);
    ASSERT_INT_EQ(n, 0);
    ASSERT_INT_EQ(gh_store_recovery_replace(s, "alice", fresh, 2), GH_ENOTFOUND);
    struct gh_mfa m = mfa_of("alice", "00aa11bb", 0);
    ASSERT_INT_EQ(gh_store_mfa_put(s, &m), 0);
    /* a pending enrolment has no recovery codes to replace */
    ASSERT_INT_EQ(gh_store_recovery_replace(s, "alice", fresh, 2), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_mfa_enable(s, "alice", 100, codes, 3, NOW), 0);
    ASSERT_INT_EQ(gh_store_recovery_count(s, "alice", &n), 0);
    ASSERT_INT_EQ(n, 3);
    ASSERT_INT_EQ(gh_store_recovery_use(s, "alice", codes), 0);
    ASSERT_INT_EQ(gh_store_recovery_count(s, "alice", &n), 0);
    ASSERT_INT_EQ(n, 2);
    ASSERT_INT_EQ(gh_store_recovery_replace(s, "alice", fresh, 2), 0);
    ASSERT_INT_EQ(gh_store_recovery_count(s, "alice", &n), 0);
    ASSERT_INT_EQ(n, 2);
    /* the old set is gone, the new one works, the step is untouched */
    ASSERT_INT_EQ(gh_store_recovery_use(s, "alice", codes + GH_SHA256_LEN), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_recovery_use(s, "alice", fresh + GH_SHA256_LEN), 0);
    struct gh_mfa got;
    ASSERT_INT_EQ(gh_store_mfa_get(s, "alice", &got), 0);
    ASSERT_INT_EQ(got.last_step, 100);
    ASSERT_INT_EQ(got.enabled, 1);
    ASSERT_INT_EQ(gh_store_recovery_count(s, "bob", &n), 0);
    ASSERT_INT_EQ(n, 0);
    ASSERT_INT_EQ(gh_store_mfa_remove(s, "alice"), 0);
    ASSERT_INT_EQ(gh_store_recovery_count(s, "alice", &n), 0);
    ASSERT_INT_EQ(n, 0);
    ASSERT_INT_EQ(gh_store_recovery_replace(s, "alice", fresh, 2), GH_ENOTFOUND);
}
