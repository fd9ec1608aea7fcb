/*
 * The step vocabulary (vocab.h): names, and reading a step's note back into
 * its meaning, including the recorder's descriptive notes.
 */
#include <string.h>

#include "core/err.h"
#include "trace/vocab.h"

static const char *const names[GH_M_COUNT] = {
    [GH_M_NONE] = "",
    [GH_M_DISCOVERY] = "discovery",
    [GH_M_JWKS] = "JWKS",
    [GH_M_AUTHZ] = "authorization request",
    [GH_M_SIGN_IN] = "sign-in",
    [GH_M_CONSENT] = "consent",
    [GH_M_REDIRECT] = "redirect with code",
    [GH_M_CODE_EXCHANGE] = "code exchange",
    [GH_M_REFRESH] = "refresh",
    [GH_M_TOKEN] = "token request",
    [GH_M_API] = "API call",
    [GH_M_USERINFO] = "userinfo",
    [GH_M_REVOCATION] = "revocation",
    [GH_M_LOGOUT] = "logout",
    [GH_M_OTP] = "one-time code",
    [GH_M_PASSKEY] = "passkey assertion",
};

/* The notes src/oauth, src/api and src/app record, by prefix. */
static const struct {
    const char *prefix;
    enum gh_meaning m;
} aliases[] = {
    {"user signs in", GH_M_SIGN_IN},          {"user consents", GH_M_CONSENT},
    {"refresh token rotation", GH_M_REFRESH}, {"refresh attempt", GH_M_REFRESH},
    {"access token use", GH_M_API},           {"app checks state and iss", GH_M_REDIRECT},
};

const char *gh_meaning_name(enum gh_meaning m)
{
    return (unsigned)m < GH_M_COUNT ? names[m] : "";
}

/* 1 when note[0..n) is name, or name then ':' or " (". */
static int names_it(const char *note, size_t n, const char *name)
{
    size_t k = strlen(name);
    if (n < k || memcmp(note, name, k) != 0)
        return 0;
    return n == k || note[k] == ':' || (n > k + 1 && note[k] == ' ' && note[k + 1] == '(');
}

enum gh_meaning gh_meaning_of(const struct gh_trace_step *s)
{
    if (s->kind != GH_STEP_CALL || s->from == s->to)
        return GH_M_NONE;
    size_t n = strnlen(s->note, sizeof(s->note));
    for (int m = GH_M_NONE + 1; m < GH_M_COUNT; m++)
        if (names_it(s->note, n, names[m]))
            return (enum gh_meaning)m;
    for (size_t i = 0; i < GH_ARRAY_LEN(aliases); i++) {
        size_t k = strlen(aliases[i].prefix);
        if (n >= k && memcmp(s->note, aliases[i].prefix, k) == 0)
            return aliases[i].m;
    }
    return GH_M_NONE;
}
