/*
 * The attestation object (WebAuthn 6.5.4): a CBOR map of "fmt" (text),
 * "attStmt" (a map) and "authData" (a byte string), and the attestation
 * formats (WebAuthn 8) it may name.
 *
 * What is done with the statement: gatehouse asks for attestation
 * conveyance "none" (WebAuthn 5.4.7) and never decides anything by the
 * make or model of an authenticator, so it verifies no attestation
 * statement. Format "none" must come with an empty statement (8.7). Any
 * other registered format is accepted and its statement ignored, as if it
 * were "none": WebAuthn 5.4.7 lets a client pass a statement through even
 * when "none" was asked for (Chrome does, for self attestation), and 7.1
 * steps 19 to 21 are the relying party's policy: step 24's note lets it
 * register a credential whose attestation it does not trust, treating it
 * as self attestation (6.5.3). Refusing such responses would refuse
 * working authenticators while protecting nothing, since the credential's
 * key comes from authData and the ceremony's security from the challenge,
 * the origin and the signed-in session. A format name outside the
 * registry is refused (7.1 step 18 matches fmt against the supported
 * formats).
 */
#include <stdio.h>
#include <string.h>

#include "webauthn/webauthn_int.h"
#include "core/err.h"

/* WebAuthn 8 (and the IANA WebAuthn Attestation Statement Format
 * Identifiers registry, RFC 8809) */
static const char *const formats[] = {
    "none", "packed", "tpm", "android-key", "android-safetynet", "fido-u2f", "apple",
};

static int known_format(const char *p, size_t n)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        if (strlen(formats[i]) == n && memcmp(formats[i], p, n) == 0)
            return 1;
    }
    return 0;
}

static int members(struct gh_wa_attobj *out)
{
    cbor_item_t *fmt, *stmt, *ad;
    const char *f;
    size_t fn;
    if (!cbor_isa_map(out->root))
        return GH_WA_EATTOBJ;
    if (gh_wa_cbor_get_text(out->root, "fmt", &fmt) != 1 ||
        gh_wa_cbor_get_text(out->root, "attStmt", &stmt) != 1 ||
        gh_wa_cbor_get_text(out->root, "authData", &ad) != 1)
        return GH_WA_EATTOBJ;
    if (gh_wa_cbor_text(fmt, &f, &fn) < 0 || !cbor_isa_map(stmt) || !cbor_map_is_definite(stmt) ||
        gh_wa_cbor_bytes(ad, &out->authdata, &out->authdata_len) < 0)
        return GH_WA_EATTOBJ;
    if (!known_format(f, fn))
        return GH_WA_EFMT;
    snprintf(out->fmt, sizeof(out->fmt), "%.*s", (int)fn, f);
    /* WebAuthn 8.7: "none" has the empty map as its statement */
    if (strcmp(out->fmt, "none") == 0 && cbor_map_size(stmt) != 0)
        return GH_WA_EFMT;
    return 0;
}

int gh_wa_attobj_parse(const unsigned char *data, size_t len, struct gh_wa_attobj *out)
{
    memset(out, 0, sizeof(*out));
    size_t used = 0;
    int rc = gh_wa_cbor_load(data, len, &out->root, &used);
    if (rc == 0 && used != len)
        rc = GH_WA_ECBOR; /* bytes after the map */
    if (rc == 0)
        rc = members(out);
    if (rc < 0)
        gh_wa_attobj_free(out);
    return rc;
}

void gh_wa_attobj_free(struct gh_wa_attobj *a)
{
    if (a->root != NULL)
        cbor_decref(&a->root);
    a->root = NULL;
    a->authdata = NULL;
    a->authdata_len = 0;
}
