/*
 * DPoP proofs (RFC 9449): parsing and checking the proof JWT a client sends
 * in the DPoP header at the token endpoint (section 5) and at a resource
 * server (section 7), the access-token hash "ath" (section 4.2), and
 * server nonces (section 8) that need no per-process state: a nonce is a
 * time slot sealed with a key all processes share, so any process accepts
 * the nonce another one issued.
 *
 * Pure checks: replay of a jti (section 11.1) needs shared state, so the
 * caller records (jti hash, key thumbprint) in its store after a proof
 * passed here. Proof headers are cached by their exact text with the
 * parsed key and its thumbprint (struct gh_dpop_keys): a client that keeps
 * its key sends the same header every time, and then costs one signature
 * verification and the parse of its claims per proof, no header or key
 * parsing. gh_dpop_request_check is the check of one request as the token
 * endpoint, /userinfo and the Resource API all make it.
 */
#ifndef GH_DPOP_H
#define GH_DPOP_H

#include <stddef.h>
#include <stdint.h>

#include "core/crypto.h"
#include "jose/jose.h"

/* Length of a key thumbprint (RFC 7638, SHA-256, base64url): cnf.jkt. */
#define GH_DPOP_JKT_LEN GH_JWK_THUMBPRINT_LEN
/* Longest proof accepted, in bytes (an RSA 4096 key in the header fits). */
#define GH_DPOP_MAX 4096
/* The widest iat window (--dpop-window). */
#define GH_DPOP_WINDOW_MAX 300
/* Length of a server nonce: base64url of an 8-byte slot and a 16-byte tag. */
#define GH_DPOP_NONCE_LEN 32
/* A nonce lives for its slot and the next one (rotation, RFC 9449 8.2). */
#define GH_DPOP_NONCE_SLOT 60
/* The algorithms a proof may use, for dpop_signing_alg_values_supported
 * and the algs of a WWW-Authenticate: DPoP challenge (RFC 9449 5.1, 7.1):
 * every asymmetric alg of src/jose, never "none" or HMAC. */
#define GH_DPOP_ALGS_JSON "[\"ES256\",\"EdDSA\",\"RS256\"]"
#define GH_DPOP_ALGS_TEXT "ES256 EdDSA RS256"

/* What the request a proof came with must match. */
struct gh_dpop_expect {
    const char *htm;   /* the request's method */
    const char *htu;   /* the endpoint's public URL, without query or fragment */
    const char *token; /* the access token sent with it (ath required), or NULL */
    /* SHA-256 of token when the caller has it already, else NULL */
    const unsigned char *token_hash;
    int64_t now;
    int64_t window; /* iat within [now - window, now + window] */
    /* the nonce key (32 bytes) when a server nonce is demanded, else NULL */
    const unsigned char *nonce_key;
};

enum gh_dpop_result {
    GH_DPOP_OK,
    GH_DPOP_INVALID, /* invalid_dpop_proof (or invalid_token at an API) */
    GH_DPOP_NONCE,   /* use_dpop_nonce: no nonce, or not a current one */
};

/* What a passing proof says. */
struct gh_dpop_proof {
    char jkt[GH_DPOP_JKT_LEN + 1];         /* thumbprint of its key */
    unsigned char jti_hash[GH_SHA256_LEN]; /* SHA-256 of its jti */
    int64_t iat;
};

/* Cache of proof headers and their parsed keys. New (caller frees with
 * gh_dpop_keys_free); thread-safe. NULL keys in gh_dpop_check: no cache. */
struct gh_dpop_keys;
int gh_dpop_keys_new(struct gh_dpop_keys **out /* OUT */);
void gh_dpop_keys_free(struct gh_dpop_keys *keys);

/* Checks proof[0..n) against e (RFC 9449 4.3): a compact JWS with typ
 * "dpop+jwt", an asymmetric alg, a public "jwk" that verifies it (no
 * private members), jti, htm = e->htm, htu = e->htu (the claim's query and
 * fragment ignored; scheme and host case-insensitive), iat within
 * e->window of e->now, ath = base64url(SHA-256(e->token)) when e->token is
 * set, and with e->nonce_key a current server nonce. GH_DPOP_OK fills out
 * and sets *why to NULL;
 * otherwise *why says what failed (a static string). */
enum gh_dpop_result gh_dpop_check(struct gh_dpop_keys *keys, const char *proof, size_t n,
                                  const struct gh_dpop_expect *e,
                                  struct gh_dpop_proof *out /* OUT */, const char **why /* OUT */);

/* One request's DPoP header(s) and what its endpoint expects. */
struct gh_dpop_request {
    const char *proof; /* the DPoP header's value; NULL: none came */
    int n_proofs;      /* how many DPoP headers came */
    const char *htm;   /* the request's method */
    const char *base;  /* the endpoint's public URL is base and path */
    const char *path;
    /* at a protected resource: the access token (ath), its SHA-256 when
     * known (else NULL) and its cnf.jkt ("" when it is not bound); at the
     * token endpoint all NULL */
    const char *token;
    const unsigned char *token_hash;
    const char *cnf_jkt;
    int64_t now;
    int64_t window;
    const unsigned char *nonce_key; /* as in gh_dpop_expect */
};

/* What a passing proof's use records in the replay table (RFC 9449 11.1). */
struct gh_dpop_use {
    unsigned char jti[GH_SHA256_LEN]; /* SHA-256 of its jti */
    char jkt[GH_DPOP_JKT_LEN + 1];    /* its key's thumbprint */
    int64_t expires_at;               /* iat + window + 1: after its window */
};

/* The DPoP check of one request (RFC 9449 4.3, 7.1): a bound token (when
 * cnf_jkt is set), exactly one proof, gh_dpop_check against base + path,
 * and at a protected resource the proof's key is the token's cnf.jkt.
 * GH_DPOP_OK fills use; otherwise *why says what failed (static). The
 * caller then records use in its replay table before it answers. */
enum gh_dpop_result gh_dpop_request_check(struct gh_dpop_keys *keys,
                                          const struct gh_dpop_request *q,
                                          struct gh_dpop_use *use /* OUT */,
                                          const char **why /* OUT */);

/* 1 when s has the shape of a thumbprint: 43 base64url characters. */
int gh_dpop_jkt_valid(const char *s);

/* The ath of token: base64url(SHA-256(token)) plus a NUL. */
void gh_dpop_ath(const char *token, size_t n, char out[GH_B64URL_LEN(GH_SHA256_LEN) + 1]);

/* The nonce key from the server's shared secret (any length): HKDF with a
 * label of its own, so the nonce key is no other key. */
int gh_dpop_nonce_key(const unsigned char *secret, size_t n, unsigned char key[32] /* OUT */);
/* The current nonce for now. */
int gh_dpop_nonce(const unsigned char key[32], int64_t now, char out[GH_DPOP_NONCE_LEN + 1]);
/* 1 when nonce was issued with key for the slot of now or the one before. */
int gh_dpop_nonce_valid(const unsigned char key[32], int64_t now, const char *nonce);

#endif
