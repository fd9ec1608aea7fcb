/*
 * The Frontend App's back end receiving back-channel logouts: the logout
 * token checks of OpenID Connect Back-Channel Logout 1.0 section 2.6, made
 * as an outsider with the issuer's published keys (app_logout.c).
 */
#ifndef GH_APP_LOGOUT_H
#define GH_APP_LOGOUT_H

#include <stddef.h>

#include "store/store.h"

struct gh_app_logout;

/* New checker for tokens of issuer addressed to client_id (caller frees
 * with gh_app_logout_free). */
int gh_app_logout_new(const char *issuer, const char *client_id, struct gh_app_logout **out);
void gh_app_logout_free(struct gh_app_logout *l);
/* A struct gh_app_cfg logout_check: 0 and the token's sid (or "") when
 * token is a valid logout token for the app; GH_EINVAL and *why otherwise. */
int gh_app_logout_check(void *arg, const char *token, char *sid, size_t sidlen, const char **why);

#endif
