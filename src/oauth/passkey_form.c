/*
 * The browser's answer to a WebAuthn ceremony as posted form fields
 * (passkey.h): passkey.js posts each ArrayBuffer of the
 * PublicKeyCredential (WebAuthn 5.2.1, 5.2.2) in base64url without
 * padding, the way the options carried them. Network input: every field
 * is decoded strictly (core/b64url.h), bounded before decoding, and sent
 * at most once. Fuzzed by fuzz/fuzz_passkey_form.c.
 */
#include <string.h>

#include "core/b64url.h"
#include "core/err.h"
#include "oauth/passkey.h"

#define HANDLE_MAX 64 /* WebAuthn 5.4.3: a user handle is at most 64 bytes */

/* Field name of f decoded into the arena: 0 and *p, *n; GH_ENOTFOUND when
 * absent (or empty); GH_EINVAL when repeated, too long or not base64url. */
static int field(struct gh_arena *a, const struct gh_form *f, const char *name, size_t max,
                 const unsigned char **p, size_t *n)
{
    int dup = 0;
    const char *v = gh_form_get(f, name, &dup);
    *p = NULL;
    *n = 0;
    if (dup)
        return GH_EINVAL;
    if (v == NULL)
        return GH_ENOTFOUND;
    size_t len = strlen(v);
    if (len > GH_B64URL_LEN(max))
        return GH_EINVAL;
    size_t cap = len / 4 * 3 + 3;
    unsigned char *out = gh_arena_alloc(a, cap);
    if (out == NULL)
        return GH_ENOMEM;
    long got = gh_b64url_decode(v, len, out, cap);
    if (got <= 0 || (size_t)got > max)
        return GH_EINVAL;
    *p = out;
    *n = (size_t)got;
    return 0;
}

struct want {
    const char *name;
    size_t max;
    int optional;
    const unsigned char **p;
    size_t *n;
};

int gh_passkey_response_parse(struct gh_arena *a, const struct gh_form *f,
                              enum gh_passkey_kind kind, struct gh_passkey_response *out,
                              const char **why)
{
    memset(out, 0, sizeof(*out));
    *why = NULL;
    const struct want create[] = {
        {"attestationObject", GH_WA_INPUT_MAX, 0, &out->att_obj, &out->att_obj_len},
        {"clientDataJSON", GH_WA_INPUT_MAX, 0, &out->cdj, &out->cdj_len},
    };
    const struct want get[] = {
        {"id", GH_WA_CRED_ID_MAX, 0, &out->id, &out->id_len},
        {"authenticatorData", GH_WA_INPUT_MAX, 0, &out->auth_data, &out->auth_data_len},
        {"clientDataJSON", GH_WA_INPUT_MAX, 0, &out->cdj, &out->cdj_len},
        {"signature", GH_WA_INPUT_MAX, 0, &out->sig, &out->sig_len},
        {"userHandle", HANDLE_MAX, 1, &out->user_handle, &out->user_handle_len},
    };
    const struct want *w = kind == GH_PASSKEY_CREATE ? create : get;
    size_t n = kind == GH_PASSKEY_CREATE ? GH_ARRAY_LEN(create) : GH_ARRAY_LEN(get);
    for (size_t i = 0; i < n; i++) {
        int rc = field(a, f, w[i].name, w[i].max, w[i].p, w[i].n);
        if (rc == GH_ENOTFOUND && w[i].optional)
            continue;
        if (rc < 0) {
            *why = w[i].name;
            return rc == GH_ENOMEM ? rc : GH_EINVAL;
        }
    }
    return 0;
}
