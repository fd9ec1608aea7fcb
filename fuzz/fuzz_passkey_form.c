/*
 * libFuzzer driver: gh_passkey_response_parse (src/oauth/passkey_form.c),
 * the reader of the passkey answers posted to /login/passkey and
 * /account/passkeys: form fields in base64url, decoded with bounds.
 * Invariants: a parse succeeds or says GH_EINVAL with the field's name;
 * every decoded field is within its bound and encodes back to exactly
 * the posted text (strict base64url); the required fields are there.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64url.h"
#include "core/err.h"
#include "http/form.h"
#include "oauth/passkey.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            GH_BUG("fuzz invariant failed: " #c);                                                  \
    } while (0)

/* p[0..n) encodes back to the form's field name (when present). */
static void same(const struct gh_form *f, const char *name, const unsigned char *p, size_t n,
                 size_t max)
{
    if (p == NULL)
        return;
    CHECK(n > 0 && n <= max);
    const char *posted = gh_form_get(f, name, NULL);
    CHECK(posted != NULL);
    char *back = malloc(GH_B64URL_LEN(n) + 1);
    CHECK(back != NULL);
    CHECK(gh_b64url_encode(p, n, back, GH_B64URL_LEN(n) + 1) >= 0);
    CHECK(strcmp(back, posted) == 0);
    free(back);
}

static void one(struct gh_arena *a, const struct gh_form *f, enum gh_passkey_kind kind)
{
    struct gh_passkey_response r;
    const char *why = NULL;
    int rc = gh_passkey_response_parse(a, f, kind, &r, &why);
    CHECK(rc == 0 || rc == GH_EINVAL || rc == GH_ENOMEM);
    if (rc == GH_EINVAL)
        CHECK(why != NULL && gh_form_count(f, why) <= GH_FORM_MAX_PARAMS);
    if (rc != 0)
        return;
    if (kind == GH_PASSKEY_CREATE) {
        CHECK(r.att_obj != NULL && r.cdj != NULL);
        same(f, "attestationObject", r.att_obj, r.att_obj_len, GH_WA_INPUT_MAX);
    } else {
        CHECK(r.id != NULL && r.auth_data != NULL && r.cdj != NULL && r.sig != NULL);
        same(f, "id", r.id, r.id_len, GH_WA_CRED_ID_MAX);
        same(f, "authenticatorData", r.auth_data, r.auth_data_len, GH_WA_INPUT_MAX);
        same(f, "signature", r.sig, r.sig_len, GH_WA_INPUT_MAX);
        same(f, "userHandle", r.user_handle, r.user_handle_len, 64);
    }
    same(f, "clientDataJSON", r.cdj, r.cdj_len, GH_WA_INPUT_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the server's arena for a 64 KiB body: 8 KiB chunks, capped */
    struct gh_arena *a = gh_arena_new(8192, 64 * 1024 * 4 + 256 * 1024);
    struct gh_form f;
    if (a == NULL)
        return 0;
    if (gh_form_parse(a, (const char *)data, size, &f) == 0) {
        one(a, &f, GH_PASSKEY_CREATE);
        one(a, &f, GH_PASSKEY_GET);
    }
    gh_arena_free(a);
    return 0;
}
