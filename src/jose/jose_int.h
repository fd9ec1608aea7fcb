/*
 * Internals shared by the files of src/jose: the layout of struct gh_jwk and
 * the helpers jwk.c offers to jwk_import.c and jws.c. Not for other modules;
 * they see only jose.h.
 */
#ifndef GH_JOSE_INT_H
#define GH_JOSE_INT_H

#include <openssl/evp.h>

#include "core/b64url.h"
#include "jose/jose.h"

/* Largest RSA modulus accepted: struct gh_jws holds a 512-byte signature. */
#define GH_JOSE_RSA_MAX_BITS 4096
#define GH_JOSE_RSA_MIN_BITS 2048
/* Largest RSA public exponent accepted, in bytes. */
#define GH_JOSE_RSA_E_MAX 8
/* Coordinates of a P-256 point and an Ed25519 public key, in bytes. */
#define GH_JOSE_P256_LEN 32
#define GH_JOSE_ED25519_LEN 32
/* Longest DER ECDSA-Sig-Value for P-256 (two 33-byte INTEGERs). */
#define GH_JOSE_ES256_DER_MAX 72

struct gh_jwk {
    enum gh_jwa alg;
    int has_private; /* 1 for generated and PEM keys, 0 for JWK imports */
    EVP_PKEY *pkey;  /* owned; only ever read after creation */
    char kid[96];
    /* Public members as base64url, filled once at creation: x and y
     * (ES256), x (EdDSA, b is ""), n and e (RS256). */
    char a[GH_B64URL_LEN(GH_JOSE_RSA_MAX_BITS / 8) + 1];
    char b[GH_B64URL_LEN(32) + 1]; /* y (32 bytes) or e (at most 8) */
};

/* Wraps pkey (stolen, also on failure) in a new gh_jwk of type alg: checks
 * that the key fits alg (P-256, Ed25519, RSA 2048..4096) and fills the
 * public members. kid is copied when not NULL, else set to the RFC 7638
 * thumbprint. */
int gh_jose_wrap(EVP_PKEY *pkey, enum gh_jwa alg, int has_private, const char *kid,
                 struct gh_jwk **out /* OUT */);

/* The DER ECDSA-Sig-Value OpenSSL verifies of the 64-byte R || S of an
 * ES256 JWS (RFC 7518 3.4) into der; returns its length. Never fails. */
int gh_jose_es256_der(const unsigned char in[2 * GH_JOSE_P256_LEN],
                      unsigned char der[GH_JOSE_ES256_DER_MAX] /* OUT */);

#endif
