/*
 * `gatehouse demo`: one command for a newcomer. A data directory with an
 * embedded SQLite database, a demo user whose password is printed, the
 * Authorization Server, Resource API and Frontend App on 127.0.0.1 with
 * tracing on. Re-running it reuses the directory (--reset starts afresh).
 * Ctrl-C stops everything; `gatehouse --db ... trace export` then draws
 * what the newcomer just did.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "core/password.h"
#include "core/settings.h"
#include "server/server.h"
#include "webauthn/webauthn.h"
#include "core/err.h"

struct demo {
    char dir[400];
    char db[512];
    char password[64];
};

struct demo_opts {
    char *data_dir;
    int reset;
};

static const struct gh_opt table[] = {
    {"data-dir", GH_OPT_STR, offsetof(struct demo_opts, data_dir), "gatehouse-demo", 0, 0,
     "directory for the demo's database and password (made 0700; reused when run again)", 0},
    {"reset", GH_OPT_BOOL, offsetof(struct demo_opts, reset), "false", 0, 0,
     "start afresh: remove the demo's database first", 0},
};
static const struct gh_opt_table opts = {table, GH_ARRAY_LEN(table)};
static const char usage[] = "gatehouse demo [--data-dir DIR] [--reset] [serve options]";

static const struct gh_opt *own_option(const char *arg)
{
    if (strncmp(arg, "--", 2) != 0)
        return NULL;
    size_t n = strcspn(arg + 2, "=");
    for (size_t k = 0; k < opts.n; k++)
        if (strlen(table[k].name) == n && strncmp(arg + 2, table[k].name, n) == 0)
            return &table[k];
    return NULL;
}

/* Takes the demo's own options (the table above) out of argv into o; the
 * rest are serve's. Returns -1 to continue, else an exit status. */
static int demo_args(int *argc, char **argv, struct demo_opts *o)
{
    for (int i = 0; i < *argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s\n\noptions:\n", usage);
            gh_opts_help(&opts, stdout);
            printf("\nand every serve option (also as GATEHOUSE_<KEY> variables):\n");
            gh_opts_help(&gh_settings_table, stdout);
            return GH_EXIT_OK;
        }
    }
    char **mine = calloc((size_t)*argc + 1, sizeof(*mine)), err[512];
    int n = 0, out = 0, status = -1;
    if (mine == NULL) {
        gh_cli_err("out of memory");
        return GH_EXIT_FAIL;
    }
    for (int i = 0; i < *argc; i++) {
        const struct gh_opt *opt = own_option(argv[i]);
        if (opt == NULL) {
            argv[out++] = argv[i];
            continue;
        }
        mine[n++] = argv[i];
        if (opt->type != GH_OPT_BOOL && strchr(argv[i], '=') == NULL && i + 1 < *argc)
            mine[n++] = argv[++i];
    }
    *argc = out;
    if (gh_opts_defaults(&opts, o, err, sizeof(err)) < 0 ||
        gh_opts_argv(&opts, o, n, mine, err, sizeof(err)) < 0) {
        gh_cli_err("%s", err);
        gh_opts_free(&opts, o);
        status = GH_EXIT_USAGE;
    }
    free(mine);
    return status;
}

static void remove_db(const struct demo *d)
{
    const char *files[] = {"gatehouse.db", "gatehouse.db-wal", "gatehouse.db-shm", "demo-password"};
    char path[600];
    for (size_t i = 0; i < GH_ARRAY_LEN(files); i++) {
        snprintf(path, sizeof(path), "%s/%s", d->dir, files[i]);
        unlink(path);
    }
}

/* The demo user's OpenID Connect profile claims (the Frontend App shows the name). */
static void demo_claims(struct gh_user *u)
{
    snprintf(u->name, sizeof(u->name), "Demo User");
    snprintf(u->given_name, sizeof(u->given_name), "Demo");
    snprintf(u->family_name, sizeof(u->family_name), "User");
}

/* Reads the demo password saved by an earlier run, or makes and saves one
 * (with the user) now. */
static int demo_user(struct gh_store *s, struct demo *d)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/demo-password", d->dir);
    FILE *f = fopen(path, "r");
    struct gh_user u;
    if (f != NULL && fgets(d->password, sizeof(d->password), f) != NULL &&
        gh_store_user_get(s, "demo", &u) == 0) {
        fclose(f);
        d->password[strcspn(d->password, "\n")] = '\0';
        if (u.name[0] != '\0')
            return 0;
        /* a data directory made before users had claims */
        demo_claims(&u);
        return gh_store_user_update(s, &u);
    }
    if (f != NULL)
        fclose(f);
    char raw[GH_TOKEN_LEN + 1], hash[GH_PWHASH_MAX];
    if (gh_rand_token(raw, sizeof(raw)) < 0)
        return GH_ECRYPTO;
    snprintf(d->password, sizeof(d->password), "%.16s", raw);
    const struct gh_argon2_params ap = GH_ARGON2_DEFAULTS;
    int rc = gh_password_hash(&ap, d->password, strlen(d->password), hash, sizeof(hash));
    gh_store_user_remove(s, "demo");
    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "demo");
    snprintf(u.pwhash, sizeof(u.pwhash), "%s", hash);
    demo_claims(&u);
    if (rc == 0)
        rc = gh_store_user_add(s, &u);
    umask(077);
    if (rc == 0 && (f = fopen(path, "w")) != NULL) {
        fprintf(f, "%s\n", d->password);
        fclose(f);
    }
    return rc;
}

static void banner(struct gh_server *srv, void *arg)
{
    const struct demo *d = arg;
    printf("\ngatehouse demo is running (Ctrl-C stops it)\n\n"
           "  Frontend App          %s\n"
           "  Authorization Server  %s\n"
           "  Resource API          %s/api/me\n\n"
           "  sign in as            demo / %s\n\n"
           "Open the Frontend App in a browser and sign in. Afterwards, draw what happened:\n"
           "  build/gatehouse --db %s trace export --format svg -o flow.svg\n\n",
           srv->app_url, srv->issuer, srv->api_url, d->password, d->db);
    /* an IP address cannot be a WebAuthn RP ID (SPEC 13): say how to see
     * passkeys, on the same port */
    const char *port = strrchr(srv->issuer, ':');
    if (!gh_webauthn_possible(srv->issuer) && port != NULL && strchr(port, ']') == NULL &&
        port > strstr(srv->issuer, "://"))
        printf("Passkeys need an issuer with a host name; to try them, start the demo with\n"
               "  --issuer http://localhost%s\n\n",
               port);
    fflush(stdout);
}

int gh_cmd_demo(struct gh_cli *cli, int argc, char **argv)
{
    struct demo d;
    struct demo_opts o;
    int status = demo_args(&argc, argv, &o);
    if (status >= 0)
        return status;
    int reset = o.reset;
    snprintf(d.dir, sizeof(d.dir), "%s", o.data_dir);
    gh_opts_free(&opts, &o);
    snprintf(d.db, sizeof(d.db), "sqlite:%s/gatehouse.db", d.dir);
    cli->db = d.db;
    cli->db_explicit = 1;
    /* the demo's defaults; any serve option may override them */
    setenv("GATEHOUSE_API_LISTEN", "127.0.0.1:9001", 0);
    setenv("GATEHOUSE_APP_LISTEN", "127.0.0.1:9002", 0);
    setenv("GATEHOUSE_TRACE", "true", 0);
    setenv("GATEHOUSE_LOG_LEVEL", "warn", 0); /* keep the banner readable */
    struct gh_settings cfg;
    status = gh_cli_load_settings(cli, &cfg, argc, argv);
    if (status >= 0)
        return status;
    status = GH_EXIT_FAIL;
    struct gh_store *s = NULL;
    if (mkdir(d.dir, 0700) < 0 && errno != EEXIST) {
        gh_cli_err("cannot create data directory '%s': %s", d.dir, strerror(errno));
        goto out;
    }
    if (reset)
        remove_db(&d);
    char issuer[GH_URI_MAX], kid[96];
    int from, to;
    snprintf(issuer, sizeof(issuer), "http://%s", cfg.listen);
    if ((s = gh_cli_store(cli, 0)) == NULL ||
        gh_cli_prepare(s, issuer, "ES256", kid, sizeof(kid), &from, &to) != GH_EXIT_OK)
        goto out;
    if (demo_user(s, &d) < 0) {
        gh_cli_err("cannot create the demo user");
        goto out;
    }
    status = gh_cli_run(&cfg, s, banner, &d);
out:
    OPENSSL_cleanse(d.password, sizeof(d.password));
    gh_store_close(s);
    gh_opts_free(&gh_settings_table, &cfg);
    return status;
}

const struct gh_cli_cmd gh_cli_demo = {
    .name = "demo",
    .fn = gh_cmd_demo,
    .summary = "run everything on 127.0.0.1 with a demo user and client",
    .usage = usage,
    .opts = &opts,
    .more = &gh_settings_table,
};
