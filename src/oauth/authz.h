/*
 * The authorization request (RFC 6749 4.1.1, RFC 7636 4.3) as the
 * authorize, login and consent endpoints share it (authz.c): validation,
 * CSRF form tokens bound to the browser and the request, the consent
 * question, and the final redirect with code, state and iss (RFC 9207).
 * Browser sessions are session.h, below it.
 */
#ifndef GH_AUTHZ_H
#define GH_AUTHZ_H

#include "oauth/oauth.h"
#include "oauth/pages.h"

/* Validates the request in f. 0: a is filled. <0: the answer (error page
 * or error redirect) has been given. *s may be replaced by a fresher
 * snapshot that knows the client (gh_as_snap_for): call it before taking
 * anything out of *s. */
int gh_authz_parse(struct gh_req *r, struct gh_snap **s, const struct gh_form *f,
                   struct gh_authz *a);
/* Redirects to the client with error, error_description, state and iss. */
void gh_authz_error(struct gh_req *r, const struct gh_snap *s, const struct gh_authz *a,
                    enum gh_oauth_err e, const char *desc);
/* Issues a code for the user of browser session sess (its sub, sign-in
 * time and sid) and redirects to the client. */
void gh_authz_issue_code(struct gh_req *r, const struct gh_snap *s, const struct gh_authz *a,
                         const struct gh_session *sess);
/* 1 when the client needs the user's consent for this request (OIDC Core
 * 3.1.2.4): it is not trusted and the user has not granted it every scope
 * asked for before. A store that cannot tell asks. */
int gh_authz_consent_needed(struct gh_req *r, const struct gh_authz *a, const char *sub);
/* 1 when the request asks for a second factor: acr_values names
 * GH_ACR_MFA (proto/amr.h) or the client requires one. No code is issued
 * for it to a session signed in without one. */
int gh_authz_mfa_needed(const struct gh_authz *a);
/* Sets a->csrf for this browser (setting the CSRF cookie when missing). */
void gh_authz_csrf(struct gh_req *r, const struct gh_snap *s, struct gh_authz *a);
/* 1 when the posted csrf field matches this browser and request (the
 * flow id included). Otherwise 0, and a->flow is dropped: a flow id from a
 * form is never believed without its MAC. */
int gh_authz_csrf_ok(struct gh_req *r, const struct gh_snap *s, struct gh_authz *a,
                     const char *posted);
/* Records a browser step of the flow (no-op without tracing). */
void gh_authz_trace(struct gh_req *r, const struct gh_authz *a, const char *label, const char *note,
                    int64_t t0_us);

/* A sign-in step posted with the authorization request and its CSRF
 * token (the one-time code, the passkey): the form and the request are
 * parsed, the token checked (a sign-in page with 403 when it is not good),
 * then step answers; the step is traced as label / note. */
typedef void gh_authz_step_fn(struct gh_req *r, const struct gh_snap *s, struct gh_authz *a,
                              const struct gh_form *f);
void gh_authz_form_step(struct gh_req *r, gh_authz_step_fn *step, const char *label,
                        const char *note);

#endif
