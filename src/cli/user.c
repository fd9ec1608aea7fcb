/*
 * `gatehouse user add|list|remove|passwd|update|show` (`user mfa` in
 * user_mfa.c) and `gatehouse
 * sessions revoke`. Passwords come from stdin and are stored as argon2id
 * hashes whose parameters are options (defaults: OWASP's t=2, m=19 MiB,
 * p=1). Profile claims (update, show) live in user_claims.c. Removing a
 * user, changing a password and `sessions revoke` end every browser
 * session of the user (docs/security.md, sessions).
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "cli/user_claims.h"
#include "core/clock.h"
#include "core/password.h"
#include "core/err.h"

struct user_opts {
    char *username;
    int password_stdin;
    int64_t t_cost, m_cost, threads;
    struct gh_user_claim_opts claims;
};

#define O(f) offsetof(struct user_opts, f)
static const struct gh_opt table[] = {
    {"username", GH_OPT_STR, O(username), NULL, 0, 0, "user name ([A-Za-z0-9._@-])", 0},
    {"password-stdin", GH_OPT_BOOL, O(password_stdin), "false", 0, 0,
     "read the password (8 to 1024 characters) from stdin", 0},
    {"argon2-t", GH_OPT_INT, O(t_cost), "2", 1, 100, "argon2id iterations", 0},
    {"argon2-m", GH_OPT_INT, O(m_cost), "19456", 8192, 4194304, "argon2id memory, KiB", 0},
    {"argon2-p", GH_OPT_INT, O(threads), "1", 1, 64, "argon2id parallelism", 0},
    GH_USER_CLAIM_OPTS(struct user_opts, claims),
};
static const struct gh_opt_table opts = {table, GH_ARRAY_LEN(table)};
static const char usage[] =
    "gatehouse user add --username NAME --password-stdin [--email E] [--email-verified] "
    "[--name N] [--given-name G] [--family-name F] | user list | user show --username NAME | "
    "user update --username NAME [--email E] [--email-verified|--email-unverified] [--name N] "
    "[--given-name G] [--family-name F] | user remove --username NAME | "
    "user passwd --username NAME --password-stdin | user mfa list [--username NAME] | "
    "user mfa reset --username NAME";
static const char *const subs[] = {"add", "list", "remove", "passwd", "update", "show", NULL};

static int valid_username(const char *u)
{
    size_t n = strlen(u);
    if (n == 0 || n >= GH_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)u[i]) && strchr("._@-", u[i]) == NULL)
            return 0;
    return 1;
}

/* Reads the password from stdin and hashes it into out. */
static int hash_from_stdin(const struct user_opts *o, char *out, size_t outlen)
{
    if (!o->password_stdin) {
        gh_cli_err("the password is read from stdin: add --password-stdin");
        return GH_EXIT_USAGE;
    }
    char *pw = gh_cli_read_stdin(GH_PASSWORD_MAX);
    size_t n = pw ? strlen(pw) : 0;
    int status = GH_EXIT_OK;
    if (n < GH_PASSWORD_MIN) {
        gh_cli_err("the password on stdin must have %d to %d characters", GH_PASSWORD_MIN,
                   GH_PASSWORD_MAX);
        status = GH_EXIT_FAIL;
    } else {
        struct gh_argon2_params p = {(uint32_t)o->t_cost, (uint32_t)o->m_cost,
                                     (uint32_t)o->threads};
        if (gh_password_hash(&p, pw, n, out, outlen) < 0) {
            gh_cli_err("cannot hash the password");
            status = GH_EXIT_FAIL;
        }
    }
    if (pw != NULL) {
        OPENSSL_cleanse(pw, n);
        free(pw);
    }
    return status;
}

static int report(int rc, const char *what, const char *username)
{
    if (rc == GH_EEXIST)
        gh_cli_err("user '%s' already exists", username);
    else if (rc == GH_ENOTFOUND)
        gh_cli_err("no user '%s'", username);
    else if (rc < 0)
        gh_cli_err("cannot %s user '%s': %s", what, username, gh_strerror(rc));
    return rc < 0 ? GH_EXIT_FAIL : GH_EXIT_OK;
}

/* `user add`: the user with its password hash and claims. */
static int add(struct gh_store *s, const struct user_opts *o, const char *hash)
{
    struct gh_user *u = calloc(1, sizeof(*u));
    if (u == NULL)
        return report(GH_ENOMEM, "add", o->username);
    snprintf(u->username, sizeof(u->username), "%s", o->username);
    snprintf(u->pwhash, sizeof(u->pwhash), "%s", hash);
    int status = gh_user_claims_apply(&o->claims, u);
    if (status == GH_EXIT_OK)
        status = report(gh_store_user_add(s, u), "add", o->username);
    if (status == GH_EXIT_OK)
        printf("user %s added\n", o->username);
    OPENSSL_cleanse(u, sizeof(*u));
    free(u);
    return status;
}

static int run(struct gh_store *s, const char *sub, const struct user_opts *o)
{
    char hash[GH_PWHASH_MAX];
    int status;
    if (strcmp(sub, "list") == 0) {
        struct gh_user *rows = NULL;
        size_t n = 0;
        if (gh_store_user_list(s, &rows, &n) < 0)
            return report(GH_ESTORE, "list", "*");
        for (size_t i = 0; i < n; i++)
            printf("%s\n", rows[i].username);
        free(rows);
        return GH_EXIT_OK;
    }
    if (strcmp(sub, "remove") == 0) {
        /* removed first, so no sign-in can start a family after the revocation */
        status = report(gh_store_user_remove(s, o->username), "remove", o->username);
        int n = 0, m = 0, rc = 0;
        if (status == GH_EXIT_OK &&
            ((rc = gh_store_families_revoke_user(s, o->username, gh_now(), &n)) < 0 ||
             (rc = gh_store_session_delete_user(s, o->username, &m)) < 0)) {
            gh_cli_err("user '%s' removed, but cannot revoke their sessions: %s (run "
                       "'gatehouse sessions revoke --user %s')",
                       o->username, gh_strerror(rc), o->username);
            status = GH_EXIT_FAIL;
        } else if (status == GH_EXIT_OK) {
            printf("user %s removed, %d refresh-token families revoked, %d browser sessions "
                   "ended\n",
                   o->username, n, m);
        }
        return status;
    }
    if (strcmp(sub, "show") == 0)
        return gh_user_claims_show(s, o->username);
    if (strcmp(sub, "update") == 0)
        return gh_user_claims_update(s, o->username, &o->claims);
    if ((status = hash_from_stdin(o, hash, sizeof(hash))) != GH_EXIT_OK)
        return status;
    struct gh_client *c = calloc(1, sizeof(*c));
    int clash = c != NULL && gh_store_client_get(s, o->username, c) == 0;
    free(c);
    if (strcmp(sub, "add") == 0 && clash) {
        /* a client's tokens carry sub = client id (RFC 9700 4.15) */
        gh_cli_err("'%s' is a client id: a user may not share it", o->username);
        status = GH_EXIT_FAIL;
    } else if (strcmp(sub, "add") == 0) {
        status = add(s, o, hash);
    } else {
        status = report(gh_store_user_set_password(s, o->username, hash), "update", o->username);
        int m = 0, rc = 0;
        if (status == GH_EXIT_OK && (rc = gh_store_session_delete_user(s, o->username, &m)) < 0) {
            /* the sessions are bound to the old hash and end anyway */
            gh_cli_err("password of '%s' changed, but cannot delete their browser sessions: %s",
                       o->username, gh_strerror(rc));
            status = GH_EXIT_FAIL;
        } else if (status == GH_EXIT_OK) {
            printf("password of %s changed, %d browser sessions ended\n", o->username, m);
        }
    }
    OPENSSL_cleanse(hash, sizeof(hash));
    return status;
}

int gh_cmd_user(struct gh_cli *cli, int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "mfa") == 0)
        return gh_cmd_user_mfa(cli, argc - 1, argv + 1);
    int k = argc >= 1 ? gh_cli_sub(subs, argv[0]) : -1; /* 0 add, 4 update */
    if (k < 0) {
        if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
            printf("usage: %s\n", usage);
            return GH_EXIT_OK;
        }
        gh_cli_err("usage: %s", usage);
        return GH_EXIT_USAGE;
    }
    struct user_opts o;
    int rc = gh_cli_opts(usage, &opts, &o, argc - 1, argv + 1);
    if (rc >= 0)
        return rc;
    int status = GH_EXIT_USAGE;
    struct gh_store *s = NULL;
    if (strcmp(argv[0], "list") != 0 && (o.username == NULL || !valid_username(o.username))) {
        gh_cli_err(o.username ? "bad user name '%s'" : "user %s needs --username NAME",
                   o.username ? o.username : argv[0]);
        goto out;
    }
    const struct gh_user_claim_opts *c = &o.claims;
    if (k != 0 && k != 4 &&
        (c->email || c->name || c->given_name || c->family_name || c->email_verified ||
         c->email_unverified)) {
        gh_cli_err("claims (--email, --name, ...) go with user add or user update");
        goto out;
    }
    status = GH_EXIT_FAIL;
    if ((s = gh_cli_store(cli, 1)) != NULL)
        status = run(s, argv[0], &o);
out:
    gh_store_close(s);
    gh_opts_free(&opts, &o);
    return status;
}

struct sessions_opts {
    char *user;
};

static const struct gh_opt sessions_table[] = {
    {"user", GH_OPT_STR, offsetof(struct sessions_opts, user), NULL, 0, 0,
     "user whose refresh-token families and browser sessions end", 0},
};
static const struct gh_opt_table sessions_opts_table = {sessions_table,
                                                        GH_ARRAY_LEN(sessions_table)};
static const char sessions_usage[] = "gatehouse sessions revoke --user NAME";
static const char *const sessions_subs[] = {"revoke", NULL};

/* Revokes every family and ends every browser session of username; an
 * unknown name with neither is an error (a typo must not look like
 * success). */
static int revoke_sessions(struct gh_store *s, const char *username)
{
    /* first the back-channel logouts of the sessions about to end (while
     * they still say which clients got tokens in them): running servers
     * deliver them (Back-Channel Logout 1.0 2.5) */
    int q = 0, n = 0, m = 0, rc = gh_store_bcl_enqueue_user(s, username, gh_now_us() / 1000, &q);
    if (rc == 0)
        rc = gh_store_families_revoke_user(s, username, gh_now(), &n);
    if (rc == 0)
        rc = gh_store_session_delete_user(s, username, &m);
    if (rc == 0 && n == 0 && m == 0) {
        struct gh_user *u = calloc(1, sizeof(*u));
        rc = u ? gh_store_user_get(s, username, u) : GH_ENOMEM;
        if (u != NULL)
            OPENSSL_cleanse(u, sizeof(*u));
        free(u);
    }
    if (rc == GH_ENOTFOUND) {
        gh_cli_err("no user '%s'", username);
        return GH_EXIT_FAIL;
    }
    if (rc < 0) {
        gh_cli_err("cannot revoke sessions of '%s': %s", username, gh_strerror(rc));
        return GH_EXIT_FAIL;
    }
    printf("revoked %d refresh-token families and %d browser sessions of %s\n", n, m, username);
    if (q > 0)
        printf("queued %d back-channel logouts\n", q);
    return GH_EXIT_OK;
}

int gh_cmd_sessions(struct gh_cli *cli, int argc, char **argv)
{
    if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        printf("usage: %s\n", sessions_usage);
        return GH_EXIT_OK;
    }
    if (argc < 1 || gh_cli_sub(sessions_subs, argv[0]) < 0) {
        gh_cli_err("usage: %s", sessions_usage);
        return GH_EXIT_USAGE;
    }
    struct sessions_opts o;
    int rc = gh_cli_opts(sessions_usage, &sessions_opts_table, &o, argc - 1, argv + 1);
    if (rc >= 0)
        return rc;
    int status = GH_EXIT_USAGE;
    struct gh_store *s = NULL;
    if (o.user == NULL || !valid_username(o.user)) {
        gh_cli_err(o.user ? "bad user name '%s'" : "sessions revoke needs --user NAME", o.user);
        goto out;
    }
    status = GH_EXIT_FAIL;
    if ((s = gh_cli_store(cli, 1)) != NULL)
        status = revoke_sessions(s, o.user);
out:
    gh_store_close(s);
    gh_opts_free(&sessions_opts_table, &o);
    return status;
}

const struct gh_cli_cmd gh_cli_user = {
    .name = "user",
    .fn = gh_cmd_user,
    .summary = "add, list, remove users or set a password",
    .usage = usage,
    .subs = subs,
    .opts = &opts,
};

const struct gh_cli_cmd gh_cli_sessions = {
    .name = "sessions",
    .fn = gh_cmd_sessions,
    .summary = "revoke every refresh-token family of a user",
    .usage = sessions_usage,
    .subs = sessions_subs,
    .opts = &sessions_opts_table,
};
