/*
 * `gatehouse client add|list|show|update|remove`: OAuth client
 * registration. Confidential clients get a secret generated here (256
 * random bits, printed once) or read from stdin (at least 32 characters,
 * refused when obviously guessable: gh_secret_weak), stored only as its
 * SHA-256 (docs/security.md, client secrets); public clients authenticate
 * with PKCE alone. CORS origins default to the origins of the redirect URIs.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "oauth/oauth.h"
#include "proto/amr.h"
#include "proto/proto.h"
#include "core/err.h"

#define DEFAULT_SCOPE "openid profile email offline_access api"

struct client_opts {
    char *id;
    struct gh_strlist redirect;
    struct gh_strlist origin;
    int is_public;
    int secret_stdin;
    int generate_secret;
    char *scope;
    int trusted;
    int untrusted;
    struct gh_strlist grant_type;
    struct gh_strlist post_logout;
    char *backchannel;
    int dpop_bound;
    int no_dpop_bound;
    int require_mfa;
    int no_require_mfa;
};

#define O(f) offsetof(struct client_opts, f)
static const struct gh_opt table[] = {
    {"id", GH_OPT_STR, O(id), NULL, 0, 0, "client id ([A-Za-z0-9._:-], at most 127)", 0},
    {"redirect-uri", GH_OPT_LIST, O(redirect), NULL, 0, 0, "redirect URI (repeatable)", 0},
    {"public", GH_OPT_BOOL, O(is_public), "false", 0, 0, "public client: no secret, PKCE only", 0},
    {"secret-stdin", GH_OPT_BOOL, O(secret_stdin), "false", 0, 0,
     "confidential client: read its secret (>= 32 characters) from stdin", 0},
    {"generate-secret", GH_OPT_BOOL, O(generate_secret), "false", 0, 0,
     "confidential client: generate a 256-bit secret and print it once", 0},
    {"scope", GH_OPT_STR, O(scope), NULL, 0, 0,
     "scopes it may request (default \"" DEFAULT_SCOPE "\")", 0},
    {"trusted", GH_OPT_BOOL, O(trusted), "false", 0, 0, "skip the consent page", 0},
    {"untrusted", GH_OPT_BOOL, O(untrusted), "false", 0, 0, "show the consent page (update)", 0},
    {"dpop-bound", GH_OPT_BOOL, O(dpop_bound), "false", 0, 0,
     "its token requests must carry a DPoP proof (RFC 9449 dpop_bound_access_tokens)", 0},
    {"no-dpop-bound", GH_OPT_BOOL, O(no_dpop_bound), "false", 0, 0,
     "DPoP proofs become optional again (update)", 0},
    {"require-mfa", GH_OPT_BOOL, O(require_mfa), "false", 0, 0,
     "its users sign in with a second factor (acr " GH_ACR_MFA ")", 0},
    {"no-require-mfa", GH_OPT_BOOL, O(no_require_mfa), "false", 0, 0,
     "a password alone is enough again (update)", 0},
    {"origin", GH_OPT_LIST, O(origin), NULL, 0, 0,
     "CORS origin (repeatable; default: the redirect URIs' origins)", 0},
    {"grant-type", GH_OPT_LIST, O(grant_type), NULL, 0, 0,
     "grant type it may use at /token (repeatable; default: every one its kind may use)", 0},
    {"post-logout-redirect-uri", GH_OPT_LIST, O(post_logout), NULL, 0, 0,
     "where /logout may send the browser back to (repeatable; \"\" clears)", 0},
    {"backchannel-logout-uri", GH_OPT_STR, O(backchannel), NULL, 0, 0,
     "receives back-channel logout tokens (http(s); \"\" clears)", 0},
};
static const struct gh_opt_table opts = {table, GH_ARRAY_LEN(table)};
static const char usage[] = "gatehouse client add --id ID --redirect-uri URI [...] "
                            "[--public | --secret-stdin | --generate-secret] [--scope \"a b\"] "
                            "[--trusted] [--dpop-bound] "
                            "[--origin URL ...] [--grant-type G ...] "
                            "[--post-logout-redirect-uri URI ...] "
                            "[--backchannel-logout-uri URI] | client list | client show --id ID | "
                            "client update --id ID [options] | client remove --id ID";
static const char *const subs[] = {"add", "list", "show", "update", "remove", NULL};

static int valid_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n >= GH_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)id[i]) && strchr("._:-", id[i]) == NULL)
            return 0;
    return 1;
}

static int add_origin(struct gh_client *c, const char *origin)
{
    for (int i = 0; i < c->n_origin; i++)
        if (strcmp(c->origin[i], origin) == 0)
            return 0;
    if (c->n_origin >= GH_URIS_MAX)
        return GH_EINVAL;
    snprintf(c->origin[c->n_origin++], GH_URI_MAX, "%s", origin);
    return 0;
}

/* Fills the logout URIs of c from o (RP-Initiated Logout 1.0 3.1,
 * Back-Channel Logout 1.0 2.2: absolute, no fragment); 0 or an exit code.
 * A single "" clears what was registered. */
static int apply_logout(const struct client_opts *o, struct gh_client *c)
{
    if (o->post_logout.n > GH_URIS_MAX) {
        gh_cli_err("a client has at most %d post-logout redirect URIs", GH_URIS_MAX);
        return GH_EXIT_USAGE;
    }
    if (o->post_logout.n > 0)
        c->n_post_logout = 0;
    for (int i = 0; i < o->post_logout.n; i++) {
        const char *u = o->post_logout.v[i];
        if (u[0] == '\0' && o->post_logout.n == 1)
            break;
        if (!gh_redirect_valid(u, 0)) {
            gh_cli_err("bad post-logout redirect URI '%s' (absolute https, http on a loopback "
                       "host, or a private-use scheme; no fragment)",
                       u);
            return GH_EXIT_USAGE;
        }
        snprintf(c->post_logout[c->n_post_logout++], GH_URI_MAX, "%s", u);
    }
    const char *b = o->backchannel;
    if (b != NULL && b[0] != '\0' &&
        (!gh_redirect_valid(b, 0) ||
         (strncmp(b, "https://", 8) != 0 && strncmp(b, "http://", 7) != 0) ||
         strlen(b) >= GH_URI_MAX)) {
        gh_cli_err("bad back-channel logout URI '%s' (absolute https, or http on a loopback "
                   "host; no fragment)",
                   b);
        return GH_EXIT_USAGE;
    }
    if (b != NULL)
        snprintf(c->backchannel_uri, sizeof(c->backchannel_uri), "%s", b);
    return GH_EXIT_OK;
}

/* Fills redirect URIs, origins and scope of c from o; 0 or an exit code. */
static int apply(const struct client_opts *o, struct gh_client *c)
{
    int logout = apply_logout(o, c);
    if (logout != GH_EXIT_OK)
        return logout;
    if (o->redirect.n > GH_URIS_MAX || o->origin.n > GH_URIS_MAX) {
        gh_cli_err("a client has at most %d redirect URIs and %d origins", GH_URIS_MAX,
                   GH_URIS_MAX);
        return GH_EXIT_USAGE;
    }
    if (o->redirect.n > 0) {
        c->n_redirect = 0;
        for (int i = 0; i < o->redirect.n; i++) {
            if (!gh_redirect_valid(o->redirect.v[i], 0)) {
                gh_cli_err("bad redirect URI '%s' (absolute https, http on a loopback host, or "
                           "a private-use scheme; no fragment)",
                           o->redirect.v[i]);
                return GH_EXIT_USAGE;
            }
            snprintf(c->redirect[c->n_redirect++], GH_URI_MAX, "%s", o->redirect.v[i]);
        }
    }
    if (o->origin.n > 0 || o->redirect.n > 0) {
        c->n_origin = 0;
        for (int i = 0; i < o->origin.n; i++) {
            char origin[GH_URI_MAX];
            if (gh_uri_origin(o->origin.v[i], origin, sizeof(origin)) < 0 ||
                strcmp(origin, o->origin.v[i]) != 0) {
                gh_cli_err("bad origin '%s' (scheme://host[:port], no path)", o->origin.v[i]);
                return GH_EXIT_USAGE;
            }
            add_origin(c, origin);
        }
        for (int i = 0; o->origin.n == 0 && i < c->n_redirect; i++) {
            char origin[GH_URI_MAX];
            if (gh_uri_origin(c->redirect[i], origin, sizeof(origin)) == 0)
                add_origin(c, origin);
        }
    }
    /* the rule every grant follows (src/proto/scope.c): whole, no duplicates */
    if (o->scope != NULL && gh_scope_grant(o->scope, NULL, c->scope, sizeof(c->scope)) < 0) {
        gh_cli_err("bad scope '%s' (space-separated tokens, at most %d characters)", o->scope,
                   GH_SCOPE_MAX - 1);
        return GH_EXIT_USAGE;
    }
    if (o->trusted)
        c->trusted = 1;
    if (o->untrusted)
        c->trusted = 0;
    if (o->dpop_bound)
        c->dpop_bound = 1;
    if (o->no_dpop_bound)
        c->dpop_bound = 0;
    if (o->require_mfa)
        c->require_mfa = 1;
    if (o->no_require_mfa)
        c->require_mfa = 0;
    return GH_EXIT_OK;
}

/* Appends grant type g to the list unless it is there already. */
static void add_grant_type(char list[GH_GRANT_TYPES_MAX], const char *g)
{
    if (gh_scope_subset(g, list))
        return;
    size_t k = strlen(list);
    snprintf(list + k, GH_GRANT_TYPES_MAX - k, "%s%s", k ? " " : "", g);
}

/* The grant types of c from o (each one of the token endpoint's grant
 * table that c's kind may use), or when o names none and c has none yet,
 * every one its kind may use; 0 or an exit code. The table is short: its
 * names all fit in GH_GRANT_TYPES_MAX. */
static int apply_grant_types(const struct client_opts *o, struct gh_client *c)
{
    char list[GH_GRANT_TYPES_MAX] = "";
    for (int i = 0; i < o->grant_type.n; i++) {
        const char *g = o->grant_type.v[i];
        int row = gh_grant_type_find(g);
        if (row < 0) {
            gh_cli_err("unknown grant type '%s'", g);
            return GH_EXIT_USAGE;
        }
        if (gh_grant_type_use((size_t)row, c->is_public, "") != GH_GRANT_USE_OK) {
            gh_cli_err("grant type '%s' is for confidential clients", g);
            return GH_EXIT_USAGE;
        }
        add_grant_type(list, g);
    }
    if (o->grant_type.n == 0 && c->grant_types[0] != '\0')
        return GH_EXIT_OK; /* kept */
    for (size_t i = 0; o->grant_type.n == 0 && gh_grant_type_name(i) != NULL; i++)
        if (gh_grant_type_use(i, c->is_public, "") == GH_GRANT_USE_OK)
            add_grant_type(list, gh_grant_type_name(i));
    snprintf(c->grant_types, sizeof(c->grant_types), "%s", list);
    return GH_EXIT_OK;
}

static int read_secret(struct gh_client *c)
{
    char *secret = gh_cli_read_stdin(4096);
    size_t n = secret ? strlen(secret) : 0;
    const char *weak = n >= 32 ? gh_secret_weak(secret, n) : NULL;
    int status = GH_EXIT_OK;
    if (n < 32) {
        gh_cli_err("--secret-stdin needs a secret of at least 32 characters on stdin");
        status = GH_EXIT_FAIL;
    } else if (weak != NULL) {
        /* only its SHA-256 is stored: a guessable secret falls to an offline
         * search of a stolen database (docs/security.md) */
        gh_cli_err("the client secret on stdin is too easy to guess (%s): use --generate-secret",
                   weak);
        status = GH_EXIT_FAIL;
    } else {
        gh_sha256(secret, n, c->secret_hash);
    }
    if (secret != NULL) {
        OPENSSL_cleanse(secret, n);
        free(secret);
    }
    return status;
}

/* The new secret of c: generated (into generated, printed by the caller
 * once the client is stored) or read from stdin. */
static int new_secret(const struct client_opts *o, struct gh_client *c,
                      char generated[GH_TOKEN_LEN + 1])
{
    if (!o->generate_secret)
        return read_secret(c);
    if (gh_rand_token(generated, GH_TOKEN_LEN + 1) < 0) {
        gh_cli_err("cannot generate a client secret");
        return GH_EXIT_FAIL;
    }
    gh_sha256(generated, strlen(generated), c->secret_hash);
    return GH_EXIT_OK;
}

static void print_secret(const char *generated)
{
    if (generated[0] == '\0')
        return;
    printf("client_secret %s\n", generated);
    fprintf(stderr, "gatehouse: the client secret is shown only this once; only its SHA-256 "
                    "is stored\n");
}

static int do_add(struct gh_store *s, const struct client_opts *o)
{
    char generated[GH_TOKEN_LEN + 1] = "";
    if (o->is_public + o->secret_stdin + o->generate_secret != 1) {
        gh_cli_err("client add needs exactly one of --public, --secret-stdin or "
                   "--generate-secret");
        return GH_EXIT_USAGE;
    }
    if (o->redirect.n == 0 && o->is_public) {
        gh_cli_err("client add needs at least one --redirect-uri");
        return GH_EXIT_USAGE;
    }
    struct gh_client *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return GH_EXIT_FAIL;
    snprintf(c->id, sizeof(c->id), "%s", o->id);
    snprintf(c->scope, sizeof(c->scope), "%s", DEFAULT_SCOPE);
    c->is_public = o->is_public;
    c->created_at = gh_now();
    int status = apply(o, c);
    if (status == GH_EXIT_OK)
        status = apply_grant_types(o, c);
    if (status == GH_EXIT_OK && !o->is_public)
        status = new_secret(o, c, generated);
    if (status == GH_EXIT_OK) {
        /* client_credentials tokens carry sub = client id: it must not
         * name a user too (RFC 9700 4.15) */
        struct gh_user u;
        int rc = gh_store_user_get(s, o->id, &u) == 0 ? GH_ECONFLICT : gh_store_client_add(s, c);
        if (rc == GH_ECONFLICT)
            gh_cli_err("'%s' is a user name: a client may not share it", o->id);
        else if (rc == GH_EEXIST)
            gh_cli_err("client '%s' already exists", o->id);
        else if (rc < 0)
            gh_cli_err("cannot add client '%s': %s", o->id, gh_strerror(rc));
        else
            printf("client %s added (%s)\n", o->id, c->is_public ? "public" : "confidential");
        if (rc == 0)
            print_secret(generated);
        status = rc < 0 ? GH_EXIT_FAIL : GH_EXIT_OK;
    }
    OPENSSL_cleanse(generated, sizeof(generated));
    OPENSSL_cleanse(c, sizeof(*c));
    free(c);
    return status;
}

static int do_update(struct gh_store *s, const struct client_opts *o)
{
    char generated[GH_TOKEN_LEN + 1] = "";
    if (o->secret_stdin && o->generate_secret) {
        gh_cli_err("client update takes --secret-stdin or --generate-secret, not both");
        return GH_EXIT_USAGE;
    }
    struct gh_client *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return GH_EXIT_FAIL;
    int status = GH_EXIT_FAIL, rc = gh_store_client_get(s, o->id, c);
    if (rc == GH_ENOTFOUND)
        gh_cli_err("no client '%s'", o->id);
    else if (rc < 0)
        gh_cli_err("cannot read client '%s': %s", o->id, gh_strerror(rc));
    if (rc < 0)
        goto out;
    if ((o->secret_stdin || o->generate_secret) && c->is_public) {
        gh_cli_err("client '%s' is public: it has no secret", o->id);
        status = GH_EXIT_USAGE;
        goto out;
    }
    status = apply(o, c);
    if (status == GH_EXIT_OK)
        status = apply_grant_types(o, c);
    if (status == GH_EXIT_OK && (o->secret_stdin || o->generate_secret))
        status = new_secret(o, c, generated);
    if (status != GH_EXIT_OK)
        goto out;
    if ((rc = gh_store_client_update(s, c)) < 0) {
        gh_cli_err("cannot update client '%s': %s", o->id, gh_strerror(rc));
        status = GH_EXIT_FAIL;
        goto out;
    }
    printf("client %s updated\n", o->id);
    print_secret(generated);
out:
    OPENSSL_cleanse(generated, sizeof(generated));
    OPENSSL_cleanse(c, sizeof(*c));
    free(c);
    return status;
}

/* via: how the client came, "cli" or "registration" (RFC 7591) */
static void print_client(const struct gh_client *c, int verbose, const char *via)
{
    printf("%s  %s%s%s%s  scope=\"%s\"  grant_types=\"%s\"  via=%s", c->id,
           c->is_public ? "public" : "confidential", c->trusted ? " trusted" : "",
           c->dpop_bound ? " dpop-bound" : "", c->require_mfa ? " require-mfa" : "", c->scope,
           c->grant_types, via);
    for (int i = 0; i < c->n_redirect; i++)
        printf("%s%s", verbose ? "\n  redirect_uri " : " ", c->redirect[i]);
    for (int i = 0; verbose && i < c->n_origin; i++)
        printf("\n  origin %s", c->origin[i]);
    for (int i = 0; i < c->n_post_logout; i++)
        printf("%s%s",
               verbose ? "\n  post_logout_redirect_uri " : " post_logout=", c->post_logout[i]);
    if (c->backchannel_uri[0] != '\0')
        printf("%s%s",
               verbose ? "\n  backchannel_logout_uri " : " backchannel=", c->backchannel_uri);
    if (verbose) {
        time_t t = (time_t)c->created_at;
        struct tm tm;
        char created[32] = "?";
        if (gmtime_r(&t, &tm) != NULL)
            strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
        printf("\n  created %s", created);
    }
    putchar('\n');
}

static int do_list(struct gh_store *s)
{
    struct gh_client *rows = NULL;
    size_t n = 0;
    int rc = gh_store_client_list(s, &rows, &n);
    if (rc < 0) {
        gh_cli_err("cannot list clients: %s", gh_strerror(rc));
        return GH_EXIT_FAIL;
    }
    struct gh_client_reg *regs = NULL;
    size_t nreg = 0;
    if (gh_store_client_reg_list(s, &regs, &nreg) < 0)
        nreg = 0;
    for (size_t i = 0; i < n; i++) {
        const char *via = "cli";
        for (size_t k = 0; k < nreg; k++)
            if (strcmp(regs[k].client_id, rows[i].id) == 0)
                via = regs[k].via;
        print_client(&rows[i], 0, via);
    }
    free(regs);
    free(rows);
    return GH_EXIT_OK;
}

static int do_show(struct gh_store *s, const char *id)
{
    struct gh_client *c = calloc(1, sizeof(*c));
    int rc = c ? gh_store_client_get(s, id, c) : GH_ENOMEM;
    struct gh_client_reg *m = rc == 0 ? calloc(1, sizeof(*m)) : NULL;
    if (rc == 0)
        print_client(c, 1, m && gh_store_client_reg_get(s, id, m) == 0 ? m->via : "cli");
    else if (rc == GH_ENOTFOUND)
        gh_cli_err("no client '%s'", id);
    else
        gh_cli_err("cannot read client '%s': %s", id, gh_strerror(rc));
    free(m);
    free(c);
    return rc < 0 ? GH_EXIT_FAIL : GH_EXIT_OK;
}

static int do_remove(struct gh_store *s, const char *id)
{
    int rc = gh_store_client_remove(s, id);
    if (rc == GH_ENOTFOUND)
        gh_cli_err("no client '%s'", id);
    else if (rc < 0)
        gh_cli_err("cannot remove client '%s': %s", id, gh_strerror(rc));
    else
        printf("client %s removed\n", id);
    return rc < 0 ? GH_EXIT_FAIL : GH_EXIT_OK;
}

int gh_cmd_client(struct gh_cli *cli, int argc, char **argv)
{
    int k = argc >= 1 ? gh_cli_sub(subs, argv[0]) : -1;
    if (k < 0) {
        if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
            printf("usage: %s\n", usage);
            return GH_EXIT_OK;
        }
        gh_cli_err(argc < 1 ? "usage: %s" : "unknown client command (usage: %s)", usage);
        return GH_EXIT_USAGE;
    }
    struct client_opts o;
    int rc = gh_cli_opts(usage, &opts, &o, argc - 1, argv + 1);
    if (rc >= 0)
        return rc;
    int status = GH_EXIT_USAGE;
    struct gh_store *s = NULL;
    if (k != 1 && (o.id == NULL || !valid_id(o.id))) {
        gh_cli_err(o.id ? "bad client id '%s'" : "client %s needs --id ID", o.id ? o.id : subs[k]);
        goto out;
    }
    status = GH_EXIT_FAIL;
    if ((s = gh_cli_store(cli, 1)) == NULL)
        goto out;
    switch (k) {
    case 0:
        status = do_add(s, &o);
        break;
    case 1:
        status = do_list(s);
        break;
    case 2:
        status = do_show(s, o.id);
        break;
    case 3:
        status = do_update(s, &o);
        break;
    default:
        status = do_remove(s, o.id);
    }
out:
    gh_store_close(s);
    gh_opts_free(&opts, &o);
    return status;
}

const struct gh_cli_cmd gh_cli_client = {
    .name = "client",
    .fn = gh_cmd_client,
    .summary = "add, list, show, update or remove OAuth clients",
    .usage = usage,
    .subs = subs,
    .opts = &opts,
};
