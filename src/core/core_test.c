/* Unit tests for src/core: base64url (RFC 4648 10 vectors), buffers,
 * arena caps, constant-time compare. */
#include <stdlib.h>

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
