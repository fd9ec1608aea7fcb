/*
 * Authenticator data (WebAuthn 6.1): rpIdHash (32 bytes), flags (1),
 * signCount (big-endian, 4), then attested credential data (6.5.1) when
 * the AT flag is set: aaguid (16), credentialIdLength (big-endian, 2),
 * credentialId, credentialPublicKey (a COSE_Key in CBOR, whose length is
 * known only by decoding it), then the extensions (9), a CBOR map, when
 * the ED flag is set. Every length is checked against what remains, and
 * bytes after the last part are refused.
 */
#include <string.h>

#include "webauthn/webauthn_int.h"
#include "core/err.h"

#define AAGUID_LEN 16

/* The CBOR item at p[0..n): its length; the item must be a map when
 * want_map. */
static int item_len(const unsigned char *p, size_t n, int want_map, size_t *len)
{
    cbor_item_t *it = NULL;
    int rc = gh_wa_cbor_load(p, n, &it, len);
    if (rc == 0 && want_map && !cbor_isa_map(it))
        rc = GH_WA_EEXT;
    if (it != NULL)
        cbor_decref(&it);
    return rc;
}

/* WebAuthn 6.5.1: attested credential data at p[0..n); *used bytes. */
static int attested(const unsigned char *p, size_t n, struct gh_wa_authdata *out, size_t *used)
{
    if (n < AAGUID_LEN + 2)
        return GH_WA_EAUTHDATA;
    out->aaguid = p;
    size_t id_len = (size_t)p[AAGUID_LEN] << 8 | p[AAGUID_LEN + 1];
    size_t pos = AAGUID_LEN + 2;
    if (id_len == 0 || id_len > GH_WA_CRED_ID_MAX)
        return GH_WA_ECREDID;
    if (n - pos < id_len)
        return GH_WA_EAUTHDATA;
    out->cred_id = p + pos;
    out->cred_id_len = id_len;
    pos += id_len;
    if (pos == n)
        return GH_WA_EAUTHDATA; /* no credential public key */
    size_t key_len = 0;
    int rc = item_len(p + pos, n - pos, 0, &key_len);
    if (rc < 0)
        return rc;
    out->key = p + pos;
    out->key_len = key_len;
    *used = pos + key_len;
    return 0;
}

int gh_wa_authdata_parse(const unsigned char *data, size_t len, struct gh_wa_authdata *out)
{
    memset(out, 0, sizeof(*out));
    if (len < GH_WA_AUTHDATA_MIN)
        return GH_WA_EAUTHDATA;
    out->rp_id_hash = data;
    out->flags = data[32];
    out->sign_count = (uint32_t)data[33] << 24 | (uint32_t)data[34] << 16 |
                      (uint32_t)data[35] << 8 | (uint32_t)data[36];
    size_t pos = GH_WA_AUTHDATA_MIN;
    if (out->flags & GH_WA_FLAG_AT) {
        size_t used = 0;
        int rc = attested(data + pos, len - pos, out, &used);
        if (rc < 0)
            return rc;
        pos += used;
    }
    if (out->flags & GH_WA_FLAG_ED) {
        size_t used = 0;
        if (pos == len)
            return GH_WA_EEXT; /* the flag without the extensions */
        int rc = item_len(data + pos, len - pos, 1, &used);
        if (rc < 0)
            return rc == GH_WA_ECBOR ? GH_WA_EEXT : rc;
        out->ext = data + pos;
        out->ext_len = used;
        pos += used;
    }
    return pos == len ? 0 : GH_WA_ETRAILING;
}
