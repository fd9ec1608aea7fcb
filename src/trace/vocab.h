/*
 * The OAuth meaning of a step, one vocabulary for the flow recorder and for
 * flows imported from HAR files (docs/flow-review.md): a step's note starts
 * with one of these names ("code exchange", "refresh", ...), optionally
 * followed by ": detail" or " (detail)". `trace diff` compares flows by these
 * meanings only, so a flow gatehouse recorded and the HAR a browser saved
 * of the same sign-in compare as equal.
 */
#ifndef GH_TRACE_VOCAB_H
#define GH_TRACE_VOCAB_H

#include "trace/step.h"

enum gh_meaning {
    GH_M_NONE,          /* a step with no OAuth meaning of its own (a page, a note) */
    GH_M_DISCOVERY,     /* RFC 8414 / OIDC Discovery metadata */
    GH_M_JWKS,          /* RFC 7517 key set */
    GH_M_AUTHZ,         /* RFC 6749 4.1.1 authorization request */
    GH_M_SIGN_IN,       /* the user signs in at the authorization server */
    GH_M_CONSENT,       /* the user allows the client */
    GH_M_REDIRECT,      /* RFC 6749 4.1.2 authorization response at the client */
    GH_M_CODE_EXCHANGE, /* RFC 6749 4.1.3 */
    GH_M_REFRESH,       /* RFC 6749 6 */
    GH_M_TOKEN,         /* any other grant (password, client_credentials, ...) */
    GH_M_API,           /* RFC 6750 access token use at a Resource API */
    GH_M_USERINFO,      /* OIDC Core 5.3 */
    GH_M_REVOCATION,    /* RFC 7009 */
    GH_M_LOGOUT,        /* OIDC RP-Initiated Logout 1.0 */
    GH_M_OTP,           /* a second factor: RFC 6238 one-time code or recovery code */
    GH_M_PASSKEY,       /* WebAuthn Level 2 7.2 authentication (passkey assertion) */
    GH_M_COUNT
};

/* "code exchange", ...; "" for GH_M_NONE. */
const char *gh_meaning_name(enum gh_meaning m);
/* The meaning a call step's note names (NULL-safe on the fixed field); the
 * recorder's older wording ("user signs in", "access token use", ...) is
 * understood too. GH_M_NONE for replies, notes, self-steps and other text. */
enum gh_meaning gh_meaning_of(const struct gh_trace_step *s);

#endif
