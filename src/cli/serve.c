/*
 * `gatehouse serve`: runs the servers configured by the settings table
 * (flags, --config FILE, GATEHOUSE_* variables) until SIGINT or SIGTERM,
 * then stops gracefully (in-flight requests finish, at most 5 s). SIGHUP
 * reloads keys and clients at once (they also reload within a second of
 * any change on their own).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "core/settings.h"
#include "server/server.h"
#include "core/err.h"

int gh_cli_setup_logging(const struct gh_settings *cfg)
{
    int level = gh_log_level_parse(cfg->log_level);
    int json = strcmp(cfg->log_format, "json") == 0;
    if (level < 0 || (!json && strcmp(cfg->log_format, "logfmt") != 0)) {
        gh_cli_err(level < 0 ? "bad --log-level '%s' (error, warn, info or debug)"
                             : "bad --log-format '%s' (logfmt or json)",
                   level < 0 ? cfg->log_level : cfg->log_format);
        return -1;
    }
    gh_log_setup((enum gh_log_level)level, json ? GH_LOG_JSON : GH_LOG_LOGFMT);
    return 0;
}

int gh_cli_load_settings(struct gh_cli *cli, struct gh_settings *cfg, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: gatehouse [--db URL] serve [options]\n\noptions (also in --config "
                   "FILE as 'key = value', and as GATEHOUSE_<KEY> variables):\n");
            gh_opts_help(&gh_settings_table, stdout);
            return GH_EXIT_OK;
        }
    }
    char err[512];
    if (gh_opts_load(&gh_settings_table, cfg, argc, argv, err, sizeof(err)) < 0) {
        gh_cli_err("%s", err);
        gh_opts_free(&gh_settings_table, cfg);
        return GH_EXIT_USAGE;
    }
    if (!cli->db_explicit && cfg->db != NULL)
        cli->db = cfg->db; /* from --config; --db and GATEHOUSE_DB win */
    if (gh_cli_setup_logging(cfg) < 0 || ((cfg->tls_cert[0] != '\0') != (cfg->tls_key[0] != '\0'))) {
        if (gh_log_level_parse(cfg->log_level) >= 0)
            gh_cli_err("--tls-cert and --tls-key go together");
        gh_opts_free(&gh_settings_table, cfg);
        return GH_EXIT_USAGE;
    }
    return -1;
}

int gh_cli_run(struct gh_settings *cfg, struct gh_store *s, void (*banner)(struct gh_server *srv, void *arg), void *arg)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct gh_server srv;
    char err[512] = "";
    if (gh_server_start(&srv, cfg, s, err, sizeof(err)) < 0) {
        gh_cli_err("%s", err[0] ? err : "cannot start");
        return GH_EXIT_FAIL;
    }
    banner(&srv, arg);
    for (;;) {
        int sig = 0;
        sigwait(&set, &sig);
        if (sig != SIGHUP)
            break;
        gh_as_reload(&srv.as);
    }
    gh_log(GH_LOG_INFO, "stopping", NULL);
    gh_server_stop(&srv);
    return GH_EXIT_OK;
}

static void serve_banner(struct gh_server *srv, void *arg)
{
    (void)arg;
    fprintf(stderr, "gatehouse: Authorization Server on http://%s (issuer %s)\n",
            srv->cfg->listen, srv->issuer);
    if (srv->api_http != NULL)
        fprintf(stderr, "gatehouse: Resource API on %s\n", srv->api_url);
    if (srv->app_http != NULL)
        fprintf(stderr, "gatehouse: Frontend App on %s\n", srv->app_url);
}

int gh_cmd_serve(struct gh_cli *cli, int argc, char **argv)
{
    struct gh_settings cfg;
    int status = gh_cli_load_settings(cli, &cfg, argc, argv);
    if (status >= 0)
        return status;
    struct gh_store *s = gh_cli_store(cli, 1);
    status = s ? gh_cli_run(&cfg, s, serve_banner, NULL) : GH_EXIT_FAIL;
    gh_store_close(s);
    gh_opts_free(&gh_settings_table, &cfg);
    return status;
}
