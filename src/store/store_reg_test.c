/*
 * Store conformance: dynamic client registration (RFC 7591, RFC 7592),
 * initial access tokens and resource indicators (RFC 8707), on both
 * backends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/store_test.h"

static struct gh_client reg_client(const char *id)
{
    struct gh_client c;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", id);
    snprintf(c.scope, sizeof(c.scope), "openid profile");
    c.is_public = 1;
    c.n_redirect = 1;
    snprintf(c.redirect[0], GH_URI_MAX, "http://127.0.0.1/cb");
    c.created_at = NOW;
    return c;
}

static struct gh_client_reg reg_row(const char *id, int seed)
{
    struct gh_client_reg m;
    memset(&m, 0, sizeof(m));
    snprintf(m.client_id, sizeof(m.client_id), "%s", id);
    snprintf(m.via, sizeof(m.via), "registration");
    gh_stest_hash(seed, m.token_hash);
    snprintf(m.client_name, sizeof(m.client_name), "Tool <%d>", seed);
    snprintf(m.contacts, sizeof(m.contacts), "a@example.com\nb@example.com");
    snprintf(m.grant_types, sizeof(m.grant_types), "authorization_code refresh_token");
    snprintf(m.response_types, sizeof(m.response_types), "code");
    snprintf(m.auth_method, sizeof(m.auth_method), "none");
    m.created_at = NOW;
    return m;
}

STORE_TEST(client_register_lifecycle, 1)
{
    (void)b;
    struct gh_client c = reg_client("dyn-1"), got;
    struct gh_client_reg m = reg_row("dyn-1", 1), mg;
    ASSERT_INT_EQ(s->ops->client_register(s, &c, &m), 0);
    ASSERT_INT_EQ(s->ops->client_register(s, &c, &m), GH_EEXIST);
    ASSERT_INT_EQ(s->ops->client_get(s, "dyn-1", &got), 0);
    ASSERT_STR_EQ(got.redirect[0], "http://127.0.0.1/cb");
    ASSERT_INT_EQ(s->ops->client_reg_get(s, "dyn-1", &mg), 0);
    ASSERT_STR_EQ(mg.via, "registration");
    ASSERT_STR_EQ(mg.client_name, "Tool <1>");
    ASSERT_STR_EQ(mg.contacts, "a@example.com\nb@example.com");
    ASSERT_INT_EQ(memcmp(mg.token_hash, m.token_hash, GH_SHA256_LEN), 0);
    /* a CLI client has no registration row */
    struct gh_client cli = reg_client("cli-1");
    ASSERT_INT_EQ(s->ops->client_add(s, &cli), 0);
    ASSERT_INT_EQ(s->ops->client_reg_get(s, "cli-1", &mg), GH_ENOTFOUND);
    /* PUT replaces both rows, keeping created_at */
    struct gh_client_reg m2 = reg_row("dyn-1", 2);
    m2.created_at = NOW + 50;
    snprintf(c.scope, sizeof(c.scope), "openid");
    ASSERT_INT_EQ(s->ops->client_reregister(s, &c, &m2), 0);
    ASSERT_INT_EQ(s->ops->client_reg_get(s, "dyn-1", &mg), 0);
    ASSERT_STR_EQ(mg.client_name, "Tool <2>");
    ASSERT_INT_EQ((int)(mg.created_at - NOW), 0);
    ASSERT_INT_EQ(s->ops->client_get(s, "dyn-1", &got), 0);
    ASSERT_STR_EQ(got.scope, "openid");
    struct gh_client_reg *rows = NULL;
    size_t n = 0;
    ASSERT_INT_EQ(s->ops->client_reg_list(s, &rows, &n), 0);
    ASSERT_INT_EQ((int)n, 1);
    free(rows);
    struct gh_client gone = reg_client("gone");
    struct gh_client_reg mgone = reg_row("gone", 3);
    ASSERT_INT_EQ(s->ops->client_reregister(s, &gone, &mgone), GH_ENOTFOUND);
}

STORE_TEST(client_remove_revokes_families, 1)
{
    (void)b;
    /* the fixtures' codes belong to client "spa" */
    struct gh_client c = reg_client("spa");
    struct gh_client_reg m = reg_row("spa", 1);
    ASSERT_INT_EQ(s->ops->client_register(s, &c, &m), 0);
    enum gh_redeem_result res;
    ASSERT_INT_EQ(gh_stest_family(s, 5, "alice", "", "fam-r", 50, NOW + 3600, &res), 0);
    int revoked = 1;
    ASSERT_INT_EQ(s->ops->family_revoked(s, "fam-r", &revoked), 0);
    ASSERT_INT_EQ(revoked, 0);
    ASSERT_INT_EQ(s->ops->client_remove(s, "spa"), 0);
    ASSERT_INT_EQ(s->ops->family_revoked(s, "fam-r", &revoked), 0);
    ASSERT_INT_EQ(revoked, 1);
    struct gh_client_reg mg;
    ASSERT_INT_EQ(s->ops->client_reg_get(s, "spa", &mg), GH_ENOTFOUND);
}

STORE_TEST(initial_access_tokens, 1)
{
    (void)b;
    unsigned char h[GH_SHA256_LEN], other[GH_SHA256_LEN], old[GH_SHA256_LEN];
    gh_stest_hash(70, h);
    gh_stest_hash(71, other);
    gh_stest_hash(72, old);
    ASSERT_INT_EQ(s->ops->iat_add(s, h, NOW + 100, 2, NOW), 0);
    ASSERT_INT_EQ(s->ops->iat_add(s, old, NOW + 100, 5, NOW), 0);
    ASSERT_INT_EQ(s->ops->iat_use(s, h, NOW + 1), 0);
    ASSERT_INT_EQ(s->ops->iat_use(s, h, NOW + 2), 0);
    ASSERT_INT_EQ(s->ops->iat_use(s, h, NOW + 3), GH_ENOTFOUND); /* used up */
    ASSERT_INT_EQ(s->ops->iat_use(s, other, NOW + 3), GH_ENOTFOUND);
    ASSERT_INT_EQ(s->ops->iat_use(s, old, NOW + 100), GH_ENOTFOUND); /* expired */
    int deleted = 0;
    ASSERT_INT_EQ(s->ops->purge(s, NOW + 200, 100, &deleted), 0);
    ASSERT_INT_EQ(s->ops->iat_use(s, old, NOW + 50), GH_ENOTFOUND); /* purged */
}

STORE_TEST(resources_and_grants, 1)
{
    (void)b;
    struct gh_resource r, got;
    memset(&r, 0, sizeof(r));
    snprintf(r.uri, sizeof(r.uri), "https://mcp.example.com/mcp");
    snprintf(r.name, sizeof(r.name), "MCP");
    snprintf(r.scope, sizeof(r.scope), "mcp:tools");
    r.created_at = NOW;
    ASSERT_INT_EQ(s->ops->resource_add(s, &r), 0);
    ASSERT_INT_EQ(s->ops->resource_add(s, &r), GH_EEXIST);
    ASSERT_INT_EQ(s->ops->resource_get(s, r.uri, &got), 0);
    ASSERT_STR_EQ(got.scope, "mcp:tools");
    ASSERT_INT_EQ(s->ops->resource_get(s, "https://other", &got), GH_ENOTFOUND);
    struct gh_resource *rows = NULL;
    size_t n = 0;
    ASSERT_INT_EQ(s->ops->resource_list(s, &rows, &n), 0);
    ASSERT_INT_EQ((int)n, 1);
    free(rows);
    /* resources granted with code 8 reach the family it starts */
    unsigned char code[GH_SHA256_LEN];
    gh_stest_hash(8, code);
    char out[GH_SCOPE_MAX];
    ASSERT_INT_EQ(s->ops->grant_resource_put(s, code, r.uri, NOW + 86400), 0);
    ASSERT_INT_EQ(s->ops->grant_resource_of_code(s, code, out, sizeof(out)), 0);
    ASSERT_STR_EQ(out, r.uri);
    enum gh_redeem_result res;
    ASSERT_INT_EQ(gh_stest_family(s, 8, "alice", "", "fam-8", 80, NOW + 3600, &res), 0);
    ASSERT_INT_EQ(s->ops->grant_resource_of_family(s, "fam-8", out, sizeof(out)), 0);
    ASSERT_STR_EQ(out, r.uri);
    ASSERT_INT_EQ(s->ops->grant_resource_of_family(s, "fam-x", out, sizeof(out)), GH_ENOTFOUND);
    ASSERT_STR_EQ(out, "");
    ASSERT_INT_EQ(s->ops->resource_remove(s, r.uri), 0);
    ASSERT_INT_EQ(s->ops->resource_remove(s, r.uri), GH_ENOTFOUND);
}
