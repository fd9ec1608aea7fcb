/* Unit tests for src/core/password.c: the parameters of a stored hash, and
 * the dummy hash unknown user names are verified against. */
#include <stdint.h>
#include <string.h>

#include "core/clock.h"
#include "core/password.h"
#include "core/test.h"
#include "core/err.h"

GH_TEST(password_params_of_a_hash)
{
    const struct gh_argon2_params in = {3, 8192, 2};
    struct gh_argon2_params out = {0, 0, 0};
    char hash[160];
    ASSERT_INT_EQ(gh_password_hash(&in, "a password", 10, hash, sizeof(hash)), 0);
    ASSERT_INT_EQ(gh_password_params(hash, &out), 0);
    ASSERT_INT_EQ(out.t_cost, 3);
    ASSERT_INT_EQ(out.m_cost, 8192);
    ASSERT_INT_EQ(out.threads, 2);
    ASSERT_INT_EQ(gh_password_params("$argon2id$v=19$bob", &out), GH_EINVAL);
    ASSERT_INT_EQ(gh_password_params("$argon2i$v=19$m=8192,t=3,p=2$c2FsdHNhbHQ$aGFzaA", &out),
                  GH_EINVAL);
    ASSERT_INT_EQ(gh_password_params("", &out), GH_EINVAL);
}

static int64_t dummy_us(void)
{
    int64_t best = INT64_MAX;
    for (int i = 0; i < 3; i++) {
        int64_t t0 = gh_mono_us();
        (void)gh_password_verify(NULL, "guess", 5);
        int64_t d = gh_mono_us() - t0;
        best = d < best ? d : best;
    }
    return best;
}

/* The dummy costs what a hash with its parameters costs: an unknown user
 * name was verified with the defaults whatever the users' parameters were,
 * so a costlier user was told apart by timing. */
GH_TEST(password_dummy_follows_the_parameters)
{
    const struct gh_argon2_params cheap = {1, 8192, 1}, costly = {2, 65536, 1};
    gh_password_set_dummy(&cheap);
    int64_t a = dummy_us();
    gh_password_set_dummy(&costly);
    int64_t b = dummy_us();
    /* 16 times the work; any real difference shows at 4 */
    if (b < 4 * a)
        GH_FAIL_("dummy with t=2 m=64 MiB took %lld us, with t=1 m=8 MiB %lld us", (long long)b,
                 (long long)a);
    const struct gh_argon2_params bad = {0, 1, 1};
    gh_password_set_dummy(&bad); /* falls back to the defaults */
    ASSERT_TRUE(gh_password_verify(NULL, "guess", 5) == 0);
    gh_password_set_dummy(NULL);
}
