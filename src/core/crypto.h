/*
 * Small cryptographic primitives every module needs: the CSPRNG (OpenSSL
 * RAND_bytes), SHA-256, constant-time comparison, hex encoding, HKDF
 * (RFC 5869) and AES-256-GCM sealing (NIST SP 800-38D).
 */
#ifndef GH_CRYPTO_H
#define GH_CRYPTO_H

#include <stddef.h>

#include "b64url.h"

#define GH_SHA256_LEN 32
/* A random token: 32 bytes (256 bits) as base64url, 43 characters. */
#define GH_TOKEN_BYTES 32
#define GH_TOKEN_LEN GH_B64URL_LEN(GH_TOKEN_BYTES)

int gh_rand_bytes(unsigned char *out, size_t n);
/* Fresh random token as base64url into out (out_size >= GH_TOKEN_LEN + 1). */
int gh_rand_token(char *out, size_t out_size);
void gh_sha256(const void *p, size_t n, unsigned char out[GH_SHA256_LEN]);
/* 1 when a[0..n) equals b[0..n), in time independent of the content. */
int gh_ct_eq(const void *a, const void *b, size_t n);
/* Constant-time compare of two strings of possibly different length; the
 * time depends only on the lengths. */
int gh_ct_streq(const char *a, size_t alen, const char *b, size_t blen);
/* Lower-case hex of p[0..n) into out (2n+1 bytes). */
void gh_hex(const unsigned char *p, size_t n, char *out);

/* HKDF-SHA256 (RFC 5869) without salt: n bytes of key material derived from
 * ikm[0..ikm_len) for the purpose named by info. 0 or GH_ECRYPTO. */
int gh_hkdf_sha256(const void *ikm, size_t ikm_len, const char *info, unsigned char *out, size_t n);

/* AES-256-GCM with a fresh random 96-bit nonce. A sealed message is
 * nonce || ciphertext || tag, GH_AEAD_OVERHEAD bytes longer than the
 * plaintext; the associated data aad is authenticated, not stored. */
#define GH_AEAD_KEY_LEN 32
#define GH_AEAD_NONCE_LEN 12
#define GH_AEAD_TAG_LEN 16
#define GH_AEAD_OVERHEAD (GH_AEAD_NONCE_LEN + GH_AEAD_TAG_LEN)
/* Seals pt[0..n) into out[0..n + GH_AEAD_OVERHEAD). 0 or GH_ECRYPTO. */
int gh_aead_seal(const unsigned char key[GH_AEAD_KEY_LEN], const void *aad, size_t aad_len,
                 const void *pt, size_t n, unsigned char *out /* OUT */);
/* Opens in[0..n) (n >= GH_AEAD_OVERHEAD) into pt[0..n - GH_AEAD_OVERHEAD).
 * 0, or GH_ECRYPTO when it was not sealed under key with this aad (pt is
 * then wiped). */
int gh_aead_open(const unsigned char key[GH_AEAD_KEY_LEN], const void *aad, size_t aad_len,
                 const unsigned char *in, size_t n, unsigned char *pt /* OUT */);

#endif
