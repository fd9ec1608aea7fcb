/*
 * Browser sessions (session.c), under the authorize, login and consent
 * endpoints.
 */
#ifndef GH_SESSION_H
#define GH_SESSION_H

#include "oauth/oauth.h"

/* 1 and the browser session of this request's cookie (its user in
 * sess->sub), or 0 when it has none that is live: no session, an expired
 * one, or one whose user was removed or changed password since it started
 * (the stale row is then deleted). */
int gh_session_user(struct gh_req *r, struct gh_session *sess /* OUT */);
/* Starts a browser session for the user u, who signed in with the
 * methods amr (GH_AMR_*, proto/amr.h), with a fresh public sid, bound to
 * u's password hash (so it ends with the user: see gh_session_user), sets
 * its cookie and returns the session in sess. */
int gh_session_start(struct gh_req *r, const struct gh_snap *s, const struct gh_user *u, int amr,
                     struct gh_session *sess /* OUT */);
/* Tells the browser to drop its session cookie (after its session ended). */
void gh_session_cookie_clear(struct gh_req *r, const struct gh_snap *s);

#endif
