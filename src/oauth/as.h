/*
 * The Authorization Server's shared state. What lives in memory is a cache
 * of the store (docs/internals/store.md, "Revision counter"): an immutable,
 * reference-counted snapshot of signing keys (parsed once into EVP_PKEY),
 * clients, the JWKS and discovery documents and settings. A request takes
 * the current snapshot; at most once a second one thread compares the
 * store's revision counter and swaps in a new snapshot when it changed, so
 * CLI changes reach running servers (and other processes) within a second.
 */
#ifndef GH_AS_H
#define GH_AS_H

#include <pthread.h>
#include <stdint.h>

#include "core/settings.h"
#include "jose/jose.h"
#include "store/store.h"

struct gh_recorder;
struct gh_workq;
struct gh_bcl_sender;

struct gh_snap {
    int refs;
    int64_t revision;
    int64_t valid_until; /* rebuild after this (a retired key leaves the JWKS) */
    char issuer[GH_URI_MAX];
    char audience[GH_URI_MAX];
    struct gh_jwk *signer; /* the active key */
    struct gh_jwk **keys;  /* every published key, signer included */
    size_t n_keys;
    char *jwks;
    size_t jwks_len;
    char *discovery;
    size_t discovery_len;
    struct gh_client *clients;
    size_t n_clients;
    char (*origins)[GH_URI_MAX]; /* CORS origins of public clients */
    size_t n_origins;
    unsigned char csrf_key[32];
    /* the key of stateless DPoP nonces (RFC 9449 8), derived from csrf_key
     * once per snapshot; dpop_nonce_ok is 0 when it could not be */
    unsigned char dpop_nonce_key[32];
    int dpop_nonce_ok;
};

struct gh_as {
    const struct gh_settings *cfg;
    struct gh_store *store;
    struct gh_recorder *rec;   /* NULL when tracing is off */
    struct gh_workq *hashq;    /* password checks; NULL: on the caller's thread */
    struct gh_bcl_sender *bcl; /* back-channel logout delivery; NULL: none */
    pthread_mutex_t lock;
    struct gh_snap *snap;
    int64_t last_check_us;
    int64_t last_miss_us; /* the last check made for an unknown client id */
    int checking;
};

/* Loads the first snapshot; err names the problem (no issuer, no key). */
int gh_as_init(struct gh_as *as, const struct gh_settings *cfg, struct gh_store *store, char *err,
               size_t errlen);
void gh_as_release(struct gh_as *as);
/* The current snapshot, referenced (release with gh_snap_put). May reload
 * first when a second has passed since the last check. */
struct gh_snap *gh_as_snap(struct gh_as *as);
void gh_snap_put(struct gh_as *as, struct gh_snap *s);
/* Makes *s know client id when the store does: when it does not, and the
 * store's revision has moved, *s is replaced by a fresh snapshot (the old
 * one put). So a client registered at another process is usable at once,
 * not after the next periodic check (a client registers and sends its user
 * to /authorize at once, and a load balancer may pick any process). At most
 * one such check every 100 ms, so unknown ids cost no query per request.
 * Call before taking anything out of *s. Returns the client (NULL when
 * unknown, or client_id NULL), so callers need not look it up again. */
const struct gh_client *gh_as_snap_for(struct gh_as *as, struct gh_snap **s, const char *client_id);
/* Forces a revision check now (tests, SIGHUP). */
void gh_as_reload(struct gh_as *as);

/* Client of the snapshot by id, or NULL. Borrowed from the snapshot. */
const struct gh_client *gh_snap_client(const struct gh_snap *s, const char *id);
/* Published key by kid, or NULL. */
const struct gh_jwk *gh_snap_key(const struct gh_snap *s, const char *kid);
/* 1 when origin is a registered CORS origin of a public client. */
int gh_snap_origin_allowed(const struct gh_snap *s, const char *origin);

#endif
