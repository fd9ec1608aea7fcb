/* Unit tests of the form and query parser (form.c) and the percent-decoding
 * it uses (core/urldecode.c): HTML 5 urlencoded rules, strictness, and the
 * repeated-parameter rule of RFC 6749 3.1. */
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/test.h"
#include "core/urldecode.h"
#include "http/form.h"

GH_TEST(url_decode_rules)
{
    static const struct {
        const char *in, *out; /* out NULL: invalid */
    } cases[] = {
        {"", ""},
        {"a+b", "a b"},
        {"%41%62%7e", "Ab~"},
        {"%2B%26%3D", "+&="},
        {"100%", NULL},  /* escape cut short */
        {"%4", NULL},    /* one hex digit */
        {"%G1", NULL},   /* not hex */
        {"a%00b", NULL}, /* NUL byte */
        {"%e2%82%ac", "\xe2\x82\xac"},
    };
    struct gh_arena *a = gh_arena_new(256, 4096);
    ASSERT_NOT_NULL(a);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = NULL;
        long n = gh_url_decode(a, cases[i].in, strlen(cases[i].in), &out);
        if (cases[i].out == NULL) {
            ASSERT_INT_EQ(n, GH_EINVAL);
        } else {
            ASSERT_INT_EQ(n, (long)strlen(cases[i].out));
            ASSERT_STR_EQ(out, cases[i].out);
        }
    }
    gh_arena_free(a);
}

GH_TEST(form_parse_keeps_order_and_duplicates)
{
    struct gh_arena *a = gh_arena_new(256, 4096);
    struct gh_form f;
    const char *s = "grant_type=refresh_token&scope=a+b&&scope=c&flag&empty=";
    ASSERT_INT_EQ(gh_form_parse(a, s, strlen(s), &f), 0);
    ASSERT_INT_EQ(f.n, 5);
    ASSERT_STR_EQ(f.p[0].key, "grant_type");
    ASSERT_STR_EQ(f.p[1].value, "a b");
    ASSERT_STR_EQ(f.p[3].key, "flag");
    ASSERT_INT_EQ(gh_form_count(&f, "scope"), 2);
    int dup = 0;
    ASSERT_TRUE(gh_form_get(&f, "scope", &dup) == NULL); /* RFC 6749 3.1 */
    ASSERT_INT_EQ(dup, 1);
    ASSERT_STR_EQ(gh_form_get(&f, "grant_type", &dup), "refresh_token");
    ASSERT_INT_EQ(dup, 0);
    ASSERT_TRUE(gh_form_get(&f, "empty", NULL) == NULL); /* empty counts as absent */
    ASSERT_TRUE(gh_form_get(&f, "missing", NULL) == NULL);
    gh_arena_free(a);
}

GH_TEST(form_parse_is_strict)
{
    struct gh_arena *a = gh_arena_new(256, 1 << 16);
    struct gh_form f;
    const char *bad[] = {"a=%zz", "a=%0", "a%00=b", "a=b%00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ASSERT_INT_EQ(gh_form_parse(a, bad[i], strlen(bad[i]), &f), GH_EINVAL);
    /* more parameters than GH_FORM_MAX_PARAMS */
    char many[4 * (GH_FORM_MAX_PARAMS + 1) + 1];
    size_t k = 0;
    for (int i = 0; i <= GH_FORM_MAX_PARAMS; i++) {
        memcpy(many + k, "a=1&", 4);
        k += 4;
    }
    ASSERT_INT_EQ(gh_form_parse(a, many, k, &f), GH_EINVAL);
    ASSERT_INT_EQ(gh_form_parse(a, many, k - 4, &f), 0);
    ASSERT_INT_EQ(f.n, GH_FORM_MAX_PARAMS);
    gh_arena_free(a);
}
