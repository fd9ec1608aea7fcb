/* Unit tests for src/core/password.c: the parameters of a stored hash, the
 * dummy hash unknown user names are verified against, and verification
 * with the memory each thread keeps. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <argon2.h>

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

/* Runs on a thread of its own, so it starts without a kept block. */
static void *verify_thread(void *arg)
{
    int *out = arg; /* [0]: right accepted, [1]: wrong refused, [2..6]: blocks */
    const struct gh_argon2_params small = {2, 8192, 1}, big = {1, 16384, 1};
    char a[160], b[160];
    if (gh_password_hash(&small, "right password", 14, a, sizeof(a)) < 0 ||
        gh_password_hash(&big, "other password", 14, b, sizeof(b)) < 0)
        return NULL;
    unsigned n0 = gh_password_blocks_taken();
    out[0] = gh_password_verify(a, "right password", 14);
    out[1] = !gh_password_verify(a, "wrong password", 14);
    out[2] = (int)(gh_password_blocks_taken() - n0); /* 1: taken once */
    for (int i = 0; i < 3; i++)
        out[0] &= gh_password_verify(a, "right password", 14);
    out[3] = (int)(gh_password_blocks_taken() - n0); /* still 1: kept */
    out[0] &= gh_password_verify(b, "other password", 14);
    out[4] = (int)(gh_password_blocks_taken() - n0); /* 2: a larger one */
    out[0] &= gh_password_verify(a, "right password", 14);
    out[5] = (int)(gh_password_blocks_taken() - n0); /* 2: the larger serves */
    gh_password_thread_release();                    /* idle: given back */
    gh_password_thread_release();                    /* twice is harmless */
    out[0] &= gh_password_verify(a, "right password", 14);
    out[6] = (int)(gh_password_blocks_taken() - n0); /* 3: taken anew */
    return NULL;
}

/* Verification keeps argon2's memory per thread (taking 19 MiB fresh from
 * the kernel for every sign-in cost a third of a login storm's CPU) and
 * still tells right from wrong, for hashes of any salt and digest length. */
GH_TEST(password_verify_keeps_its_memory)
{
    int out[7] = {0, 0, -1, -1, -1, -1, -1};
    pthread_t t;
    ASSERT_INT_EQ(pthread_create(&t, NULL, verify_thread, out), 0);
    ASSERT_INT_EQ(pthread_join(t, NULL), 0);
    ASSERT_INT_EQ(out[0], 1);
    ASSERT_INT_EQ(out[1], 1);
    ASSERT_INT_EQ(out[2], 1);
    ASSERT_INT_EQ(out[3], 1);
    ASSERT_INT_EQ(out[4], 2);
    ASSERT_INT_EQ(out[5], 2);
    ASSERT_INT_EQ(out[6], 3);
    /* other salt and digest lengths, as other tools write them */
    char enc[200];
    const unsigned char salt8[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    ASSERT_INT_EQ(argon2id_hash_encoded(1, 8192, 1, "pw-12345", 8, salt8, 8, 16, enc, sizeof(enc)),
                  ARGON2_OK);
    ASSERT_INT_EQ(gh_password_verify(enc, "pw-12345", 8), 1);
    ASSERT_INT_EQ(gh_password_verify(enc, "pw-12346", 8), 0);
    enc[strlen(enc) - 2] ^= 1; /* a damaged digest */
    ASSERT_INT_EQ(gh_password_verify(enc, "pw-12345", 8), 0);
    ASSERT_INT_EQ(gh_password_verify("$argon2id$v=19$m=8192,t=1,p=1$$", "pw-12345", 8), 0);
    ASSERT_INT_EQ(gh_password_verify("$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHQ", "x", 1), 0);
}
