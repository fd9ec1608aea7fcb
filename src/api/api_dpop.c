/*
 * DPoP proofs at the Resource API (RFC 9449 7, 8, 11.1); see api_dpop.h.
 * The per-request cost is one signature verification: the proof's header
 * and key are parsed once and cached (src/jose/dpop.c), the access token's
 * own verification stays cached as before and its hash, already made for
 * that cache, is the one ath is checked against.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api_dpop.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/err.h"

struct gh_api_dpop {
    struct gh_dpop_keys *keys;
    const char *base; /* the API's public URL (borrowed, see api.h) */
    int64_t window;
    int nonce_on;
    unsigned char nonce_key[32];
    void (*jti_use)(void *arg, const unsigned char jti[GH_SHA256_LEN], const char *jkt,
                    int64_t expires_at, void (*done)(void *done_arg, int rc), void *done_arg);
    void *jti_arg;
};

int gh_api_dpop_new(const struct gh_api_cfg *cfg, struct gh_api_dpop **out)
{
    struct gh_api_dpop *d = gh_alloc_fail_now() ? NULL : calloc(1, sizeof(*d));
    if (d == NULL)
        return GH_ENOMEM;
    d->base = cfg->public_url ? cfg->public_url : "";
    d->window = cfg->dpop_window > 0 ? cfg->dpop_window : GH_DPOP_WINDOW_MAX;
    d->nonce_on = cfg->dpop_nonce_key != NULL;
    if (d->nonce_on)
        memcpy(d->nonce_key, cfg->dpop_nonce_key, sizeof(d->nonce_key));
    d->jti_use = cfg->dpop_jti_use;
    d->jti_arg = cfg->dpop_arg;
    if (gh_dpop_keys_new(&d->keys) < 0) {
        gh_api_dpop_free(d);
        return GH_ENOMEM;
    }
    *out = d;
    return 0;
}

void gh_api_dpop_free(struct gh_api_dpop *d)
{
    if (d == NULL)
        return;
    gh_dpop_keys_free(d->keys);
    free(d);
}

void gh_api_dpop_nonce_header(const struct gh_api_dpop *d, struct gh_req *r)
{
    char nonce[GH_DPOP_NONCE_LEN + 1];
    if (d->nonce_on && gh_dpop_nonce(d->nonce_key, gh_now(), nonce) == 0)
        gh_resp_header(r, "DPoP-Nonce", gh_arena_strdup(r->arena, nonce));
}

enum gh_dpop_result gh_api_dpop_check(struct gh_api_dpop *d, struct gh_req *r, const char *token,
                                      const unsigned char token_hash[GH_SHA256_LEN],
                                      const char *cnf_jkt, struct gh_dpop_use *use,
                                      const char **why)
{
    struct gh_dpop_request q = {
        .proof = gh_req_header(r, "DPoP"),
        .htm = r->method == GH_POST ? "POST" : "GET",
        .base = d->base,
        .path = r->path,
        .token = token,
        .token_hash = token_hash,
        .cnf_jkt = cnf_jkt,
        .now = gh_now(),
        .window = d->window,
        .nonce_key = d->nonce_on ? d->nonce_key : NULL,
    };
    q.n_proofs = q.proof ? gh_req_header_count(r, "DPoP") : 0;
    return gh_dpop_request_check(d->keys, &q, use, why);
}

int gh_api_dpop_record(const struct gh_api_dpop *d, const struct gh_dpop_use *use,
                       void (*done)(void *arg, int rc), void *arg)
{
    /* RFC 9449 11.1: each proof once, across every process of the server */
    if (d->jti_use == NULL)
        return 1;
    d->jti_use(d->jti_arg, use->jti, use->jkt, use->expires_at, done, arg);
    return 0;
}
