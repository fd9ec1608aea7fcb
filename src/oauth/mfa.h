/*
 * The second factor of a sign-in and what follows any sign-in (mfa.c):
 * after a password, a user with one-time codes enabled gives a code (RFC
 * 6238) or a recovery code at POST /login/otp; a request that asks for a
 * second factor (acr_values, --require-mfa) gets the same step with an
 * existing password session (step-up). Between the two steps the browser
 * holds a ticket: a MAC over the user, the methods used so far, an expiry,
 * the user's password hash and the browser's CSRF cookie, so it proves
 * the first step only for that browser, briefly, and not past a password
 * change.
 */
#ifndef GH_MFA_H
#define GH_MFA_H

#include "oauth/authz.h"

/* After a sign-in or with a session that needs none: the second-factor
 * step when the request asks for one the session lacks, else the consent
 * page or the code (proto/prompt.h gh_authn_after_login). */
void gh_signin_next(struct gh_req *r, const struct gh_snap *s, struct gh_authz *a,
                    const struct gh_session *sess);
/* 1 when user sub has one-time codes enabled (their sign-ins ask for a
 * code after the password), 0 when not, <0 when the store cannot tell. */
int gh_mfa_enabled(struct gh_as *as, const char *sub);
/* Asks user u, who signed in so far with the methods amr (GH_AMR_*), for a
 * second factor: the one-time code page; without codes, the passkey page
 * when u has passkeys (passkey_login.c); else a page that says how to set
 * one up. */
void gh_mfa_ask(struct gh_req *r, const struct gh_snap *s, struct gh_authz *a,
                const struct gh_user *u, int amr);

/* The ticket of a first step: "exp.amr.mac" for user u, who signed in
 * so far with amr, valid 5 minutes in this browser (in r's arena; NULL
 * when it cannot be made). */
const char *gh_mfa_ticket(struct gh_req *r, const struct gh_snap *s, const struct gh_user *u,
                          int amr);
/* The methods ticket t says u has used, or -1 when it is not a live
 * ticket of this browser for u (forged, expired, another browser, or the
 * password changed since). */
int gh_mfa_ticket_amr(struct gh_req *r, const struct gh_snap *s, const struct gh_user *u,
                      const char *t);

#endif
