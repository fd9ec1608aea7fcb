/*
 * The WebAuthn Level 2 relying party (https://www.w3.org/TR/webauthn-2/):
 * the registration ceremony (7.1) and the authentication ceremony (7.2) for
 * passkeys, with attestation conveyance "none", user verification required
 * and discoverable credentials; COSE keys ES256, EdDSA and RS256. The
 * relying party ID is the issuer's host name and the expected origin the
 * issuer's scheme, host and port. This module checks what the browser
 * sent; the challenges it is checked against, and the credentials, live in
 * the store (gh_store_webauthn_*). See docs/internals/webauthn.md.
 *
 * Every function returns 0 or a negative enum gh_wa_err, never crashes on
 * hostile input, and leaves nothing on OpenSSL's error queue.
 */
#ifndef GH_WEBAUTHN_H
#define GH_WEBAUTHN_H

#include <stddef.h>
#include <stdint.h>

/* Why a ceremony failed; gh_webauthn_strerror names each. */
enum gh_wa_err {
    GH_WA_OK = 0,
    GH_WA_ENOMEM = -1,        /* allocation failed */
    GH_WA_EINVAL = -2,        /* an argument out of range (input too large, no buffer) */
    GH_WA_ECRYPTO = -3,       /* OpenSSL failed on valid input */
    GH_WA_ECBOR = -4,         /* malformed CBOR, too deep, or trailing bytes after it */
    GH_WA_EATTOBJ = -5,       /* attestationObject is not a map of fmt, attStmt, authData */
    GH_WA_EFMT = -6,          /* unknown attestation format, or "none" with a statement */
    GH_WA_EAUTHDATA = -7,     /* authenticator data truncated or malformed */
    GH_WA_ETRAILING = -8,     /* bytes after the end of the authenticator data */
    GH_WA_ECREDID = -9,       /* credential id empty or longer than 1023 bytes */
    GH_WA_EATTESTED = -10,    /* attested credential data missing (create) or present (get) */
    GH_WA_EEXT = -11,         /* extensions flag and data disagree, or not a CBOR map */
    GH_WA_ECOSE = -12,        /* malformed COSE_Key */
    GH_WA_EALG = -13,         /* COSE algorithm or key type not allowed */
    GH_WA_EKEY = -14,         /* key invalid: point not on the curve, RSA modulus too small */
    GH_WA_ECLIENTDATA = -15,  /* clientDataJSON is not a JSON object with the members */
    GH_WA_ETYPE = -16,        /* clientDataJSON type is not the ceremony's */
    GH_WA_ECHALLENGE = -17,   /* challenge is not the one issued */
    GH_WA_EORIGIN = -18,      /* origin is not the relying party's */
    GH_WA_ECROSSORIGIN = -19, /* crossOrigin is true (an iframe of another origin) */
    GH_WA_ERPID = -20,        /* rpIdHash is not SHA-256 of the RP ID */
    GH_WA_EUP = -21,          /* user presence flag not set */
    GH_WA_EUV = -22,          /* user verification flag not set */
    GH_WA_EBACKUP = -23,      /* backup state set without backup eligibility */
    GH_WA_ESIG = -24,         /* signature does not verify */
    GH_WA_ESIGNCOUNT = -25,   /* signature counter did not grow: a cloned authenticator? */
    GH_WA_ENORPID = -26,      /* the issuer's host is an IP address: no RP ID */
};

const char *gh_webauthn_strerror(int err);

/* COSE algorithms (IANA COSE Algorithms registry; WebAuthn 5.8.5) */
#define GH_WA_ES256 (-7)
#define GH_WA_EDDSA (-8)
#define GH_WA_RS256 (-257)

/* authenticator data flags (WebAuthn 6.1; BE and BS as in Level 3) */
#define GH_WA_FLAG_UP 0x01u
#define GH_WA_FLAG_UV 0x04u
#define GH_WA_FLAG_BE 0x08u
#define GH_WA_FLAG_BS 0x10u
#define GH_WA_FLAG_AT 0x40u
#define GH_WA_FLAG_ED 0x80u

#define GH_WA_CRED_ID_MAX 1023 /* WebAuthn 6.5.1 credentialIdLength */
#define GH_WA_KEY_MAX 1024     /* a COSE_Key as stored (RSA-4096 needs about 530) */
#define GH_WA_CHALLENGE_LEN 32 /* challenges we issue, in bytes (WebAuthn 13.4.3: >= 16) */
#define GH_WA_CHALLENGE_MAX 64 /* longest challenge accepted back */
#define GH_WA_INPUT_MAX 16384  /* largest attestationObject, authData, clientDataJSON */
#define GH_WA_RP_ID_MAX 256
#define GH_WA_ORIGIN_MAX 300

/* What the relying party expects of a response: the challenge as issued
 * (raw bytes), the origin (gh_webauthn_origin) and the RP ID
 * (gh_webauthn_rp_id). Borrowed. */
struct gh_wa_expect {
    const unsigned char *challenge;
    size_t challenge_len;
    const char *origin;
    const char *rp_id;
};

/* A new credential, to store (gh_store_webauthn_cred_add). */
struct gh_wa_credential {
    unsigned char id[GH_WA_CRED_ID_MAX];
    size_t id_len;
    unsigned char key[GH_WA_KEY_MAX]; /* the COSE_Key as the authenticator encoded it */
    size_t key_len;
    int alg;             /* GH_WA_ES256, GH_WA_EDDSA or GH_WA_RS256 */
    uint32_t sign_count; /* 0 when the authenticator keeps no counter */
    unsigned flags;      /* authenticator data flags; GH_WA_FLAG_BE and _BS matter */
    unsigned char aaguid[16];
    char fmt[24]; /* attestation format as sent; its statement is not verified */
};

/* The registration ceremony, WebAuthn 7.1 steps 5 to 21 (the caller does
 * step 22, credential id not yet registered, by the store's unique key):
 * clientDataJSON of type "webauthn.create" with e's challenge and origin
 * and no crossOrigin; an attestationObject whose authData has rpIdHash =
 * SHA-256(e->rp_id), the UP and UV flags, attested credential data with an
 * ES256, EdDSA or RS256 key. Attestation statements are not verified (see
 * attest.c). Fills *out on success. */
int gh_webauthn_register(const unsigned char *att_obj, size_t att_len, const unsigned char *cdj,
                         size_t cdj_len, const struct gh_wa_expect *e,
                         struct gh_wa_credential *out /* OUT */);

/* A stored credential, as the authentication ceremony needs it. Borrowed. */
struct gh_wa_stored {
    const unsigned char *key; /* COSE_Key from gh_webauthn_register */
    size_t key_len;
    uint32_t sign_count;
};

/* The result of an authentication ceremony: the counter to store (with
 * gh_store_webauthn_cred_use, which accepts it only once) and the flags. */
struct gh_wa_assertion {
    uint32_t sign_count;
    unsigned flags;
};

/* The authentication ceremony, WebAuthn 7.2 steps 10 to 21 (the caller has
 * found the credential by its id and checked its user, steps 5 to 7):
 * clientDataJSON of type "webauthn.get" with e's challenge and origin;
 * authenticator data with rpIdHash, UP and UV and no attested credential
 * data; the signature over authData || SHA-256(clientDataJSON) by the
 * stored key (ES256: DER ECDSA; EdDSA: 64 bytes; RS256: PKCS #1 v1.5); and
 * a signature counter that grew, unless it is 0 in both (step 21:
 * GH_WA_ESIGNCOUNT otherwise). */
int gh_webauthn_assert(const unsigned char *auth_data, size_t ad_len, const unsigned char *cdj,
                       size_t cdj_len, const unsigned char *sig, size_t sig_len,
                       const struct gh_wa_stored *cred, const struct gh_wa_expect *e,
                       struct gh_wa_assertion *out /* OUT */);

/* The challenge clientDataJSON carries, decoded into out[0..size); its
 * length in *n. The finishing process hashes it to take the challenge it
 * issued from the store (gh_store_webauthn_challenge_take), then runs the
 * ceremony with it. GH_WA_ECLIENTDATA when there is none. */
int gh_webauthn_client_challenge(const unsigned char *cdj, size_t cdj_len, unsigned char *out,
                                 size_t size, size_t *n /* OUT */);

/* A fresh challenge: raw (GH_WA_CHALLENGE_LEN random bytes), its base64url
 * for the browser and its SHA-256 for the store (the store never sees the
 * challenge itself). */
int gh_webauthn_challenge_new(unsigned char raw[GH_WA_CHALLENGE_LEN] /* OUT */, char *b64,
                              size_t b64_size /* OUT, >= 44 */, unsigned char hash[32] /* OUT */);

/* The RP ID of an issuer URL: the issuer's host name, lower-case (an RP
 * ID is a valid domain string, WebAuthn 5.1.2 and 4 "RP ID"). GH_WA_ENORPID
 * when the host is an IP address literal (the URL Standard's IPv4 and IPv6
 * hosts), so passkeys are unavailable; GH_WA_EINVAL when the URL is not an
 * http(s) URL with a host. */
int gh_webauthn_rp_id(const char *issuer, char *out, size_t size);
/* The origin a browser reports for pages of the issuer (the HTML
 * Standard's serialisation of an origin): scheme "://" host, then ":" port
 * unless it is the scheme's default; lower-case. GH_WA_EINVAL as above. */
int gh_webauthn_origin(const char *issuer, char *out, size_t size);
/* 1 when passkeys are possible with this issuer: it has an RP ID (a host
 * name, not an IP address) and an origin; 0 otherwise. The one rule for
 * showing passkey controls (SPEC 13), on the login and account pages. */
int gh_webauthn_possible(const char *issuer);

/* 1 when s is a passkey label a user may give: valid UTF-8 (RFC 3629) of
 * 1 to GH_WA_LABEL_CHARS characters, none a control character (C0, DEL,
 * C1); at most GH_WA_LABEL_CHARS * 4 bytes, which the store keeps. */
#define GH_WA_LABEL_CHARS 64
int gh_webauthn_label_ok(const char *s);

#endif
