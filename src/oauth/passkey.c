/*
 * What the passkey endpoints share (passkey.h): the relying party of the
 * issuer, the opaque user handle, and challenges. A challenge costs a
 * store row for 5 minutes, and anyone may ask for one without signing in,
 * so each client address (an IPv6 client per /64, http/addr.h) gets
 * GH_PASSKEY_RATE per minute; expired rows go with the store's purge.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/b64url.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/log.h"
#include "http/addr.h"
#include "oauth/passkey.h"
#include "oauth/throttle.h"

int gh_passkey_rp(const struct gh_snap *s, struct gh_passkey_rp *rp)
{
    int rc = gh_webauthn_rp_id(s->issuer, rp->rp_id, sizeof(rp->rp_id));
    if (rc == 0)
        rc = gh_webauthn_origin(s->issuer, rp->origin, sizeof(rp->origin));
    return rc;
}

int gh_passkey_user_handle(const struct gh_snap *s, const char *sub,
                           unsigned char out[GH_PASSKEY_HANDLE_LEN])
{
    static const char label[] = "webauthn user";
    unsigned char msg[sizeof(label) + GH_ID_MAX];
    size_t n = strlen(sub), len = 0;
    if (n >= GH_ID_MAX)
        return GH_EINVAL;
    memcpy(msg, label, sizeof(label)); /* the NUL separates label and user */
    memcpy(msg + sizeof(label), sub, n);
    int ok = EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, s->csrf_key, sizeof(s->csrf_key), msg,
                       sizeof(label) + n, out, GH_PASSKEY_HANDLE_LEN, &len) != NULL;
    return ok && len == GH_PASSKEY_HANDLE_LEN ? 0 : GH_ECRYPTO;
}

int gh_passkey_handle_is(const struct gh_snap *s, const char *sub, const unsigned char *handle,
                         size_t n)
{
    unsigned char want[GH_PASSKEY_HANDLE_LEN];
    if (n != sizeof(want) || gh_passkey_user_handle(s, sub, want) < 0)
        return 0;
    return CRYPTO_memcmp(want, handle, n) == 0;
}

void gh_passkey_error(struct gh_req *r, int status, const char *error, const char *desc)
{
    gh_resp_error(r, status, error, desc);
}

int gh_passkey_challenge(struct gh_req *r, const char *purpose, const char *sub, char b64[64])
{
    struct gh_as *as = gh_as_of(r);
    char bucket[GH_BUCKET_LEN];
    gh_addr_bucket(r->addr, bucket);
    const char *key = gh_arena_printf(r->arena, "w:%s", bucket);
    int64_t now = gh_now();
    int64_t wait = key ? gh_throttle_rate(as, key, GH_PASSKEY_RATE, GH_PASSKEY_WINDOW, now) : 0;
    if (key == NULL) {
        gh_passkey_error(r, 503, "temporarily_unavailable", "try again in a moment");
        return GH_ENOMEM;
    }
    if (wait > 0) {
        gh_resp_header(r, "Retry-After", gh_arena_printf(r->arena, "%lld", (long long)wait));
        gh_passkey_error(r, 429, "slow_down", "too many passkey requests from this address");
        return GH_EUNAVAIL;
    }
    struct gh_webauthn_challenge c;
    unsigned char raw[GH_WA_CHALLENGE_LEN];
    memset(&c, 0, sizeof(c));
    snprintf(c.purpose, sizeof(c.purpose), "%s", purpose);
    snprintf(c.sub, sizeof(c.sub), "%s", sub);
    c.expires_at = now + GH_PASSKEY_TTL;
    int rc = gh_webauthn_challenge_new(raw, b64, 64, c.hash) < 0 ? GH_ECRYPTO : 0;
    OPENSSL_cleanse(raw, sizeof(raw)); /* the store and the browser need only these two */
    if (rc == 0)
        rc = gh_store_webauthn_challenge_put(as->store, &c);
    if (rc < 0) {
        gh_log(GH_LOG_ERROR, "cannot issue a passkey challenge", "error", gh_strerror(rc), NULL);
        gh_passkey_error(r, 503, "temporarily_unavailable", "try again in a moment");
    }
    return rc;
}

int gh_passkey_challenge_take(struct gh_as *as, const unsigned char *cdj, size_t cdj_len,
                              const char *purpose, const char *sub,
                              unsigned char raw[GH_WA_CHALLENGE_MAX], size_t *n, char *issued_sub)
{
    unsigned char hash[GH_SHA256_LEN];
    struct gh_webauthn_challenge c;
    if (gh_webauthn_client_challenge(cdj, cdj_len, raw, GH_WA_CHALLENGE_MAX, n) < 0)
        return GH_ENOTFOUND;
    gh_sha256(raw, *n, hash);
    int rc = gh_store_webauthn_challenge_take(as->store, hash, gh_now(), &c);
    if (rc == GH_EEXPIRED)
        rc = GH_ENOTFOUND;
    if (rc < 0)
        return rc;
    /* taken either way: a challenge shown to the wrong ceremony is spent */
    if (strcmp(c.purpose, purpose) != 0 || (sub != NULL && strcmp(c.sub, sub) != 0))
        return GH_ENOTFOUND;
    if (issued_sub != NULL)
        snprintf(issued_sub, GH_ID_MAX, "%s", c.sub);
    return 0;
}

const char *gh_passkey_b64(struct gh_req *r, const unsigned char *p, size_t n)
{
    size_t size = GH_B64URL_LEN(n) + 1;
    char *out = gh_arena_alloc(r->arena, size);
    if (out == NULL || gh_b64url_encode(p, n, out, size) < 0)
        return NULL;
    return out;
}

json_t *gh_passkey_descriptors(const struct gh_webauthn_cred *rows, size_t n)
{
    json_t *a = json_array();
    char id[GH_B64URL_LEN(GH_WEBAUTHN_ID_MAX) + 1];
    for (size_t i = 0; a != NULL && i < n; i++) {
        gh_b64url_encode(rows[i].id, rows[i].id_len, id, sizeof(id));
        if (json_array_append_new(a, json_pack("{s:s,s:s}", "type", "public-key", "id", id)) < 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

void gh_passkey_options(struct gh_req *r, json_t *o)
{
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    const char *body = text ? gh_arena_strdup(r->arena, text) : NULL;
    free(text);
    json_decref(o);
    if (body == NULL) {
        gh_passkey_error(r, 500, "server_error", "the options could not be written");
        return;
    }
    gh_resp_header(r, "Cache-Control", "no-store");
    gh_resp_json(r, 200, body);
}
