/*
 * Authorization Server endpoints, one file each (discovery.c, authorize.c,
 * login.c, consent.c, token.c, introspect.c with /revoke), and the helpers
 * they share: client authentication, CORS, token issuance and error
 * responses. The browser endpoints sit on the authorization request
 * (authz.h) and browser sessions (session.h).
 */
#ifndef GH_OAUTH_H
#define GH_OAUTH_H

#include <jansson.h>

#include "http/http.h"
#include "oauth/as.h"
#include "proto/grant.h"
#include "proto/proto.h"

void gh_h_discovery(struct gh_req *r);
void gh_h_jwks(struct gh_req *r);
/* CORS preflight of the discovery documents and the JWKS: any origin. */
void gh_h_public_preflight(struct gh_req *r);
void gh_h_authorize(struct gh_req *r);
void gh_h_login(struct gh_req *r);
void gh_h_login_otp(struct gh_req *r);
/* Passkey sign-in and second factor (passkey_login.c). */
void gh_h_login_passkey_options(struct gh_req *r);
void gh_h_login_passkey(struct gh_req *r);
void gh_h_consent(struct gh_req *r);
void gh_h_token(struct gh_req *r);
void gh_h_revoke(struct gh_req *r);
void gh_h_introspect(struct gh_req *r);
void gh_h_userinfo(struct gh_req *r);
void gh_h_logout(struct gh_req *r);
/* The account page (account.h). */
void gh_h_account(struct gh_req *r);
void gh_h_account_signout(struct gh_req *r);
void gh_h_account_totp_setup(struct gh_req *r);
void gh_h_account_totp_confirm(struct gh_req *r);
void gh_h_account_totp_disable(struct gh_req *r);
void gh_h_account_recovery(struct gh_req *r);
void gh_h_account_passkeys_options(struct gh_req *r);
void gh_h_account_passkeys_add(struct gh_req *r);
void gh_h_account_passkeys_rename(struct gh_req *r);
void gh_h_account_passkeys_remove(struct gh_req *r);
void gh_h_userinfo_preflight(struct gh_req *r);
void gh_h_cors_preflight(struct gh_req *r);
void gh_h_healthz(struct gh_req *r);
void gh_h_readyz(struct gh_req *r);

/* The grant types /token serves, from its grant table (token.c): the name
 * of the i-th (a static string), or NULL past the last. Discovery's
 * grant_types_supported and the tokens-issued metric's labels come from it. */
const char *gh_grant_type_name(size_t i);
/* The row of grant type name in that table, or -1 when there is none. */
int gh_grant_type_find(const char *name);
/* Whether a client (is_public, its registered grant types `allowed`, ""
 * for its kind's defaults) may use the i-th grant type: the table's row
 * through the one rule, proto/grant.h gh_grant_use. */
enum gh_grant_use gh_grant_type_use(size_t i, int is_public, const char *allowed);

/* RFC 6749 5.2 error response (JSON, no-store); 401 invalid_client adds
 * WWW-Authenticate: Basic. */
void gh_oauth_error(struct gh_req *r, enum gh_oauth_err e, const char *desc);

/* Parses an x-www-form-urlencoded POST body into f. On failure answers
 * invalid_request and returns <0. Any repeated parameter is refused
 * (RFC 6749 3.2). */
int gh_oauth_form(struct gh_req *r, struct gh_form *f);

/* Authenticates the client at /token, /revoke, /introspect
 * (client_secret_basic, client_secret_post, or none for public clients).
 * Returns the client, or NULL after answering the error. *s may be replaced
 * by a fresher snapshot that knows the client (gh_as_snap_for). */
const struct gh_client *gh_oauth_client(struct gh_req *r, struct gh_snap **s,
                                        const struct gh_form *f);

/* Adds Access-Control-Allow-Origin (and Vary) when the request's Origin is
 * a registered origin of a public client. */
void gh_oauth_cors(struct gh_req *r, const struct gh_snap *s);

/* Refresh tokens carry their issue time in front of 32 random bytes:
 * base64url(8-byte big-endian microseconds || 32 random bytes). The store
 * key is those 8 bytes followed by the first 24 bytes of SHA-256 over the
 * whole token, so new rows land at the end of the store's index (a
 * rotation dirties a few shared pages per group commit instead of random
 * ones) while the store still holds only a hash of the secret. */
#define GH_REFRESH_BYTES 40
#define GH_REFRESH_LEN GH_B64URL_LEN(GH_REFRESH_BYTES)
int gh_refresh_new(char tok[GH_REFRESH_LEN + 1], unsigned char key[GH_SHA256_LEN]);
/* Store key of a presented refresh token; GH_EINVAL when it cannot be one
 * of ours (wrong length or alphabet). */
int gh_refresh_key(const char *tok, unsigned char key[GH_SHA256_LEN]);
/* The reuse grace window hands back the successor a token was rotated to,
 * yet the store keeps no token: the rotation stores the successor `next`
 * sealed with AES-256-GCM under HKDF-SHA256(tok), the presented token,
 * with tok's store key as associated data (GH_RT_WRAP_LEN bytes). Only tok
 * opens it again (docs/security.md 4.14). 0 or GH_ECRYPTO / GH_EINVAL. */
int gh_refresh_wrap(const char *tok, const unsigned char key[GH_SHA256_LEN], const char *next,
                    unsigned char out[GH_RT_WRAP_LEN] /* OUT */);
int gh_refresh_unwrap(const char *tok, const unsigned char key[GH_SHA256_LEN],
                      const unsigned char wrap[GH_RT_WRAP_LEN],
                      char next[GH_REFRESH_LEN + 1] /* OUT */);
/* What gh_grant_rotate (proto/grant.h) needs to know about the stored token
 * t presented by client `client` (NULL: no client binding, introspection). */
struct gh_rt_facts gh_refresh_facts(const struct gh_refresh *t, const char *client);

/* Signs an RFC 9068 access token into jwt. jti_out gets the token id
 * (23 bytes). family may be NULL (client_credentials). */
int gh_oauth_access_token(const struct gh_snap *s, const char *sub, const char *client_id,
                          const char *scope, const char *family, int64_t now, int64_t ttl,
                          struct gh_buf *jwt, char jti_out[23]);

/* What an access token says beyond gh_oauth_access_token's claims. */
struct gh_at_claims {
    const char *aud, *sub, *client_id, *scope;
    const char *family; /* NULL: none (client_credentials) */
    const char *jkt;    /* DPoP key (RFC 9449 6.1, cnf.jkt); NULL or "": unbound */
    int amr;            /* sign-in methods (RFC 9068 2.2.1 acr, amr); 0: none */
};

/* As gh_oauth_access_token, with audience aud (RFC 8707 resource; NULL:
 * the default), bound to a DPoP key and with acr and amr, as t says. */
int gh_oauth_access_token_for(const struct gh_snap *s, const struct gh_at_claims *t, int64_t now,
                              int64_t ttl, struct gh_buf *jwt, char jti_out[23]);

/* Appends ,"acr":...,"amr":[...] for the sign-in methods amr (GH_AMR_*,
 * proto/amr.h; nothing when 0) to a JSON object being written into b,
 * unless *rc is already an error; sets *rc. */
void gh_oauth_claims_amr(struct gh_buf *b, int *rc, int amr);

/* DPoP at the Authorization Server (dpop_as.c, RFC 9449 5, 8): checks the
 * request's DPoP header, if any, for the endpoint at path (htu = issuer +
 * path). 0 with the proof key's thumbprint in jkt ("" when there is no
 * header) and, for a proof, what its use records in the store's replay
 * table (gh_store_dpop_jti_use, then gh_oauth_dpop_recorded); or <0 after
 * answering 400 invalid_dpop_proof or use_dpop_nonce (with a DPoP-Nonce
 * header). */
struct gh_oauth_dpop_use {
    unsigned char jti[GH_SHA256_LEN];
    int64_t expires_at;
};
int gh_oauth_dpop(struct gh_req *r, struct gh_as *as, const struct gh_snap *s, const char *path,
                  char jkt[GH_JKT_MAX] /* OUT */, struct gh_oauth_dpop_use *use /* OUT */);
/* A DPoP-bound access token at a protected resource of the AS (/userinfo,
 * RFC 9449 7): the request's proof for path, with ath of token, by the key
 * cnf_jkt ("": the token is not bound, which fails), its jti recorded.
 * GH_DPOP_OK (0), or GH_DPOP_INVALID / GH_DPOP_NONCE with *why; answers
 * nothing. */
int gh_oauth_dpop_resource(struct gh_req *r, struct gh_as *as, const struct gh_snap *s,
                           const char *path, const char *token, const char *cnf_jkt,
                           const char **why /* OUT */);

/* Whether the replay table took the proof (rc of gh_store_dpop_jti_use):
 * 0, or <0 after answering invalid_dpop_proof (a replay) or a storage
 * error. */
int gh_oauth_dpop_recorded(struct gh_req *r, int rc);
/* With --dpop-nonce, adds DPoP-Nonce with a current nonce to the answer
 * (RFC 9449 8.2: a fresh one on every answer to a DPoP request). */
void gh_oauth_dpop_nonce_header(struct gh_req *r, const struct gh_as *as, const struct gh_snap *s);

/* Claims of an access token this server signed (signature with a
 * published key, typ at+jwt, iss), or NULL. New (json_decref). */
json_t *gh_oauth_verify_own(const struct gh_snap *s, const char *token);

/* Security headers for HTML pages (CSP, frame-ancestors, no-store...);
 * redirect_uri (may be NULL) is where the page's form may redirect to. */
void gh_oauth_page_headers(struct gh_req *r, const char *redirect_uri);
/* The same for a page that loads /passkey.js (script nonzero): the CSP
 * then also allows scripts and fetches from the AS itself, and nothing
 * inline. Only pages with passkey controls ask for it. */
void gh_oauth_page_headers_script(struct gh_req *r, const char *redirect_uri, int script);

static inline struct gh_as *gh_as_of(struct gh_req *r)
{
    return (struct gh_as *)r->ctx;
}

#endif
