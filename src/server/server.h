/*
 * One running gatehouse: the Authorization Server and, when configured,
 * the Resource API and the Frontend App, each on its own listener, plus
 * the background work (expired-row purge, trace writer). Used by `serve`,
 * `demo` and `diagram` alike.
 */
#ifndef GH_SERVER_H
#define GH_SERVER_H

#include "api/api.h"
#include "app/app.h"
#include "core/settings.h"
#include "http/http.h"
#include "oauth/as.h"

struct gh_server {
    struct gh_settings *cfg;
    struct gh_store *store;
    struct gh_as as;
    struct gh_api *api;
    struct gh_app *app;
    struct gh_app_logout *app_logout; /* checks the app's back-channel logouts */
    struct gh_recorder *rec;
    struct gh_http *as_http, *api_http, *app_http, *metrics_http;
    char issuer[GH_URI_MAX];
    char api_url[GH_URI_MAX];
    char app_url[GH_URI_MAX];
    char *tls_cert, *tls_key; /* PEM text when serving HTTPS */
    struct gh_cidrs trusted;  /* --trusted-proxies */
    pthread_t purger;
    pthread_mutex_t purge_lock;
    pthread_cond_t purge_wake;
    int stopping, purger_started;
};

/* Starts everything cfg asks for on an opened store. err names the problem. */
int gh_server_start(struct gh_server *srv, struct gh_settings *cfg, struct gh_store *store,
                    char *err, size_t errlen);
/* Stops accepting, lets in-flight requests finish (at most 5 s), stops. */
void gh_server_stop(struct gh_server *srv);

#endif
