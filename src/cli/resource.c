/*
 * `gatehouse resource add|list|remove`: the protected resources (RFC 8707)
 * that clients may name with `resource` at /authorize and /token; an
 * access token asked for one carries its URI as `aud`, and --scope limits
 * the scopes such a token may carry.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "proto/proto.h"
#include "proto/resource.h"
#include "core/err.h"

struct res_opts {
    char *uri;
    char *scope;
    char *name;
};

#define O(f) offsetof(struct res_opts, f)
static const struct gh_opt table[] = {
    {"uri", GH_OPT_STR, O(uri), NULL, 0, 0, "the resource's URI (absolute, no fragment)", 0},
    {"scope", GH_OPT_STR, O(scope), "", 0, 0,
     "scopes a token for it may carry (default: any the client has)", 0},
    {"name", GH_OPT_STR, O(name), "", 0, 0, "a name for people", 0},
};
static const struct gh_opt_table opts = {table, GH_ARRAY_LEN(table)};
static const char usage[] = "gatehouse resource add --uri URI [--scope \"a b\"] [--name NAME] | "
                            "resource list | resource remove --uri URI";
static const char *const subs[] = {"add", "list", "remove", NULL};

static int do_add(struct gh_store *s, const struct res_opts *o)
{
    struct gh_resource r;
    memset(&r, 0, sizeof(r));
    if (!gh_resource_uri_valid(o->uri)) {
        gh_cli_err("bad resource URI '%s' (an absolute URI without fragment, RFC 8707 2)", o->uri);
        return GH_EXIT_USAGE;
    }
    if ((o->scope[0] != '\0' && !gh_scope_valid(o->scope)) || strlen(o->scope) >= sizeof(r.scope)) {
        gh_cli_err("bad --scope '%s'", o->scope);
        return GH_EXIT_USAGE;
    }
    if (strlen(o->name) >= sizeof(r.name)) {
        gh_cli_err("--name is too long");
        return GH_EXIT_USAGE;
    }
    snprintf(r.uri, sizeof(r.uri), "%s", o->uri);
    snprintf(r.scope, sizeof(r.scope), "%s", o->scope);
    snprintf(r.name, sizeof(r.name), "%s", o->name);
    r.created_at = gh_now();
    int rc = gh_store_resource_add(s, &r);
    if (rc == GH_EEXIST)
        gh_cli_err("resource '%s' exists", o->uri);
    else if (rc < 0)
        gh_cli_err("cannot add resource '%s': %s", o->uri, gh_strerror(rc));
    else
        printf("resource %s added\n", o->uri);
    return rc < 0 ? GH_EXIT_FAIL : GH_EXIT_OK;
}

static int do_list(struct gh_store *s)
{
    struct gh_resource *rows = NULL;
    size_t n = 0;
    int rc = gh_store_resource_list(s, &rows, &n);
    if (rc < 0) {
        gh_cli_err("cannot list resources: %s", gh_strerror(rc));
        return GH_EXIT_FAIL;
    }
    for (size_t i = 0; i < n; i++)
        printf("%s  scope=\"%s\"  name=\"%s\"\n", rows[i].uri, rows[i].scope, rows[i].name);
    free(rows);
    return GH_EXIT_OK;
}

static int do_remove(struct gh_store *s, const char *uri)
{
    int rc = gh_store_resource_remove(s, uri);
    if (rc == GH_ENOTFOUND)
        gh_cli_err("no resource '%s'", uri);
    else if (rc < 0)
        gh_cli_err("cannot remove resource '%s': %s", uri, gh_strerror(rc));
    else
        printf("resource %s removed\n", uri);
    return rc < 0 ? GH_EXIT_FAIL : GH_EXIT_OK;
}

int gh_cmd_resource(struct gh_cli *cli, int argc, char **argv)
{
    int k = argc >= 1 ? gh_cli_sub(subs, argv[0]) : -1;
    if (k < 0) {
        if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
            printf("usage: %s\n", usage);
            return GH_EXIT_OK;
        }
        gh_cli_err(argc < 1 ? "usage: %s" : "unknown resource command (usage: %s)", usage);
        return GH_EXIT_USAGE;
    }
    struct res_opts o;
    int rc = gh_cli_opts(usage, &opts, &o, argc - 1, argv + 1);
    if (rc >= 0)
        return rc;
    int status = GH_EXIT_USAGE;
    struct gh_store *s = NULL;
    if (k != 1 && o.uri == NULL) {
        gh_cli_err("resource %s needs --uri URI", subs[k]);
        goto out;
    }
    status = GH_EXIT_FAIL;
    if ((s = gh_cli_store(cli, 1)) == NULL)
        goto out;
    status = k == 0 ? do_add(s, &o) : k == 1 ? do_list(s) : do_remove(s, o.uri);
out:
    gh_store_close(s);
    gh_opts_free(&opts, &o);
    return status;
}

const struct gh_cli_cmd gh_cli_resource = {
    .name = "resource",
    .fn = gh_cmd_resource,
    .summary = "add, list or remove protected resources (RFC 8707 resource indicators)",
    .usage = usage,
    .subs = subs,
    .opts = &opts,
};
