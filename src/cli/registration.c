/*
 * `gatehouse registration token create [--ttl S] [--uses N]`: an initial
 * access token for `serve --registration token` (RFC 7591 3). It is
 * printed once and stored only as its SHA-256, with its expiry and the
 * number of registrations it may still make.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/err.h"

struct reg_opts {
    int64_t ttl;
    int64_t uses;
};

#define O(f) offsetof(struct reg_opts, f)
static const struct gh_opt table[] = {
    {"ttl", GH_OPT_INT, O(ttl), "86400", 1, 366 * 86400, "lifetime of the token, seconds", 0},
    {"uses", GH_OPT_INT, O(uses), "1", 1, 1000000, "registrations it may make", 0},
};
static const struct gh_opt_table opts = {table, GH_ARRAY_LEN(table)};
static const char usage[] = "gatehouse registration token create [--ttl S] [--uses N]";
static const char *const subs[] = {"token", NULL};

static int create(struct gh_store *s, const struct reg_opts *o)
{
    char tok[GH_TOKEN_LEN + 1];
    unsigned char h[GH_SHA256_LEN];
    int64_t now = gh_now();
    int rc = gh_rand_token(tok, sizeof(tok));
    if (rc == 0) {
        gh_sha256(tok, strlen(tok), h);
        rc = gh_store_iat_add(s, h, now + o->ttl, o->uses, now);
    }
    if (rc < 0) {
        gh_cli_err("cannot create an initial access token: %s", gh_strerror(rc));
        OPENSSL_cleanse(tok, sizeof(tok));
        return GH_EXIT_FAIL;
    }
    printf("initial_access_token %s\n", tok);
    printf("valid for %lld seconds, %lld registration%s; shown only now\n", (long long)o->ttl,
           (long long)o->uses, o->uses == 1 ? "" : "s");
    OPENSSL_cleanse(tok, sizeof(tok));
    return GH_EXIT_OK;
}

int gh_cmd_registration(struct gh_cli *cli, int argc, char **argv)
{
    if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        printf("usage: %s\n", usage);
        return GH_EXIT_OK;
    }
    if (argc < 2 || gh_cli_sub(subs, argv[0]) < 0 || strcmp(argv[1], "create") != 0) {
        gh_cli_err("usage: %s", usage);
        return GH_EXIT_USAGE;
    }
    struct reg_opts o;
    int rc = gh_cli_opts(usage, &opts, &o, argc - 2, argv + 2);
    if (rc >= 0)
        return rc;
    int status = GH_EXIT_FAIL;
    struct gh_store *s = gh_cli_store(cli, 1);
    if (s != NULL)
        status = create(s, &o);
    gh_store_close(s);
    gh_opts_free(&opts, &o);
    return status;
}

const struct gh_cli_cmd gh_cli_registration = {
    .name = "registration",
    .fn = gh_cmd_registration,
    .summary = "create initial access tokens for dynamic client registration",
    .usage = usage,
    .subs = subs,
    .opts = &opts,
};
