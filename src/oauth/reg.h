/*
 * Dynamic client registration (RFC 7591) and its management protocol
 * (RFC 7592): the client metadata rules (reg_meta.c, pure: the fuzz driver
 * fuzz_register.c runs them) and the endpoints POST /register and
 * GET/PUT/DELETE /register/CLIENT_ID (register.c). See docs/registration.md
 * in the README's "Dynamic client registration" section.
 */
#ifndef GH_REG_H
#define GH_REG_H

#include <jansson.h>

#include "http/http.h"
#include "store/store.h"

struct gh_settings;

/* --registration: off (default), open, or token (initial access token). */
enum gh_reg_mode { GH_REG_OFF, GH_REG_OPEN, GH_REG_TOKEN, GH_REG_BAD };
enum gh_reg_mode gh_reg_mode(const struct gh_settings *cfg);

/* Outcome of the metadata rules (RFC 7591 3.2.2 error codes). */
enum gh_reg_result { GH_REG_OK = 0, GH_REG_INVALID_REDIRECT_URI, GH_REG_INVALID_METADATA };

/* Checks the client metadata document body[0..len) (RFC 7591 2) and
 * fills c (scope, public or confidential, redirect URIs, CORS origins; no
 * id, no secret) and m (the metadata as registered; no id, no token hash).
 * The registered scope is the requested one narrowed to allowed_scope, or
 * allowed_scope when none is asked for (RFC 7591 3.2.1). Unknown fields are
 * ignored. On failure desc names the problem. */
enum gh_reg_result gh_reg_meta_parse(const char *body, size_t len, const char *allowed_scope,
                                     struct gh_client *c /* OUT */,
                                     struct gh_client_reg *m /* OUT */, char *desc, size_t desclen);

/* The client information response (RFC 7591 3.2.1, RFC 7592 3): the
 * metadata as registered, with client_id and client_id_issued_at;
 * optional fields without a value are left out, never null. New
 * (json_decref). */
json_t *gh_reg_meta_json(const struct gh_client *c, const struct gh_client_reg *m);

/* The endpoints (register.c). */
void gh_h_register(struct gh_req *r);
void gh_h_register_manage(struct gh_req *r);

/* The consent page's note for a client that registered itself (its
 * client_name, HTML-escaped, and that it registered itself) into b;
 * nothing for other clients. */
struct gh_buf;
void gh_reg_consent_note(struct gh_req *r, const char *client_id, struct gh_buf *b);

#endif
