/*
 * OpenID Connect ID Tokens (OIDC Core 1.0 section 2, 3.1.3.6, 12.2): the
 * claims of one sign-in, signed as a JWS (typ "JWT") with the active key,
 * for the authorization_code and refresh_token grants of /token.
 */
#ifndef GH_IDTOKEN_H
#define GH_IDTOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "jose/jose.h"
#include "oauth/as.h"

/* What an id_token says. Strings are borrowed; NULL or "" leaves the claim
 * out (sub and client_id are required). */
struct gh_idtoken {
    const char *sub;
    const char *client_id;    /* aud and azp */
    int64_t auth_time;        /* always sent (OIDC Core 2: required with max_age) */
    const char *nonce;        /* as sent in the authorization request; the
                                 first id_token only (OIDC Core 12.2) */
    const char *sid;          /* browser session (Back-Channel Logout 2.4) */
    int amr;                  /* how the user signed in, GH_AMR_* (proto/amr.h): amr and
                                 acr; 0 leaves both out */
    const char *access_token; /* issued with it: at_hash; NULL: none */
    size_t access_token_len;
    int64_t now, ttl;
};

/* Longest at_hash: half of SHA-512, base64url, plus NUL. */
#define GH_AT_HASH_MAX 44

/* OIDC Core 3.1.3.6 at_hash of token[0..n) for an id_token signed with
 * alg: base64url of the left-most half of the hash that alg uses — SHA-256
 * for ES256 and RS256, SHA-512 for EdDSA with Ed25519 (RFC 8032 5.1; the
 * choice of the OpenID Connect working group, openid/connect issue 1125).
 * 0 or GH_ECRYPTO. */
int gh_idtoken_at_hash(enum gh_jwa alg, const char *token, size_t n, char out[GH_AT_HASH_MAX]);

/* Appends the signed id_token to jwt (iss from the snapshot, signed with
 * its active key). On failure jwt is left as it was. */
int gh_idtoken_sign(const struct gh_snap *s, const struct gh_idtoken *t, struct gh_buf *jwt);

/* The id_token of a token response: signed into jwt when scope includes
 * "openid" (OIDC Core 3.1.3.3), with at_hash of the access token at, iat
 * now and exp now + ttl; jwt stays empty otherwise. t gives the rest. */
int gh_idtoken_grant(const struct gh_snap *s, const char *scope, const struct gh_idtoken *t,
                     const struct gh_buf *at, int64_t now, int64_t ttl, struct gh_buf *jwt);

/* 1 when a nonce can be carried and echoed exactly: 1..GH_NONCE_MAX-1
 * bytes of UTF-8 without control characters. */
int gh_idtoken_nonce_ok(const char *nonce);

/* What an id_token_hint says (OIDC Core 3.1.2.1, RP-Initiated Logout 1.0
 * section 2). */
struct gh_idtoken_hint {
    char sub[GH_ID_MAX];
    char aud[GH_ID_MAX];  /* the client it was issued to */
    char sid[GH_SID_MAX]; /* "" when it carries none */
};

/* 0 and the hint's claims when token is an id_token this issuer signed:
 * typ "JWT", signed by a published key, iss ours, a single string aud.
 * Its expiry is not checked: an RP sends back the id_token it holds, which
 * may have expired (OIDC Core 3.1.2.1). GH_EINVAL otherwise. */
int gh_idtoken_hint_verify(const struct gh_snap *s, const char *token,
                           struct gh_idtoken_hint *out /* OUT */);

#endif
