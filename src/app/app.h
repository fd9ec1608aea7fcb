/*
 * The Frontend App's server side (README.md, "The Frontend App as a relying
 * party"): serves the single-page
 * app embedded in the binary (src/app/static), its /config.json, and, when
 * tracing, receives the app's own UI steps on POST /trace-event; it receives
 * back-channel logouts on POST /backchannel-logout.
 */
#ifndef GH_APP_H
#define GH_APP_H

#include "http/http.h"

struct gh_recorder;

struct gh_app_cfg {
    const char *issuer;
    const char *client_id;
    const char *origin; /* http://HOST:PORT of the app listener */
    const char *api_base;
    const char *scope;
    struct gh_recorder *rec; /* NULL when tracing is off */
    /* POST /backchannel-logout (Back-Channel Logout 1.0 2.6): 0 and the
     * session id when token is a valid logout token for the app, else <0
     * and why; NULL: the app receives none */
    int (*logout_check)(void *arg, const char *token, char *sid, size_t sidlen, const char **why);
    void *logout_arg;
};

struct gh_app;

int gh_app_new(const struct gh_app_cfg *cfg, struct gh_app **out);
void gh_app_free(struct gh_app *app);
extern const struct gh_route gh_app_routes[];
extern const size_t gh_app_n_routes;

#endif
