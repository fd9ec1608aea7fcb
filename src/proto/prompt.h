/*
 * The OpenID Connect authorization request parameters that decide whether
 * the user is asked to sign in or to consent (OIDC Core 1.0 3.1.2.1:
 * prompt, max_age, id_token_hint) and the errors a silent request gets
 * instead (3.1.2.6). Pure functions: no I/O, no store.
 */
#ifndef GH_PROMPT_H
#define GH_PROMPT_H

#include <stdint.h>

/* prompt values, as bits */
#define GH_PROMPT_NONE 1u
#define GH_PROMPT_LOGIN 2u
#define GH_PROMPT_CONSENT 4u
#define GH_PROMPT_SELECT_ACCOUNT 8u

/* Parses a space-delimited prompt value (NULL or "": no bits). GH_EINVAL
 * for an unknown value, an empty token, or "none" with any other value
 * (OIDC Core 3.1.2.1). */
int gh_prompt_parse(const char *s, unsigned *out /* OUT */);

/* Parses max_age: 0..999999999 seconds in decimal digits, or -1 when s
 * is NULL or "" (RFC 6749 3.1: an empty parameter is omitted). GH_EINVAL otherwise. */
int gh_max_age_parse(const char *s, int64_t *out /* OUT */);

/* What an authorization request is about to meet. */
struct gh_authn_facts {
    unsigned prompt;
    int signed_in;     /* the browser has a live session */
    int64_t auth_time; /* when that session's user signed in */
    int64_t now;
    int64_t max_age;    /* -1: none */
    int hint_other;     /* id_token_hint names another user than the session's */
    int consent_needed; /* the client needs consent that was not given
                           (not trusted and not remembered) */
    int mfa_needed;     /* acr_values or the client ask for a second factor */
    int mfa_done;       /* the session's sign-in used two factors */
};

enum gh_authn_step {
    GH_AUTHN_CODE,                 /* answer now with a code */
    GH_AUTHN_LOGIN,                /* show the sign-in page */
    GH_AUTHN_CONSENT,              /* show the consent page */
    GH_AUTHN_LOGIN_REQUIRED,       /* prompt=none: error login_required */
    GH_AUTHN_CONSENT_REQUIRED,     /* prompt=none: error consent_required */
    GH_AUTHN_STEP_UP,              /* ask the signed-in user for a second factor */
    GH_AUTHN_INTERACTION_REQUIRED, /* prompt=none: error interaction_required */
};

/* The next step of an authorization request. A sign-in is needed without
 * a session, for prompt=login or select_account, when the session's sign-in
 * is max_age seconds old or older (max_age=0 is prompt=login), and when an
 * id_token_hint names another user. Then a second factor, when one is
 * asked for and the session has none (step-up). Consent is shown when
 * needed or asked for (prompt=consent). prompt=none turns each page into
 * its error. */
enum gh_authn_step gh_authn_decide(const struct gh_authn_facts *f);

/* The step after a sign-in (f->signed_in set, prompt=login satisfied): a
 * second factor, consent, or the code. */
enum gh_authn_step gh_authn_after_login(const struct gh_authn_facts *f);

#endif
