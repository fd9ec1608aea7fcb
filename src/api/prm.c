/*
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) of the Resource API:
 * the document at /.well-known/oauth-protected-resource (and, when the
 * resource identifier has a path, at that path after the well-known
 * prefix, RFC 9728 3.1), naming the resource, its authorization server,
 * its scopes and how it takes tokens. Its URL goes into the API's
 * WWW-Authenticate challenges (RFC 9728 5.1), where MCP clients find it.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "core/err.h"

#define WELL_KNOWN "/.well-known/oauth-protected-resource"

/* Splits an http(s) URL into its origin (scheme://authority) length and
 * its path ("" or "/..." without a trailing slash, no query). */
static int split_url(const char *u, size_t *origin_len, const char **path, size_t *path_len)
{
    const char *sep = strstr(u, "://");
    if (sep == NULL || strchr(u, '#') != NULL ||
        !(strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0))
        return GH_EINVAL;
    const char *host = sep + 3;
    size_t hl = strcspn(host, "/?");
    if (hl == 0)
        return GH_EINVAL;
    *origin_len = (size_t)(host + hl - u);
    *path = host + hl;
    *path_len = (*path)[0] == '/' ? strcspn(*path, "?") : 0;
    while (*path_len > 0 && (*path)[*path_len - 1] == '/')
        (*path_len)--;
    return 0;
}

static json_t *scope_array(const char *scopes)
{
    json_t *arr = json_array();
    for (const char *p = scopes; p && *p;) {
        size_t n = strcspn(p, " ");
        if (n > 0)
            json_array_append_new(arr, json_stringn(p, n));
        p += n;
        while (*p == ' ')
            p++;
    }
    return arr;
}

int gh_api_set_resource(struct gh_api *api, const char *resource, const char *scopes)
{
    struct gh_prm *prm = gh_api_prm(api);
    size_t olen, plen;
    const char *path;
    if (strlen(resource) >= sizeof(prm->resource) || split_url(resource, &olen, &path, &plen) < 0 ||
        olen + strlen(WELL_KNOWN) + plen >= sizeof(prm->url))
        return GH_EINVAL;
    json_t *doc = json_pack("{s:s,s:[s],s:o,s:[s],s:[s,s],s:s}", "resource", resource,
                            "authorization_servers", gh_api_issuer(api), "scopes_supported",
                            scope_array(scopes), "bearer_methods_supported", "header",
                            "dpop_signing_alg_values_supported", "ES256", "EdDSA", "resource_name",
                            "gatehouse Resource API");
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (text == NULL)
        return GH_ENOMEM;
    free(prm->doc);
    prm->doc = text;
    prm->doc_len = strlen(text);
    snprintf(prm->resource, sizeof(prm->resource), "%s", resource);
    /* RFC 9728 3.1: the well-known segment goes between host and path */
    snprintf(prm->url, sizeof(prm->url), "%.*s%s%.*s", (int)olen, resource, WELL_KNOWN, (int)plen,
             path);
    snprintf(prm->path, sizeof(prm->path), "%s%.*s", WELL_KNOWN, (int)plen, path);
    return 0;
}

void gh_api_h_prm(struct gh_req *r)
{
    const struct gh_prm *prm = gh_api_prm(r->ctx);
    /* the bare well-known path always; the one with the resource's path */
    if (prm->doc == NULL || (strcmp(r->path, WELL_KNOWN) != 0 && strcmp(r->path, prm->path) != 0)) {
        gh_resp_error(r, 404, "not_found", "no protected resource here");
        return;
    }
    gh_resp_header(r, "Access-Control-Allow-Origin", "*");
    gh_resp_header(r, "Cache-Control", "public, max-age=300");
    gh_resp_body(r, 200, "application/json", gh_arena_strndup(r->arena, prm->doc, prm->doc_len),
                 prm->doc_len);
}
