/*
 * The two WebAuthn Level 2 ceremonies as a relying party runs them: the
 * registration ceremony (7.1) and the authentication ceremony (7.2), on
 * the parsers of this folder. Each step is cited where it is done; what is
 * not done here (finding the credential and its user, 7.2 steps 5 to 7;
 * the credential id not yet registered, 7.1 step 22; storing the new
 * counter once) is the caller's, with the store's help.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "webauthn/webauthn_int.h"
#include "core/crypto.h"
#include "core/err.h"

static const char *const messages[] = {
    [0] = "success",
    [-GH_WA_ENOMEM] = "out of memory",
    [-GH_WA_EINVAL] = "input too large or argument missing",
    [-GH_WA_ECRYPTO] = "cryptographic library failure",
    [-GH_WA_ECBOR] = "malformed CBOR",
    [-GH_WA_EATTOBJ] = "attestation object is not a map of fmt, attStmt and authData",
    [-GH_WA_EFMT] = "unsupported attestation format or statement",
    [-GH_WA_EAUTHDATA] = "malformed authenticator data",
    [-GH_WA_ETRAILING] = "bytes after the authenticator data",
    [-GH_WA_ECREDID] = "credential id empty or too long",
    [-GH_WA_EATTESTED] = "attested credential data missing or unexpected",
    [-GH_WA_EEXT] = "malformed extensions in authenticator data",
    [-GH_WA_ECOSE] = "malformed credential public key",
    [-GH_WA_EALG] = "credential algorithm not allowed",
    [-GH_WA_EKEY] = "invalid credential public key",
    [-GH_WA_ECLIENTDATA] = "malformed client data",
    [-GH_WA_ETYPE] = "client data of the wrong type",
    [-GH_WA_ECHALLENGE] = "challenge does not match",
    [-GH_WA_EORIGIN] = "origin does not match",
    [-GH_WA_ECROSSORIGIN] = "cross-origin request",
    [-GH_WA_ERPID] = "RP ID hash does not match",
    [-GH_WA_EUP] = "user not present",
    [-GH_WA_EUV] = "user not verified",
    [-GH_WA_EBACKUP] = "backup state without backup eligibility",
    [-GH_WA_ESIG] = "signature does not verify",
    [-GH_WA_ESIGNCOUNT] = "signature counter did not increase (cloned authenticator?)",
    [-GH_WA_ENORPID] = "issuer host is an IP address: no RP ID",
};

const char *gh_webauthn_strerror(int err)
{
    if (err > 0 || (size_t)-err >= sizeof(messages) / sizeof(messages[0]) || messages[-err] == NULL)
        return "unknown WebAuthn error";
    return messages[-err];
}

/* Checks shared by both ceremonies on the authenticator data: rpIdHash
 * (7.1 step 13, 7.2 step 15), UP (steps 14 and 16), UV (steps 15 and 17;
 * gatehouse always requires it), and Level 3's rule that BS is never set
 * without BE (6.1). */
static int check_flags(const struct gh_wa_authdata *ad, const char *rp_id)
{
    unsigned char want[GH_SHA256_LEN];
    gh_sha256(rp_id, strlen(rp_id), want);
    if (!gh_ct_eq(ad->rp_id_hash, want, sizeof(want)))
        return GH_WA_ERPID;
    if (!(ad->flags & GH_WA_FLAG_UP))
        return GH_WA_EUP;
    if (!(ad->flags & GH_WA_FLAG_UV))
        return GH_WA_EUV;
    if ((ad->flags & GH_WA_FLAG_BS) && !(ad->flags & GH_WA_FLAG_BE))
        return GH_WA_EBACKUP;
    return 0;
}

static int check_expect(const struct gh_wa_expect *e)
{
    if (e == NULL || e->challenge == NULL || e->challenge_len == 0 ||
        e->challenge_len > GH_WA_CHALLENGE_MAX || e->origin == NULL || e->rp_id == NULL)
        return GH_WA_EINVAL;
    return 0;
}

/* 7.1 steps 13 to 17 on the parsed authenticator data; fills out. */
static int register_authdata(const struct gh_wa_attobj *ao, const struct gh_wa_expect *e,
                             struct gh_wa_credential *out)
{
    struct gh_wa_authdata ad;
    struct gh_wa_cose key = {0, NULL};
    int rc = gh_wa_authdata_parse(ao->authdata, ao->authdata_len, &ad);
    if (rc < 0)
        return rc;
    if (!(ad.flags & GH_WA_FLAG_AT))
        return GH_WA_EATTESTED;
    if ((rc = check_flags(&ad, e->rp_id)) < 0)
        return rc;
    /* step 16: ES256, EdDSA or RS256, all of which the options offer */
    if (ad.key_len > GH_WA_KEY_MAX)
        return GH_WA_ECOSE;
    if ((rc = gh_wa_cose_parse(ad.key, ad.key_len, &key)) < 0)
        return rc;
    /* step 17: extension outputs are ignored, none having been asked for */
    out->alg = key.alg;
    gh_wa_cose_free(&key);
    memcpy(out->id, ad.cred_id, ad.cred_id_len);
    out->id_len = ad.cred_id_len;
    memcpy(out->key, ad.key, ad.key_len);
    out->key_len = ad.key_len;
    out->sign_count = ad.sign_count;
    out->flags = ad.flags;
    memcpy(out->aaguid, ad.aaguid, sizeof(out->aaguid));
    snprintf(out->fmt, sizeof(out->fmt), "%s", ao->fmt);
    return 0;
}

int gh_webauthn_register(const unsigned char *att_obj, size_t att_len, const unsigned char *cdj,
                         size_t cdj_len, const struct gh_wa_expect *e, struct gh_wa_credential *out)
{
    struct gh_wa_attobj ao;
    memset(out, 0, sizeof(*out));
    memset(&ao, 0, sizeof(ao));
    int rc = check_expect(e);
    if (rc == 0 && (att_obj == NULL || att_len == 0 || att_len > GH_WA_INPUT_MAX))
        rc = GH_WA_EINVAL;
    /* steps 5 to 10: the client data */
    if (rc == 0)
        rc = gh_wa_clientdata_check(cdj, cdj_len, "webauthn.create", e);
    /* step 11 (the hash of the client data) serves only attestation
     * statements, which are not verified; step 12: decode the object,
     * steps 18 to 21 its format (attest.c) */
    if (rc == 0)
        rc = gh_wa_attobj_parse(att_obj, att_len, &ao);
    if (rc == 0)
        rc = register_authdata(&ao, e, out);
    gh_wa_attobj_free(&ao);
    if (rc < 0)
        memset(out, 0, sizeof(*out));
    ERR_clear_error();
    return rc;
}

/* Step 21: a counter that does not grow, while either is nonzero, may be
 * a cloned authenticator; the ceremony fails. Both 0: no counter. */
static int check_count(uint32_t stored, uint32_t got)
{
    if ((stored != 0 || got != 0) && got <= stored)
        return GH_WA_ESIGNCOUNT;
    return 0;
}

/* Steps 15 to 21 once the client data is checked. */
static int assert_authdata(const unsigned char *auth_data, size_t ad_len, const unsigned char *cdj,
                           size_t cdj_len, const unsigned char *sig, size_t sig_len,
                           const struct gh_wa_stored *cred, const struct gh_wa_expect *e,
                           struct gh_wa_assertion *out)
{
    struct gh_wa_authdata ad;
    struct gh_wa_cose key = {0, NULL};
    unsigned char hash[GH_SHA256_LEN];
    int rc = gh_wa_authdata_parse(auth_data, ad_len, &ad);
    if (rc < 0)
        return rc;
    if (ad.flags & GH_WA_FLAG_AT)
        return GH_WA_EATTESTED; /* 6.1: only in attestations */
    /* steps 15 to 17; step 18: extension outputs are ignored */
    if ((rc = check_flags(&ad, e->rp_id)) < 0)
        return rc;
    if ((rc = gh_wa_cose_parse(cred->key, cred->key_len, &key)) < 0)
        return rc;
    /* steps 19 and 20: the signature over authData || SHA-256(cData) */
    gh_sha256(cdj, cdj_len, hash);
    rc = gh_wa_cose_verify(&key, auth_data, ad_len, hash, sizeof(hash), sig, sig_len);
    gh_wa_cose_free(&key);
    if (rc == 0)
        rc = check_count(cred->sign_count, ad.sign_count);
    if (rc == 0) {
        out->sign_count = ad.sign_count;
        out->flags = ad.flags;
    }
    return rc;
}

int gh_webauthn_assert(const unsigned char *auth_data, size_t ad_len, const unsigned char *cdj,
                       size_t cdj_len, const unsigned char *sig, size_t sig_len,
                       const struct gh_wa_stored *cred, const struct gh_wa_expect *e,
                       struct gh_wa_assertion *out)
{
    memset(out, 0, sizeof(*out));
    int rc = check_expect(e);
    if (rc == 0 && (cred == NULL || cred->key == NULL || auth_data == NULL ||
                    ad_len > GH_WA_INPUT_MAX || sig == NULL))
        rc = GH_WA_EINVAL;
    /* steps 9 to 14: the client data */
    if (rc == 0)
        rc = gh_wa_clientdata_check(cdj, cdj_len, "webauthn.get", e);
    if (rc == 0)
        rc = assert_authdata(auth_data, ad_len, cdj, cdj_len, sig, sig_len, cred, e, out);
    ERR_clear_error();
    return rc;
}

/* The length of the UTF-8 sequence at p (RFC 3629 4: no overlong forms,
 * no surrogates, nothing above U+10FFFF) and its code point; 0 when
 * invalid. */
static size_t utf8_char(const unsigned char *p, uint32_t *cp)
{
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t n = p[0] < 0x80             ? 1
               : (p[0] & 0xe0) == 0xc0 ? 2
               : (p[0] & 0xf0) == 0xe0 ? 3
               : (p[0] & 0xf8) == 0xf0 ? 4
                                       : 0;
    if (n == 0)
        return 0;
    uint32_t v = n == 1 ? p[0] : p[0] & (0x7fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3fu);
    }
    if (v < min[n] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

int gh_webauthn_label_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t chars = 0;
    while (*p != '\0') {
        uint32_t cp = 0;
        size_t n = utf8_char(p, &cp);
        if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || ++chars > GH_WA_LABEL_CHARS)
            return 0;
        p += n;
    }
    return chars > 0;
}

int gh_webauthn_challenge_new(unsigned char raw[GH_WA_CHALLENGE_LEN], char *b64, size_t b64_size,
                              unsigned char hash[32])
{
    if (gh_rand_bytes(raw, GH_WA_CHALLENGE_LEN) < 0)
        return GH_WA_ECRYPTO;
    if (gh_b64url_encode(raw, GH_WA_CHALLENGE_LEN, b64, b64_size) < 0)
        return GH_WA_EINVAL;
    gh_sha256(raw, GH_WA_CHALLENGE_LEN, hash);
    return 0;
}
