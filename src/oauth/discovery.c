/*
 * Metadata endpoints: RFC 8414 authorization server metadata (also served
 * at the OpenID path as OpenID Connect Discovery 1.0 metadata), the
 * RFC 7517 JWKS, and health checks. The documents are built once per
 * snapshot, so serving them is a copy. They are public: any origin may
 * read them (Access-Control-Allow-Origin: *, never with credentials), as
 * browser relying parties fetch them from their own origin.
 */
#include <string.h>

#include "oauth/oauth.h"
#include "core/err.h"

static void cached_json(struct gh_req *r, const char *json, size_t len)
{
    char *body = gh_arena_strndup(r->arena, json, len);
    gh_resp_header(r, "Cache-Control", "public, max-age=300");
    gh_resp_header(r, "Access-Control-Allow-Origin", "*");
    if (body == NULL)
        gh_resp_error(r, 500, "server_error", "out of memory");
    else
        gh_resp_body(r, 200, "application/json", body, len);
}

void gh_h_discovery(struct gh_req *r)
{
    struct gh_snap *s = gh_as_snap(gh_as_of(r));
    cached_json(r, s->discovery, s->discovery_len);
    gh_snap_put(gh_as_of(r), s);
}

void gh_h_jwks(struct gh_req *r)
{
    struct gh_snap *s = gh_as_snap(gh_as_of(r));
    cached_json(r, s->jwks, s->jwks_len);
    r->content_type = "application/jwk-set+json";
    gh_snap_put(gh_as_of(r), s);
}

void gh_h_public_preflight(struct gh_req *r)
{
    gh_resp_header(r, "Access-Control-Allow-Origin", "*");
    gh_resp_header(r, "Access-Control-Allow-Methods", "GET");
    gh_resp_header(r, "Access-Control-Max-Age", "600");
    gh_resp_body(r, 204, NULL, "", 0);
}

void gh_h_healthz(struct gh_req *r)
{
    gh_resp_header(r, "Cache-Control", "no-store");
    gh_resp_json(r, 200, "{\"status\":\"ok\"}");
}

void gh_h_readyz(struct gh_req *r)
{
    struct gh_as *as = gh_as_of(r);
    gh_resp_header(r, "Cache-Control", "no-store");
    int rc = gh_store_check_schema(as->store);
    struct gh_snap *s = gh_as_snap(as);
    int key = s->signer != NULL;
    gh_snap_put(as, s);
    if (rc == 0 && key)
        gh_resp_json(r, 200, "{\"status\":\"ready\",\"database\":\"ok\",\"signing_key\":\"ok\"}");
    else
        gh_resp_json(r, 503,
                     rc == GH_ESCHEMA ? "{\"status\":\"unavailable\",\"database\":\"schema\"}"
                     : rc < 0         ? "{\"status\":\"unavailable\",\"database\":\"unreachable\"}"
                                      : "{\"status\":\"unavailable\",\"signing_key\":\"missing\"}");
}
