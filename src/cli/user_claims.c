/*
 * Profile claims of users for `gatehouse user add|update|show`: the
 * standard claims of OpenID Connect Core 5.1 that /userinfo answers for
 * the `profile` and `email` scopes (5.4). Values are UTF-8 text without
 * control characters, at most GH_CLAIM_MAX - 1 bytes, never cut short: a
 * value that does not fit is refused. Servers read users from the store on
 * each request, so a change here applies to the next /userinfo at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "cli/cli.h"
#include "cli/user_claims.h"
#include "core/err.h"

/* 1 when v is valid UTF-8 of 0..GH_CLAIM_MAX-1 bytes without control
 * characters. */
static int claim_ok(const char *v)
{
    size_t n = strlen(v);
    if (n >= GH_CLAIM_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            return 0;
    json_t *j = json_stringn(v, n); /* NULL for invalid UTF-8 */
    json_decref(j);
    return j != NULL;
}

/* An addr-spec in the spirit of RFC 5322 3.4.1, checked loosely: one '@'
 * with text on both sides, no spaces. Whether it is deliverable is the
 * operator's business (email_verified). */
static int email_ok(const char *v)
{
    const char *at = strchr(v, '@');
    return v[0] == '\0' || (at != NULL && at != v && at[1] != '\0' && strchr(at + 1, '@') == NULL &&
                            strchr(v, ' ') == NULL);
}

static int set_claim(char *dst, const char *v, const char *flag)
{
    if (v == NULL)
        return 0;
    if (!claim_ok(v)) {
        gh_cli_err("bad value for --%s: UTF-8 text without control characters, at most %d bytes",
                   flag, GH_CLAIM_MAX - 1);
        return GH_EXIT_USAGE;
    }
    snprintf(dst, GH_CLAIM_MAX, "%s", v);
    return 0;
}

int gh_user_claims_apply(const struct gh_user_claim_opts *o, struct gh_user *u)
{
    if (o->email_verified && o->email_unverified) {
        gh_cli_err("--email-verified and --email-unverified exclude each other");
        return GH_EXIT_USAGE;
    }
    if (o->email != NULL && !email_ok(o->email)) {
        gh_cli_err("bad email address '%s'", o->email);
        return GH_EXIT_USAGE;
    }
    /* a new address is not verified unless said so */
    int changed = o->email != NULL && strcmp(o->email, u->email) != 0;
    int rc = set_claim(u->email, o->email, "email");
    if (rc == 0)
        rc = set_claim(u->name, o->name, "name");
    if (rc == 0)
        rc = set_claim(u->given_name, o->given_name, "given-name");
    if (rc == 0)
        rc = set_claim(u->family_name, o->family_name, "family-name");
    if (rc != 0)
        return rc;
    if (o->email_verified)
        u->email_verified = 1;
    else if (o->email_unverified || changed)
        u->email_verified = 0;
    if (u->email[0] == '\0')
        u->email_verified = 0;
    if (u->email_verified == 0 && o->email_verified) {
        gh_cli_err("--email-verified needs an email address (--email)");
        return GH_EXIT_USAGE;
    }
    return GH_EXIT_OK;
}

/* The user into a new record (caller wipes and frees); prints why not. */
static struct gh_user *load(struct gh_store *s, const char *username)
{
    struct gh_user *u = calloc(1, sizeof(*u));
    int rc = u ? gh_store_user_get(s, username, u) : GH_ENOMEM;
    if (rc == 0)
        return u;
    if (rc == GH_ENOTFOUND)
        gh_cli_err("no user '%s'", username);
    else
        gh_cli_err("cannot read user '%s': %s", username, gh_strerror(rc));
    free(u);
    return NULL;
}

static void drop(struct gh_user *u)
{
    if (u == NULL)
        return;
    OPENSSL_cleanse(u, sizeof(*u));
    free(u);
}

int gh_user_claims_update(struct gh_store *s, const char *username,
                          const struct gh_user_claim_opts *o)
{
    if (o->email == NULL && o->name == NULL && o->given_name == NULL && o->family_name == NULL &&
        !o->email_verified && !o->email_unverified) {
        gh_cli_err("user update needs a claim to change (--email, --name, ...)");
        return GH_EXIT_USAGE;
    }
    struct gh_user *u = load(s, username);
    if (u == NULL)
        return GH_EXIT_FAIL;
    int status = gh_user_claims_apply(o, u);
    if (status == GH_EXIT_OK) {
        int rc = gh_store_user_update(s, u);
        if (rc == GH_ENOTFOUND)
            gh_cli_err("no user '%s'", username);
        else if (rc < 0)
            gh_cli_err("cannot update user '%s': %s", username, gh_strerror(rc));
        else
            printf("user %s updated\n", username);
        status = rc < 0 ? GH_EXIT_FAIL : GH_EXIT_OK;
    }
    drop(u);
    return status;
}

static void line(const char *name, const char *value)
{
    if (value[0] != '\0')
        printf("%s %s\n", name, value);
}

int gh_user_claims_show(struct gh_store *s, const char *username)
{
    struct gh_user *u = load(s, username);
    if (u == NULL)
        return GH_EXIT_FAIL;
    line("username", u->username);
    line("sub", u->username); /* the subject identifier of its tokens */
    line("email", u->email);
    if (u->email[0] != '\0')
        line("email_verified", u->email_verified ? "true" : "false");
    line("name", u->name);
    line("given_name", u->given_name);
    line("family_name", u->family_name);
    time_t t = (time_t)u->created_at;
    struct tm tm;
    char created[32] = "?";
    if (gmtime_r(&t, &tm) != NULL)
        strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
    line("created", created);
    drop(u);
    return GH_EXIT_OK;
}
