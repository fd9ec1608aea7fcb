/*
 * Subcommands of the gatehouse binary. main.c parses the global --db
 * option and dispatches through one table; each subcommand lives in its
 * own file and returns the process exit status: 0 success, 1 failure,
 * 2 usage error, with a one-line message on stderr naming the problem.
 */
#ifndef GH_CLI_H
#define GH_CLI_H

#include "core/opts.h"
#include "store/store.h"
#include "trace/export.h"

enum { GH_EXIT_OK = 0, GH_EXIT_FAIL = 1, GH_EXIT_USAGE = 2 };

struct gh_cli {
    const char *db;  /* database URL: --db, else GATEHOUSE_DB, else the default */
    int db_explicit; /* given by --db or GATEHOUSE_DB */
    const char *prog;
};

/* Prints "gatehouse: <message>" on stderr. */
void gh_cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Opens the store at cli->db; prints the problem and returns NULL on failure.
 * need_schema: 1 = the schema must be current (run init otherwise). */
struct gh_store *gh_cli_store(const struct gh_cli *cli, int need_schema);
/* Parses argv with a table (defaults, then flags; no environment) after
 * --help handling; returns -1 to continue,
 * or an exit status to return (help shown: 0; usage error: 2). */
int gh_cli_opts(const char *usage, const struct gh_opt_table *t, void *base, int argc, char **argv);
/* Reads all of stdin (at most max bytes), strips one trailing newline.
 * New (caller wipes and frees). NULL when empty or too long. */
char *gh_cli_read_stdin(size_t max);

struct gh_settings;
/* Loads serve's settings (flags, --config, environment) and sets up logging;
 * -1 to continue, else an exit status. */
int gh_cli_load_settings(struct gh_cli *cli, struct gh_settings *cfg, int argc, char **argv);
int gh_cli_setup_logging(const struct gh_settings *cfg);
struct gh_server;
/* Runs the servers of cfg on s until SIGINT/SIGTERM (SIGHUP reloads);
 * banner is called once they listen. Returns an exit status. */
int gh_cli_run(struct gh_settings *cfg, struct gh_store *s,
               void (*banner)(struct gh_server *srv, void *arg), void *arg);

/* Draws recorded flow `flow` in format fmt into path (NULL: stdout). */
int gh_cli_export(struct gh_store *s, const char *flow, enum gh_trace_format fmt, int timings,
                  const char *title, const char *path);

/* Creates or migrates the schema, sets the issuer (when not NULL), the CSRF
 * key and a first signing key of alg (its kid into kid, "" if one existed).
 * Returns an exit status; prints the problem. */
int gh_cli_prepare(struct gh_store *s, const char *issuer, const char *alg, char *kid,
                   size_t kidlen, int *from, int *to);

int gh_cmd_init(struct gh_cli *cli, int argc, char **argv);
int gh_cmd_client(struct gh_cli *cli, int argc, char **argv);
int gh_cmd_user(struct gh_cli *cli, int argc, char **argv);
int gh_cmd_keys(struct gh_cli *cli, int argc, char **argv);
int gh_cmd_serve(struct gh_cli *cli, int argc, char **argv);
int gh_cmd_demo(struct gh_cli *cli, int argc, char **argv);
int gh_cmd_trace(struct gh_cli *cli, int argc, char **argv);
/* `trace import`, `trace lint`, `trace diff` (sub), argv after sub. */
int gh_cmd_trace_review(struct gh_cli *cli, const char *sub, int argc, char **argv);
int gh_cmd_diagram(struct gh_cli *cli, int argc, char **argv);
int gh_cmd_sessions(struct gh_cli *cli, int argc, char **argv);

#endif
