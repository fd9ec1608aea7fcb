/*
 * Passkeys over HTTP (WebAuthn Level 2, SPEC 13): what the sign-in
 * endpoints (passkey_login.c) and the account page (account_passkeys.c)
 * share. src/webauthn/ checks the ceremonies; this module hands out the
 * challenges they are checked against and reads them back:
 *
 *   passkey.c      the relying party of a snapshot (RP ID, origin), the
 *                  user handle, challenges (issued under a rate limit per
 *                  client address, taken once), JSON errors
 *   passkey_form.c the browser's response as posted form fields, base64url
 *                  decoded with bounds (fuzz/fuzz_passkey_form.c)
 *   passkey_js.c   GET /passkey.js, the one script of the AS pages
 *
 * Challenges are stored only as their SHA-256, with their purpose
 * ("create" or "get"), the user they were issued for ("" for a sign-in
 * that names none) and a 5-minute expiry; any process can finish a
 * ceremony, and only once (store.h webauthn_challenge_take).
 */
#ifndef GH_PASSKEY_H
#define GH_PASSKEY_H

#include "http/form.h"
#include "oauth/oauth.h"
#include "webauthn/webauthn.h"

#define GH_PASSKEY_TTL 300       /* seconds a challenge lives (WebAuthn 13.4.3) */
#define GH_PASSKEY_RATE 30       /* challenges per client address ... */
#define GH_PASSKEY_WINDOW 60     /* ... per this many seconds */
#define GH_PASSKEY_RECENT 900    /* seconds after a sign-in a passkey may be added */
#define GH_PASSKEY_HANDLE_LEN 32 /* user handle bytes (WebAuthn 5.4.3: at most 64) */

/* The relying party of the snapshot's issuer. */
struct gh_passkey_rp {
    char rp_id[GH_WA_RP_ID_MAX];
    char origin[GH_WA_ORIGIN_MAX];
};
/* 0 and rp, or GH_WA_ENORPID when the issuer's host is an IP address (no
 * passkeys, SPEC 13), GH_WA_EINVAL when it is no http(s) URL. */
int gh_passkey_rp(const struct gh_snap *s, struct gh_passkey_rp *rp /* OUT */);

/* The user handle of user sub (WebAuthn 5.4.3 user.id, 14.6.1: no
 * personal information): HMAC-SHA256 under the database's csrf_key of
 * "webauthn user" and sub, so it is stable, opaque, and the same in every
 * process. 0 or GH_ECRYPTO. */
int gh_passkey_user_handle(const struct gh_snap *s, const char *sub,
                           unsigned char out[GH_PASSKEY_HANDLE_LEN] /* OUT */);
/* 1 when handle[0..n) is sub's user handle (constant time). */
int gh_passkey_handle_is(const struct gh_snap *s, const char *sub, const unsigned char *handle,
                         size_t n);

/* A new challenge for purpose ("create"/"get") and sub ("" for none),
 * stored, its base64url in b64. The client address may ask for
 * GH_PASSKEY_RATE per GH_PASSKEY_WINDOW seconds (throttle.h): beyond that
 * the answer is a 429 JSON error with Retry-After. 0, or <0 with the
 * answer given. */
int gh_passkey_challenge(struct gh_req *r, const char *purpose, const char *sub,
                         char b64[64] /* OUT */);
/* The challenge clientDataJSON carries, taken from the store (so never
 * again) when it was issued for purpose and, unless sub is NULL, for sub;
 * its raw bytes in raw, its length in *n, the user it was issued for in
 * issued_sub (GH_ID_MAX bytes; may be NULL). 0, or GH_ENOTFOUND (unknown,
 * used, expired, another purpose or user), or a store error. */
int gh_passkey_challenge_take(struct gh_as *as, const unsigned char *cdj, size_t cdj_len,
                              const char *purpose, const char *sub,
                              unsigned char raw[GH_WA_CHALLENGE_MAX] /* OUT */, size_t *n,
                              char *issued_sub /* OUT */);

/* A JSON error answer of the options endpoints: {"error","error_description"},
 * no-store. */
void gh_passkey_error(struct gh_req *r, int status, const char *error, const char *desc);

/* Answers 200 with the options object o (steals it; no-store). */
void gh_passkey_options(struct gh_req *r, json_t *o);
/* [{"type":"public-key","id":base64url}, ...] of the n credentials rows
 * (allowCredentials, excludeCredentials); new, or NULL without memory. */
json_t *gh_passkey_descriptors(const struct gh_webauthn_cred *rows, size_t n);
/* The base64url of p[0..n) in r's arena, or NULL. */
const char *gh_passkey_b64(struct gh_req *r, const unsigned char *p, size_t n);

/* The browser's answer to navigator.credentials.create() or .get(), as
 * posted form fields in base64url (passkey_form.c). Pointers into the
 * arena the parse was given. */
struct gh_passkey_response {
    const unsigned char *id, *auth_data, *cdj, *sig, *user_handle, *att_obj;
    size_t id_len, auth_data_len, cdj_len, sig_len, user_handle_len, att_obj_len;
};
enum gh_passkey_kind { GH_PASSKEY_CREATE, GH_PASSKEY_GET };
/* Reads the fields of f: for GH_PASSKEY_CREATE attestationObject and
 * clientDataJSON; for GH_PASSKEY_GET id, authenticatorData,
 * clientDataJSON, signature and userHandle (userHandle may be absent for
 * a second factor, where the user is known). Each must be strict
 * base64url (core/b64url.h) of at most GH_WA_INPUT_MAX bytes (the id at
 * most GH_WA_CRED_ID_MAX, the user handle at most 64). 0, or GH_EINVAL
 * with *why naming the field; GH_ENOMEM when the arena is full. */
int gh_passkey_response_parse(struct gh_arena *a, const struct gh_form *f,
                              enum gh_passkey_kind kind, struct gh_passkey_response *out /* OUT */,
                              const char **why /* OUT */);

/* GET /passkey.js (passkey_js.c). */
void gh_h_passkey_js(struct gh_req *r);

#endif
