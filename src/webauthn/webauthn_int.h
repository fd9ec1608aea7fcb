/*
 * Internals shared by the files of src/webauthn: CBOR through libcbor
 * (cbor_util.c), COSE keys (cose.c), authenticator data (authdata.c), the
 * attestation object (attest.c) and clientDataJSON (clientdata.c). The
 * fuzz drivers and unit tests use them; other modules see webauthn.h.
 */
#ifndef GH_WEBAUTHN_INT_H
#define GH_WEBAUTHN_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cbor.h>
#include <openssl/evp.h>

#include "webauthn/webauthn.h"

/* ---- CBOR (RFC 8949) ---- */

/* Deepest nesting of arrays, maps and tags accepted: an attestation
 * object needs 3 (map, attStmt, x5c), a COSE key 1. */
#define GH_WA_CBOR_DEPTH 16

/* Decodes the first data item of data[0..len) into *item (new; the caller
 * frees it with cbor_decref) and its encoded length into *used (bytes may
 * follow it). Before libcbor builds anything, the item is walked with
 * libcbor's streaming decoder: nesting deeper than GH_WA_CBOR_DEPTH, and
 * containers announcing more entries than bytes remain, are refused, so
 * that hostile input cannot make libcbor recurse or allocate without
 * bound. GH_WA_ECBOR for malformed or incomplete CBOR. */
int gh_wa_cbor_load(const unsigned char *data, size_t len, cbor_item_t **item /* OUT */,
                    size_t *used /* OUT */);
/* The value for text key (or for integer key) in map: 1 and *out
 * (borrowed from map), 0 when absent, GH_WA_ECBOR when map is not a
 * definite map or holds the key twice. */
int gh_wa_cbor_get_text(const cbor_item_t *map, const char *key, cbor_item_t **out);
int gh_wa_cbor_get_int(const cbor_item_t *map, int64_t key, cbor_item_t **out);
/* An integer (major type 0 or 1) into *out; GH_WA_ECBOR when it is not
 * one or does not fit an int64_t. */
int gh_wa_cbor_int(const cbor_item_t *it, int64_t *out);
/* A definite byte string (or text string): pointer (borrowed) and length.
 * GH_WA_ECBOR otherwise. */
int gh_wa_cbor_bytes(const cbor_item_t *it, const unsigned char **p, size_t *n);
int gh_wa_cbor_text(const cbor_item_t *it, const char **p, size_t *n);

/* ---- COSE keys (RFC 9052 7, RFC 9053 2 and 7; RFC 8230 for RSA) ---- */

struct gh_wa_cose {
    int alg;        /* GH_WA_ES256, GH_WA_EDDSA or GH_WA_RS256 */
    EVP_PKEY *pkey; /* owned */
};

/* Parses the COSE_Key encoded in data[0..len) exactly (no trailing bytes):
 * ES256 (kty EC2, crv P-256, 32-byte x and y on the curve), EdDSA (kty
 * OKP, crv Ed25519, 32-byte x) or RS256 (kty RSA, n of 2048..4096 bits,
 * e). The caller frees out->pkey with gh_wa_cose_free. GH_WA_ECBOR,
 * GH_WA_ECOSE, GH_WA_EALG or GH_WA_EKEY. */
int gh_wa_cose_parse(const unsigned char *data, size_t len, struct gh_wa_cose *out /* OUT */);
void gh_wa_cose_free(struct gh_wa_cose *k);
/* Verifies sig over a[0..an) || b[0..bn) with k (WebAuthn 6.5.6: ES256 an
 * ASN.1 DER ECDSA signature, EdDSA 64 raw bytes, RS256 RSASSA-PKCS1-v1_5
 * with SHA-256). 0 or GH_WA_ESIG. */
int gh_wa_cose_verify(const struct gh_wa_cose *k, const unsigned char *a, size_t an,
                      const unsigned char *b, size_t bn, const unsigned char *sig, size_t sig_len);

/* ---- authenticator data (WebAuthn 6.1) ---- */

#define GH_WA_AUTHDATA_MIN 37 /* rpIdHash, flags, signCount */

/* Authenticator data, parsed; pointers borrow from the input. */
struct gh_wa_authdata {
    const unsigned char *rp_id_hash; /* 32 bytes */
    unsigned flags;
    uint32_t sign_count;
    /* attested credential data (WebAuthn 6.5.1), when flags has AT */
    const unsigned char *aaguid; /* 16 bytes */
    const unsigned char *cred_id;
    size_t cred_id_len;
    const unsigned char *key; /* the COSE_Key, exactly its encoded bytes */
    size_t key_len;
    /* extensions (WebAuthn 9), a CBOR map, when flags has ED */
    const unsigned char *ext;
    size_t ext_len;
};

/* Parses data[0..len) exactly: the fixed 37 bytes, then attested
 * credential data when AT is set (credential id of 1..1023 bytes, the COSE
 * key's length found by decoding it), then the extensions map when ED is
 * set, then nothing. The key is not parsed as a key here. GH_WA_EAUTHDATA,
 * GH_WA_ECREDID, GH_WA_ECBOR, GH_WA_EEXT or GH_WA_ETRAILING. */
int gh_wa_authdata_parse(const unsigned char *data, size_t len,
                         struct gh_wa_authdata *out /* OUT */);

/* ---- attestation object (WebAuthn 6.5.4) ---- */

struct gh_wa_attobj {
    cbor_item_t *root;             /* owned; gh_wa_attobj_free */
    char fmt[24];                  /* attestation statement format */
    const unsigned char *authdata; /* borrowed from root */
    size_t authdata_len;
};

/* Parses an attestationObject: a CBOR map with a text "fmt" (a registered
 * format, WebAuthn 8), a map "attStmt" (empty for "none") and a byte
 * string "authData", and nothing after it. GH_WA_ECBOR, GH_WA_EATTOBJ or
 * GH_WA_EFMT. */
int gh_wa_attobj_parse(const unsigned char *data, size_t len, struct gh_wa_attobj *out /* OUT */);
void gh_wa_attobj_free(struct gh_wa_attobj *a);

/* ---- clientDataJSON (WebAuthn 5.8.1) ---- */

/* Checks clientDataJSON as WebAuthn 7.1 steps 5 to 10 and 7.2 steps 9 to
 * 14 say: a JSON object whose type is want_type ("webauthn.create" or
 * "webauthn.get"), whose challenge is e's (base64url, compared in constant
 * time), whose origin is e's exactly, and whose crossOrigin is absent or
 * false; tokenBinding and other members are ignored. */
int gh_wa_clientdata_check(const unsigned char *cdj, size_t len, const char *want_type,
                           const struct gh_wa_expect *e);

#endif
