/*
 * Subcommands of the gatehouse binary. main.c parses the global --db
 * option and dispatches through one table; each subcommand lives in its
 * own file and returns the process exit status: 0 success, 1 failure,
 * 2 usage error, with a one-line message on stderr naming the problem.
 */
#ifndef GH_CLI_H
#define GH_CLI_H

#include <stdio.h>

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

/* A subcommand: its entry point, and what `gatehouse --help`, the man page
 * and the shell completion show. Each command's file defines its own and
 * parses its arguments with the same usage, sub-commands and tables, so the
 * generated documentation cannot drift from the code (help.c, doc.c). */
struct gh_cli_cmd {
    const char *name;
    int (*fn)(struct gh_cli *cli, int argc, char **argv);
    const char *summary;             /* one line for `gatehouse --help` */
    const char *usage;               /* what `COMMAND --help` prints */
    const char *const *subs;         /* sub-commands, NULL-terminated; NULL: none */
    const struct gh_opt_table *opts; /* its options; NULL: none */
    const struct gh_opt_table *more; /* further options (demo: serve's); NULL: none */
};

/* The command table in `gatehouse --help` order, NULL-terminated (help.c). */
extern const struct gh_cli_cmd *const gh_cli_commands[];
extern const struct gh_cli_cmd gh_cli_init, gh_cli_client, gh_cli_user, gh_cli_keys,
    gh_cli_sessions, gh_cli_serve, gh_cli_demo, gh_cli_trace, gh_cli_diagram, gh_cli_registration,
    gh_cli_resource;

/* Index of word in subs (NULL-terminated); -1 when it is not there. */
int gh_cli_sub(const char *const *subs, const char *word);
/* `gatehouse --help`. */
void gh_cli_usage(FILE *f);
/* `gatehouse --version`: the version and the libraries it runs with. */
void gh_cli_version(FILE *f);
/* `gatehouse help [COMMAND | --man | --completion bash]`. */
int gh_cmd_help(struct gh_cli *cli, int argc, char **argv);
/* The gatehouse(1) man page (roff) and the bash completion script, made
 * from the command table (doc.c). Return 0, or -1 when writing failed. */
int gh_cli_man(FILE *f);
int gh_cli_completion_bash(FILE *f);

int gh_cmd_init(struct gh_cli *cli, int argc, char **argv);
int gh_cmd_client(struct gh_cli *cli, int argc, char **argv);
int gh_cmd_user(struct gh_cli *cli, int argc, char **argv);
/* `user mfa list|reset` (user_mfa.c); argv starts after "mfa". */
int gh_cmd_user_mfa(struct gh_cli *cli, int argc, char **argv);
int gh_cmd_keys(struct gh_cli *cli, int argc, char **argv);
int gh_cmd_serve(struct gh_cli *cli, int argc, char **argv);
int gh_cmd_demo(struct gh_cli *cli, int argc, char **argv);
int gh_cmd_trace(struct gh_cli *cli, int argc, char **argv);
/* `trace import`, `trace lint`, `trace diff` (sub), argv after sub. */
int gh_cmd_trace_review(struct gh_cli *cli, const char *sub, int argc, char **argv);
int gh_cmd_diagram(struct gh_cli *cli, int argc, char **argv);
int gh_cmd_sessions(struct gh_cli *cli, int argc, char **argv);
int gh_cmd_registration(struct gh_cli *cli, int argc, char **argv);
int gh_cmd_resource(struct gh_cli *cli, int argc, char **argv);

#endif
