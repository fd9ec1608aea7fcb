/*
 * Resource indicators (RFC 8707) at /authorize and /token; resources.c.
 */
#ifndef GH_RESOURCES_H
#define GH_RESOURCES_H

#include "http/http.h"
#include "store/store.h"

/* The `resource` values of an authorization request, each registered, as
 * a space-separated list in *out (arena; NULL when none). NULL, or why
 * the request is refused (invalid_target). */
const char *gh_authz_resources(struct gh_req *r, const struct gh_form *f, const char **out);
/* Keeps the resources granted with the code of code_hash; 0 or a gh_err. */
int gh_authz_resources_keep(struct gh_req *r, const char *resources,
                            const unsigned char code_hash[GH_SHA256_LEN]);
/* At /token: the access token's audience (*aud, NULL = the default) from
 * the request's `resource` values and those granted with the code
 * (code_hash) or the family (family_id); with neither (client_credentials)
 * any registered resource. Also the access token's scope
 * (granted_scope, narrowed to the resource's scopes) into at_scope. 0, or
 * <0 after answering the error (invalid_target). */
int gh_token_resource(struct gh_req *r, const struct gh_form *f, const unsigned char *code_hash,
                      const char *family_id, const char *granted_scope, const char **aud,
                      char *at_scope, size_t len);

#endif
