/*
 * Refresh tokens (common.c): the successor wrapped for the reuse grace
 * window opens only with the token it was rotated from, for that token's
 * row, and unaltered (docs/security.md 4.14).
 */
#include <string.h>

#include "oauth/oauth.h"
#include "core/test.h"
#include "core/err.h"

GH_TEST(refresh_wrap_opens_only_with_its_token)
{
    char old[GH_REFRESH_LEN + 1], next[GH_REFRESH_LEN + 1], other[GH_REFRESH_LEN + 1];
    char got[GH_REFRESH_LEN + 1];
    unsigned char old_key[GH_SHA256_LEN], next_key[GH_SHA256_LEN], other_key[GH_SHA256_LEN];
    unsigned char wrap[GH_RT_WRAP_LEN];
    ASSERT_INT_EQ(gh_refresh_new(old, old_key), 0);
    ASSERT_INT_EQ(gh_refresh_new(next, next_key), 0);
    ASSERT_INT_EQ(gh_refresh_new(other, other_key), 0);
    ASSERT_INT_EQ(gh_refresh_wrap(old, old_key, next, wrap), 0);
    ASSERT_TRUE(memmem(wrap, sizeof(wrap), next, 16) == NULL);
    ASSERT_INT_EQ(gh_refresh_unwrap(old, old_key, wrap, got), 0);
    ASSERT_STR_EQ(got, next);
    /* the store holds old_key and the wrap, never old: without it, nothing */
    ASSERT_INT_EQ(gh_refresh_unwrap(other, old_key, wrap, got), GH_ECRYPTO);
    ASSERT_STR_EQ(got, "");
    /* bound to its row: moved to another token's row it does not open */
    ASSERT_INT_EQ(gh_refresh_unwrap(old, other_key, wrap, got), GH_ECRYPTO);
    wrap[GH_RT_WRAP_LEN / 2] ^= 1;
    ASSERT_INT_EQ(gh_refresh_unwrap(old, old_key, wrap, got), GH_ECRYPTO);
    ASSERT_INT_EQ(gh_refresh_wrap(old, old_key, "short", wrap), GH_EINVAL);
}
