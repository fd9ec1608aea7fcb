/*
 * `gatehouse user mfa list|reset`: which users have one-time codes
 * (RFC 6238) enabled or an enrolment pending, and removing a user's setup
 * and recovery codes so they sign in with the password alone, for a lost
 * device. No secret is ever printed.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"

struct mfa_opts {
    char *username;
};

#define O(f) offsetof(struct mfa_opts, f)
static const struct gh_opt table[] = {
    {"username", GH_OPT_STR, O(username), NULL, 0, 0, "user name", 0},
};
static const struct gh_opt_table opts = {table, GH_ARRAY_LEN(table)};
static const char usage[] =
    "gatehouse user mfa list [--username NAME] | user mfa reset --username NAME";
static const char *const subs[] = {"list", "reset", NULL};

static const char *state_of(struct gh_store *s, const char *username, int *rc)
{
    struct gh_mfa m;
    *rc = gh_store_mfa_get(s, username, &m);
    if (*rc == GH_ENOTFOUND) {
        *rc = 0;
        return "off";
    }
    return *rc < 0 ? NULL : m.enabled ? "enabled" : "pending";
}

static int list(struct gh_store *s, const char *only)
{
    struct gh_user *rows = NULL;
    size_t n = 0;
    int rc = gh_store_user_list(s, &rows, &n), found = 0;
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        if (only && strcmp(rows[i].username, only) != 0)
            continue;
        const char *st = state_of(s, rows[i].username, &rc);
        if (st)
            printf("%s totp=%s\n", rows[i].username, st);
        found = 1;
    }
    free(rows);
    if (rc < 0) {
        gh_cli_err("cannot list one-time codes: %s", gh_strerror(rc));
        return GH_EXIT_FAIL;
    }
    if (only && !found) {
        gh_cli_err("no user '%s'", only);
        return GH_EXIT_FAIL;
    }
    return GH_EXIT_OK;
}

static int reset(struct gh_store *s, const char *username)
{
    struct gh_user *u = calloc(1, sizeof(*u));
    int rc = u ? gh_store_user_get(s, username, u) : GH_ENOMEM;
    free(u);
    if (rc == GH_ENOTFOUND) {
        gh_cli_err("no user '%s'", username);
        return GH_EXIT_FAIL;
    }
    if (rc == 0)
        rc = gh_store_mfa_remove(s, username);
    if (rc == GH_ENOTFOUND) {
        printf("user %s has no one-time codes\n", username);
        return GH_EXIT_OK;
    }
    if (rc < 0) {
        gh_cli_err("cannot reset one-time codes of '%s': %s", username, gh_strerror(rc));
        return GH_EXIT_FAIL;
    }
    printf("one-time codes and recovery codes of user %s removed\n", username);
    return GH_EXIT_OK;
}

int gh_cmd_user_mfa(struct gh_cli *cli, int argc, char **argv)
{
    int k = argc >= 1 ? gh_cli_sub(subs, argv[0]) : -1; /* 0 list, 1 reset */
    if (k < 0) {
        if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
            printf("usage: %s\n", usage);
            return GH_EXIT_OK;
        }
        gh_cli_err("usage: %s", usage);
        return GH_EXIT_USAGE;
    }
    struct mfa_opts o;
    int rc = gh_cli_opts(usage, &opts, &o, argc - 1, argv + 1);
    if (rc >= 0)
        return rc;
    int status = GH_EXIT_USAGE;
    struct gh_store *s = NULL;
    if (k == 1 && o.username == NULL) {
        gh_cli_err("user mfa reset needs --username NAME");
        goto out;
    }
    status = GH_EXIT_FAIL;
    if ((s = gh_cli_store(cli, 1)) != NULL)
        status = k == 0 ? list(s, o.username) : reset(s, o.username);
out:
    gh_store_close(s);
    gh_opts_free(&opts, &o);
    return status;
}
