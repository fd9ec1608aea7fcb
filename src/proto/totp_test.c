/*
 * TOTP against RFC 6238 Appendix B (SHA-1 rows), HOTP against RFC 4226
 * Appendix D, the ±1 step window and replay refusal, base32 (RFC 4648 10).
 */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/test.h"
#include "proto/totp.h"
#include "proto/totp_secret.h"

static const unsigned char SEED[] = "12345678901234567890";

GH_TEST(totp_rfc6238_appendix_b_sha1)
{
    static const struct {
        int64_t t;
        const char *code;
    } rows[] = {
        {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
        {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char out[9];
        uint64_t c = (uint64_t)gh_totp_step(rows[i].t);
        ASSERT_INT_EQ(gh_hotp(SEED, 20, c, 8, out), 0);
        ASSERT_STR_EQ(out, rows[i].code);
        /* six digits: the same value mod 10^6 */
        ASSERT_INT_EQ(gh_hotp(SEED, 20, c, 6, out), 0);
        ASSERT_STR_EQ(out, rows[i].code + 2);
    }
}

GH_TEST(hotp_rfc4226_appendix_d)
{
    static const char *want[] = {"755224", "287082", "359152", "969429", "338314",
                                 "254676", "287922", "162583", "399871", "520489"};
    for (uint64_t c = 0; c < 10; c++) {
        char out[7];
        ASSERT_INT_EQ(gh_hotp(SEED, 20, c, 6, out), 0);
        ASSERT_STR_EQ(out, want[c]);
    }
}

GH_TEST(totp_window_and_replay)
{
    int64_t t = 1111111111, step = 0, now = gh_totp_step(t);
    char prev[7], cur[7], next[7], far[7];
    ASSERT_INT_EQ(gh_hotp(SEED, 20, (uint64_t)(now - 1), 6, prev), 0);
    ASSERT_INT_EQ(gh_hotp(SEED, 20, (uint64_t)now, 6, cur), 0);
    ASSERT_INT_EQ(gh_hotp(SEED, 20, (uint64_t)(now + 1), 6, next), 0);
    ASSERT_INT_EQ(gh_hotp(SEED, 20, (uint64_t)(now + 2), 6, far), 0);
    ASSERT_INT_EQ(gh_totp_verify(SEED, 20, cur, t, -1, &step), 0);
    ASSERT_TRUE(step == now);
    ASSERT_INT_EQ(gh_totp_verify(SEED, 20, prev, t, -1, &step), 0);
    ASSERT_TRUE(step == now - 1);
    ASSERT_INT_EQ(gh_totp_verify(SEED, 20, next, t, -1, &step), 0);
    ASSERT_TRUE(step == now + 1);
    ASSERT_INT_EQ(gh_totp_verify(SEED, 20, far, t, -1, &step), GH_ENOTFOUND);
    /* each step once: a code at or before the last accepted step is refused */
    ASSERT_INT_EQ(gh_totp_verify(SEED, 20, cur, t, now, &step), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_totp_verify(SEED, 20, prev, t, now, &step), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_totp_verify(SEED, 20, next, t, now, &step), 0);
    ASSERT_INT_EQ(gh_totp_verify(SEED, 20, "12345", t, -1, &step), GH_EINVAL);
    ASSERT_INT_EQ(gh_totp_verify(SEED, 20, "1234567", t, -1, &step), GH_EINVAL);
    ASSERT_INT_EQ(gh_totp_verify(SEED, 20, "12a456", t, -1, &step), GH_EINVAL);
    ASSERT_INT_EQ(gh_totp_verify(SEED, 20, NULL, t, -1, &step), GH_EINVAL);
    ASSERT_INT_EQ(gh_hotp(SEED, 20, 0, 5, cur), GH_EINVAL);
}

GH_TEST(base32_rfc4648_vectors)
{
    static const struct {
        const char *in, *out;
    } rows[] = {{"", ""},
                {"f", "MY"},
                {"fo", "MZXQ"},
                {"foo", "MZXW6"},
                {"foob", "MZXW6YQ"},
                {"fooba", "MZXW6YTB"},
                {"foobar", "MZXW6YTBOI"}};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char enc[32];
        unsigned char dec[32];
        size_t len = strlen(rows[i].in);
        ASSERT_INT_EQ(gh_base32_enc((const unsigned char *)rows[i].in, len, enc, sizeof(enc)), 0);
        ASSERT_STR_EQ(enc, rows[i].out);
        ASSERT_INT_EQ(gh_base32_dec(rows[i].out, dec, sizeof(dec)), (int)len);
        ASSERT_MEM_EQ(dec, rows[i].in, len);
    }
    unsigned char dec[32];
    char small[4];
    ASSERT_INT_EQ(gh_base32_dec("mzxw6ytboi======", dec, sizeof(dec)), 6);
    ASSERT_INT_EQ(gh_base32_dec("MZXW1", dec, sizeof(dec)), GH_EINVAL);
    ASSERT_INT_EQ(gh_base32_dec("MZXW6YTBOI", dec, 3), GH_EINVAL);
    ASSERT_INT_EQ(gh_base32_enc((const unsigned char *)"foo", 3, small, sizeof(small)), GH_ENOMEM);
}

GH_TEST(totp_secret_seal_round_trip)
{
    unsigned char root[32], other[32], got[GH_TOTP_SECRET_LEN];
    memset(root, 7, sizeof(root));
    memset(other, 8, sizeof(other));
    char sealed[GH_TOTP_SEALED_HEX];
    ASSERT_INT_EQ(gh_totp_seal(root, sizeof(root), "alice", SEED, sealed), 0);
    ASSERT_INT_EQ((int)strlen(sealed), GH_TOTP_SEALED_HEX - 1);
    ASSERT_TRUE(strstr(sealed, "3132333435") == NULL); /* not the secret in hex */
    ASSERT_INT_EQ(gh_totp_unseal(root, sizeof(root), "alice", sealed, got), 0);
    ASSERT_MEM_EQ(got, SEED, GH_TOTP_SECRET_LEN);
    ASSERT_INT_EQ(gh_totp_unseal(other, sizeof(other), "alice", sealed, got), GH_ECRYPTO);
    ASSERT_INT_EQ(gh_totp_unseal(root, sizeof(root), "bob", sealed, got), GH_ECRYPTO);
    sealed[10] = sealed[10] == '0' ? '1' : '0';
    ASSERT_INT_EQ(gh_totp_unseal(root, sizeof(root), "alice", sealed, got), GH_ECRYPTO);
    ASSERT_INT_EQ(gh_totp_unseal(root, sizeof(root), "alice", "00ff", got), GH_EINVAL);
    sealed[10] = 'x';
    ASSERT_INT_EQ(gh_totp_unseal(root, sizeof(root), "alice", sealed, got), GH_EINVAL);
}

GH_TEST(totp_uri_key_uri_format)
{
    char uri[256];
    ASSERT_INT_EQ(gh_totp_uri("https://id.example.com", "a b", SEED, uri, sizeof(uri)), 0);
    ASSERT_STR_EQ(uri, "otpauth://totp/https%3A%2F%2Fid.example.com:a%20b?"
                       "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=https%3A%2F%2Fid.example."
                       "com&algorithm=SHA1&digits=6&period=30");
    ASSERT_INT_EQ(gh_totp_uri("x", "y", SEED, uri, 40), GH_ENOMEM);
}

GH_TEST(recovery_codes_normalised_and_random)
{
    char a[GH_RECOVERY_LEN], b[GH_RECOVERY_LEN];
    unsigned char h1[GH_SHA256_LEN], h2[GH_SHA256_LEN];
    ASSERT_INT_EQ(gh_recovery_new(a), 0);
    ASSERT_INT_EQ(gh_recovery_new(b), 0);
    ASSERT_INT_EQ((int)strlen(a), 14);
    ASSERT_TRUE(a[4] == '-' && a[9] == '-');
    ASSERT_TRUE(strcmp(a, b) != 0);
    ASSERT_INT_EQ(gh_recovery_hash(a, h1), 0);
    /* upper case, spaces for dashes, a leading space: the same code */
    char loud[GH_RECOVERY_LEN + 1] = " ";
    for (size_t i = 0; a[i]; i++)
        loud[i + 1] = a[i] == '-' ? ' ' : a[i] >= 'a' && a[i] <= 'z' ? (char)(a[i] - 32) : a[i];
    loud[GH_RECOVERY_LEN] = '\0';
    ASSERT_INT_EQ(gh_recovery_hash(loud, h2), 0);
    ASSERT_MEM_EQ(h1, h2, GH_SHA256_LEN);
    ASSERT_INT_EQ(gh_recovery_hash("abcd-efgh-ijk", h2), GH_EINVAL);
    ASSERT_INT_EQ(gh_recovery_hash("abcd-efgh-ijk1", h2), GH_EINVAL);
    ASSERT_INT_EQ(gh_recovery_hash("abcd-efgh-ijklm", h2), GH_EINVAL);
    ASSERT_INT_EQ(gh_recovery_hash(NULL, h2), GH_EINVAL);
}
