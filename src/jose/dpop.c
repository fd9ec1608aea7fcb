/*
 * DPoP proof checks (RFC 9449 4.2, 4.3), the ath hash and stateless server
 * nonces (RFC 9449 8); see dpop.h. The proof is hostile input: its header
 * and claims are parsed strictly (duplicate members refused, every claim of
 * the right type and bounded length), its key is imported only as a public
 * key of the header's alg, and the signature is checked with that key
 * before any claim is believed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "core/alloc.h"
#include "core/b64url.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "jose/dpop.h"

/* Direct-mapped cache slots, each with its own lock: a key is used (the
 * signature verified) under its slot's lock, so eviction never frees a key
 * another thread is using, and threads with different keys do not meet. */
#define KEY_SLOTS 1024
/* Longest jti accepted (RFC 9449 4.2 asks for at least 96 random bits). */
#define JTI_MAX 256
#define HDR_B64_MAX 2048

struct slot {
    pthread_mutex_t lock;
    char jkt[GH_DPOP_JKT_LEN + 1];
    struct gh_jwk *k;
};

struct gh_dpop_keys {
    struct slot s[KEY_SLOTS];
};

int gh_dpop_keys_new(struct gh_dpop_keys **out)
{
    struct gh_dpop_keys *c = gh_alloc_fail_now() ? NULL : calloc(1, sizeof(*c));
    if (c == NULL)
        return GH_ENOMEM;
    for (size_t i = 0; i < KEY_SLOTS; i++)
        pthread_mutex_init(&c->s[i].lock, NULL);
    *out = c;
    return 0;
}

void gh_dpop_keys_free(struct gh_dpop_keys *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < KEY_SLOTS; i++) {
        gh_jwk_free(c->s[i].k);
        pthread_mutex_destroy(&c->s[i].lock);
    }
    free(c);
}

int gh_dpop_jkt_valid(const char *s)
{
    return strlen(s) == GH_DPOP_JKT_LEN &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
               GH_DPOP_JKT_LEN;
}

void gh_dpop_ath(const char *token, size_t n, char out[GH_B64URL_LEN(GH_SHA256_LEN) + 1])
{
    unsigned char d[GH_SHA256_LEN];
    gh_sha256(token, n, d);
    gh_b64url_encode(d, sizeof(d), out, GH_B64URL_LEN(GH_SHA256_LEN) + 1);
}

/* 1 when s is 1..max base64url characters: safe to put into JSON as is. */
static int b64url_str(const json_t *v, size_t max)
{
    const char *s = json_string_value(v);
    size_t n = s ? json_string_length(v) : 0;
    return n > 0 && n <= max &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

/* The RFC 7638 thumbprint of the JWK as its members are written, for the
 * cache lookup; 0, or <0 when the members cannot be a key we know. A key
 * imported from members in canonical base64url has this same thumbprint;
 * any other spelling misses the cache and is imported. */
static int raw_thumbprint(const json_t *jwk, char out[GH_DPOP_JKT_LEN + 1])
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const json_t *crv = json_object_get(jwk, "crv"), *x = json_object_get(jwk, "x");
    const json_t *y = json_object_get(jwk, "y"), *nn = json_object_get(jwk, "n");
    const json_t *e = json_object_get(jwk, "e");
    char buf[1024];
    unsigned char d[GH_SHA256_LEN];
    int len = -1;
    if (kty == NULL)
        return GH_EINVAL;
    if (strcmp(kty, "EC") == 0 && json_is_string(crv) &&
        strcmp(json_string_value(crv), "P-256") == 0 && b64url_str(x, 43) && b64url_str(y, 43))
        len = snprintf(buf, sizeof(buf),
                       "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
                       json_string_value(x), json_string_value(y));
    else if (strcmp(kty, "OKP") == 0 && json_is_string(crv) &&
             strcmp(json_string_value(crv), "Ed25519") == 0 && b64url_str(x, 43))
        len = snprintf(buf, sizeof(buf), "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"}",
                       json_string_value(x));
    else if (strcmp(kty, "RSA") == 0 && b64url_str(e, 12) && b64url_str(nn, 700))
        len = snprintf(buf, sizeof(buf), "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}",
                       json_string_value(e), json_string_value(nn));
    if (len < 0 || (size_t)len >= sizeof(buf))
        return GH_EINVAL;
    gh_sha256(buf, (size_t)len, d);
    return gh_b64url_encode(d, sizeof(d), out, GH_DPOP_JKT_LEN + 1) < 0 ? GH_EINVAL : 0;
}

/* RFC 7517 4, RFC 7518 6.2.2, 6.3.2: members only a private or symmetric
 * key has (the import refuses them too; the cache must as well). */
static int has_private(const json_t *jwk)
{
    static const char *const priv[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};
    for (size_t i = 0; i < sizeof(priv) / sizeof(priv[0]); i++)
        if (json_object_get(jwk, priv[i]) != NULL)
            return 1;
    return 0;
}

static size_t slot_of(const char *jkt)
{
    return ((size_t)(unsigned char)jkt[0] * 131 + (unsigned char)jkt[1] * 17 +
            (unsigned char)jkt[2]) %
           KEY_SLOTS;
}

/* Verifies jws with the key of the header's jwk, through the cache; the
 * key's thumbprint into jkt. 0, or GH_EINVAL (bad key or signature). */
static int verify_with(struct gh_dpop_keys *c, const json_t *jwk, const struct gh_jws *jws,
                       char jkt[GH_DPOP_JKT_LEN + 1], const char **why)
{
    struct gh_jwk *k = NULL;
    int rc;
    if (c != NULL && raw_thumbprint(jwk, jkt) == 0) {
        struct slot *sl = &c->s[slot_of(jkt)];
        pthread_mutex_lock(&sl->lock);
        int hit = sl->k != NULL && strcmp(sl->jkt, jkt) == 0 && !has_private(jwk);
        if (hit)
            rc = gh_jws_verify(sl->k, jws);
        pthread_mutex_unlock(&sl->lock);
        if (hit) {
            if (rc < 0)
                *why = "bad signature";
            return rc;
        }
    }
    /* RFC 9449 4.3 (7): a public key of the header's alg, never a private one */
    if (gh_jwk_from_json_alg(jwk, jws->alg, &k) < 0) {
        *why = "jwk is not a public key of the header's alg";
        return GH_EINVAL;
    }
    rc = gh_jwk_thumbprint(k, jkt, GH_DPOP_JKT_LEN + 1);
    if (rc == 0 && (rc = gh_jws_verify(k, jws)) < 0)
        *why = "bad signature";
    if (rc == 0 && c != NULL) {
        struct slot *sl = &c->s[slot_of(jkt)];
        pthread_mutex_lock(&sl->lock);
        gh_jwk_free(sl->k);
        sl->k = k;
        memcpy(sl->jkt, jkt, sizeof(sl->jkt));
        pthread_mutex_unlock(&sl->lock);
        k = NULL;
    }
    gh_jwk_free(k);
    return rc;
}

/* The decoded protected header of the compact JWS proof[0..n). New. */
static json_t *header_of(const char *proof, size_t n)
{
    unsigned char raw[HDR_B64_MAX / 4 * 3];
    const char *dot = memchr(proof, '.', n);
    size_t hn = dot ? (size_t)(dot - proof) : 0;
    long len = hn > 0 && hn <= HDR_B64_MAX ? gh_b64url_decode(proof, hn, raw, sizeof(raw)) : -1;
    if (len <= 0)
        return NULL;
    return json_loadb((const char *)raw, (size_t)len, JSON_REJECT_DUPLICATES, NULL);
}

/* 1 when the htu claim, less any query and fragment, names url: scheme and
 * host compared case-insensitively (RFC 3986 6.2.2.1), the rest exactly. */
static int htu_matches(const char *htu, const char *url)
{
    size_t n = strcspn(htu, "?#");
    const char *auth = strstr(url, "://");
    if (auth == NULL || n != strlen(url))
        return 0;
    size_t head = (size_t)(auth + 3 - url);
    head += strcspn(url + head, "/");
    return strncasecmp(htu, url, head) == 0 && strncmp(htu + head, url + head, n - head) == 0;
}

/* A string claim: 1..max bytes, no NUL. */
static const char *claim_str(const json_t *doc, const char *name, size_t max)
{
    const json_t *v = json_object_get(doc, name);
    const char *s = json_string_value(v);
    size_t n = s ? json_string_length(v) : 0;
    return n > 0 && n <= max && strlen(s) == n ? s : NULL;
}

/* The claims of a proof whose signature verified (RFC 9449 4.2, 4.3). */
static enum gh_dpop_result check_claims(const json_t *c, const struct gh_dpop_expect *e,
                                        struct gh_dpop_proof *out, const char **why)
{
    const char *jti = claim_str(c, "jti", JTI_MAX), *htm = claim_str(c, "htm", 16);
    const char *htu = claim_str(c, "htu", 2048), *ath = claim_str(c, "ath", 64);
    const char *nonce = claim_str(c, "nonce", 256);
    const json_t *iat = json_object_get(c, "iat");
    char want[GH_B64URL_LEN(GH_SHA256_LEN) + 1];
    if (!json_is_object(c))
        *why = "malformed claims";
    else if (jti == NULL)
        *why = "missing or malformed jti";
    else if (htm == NULL || strcmp(htm, e->htm) != 0)
        *why = "htm does not match the request method";
    else if (htu == NULL || !htu_matches(htu, e->htu))
        *why = "htu does not match the request URL";
    else if (!json_is_integer(iat))
        *why = "missing or malformed iat";
    else if (json_integer_value(iat) < e->now - e->window ||
             json_integer_value(iat) > e->now + e->window)
        *why = "iat outside the accepted window";
    else if (e->token != NULL && ath == NULL)
        *why = "missing ath";
    else {
        if (e->token != NULL) {
            gh_dpop_ath(e->token, strlen(e->token), want);
            if (strlen(ath) != strlen(want) || CRYPTO_memcmp(ath, want, strlen(want)) != 0) {
                *why = "ath does not match the access token";
                return GH_DPOP_INVALID;
            }
        }
        if (e->nonce_key != NULL &&
            (nonce == NULL || !gh_dpop_nonce_valid(e->nonce_key, e->now, nonce))) {
            *why = nonce == NULL ? "a DPoP nonce is required" : "stale or unknown DPoP nonce";
            return GH_DPOP_NONCE;
        }
        gh_sha256(jti, strlen(jti), out->jti_hash);
        out->iat = json_integer_value(iat);
        return GH_DPOP_OK;
    }
    return GH_DPOP_INVALID;
}

enum gh_dpop_result gh_dpop_check(struct gh_dpop_keys *keys, const char *proof, size_t n,
                                  const struct gh_dpop_expect *e, struct gh_dpop_proof *out,
                                  const char **why)
{
    struct gh_jws jws;
    json_t *hdr = NULL, *claims = NULL;
    enum gh_dpop_result res = GH_DPOP_INVALID;
    memset(out, 0, sizeof(*out));
    memset(&jws, 0, sizeof(jws));
    *why = "malformed proof";
    if (proof == NULL || n == 0 || n > GH_DPOP_MAX)
        goto out;
    /* RFC 9449 4.3 (2)-(5): a well-formed JWS with an allowed alg (the
     * allow-list of gh_jws_parse: asymmetric only) and typ dpop+jwt */
    if (gh_jws_parse(proof, n, &jws) < 0 || (hdr = header_of(proof, n)) == NULL) {
        *why = "malformed proof or algorithm not allowed";
        goto out;
    }
    if (strcasecmp(jws.typ, "dpop+jwt") != 0) {
        *why = "typ is not dpop+jwt";
        goto out;
    }
    const json_t *jwk = json_object_get(hdr, "jwk");
    if (!json_is_object(jwk)) {
        *why = "missing jwk";
        goto out;
    }
    /* (6)-(7): the signature with the public key in the header */
    if (verify_with(keys, jwk, &jws, out->jkt, why) < 0)
        goto out;
    claims = json_loadb(jws.payload, jws.payload_len, JSON_REJECT_DUPLICATES, NULL);
    res = check_claims(claims, e, out, why);
out:
    if (res != GH_DPOP_OK)
        memset(out, 0, sizeof(*out));
    else
        *why = NULL;
    json_decref(claims);
    json_decref(hdr);
    gh_jws_release(&jws);
    return res;
}

/* ---- server nonces (RFC 9449 8) ---- */

int gh_dpop_nonce_key(const unsigned char *secret, size_t n, unsigned char key[32])
{
    return gh_hkdf_sha256(secret, n, "gatehouse dpop nonce", key, 32);
}

/* The nonce of slot into out. */
static int nonce_of(const unsigned char key[32], uint64_t slot, char out[GH_DPOP_NONCE_LEN + 1])
{
    unsigned char raw[8 + 16];
    char info[48];
    for (int i = 0; i < 8; i++)
        raw[i] = (unsigned char)(slot >> (56 - 8 * i));
    snprintf(info, sizeof(info), "dpop nonce %llu", (unsigned long long)slot);
    int rc = gh_hkdf_sha256(key, 32, info, raw + 8, 16);
    if (rc == 0 && gh_b64url_encode(raw, sizeof(raw), out, GH_DPOP_NONCE_LEN + 1) < 0)
        rc = GH_EINVAL;
    return rc;
}

int gh_dpop_nonce(const unsigned char key[32], int64_t now, char out[GH_DPOP_NONCE_LEN + 1])
{
    return nonce_of(key, (uint64_t)(now / GH_DPOP_NONCE_SLOT), out);
}

int gh_dpop_nonce_valid(const unsigned char key[32], int64_t now, const char *nonce)
{
    uint64_t cur = (uint64_t)(now / GH_DPOP_NONCE_SLOT);
    char want[GH_DPOP_NONCE_LEN + 1];
    if (strlen(nonce) != GH_DPOP_NONCE_LEN)
        return 0;
    /* this slot's nonce, or the one before: it rotates, yet a nonce handed
     * out just before the turn still works (RFC 9449 8.2) */
    for (uint64_t back = 0; back <= 1 && back <= cur; back++) {
        if (nonce_of(key, cur - back, want) == 0 &&
            CRYPTO_memcmp(want, nonce, GH_DPOP_NONCE_LEN) == 0)
            return 1;
    }
    return 0;
}
