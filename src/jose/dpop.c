/*
 * DPoP proof checks (RFC 9449 4.2, 4.3), the ath hash and stateless server
 * nonces (RFC 9449 8); see dpop.h. The proof is hostile input: its header
 * and claims are parsed strictly (duplicate members refused, every claim of
 * the right type and bounded length), its key is imported only as a public
 * key of the header's alg, and the signature is checked with that key
 * before any claim is believed.
 */
#include <pthread.h>
#include <stdatomic.h>
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

/* Direct-mapped cache slots of proof headers: a client's proofs all carry
 * one header (typ, alg and its public jwk), so its exact base64url text is
 * the key. An entry is made only for a header that passed every check and
 * whose key verified a proof; on a hit nothing of the header is decoded
 * again, and only the signature and claims of the proof are checked. Each
 * slot has its own lock, held just to find or replace the entry; entries
 * are counted references, so a verification runs without the slot's lock
 * and eviction never frees a key in use. */
#define KEY_SLOTS 1024
/* Longest jti accepted (RFC 9449 4.2 asks for at least 96 random bits). */
#define JTI_MAX 256
#define HDR_B64_MAX 2048
/* Longest htu compared: a longer claim is refused, so a longer URL never
 * matches one. */
#define HTU_MAX 2048

/* Verifiers per entry: one key's proofs checked by this many threads at
 * once each get one (the Resource API serves with 4); a thread finding all
 * busy verifies as gh_jws_verify does instead of waiting. */
#define VERIFIERS 4

struct verifier {
    pthread_mutex_t lock;      /* held while v is in use */
    struct gh_jws_verifier *v; /* made on first use; NULL until then */
};

struct entry {
    atomic_uint refs; /* the slot's one, plus one per check using it */
    struct gh_jwk *k;
    struct verifier v[VERIFIERS];
    enum gh_jwa alg;
    char jkt[GH_DPOP_JKT_LEN + 1];
    size_t hdr_len;
    char hdr[]; /* the header's base64url text */
};

struct slot {
    pthread_mutex_t lock;
    struct entry *e;
};

struct gh_dpop_keys {
    struct slot s[KEY_SLOTS];
};

static void entry_put(struct entry *e)
{
    if (e == NULL || atomic_fetch_sub(&e->refs, 1) != 1)
        return;
    for (size_t i = 0; i < VERIFIERS; i++) {
        gh_jws_verifier_free(e->v[i].v);
        pthread_mutex_destroy(&e->v[i].lock);
    }
    gh_jwk_free(e->k);
    free(e);
}

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
        entry_put(c->s[i].e);
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

/* FNV-1a of the header text: only spreads headers over the slots (a
 * collision costs a miss, never a wrong hit: the text is compared). */
static struct slot *slot_of(struct gh_dpop_keys *c, const char *hdr, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)hdr[i]) * 16777619u;
    return &c->s[h % KEY_SLOTS];
}

/* The entry for the header hdr[0..n), with a reference; NULL on a miss. */
static struct entry *lookup(struct gh_dpop_keys *c, const char *hdr, size_t n)
{
    struct slot *sl = slot_of(c, hdr, n);
    pthread_mutex_lock(&sl->lock);
    struct entry *e = sl->e;
    if (e != NULL && e->hdr_len == n && memcmp(e->hdr, hdr, n) == 0)
        atomic_fetch_add(&e->refs, 1);
    else
        e = NULL;
    pthread_mutex_unlock(&sl->lock);
    return e;
}

/* Caches k (stolen) under the header hdr[0..n), replacing the slot's
 * entry; without memory k is only freed. */
static void remember(struct gh_dpop_keys *c, const char *hdr, size_t n, struct gh_jwk *k,
                     const char *jkt)
{
    struct entry *e = gh_alloc_fail_now() ? NULL : calloc(1, sizeof(*e) + n);
    if (e == NULL) {
        gh_jwk_free(k);
        return;
    }
    atomic_init(&e->refs, 1);
    for (size_t i = 0; i < VERIFIERS; i++)
        pthread_mutex_init(&e->v[i].lock, NULL);
    e->k = k;
    e->alg = gh_jwk_alg(k);
    memcpy(e->jkt, jkt, sizeof(e->jkt));
    memcpy(e->hdr, hdr, n);
    e->hdr_len = n;
    struct slot *sl = slot_of(c, hdr, n);
    pthread_mutex_lock(&sl->lock);
    struct entry *old = sl->e;
    sl->e = e;
    pthread_mutex_unlock(&sl->lock);
    entry_put(old);
}

/* Verifies jws with a cached entry's key: with the first of its verifiers
 * no other thread holds (made on first use), else as gh_jws_verify does
 * (no thread waits for another's signature check). */
static int verify_cached(struct entry *e, const struct gh_jws *jws)
{
    for (size_t i = 0; i < VERIFIERS; i++) {
        struct verifier *v = &e->v[i];
        if (pthread_mutex_trylock(&v->lock) != 0)
            continue;
        if (v->v == NULL && gh_jws_verifier_new(e->k, &v->v) < 0)
            v->v = NULL; /* no memory: verified below without it */
        int rc = v->v ? gh_jws_verifier_verify(v->v, jws) : gh_jws_verify(e->k, jws);
        pthread_mutex_unlock(&v->lock);
        return rc;
    }
    return gh_jws_verify(e->k, jws);
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

/* RFC 9449 4.3 (2)-(7) for a header not in the cache: a well-formed JWS
 * with an allowed alg (the allow-list of gh_jws_parse: asymmetric only),
 * typ dpop+jwt and a public jwk of that alg that verifies it. The key's
 * thumbprint into jkt; the key into *key (new) for the cache. */
static int check_new(const char *proof, size_t n, struct gh_jws *jws, struct gh_jwk **key,
                     char jkt[GH_DPOP_JKT_LEN + 1], const char **why)
{
    json_t *hdr = NULL;
    struct gh_jwk *k = NULL;
    int rc = GH_EINVAL;
    if (gh_jws_parse(proof, n, jws) < 0 || (hdr = header_of(proof, n)) == NULL) {
        *why = "malformed proof or algorithm not allowed";
        goto out;
    }
    const json_t *jwk = json_object_get(hdr, "jwk");
    if (strcasecmp(jws->typ, "dpop+jwt") != 0)
        *why = "typ is not dpop+jwt";
    else if (!json_is_object(jwk))
        *why = "missing jwk";
    /* RFC 9449 4.3 (7): a public key of the header's alg, never a private one */
    else if (gh_jwk_from_json_alg(jwk, jws->alg, &k) < 0)
        *why = "jwk is not a public key of the header's alg";
    else if (gh_jwk_thumbprint(k, jkt, GH_DPOP_JKT_LEN + 1) < 0)
        *why = "jwk is not a public key of the header's alg";
    else if (gh_jws_verify(k, jws) < 0)
        *why = "bad signature";
    else
        rc = 0;
out:
    if (rc == 0)
        *key = k;
    else
        gh_jwk_free(k);
    json_decref(hdr);
    return rc;
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

/* 1 when ath is the access token's hash (RFC 9449 4.2). */
static int ath_matches(const char *ath, const struct gh_dpop_expect *e)
{
    unsigned char d[GH_SHA256_LEN];
    char want[GH_B64URL_LEN(GH_SHA256_LEN) + 1];
    if (e->token_hash != NULL)
        memcpy(d, e->token_hash, sizeof(d));
    else
        gh_sha256(e->token, strlen(e->token), d);
    gh_b64url_encode(d, sizeof(d), want, sizeof(want));
    return strlen(ath) == strlen(want) && CRYPTO_memcmp(ath, want, strlen(want)) == 0;
}

/* The claims of a proof whose signature verified (RFC 9449 4.2, 4.3). */
static enum gh_dpop_result check_claims(const json_t *c, const struct gh_dpop_expect *e,
                                        struct gh_dpop_proof *out, const char **why)
{
    const char *jti = claim_str(c, "jti", JTI_MAX), *htm = claim_str(c, "htm", 16);
    const char *htu = claim_str(c, "htu", HTU_MAX), *ath = claim_str(c, "ath", 64);
    const char *nonce = claim_str(c, "nonce", 256);
    const json_t *iat = json_object_get(c, "iat");
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
    else if (e->token != NULL && !ath_matches(ath, e))
        *why = "ath does not match the access token";
    else if (e->nonce_key != NULL &&
             (nonce == NULL || !gh_dpop_nonce_valid(e->nonce_key, e->now, nonce))) {
        *why = nonce == NULL ? "a DPoP nonce is required" : "stale or unknown DPoP nonce";
        return GH_DPOP_NONCE;
    } else {
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
    struct gh_jwk *k = NULL;
    struct entry *hit = NULL;
    json_t *claims = NULL;
    enum gh_dpop_result res = GH_DPOP_INVALID;
    memset(out, 0, sizeof(*out));
    memset(&jws, 0, sizeof(jws));
    *why = "malformed proof";
    if (proof == NULL || n == 0 || n > GH_DPOP_MAX)
        goto out;
    const char *dot = memchr(proof, '.', n);
    size_t hn = dot ? (size_t)(dot - proof) : 0;
    if (keys != NULL && hn > 0 && hn <= HDR_B64_MAX)
        hit = lookup(keys, proof, hn);
    if (hit != NULL) {
        /* a header that passed (2)-(7) before: only the signature, (6) */
        int rc = gh_jws_parse_body(proof, n, hit->alg, &jws);
        if (rc < 0)
            *why = "malformed proof or algorithm not allowed";
        else if ((rc = verify_cached(hit, &jws)) < 0)
            *why = "bad signature";
        else
            memcpy(out->jkt, hit->jkt, sizeof(out->jkt));
        entry_put(hit);
        if (rc < 0)
            goto out;
    } else if (check_new(proof, n, &jws, &k, out->jkt, why) < 0) {
        goto out;
    } else if (keys != NULL) {
        remember(keys, proof, hn, k, out->jkt);
        k = NULL;
    }
    claims = json_loadb(jws.payload, jws.payload_len, JSON_REJECT_DUPLICATES, NULL);
    res = check_claims(claims, e, out, why);
out:
    if (res != GH_DPOP_OK)
        memset(out, 0, sizeof(*out));
    else
        *why = NULL;
    gh_jwk_free(k);
    json_decref(claims);
    gh_jws_release(&jws);
    return res;
}

enum gh_dpop_result gh_dpop_request_check(struct gh_dpop_keys *keys,
                                          const struct gh_dpop_request *q, struct gh_dpop_use *use,
                                          const char **why)
{
    struct gh_dpop_proof p;
    char htu[HTU_MAX + 1];
    memset(use, 0, sizeof(*use));
    /* RFC 9449 7.1: a DPoP request's token must be bound to a key */
    if (q->cnf_jkt != NULL && q->cnf_jkt[0] == '\0') {
        *why = "the access token is not DPoP-bound";
        return GH_DPOP_INVALID;
    }
    /* RFC 9449 4.3 (1), 7.1: exactly one proof */
    if (q->proof == NULL || q->n_proofs != 1) {
        *why = q->proof == NULL ? "missing DPoP proof" : "more than one DPoP header";
        return GH_DPOP_INVALID;
    }
    int len = snprintf(htu, sizeof(htu), "%s%s", q->base, q->path);
    if (len < 0 || (size_t)len >= sizeof(htu)) {
        *why = "htu does not match the request URL";
        return GH_DPOP_INVALID;
    }
    struct gh_dpop_expect e = {
        .htm = q->htm,
        .htu = htu,
        .token = q->token,
        .token_hash = q->token_hash,
        .now = q->now,
        .window = q->window,
        .nonce_key = q->nonce_key,
    };
    enum gh_dpop_result res = gh_dpop_check(keys, q->proof, strlen(q->proof), &e, &p, why);
    if (res != GH_DPOP_OK)
        return res;
    /* RFC 9449 7.1: the key the token is bound to */
    if (q->cnf_jkt != NULL && strcmp(q->cnf_jkt, p.jkt) != 0) {
        *why = "the DPoP proof's key is not the one the token is bound to (cnf.jkt)";
        return GH_DPOP_INVALID;
    }
    /* RFC 9449 11.1: a proof is used once; its row outlives its window */
    memcpy(use->jti, p.jti_hash, sizeof(use->jti));
    memcpy(use->jkt, p.jkt, sizeof(use->jkt));
    use->expires_at = p.iat + q->window + 1;
    return GH_DPOP_OK;
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
