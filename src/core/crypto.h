/*
 * Small cryptographic primitives every module needs: the CSPRNG (OpenSSL
 * RAND_bytes), SHA-256, constant-time comparison and hex encoding.
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

#endif
