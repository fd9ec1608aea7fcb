/*
 * The account page, ISSUER/account, for a signed-in user: one-time codes
 * (RFC 6238) with their recovery codes, the browser sessions with a way to
 * end each, and the place for passkeys. Every page needs the browser
 * session of the gh_session cookie (session.h); every form carries a CSRF
 * token bound to that session (csrf.h); the answers are AS pages with the
 * strict CSP and Cache-Control: no-store (gh_oauth_page_headers).
 *
 *   account.c          the request context, GET /account, signing sessions out
 *   account_totp.c     enrolment, confirmation, removal, new recovery codes
 *   account_view.c     the HTML
 *   account_passkeys.c the passkeys section: adding (options, finish),
 *                      renaming and removing passkeys
 */
#ifndef GH_ACCOUNT_H
#define GH_ACCOUNT_H

#include "oauth/csrf.h"
#include "oauth/oauth.h"
#include "proto/totp_secret.h"

#define GH_RECOVERY_CODES 10 /* recovery codes made at a time */

/* One account request (account.c). */
struct gh_account {
    struct gh_as *as;
    struct gh_snap *s;      /* referenced until gh_account_end */
    struct gh_session sess; /* the browser's session; sess.sub is the user */
    struct gh_form form;    /* the posted form (POST only) */
    char csrf[GH_CSRF_LEN]; /* the token for this page's forms */
};

/* Starts an account request: the snapshot and the browser session; for a
 * POST also the form, whose csrf field must hold the session's token. 0,
 * or <0 with the answer given: 401 without a live session, 400 for a
 * malformed form, 403 for a missing or wrong CSRF token. Either way end
 * with gh_account_end. */
int gh_account_begin(struct gh_req *r, struct gh_account *ac);
/* The same for a script's request (passkey options): the refusals are
 * JSON errors ({"error","error_description"}) with the same statuses. */
int gh_account_begin_json(struct gh_req *r, struct gh_account *ac);
void gh_account_end(struct gh_account *ac);
/* A posted field sent once; NULL when absent, empty or repeated. */
const char *gh_account_field(const struct gh_account *ac, const char *name);
/* The account page with notice or error (either may be NULL) on top. */
void gh_account_page(struct gh_req *r, struct gh_account *ac, int status, const char *notice,
                     const char *error);
/* The issuer's authority (host[:port]), as the name authenticator apps
 * show, in r's arena; "" when the issuer has none. */
const char *gh_account_authority(struct gh_req *r, const char *issuer);

/* What the pages show (account_view.c). */
enum gh_totp_state { GH_TOTP_OFF, GH_TOTP_PENDING, GH_TOTP_ON };
struct gh_account_view {
    const char *user, *csrf, *issuer;
    const char *current_sid;    /* this browser's session */
    const char *notice, *error; /* NULL when none */
    enum gh_totp_state totp;
    int recovery_left;
    const struct gh_session *sessions; /* live sessions, oldest first */
    size_t n_sessions;
    int passkeys;                         /* 1: passkeys are possible here (gh_webauthn_possible) */
    const struct gh_webauthn_cred *creds; /* the user's passkeys, oldest first */
    size_t n_creds;
};
void gh_account_view_page(struct gh_req *r, int status, const struct gh_account_view *v);
/* The enrolment page: the QR code of uri, uri and the base32 secret for
 * typing in, and the form for the first code; error (may be NULL) when a
 * code was refused. */
void gh_account_view_setup(struct gh_req *r, int status, const struct gh_account_view *v,
                           const char *uri, const char *b32, const char *error);
/* The recovery codes, shown this once. */
void gh_account_view_codes(struct gh_req *r, const struct gh_account_view *v,
                           const char codes[][GH_RECOVERY_LEN], size_t n);
/* A page with a title and a message and a way back to the account page
 * (sign in first, a form that expired, a session that is not yours). */
void gh_account_view_message(struct gh_req *r, int status, const char *title, const char *message);

/* The passkeys section of the account page (account_passkeys.c): the
 * user's passkeys (name, added, last used) with renaming and removal, and
 * adding one (WebAuthn Level 2 registration). The RP ID is the issuer's
 * host name; an IP address cannot be one, so with an IP-address issuer
 * the section is left out (and v->passkeys is 0). */
void gh_account_passkeys(struct gh_buf *b, const struct gh_account_view *v);
/* Opens a POST form of the account page to action with its CSRF field;
 * attrs ("" or e.g. " class=\"inline\"") go into the form tag as they are. */
void gh_account_form_open(struct gh_buf *b, const char *action, const char *attrs,
                          const char *csrf);
/* A time as "2025-01-31 14:05 UTC". */
void gh_account_when(struct gh_buf *b, int64_t t);

#endif
