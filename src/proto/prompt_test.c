/*
 * prompt and max_age parsing and the sign-in / consent decision (OIDC Core
 * 1.0 3.1.2.1, 3.1.2.6), table-driven.
 */
#include <string.h>

#include "core/err.h"
#include "core/test.h"
#include "proto/prompt.h"

#define T0 1700000000

GH_TEST(prompt_parse_table)
{
    static const struct {
        const char *in;
        int rc;
        unsigned bits;
    } rows[] = {
        {NULL, 0, 0},
        {"", 0, 0},
        {"none", 0, GH_PROMPT_NONE},
        {"login", 0, GH_PROMPT_LOGIN},
        {"consent", 0, GH_PROMPT_CONSENT},
        {"select_account", 0, GH_PROMPT_SELECT_ACCOUNT},
        {"login consent", 0, GH_PROMPT_LOGIN | GH_PROMPT_CONSENT},
        {"consent consent", 0, GH_PROMPT_CONSENT},
        {"none login", GH_EINVAL, 0},
        {"consent none", GH_EINVAL, 0},
        {"none none", 0, GH_PROMPT_NONE},
        {"bogus", GH_EINVAL, 0},
        {"login bogus", GH_EINVAL, 0},
        {"NONE", GH_EINVAL, 0},
        {"login  consent", GH_EINVAL, 0},
        {"login ", GH_EINVAL, 0},
        {" login", GH_EINVAL, 0},
        {"non", GH_EINVAL, 0},
        {"nonee", GH_EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        unsigned bits = 99;
        int rc = gh_prompt_parse(rows[i].in, &bits);
        if (rc != rows[i].rc || (rc == 0 && bits != rows[i].bits))
            GH_FAIL_("row %zu (%s): rc %d bits %u", i, rows[i].in ? rows[i].in : "NULL", rc, bits);
    }
}

GH_TEST(max_age_parse_table)
{
    static const struct {
        const char *in;
        int rc;
        int64_t v;
    } rows[] = {
        {NULL, 0, -1},
        {"0", 0, 0},
        {"3600", 0, 3600},
        {"999999999", 0, 999999999},
        {"1000000000", GH_EINVAL, -1},
        {"", 0, -1},
        {"-1", GH_EINVAL, -1},
        {"+5", GH_EINVAL, -1},
        {"5s", GH_EINVAL, -1},
        {" 5", GH_EINVAL, -1},
        {"1e3", GH_EINVAL, -1},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int64_t v = 7;
        int rc = gh_max_age_parse(rows[i].in, &v);
        if (rc != rows[i].rc || v != rows[i].v)
            GH_FAIL_("row %zu: rc %d v %lld", i, rc, (long long)v);
    }
}

GH_TEST(authn_decide_table)
{
    enum { N = GH_PROMPT_NONE, L = GH_PROMPT_LOGIN, C = GH_PROMPT_CONSENT };
    static const struct {
        const char *name;
        struct gh_authn_facts f;
        enum gh_authn_step want;
    } rows[] = {
        {"no session", {0, 0, 0, T0, -1, 0, 0, 0, 0}, GH_AUTHN_LOGIN},
        {"no session, none", {N, 0, 0, T0, -1, 0, 0, 0, 0}, GH_AUTHN_LOGIN_REQUIRED},
        {"session, trusted", {0, 1, T0 - 10, T0, -1, 0, 0, 0, 0}, GH_AUTHN_CODE},
        {"session, needs consent", {0, 1, T0 - 10, T0, -1, 0, 1, 0, 0}, GH_AUTHN_CONSENT},
        {"none, silent code", {N, 1, T0 - 10, T0, -1, 0, 0, 0, 0}, GH_AUTHN_CODE},
        {"none, needs consent", {N, 1, T0 - 10, T0, -1, 0, 1, 0, 0}, GH_AUTHN_CONSENT_REQUIRED},
        {"login with session", {L, 1, T0 - 10, T0, -1, 0, 0, 0, 0}, GH_AUTHN_LOGIN},
        {"select_account", {GH_PROMPT_SELECT_ACCOUNT, 1, T0, T0, -1, 0, 0, 0, 0}, GH_AUTHN_LOGIN},
        {"consent, remembered", {C, 1, T0 - 10, T0, -1, 0, 0, 0, 0}, GH_AUTHN_CONSENT},
        {"login consent", {L | C, 1, T0 - 10, T0, -1, 0, 0, 0, 0}, GH_AUTHN_LOGIN},
        {"max_age not reached", {0, 1, T0 - 10, T0, 60, 0, 0, 0, 0}, GH_AUTHN_CODE},
        {"max_age reached", {0, 1, T0 - 60, T0, 60, 0, 0, 0, 0}, GH_AUTHN_LOGIN},
        {"max_age passed", {0, 1, T0 - 61, T0, 60, 0, 0, 0, 0}, GH_AUTHN_LOGIN},
        {"max_age=0", {0, 1, T0, T0, 0, 0, 0, 0, 0}, GH_AUTHN_LOGIN},
        {"max_age passed, none", {N, 1, T0 - 61, T0, 60, 0, 0, 0, 0}, GH_AUTHN_LOGIN_REQUIRED},
        {"hint: another user", {0, 1, T0, T0, -1, 1, 0, 0, 0}, GH_AUTHN_LOGIN},
        {"hint: another user, none", {N, 1, T0, T0, -1, 1, 0, 0, 0}, GH_AUTHN_LOGIN_REQUIRED},
        /* a sign-in is asked for before consent: login_required wins */
        {"none, no session, consent", {N, 0, 0, T0, -1, 0, 1, 0, 0}, GH_AUTHN_LOGIN_REQUIRED},
        /* a second factor asked for (acr_values, --require-mfa): step-up */
        {"mfa asked, password session", {0, 1, T0, T0, -1, 0, 0, 1, 0}, GH_AUTHN_STEP_UP},
        {"mfa asked, none", {N, 1, T0, T0, -1, 0, 0, 1, 0}, GH_AUTHN_INTERACTION_REQUIRED},
        {"mfa asked and given", {0, 1, T0, T0, -1, 0, 0, 1, 1}, GH_AUTHN_CODE},
        {"mfa before consent", {0, 1, T0, T0, -1, 0, 1, 1, 0}, GH_AUTHN_STEP_UP},
        {"mfa given, consent", {0, 1, T0, T0, -1, 0, 1, 1, 1}, GH_AUTHN_CONSENT},
        {"mfa asked, no session", {0, 0, 0, T0, -1, 0, 0, 1, 0}, GH_AUTHN_LOGIN},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        enum gh_authn_step got = gh_authn_decide(&rows[i].f);
        if (got != rows[i].want)
            GH_FAIL_("%s: step %d, want %d", rows[i].name, (int)got, (int)rows[i].want);
    }
    struct gh_authn_facts after = {.signed_in = 1, .now = T0, .max_age = -1};
    ASSERT_INT_EQ(gh_authn_after_login(&after), GH_AUTHN_CODE);
    after.consent_needed = 1;
    ASSERT_INT_EQ(gh_authn_after_login(&after), GH_AUTHN_CONSENT);
    after.consent_needed = 0;
    after.prompt = GH_PROMPT_CONSENT;
    ASSERT_INT_EQ(gh_authn_after_login(&after), GH_AUTHN_CONSENT);
    after.prompt = GH_PROMPT_LOGIN; /* satisfied by the sign-in just made */
    ASSERT_INT_EQ(gh_authn_after_login(&after), GH_AUTHN_CODE);
    after.mfa_needed = 1;
    ASSERT_INT_EQ(gh_authn_after_login(&after), GH_AUTHN_STEP_UP);
}
