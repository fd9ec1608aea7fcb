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

/* Checks the request's DPoP proof for token, bound to cnf_jkt ("": the
 * token is not bound, which a DPoP request refuses). GH_DPOP_OK, or
 * GH_DPOP_INVALID / GH_DPOP_NONCE with *why (static). */
enum gh_dpop_result gh_api_dpop_check(struct gh_api_dpop *d, struct gh_req *r, const char *token,
                                      const char *cnf_jkt, const char **why /* OUT */);

/* With --dpop-nonce, adds DPoP-Nonce with a current nonce. */
void gh_api_dpop_nonce_header(const struct gh_api_dpop *d, struct gh_req *r);

#endif
