/*
 * COSE_Key public keys (RFC 9052 section 7, RFC 9053 sections 2.1, 2.2 and
 * 7; RFC 8230 section 4 for RSA) as WebAuthn 5.8.5 and 6.5.1.1 carry them
 * in attested credential data, turned into OpenSSL keys, and the assertion
 * signatures they verify (WebAuthn 6.5.6). Three algorithms only: ES256
 * (-7) with kty EC2 and crv P-256, EdDSA (-8) with kty OKP and crv
 * Ed25519, RS256 (-257) with kty RSA and a 2048..4096-bit modulus. The key
 * is hostile input: a private key parameter, a mismatch of alg, kty and
 * crv, a point off the curve or a short modulus is refused.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "webauthn/webauthn_int.h"
#include "core/err.h"

/* COSE labels and values (IANA COSE Key Common Parameters, Key Type
 * Parameters, Key Types and Elliptic Curves registries) */
#define COSE_KTY 1
#define COSE_ALG 3
#define COSE_KTY_OKP 1
#define COSE_KTY_EC2 2
#define COSE_KTY_RSA 3
#define COSE_CRV (-1) /* EC2 and OKP */
#define COSE_X (-2)
#define COSE_Y (-3)
#define COSE_D (-4) /* the private key: never in a credential public key */
#define COSE_RSA_N (-1)
#define COSE_RSA_E (-2)
#define COSE_CRV_P256 1
#define COSE_CRV_ED25519 6

#define P256_LEN 32
#define ED25519_LEN 32
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 4096
#define RSA_E_MAX 8 /* bytes */

/* A byte string member of exactly want bytes (or 1..max when want is 0). */
static int member_bytes(const cbor_item_t *map, int64_t label, size_t want, size_t max,
                        const unsigned char **p, size_t *n)
{
    cbor_item_t *v;
    int rc = gh_wa_cbor_get_int(map, label, &v);
    if (rc <= 0 || gh_wa_cbor_bytes(v, p, n) < 0)
        return GH_WA_ECOSE;
    if (want != 0 ? *n != want : *n == 0 || *n > max)
        return GH_WA_ECOSE;
    return 0;
}

/* An integer member; GH_WA_ECOSE when absent or not an integer. */
static int member_int(const cbor_item_t *map, int64_t label, int64_t *out)
{
    cbor_item_t *v;
    int rc = gh_wa_cbor_get_int(map, label, &v);
    if (rc <= 0 || gh_wa_cbor_int(v, out) < 0)
        return GH_WA_ECOSE;
    return 0;
}

/* A public key of type from the parameters in bld, validated by OpenSSL
 * when check is set (EC: the point lies on the curve). RSA keys are not:
 * OpenSSL's SP 800-56B public check tests the modulus with random bases,
 * so a malformed one could pass at registration and fail at sign-in;
 * key_rsa checks what is deterministic instead. */
static int pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld, int check_key, EVP_PKEY **out)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL), *check = NULL;
    EVP_PKEY *pkey = NULL;
    int rc = GH_WA_ENOMEM;
    if (params == NULL || ctx == NULL)
        goto out;
    rc = GH_WA_EKEY;
    if (EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
        goto out;
    if (check_key) {
        check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
        if (check == NULL || EVP_PKEY_public_check(check) != 1)
            goto out;
    }
    *out = pkey;
    pkey = NULL;
    rc = 0;
out:
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(check);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return rc;
}

/* RFC 9053 7.1.1: crv P-256, x and y of 32 bytes (SEC 1 2.3.3: 0x04 then x
 * and y is an uncompressed point). */
static int key_ec2(const cbor_item_t *map, EVP_PKEY **out)
{
    unsigned char point[1 + 2 * P256_LEN] = {0x04};
    const unsigned char *x, *y;
    size_t xn, yn;
    int64_t crv;
    if (member_int(map, COSE_CRV, &crv) < 0 ||
        member_bytes(map, COSE_X, P256_LEN, 0, &x, &xn) < 0 ||
        member_bytes(map, COSE_Y, P256_LEN, 0, &y, &yn) < 0)
        return GH_WA_ECOSE;
    if (crv != COSE_CRV_P256)
        return GH_WA_EALG;
    memcpy(point + 1, x, P256_LEN);
    memcpy(point + 1 + P256_LEN, y, P256_LEN);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    int rc = GH_WA_ENOMEM;
    if (bld != NULL &&
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, SN_X9_62_prime256v1, 0) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)))
        rc = pkey_fromdata("EC", bld, 1, out);
    OSSL_PARAM_BLD_free(bld);
    return rc;
}

/* RFC 9053 7.2: crv Ed25519, x of 32 bytes. */
static int key_okp(const cbor_item_t *map, EVP_PKEY **out)
{
    const unsigned char *x;
    size_t xn;
    int64_t crv;
    if (member_int(map, COSE_CRV, &crv) < 0 ||
        member_bytes(map, COSE_X, ED25519_LEN, 0, &x, &xn) < 0)
        return GH_WA_ECOSE;
    if (crv != COSE_CRV_ED25519)
        return GH_WA_EALG;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    int rc = GH_WA_ENOMEM;
    if (bld != NULL && OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, x, xn))
        rc = pkey_fromdata("ED25519", bld, 1, out);
    OSSL_PARAM_BLD_free(bld);
    return rc;
}

/* RFC 8230 4: n and e as unsigned big-endian byte strings; WebAuthn
 * 5.8.5 and RFC 8230 6: a modulus of at least 2048 bits. */
static int key_rsa(const cbor_item_t *map, EVP_PKEY **out)
{
    const unsigned char *n, *e;
    size_t nn, en;
    if (member_bytes(map, COSE_RSA_N, 0, RSA_MAX_BITS / 8 + 1, &n, &nn) < 0 ||
        member_bytes(map, COSE_RSA_E, 0, RSA_E_MAX, &e, &en) < 0)
        return GH_WA_ECOSE;
    BIGNUM *bn_n = BN_bin2bn(n, (int)nn, NULL), *bn_e = BN_bin2bn(e, (int)en, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    int rc = GH_WA_ENOMEM;
    if (bn_n == NULL || bn_e == NULL || bld == NULL)
        goto out;
    /* an odd modulus of 2048..4096 bits and an odd exponent above 1
     * (SP 800-56B 6.4.2.2's deterministic parts) */
    rc = GH_WA_EKEY;
    if (BN_num_bits(bn_n) < RSA_MIN_BITS || BN_num_bits(bn_n) > RSA_MAX_BITS || !BN_is_odd(bn_n) ||
        !BN_is_odd(bn_e) || BN_is_one(bn_e))
        goto out;
    rc = GH_WA_ENOMEM;
    if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e))
        rc = pkey_fromdata("RSA", bld, 0, out);
out:
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_e);
    BN_free(bn_n);
    return rc;
}

/* The key of map for its alg, which must fit its kty. */
static int key_of(const cbor_item_t *map, struct gh_wa_cose *out)
{
    int64_t kty, alg;
    cbor_item_t *d;
    if (member_int(map, COSE_KTY, &kty) < 0 || member_int(map, COSE_ALG, &alg) < 0)
        return GH_WA_ECOSE;
    if (alg == GH_WA_ES256 && kty == COSE_KTY_EC2) {
        if (gh_wa_cbor_get_int(map, COSE_D, &d) != 0)
            return GH_WA_ECOSE; /* a private key, or a duplicate label */
        out->alg = GH_WA_ES256;
        return key_ec2(map, &out->pkey);
    }
    if (alg == GH_WA_EDDSA && kty == COSE_KTY_OKP) {
        if (gh_wa_cbor_get_int(map, COSE_D, &d) != 0)
            return GH_WA_ECOSE;
        out->alg = GH_WA_EDDSA;
        return key_okp(map, &out->pkey);
    }
    if (alg == GH_WA_RS256 && kty == COSE_KTY_RSA) {
        /* RFC 8230 4: -3 is the private exponent d */
        if (gh_wa_cbor_get_int(map, -3, &d) != 0)
            return GH_WA_ECOSE;
        out->alg = GH_WA_RS256;
        return key_rsa(map, &out->pkey);
    }
    return GH_WA_EALG;
}

int gh_wa_cose_parse(const unsigned char *data, size_t len, struct gh_wa_cose *out)
{
    memset(out, 0, sizeof(*out));
    cbor_item_t *root = NULL;
    size_t used = 0;
    int rc = gh_wa_cbor_load(data, len, &root, &used);
    if (rc == 0 && used != len)
        rc = GH_WA_ECBOR;
    if (rc == 0)
        rc = cbor_isa_map(root) ? key_of(root, out) : GH_WA_ECOSE;
    if (root != NULL)
        cbor_decref(&root);
    if (rc < 0) {
        gh_wa_cose_free(out);
        ERR_clear_error(); /* a hostile key leaves no errors behind */
    }
    return rc;
}

void gh_wa_cose_free(struct gh_wa_cose *k)
{
    EVP_PKEY_free(k->pkey);
    k->pkey = NULL;
}

int gh_wa_cose_verify(const struct gh_wa_cose *k, const unsigned char *a, size_t an,
                      const unsigned char *b, size_t bn, const unsigned char *sig, size_t sig_len)
{
    if (k->pkey == NULL || sig_len == 0 || sig_len > 1024)
        return GH_WA_ESIG;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *msg = NULL;
    int rc = GH_WA_ENOMEM, ok = 0;
    if (ctx == NULL)
        goto out;
    if (k->alg == GH_WA_EDDSA) {
        /* RFC 8032 PureEdDSA signs the message itself, in one pass */
        if ((msg = OPENSSL_malloc(an + bn + 1)) == NULL)
            goto out;
        memcpy(msg, a, an);
        if (bn > 0)
            memcpy(msg + an, b, bn);
        ok = sig_len == 64 && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
             EVP_DigestVerify(ctx, sig, sig_len, msg, an + bn) == 1;
    } else {
        /* ES256: OpenSSL accepts only DER, as WebAuthn 6.5.6 sends it;
         * RS256: PKCS #1 v1.5 is the default padding */
        ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
             EVP_DigestVerifyUpdate(ctx, a, an) == 1 && EVP_DigestVerifyUpdate(ctx, b, bn) == 1 &&
             EVP_DigestVerifyFinal(ctx, sig, sig_len) == 1;
    }
    rc = ok ? 0 : GH_WA_ESIG;
out:
    OPENSSL_free(msg);
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return rc;
}
