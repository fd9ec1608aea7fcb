/*
 * Unit-test harness. A test file beside its module (pkce.c, pkce_test.c)
 * declares cases with GH_TEST(name) { ... }; they register themselves at
 * load time and tests/unit_main.c runs them all. Typed asserts print both
 * values and end the case on the first failure.
 */
#ifndef GH_TEST_H
#define GH_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct gh_test_case {
    const char *name;
    const char *file;
    void (*fn)(int *failed);
    struct gh_test_case *next;
};

void gh_test_register(struct gh_test_case *tc);

#define GH_TEST(name)                                                                              \
    static void test_##name(int *gh_failed_);                                                      \
    static struct gh_test_case tc_##name = {#name, __FILE__, test_##name, NULL};                   \
    __attribute__((constructor)) static void reg_##name(void)                                      \
    {                                                                                              \
        gh_test_register(&tc_##name);                                                              \
    }                                                                                              \
    static void test_##name(int *gh_failed_)

#define GH_FAIL_(...)                                                                              \
    do {                                                                                           \
        fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                                          \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        *gh_failed_ = 1;                                                                           \
        return;                                                                                    \
    } while (0)

#define ASSERT_TRUE(c)                                                                             \
    do {                                                                                           \
        if (!(c))                                                                                  \
            GH_FAIL_("expected true: %s", #c);                                                     \
    } while (0)

#define ASSERT_INT_EQ(a, b)                                                                        \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_)                                                                              \
            GH_FAIL_("%s == %s: %lld != %lld", #a, #b, a_, b_);                                    \
    } while (0)

#define ASSERT_STR_EQ(a, b)                                                                        \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                                       \
            GH_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)",                     \
                     b_ ? b_ : "(null)");                                                          \
    } while (0)

#define ASSERT_MEM_EQ(a, b, n)                                                                     \
    do {                                                                                           \
        if (memcmp((a), (b), (n)) != 0)                                                            \
            GH_FAIL_("%s == %s: %zu bytes differ", #a, #b, (size_t)(n));                           \
    } while (0)

#define ASSERT_NOT_NULL(p)                                                                         \
    do {                                                                                           \
        if ((p) == NULL)                                                                           \
            GH_FAIL_("expected non-NULL: %s", #p);                                                 \
    } while (0)

#endif
