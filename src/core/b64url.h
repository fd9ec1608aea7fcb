/*
 * base64url without padding (RFC 4648 section 5, as JOSE uses it, RFC 7515
 * section 2). The decoder is strict: it rejects padding, whitespace, any
 * byte outside the alphabet and non-canonical trailing bits.
 */
#ifndef GH_B64URL_H
#define GH_B64URL_H

#include <stddef.h>

/* Encoded length of n bytes (no NUL). */
#define GH_B64URL_LEN(n) (((n) / 3) * 4 + (((n) % 3) ? ((n) % 3) + 1 : 0))

/* Writes the encoding of in[0..n) plus a NUL into out (out_size bytes).
 * Returns the encoded length, or GH_ENOMEM if out is too small. */
long gh_b64url_encode(const unsigned char *in, size_t n, char *out, size_t out_size);
/* Decodes in[0..n) into out (out_size bytes). Returns the decoded length,
 * GH_EINVAL on malformed input, GH_ENOMEM if out is too small. */
long gh_b64url_decode(const char *in, size_t n, unsigned char *out, size_t out_size);

#endif
