/*
 * `gatehouse diagram [--scenario happy|expiry|reuse|logout|all] [--format F]
 * [-o FILE] [--no-timings]`: starts the Authorization Server and the
 * Resource API (for `logout` also the Frontend App's back end, which
 * receives the back-channel logout) in-process on ephemeral 127.0.0.1 ports with a temporary
 * SQLite database and tracing on, plays the Browser and the Frontend App
 * through the real HTTP endpoints, and draws what the servers recorded
 * with the same exporters as `trace export`. Everything it started or wrote
 * is gone when it returns; exit 0 only when every step behaved as
 * specified, so it doubles as a self-test of the installation.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/player.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/password.h"
#include "core/settings.h"
#include "server/server.h"
#include "trace/recorder.h"
#include "core/err.h"

struct diagram_opts {
    char *scenario;
    char *format;
    char *output;
    int no_timings;
};

#define O(f) offsetof(struct diagram_opts, f)
static const struct gh_opt table[] = {
    {"scenario", GH_OPT_STR, O(scenario), "all", 0, 0,
     "happy, expiry, reuse, logout or all (all: every one but logout)", 0},
    {"format", GH_OPT_STR, O(format), "svg", 0, 0, GH_TRACE_FORMATS_TEXT, 0},
    {"o", GH_OPT_STR, O(output), NULL, 0, 0, "write to FILE instead of stdout", 0},
    {"no-timings", GH_OPT_BOOL, O(no_timings), "false", 0, 0,
     "leave times out (deterministic output)", 0},
};
static const struct gh_opt_table opts = {table, GH_ARRAY_LEN(table)};
static const char usage[] = "gatehouse diagram [--scenario happy|expiry|reuse|logout|all] "
                            "[--format " GH_TRACE_FORMATS_USAGE "] [-o FILE] [--no-timings]";

static unsigned free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    unsigned port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* Seeds the demo user and client into a prepared store. */
static int seed(struct gh_store *s, const char *issuer, const char *redirect, const char *pw)
{
    char kid[96];
    int from, to;
    struct gh_user u;
    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "alice");
    const struct gh_argon2_params ap = GH_ARGON2_DEFAULTS;
    if (gh_cli_prepare(s, issuer, "ES256", kid, sizeof(kid), &from, &to) != GH_EXIT_OK ||
        gh_password_hash(&ap, pw, strlen(pw), u.pwhash, sizeof(u.pwhash)) < 0 ||
        gh_store_user_add(s, &u) < 0)
        return GH_EXIT_FAIL;
    struct gh_client *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return GH_EXIT_FAIL;
    snprintf(c->id, sizeof(c->id), "demo-app");
    c->is_public = 1;
    snprintf(c->scope, sizeof(c->scope), "openid profile api");
    c->n_redirect = 1;
    snprintf(c->redirect[0], GH_URI_MAX, "%s", redirect);
    c->created_at = gh_now();
    int rc = gh_store_client_add(s, c);
    free(c);
    return rc < 0 ? GH_EXIT_FAIL : GH_EXIT_OK;
}

static void wait_until(int64_t t)
{
    while (gh_now() < t)
        usleep(50000);
}

/* 1 when the flow's recorded steps include the back-channel delivery. */
static int delivered(struct gh_player *p)
{
    struct gh_trace_step *steps = NULL;
    size_t n = 0;
    int found = 0;
    gh_recorder_flush(p->rec);
    if (gh_store_trace_steps(p->store, p->flow, &steps, &n) == 0)
        for (size_t i = 0; i + 1 < n && !found; i++)
            found = strncmp(steps[i].label, "POST backchannel_logout_uri", 27) == 0 &&
                    steps[i + 1].from == GH_P_APP;
    free(steps);
    return found;
}

/* Sign out through the end_session_endpoint, back to the app's home page;
 * the Authorization Server then sends the app's back end a logout token. */
static int play_logout(struct gh_player *p)
{
    char home[128];
    const char *slash = strstr(p->redirect_uri, "/callback");
    snprintf(home, sizeof(home), "%.*s/", slash ? (int)(slash - p->redirect_uri) : 0,
             p->redirect_uri);
    int rc = gh_player_logout(p, home);
    for (int i = 0; rc == 0 && i < 100 && !delivered(p); i++)
        usleep(50000);
    if (rc == 0 && !delivered(p)) {
        snprintf(p->error, sizeof(p->error), "the back-channel logout was not delivered");
        rc = GH_EINVAL;
    }
    return rc;
}

/* Plays the scenario; 0 when every step behaved as specified. */
static int play(struct gh_player *p, const char *scenario, int64_t refresh_ttl)
{
    int all = strcmp(scenario, "all") == 0;
    int rc = gh_player_sign_in(p);
    int64_t signed_in = gh_now();
    if (rc == 0)
        rc = gh_player_call_api(p);
    for (int i = 0; rc == 0 && i < 2; i++)
        rc = gh_player_refresh(p, NULL, 0);
    if (rc == 0 && (all || strcmp(scenario, "expiry") == 0)) {
        wait_until(signed_in + refresh_ttl);
        rc = gh_player_refresh(p, "expired", 0);
        if (rc == 0) {
            gh_player_note(p, "session expired — sign in again");
            rc = gh_player_sign_in(p);
        }
        if (rc == 0)
            rc = gh_player_call_api(p);
    }
    if (rc == 0 && (all || strcmp(scenario, "reuse") == 0)) {
        rc = gh_player_refresh(p, NULL, 0);
        if (rc == 0)
            rc = gh_player_refresh(p, "already used", 1);
        if (rc == 0) {
            gh_player_note(p, "refresh token reused — session revoked, sign in again");
            rc = gh_player_sign_in(p);
        }
    }
    if (rc == 0 && strcmp(scenario, "logout") == 0)
        rc = play_logout(p);
    return rc;
}

static int run(const struct diagram_opts *o, enum gh_trace_format fmt, const char *dir)
{
    char db[512], issuer[64], redirect[96], password[GH_TOKEN_LEN + 1], err[512] = "";
    unsigned as_port = free_port(), api_port = free_port(), app_port = free_port();
    snprintf(db, sizeof(db), "sqlite:%s/gatehouse.db", dir);
    snprintf(issuer, sizeof(issuer), "http://127.0.0.1:%u", as_port);
    snprintf(redirect, sizeof(redirect), "http://127.0.0.1:%u/callback", app_port);
    struct gh_store *s = NULL;
    if (gh_rand_token(password, sizeof(password)) < 0 ||
        gh_store_open(db, &s, err, sizeof(err)) < 0 || seed(s, issuer, redirect, password) != 0) {
        gh_cli_err("cannot prepare the temporary database %s", err);
        gh_store_close(s);
        return GH_EXIT_FAIL;
    }
    struct gh_settings cfg;
    gh_opts_defaults(&gh_settings_table, &cfg, err, sizeof(err));
    char listen[32], api_listen[32];
    snprintf(listen, sizeof(listen), "127.0.0.1:%u", as_port);
    snprintf(api_listen, sizeof(api_listen), "127.0.0.1:%u", api_port);
    gh_opts_set(&gh_settings_table, &cfg, "listen", listen, err, sizeof(err));
    gh_opts_set(&gh_settings_table, &cfg, "api-listen", api_listen, err, sizeof(err));
    gh_opts_set(&gh_settings_table, &cfg, "refresh-ttl", "2", err, sizeof(err));
    if (strcmp(o->scenario, "logout") == 0) { /* the app's back end receives the logout */
        char app_listen[32];
        snprintf(app_listen, sizeof(app_listen), "127.0.0.1:%u", app_port);
        gh_opts_set(&gh_settings_table, &cfg, "app-listen", app_listen, err, sizeof(err));
        gh_opts_set(&gh_settings_table, &cfg, "app-client-id", "demo-app", err, sizeof(err));
    }
    cfg.trace = 1;
    gh_log_setup(GH_LOG_WARN, GH_LOG_LOGFMT);
    struct gh_server srv;
    int status = GH_EXIT_FAIL;
    if (gh_server_start(&srv, &cfg, s, err, sizeof(err)) < 0) {
        gh_cli_err("cannot start the servers: %s", err);
        goto out;
    }
    struct gh_player p = {.issuer = srv.issuer,
                          .api = srv.api_url,
                          .client_id = "demo-app",
                          .redirect_uri = redirect,
                          .username = "alice",
                          .password = password,
                          .store = s,
                          .rec = srv.rec};
    int rc = gh_player_init(&p);
    if (rc == 0 && (rc = play(&p, o->scenario, cfg.refresh_ttl)) < 0)
        gh_cli_err("scenario '%s' failed: %s", o->scenario, p.error);
    gh_player_release(&p);
    gh_recorder_flush(srv.rec);
    char flow[64];
    snprintf(flow, sizeof(flow), "%s", p.flow);
    if (rc == 0)
        status = gh_cli_export(s, flow, fmt, !o->no_timings,
                               "OAuth 2.0 authorization code flow with PKCE", o->output);
    gh_server_stop(&srv);
out:
    gh_opts_free(&gh_settings_table, &cfg);
    gh_store_close(s);
    return status;
}

static void remove_dir(const char *dir)
{
    const char *files[] = {"gatehouse.db", "gatehouse.db-wal", "gatehouse.db-shm"};
    char path[600];
    for (size_t i = 0; i < GH_ARRAY_LEN(files); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

int gh_cmd_diagram(struct gh_cli *cli, int argc, char **argv)
{
    (void)cli;
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "-o") == 0)
            argv[i] = (char *)"--o";
    struct diagram_opts o;
    int rc = gh_cli_opts(usage, &opts, &o, argc, argv);
    if (rc >= 0)
        return rc;
    enum gh_trace_format fmt;
    int status = GH_EXIT_USAGE;
    const char *const scenarios[] = {"happy", "expiry", "reuse", "logout", "all"};
    size_t k = 0;
    while (k < GH_ARRAY_LEN(scenarios) && strcmp(o.scenario, scenarios[k]) != 0)
        k++;
    if (k == GH_ARRAY_LEN(scenarios)) {
        gh_cli_err("unknown scenario '%s' (happy, expiry, reuse, logout or all)", o.scenario);
    } else if (gh_trace_format_parse(o.format, &fmt) < 0) {
        gh_cli_err("unknown format '%s' (" GH_TRACE_FORMATS_TEXT ")", o.format);
    } else {
        char dir[] = "/tmp/gatehouse-diagram-XXXXXX";
        status = GH_EXIT_FAIL;
        if (mkdtemp(dir) == NULL) {
            gh_cli_err("cannot create a temporary directory");
        } else {
            status = run(&o, fmt, dir);
            remove_dir(dir);
        }
    }
    gh_opts_free(&opts, &o);
    return status;
}

const struct gh_cli_cmd gh_cli_diagram = {
    .name = "diagram",
    .fn = gh_cmd_diagram,
    .summary = "run a scripted flow and draw its sequence diagram",
    .usage = usage,
    .opts = &opts,
};
