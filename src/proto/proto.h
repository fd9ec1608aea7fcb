/*
 * Pure protocol logic, no I/O: PKCE (RFC 7636), redirect-URI matching
 * (RFC 6749 3.1.2, RFC 8252 7.3), scopes (RFC 6749 3.3), client
 * authentication header parsing (RFC 6749 2.3.1) and the OAuth error
 * table (RFC 6749 4.1.2.1, 5.2; RFC 6750 3.1).
 */
#ifndef GH_PROTO_H
#define GH_PROTO_H

#include <stddef.h>

#include "core/arena.h"

/* ---- PKCE ---- */
/* 1 when v is 43..128 characters of [A-Za-z0-9-._~] (RFC 7636 4.1). */
int gh_pkce_verifier_valid(const char *v, size_t n);
/* 1 when c is a syntactically valid S256 challenge (43 base64url chars). */
int gh_pkce_challenge_valid(const char *c, size_t n);
/* S256 challenge of a verifier: base64url(SHA-256(verifier)), 43 chars. */
void gh_pkce_s256(const char *verifier, size_t n, char out[44]);
/* 1 when BASE64URL(SHA256(verifier)) equals challenge (constant time). */
int gh_pkce_verify(const char *verifier, size_t vn, const char *challenge, size_t cn);

/* ---- redirect URIs ---- */
/* 1 when uri matches registered exactly, or both are http loopback IP
 * literals (127.0.0.1 or [::1]) differing only in the port (RFC 8252 7.3). */
int gh_redirect_match(const char *registered, const char *uri);
/* 1 when uri is acceptable to register: absolute http(s) or a private-use
 * scheme, no fragment, no userinfo; http only for loopback hosts unless
 * allow_http. */
int gh_redirect_valid(const char *uri, int allow_http);
/* Writes the origin (scheme://host[:port]) of an http(s) URI into out;
 * GH_EINVAL when it has none. */
int gh_uri_origin(const char *uri, char *out, size_t outlen);

/* ---- scopes ---- */
/* 1 when every scope token of req appears in allowed. Tokens are
 * separated by single spaces; each is %x21 / %x23-5B / %x5D-7E. */
int gh_scope_subset(const char *req, const char *allowed);
/* 1 when s is a syntactically valid scope string (RFC 6749 3.3). */
int gh_scope_valid(const char *s);
/* 1 when scope string s contains token tok. */
int gh_scope_has(const char *s, const char *tok);
/* The tokens of a that b has too, in a's order, each once, into out (""
 * when none); GH_EINVAL when out is too small. */
int gh_scope_intersect(const char *a, const char *b, char *out, size_t outlen);
/* The scope to grant, the one rule for every grant and registration: req
 * must be a valid scope string and, unless allowed is NULL, each of its
 * tokens a token of allowed (the client's current registration). out gets
 * req's tokens in their order with duplicates dropped, whole or not at all:
 * a scope is never truncated. 0; GH_EINVAL when req is malformed, else
 * GH_ENOTFOUND when a token is not allowed, else GH_ENOMEM when the result
 * does not fit in outlen. On failure out is "" (when outlen > 0). */
int gh_scope_grant(const char *req, const char *allowed, char *out, size_t outlen);

/* ---- client authentication ---- */
/* Parses "Basic base64(urlenc(id):urlenc(secret))" into arena strings.
 * GH_EINVAL when malformed. */
int gh_basic_parse(struct gh_arena *a, const char *header, char **id /* OUT */,
                   char **secret /* OUT */);

/* Why a client secret is too easy to guess, or NULL. Refused: fewer than
 * GH_SECRET_MIN_DISTINCT different characters; more than half of the
 * neighbouring pairs inside runs of three or more consecutive characters
 * ("abcd", "4321"); fewer different neighbouring pairs than half of all
 * pairs (a repeated pattern, "secret12secret12..."). Random secrets of 32
 * characters in the usual alphabets (hex, base64, digits) pass. The length
 * (32 or more) is checked apart. */
#define GH_SECRET_MIN_DISTINCT 6
const char *gh_secret_weak(const char *s, size_t n);

/* ---- OAuth errors ---- */
enum gh_oauth_err {
    GH_OAUTH_INVALID_REQUEST,
    GH_OAUTH_INVALID_CLIENT,
    GH_OAUTH_INVALID_GRANT,
    GH_OAUTH_UNAUTHORIZED_CLIENT,
    GH_OAUTH_UNSUPPORTED_GRANT_TYPE,
    GH_OAUTH_INVALID_SCOPE,
    GH_OAUTH_UNSUPPORTED_RESPONSE_TYPE,
    GH_OAUTH_ACCESS_DENIED,
    GH_OAUTH_SERVER_ERROR,
    GH_OAUTH_TEMPORARILY_UNAVAILABLE,
    GH_OAUTH_UNSUPPORTED_TOKEN_TYPE,
    GH_OAUTH_INVALID_TOKEN,
    GH_OAUTH_INSUFFICIENT_SCOPE,
    GH_OAUTH_LOGIN_REQUIRED,       /* OIDC Core 3.1.2.6 */
    GH_OAUTH_CONSENT_REQUIRED,     /* OIDC Core 3.1.2.6 */
    GH_OAUTH_INTERACTION_REQUIRED, /* OIDC Core 3.1.2.6 */
    GH_OAUTH_INVALID_DPOP_PROOF,   /* RFC 9449 5 */
    GH_OAUTH_USE_DPOP_NONCE,       /* RFC 9449 8 */
    GH_OAUTH_INVALID_TARGET,       /* RFC 8707 2 */
};
const char *gh_oauth_err_code(enum gh_oauth_err e);
/* HTTP status for the error at the token-style endpoints. */
int gh_oauth_err_status(enum gh_oauth_err e);

#endif
