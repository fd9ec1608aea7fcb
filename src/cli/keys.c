/*
 * `gatehouse init` and `gatehouse keys rotate|list|retire`: the database
 * schema, the issuer and the signing keys. A rotated-out key stays in the
 * JWKS until every token it signed has expired (the server's access-token
 * lifetime, recorded in the database, plus a minute of leeway).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "jose/jose.h"
#include "core/err.h"

static int64_t publish_window(struct gh_store *s)
{
    char buf[32];
    int64_t ttl = 300;
    if (gh_store_setting_get(s, "access_ttl", buf, sizeof(buf)) == 0)
        ttl = strtoll(buf, NULL, 10);
    return ttl + 60;
}

/* Generates a key of alg and stores it as the active key. */
static int new_key(struct gh_store *s, const char *alg_name, char *kid, size_t kidlen)
{
    enum gh_jwa alg;
    struct gh_jwk *k = NULL;
    char *pem = NULL;
    int rc = gh_jwa_parse(alg_name, &alg);
    if (rc < 0) {
        gh_cli_err("unknown signing algorithm '%s' (use ES256, EdDSA or RS256)", alg_name);
        return GH_EXIT_USAGE;
    }
    rc = gh_jwk_generate(alg, &k);
    if (rc == 0)
        rc = gh_jwk_to_pem(k, &pem);
    if (rc == 0) {
        int64_t now = gh_now();
        struct gh_key_row row = {.pem = pem, .created_at = now, .active = 1};
        snprintf(row.kid, sizeof(row.kid), "%s", gh_jwk_kid(k));
        snprintf(row.alg, sizeof(row.alg), "%s", gh_jwa_name(alg));
        row.publish_until = now + publish_window(s);
        rc = gh_store_key_add(s, &row);
        snprintf(kid, kidlen, "%s", row.kid);
    }
    gh_jwk_pem_free(pem);
    gh_jwk_free(k);
    if (rc < 0) {
        gh_cli_err("cannot create signing key: %s", gh_strerror(rc));
        return GH_EXIT_FAIL;
    }
    return GH_EXIT_OK;
}

static int has_active_key(struct gh_store *s)
{
    struct gh_key_row *rows = NULL;
    size_t n = 0;
    int active = 0;
    if (gh_store_key_list(s, &rows, &n) == 0)
        for (size_t i = 0; i < n; i++)
            active |= rows[i].active;
    gh_key_rows_free(rows, n);
    return active;
}

struct init_opts {
    char *issuer;
    char *alg;
};

static const struct gh_opt init_table[] = {
    {"issuer", GH_OPT_URL, offsetof(struct init_opts, issuer), NULL, 0, 0,
     "issuer URL (https, or http for loopback)", 0},
    {"alg", GH_OPT_STR, offsetof(struct init_opts, alg), "ES256", 0, 0,
     "first signing key: ES256, EdDSA or RS256", 0},
};
static const struct gh_opt_table init_opts_table = {init_table, GH_ARRAY_LEN(init_table)};
static const char init_usage[] = "gatehouse init --issuer URL [--alg ES256|EdDSA|RS256]";

static int ensure_csrf_key(struct gh_store *s)
{
    char buf[80];
    if (gh_store_setting_get(s, "csrf_key", buf, sizeof(buf)) == 0)
        return 0;
    unsigned char raw[32];
    char hex[65];
    if (gh_rand_bytes(raw, sizeof(raw)) < 0)
        return GH_ECRYPTO;
    gh_hex(raw, sizeof(raw), hex);
    return gh_store_setting_set(s, "csrf_key", hex);
}

int gh_cli_prepare(struct gh_store *s, const char *issuer, const char *alg, char *kid,
                   size_t kidlen, int *from, int *to)
{
    int rc = gh_store_migrate(s, from, to);
    if (rc < 0) {
        gh_cli_err("cannot create the schema: %s",
                   rc == GH_ESCHEMA ? "the database schema is newer than this gatehouse"
                                    : gh_strerror(rc));
        return GH_EXIT_FAIL;
    }
    char cur[GH_URI_MAX] = "";
    gh_store_setting_get(s, "issuer", cur, sizeof(cur)); /* after migrate: the table exists */
    if (issuer != NULL && strcmp(cur, issuer) != 0 &&
        gh_store_setting_set(s, "issuer", issuer) < 0) {
        gh_cli_err("cannot store the issuer");
        return GH_EXIT_FAIL;
    }
    if (ensure_csrf_key(s) < 0) {
        gh_cli_err("cannot store the CSRF key");
        return GH_EXIT_FAIL;
    }
    kid[0] = '\0';
    if (!has_active_key(s))
        return new_key(s, alg, kid, kidlen);
    return GH_EXIT_OK;
}

int gh_cmd_init(struct gh_cli *cli, int argc, char **argv)
{
    struct init_opts o;
    int rc = gh_cli_opts(init_usage, &init_opts_table, &o, argc, argv);
    if (rc >= 0)
        return rc;
    int status = GH_EXIT_FAIL;
    enum gh_jwa alg;
    if (gh_jwa_parse(o.alg, &alg) < 0) {
        gh_cli_err("unknown signing algorithm '%s' (use ES256, EdDSA or RS256)", o.alg);
        status = GH_EXIT_USAGE;
        goto out;
    }
    if (o.issuer != NULL && o.issuer[0] == '\0') {
        gh_cli_err("option 'issuer' wants an http(s) URL, not ''");
        status = GH_EXIT_USAGE;
        goto out;
    }
    if (o.issuer != NULL) {
        size_t n = strlen(o.issuer);
        if (n > 0 && o.issuer[n - 1] == '/')
            o.issuer[n - 1] = '\0';
    }
    struct gh_store *s = gh_cli_store(cli, 0);
    if (s == NULL)
        goto out;
    char issuer[GH_URI_MAX] = "";
    if (gh_store_check_schema(s) == 0)
        gh_store_setting_get(s, "issuer", issuer, sizeof(issuer));
    if (o.issuer == NULL && issuer[0] == '\0') {
        gh_cli_err("init needs --issuer URL");
        status = GH_EXIT_USAGE;
        gh_store_close(s);
        goto out;
    }
    char kid[96];
    int from = 0, to = 0;
    status = gh_cli_prepare(s, o.issuer, o.alg, kid, sizeof(kid), &from, &to);
    if (status == GH_EXIT_OK) {
        char shown[512];
        gh_store_redact_url(cli->db, shown, sizeof(shown));
        printf("database %s: schema v%d%s\nissuer %s\n", shown, to,
               from == to  ? " (already current)"
               : from == 0 ? " (created)"
                           : " (migrated)",
               o.issuer ? o.issuer : issuer);
        if (kid[0] != '\0')
            printf("signing key %s (%s) created\n", kid, o.alg);
    }
    gh_store_close(s);
out:
    gh_opts_free(&init_opts_table, &o);
    return status;
}

struct keys_opts {
    char *alg;
    char *kid;
};

static const struct gh_opt keys_table[] = {
    {"alg", GH_OPT_STR, offsetof(struct keys_opts, alg), "ES256", 0, 0,
     "algorithm of the new key (rotate): ES256, EdDSA or RS256", 0},
    {"kid", GH_OPT_STR, offsetof(struct keys_opts, kid), NULL, 0, 0,
     "key to retire (retire): stops publishing it now", 0},
};
static const struct gh_opt_table keys_opts_table = {keys_table, GH_ARRAY_LEN(keys_table)};
static const char keys_usage[] = "gatehouse keys rotate [--alg ES256|EdDSA|RS256] | keys list | "
                                 "keys retire --kid KID";
static const char *const keys_subs[] = {"rotate", "list", "retire", NULL};

static void fmt_time(int64_t t, char *out, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int keys_list(struct gh_store *s)
{
    struct gh_key_row *rows = NULL;
    size_t n = 0;
    if (gh_store_key_list(s, &rows, &n) < 0) {
        gh_cli_err("cannot read keys");
        return GH_EXIT_FAIL;
    }
    int64_t now = gh_now();
    for (size_t i = 0; i < n; i++) {
        char created[32], until[32];
        fmt_time(rows[i].created_at, created, sizeof(created));
        fmt_time(rows[i].publish_until, until, sizeof(until));
        const char *state = rows[i].active                ? "active (signs new tokens)"
                            : rows[i].publish_until > now ? "published until"
                                                          : "retired";
        printf("%s  %-6s created %s  %s%s%s\n", rows[i].kid, rows[i].alg, created, state,
               !rows[i].active && rows[i].publish_until > now ? " " : "",
               !rows[i].active && rows[i].publish_until > now ? until : "");
    }
    gh_key_rows_free(rows, n);
    return GH_EXIT_OK;
}

int gh_cmd_keys(struct gh_cli *cli, int argc, char **argv)
{
    if (argc < 1 || argv[0][0] == '-') {
        if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
            printf("usage: %s\n", keys_usage);
            return GH_EXIT_OK;
        }
        gh_cli_err("usage: %s", keys_usage);
        return GH_EXIT_USAGE;
    }
    const char *sub = argv[0];
    if (gh_cli_sub(keys_subs, sub) < 0) {
        gh_cli_err("unknown keys command '%s' (use rotate, list or retire)", sub);
        return GH_EXIT_USAGE;
    }
    struct keys_opts o;
    int rc = gh_cli_opts(keys_usage, &keys_opts_table, &o, argc - 1, argv + 1);
    if (rc >= 0)
        return rc;
    int status = GH_EXIT_FAIL;
    struct gh_store *s = gh_cli_store(cli, 1);
    if (s == NULL)
        goto out;
    if (strcmp(sub, "list") == 0) {
        status = keys_list(s);
    } else if (strcmp(sub, "rotate") == 0) {
        char kid[96];
        status = new_key(s, o.alg, kid, sizeof(kid));
        if (status == GH_EXIT_OK)
            printf("signing key %s (%s) is now active; the previous key stays published until "
                   "its tokens expire\n",
                   kid, o.alg);
    } else if (o.kid == NULL) {
        gh_cli_err("keys retire needs --kid KID");
        status = GH_EXIT_USAGE;
    } else if ((rc = gh_store_key_retire(s, o.kid, gh_now())) < 0) {
        gh_cli_err(rc == GH_ENOTFOUND ? "no inactive key '%s' (the active key cannot be retired)"
                                      : "cannot retire key '%s'",
                   o.kid);
    } else {
        printf("key %s retired: no longer published\n", o.kid);
        status = GH_EXIT_OK;
    }
out:
    gh_store_close(s);
    gh_opts_free(&keys_opts_table, &o);
    return status;
}

const struct gh_cli_cmd gh_cli_init = {
    .name = "init",
    .fn = gh_cmd_init,
    .summary = "create or migrate the database, set the issuer, make a signing key",
    .usage = init_usage,
    .opts = &init_opts_table,
};

const struct gh_cli_cmd gh_cli_keys = {
    .name = "keys",
    .fn = gh_cmd_keys,
    .summary = "rotate, list or retire signing keys",
    .usage = keys_usage,
    .subs = keys_subs,
    .opts = &keys_opts_table,
};
