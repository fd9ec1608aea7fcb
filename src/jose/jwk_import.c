/*
 * Public keys from JWK objects (RFC 7517 section 4; members per RFC 7518
 * section 6 and RFC 8037 section 2), as found in a JWKS fetched from an
 * authorization server. The JWK is hostile input: only public EC P-256,
 * OKP Ed25519 and RSA 2048..4096 keys are accepted, each with an "alg" that
 * fits its type and a "kid"; private members, symmetric ("oct") keys and
 * anything malformed are rejected. Points are checked to lie on the curve.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "core/b64url.h"
#include "core/err.h"
#include "jose/jose_int.h"

/* RFC 7517 4, RFC 7518 6.2.2 and 6.3.2: members only a private or
 * symmetric key has. Their presence alone rejects the JWK. */
static const char *const private_members[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

/* The string member name of o: 0 with *s and *n, GH_ENOTFOUND when absent,
 * GH_EINVAL when not a string or when it holds a NUL. */
static int member_str(const json_t *o, const char *name, const char **s, size_t *n)
{
    const json_t *v = json_object_get(o, name);
    if (v == NULL)
        return GH_ENOTFOUND;
    if (!json_is_string(v))
        return GH_EINVAL;
    *s = json_string_value(v);
    *n = json_string_length(v);
    return strlen(*s) == *n ? 0 : GH_EINVAL;
}

/* Decodes the base64url member name into out; its decoded length must be
 * exactly want bytes, or 1..out_size when want is 0. Returns the length. */
static long member_bytes(const json_t *o, const char *name, unsigned char *out, size_t out_size,
                         size_t want)
{
    const char *s;
    size_t n;
    if (member_str(o, name, &s, &n) < 0 || n == 0)
        return GH_EINVAL;
    long len = gh_b64url_decode(s, n, out, out_size);
    if (len <= 0 || (want != 0 && (size_t)len != want))
        return GH_EINVAL;
    return len;
}

/* 1 when the member name is absent or equals the string want. */
static int member_is(const json_t *o, const char *name, const char *want, int optional)
{
    const char *s;
    size_t n;
    int rc = member_str(o, name, &s, &n);
    if (rc == GH_ENOTFOUND)
        return optional;
    return rc == 0 && strcmp(s, want) == 0;
}

/* A public key of type from the parameters in bld; the key is validated
 * (EC: the point lies on the curve; RSA: SP 800-56B public checks). */
static int pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **out)
{
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL, *check = NULL;
    EVP_PKEY *pkey = NULL;
    int rc = GH_ENOMEM;
    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (params == NULL || ctx == NULL)
        goto out;
    rc = GH_EINVAL;
    if (EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
        goto out;
    check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (check == NULL || EVP_PKEY_public_check(check) != 1)
        goto out;
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

/* RFC 7518 6.2.1: crv "P-256", x and y of exactly 32 bytes. */
static int import_ec(const json_t *jwk, EVP_PKEY **out)
{
    /* SEC 1 2.3.3: 0x04 then x and y marks an uncompressed point. */
    unsigned char point[1 + 2 * GH_JOSE_P256_LEN] = {0x04};
    OSSL_PARAM_BLD *bld = NULL;
    int rc = GH_EINVAL;
    if (!member_is(jwk, "crv", "P-256", 0) ||
        member_bytes(jwk, "x", point + 1, GH_JOSE_P256_LEN, GH_JOSE_P256_LEN) < 0 ||
        member_bytes(jwk, "y", point + 1 + GH_JOSE_P256_LEN, GH_JOSE_P256_LEN, GH_JOSE_P256_LEN) <
            0)
        goto out;
    rc = GH_ENOMEM;
    bld = OSSL_PARAM_BLD_new();
    if (bld == NULL ||
        !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, SN_X9_62_prime256v1, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)))
        goto out;
    rc = pkey_fromdata("EC", bld, out);
out:
    OSSL_PARAM_BLD_free(bld);
    return rc;
}

/* RFC 8037 2: crv "Ed25519", x of exactly 32 bytes. */
static int import_okp(const json_t *jwk, EVP_PKEY **out)
{
    unsigned char x[GH_JOSE_ED25519_LEN];
    OSSL_PARAM_BLD *bld = NULL;
    int rc = GH_EINVAL;
    if (!member_is(jwk, "crv", "Ed25519", 0) || member_bytes(jwk, "x", x, sizeof(x), sizeof(x)) < 0)
        goto out;
    rc = GH_ENOMEM;
    bld = OSSL_PARAM_BLD_new();
    if (bld == NULL ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, x, sizeof(x)))
        goto out;
    rc = pkey_fromdata("ED25519", bld, out);
out:
    OSSL_PARAM_BLD_free(bld);
    return rc;
}

/* RFC 7518 6.3.1: n and e as unsigned big-endian integers. The modulus
 * size is checked by gh_jose_wrap (2048..4096 bits). */
static int import_rsa(const json_t *jwk, EVP_PKEY **out)
{
    unsigned char n[GH_JOSE_RSA_MAX_BITS / 8 + 1], e[GH_JOSE_RSA_E_MAX];
    OSSL_PARAM_BLD *bld = NULL;
    BIGNUM *bn_n = NULL, *bn_e = NULL;
    int rc = GH_EINVAL;
    long n_len = member_bytes(jwk, "n", n, sizeof(n), 0);
    long e_len = member_bytes(jwk, "e", e, sizeof(e), 0);
    if (n_len < 0 || e_len < 0)
        goto out;
    rc = GH_ENOMEM;
    bn_n = BN_bin2bn(n, (int)n_len, NULL);
    bn_e = BN_bin2bn(e, (int)e_len, NULL);
    bld = OSSL_PARAM_BLD_new();
    if (bn_n == NULL || bn_e == NULL || bld == NULL ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e))
        goto out;
    rc = pkey_fromdata("RSA", bld, out);
out:
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_e);
    BN_free(bn_n);
    return rc;
}

/* The public key of jwk for alg; kid copied when not NULL, else the RFC
 * 7638 thumbprint. Shared by the two entry points below. */
static int import_as(const json_t *jwk, enum gh_jwa alg, const char *kid, struct gh_jwk **out)
{
    static const char *const kty_of[] = {
        [GH_JWA_ES256] = "EC", [GH_JWA_EDDSA] = "OKP", [GH_JWA_RS256] = "RSA"};
    EVP_PKEY *pkey = NULL;
    int rc = GH_EINVAL;
    if (!json_is_object(jwk))
        goto out;
    for (size_t i = 0; i < GH_ARRAY_LEN(private_members); i++) {
        if (json_object_get(jwk, private_members[i]) != NULL)
            goto out;
    }
    if (!member_is(jwk, "kty", kty_of[alg], 0) || !member_is(jwk, "use", "sig", 1))
        goto out;
    if (alg == GH_JWA_ES256)
        rc = import_ec(jwk, &pkey);
    else if (alg == GH_JWA_EDDSA)
        rc = import_okp(jwk, &pkey);
    else
        rc = import_rsa(jwk, &pkey);
    if (rc < 0)
        goto out;
    rc = gh_jose_wrap(pkey, alg, 0, kid, out);
    pkey = NULL;
out:
    if (rc < 0)
        ERR_clear_error(); /* a hostile JWK must not leave errors behind */
    EVP_PKEY_free(pkey);
    return rc;
}

int gh_jwk_from_json(const json_t *jwk, struct gh_jwk **out)
{
    const char *alg_s, *kid;
    size_t alg_n, kid_n;
    enum gh_jwa alg;
    if (!json_is_object(jwk))
        return GH_EINVAL;
    /* The alg must be named and fit the key type, so a JWKS cannot make an
     * RSA key verify as anything but RS256 (RFC 8725 3.1). */
    if (member_str(jwk, "alg", &alg_s, &alg_n) < 0 || gh_jwa_parse(alg_s, &alg) < 0)
        return GH_EINVAL;
    if (member_str(jwk, "kid", &kid, &kid_n) < 0 || kid_n == 0 ||
        kid_n >= sizeof(((struct gh_jwk *)NULL)->kid))
        return GH_EINVAL;
    return import_as(jwk, alg, kid, out);
}

int gh_jwk_from_json_alg(const json_t *jwk, enum gh_jwa alg, struct gh_jwk **out)
{
    const char *alg_s;
    size_t alg_n;
    enum gh_jwa named;
    /* an "alg" in the JWK, if any, must be the one the JWS names */
    int rc = json_is_object(jwk) ? member_str(jwk, "alg", &alg_s, &alg_n) : GH_EINVAL;
    if (rc == 0 && (gh_jwa_parse(alg_s, &named) < 0 || named != alg))
        return GH_EINVAL;
    if (rc < 0 && rc != GH_ENOTFOUND)
        return GH_EINVAL;
    return import_as(jwk, alg, NULL, out);
}
