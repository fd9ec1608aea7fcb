/*
 * Signing keys: generation (P-256, Ed25519, RSA 2048), PKCS#8 PEM in and
 * out, the public JWK (RFC 7517 section 4, RFC 7518 section 6, RFC 8037
 * section 2) and RFC 7638 thumbprints used as key ids. The public members
 * are read from the EVP_PKEY once, when the key is made, and kept encoded
 * in the struct so that JWKS documents and thumbprints need no OpenSSL call.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>

#include "core/alloc.h"
#include "core/b64url.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "jose/jose_int.h"

/* A PEM private key larger than this is not a key we could use. */
#define PEM_MAX (64 * 1024)

static const char *const jwa_names[] = {
    [GH_JWA_ES256] = "ES256",
    [GH_JWA_EDDSA] = "EdDSA",
    [GH_JWA_RS256] = "RS256",
};

const char *gh_jwa_name(enum gh_jwa alg)
{
    if ((size_t)alg >= GH_ARRAY_LEN(jwa_names))
        GH_BUG("unknown JWA");
    return jwa_names[alg];
}

int gh_jwa_parse(const char *name, enum gh_jwa *out)
{
    /* RFC 7518 3.1: names are case-sensitive; "none" and HMAC are never
     * in the list, so a token cannot pick them. */
    for (size_t i = 0; i < GH_ARRAY_LEN(jwa_names); i++) {
        if (strcmp(name, jwa_names[i]) == 0) {
            *out = (enum gh_jwa)i;
            return 0;
        }
    }
    return GH_EINVAL;
}

/* 1 when pkey is the key type alg needs: P-256, Ed25519, RSA 2048..4096. */
static int key_fits(const EVP_PKEY *pkey, enum gh_jwa alg)
{
    char group[32];
    size_t len = 0;
    int bits;
    switch (alg) {
    case GH_JWA_ES256:
        return EVP_PKEY_is_a(pkey, "EC") &&
               EVP_PKEY_get_group_name(pkey, group, sizeof(group), &len) == 1 &&
               strcmp(group, SN_X9_62_prime256v1) == 0;
    case GH_JWA_EDDSA:
        return EVP_PKEY_is_a(pkey, "ED25519");
    case GH_JWA_RS256:
        bits = EVP_PKEY_get_bits(pkey);
        return EVP_PKEY_is_a(pkey, "RSA") && bits >= GH_JOSE_RSA_MIN_BITS &&
               bits <= GH_JOSE_RSA_MAX_BITS;
    }
    return 0;
}

/* base64url of the big-number parameter name, left-padded with zeros to pad
 * bytes when pad > 0, minimal otherwise (at most max bytes). */
static int bn_param_b64(const EVP_PKEY *pkey, const char *name, int pad, int max, char *out,
                        size_t out_size)
{
    unsigned char raw[GH_JOSE_RSA_MAX_BITS / 8];
    BIGNUM *bn = NULL;
    int rc = GH_ECRYPTO, n;
    if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1)
        goto out;
    rc = GH_EINVAL;
    n = pad > 0 ? BN_bn2binpad(bn, raw, pad) : BN_num_bytes(bn);
    if (n <= 0 || n > max || (size_t)n > sizeof(raw))
        goto out;
    if (pad == 0)
        BN_bn2bin(bn, raw);
    if (gh_b64url_encode(raw, (size_t)n, out, out_size) < 0)
        goto out;
    rc = 0;
out:
    BN_free(bn);
    return rc;
}

/* Fills k->a and k->b from k->pkey (RFC 7518 6.2.1, 6.3.1; RFC 8037 2). */
static int export_public(struct gh_jwk *k)
{
    unsigned char raw[GH_JOSE_ED25519_LEN];
    size_t len = 0;
    int rc;
    k->b[0] = '\0';
    switch (k->alg) {
    case GH_JWA_ES256:
        /* RFC 7518 6.2.1.2: x and y are the full 32 bytes, zero-padded. */
        rc = bn_param_b64(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, GH_JOSE_P256_LEN, GH_JOSE_P256_LEN,
                          k->a, sizeof(k->a));
        if (rc == 0)
            rc = bn_param_b64(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, GH_JOSE_P256_LEN, GH_JOSE_P256_LEN,
                              k->b, sizeof(k->b));
        return rc;
    case GH_JWA_EDDSA:
        if (EVP_PKEY_get_octet_string_param(k->pkey, OSSL_PKEY_PARAM_PUB_KEY, raw, sizeof(raw),
                                            &len) != 1 ||
            len != sizeof(raw))
            return GH_ECRYPTO;
        return gh_b64url_encode(raw, len, k->a, sizeof(k->a)) < 0 ? GH_ENOMEM : 0;
    case GH_JWA_RS256:
        rc = bn_param_b64(k->pkey, OSSL_PKEY_PARAM_RSA_N, 0, GH_JOSE_RSA_MAX_BITS / 8, k->a,
                          sizeof(k->a));
        if (rc == 0)
            rc = bn_param_b64(k->pkey, OSSL_PKEY_PARAM_RSA_E, 0, GH_JOSE_RSA_E_MAX, k->b,
                              sizeof(k->b));
        return rc;
    }
    return GH_EINVAL;
}

int gh_jwk_thumbprint(const struct gh_jwk *k, char *out, size_t out_size)
{
    struct gh_buf b;
    unsigned char d[GH_SHA256_LEN];
    int rc;
    gh_buf_init(&b, 1024);
    /* RFC 7638 3.2: required members only, lexicographic order, no
     * whitespace; RFC 8037 2 for OKP. The values are base64url, so they
     * need no escaping. */
    switch (k->alg) {
    case GH_JWA_ES256:
        rc = gh_buf_printf(&b, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", k->a,
                           k->b);
        break;
    case GH_JWA_EDDSA:
        rc = gh_buf_printf(&b, "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"}", k->a);
        break;
    case GH_JWA_RS256:
        rc = gh_buf_printf(&b, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", k->b, k->a);
        break;
    default:
        rc = GH_EINVAL;
    }
    if (rc == 0) {
        gh_sha256(b.p, b.len, d);
        if (gh_b64url_encode(d, sizeof(d), out, out_size) < 0)
            rc = GH_ENOMEM;
    }
    gh_buf_release(&b);
    return rc;
}

int gh_jose_wrap(EVP_PKEY *pkey, enum gh_jwa alg, int has_private, const char *kid,
                 struct gh_jwk **out)
{
    struct gh_jwk *k = NULL;
    int rc = GH_EINVAL;
    if (pkey == NULL || !key_fits(pkey, alg))
        goto out;
    if (kid != NULL && strlen(kid) >= sizeof(k->kid))
        goto out;
    rc = GH_ENOMEM;
    k = gh_alloc_fail_now() ? NULL : calloc(1, sizeof(*k));
    if (k == NULL)
        goto out;
    k->alg = alg;
    k->has_private = has_private;
    k->pkey = pkey;
    pkey = NULL;
    rc = export_public(k);
    if (rc < 0)
        goto out;
    if (kid != NULL)
        memcpy(k->kid, kid, strlen(kid) + 1);
    else
        rc = gh_jwk_thumbprint(k, k->kid, sizeof(k->kid));
    if (rc < 0)
        goto out;
    *out = k;
    k = NULL;
out:
    gh_jwk_free(k);
    EVP_PKEY_free(pkey);
    return rc;
}

int gh_jwk_generate(enum gh_jwa alg, struct gh_jwk **out)
{
    EVP_PKEY *pkey = NULL;
    switch (alg) {
    case GH_JWA_ES256:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        break;
    case GH_JWA_EDDSA:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        break;
    case GH_JWA_RS256:
        /* e defaults to 65537. */
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)GH_JOSE_RSA_MIN_BITS);
        break;
    default:
        return GH_EINVAL;
    }
    if (pkey == NULL)
        return GH_ECRYPTO;
    return gh_jose_wrap(pkey, alg, 1, NULL, out);
}

/* Encrypted PEM is refused instead of prompting on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

int gh_jwk_from_pem(const char *pem, size_t n, struct gh_jwk **out)
{
    BIO *bio = NULL;
    EVP_PKEY *pkey = NULL;
    int rc = GH_EINVAL;
    if (n == 0 || n > PEM_MAX)
        goto out;
    rc = GH_ENOMEM;
    bio = BIO_new_mem_buf(pem, (int)n);
    if (bio == NULL)
        goto out;
    rc = GH_EINVAL;
    pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    if (pkey == NULL)
        goto out;
    for (size_t i = 0; i < GH_ARRAY_LEN(jwa_names); i++) {
        if (key_fits(pkey, (enum gh_jwa)i)) {
            rc = gh_jose_wrap(pkey, (enum gh_jwa)i, 1, NULL, out);
            pkey = NULL;
            break;
        }
    }
out:
    if (rc < 0)
        ERR_clear_error(); /* leave no stale errors for the next caller */
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    return rc;
}

int gh_jwk_to_pem(const struct gh_jwk *k, char **pem)
{
    BIO *bio = NULL;
    char *data = NULL, *copy = NULL;
    long len;
    int rc = GH_EINVAL;
    if (!k->has_private)
        goto out;
    rc = GH_ECRYPTO;
    bio = BIO_new(BIO_s_mem());
    if (bio == NULL || PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL) != 1)
        goto out;
    len = BIO_get_mem_data(bio, &data);
    if (len <= 0)
        goto out;
    rc = GH_ENOMEM;
    copy = malloc((size_t)len + 1);
    if (copy == NULL)
        goto out;
    memcpy(copy, data, (size_t)len);
    copy[len] = '\0';
    *pem = copy;
    rc = 0;
out:
    BIO_free(bio); /* a memory BIO wipes its buffer when freed */
    return rc;
}

void gh_jwk_pem_free(char *pem)
{
    if (pem == NULL)
        return;
    OPENSSL_cleanse(pem, strlen(pem));
    free(pem);
}

void gh_jwk_free(struct gh_jwk *k)
{
    if (k == NULL)
        return;
    EVP_PKEY_free(k->pkey); /* OpenSSL wipes the private key material */
    OPENSSL_cleanse(k, sizeof(*k));
    free(k);
}

const char *gh_jwk_kid(const struct gh_jwk *k)
{
    return k->kid;
}

enum gh_jwa gh_jwk_alg(const struct gh_jwk *k)
{
    return k->alg;
}

int gh_jwk_public_json(const struct gh_jwk *k, struct gh_buf *out)
{
    static const char *const kty[] = {
        [GH_JWA_ES256] = "EC", [GH_JWA_EDDSA] = "OKP", [GH_JWA_RS256] = "RSA"};
    size_t start = out->len;
    int rc = gh_buf_printf(out, "{\"kty\":\"%s\",\"use\":\"sig\",\"kid\":", kty[k->alg]);
    if (rc == 0)
        rc = gh_buf_json_str(out, k->kid, strlen(k->kid));
    if (rc == 0)
        rc = gh_buf_printf(out, ",\"alg\":\"%s\"", gh_jwa_name(k->alg));
    if (rc == 0 && k->alg == GH_JWA_ES256)
        rc = gh_buf_printf(out, ",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}", k->a, k->b);
    else if (rc == 0 && k->alg == GH_JWA_EDDSA)
        rc = gh_buf_printf(out, ",\"crv\":\"Ed25519\",\"x\":\"%s\"}", k->a);
    else if (rc == 0)
        rc = gh_buf_printf(out, ",\"n\":\"%s\",\"e\":\"%s\"}", k->a, k->b);
    if (rc < 0 && out->p != NULL) { /* leave out as it was */
        out->len = start;
        out->p[start] = '\0';
    }
    return rc;
}
