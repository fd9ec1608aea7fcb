/*
 * DPoP at the Resource API (RFC 9449 7): the proof that comes with an
 * "Authorization: DPoP TOKEN" request, checked for this request (htm, htu,
 * ath of the token, fresh iat, a server nonce with --dpop-nonce), its key
 * matched against the token's cnf.jkt, its jti recorded through the
 * server's replay table. Internal to src/api.
 */
#ifndef GH_API_DPOP_H
#define GH_API_DPOP_H

#include "api/api.h"
#include "jose/dpop.h"

struct gh_api_dpop;

/* New (caller frees with gh_api_dpop_free). */
int gh_api_dpop_new(const struct gh_api_cfg *cfg, struct gh_api_dpop **out /* OUT */);
void gh_api_dpop_free(struct gh_api_dpop *d);

/* Checks the request's DPoP proof for token (token_hash: its SHA-256),
 * bound to cnf_jkt ("": the token is not bound, which a DPoP request
 * refuses). GH_DPOP_OK with *use, or GH_DPOP_INVALID / GH_DPOP_NONCE with
 * *why (static). */
enum gh_dpop_result gh_api_dpop_check(struct gh_api_dpop *d, struct gh_req *r, const char *token,
                                      const unsigned char token_hash[32], const char *cnf_jkt,
                                      struct gh_dpop_use *use /* OUT */,
                                      const char **why /* OUT */);

/* Records use in the server's replay table: 0 when queued (done(arg, rc)
 * follows, rc GH_EEXIST for a replay), 1 when there is no table. */
int gh_api_dpop_record(const struct gh_api_dpop *d, const struct gh_dpop_use *use,
                       void (*done)(void *arg, int rc), void *arg);

/* With --dpop-nonce, adds DPoP-Nonce with a current nonce. */
void gh_api_dpop_nonce_header(const struct gh_api_dpop *d, struct gh_req *r);

#endif
