/*
 * `gatehouse trace import`: a HAR file (har.h) reduced to a flow of steps
 * in the recorder's data model (step.h) and vocabulary (vocab.h), see
 * docs/flow-review.md. Only OAuth/OIDC messages are kept (discovery, JWKS,
 * authorization request, sign-in, consent, redirect with code, token
 * requests, API and userinfo calls with the access token, revocation,
 * logout, and the authorization server's pages in between). Participants
 * are inferred: the Browser; the Frontend App at the origin of the
 * redirect_uri; the Authorization Server (the discovery document's issuer,
 * else the hosts of its endpoints); every other host the access token
 * went to is a Resource API.
 *
 * Secrets never leave the entry they were read from: tokens, codes,
 * verifiers, state, nonce, id_tokens and id-like path segments become
 * fingerprints, HMAC-SHA-256 under a key made for this one import and then
 * wiped, so they match each other within the flow and reveal nothing, even
 * of a weak value; passwords, client secrets, cookies and the rest of every
 * Authorization value are dropped. Labels show parameter names, and values
 * only of an allow-list (grant_type, response_type, ...).
 */
#ifndef GH_TRACE_IMPORT_H
#define GH_TRACE_IMPORT_H

#include <stddef.h>

#include "trace/step.h"

/* Longest flow an import makes (steps; the exporters draw up to 10000);
 * more OAuth messages are refused. */
#define GH_IMPORT_STEPS_MAX 9999

struct gh_import_opts {
    int keep_claims; /* 1: the id_token's sub shows in the token response's label */
};

struct gh_import {
    struct gh_trace_step *steps; /* owned; n == 0: no OAuth traffic */
    size_t n;
    char client_id[128]; /* of the first authorization request, "" if none */
    char issuer[256];    /* from discovery, else the authorization server's origin */
    size_t entries;      /* entries read */
    size_t skipped;      /* entries too large to read */
};

/* Reads path (or p[0..n)) into out. 0 (out->n may be 0), GH_EIO (cannot
 * read), GH_EINVAL (not a valid HAR; err says why), GH_ENOMEM. err gets
 * errlen bytes. opts may be NULL. Release out with gh_import_release. */
int gh_trace_import_file(const char *path, const struct gh_import_opts *opts,
                         struct gh_import *out /* OUT */, char *err, size_t errlen);
int gh_trace_import_mem(const char *p, size_t n, const struct gh_import_opts *opts,
                        struct gh_import *out /* OUT */, char *err, size_t errlen);
void gh_import_release(struct gh_import *imp);

#endif
