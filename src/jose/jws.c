/*
 * Compact JWS (RFC 7515 section 7.1): signing on the token hot path,
 * strict parsing of untrusted tokens and verification. Signing builds the
 * protected header on the stack without a JSON library and encodes
 * straight into the caller's buffer. ES256 signatures are converted
 * between OpenSSL's DER and the 64-byte R || S form of RFC 7518 3.4.
 * Parsing follows RFC 8725: the alg comes from a fixed allow-list, "crit"
 * is refused, and a key only verifies tokens of its own alg.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "core/alloc.h"
#include "core/b64url.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "jose/jose_int.h"

/* A protected header we build: {"alg":"EdDSA","typ":<31>,"kid":<95>}. */
#define HDR_MAX 192
/* Longest encoded protected header we accept when parsing. */
#define HDR_B64_MAX 2048
#define ES256_SIG_LEN (2 * GH_JOSE_P256_LEN)

/* 1 when s is 1..max-1 printable ASCII bytes that need no JSON escaping. */
static int plain_str(const char *s, size_t max)
{
    size_t i = 0;
    for (; i < max && s[i] != '\0'; i++) {
        if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
            return 0;
    }
    return i > 0 && i < max;
}

static void put(char *dst, size_t *pos, const char *s)
{
    size_t n = strlen(s);
    memcpy(dst + *pos, s, n);
    *pos += n;
}

/* The JSON protected header of RFC 7515 4.1 for k and typ into hdr
 * (HDR_MAX bytes); returns its length. */
static size_t make_header(const struct gh_jwk *k, const char *typ, char hdr[HDR_MAX])
{
    size_t pos = 0;
    put(hdr, &pos, "{\"alg\":\"");
    put(hdr, &pos, gh_jwa_name(k->alg));
    if (typ != NULL) {
        put(hdr, &pos, "\",\"typ\":\"");
        put(hdr, &pos, typ);
    }
    put(hdr, &pos, "\",\"kid\":\"");
    put(hdr, &pos, k->kid);
    put(hdr, &pos, "\"}");
    return pos;
}

/* Appends the base64url of p[0..n) to out in 3-byte-aligned chunks, so no
 * temporary copy of the whole encoding is made. */
static int append_b64(struct gh_buf *out, const void *p, size_t n)
{
    const unsigned char *in = p;
    char enc[1024 + 1];
    int rc = 0;
    for (size_t off = 0; off < n && rc == 0;) {
        size_t chunk = n - off < 768 ? n - off : 768;
        long len = gh_b64url_encode(in + off, chunk, enc, sizeof(enc));
        rc = len < 0 ? GH_ENOMEM : gh_buf_append(out, enc, (size_t)len);
        off += chunk;
    }
    return rc;
}

/* RFC 7518 3.4: DER ECDSA-Sig-Value to R || S, 32 bytes each. */
static int der_to_jose(const unsigned char *der, size_t len, unsigned char out[ES256_SIG_LEN])
{
    const unsigned char *p = der;
    const BIGNUM *r, *s;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
    int rc = GH_ECRYPTO;
    if (sig == NULL)
        goto out;
    ECDSA_SIG_get0(sig, &r, &s);
    if (BN_bn2binpad(r, out, GH_JOSE_P256_LEN) != GH_JOSE_P256_LEN ||
        BN_bn2binpad(s, out + GH_JOSE_P256_LEN, GH_JOSE_P256_LEN) != GH_JOSE_P256_LEN)
        goto out;
    rc = 0;
out:
    ECDSA_SIG_free(sig);
    return rc;
}

/* One DER INTEGER (X.690 8.3) of the unsigned big-endian v[0..32) at p:
 * the fewest bytes, with a zero byte before a set high bit; its length. */
static size_t der_uint(const unsigned char v[GH_JOSE_P256_LEN], unsigned char *p)
{
    size_t skip = 0;
    while (skip < GH_JOSE_P256_LEN - 1 && v[skip] == 0)
        skip++;
    size_t n = GH_JOSE_P256_LEN - skip, pad = v[skip] >> 7;
    p[0] = 0x02;
    p[1] = (unsigned char)(n + pad);
    p[2] = 0;
    memcpy(p + 2 + pad, v + skip, n);
    return 2 + pad + n;
}

int gh_jose_es256_der(const unsigned char in[2 * GH_JOSE_P256_LEN],
                      unsigned char der[GH_JOSE_ES256_DER_MAX])
{
    /* RFC 7518 3.4: R || S back to DER (an ECDSA-Sig-Value SEQUENCE, at
     * most 70 bytes, so its length takes one byte) without allocating */
    size_t n = der_uint(in, der + 2);
    n += der_uint(in + GH_JOSE_P256_LEN, der + 2 + n);
    der[0] = 0x30;
    der[1] = (unsigned char)n;
    return (int)(n + 2);
}

/* The digest each alg signs with; Ed25519 hashes internally (NULL). */
static const EVP_MD *alg_md(enum gh_jwa alg)
{
    return alg == GH_JWA_EDDSA ? NULL : EVP_sha256();
}

/* ES256 signing keeps, per thread, one EVP_PKEY_CTX set up for signing
 * with the last key it signed with: EVP_DigestSignInit fetches the digest
 * and signature algorithms and builds two contexts on every call (the
 * saving gh_jws_verifier makes for verification). The context holds a
 * reference to its key, so a retired key's address is never reused while
 * a thread still keeps it; the thread's exit frees it. */
struct sign_cache {
    EVP_PKEY *pkey;
    EVP_PKEY_CTX *ctx;
};

static pthread_key_t sign_key;
static pthread_once_t sign_once = PTHREAD_ONCE_INIT;
static int sign_key_ok;

static void sign_cache_free(void *p)
{
    struct sign_cache *c = p;
    EVP_PKEY_CTX_free(c->ctx);
    free(c);
}

static void sign_key_init(void)
{
    sign_key_ok = pthread_key_create(&sign_key, sign_cache_free) == 0;
}

/* This thread's signing context for pkey; NULL when none could be made. */
static EVP_PKEY_CTX *es256_sign_ctx(EVP_PKEY *pkey)
{
    pthread_once(&sign_once, sign_key_init);
    struct sign_cache *c = sign_key_ok ? pthread_getspecific(sign_key) : NULL;
    if (c == NULL && sign_key_ok) {
        c = gh_alloc_fail_now() ? NULL : calloc(1, sizeof(*c));
        if (c != NULL && pthread_setspecific(sign_key, c) != 0) {
            free(c);
            c = NULL;
        }
    }
    if (c == NULL)
        return NULL;
    if (c->pkey != pkey) {
        EVP_PKEY_CTX_free(c->ctx);
        c->pkey = NULL;
        c->ctx = gh_alloc_fail_now() ? NULL : EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
        if (c->ctx != NULL && EVP_PKEY_sign_init(c->ctx) == 1)
            c->pkey = pkey;
        else {
            EVP_PKEY_CTX_free(c->ctx);
            c->ctx = NULL;
        }
    }
    return c->ctx;
}

/* Signs msg[0..n) with k into sig (sig_size bytes), in JOSE form. */
static int sign_raw(const struct gh_jwk *k, const char *msg, size_t n, unsigned char *sig,
                    size_t sig_size, size_t *sig_len /* OUT */)
{
    unsigned char der[GH_JOSE_ES256_DER_MAX], md[GH_SHA256_LEN];
    if (k->alg == GH_JWA_ES256) {
        /* ES256 is ECDSA over the SHA-256 of the signing input (RFC 7518 3.4) */
        EVP_PKEY_CTX *pctx = es256_sign_ctx(k->pkey);
        size_t len = sizeof(der);
        if (pctx == NULL)
            return GH_ENOMEM;
        gh_sha256(msg, n, md);
        if (EVP_PKEY_sign(pctx, der, &len, md, sizeof(md)) != 1 || sig_size < ES256_SIG_LEN ||
            der_to_jose(der, len, sig) < 0) {
            ERR_clear_error();
            return GH_ECRYPTO;
        }
        *sig_len = ES256_SIG_LEN;
        return 0;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t len = sig_size;
    int rc = GH_ENOMEM;
    if (ctx == NULL)
        goto out;
    rc = GH_ECRYPTO;
    if (EVP_DigestSignInit(ctx, NULL, alg_md(k->alg), NULL, k->pkey) != 1 ||
        EVP_DigestSign(ctx, sig, &len, (const unsigned char *)msg, n) != 1)
        goto out;
    *sig_len = len;
    rc = 0;
out:
    EVP_MD_CTX_free(ctx);
    return rc;
}

int gh_jws_sign(const struct gh_jwk *k, const char *typ, const char *payload, size_t n,
                struct gh_buf *out)
{
    char hdr[HDR_MAX];
    unsigned char sig[GH_JOSE_RSA_MAX_BITS / 8];
    size_t start = out->len, sig_len = 0;
    int rc = GH_EINVAL;
    /* typ and kid go into the header unescaped, so they must not need it;
     * kids of signing keys are thumbprints, typ is a constant. */
    if (!k->has_private || (typ != NULL && !plain_str(typ, sizeof(((struct gh_jws *)NULL)->typ))) ||
        !plain_str(k->kid, sizeof(k->kid)))
        goto out;
    size_t hdr_len = make_header(k, typ, hdr);
    rc = append_b64(out, hdr, hdr_len);
    if (rc == 0)
        rc = gh_buf_putc(out, '.');
    if (rc == 0)
        rc = append_b64(out, payload, n);
    if (rc == 0)
        rc = sign_raw(k, out->p + start, out->len - start, sig, sizeof(sig), &sig_len);
    if (rc == 0)
        rc = gh_buf_putc(out, '.');
    if (rc == 0)
        rc = append_b64(out, sig, sig_len);
out:
    if (rc < 0 && out->p != NULL) { /* leave out as it was */
        out->len = start;
        out->p[start] = '\0';
    }
    return rc;
}

int gh_jws_sign_header(const struct gh_jwk *k, const char *hdr, const char *payload, size_t n,
                       struct gh_buf *out)
{
    unsigned char sig[GH_JOSE_RSA_MAX_BITS / 8];
    size_t start = out->len, sig_len = 0;
    int rc = k->has_private ? append_b64(out, hdr, strlen(hdr)) : GH_EINVAL;
    if (rc == 0)
        rc = gh_buf_putc(out, '.');
    if (rc == 0)
        rc = append_b64(out, payload, n);
    if (rc == 0)
        rc = sign_raw(k, out->p + start, out->len - start, sig, sizeof(sig), &sig_len);
    if (rc == 0)
        rc = gh_buf_putc(out, '.');
    if (rc == 0)
        rc = append_b64(out, sig, sig_len);
    if (rc < 0 && out->p != NULL) {
        out->len = start;
        out->p[start] = '\0';
    }
    return rc;
}

/* Copies the optional string member name of h into dst (dst_size bytes,
 * "" when absent); GH_EINVAL when it is not a string or too long. */
static int header_str(const json_t *h, const char *name, char *dst, size_t dst_size)
{
    const json_t *v = json_object_get(h, name);
    dst[0] = '\0';
    if (v == NULL)
        return 0;
    if (!json_is_string(v))
        return GH_EINVAL;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n >= dst_size || strlen(s) != n)
        return GH_EINVAL;
    memcpy(dst, s, n + 1);
    return 0;
}

/* Decodes and checks the protected header p[0..n) (RFC 7515 4.1). */
static int parse_header(const char *p, size_t n, struct gh_jws *out)
{
    unsigned char raw[HDR_B64_MAX / 4 * 3];
    json_t *h = NULL;
    const json_t *alg;
    int rc = GH_EINVAL;
    long len = n <= HDR_B64_MAX ? gh_b64url_decode(p, n, raw, sizeof(raw)) : GH_EINVAL;
    if (len <= 0)
        goto out;
    h = json_loadb((const char *)raw, (size_t)len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(h))
        goto out;
    /* RFC 7515 4.1.11: we understand no extension, so "crit" is refused. */
    if (json_object_get(h, "crit") != NULL)
        goto out;
    /* RFC 8725 3.1: the alg must be one we allow; never "none" or HMAC. */
    alg = json_object_get(h, "alg");
    if (!json_is_string(alg) || gh_jwa_parse(json_string_value(alg), &out->alg) < 0)
        goto out;
    if (header_str(h, "typ", out->typ, sizeof(out->typ)) < 0 ||
        header_str(h, "kid", out->kid, sizeof(out->kid)) < 0)
        goto out;
    rc = 0;
out:
    json_decref(h);
    return rc;
}

/* The parts of token[0..n) after its protected header (RFC 7515 7.1:
 * exactly three, BASE64URL each): the signature and the decoded payload
 * into out, whose header fields are already set. */
static int parse_body(const char *token, size_t n, struct gh_jws *out)
{
    const char *dot1, *dot2 = NULL, *sig;
    size_t pay_n;
    long len;
    dot1 = n > 0 && n <= GH_JWS_MAX ? memchr(token, '.', n) : NULL;
    if (dot1 != NULL)
        dot2 = memchr(dot1 + 1, '.', n - (size_t)(dot1 + 1 - token));
    if (dot2 == NULL || memchr(dot2 + 1, '.', n - (size_t)(dot2 + 1 - token)) != NULL)
        return GH_EINVAL;
    sig = dot2 + 1;
    len = gh_b64url_decode(sig, n - (size_t)(sig - token), out->sig, sizeof(out->sig));
    if (len <= 0)
        return GH_EINVAL;
    out->sig_len = (size_t)len;
    pay_n = (size_t)(dot2 - dot1 - 1);
    out->payload = gh_alloc_fail_now() ? NULL : malloc(pay_n / 4 * 3 + 3);
    if (out->payload == NULL)
        return GH_ENOMEM;
    len = gh_b64url_decode(dot1 + 1, pay_n, (unsigned char *)out->payload, pay_n / 4 * 3 + 2);
    if (len < 0)
        return GH_EINVAL;
    out->payload[len] = '\0';
    out->payload_len = (size_t)len;
    out->signing_input = token;
    out->signing_input_len = (size_t)(dot2 - token);
    return 0;
}

int gh_jws_parse(const char *token, size_t n, struct gh_jws *out)
{
    const char *dot = n > 0 && n <= GH_JWS_MAX ? memchr(token, '.', n) : NULL;
    int rc = GH_EINVAL;
    memset(out, 0, sizeof(*out));
    if (dot != NULL && parse_header(token, (size_t)(dot - token), out) == 0)
        rc = parse_body(token, n, out);
    if (rc < 0)
        gh_jws_release(out);
    return rc;
}

int gh_jws_parse_body(const char *token, size_t n, enum gh_jwa alg, struct gh_jws *out)
{
    memset(out, 0, sizeof(*out));
    out->alg = alg;
    int rc = parse_body(token, n, out);
    if (rc < 0)
        gh_jws_release(out);
    return rc;
}

int gh_jws_verify(const struct gh_jwk *k, const struct gh_jws *jws)
{
    EVP_MD_CTX *ctx = NULL;
    unsigned char der[GH_JOSE_ES256_DER_MAX];
    const unsigned char *sig = jws->sig;
    size_t sig_len = jws->sig_len;
    int rc = GH_EINVAL;
    /* RFC 8725 3.1: the key's alg decides, never the header alone. */
    if (k->alg != jws->alg || jws->signing_input == NULL)
        goto out;
    if (k->alg == GH_JWA_ES256 || k->alg == GH_JWA_EDDSA) {
        if (sig_len != ES256_SIG_LEN) /* RFC 7518 3.4; RFC 8032 5.1.6 */
            goto out;
    } else if (sig_len != (size_t)EVP_PKEY_get_size(k->pkey)) {
        goto out;
    }
    if (k->alg == GH_JWA_ES256) {
        sig_len = (size_t)gh_jose_es256_der(jws->sig, der);
        sig = der;
    }
    rc = GH_ENOMEM;
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        goto out;
    rc = GH_EINVAL;
    if (EVP_DigestVerifyInit(ctx, NULL, alg_md(k->alg), NULL, k->pkey) != 1 ||
        EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)jws->signing_input,
                         jws->signing_input_len) != 1)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        ERR_clear_error(); /* a forged token must not leave errors behind */
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* ES256 keeps one EVP_PKEY_CTX set up for verification: no algorithm
 * fetch, context copy or digest context per signature (EVP_DigestVerify
 * makes all three). Other algs go through gh_jws_verify. */
struct gh_jws_verifier {
    const struct gh_jwk *k;
    EVP_PKEY_CTX *ctx; /* ES256: verify-initialised; else NULL */
};

int gh_jws_verifier_new(const struct gh_jwk *k, struct gh_jws_verifier **out)
{
    struct gh_jws_verifier *v = gh_alloc_fail_now() ? NULL : calloc(1, sizeof(*v));
    int rc = GH_ENOMEM;
    if (v == NULL)
        goto out;
    v->k = k;
    if (k->alg == GH_JWA_ES256) {
        v->ctx = gh_alloc_fail_now() ? NULL : EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
        if (v->ctx == NULL || EVP_PKEY_verify_init(v->ctx) != 1)
            goto out;
    }
    *out = v;
    v = NULL;
    rc = 0;
out:
    if (rc < 0)
        ERR_clear_error();
    gh_jws_verifier_free(v);
    return rc;
}

void gh_jws_verifier_free(struct gh_jws_verifier *v)
{
    if (v == NULL)
        return;
    EVP_PKEY_CTX_free(v->ctx);
    free(v);
}

int gh_jws_verifier_verify(struct gh_jws_verifier *v, const struct gh_jws *jws)
{
    unsigned char der[GH_JOSE_ES256_DER_MAX], md[GH_SHA256_LEN];
    if (v->ctx == NULL)
        return gh_jws_verify(v->k, jws);
    /* RFC 8725 3.1, RFC 7518 3.4: as gh_jws_verify */
    if (jws->alg != GH_JWA_ES256 || jws->signing_input == NULL || jws->sig_len != ES256_SIG_LEN)
        return GH_EINVAL;
    /* ES256 is ECDSA over the SHA-256 of the signing input (RFC 7518 3.4) */
    gh_sha256(jws->signing_input, jws->signing_input_len, md);
    size_t n = (size_t)gh_jose_es256_der(jws->sig, der);
    if (EVP_PKEY_verify(v->ctx, der, n, md, sizeof(md)) != 1) {
        ERR_clear_error(); /* a forged proof must not leave errors behind */
        return GH_EINVAL;
    }
    return 0;
}

void gh_jws_release(struct gh_jws *jws)
{
    free(jws->payload);
    memset(jws, 0, sizeof(*jws));
}
