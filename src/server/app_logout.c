/*
 * The Frontend App's back end as a back-channel logout receiver: checks a
 * logout token the way OpenID Connect Back-Channel Logout 1.0 section 2.6
 * asks a relying party to, as an outsider — the issuer's keys learned over
 * HTTP from its jwks_uri (api/jwks_client.c), never the server's own
 * memory. The app's route (app.c, POST /backchannel-logout) calls it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "core/clock.h"
#include "core/err.h"
#include "jose/jose.h"
#include "server/app_logout.h"

#define EVENT "http://schemas.openid.net/event/backchannel-logout"
#define IAT_SKEW 300 /* seconds a logout token's iat may differ from our clock */

struct gh_app_logout {
    struct gh_jwks_client *jwks;
    char issuer[GH_URI_MAX];
    char client_id[GH_ID_MAX];
};

int gh_app_logout_new(const char *issuer, const char *client_id, struct gh_app_logout **out)
{
    struct gh_app_logout *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return GH_ENOMEM;
    snprintf(l->issuer, sizeof(l->issuer), "%s", issuer);
    snprintf(l->client_id, sizeof(l->client_id), "%s", client_id);
    int rc = gh_jwks_client_new(issuer, 1, &l->jwks);
    if (rc < 0) {
        free(l);
        return rc;
    }
    *out = l;
    return 0;
}

void gh_app_logout_free(struct gh_app_logout *l)
{
    if (l == NULL)
        return;
    gh_jwks_client_free(l->jwks);
    free(l);
}

static int aud_has(json_t *aud, const char *client_id)
{
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), client_id) == 0;
    size_t i;
    json_t *v;
    json_array_foreach(aud, i, v) if (json_is_string(v) &&
                                      strcmp(json_string_value(v), client_id) == 0) return 1;
    return 0;
}

/* Section 2.6 steps 3 to 8 on the verified claims; NULL or why not. */
static const char *claims_problem(const struct gh_app_logout *l, json_t *c)
{
    const char *iss = json_string_value(json_object_get(c, "iss"));
    json_t *iat = json_object_get(c, "iat"), *exp = json_object_get(c, "exp");
    json_t *ev = json_object_get(json_object_get(c, "events"), EVENT);
    int64_t now = gh_now();
    if (iss == NULL || strcmp(iss, l->issuer) != 0)
        return "iss is not the issuer";
    if (!aud_has(json_object_get(c, "aud"), l->client_id))
        return "aud does not name this client";
    if (!json_is_integer(iat) || json_integer_value(iat) > now + IAT_SKEW ||
        json_integer_value(iat) < now - IAT_SKEW)
        return "iat is missing or too far from now";
    if (exp != NULL && (!json_is_integer(exp) || json_integer_value(exp) < now))
        return "the logout token has expired";
    if (!json_is_object(ev))
        return "no back-channel logout event";
    if (!json_is_string(json_object_get(c, "sub")) && !json_is_string(json_object_get(c, "sid")))
        return "neither sub nor sid";
    if (json_object_get(c, "nonce") != NULL)
        return "a logout token carries no nonce";
    if (!json_is_string(json_object_get(c, "jti")))
        return "no jti";
    return NULL;
}

int gh_app_logout_check(void *arg, const char *token, char *sid, size_t sidlen, const char **why)
{
    struct gh_app_logout *l = arg;
    struct gh_jws jws;
    json_t *c = NULL;
    int rc = GH_EINVAL, fetched = 0;
    *why = "not a JWS";
    sid[0] = '\0';
    if (gh_jws_parse(token, strlen(token), &jws) < 0)
        goto out;
    *why = "typ is not logout+jwt"; /* section 2.6 step 2, RFC 8725 3.11 */
    if (strcmp(jws.typ, "logout+jwt") != 0)
        goto out;
    *why = "the signature does not verify with the issuer's keys";
    if (gh_jwks_client_verify(l->jwks, &jws, &fetched) < 0)
        goto out;
    *why = "the claims are not a JSON object";
    c = json_loadb(jws.payload, jws.payload_len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(c))
        goto out;
    *why = claims_problem(l, c);
    if (*why == NULL) {
        const char *s = json_string_value(json_object_get(c, "sid"));
        snprintf(sid, sidlen, "%s", s ? s : "");
        rc = 0;
    }
out:
    json_decref(c);
    gh_jws_release(&jws);
    return rc;
}
