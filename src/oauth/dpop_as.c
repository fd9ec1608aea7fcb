/*
 * DPoP at the Authorization Server (RFC 9449 5 and 8): the proof a token
 * request carries in its DPoP header is checked (src/jose/dpop.c) against
 * this endpoint's method and public URL, its jti goes into the store's
 * replay table (the token endpoint waits for that commit without holding a
 * thread), durably and shared by every process on one database, before
 * the request may go on, and with --dpop-nonce a nonce is demanded.
 * Nonces need no state of their own: they seal a time slot with a key
 * derived from the database's csrf_key, which every process reads, so a
 * nonce one process hands out works at all of them and rotates by itself.
 */
#include <pthread.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/metrics.h"
#include "jose/dpop.h"
#include "oauth/oauth.h"

/* Parsed proof keys by thumbprint, for the life of the process: a client
 * that keeps its key costs one signature check per proof and no parsing. */
static struct gh_dpop_keys *keys;
static pthread_once_t keys_once = PTHREAD_ONCE_INIT;

static void keys_init(void)
{
    if (gh_dpop_keys_new(&keys) < 0)
        keys = NULL; /* then every proof's key is parsed */
}

void gh_oauth_dpop_nonce_header(struct gh_req *r, const struct gh_as *as, const struct gh_snap *s)
{
    char nonce[GH_DPOP_NONCE_LEN + 1];
    if (!as->cfg->dpop_nonce || !s->dpop_nonce_ok ||
        gh_dpop_nonce(s->dpop_nonce_key, gh_now(), nonce) < 0)
        return;
    gh_resp_header(r, "DPoP-Nonce", gh_arena_strdup(r->arena, nonce));
    gh_resp_header(r, "Access-Control-Expose-Headers", "DPoP-Nonce");
}

static int refuse(struct gh_req *r, enum gh_oauth_err e, const char *why)
{
    gh_log(GH_LOG_INFO, "dpop proof refused", "reason", why, NULL);
    gh_oauth_error(r, e, why);
    return GH_EINVAL;
}

/* The DPoP check of r at the endpoint path of this AS (RFC 9449 4.3, 7.1);
 * token and cnf_jkt as in struct gh_dpop_request. */
static enum gh_dpop_result check(struct gh_req *r, const struct gh_as *as, const struct gh_snap *s,
                                 const char *path, const char *token, const char *cnf_jkt,
                                 struct gh_dpop_use *use, const char **why)
{
    pthread_once(&keys_once, keys_init);
    struct gh_dpop_request q = {
        .proof = gh_req_header(r, "DPoP"),
        .htm = r->method == GH_POST ? "POST" : "GET",
        .base = s->issuer,
        .path = path,
        .token = token,
        .cnf_jkt = cnf_jkt,
        .now = gh_now(),
        .window = as->cfg->dpop_window,
        .nonce_key = as->cfg->dpop_nonce && s->dpop_nonce_ok ? s->dpop_nonce_key : NULL,
    };
    q.n_proofs = q.proof ? gh_req_header_count(r, "DPoP") : 0;
    return gh_dpop_request_check(keys, &q, use, why);
}

int gh_oauth_dpop(struct gh_req *r, struct gh_as *as, const struct gh_snap *s, const char *path,
                  char jkt[GH_JKT_MAX], struct gh_oauth_dpop_use *use)
{
    struct gh_dpop_use u;
    const char *why = NULL;
    jkt[0] = '\0';
    if (gh_req_header(r, "DPoP") == NULL)
        return 0;
    enum gh_dpop_result res = check(r, as, s, path, NULL, NULL, &u, &why);
    if (res == GH_DPOP_NONCE) {
        /* RFC 9449 8: the error carries the nonce to use */
        gh_oauth_dpop_nonce_header(r, as, s);
        return refuse(r, GH_OAUTH_USE_DPOP_NONCE, why);
    }
    if (res != GH_DPOP_OK)
        return refuse(r, GH_OAUTH_INVALID_DPOP_PROOF, why);
    memcpy(use->jti, u.jti, sizeof(use->jti));
    use->expires_at = u.expires_at;
    memcpy(jkt, u.jkt, sizeof(u.jkt));
    gh_oauth_dpop_nonce_header(r, as, s);
    return 0;
}

int gh_oauth_dpop_resource(struct gh_req *r, struct gh_as *as, const struct gh_snap *s,
                           const char *path, const char *token, const char *cnf_jkt,
                           const char **why)
{
    struct gh_dpop_use u;
    enum gh_dpop_result res = check(r, as, s, path, token, cnf_jkt, &u, why);
    if (res != GH_DPOP_OK)
        return res;
    int rc = gh_store_dpop_jti_use(as->store, u.jti, u.jkt, u.expires_at);
    if (rc < 0) {
        *why = rc == GH_EEXIST ? "DPoP proof already used (jti replay)"
                               : "cannot record the DPoP proof";
        return GH_DPOP_INVALID;
    }
    return GH_DPOP_OK;
}

int gh_oauth_dpop_recorded(struct gh_req *r, int rc)
{
    if (rc == GH_EEXIST)
        return refuse(r, GH_OAUTH_INVALID_DPOP_PROOF, "DPoP proof already used (jti replay)");
    if (rc < 0) {
        gh_metric_inc(GH_M_DB_ERRORS);
        gh_log(GH_LOG_ERROR, "store write failed", "error", gh_strerror(rc), NULL);
        gh_oauth_error(r, GH_OAUTH_TEMPORARILY_UNAVAILABLE, "storage temporarily unavailable");
        return rc;
    }
    return 0;
}
