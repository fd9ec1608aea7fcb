/* Unit tests for src/core: base64url (RFC 4648 10 vectors), buffers,
 * arena caps, constant-time compare, HKDF (RFC 5869 A.3), AES-256-GCM. */
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/b64url.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/test.h"

GH_TEST(b64url_rfc4648_vectors)
{
    static const struct {
        const char *in, *out;
    } v[] = {{"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
             {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char out[32];
        unsigned char back[32];
        long n =
            gh_b64url_encode((const unsigned char *)v[i].in, strlen(v[i].in), out, sizeof(out));
        ASSERT_INT_EQ(n, strlen(v[i].out));
        ASSERT_STR_EQ(out, v[i].out);
        long m = gh_b64url_decode(out, (size_t)n, back, sizeof(back));
        ASSERT_INT_EQ(m, strlen(v[i].in));
        ASSERT_MEM_EQ(back, v[i].in, (size_t)m);
    }
}

GH_TEST(b64url_url_alphabet_and_strictness)
{
    unsigned char raw[] = {0xfb, 0xff};
    char out[8];
    unsigned char back[8];
    gh_b64url_encode(raw, 2, out, sizeof(out));
    ASSERT_STR_EQ(out, "-_8");
    ASSERT_INT_EQ(gh_b64url_decode("Zg==", 4, back, sizeof(back)), GH_EINVAL);
    ASSERT_INT_EQ(gh_b64url_decode("Zm9v+", 5, back, sizeof(back)), GH_EINVAL);
    ASSERT_INT_EQ(gh_b64url_decode("Zh", 2, back, sizeof(back)), GH_EINVAL); /* trailing bits */
    ASSERT_INT_EQ(gh_b64url_decode("Z", 1, back, sizeof(back)), GH_EINVAL);
    ASSERT_INT_EQ(gh_b64url_encode(raw, 2, out, 3), GH_ENOMEM);
}

GH_TEST(buf_cap_and_escaping)
{
    struct gh_buf b;
    gh_buf_init(&b, 8);
    ASSERT_INT_EQ(gh_buf_puts(&b, "12345678"), 0);
    ASSERT_INT_EQ(gh_buf_putc(&b, '9'), GH_ENOMEM);
    ASSERT_STR_EQ(b.p, "12345678");
    gh_buf_release(&b);
    gh_buf_init(&b, 256);
    gh_buf_json_str(&b, "a\"b\\c\n\x01", 7);
    ASSERT_STR_EQ(b.p, "\"a\\\"b\\\\c\\u000a\\u0001\"");
    gh_buf_reset(&b);
    gh_buf_html(&b, "<a href='x'>&", 13);
    ASSERT_STR_EQ(b.p, "&lt;a href=&#39;x&#39;&gt;&amp;");
    gh_buf_reset(&b);
    gh_buf_urlenc(&b, "a b&c=d/~", 9);
    ASSERT_STR_EQ(b.p, "a%20b%26c%3Dd%2F~");
    gh_buf_release(&b);
}

GH_TEST(arena_respects_cap)
{
    struct gh_arena *a = gh_arena_new(1024, 4096);
    ASSERT_NOT_NULL(a);
    ASSERT_NOT_NULL(gh_arena_alloc(a, 1000));
    ASSERT_NOT_NULL(gh_arena_alloc(a, 2000));
    ASSERT_TRUE(gh_arena_alloc(a, 5000) == NULL);
    char *s = gh_arena_printf(a, "%s-%d", "x", 7);
    ASSERT_STR_EQ(s, "x-7");
    gh_arena_free(a);
}

GH_TEST(ct_compare_and_random_tokens)
{
    ASSERT_TRUE(gh_ct_streq("secret", 6, "secret", 6));
    ASSERT_TRUE(!gh_ct_streq("secret", 6, "secreT", 6));
    ASSERT_TRUE(!gh_ct_streq("secret", 6, "secret1", 7));
    char tok[GH_TOKEN_LEN + 1];
    ASSERT_INT_EQ(gh_rand_token(tok, sizeof(tok)), 0);
    ASSERT_INT_EQ(strlen(tok), 43);
}

/* RFC 5869 appendix A.3: SHA-256, no salt, no info. */
GH_TEST(hkdf_rfc5869_a3)
{
    unsigned char ikm[22], okm[42];
    char hex[2 * sizeof(okm) + 1];
    memset(ikm, 0x0b, sizeof(ikm));
    ASSERT_INT_EQ(gh_hkdf_sha256(ikm, sizeof(ikm), "", okm, sizeof(okm)), 0);
    gh_hex(okm, sizeof(okm), hex);
    ASSERT_STR_EQ(hex, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d20"
                       "1395faa4b61a96c8");
    /* another purpose, another key */
    unsigned char other[42];
    ASSERT_INT_EQ(gh_hkdf_sha256(ikm, sizeof(ikm), "x", other, sizeof(other)), 0);
    ASSERT_TRUE(memcmp(okm, other, sizeof(okm)) != 0);
}

GH_TEST(aead_seal_open)
{
    unsigned char key[GH_AEAD_KEY_LEN], key2[GH_AEAD_KEY_LEN];
    memset(key, 1, sizeof(key));
    memset(key2, 2, sizeof(key2));
    const char msg[] = "the successor refresh token";
    const size_t n = sizeof(msg) - 1;
    unsigned char box[sizeof(msg) - 1 + GH_AEAD_OVERHEAD], box2[sizeof(box)], out[sizeof(msg)];
    ASSERT_INT_EQ(gh_aead_seal(key, "row", 3, msg, n, box), 0);
    ASSERT_INT_EQ(gh_aead_seal(key, "row", 3, msg, n, box2), 0);
    ASSERT_TRUE(memcmp(box, box2, sizeof(box)) != 0); /* fresh nonce each time */
    ASSERT_TRUE(memmem(box, sizeof(box), "successor", 9) == NULL);
    memset(out, 0, sizeof(out));
    ASSERT_INT_EQ(gh_aead_open(key, "row", 3, box, sizeof(box), out), 0);
    ASSERT_STR_EQ((char *)out, msg);
    /* another key, other associated data, any flipped bit: refused */
    ASSERT_INT_EQ(gh_aead_open(key2, "row", 3, box, sizeof(box), out), GH_ECRYPTO);
    ASSERT_INT_EQ(gh_aead_open(key, "rox", 3, box, sizeof(box), out), GH_ECRYPTO);
    for (size_t i = 0; i < sizeof(box); i += 7) {
        box[i] ^= 0x20;
        ASSERT_INT_EQ(gh_aead_open(key, "row", 3, box, sizeof(box), out), GH_ECRYPTO);
        box[i] ^= 0x20;
    }
    ASSERT_INT_EQ(gh_aead_open(key, "row", 3, box, GH_AEAD_OVERHEAD - 1, out), GH_ECRYPTO);
    ASSERT_INT_EQ(gh_aead_open(key, "row", 3, box, sizeof(box), out), 0);
}
