/* Frontend App server side; see app.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app/app.h"
#include "core/asset.h"
#include "core/b64url.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/log.h"
#include "http/form.h"
#include "trace/recorder.h"
#include "core/err.h"

struct gh_app {
    struct gh_app_cfg cfg;
    char *config_json;
    char *csp;
};

static char *origin_of(const char *url)
{
    const char *p = strstr(url, "://");
    size_t n = p ? (size_t)(p + 3 - url) + strcspn(p + 3, "/?#") : strlen(url);
    return strndup(url, n);
}

int gh_app_new(const struct gh_app_cfg *cfg, struct gh_app **out)
{
    struct gh_app *app = calloc(1, sizeof(*app));
    if (app == NULL)
        return GH_ENOMEM;
    app->cfg = *cfg;
    char redirect[600], endpoint[600];
    snprintf(redirect, sizeof(redirect), "%s/callback", cfg->origin);
    json_t *doc = json_pack("{s:s,s:s,s:s}", "issuer", cfg->issuer, "client_id", cfg->client_id,
                            "redirect_uri", redirect);
    const char *paths[][2] = {{"authorization_endpoint", "/authorize"},
                              {"token_endpoint", "/token"},
                              {"revocation_endpoint", "/revoke"}};
    for (size_t i = 0; doc != NULL && i < 3; i++) {
        snprintf(endpoint, sizeof(endpoint), "%s%s", cfg->issuer, paths[i][1]);
        json_object_set_new(doc, paths[i][0], json_string(endpoint));
    }
    /* RP-Initiated Logout 1.0 section 2: where the issuer sends the browser
     * back after signing out, a post-logout redirect URI of the app's client */
    snprintf(redirect, sizeof(redirect), "%s/", cfg->origin);
    json_object_set_new(doc, "post_logout_redirect_uri", json_string(redirect));
    json_object_set_new(doc, "api_base", json_string(cfg->api_base));
    json_object_set_new(doc, "scope", json_string(cfg->scope));
    json_object_set_new(doc, "trace", json_boolean(cfg->rec != NULL));
    app->config_json = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    char *iss_origin = origin_of(cfg->issuer), *api_origin = origin_of(cfg->api_base);
    if (iss_origin != NULL && api_origin != NULL &&
        asprintf(&app->csp,
                 "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' "
                 "data: blob:; connect-src 'self' %s %s; frame-ancestors 'none'; base-uri 'none'; "
                 "form-action 'self' %s",
                 iss_origin, api_origin, iss_origin) < 0)
        app->csp = NULL;
    free(iss_origin);
    free(api_origin);
    if (app->config_json == NULL || app->csp == NULL) {
        gh_app_free(app);
        return GH_ENOMEM;
    }
    *out = app;
    return 0;
}

void gh_app_free(struct gh_app *app)
{
    if (app == NULL)
        return;
    free(app->config_json);
    free(app->csp);
    free(app);
}

static const char *content_type(const char *name)
{
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
        {".json", "application/json"},         {".png", "image/png"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot != NULL && i < GH_ARRAY_LEN(types); i++)
        if (strcmp(dot, types[i][0]) == 0)
            return types[i][1];
    return "application/octet-stream";
}

static void security_headers(struct gh_req *r, struct gh_app *app)
{
    gh_resp_header(r, "Content-Security-Policy", app->csp);
    gh_resp_header(r, "X-Content-Type-Options", "nosniff");
    gh_resp_header(r, "Referrer-Policy", "no-referrer");
    gh_resp_header(r, "X-Frame-Options", "DENY");
}

static void send_asset(struct gh_req *r, const char *name)
{
    struct gh_app *app = r->ctx;
    const struct gh_asset *a = gh_asset_find(gh_app_assets, name);
    if (a == NULL) {
        gh_resp_error(r, 404, "not_found", "no such file");
        return;
    }
    security_headers(r, app);
    gh_resp_header(r, "Cache-Control", "no-cache");
    gh_resp_body(r, 200, content_type(name), (const char *)a->data, a->len);
}

/* The browser comes back with the code: record it in the flow. */
static void trace_callback(struct gh_req *r, struct gh_app *app)
{
    const char *code = gh_form_get(&r->query, "code", NULL);
    const char *err = gh_form_get(&r->query, "error", NULL);
    char flow[64];
    if (app->cfg.rec == NULL || code == NULL ||
        gh_rec_flow_of_code(app->cfg.rec, code, flow, sizeof(flow)) < 0 || flow[0] == '\0')
        return;
    char c4[16];
    gh_rec_short(code, c4);
    gh_rec_step(
        app->cfg.rec, flow, GH_P_BROWSER, GH_P_APP, GH_STEP_CALL, 0, gh_now_us(), 0,
        gh_arena_printf(r->arena, "GET /callback?code=%s&state&iss%s", c4, err ? " (error)" : ""),
        "app checks state and iss (RFC 9207)", NULL, GH_GROUP_NONE);
}

static void h_index(struct gh_req *r)
{
    if (strcmp(r->path, "/callback") == 0)
        trace_callback(r, r->ctx);
    send_asset(r, "index.html");
}

static void h_static(struct gh_req *r)
{
    const char *name = r->path + 1;
    if (strchr(name, '/') != NULL || name[0] == '.' || strcmp(name, "index.html") == 0) {
        gh_resp_error(r, 404, "not_found", "no such file");
        return;
    }
    send_asset(r, name);
}

static void h_config(struct gh_req *r)
{
    struct gh_app *app = r->ctx;
    gh_resp_header(r, "Cache-Control", "no-store");
    gh_resp_json(r, 200, app->config_json);
}

static void h_trace_event(struct gh_req *r)
{
    struct gh_app *app = r->ctx;
    gh_resp_body(r, 204, NULL, "", 0);
    if (app->cfg.rec == NULL)
        return;
    json_t *doc = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, NULL);
    const char *event = json_string_value(json_object_get(doc, "event"));
    const char *msg = json_string_value(json_object_get(doc, "message"));
    const char *rt_hash = json_string_value(json_object_get(doc, "rt_hash"));
    unsigned char hash[GH_SHA256_LEN + 1];
    char flow[64] = "";
    if (event != NULL && msg != NULL && rt_hash != NULL &&
        gh_b64url_decode(rt_hash, strlen(rt_hash), hash, sizeof(hash)) == GH_SHA256_LEN &&
        gh_rec_flow_of_refresh(app->cfg.rec, hash, flow, sizeof(flow)) == 0 && flow[0] != '\0' &&
        strcmp(event, "signin") != 0)
        gh_rec_step(app->cfg.rec, flow, GH_P_APP, GH_P_APP, GH_STEP_NOTE, 0, gh_now_us(), 0, msg,
                    NULL, NULL, GH_GROUP_NONE);
    json_decref(doc);
}

/* The "What just happened" panel: this browser's own flow as an SVG. The
 * browser names it by the store key of its current refresh token (as for
 * /trace-event), which only the holder of that token can compute: no flow
 * id is taken from the request, so no one sees another user's flow. Only
 * when the flow recorder is on (demo, serve --trace). */
static void h_flow(struct gh_req *r)
{
    struct gh_app *app = r->ctx;
    json_t *doc = NULL;
    const char *rt_hash = NULL;
    unsigned char hash[GH_SHA256_LEN + 1];
    char flow[64] = "";
    struct gh_buf svg;
    char *body = NULL;
    gh_buf_init(&svg, 1 << 20);
    if (app->cfg.rec != NULL)
        doc = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, NULL);
    rt_hash = json_string_value(json_object_get(doc, "rt_hash"));
    if (rt_hash == NULL ||
        gh_b64url_decode(rt_hash, strlen(rt_hash), hash, sizeof(hash)) != GH_SHA256_LEN ||
        gh_rec_flow_of_refresh(app->cfg.rec, hash, flow, sizeof(flow)) < 0 || flow[0] == '\0' ||
        gh_rec_draw_svg(app->cfg.rec, flow, "What just happened", 60, &svg) < 0) {
        gh_resp_error(r, 404, "not_found", "no recorded flow for this session");
    } else if ((body = gh_arena_strndup(r->arena, svg.p, svg.len)) == NULL) {
        gh_resp_error(r, 503, "unavailable", "the diagram is too large");
    } else { /* the last 60 steps: what just happened, in a bounded answer */
        security_headers(r, app);
        gh_resp_header(r, "Cache-Control", "no-store");
        gh_resp_body(r, 200, "image/svg+xml", body, svg.len);
    }
    json_decref(doc);
    gh_buf_release(&svg);
}

/* Back-Channel Logout 1.0 2.8: 200 for a valid logout token, 400 with an
 * error otherwise. The app keeps its sessions in the browser, so there is
 * nothing here to end: the logout is logged (by its sid, which is public). */
static void h_backchannel_logout(struct gh_req *r)
{
    struct gh_app *app = r->ctx;
    struct gh_form f;
    const char *why = "no logout_token";
    char sid[64] = "";
    gh_resp_header(r, "Cache-Control", "no-store");
    int dup = 0;
    const char *token = NULL;
    if (app->cfg.logout_check != NULL && gh_form_parse(r->arena, r->body, r->body_len, &f) == 0)
        token = gh_form_get(&f, "logout_token", &dup);
    if (token != NULL && !dup &&
        app->cfg.logout_check(app->cfg.logout_arg, token, sid, sizeof(sid), &why) == 0) {
        gh_log(GH_LOG_INFO, "app: back-channel logout received", "sid", sid, NULL);
        gh_resp_body(r, 200, NULL, "", 0);
        return;
    }
    gh_log(GH_LOG_WARN, "app: logout token refused", "why", why, NULL);
    json_t *doc = json_pack("{s:s,s:s}", "error", "invalid_request", "error_description", why);
    char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    const char *copy = body ? gh_arena_strdup(r->arena, body) : NULL;
    free(body);
    gh_resp_json(r, 400, copy ? copy : "{\"error\":\"invalid_request\"}");
}

const struct gh_route gh_app_routes[] = {
    {GH_POST, "/backchannel-logout", h_backchannel_logout},
    {GH_GET, "/", h_index},
    {GH_GET, "/callback", h_index},
    {GH_GET, "/config.json", h_config},
    {GH_POST, "/trace-event", h_trace_event},
    {GH_POST, "/flow.svg", h_flow},
    {GH_GET, "/*", h_static},
};
const size_t gh_app_n_routes = sizeof(gh_app_routes) / sizeof(gh_app_routes[0]);
