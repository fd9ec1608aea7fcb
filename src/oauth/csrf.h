/*
 * CSRF form tokens of the Authorization Server's pages (csrf.c), the one
 * rule every form follows (OWASP CSRF Prevention Cheat Sheet, "Signed
 * Double-Submit Cookie"): the token is HMAC-SHA256 under the database's
 * csrf_key over the browser's gh_csrf cookie (HttpOnly, SameSite=Strict)
 * and the fields that say what the form is for, so a token fits only the
 * browser and the form it was made for. The sign-in and consent forms
 * bind the authorization request (authz.h), the sign-out confirmation
 * "/logout", the account pages the browser session (account.h).
 */
#ifndef GH_CSRF_H
#define GH_CSRF_H

#include <stddef.h>

#include "oauth/oauth.h"

#define GH_CSRF_LEN 64 /* a token with its NUL (43 base64url characters) */

/* This browser's gh_csrf cookie, set when missing (in r's arena): what
 * form tokens, and the second-factor ticket of a sign-in (mfa.h), are
 * bound to. "" when none could be made. */
const char *gh_csrf_browser(struct gh_req *r, const struct gh_snap *s);
/* The token for this browser and the n fields (none may be NULL) into
 * out, setting the gh_csrf cookie when the browser has none. out is ""
 * when the MAC cannot be computed; no check accepts that. */
void gh_csrf_token(struct gh_req *r, const struct gh_snap *s, const char *const *fields, size_t n,
                   char out[GH_CSRF_LEN]);
/* 1 when posted (may be NULL) is the token of this browser's cookie and
 * the n fields, compared in constant time; else 0. */
int gh_csrf_ok(struct gh_req *r, const struct gh_snap *s, const char *const *fields, size_t n,
               const char *posted);

#endif
