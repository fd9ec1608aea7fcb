/*
 * gatehouse: OAuth 2.1 Authorization Server, Resource API, Frontend App and
 * flow recorder in one binary. This file only parses the global --db
 * option and dispatches through the command table (help.c).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

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
        gh_cli_usage(stderr);
        return GH_EXIT_USAGE;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        gh_cli_usage(stdout);
        return GH_EXIT_OK;
    }
    if (strcmp(argv[0], "--version") == 0) {
        gh_cli_version(stdout);
        return GH_EXIT_OK;
    }
    if (strcmp(argv[0], "help") == 0)
        return gh_cmd_help(&cli, argc - 1, argv + 1);
    for (size_t i = 0; gh_cli_commands[i] != NULL; i++)
        if (strcmp(argv[0], gh_cli_commands[i]->name) == 0)
            return gh_cli_commands[i]->fn(&cli, argc - 1, argv + 1);
    fprintf(stderr, "gatehouse: unknown command '%s' (see 'gatehouse --help')\n", argv[0]);
    return GH_EXIT_USAGE;
}
