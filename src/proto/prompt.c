/* prompt, max_age and the sign-in / consent decision; see prompt.h. */
#include <string.h>

#include "core/err.h"
#include "proto/prompt.h"

int gh_prompt_parse(const char *s, unsigned *out)
{
    static const struct {
        const char *name;
        unsigned bit;
    } known[] = {{"none", GH_PROMPT_NONE},
                 {"login", GH_PROMPT_LOGIN},
                 {"consent", GH_PROMPT_CONSENT},
                 {"select_account", GH_PROMPT_SELECT_ACCOUNT}};
    *out = 0;
    if (s == NULL || s[0] == '\0')
        return 0;
    for (const char *p = s;;) {
        size_t n = strcspn(p, " ");
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            if (strlen(known[i].name) == n && memcmp(known[i].name, p, n) == 0)
                bit = known[i].bit;
        if (bit == 0) /* unknown, or an empty token (two spaces) */
            return GH_EINVAL;
        *out |= bit;
        p += n;
        if (*p == '\0')
            break;
        p++; /* one space; a trailing one leaves an empty token */
    }
    /* OIDC Core 3.1.2.1: "none" with any other value is an error */
    if ((*out & GH_PROMPT_NONE) && *out != GH_PROMPT_NONE)
        return GH_EINVAL;
    return 0;
}

int gh_max_age_parse(const char *s, int64_t *out)
{
    *out = -1;
    if (s == NULL || s[0] == '\0') /* RFC 6749 3.1: no value is no parameter */
        return 0;
    size_t n = strlen(s);
    if (n == 0 || n > 9 || strspn(s, "0123456789") != n)
        return GH_EINVAL;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    *out = v;
    return 0;
}

static int needs_login(const struct gh_authn_facts *f)
{
    if (!f->signed_in || f->hint_other)
        return 1;
    if (f->prompt & (GH_PROMPT_LOGIN | GH_PROMPT_SELECT_ACCOUNT))
        return 1;
    /* OIDC Core 3.1.2.1: authenticate again when more than max_age seconds
     * passed; max_age=0 is prompt=login, so a sign-in of this very second
     * is old enough to count as elapsed */
    return f->max_age >= 0 && f->now - f->auth_time >= f->max_age;
}

enum gh_authn_step gh_authn_after_login(const struct gh_authn_facts *f)
{
    int silent = (f->prompt & GH_PROMPT_NONE) != 0;
    if (f->mfa_needed && !f->mfa_done) /* OIDC Core 3.1.2.6: needs the user */
        return silent ? GH_AUTHN_INTERACTION_REQUIRED : GH_AUTHN_STEP_UP;
    if (f->consent_needed || (f->prompt & GH_PROMPT_CONSENT) != 0)
        return silent ? GH_AUTHN_CONSENT_REQUIRED : GH_AUTHN_CONSENT;
    return GH_AUTHN_CODE;
}

enum gh_authn_step gh_authn_decide(const struct gh_authn_facts *f)
{
    if (needs_login(f))
        return (f->prompt & GH_PROMPT_NONE) ? GH_AUTHN_LOGIN_REQUIRED : GH_AUTHN_LOGIN;
    return gh_authn_after_login(f);
}
