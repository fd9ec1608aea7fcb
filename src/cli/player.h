/*
 * A scripted Browser and Frontend App (libcurl) that walk the real HTTP
 * endpoints of a running gatehouse: authorization request with PKCE,
 * sign-in and consent forms, callback checks (state, iss), code exchange,
 * API calls, refresh with rotation. Used by `gatehouse diagram`; every
 * step checks what the server answered and fails with a message when it is
 * not what the specification says.
 */
#ifndef GH_PLAYER_H
#define GH_PLAYER_H

#include <curl/curl.h>

#include "core/crypto.h"
#include "store/store.h"

struct gh_recorder;

struct gh_player {
    CURL *curl; /* with its cookie jar: the browser */
    const char *issuer, *api, *client_id, *redirect_uri, *username, *password;
    struct gh_store *store;
    struct gh_recorder *rec;
    char flow[64];
    char access[4096];
    char refresh[256]; /* tokens are opaque to a client: room to spare */
    char prev_refresh[256];
    char id_token[4096]; /* the latest, "" when none */
    char error[256];     /* what went wrong */
};

int gh_player_init(struct gh_player *p);
void gh_player_release(struct gh_player *p);
/* Authorization request → sign-in → consent → callback → code exchange. */
int gh_player_sign_in(struct gh_player *p);
/* GET /api/me with the access token; expects 200. */
int gh_player_call_api(struct gh_player *p);
/* Refresh; expect_error NULL: expects a rotated pair; else expects 400
 * invalid_grant whose description contains expect_error. use_previous
 * presents the previous (already rotated) refresh token. */
int gh_player_refresh(struct gh_player *p, const char *expect_error, int use_previous);
/* Sign out through the end_session_endpoint (RP-Initiated Logout 1.0)
 * with the latest id_token as hint; expects the redirect back to
 * post_logout_uri with the state sent. */
int gh_player_logout(struct gh_player *p, const char *post_logout_uri);
/* The app's own UI step (a note in the diagram). */
void gh_player_note(struct gh_player *p, const char *text);

#endif
