/*
 * libFuzzer driver: the client metadata rules of dynamic registration
 * (src/oauth/reg_meta.c; RFC 7591 2 and 3.2.2, RFC 8252 7), which read a
 * JSON body anyone may send to POST /register. Invariants: a result is one
 * of the three outcomes, with a description on failure; an accepted
 * document has only redirect URIs valid for registration (no fragment, no
 * wildcard, plain http only for a loopback host), a scope inside the
 * allowed one, a public client exactly when the method is none, no
 * client_credentials for a public client; and its client information
 * response is an object without a null anywhere.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "oauth/reg.h"
#include "proto/proto.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            GH_BUG("fuzz invariant failed: " #c);                                                  \
    } while (0)

static const char ALLOWED[] = "openid profile email offline_access";

static int has_null(const json_t *v)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_null(v))
        return 1;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x) if (has_null(x)) return 1;
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) if (has_null(x)) return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gh_client *c = malloc(sizeof(*c));
    struct gh_client_reg *m = malloc(sizeof(*m));
    char desc[320];
    if (c == NULL || m == NULL)
        goto out;
    enum gh_reg_result e =
        gh_reg_meta_parse((const char *)data, size, ALLOWED, c, m, desc, sizeof(desc));
    CHECK(e == GH_REG_OK || e == GH_REG_INVALID_REDIRECT_URI || e == GH_REG_INVALID_METADATA);
    if (e != GH_REG_OK) {
        CHECK(desc[0] != '\0');
        goto out;
    }
    CHECK(c->n_redirect >= 0 && c->n_redirect <= GH_URIS_MAX);
    for (int i = 0; i < c->n_redirect; i++) {
        const char *u = c->redirect[i];
        CHECK(gh_redirect_valid(u, 0));
        CHECK(strchr(u, '#') == NULL && strchr(u, '*') == NULL);
    }
    CHECK(gh_scope_subset(c->scope, ALLOWED));
    CHECK(c->is_public == (strcmp(m->auth_method, "none") == 0));
    CHECK(!(c->is_public && gh_scope_has(m->grant_types, "client_credentials")));
    CHECK(!gh_scope_has(m->grant_types, "authorization_code") || c->n_redirect > 0);
    json_t *o = gh_reg_meta_json(c, m);
    CHECK(json_is_object(o) && !has_null(o));
    char *text = json_dumps(o, JSON_COMPACT);
    CHECK(text != NULL);
    free(text);
    json_decref(o);
out:
    free(c);
    free(m);
    return 0;
}
