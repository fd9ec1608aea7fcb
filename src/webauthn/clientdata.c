/*
 * clientDataJSON (WebAuthn 5.8.1), parsed with jansson as 7.1 step 5 and
 * 7.2 step 9 say (UTF-8 decode, then JSON parse; duplicate members and NUL
 * characters are refused), then checked: type (7.1 step 7, 7.2 step 11),
 * challenge (steps 8 and 12: the base64url of the challenge issued,
 * decoded strictly and compared in constant time), origin (steps 9 and 13:
 * exactly the relying party's origin), crossOrigin absent or false (we are
 * never embedded in another origin's iframe). tokenBinding (steps 10 and
 * 14) is ignored: gatehouse does not use token binding, and browsers no
 * longer send it. Other members are ignored (5.8.1: clients may add them).
 */
#include <string.h>

#include <jansson.h>

#include "webauthn/webauthn_int.h"
#include "core/crypto.h"
#include "core/err.h"

/* The string member name of o: its value and length, or NULL. */
static const char *member(const json_t *o, const char *name, size_t *n)
{
    const json_t *v = json_object_get(o, name);
    if (!json_is_string(v))
        return NULL;
    *n = json_string_length(v);
    return json_string_value(v);
}

static int load(const unsigned char *cdj, size_t len, json_t **out)
{
    *out = NULL;
    if (cdj == NULL || len == 0 || len > GH_WA_INPUT_MAX)
        return GH_WA_ECLIENTDATA;
    json_error_t err;
    json_t *o = json_loadb((const char *)cdj, len, JSON_REJECT_DUPLICATES, &err);
    if (!json_is_object(o)) {
        json_decref(o);
        return GH_WA_ECLIENTDATA;
    }
    *out = o;
    return 0;
}

/* The decoded challenge member of o into out[0..size). */
static int challenge_of(const json_t *o, unsigned char *out, size_t size, size_t *n)
{
    size_t sn = 0;
    const char *s = member(o, "challenge", &sn);
    if (s == NULL || sn == 0 || sn > GH_B64URL_LEN(GH_WA_CHALLENGE_MAX))
        return GH_WA_ECLIENTDATA;
    long got = gh_b64url_decode(s, sn, out, size);
    if (got <= 0)
        return GH_WA_ECHALLENGE;
    *n = (size_t)got;
    return 0;
}

int gh_webauthn_client_challenge(const unsigned char *cdj, size_t cdj_len, unsigned char *out,
                                 size_t size, size_t *n)
{
    json_t *o = NULL;
    *n = 0;
    int rc = load(cdj, cdj_len, &o);
    if (rc == 0)
        rc = challenge_of(o, out, size, n);
    json_decref(o);
    return rc == GH_WA_ECHALLENGE ? GH_WA_ECLIENTDATA : rc;
}

static int check(const json_t *o, const char *want_type, const struct gh_wa_expect *e)
{
    size_t tn = 0, on = 0, cn = 0;
    const char *type = member(o, "type", &tn), *origin = member(o, "origin", &on);
    if (type == NULL || origin == NULL)
        return GH_WA_ECLIENTDATA;
    if (tn != strlen(want_type) || memcmp(type, want_type, tn) != 0)
        return GH_WA_ETYPE;
    unsigned char got[GH_WA_CHALLENGE_MAX];
    int rc = challenge_of(o, got, sizeof(got), &cn);
    if (rc < 0)
        return rc;
    /* the lengths are public; the bytes are compared in constant time */
    if (cn != e->challenge_len || !gh_ct_eq(got, e->challenge, cn))
        return GH_WA_ECHALLENGE;
    if (on != strlen(e->origin) || memcmp(origin, e->origin, on) != 0)
        return GH_WA_EORIGIN;
    const json_t *cross = json_object_get(o, "crossOrigin");
    if (cross != NULL && !json_is_false(cross))
        return json_is_true(cross) ? GH_WA_ECROSSORIGIN : GH_WA_ECLIENTDATA;
    return 0;
}

int gh_wa_clientdata_check(const unsigned char *cdj, size_t len, const char *want_type,
                           const struct gh_wa_expect *e)
{
    json_t *o = NULL;
    if (e->challenge == NULL || e->challenge_len == 0 || e->challenge_len > GH_WA_CHALLENGE_MAX ||
        e->origin == NULL)
        return GH_WA_EINVAL;
    int rc = load(cdj, len, &o);
    if (rc == 0)
        rc = check(o, want_type, e);
    json_decref(o);
    return rc;
}
