/*
 * Resource indicators at the endpoints (RFC 8707): the `resource` values
 * of an authorization request (each a registered resource, else
 * invalid_target), kept with the code; and at the token endpoint the one
 * audience of the access token, among the resources granted at
 * authorization (src/proto/resource.c), with the scope narrowed to what a
 * token for that resource may carry (`resource add --scope`).
 */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "oauth/oauth.h"
#include "oauth/resources.h"
#include "proto/resource.h"
#include "core/err.h"

#define RESOURCES_MAX 8 /* resource values one request may carry */

/* The values of `resource` in f, at most RESOURCES_MAX. */
static int values(const struct gh_form *f, const char *v[RESOURCES_MAX])
{
    int n = 0;
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->p[i].key, "resource") == 0) {
            if (n == RESOURCES_MAX)
                return -1;
            v[n++] = f->p[i].value;
        }
    return n;
}

const char *gh_authz_resources(struct gh_req *r, const struct gh_form *f, const char **out)
{
    const char *v[RESOURCES_MAX];
    int n = values(f, v);
    *out = NULL;
    if (n < 0)
        return "too many resource parameters";
    if (n == 0)
        return NULL;
    char *list = gh_arena_alloc(r->arena, GH_SCOPE_MAX * 2);
    if (list == NULL)
        return "out of memory";
    list[0] = '\0';
    for (int i = 0; i < n; i++) {
        struct gh_resource res;
        int rc = gh_resource_add(list, GH_SCOPE_MAX * 2, v[i]);
        if (rc == GH_EINVAL)
            return "resource must be an absolute URI without a fragment";
        if (rc < 0)
            return "too many resources";
        rc = gh_store_resource_get(gh_as_of(r)->store, v[i], &res);
        if (rc == GH_ENOTFOUND)
            return gh_arena_printf(r->arena, "unknown resource '%.200s'", v[i]);
        if (rc < 0)
            return "storage temporarily unavailable";
    }
    *out = list;
    return NULL;
}

int gh_authz_resources_keep(struct gh_req *r, const char *resources,
                            const unsigned char code_hash[GH_SHA256_LEN])
{
    struct gh_as *as = gh_as_of(r);
    if (resources == NULL || resources[0] == '\0')
        return 0;
    /* as long as the family the code starts may live */
    int64_t until = gh_now() + as->cfg->code_ttl + as->cfg->refresh_ttl;
    return gh_store_grant_resource_put(as->store, code_hash, resources, until);
}

int gh_token_resource(struct gh_req *r, const struct gh_form *f, const unsigned char *code_hash,
                      const char *family_id, const char *granted_scope, const char **aud,
                      char *at_scope, size_t len)
{
    struct gh_as *as = gh_as_of(r);
    const char *v[RESOURCES_MAX];
    int n = values(f, v);
    *aud = NULL;
    snprintf(at_scope, len, "%s", granted_scope);
    if (n == 0)
        return 0;
    char granted[GH_SCOPE_MAX * 2] = "";
    int rc = 0;
    if (n < 0)
        rc = GH_EINVAL;
    else if (code_hash != NULL)
        rc = gh_store_grant_resource_of_code(as->store, code_hash, granted, sizeof(granted));
    else if (family_id != NULL)
        rc = gh_store_grant_resource_of_family(as->store, family_id, granted, sizeof(granted));
    else if (strlen(v[0]) < sizeof(granted)) /* client_credentials: any registered one */
        memcpy(granted, v[0], strlen(v[0]) + 1);
    if (rc < 0 && rc != GH_ENOTFOUND && rc != GH_EINVAL) {
        gh_oauth_error(r, GH_OAUTH_TEMPORARILY_UNAVAILABLE, "storage temporarily unavailable");
        return rc;
    }
    if (rc == GH_EINVAL || gh_resource_pick(v, n, granted, aud) < 0) {
        gh_oauth_error(r, GH_OAUTH_INVALID_TARGET,
                       n > 1 ? "one resource per access token"
                             : "resource was not granted in the authorization request");
        return GH_EINVAL;
    }
    struct gh_resource res;
    rc = gh_store_resource_get(as->store, *aud, &res);
    if (rc == GH_ENOTFOUND) {
        gh_oauth_error(r, GH_OAUTH_INVALID_TARGET, "resource is no longer registered");
        return GH_EINVAL;
    }
    if (rc < 0) {
        gh_oauth_error(r, GH_OAUTH_TEMPORARILY_UNAVAILABLE, "storage temporarily unavailable");
        return rc;
    }
    *aud = gh_arena_strdup(r->arena, *aud);
    if (res.scope[0] != '\0' && gh_scope_intersect(granted_scope, res.scope, at_scope, len) < 0)
        at_scope[0] = '\0';
    return 0;
}
