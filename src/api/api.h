/*
 * Resource API (RFC 6750, RFC 9068): GET /api/me and GET /api/admin behind
 * bearer-token validation done as an independent resource server would
 * (RFC 6750, RFC 9068 section 4): keys learned through discovery and the
 * jwks_uri over HTTP, an algorithm allow-list, typ, iss, aud, exp/nbf with
 * a leeway. Verified tokens are cached by SHA-256 until they expire; every
 * claim check but the signature still runs on each request.
 */
#ifndef GH_API_H
#define GH_API_H

#include <stdint.h>

#include "http/http.h"

struct gh_recorder;

struct gh_api_cfg {
    const char *issuer;   /* exact iss; discovery at ISSUER/.well-known/... */
    const char *audience; /* required in aud */
    int64_t leeway;
    int64_t refetch_interval; /* least seconds between JWKS fetches */
    struct gh_recorder *rec;  /* NULL when tracing is off */
    /* CORS: 1 when origin may call the API */
    int (*origin_ok)(void *arg, const char *origin);
    void *origin_arg;
    /* DPoP (RFC 9449 7, api_dpop.c): the API's public URL without a
     * trailing slash (htu is it plus the path; borrowed: it must outlive
     * the API, and may be filled in after gh_api_new, before the first
     * request), the iat window, the nonce key (32 bytes; NULL: no nonce
     * demanded) and the replay table shared with the other processes:
     * dpop_jti_use(dpop_arg, ...) as gh_store_dpop_jti_use_async: it
     * calls done(done_arg, rc) once, from any thread (NULL: none). */
    const char *public_url;
    int64_t dpop_window;
    const unsigned char *dpop_nonce_key;
    void (*dpop_jti_use)(void *arg, const unsigned char jti[32], const char *jkt,
                         int64_t expires_at, void (*done)(void *done_arg, int rc), void *done_arg);
    void *dpop_arg;
};

struct gh_api;

int gh_api_new(const struct gh_api_cfg *cfg, struct gh_api **out);
void gh_api_free(struct gh_api *api);
/* Validates token (the part after "Bearer ") as GET /api/me does —
 * parse, typ, signature, claims, iss, aud, exp/nbf — but against
 * keys[0..n) (borrowed) instead of the issuer's JWKS. A hook for the
 * fuzzer and tests: 0, or a negative gh_err with *why set. */
struct gh_jwk;
int gh_api_check_token(struct gh_api *api, const struct gh_jwk *const *keys, size_t n,
                       const char *token, const char **why /* OUT */);
/* ---- protected-resource metadata, RFC 9728 (prm.c) ---- */
struct gh_prm {
    char resource[512]; /* the API's resource identifier, "" until set */
    char url[1024];     /* where its metadata document is served */
    char path[600];     /* that URL's path: /.well-known/oauth-protected-resource[/PATH] */
    char *doc;          /* the document (owned) */
    size_t doc_len;
};
/* Sets the API's resource identifier (its public URL, `--api-url`) and
 * the scopes its metadata lists (space-separated), and builds the
 * document. Called once, as the API starts listening (before that the
 * metadata answers 404 and challenges name none). 0, GH_EINVAL (not an
 * http(s) URL) or GH_ENOMEM. Tokens whose aud is the resource are accepted
 * too. */
int gh_api_set_resource(struct gh_api *api, const char *resource, const char *scopes);
/* The API's metadata state and issuer (borrowed; prm.c). */
struct gh_prm *gh_api_prm(struct gh_api *api);
const char *gh_api_issuer(const struct gh_api *api);
/* GET /.well-known/oauth-protected-resource[/PATH]. */
void gh_api_h_prm(struct gh_req *r);

/* Route table for the API listener; the route context is the gh_api. */
extern const struct gh_route gh_api_routes[];
extern const size_t gh_api_n_routes;

/* ---- JWKS client (jwks_client.c) ---- */
struct gh_jwks_client;
int gh_jwks_client_new(const char *issuer, int64_t refetch_interval, struct gh_jwks_client **out);
void gh_jwks_client_free(struct gh_jwks_client *jc);
/* Verifies jws with the issuer's key of its kid, fetching the JWKS when
 * the kid is unknown (at most once per refetch interval). 0: verified;
 * GH_ENOTFOUND: no such key; GH_EINVAL: bad signature; GH_EUNAVAIL: the
 * issuer could not be reached. *fetched is set when a fetch happened. */
struct gh_jws;
int gh_jwks_client_verify(struct gh_jwks_client *jc, const struct gh_jws *jws, int *fetched);

#endif
