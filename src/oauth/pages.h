/*
 * HTML pages of the Authorization Server: sign-in, consent and error
 * pages, and the frame of the account pages (account_view.c). Every value
 * is HTML-escaped; pages load one stylesheet from the server itself and
 * no script, except /passkey.js on pages with passkey controls (strict
 * CSP, see gh_oauth_page_headers).
 */
#ifndef GH_PAGES_H
#define GH_PAGES_H

#include "http/http.h"
#include "store/store.h"

/* The authorization request carried through the sign-in and consent forms
 * as hidden fields. */
struct gh_authz {
    const struct gh_client *c;
    const char *client_id, *redirect_uri, *scope, *state, *challenge;
    const char *nonce;         /* OpenID Connect nonce, NULL when none */
    const char *flow;          /* trace flow id or "" */
    const char *prompt;        /* OIDC Core 3.1.2.1 prompt as sent, NULL when none */
    unsigned prompt_bits;      /* GH_PROMPT_* of proto/prompt.h */
    int64_t max_age;           /* -1: none */
    const char *login_hint;    /* pre-fills the user name; NULL when none */
    const char *id_token_hint; /* NULL when none */
    const char *dpop_jkt;      /* RFC 9449 10: key the code is bound to, NULL when none */
    const char *resources;     /* RFC 8707 resource values, space-separated; NULL: none */
    const char *acr_values;    /* OIDC Core 3.1.2.1 acr_values as sent; NULL when none */
    char csrf[64];             /* form token bound to the browser and the request */
};

/* status: 200, 401 (wrong password) or 429 (locked); message may be NULL. */
void gh_page_login(struct gh_req *r, int status, const struct gh_authz *a, const char *username,
                   const char *message);
void gh_page_consent(struct gh_req *r, const struct gh_authz *a, const char *user);
/* The second step of a sign-in: a one-time or recovery code for user,
 * posted to /login/otp with the ticket of the first step (mfa.h). status:
 * 200, 401 (wrong code) or 429 (throttled); message may be NULL. */
void gh_page_otp(struct gh_req *r, int status, const struct gh_authz *a, const char *user,
                 const char *ticket, const char *message);
/* The same, and when passkey is nonzero (user has passkeys usable here) a
 * "Use a passkey instead" button posting to /login/passkey with the same
 * ticket. */
void gh_page_otp_or_passkey(struct gh_req *r, int status, const struct gh_authz *a,
                            const char *user, const char *ticket, const char *message, int passkey);
/* The second step of a sign-in with a passkey, for a user without
 * one-time codes who has passkeys: passkey.js asks for options with user
 * and ticket and posts the assertion to /login/passkey. status: 200 or
 * 400/401 with message (may be NULL). */
void gh_page_passkey(struct gh_req *r, int status, const struct gh_authz *a, const char *user,
                     const char *ticket, const char *message);
/* 403: the request asks for a second factor and the user has none set up. */
void gh_page_mfa_missing(struct gh_req *r, const struct gh_authz *a);
void gh_page_error(struct gh_req *r, int status, const char *title, const char *message);
/* RP-Initiated Logout 1.0 section 2 without a valid id_token_hint: asks
 * the user to confirm (a form posted back to /logout with the CSRF token
 * csrf); message (may be NULL) says why it asks. */
void gh_page_logout_confirm(struct gh_req *r, const char *user, const char *csrf,
                            const char *message);
/* The "signed out" page, when there is nowhere to send the browser back to. */
void gh_page_signed_out(struct gh_req *r);
void gh_h_stylesheet(struct gh_req *r);
/* Any other page of the AS (the account pages): the document head and the
 * opening of its card into b (wide: a broader card), then, after the
 * caller's HTML, the close, the page security headers and the answer. */
void gh_page_begin(struct gh_buf *b, const char *title, int wide);
void gh_page_end(struct gh_req *r, struct gh_buf *b, int status);
/* gh_page_end for a page with passkey controls: it loads /passkey.js and
 * its CSP allows script-src 'self'. */
void gh_page_end_script(struct gh_req *r, struct gh_buf *b, int status);
/* 1 when the issuer can be a WebAuthn RP ID (gh_webauthn_possible): the
 * login and account pages show passkey controls only then. */
int gh_page_passkeys_possible(struct gh_req *r);

#endif
