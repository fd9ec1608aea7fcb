/*
 * gatehouse: OAuth 2.1 Authorization Server, Resource API, Frontend App and
 * flow recorder in one binary. This file only parses the global --db
 * option and dispatches through the command table.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"

static const struct {
    const char *name;
    int (*fn)(struct gh_cli *cli, int argc, char **argv);
    const char *help;
} commands[] = {
    {"init", gh_cmd_init, "create or migrate the database, set the issuer, make a signing key"},
    {"client", gh_cmd_client, "add, list, show, update or remove OAuth clients"},
    {"user", gh_cmd_user, "add, list, show, update, remove users or set a password"},
    {"keys", gh_cmd_keys, "rotate, list or retire signing keys"},
    {"sessions", gh_cmd_sessions, "end every refresh-token family and browser session of a user"},
    {"serve", gh_cmd_serve, "run the Authorization Server (and Resource API, Frontend App)"},
    {"demo", gh_cmd_demo, "run everything on 127.0.0.1 with a demo user and client"},
    {"trace", gh_cmd_trace, "list recorded flows or export one as a sequence diagram"},
    {"diagram", gh_cmd_diagram, "run a scripted flow and draw its sequence diagram"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: gatehouse [--db URL] COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < GH_ARRAY_LEN(commands); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n--db URL   sqlite:PATH (default sqlite:./gatehouse.db) or postgres://...;\n"
               "           also GATEHOUSE_DB; accepted before or after the command\n"
               "Run 'gatehouse COMMAND --help' for the options of a command.\n");
}

/* Removes "--db URL" / "--db=URL" from argv (anywhere), storing the URL. */
static int take_db(int *argc, char **argv, const char **db)
{
    int out = 0;
    for (int i = 0; i < *argc; i++) {
        if (strcmp(argv[i], "--db") == 0) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "gatehouse: option '--db' needs a value\n");
                return -1;
            }
            *db = argv[++i];
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            *db = argv[i] + 5;
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    return 0;
}

int main(int argc, char **argv)
{
    /* a thread per connection would otherwise get up to 8 malloc arenas per
     * core, and the memory they hold */
    mallopt(M_ARENA_MAX, 4);
    /* a fixed threshold: argon2id's 19 MiB blocks go back to the system
     * when freed instead of staying in each thread's arena */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    /* Freed memory stays in its arena up to this much: trimming a thread's
     * arena is an madvise whose TLB shootdown interrupts every core, and the
     * group-commit writer would otherwise trim and regrow on each batch. */
    mallopt(M_TRIM_THRESHOLD, 4 << 20);
    mallopt(M_TOP_PAD, 1 << 20);
    struct gh_cli cli = {.db = getenv("GATEHOUSE_DB"), .prog = argv[0]};
    argc--;
    argv++;
    const char *flag_db = NULL;
    if (take_db(&argc, argv, &flag_db) < 0)
        return GH_EXIT_USAGE;
    if (flag_db != NULL)
        cli.db = flag_db;
    cli.db_explicit = cli.db != NULL && cli.db[0] != '\0';
    if (!cli.db_explicit)
        cli.db = "sqlite:./gatehouse.db";
    if (argc == 0) {
        usage(stderr);
        return GH_EXIT_USAGE;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 ||
        strcmp(argv[0], "help") == 0) {
        usage(stdout);
        return GH_EXIT_OK;
    }
    for (size_t i = 0; i < GH_ARRAY_LEN(commands); i++)
        if (strcmp(argv[0], commands[i].name) == 0)
            return commands[i].fn(&cli, argc - 1, argv + 1);
    fprintf(stderr, "gatehouse: unknown command '%s' (see 'gatehouse --help')\n", argv[0]);
    return GH_EXIT_USAGE;
}
