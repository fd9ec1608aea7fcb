/*
 * `gatehouse user mfa list|reset`: which users have one-time codes
 * (RFC 6238) enabled or an enrolment pending, and which passkeys (WebAuthn)
 * each has, by name, with when they were added and last used; and removing
 * a user's setup, recovery codes and passkeys so they sign in with the
 * password alone, for a lost device. No secret and no key is ever printed.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static void when(int64_t at, char *out, size_t len)
{
    struct tm tm;
    time_t t = (time_t)at;
    snprintf(out, len, "never");
    if (at > 0 && gmtime_r(&t, &tm) != NULL)
        strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A passkey's name as the user gave it, control characters and quotes
 * replaced, so that it cannot disturb the terminal or the line. */
static void safe_name(const char *in, char *out, size_t len)
{
    size_t i = 0;
    for (; in[i] != '\0' && i + 1 < len; i++) {
        unsigned char c = (unsigned char)in[i];
        out[i] = c < 0x20 || c == 0x7f || c == '\'' ? '?' : (char)c;
    }
    out[i] = '\0';
}

/* user's passkeys: a count on the user's line, then one line each */
static int passkeys(struct gh_store *s, const char *user, const char *totp)
{
    struct gh_webauthn_cred *rows = NULL;
    size_t n = 0;
    int rc = gh_store_webauthn_cred_list(s, user, &rows, &n);
    if (rc < 0)
        return rc;
    printf("%s totp=%s passkeys=%zu\n", user, totp, n);
    for (size_t i = 0; i < n; i++) {
        char name[GH_WEBAUTHN_NAME_MAX], created[32], used[32];
        safe_name(rows[i].name, name, sizeof(name));
        when(rows[i].created_at, created, sizeof(created));
        when(rows[i].last_used_at, used, sizeof(used));
        printf("  passkey '%s' created=%s last_used=%s%s\n", name, created, used,
               rows[i].backup_state ? " synced" : "");
    }
    free(rows);
    return 0;
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
            rc = passkeys(s, rows[i].username, st);
        found = 1;
    }
    free(rows);
    if (rc < 0) {
        gh_cli_err("cannot list one-time codes and passkeys: %s", gh_strerror(rc));
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
    int totp = 0, keys = 0;
    if (rc == 0) {
        rc = gh_store_mfa_remove(s, username);
        totp = rc == 0;
        if (rc == GH_ENOTFOUND)
            rc = 0;
    }
    if (rc == 0)
        rc = gh_store_webauthn_cred_remove_user(s, username, &keys);
    if (rc < 0) {
        gh_cli_err("cannot reset one-time codes and passkeys of '%s': %s", username,
                   gh_strerror(rc));
        return GH_EXIT_FAIL;
    }
    if (totp)
        printf("one-time codes and recovery codes of user %s removed\n", username);
    if (keys)
        printf("%d passkey%s of user %s removed\n", keys, keys == 1 ? "" : "s", username);
    if (!totp && !keys)
        printf("user %s has no one-time codes and no passkeys\n", username);
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
