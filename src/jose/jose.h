/*
 * JOSE on OpenSSL 3's EVP API: signing keys (ES256, EdDSA, RS256), JWK and
 * JWKS (RFC 7517), RFC 7638 thumbprints as key ids, and compact JWS
 * (RFC 7515) signing and verification. Keys are parsed once into an
 * EVP_PKEY and shared read-only between threads; nothing here parses a key
 * per request.
 */
#ifndef GH_JOSE_H
#define GH_JOSE_H

#include <stddef.h>

#include <jansson.h>

#include "core/buf.h"

enum gh_jwa { GH_JWA_ES256, GH_JWA_EDDSA, GH_JWA_RS256 };

/* "ES256", "EdDSA", "RS256". */
const char *gh_jwa_name(enum gh_jwa alg);
/* 0 and *out on a known name; GH_EINVAL otherwise ("none", "HS256", ...). */
int gh_jwa_parse(const char *name, enum gh_jwa *out /* OUT */);

/* A signing or verification key. Opaque; immutable once made, so it can be
 * shared by every thread without locks. */
struct gh_jwk;

/* New key pair (P-256, Ed25519 or RSA 2048). Caller frees with gh_jwk_free. */
int gh_jwk_generate(enum gh_jwa alg, struct gh_jwk **out /* OUT */);
/* Private key from PKCS#8 PEM (traditional EC/RSA PEM also works); alg
 * follows from the key type: P-256, Ed25519 or RSA 2048..4096 bits, all
 * else (other curves, RSA-PSS, encrypted PEM) is GH_EINVAL. */
int gh_jwk_from_pem(const char *pem, size_t n, struct gh_jwk **out /* OUT */);
/* PKCS#8 PEM of the private key; new (caller frees with gh_jwk_pem_free,
 * which wipes it first). GH_EINVAL for a public-only key. */
int gh_jwk_to_pem(const struct gh_jwk *k, char **pem /* OUT */);
/* Wipes and frees a PEM from gh_jwk_to_pem; NULL is a no-op. */
void gh_jwk_pem_free(char *pem);
/* Public key from one JWK object of a JWKS. Rejects private members,
 * "oct" and unknown kty/crv, and keys whose "alg" is missing or does not
 * fit the key type. The kid is taken from the JWK ("kid" is required, 1..95
 * bytes). RSA moduli must be 2048..4096 bits; EC points must lie on the
 * curve; "use", if present, must be "sig"; other members are ignored. */
int gh_jwk_from_json(const json_t *jwk, struct gh_jwk **out /* OUT */);
/* Public key from the JWK of a JWS header (RFC 9449 4.2 "jwk") for the
 * header's alg: the same checks as gh_jwk_from_json, except that "kid" and
 * "alg" may be absent ("alg", when present, must equal alg). The kid is
 * the RFC 7638 thumbprint. */
int gh_jwk_from_json_alg(const json_t *jwk, enum gh_jwa alg, struct gh_jwk **out /* OUT */);
void gh_jwk_free(struct gh_jwk *k);

/* Borrowed, valid while k lives. kid is the RFC 7638 thumbprint (base64url
 * of SHA-256) for generated and PEM keys. */
const char *gh_jwk_kid(const struct gh_jwk *k);
enum gh_jwa gh_jwk_alg(const struct gh_jwk *k);
/* Length of an RFC 7638 thumbprint: base64url of a SHA-256 digest. */
#define GH_JWK_THUMBPRINT_LEN 43
/* Writes the RFC 7638 thumbprint of k's public key plus a NUL into out
 * (out_size > GH_JWK_THUMBPRINT_LEN). For JWK imports it may differ from
 * gh_jwk_kid, which is whatever the JWK said. */
int gh_jwk_thumbprint(const struct gh_jwk *k, char *out, size_t out_size);
/* Appends the public JWK as a JSON object with kty, kid, alg, use "sig" and
 * the public members (crv/x/y, crv/x, n/e). */
int gh_jwk_public_json(const struct gh_jwk *k, struct gh_buf *out);

/* Appends the compact JWS of payload[0..n) with protected header
 * {"alg":..,"typ":typ,"kid":..} to out ("typ" left out when typ is NULL).
 * k must hold a private key; typ is 1..31 printable ASCII bytes without
 * '"' or '\\'. On failure out is left as it was. Thread-safe: k is only
 * read. */
int gh_jws_sign(const struct gh_jwk *k, const char *typ, const char *payload, size_t n,
                struct gh_buf *out);

/* As gh_jws_sign, with the protected header hdr (JSON text) as given: for
 * tools and tests that sign DPoP proofs (a "jwk" in the header). */
int gh_jws_sign_header(const struct gh_jwk *k, const char *hdr, const char *payload, size_t n,
                       struct gh_buf *out);

/* Longest compact JWS gh_jws_parse accepts. */
#define GH_JWS_MAX 8192

/* A parsed compact JWS. Pointers borrow from the token string and from
 * buffers owned by the struct; release with gh_jws_release. */
struct gh_jws {
    enum gh_jwa alg;
    char typ[32];  /* "" when absent */
    char kid[96];  /* "" when absent */
    char *payload; /* decoded payload, NUL-terminated */
    size_t payload_len;
    const char *signing_input; /* header.payload as in the token */
    size_t signing_input_len;
    unsigned char sig[512];
    size_t sig_len;
};

/* Splits and decodes token[0..n). Rejects anything but exactly three
 * base64url parts, a header that is not a JSON object, "crit", an alg
 * outside the allow-list (ES256, EdDSA, RS256; never "none" or HMAC),
 * oversized parts (a token is at most 8 KiB). *out is zeroed first and
 * holds nothing to release on failure (releasing it is still safe). */
int gh_jws_parse(const char *token, size_t n, struct gh_jws *out /* OUT */);
/* As gh_jws_parse, for a token whose protected header (the text before
 * its first '.') the caller has seen before, byte for byte, and knows to
 * be good with alg: only the payload and the signature are decoded; typ
 * and kid are left "". For a cache keyed by the header's exact text (the
 * DPoP proofs of one key all carry the same header, src/jose/dpop.c). */
int gh_jws_parse_body(const char *token, size_t n, enum gh_jwa alg, struct gh_jws *out /* OUT */);
/* 0 when the signature verifies with k and k's alg equals the header's. */
int gh_jws_verify(const struct gh_jwk *k, const struct gh_jws *jws);
void gh_jws_release(struct gh_jws *jws);

/* A key made ready to verify many signatures, as gh_jws_verify does: for
 * ES256 the OpenSSL context is set up once instead of per signature. New
 * (caller frees with gh_jws_verifier_free); k is borrowed and must
 * outlive it. Not thread-safe: its owner uses it from one thread at a
 * time (k itself may be used by others meanwhile). */
struct gh_jws_verifier;
int gh_jws_verifier_new(const struct gh_jwk *k, struct gh_jws_verifier **out /* OUT */);
void gh_jws_verifier_free(struct gh_jws_verifier *v);
int gh_jws_verifier_verify(struct gh_jws_verifier *v, const struct gh_jws *jws);

#endif
