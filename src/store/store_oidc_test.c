/*
 * Store conformance cases for OpenID Connect (see store_test.h): users'
 * profile claims, the nonce and browser session a code carries into its
 * refresh-token family (auth_time, sid), the public sid of browser
 * sessions, and the migration of a version 1 database, whose rows must
 * survive with sensible values in the new columns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/asset.h"
#include "core/crypto.h"
#include "core/err.h"
#include "store/store_test.h"

static struct gh_user user_of(const char *name, const char *email, int verified, const char *full)
{
    struct gh_user u;
    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "%s", name);
    snprintf(u.pwhash, sizeof(u.pwhash), "$argon2id$v=19$%s", name);
    snprintf(u.email, sizeof(u.email), "%s", email);
    u.email_verified = verified;
    snprintf(u.name, sizeof(u.name), "%s", full);
    return u;
}

STORE_TEST(user_claims, 1)
{
    (void)b;
    struct gh_user in = user_of("alice", "alice@example.com", 1, "Alice Liddell"), out;
    snprintf(in.given_name, sizeof(in.given_name), "Alice");
    snprintf(in.family_name, sizeof(in.family_name), "Liddell \xc3\x9f"); /* UTF-8 kept */
    ASSERT_INT_EQ(gh_store_user_add(s, &in), 0);
    ASSERT_INT_EQ(gh_store_user_get(s, "alice", &out), 0);
    ASSERT_STR_EQ(out.email, "alice@example.com");
    ASSERT_INT_EQ(out.email_verified, 1);
    ASSERT_STR_EQ(out.name, "Alice Liddell");
    ASSERT_STR_EQ(out.given_name, "Alice");
    ASSERT_STR_EQ(out.family_name, "Liddell \xc3\x9f");
    ASSERT_STR_EQ(out.pwhash, "$argon2id$v=19$alice");

    /* update changes the claims, never the password */
    struct gh_user up = user_of("alice", "a@example.org", 0, "");
    snprintf(up.pwhash, sizeof(up.pwhash), "must-not-be-written");
    ASSERT_INT_EQ(gh_store_user_update(s, &up), 0);
    ASSERT_INT_EQ(gh_store_user_get(s, "alice", &out), 0);
    ASSERT_STR_EQ(out.email, "a@example.org");
    ASSERT_INT_EQ(out.email_verified, 0);
    ASSERT_STR_EQ(out.name, "");
    ASSERT_STR_EQ(out.given_name, "");
    ASSERT_STR_EQ(out.pwhash, "$argon2id$v=19$alice");
    struct gh_user ghost = user_of("carol", "", 0, "");
    ASSERT_INT_EQ(gh_store_user_update(s, &ghost), GH_ENOTFOUND);

    /* a password change leaves the claims alone */
    ASSERT_INT_EQ(gh_store_user_set_password(s, "alice", "$argon2id$v=19$new"), 0);
    ASSERT_INT_EQ(gh_store_user_get(s, "alice", &out), 0);
    ASSERT_STR_EQ(out.email, "a@example.org");

    /* a user added without claims has none */
    ASSERT_INT_EQ(gh_stest_user_add(s, "bob", "$argon2id$v=19$bob"), 0);
    ASSERT_INT_EQ(gh_store_user_get(s, "bob", &out), 0);
    ASSERT_STR_EQ(out.email, "");
    ASSERT_INT_EQ(out.email_verified, 0);
    ASSERT_STR_EQ(out.name, "");
}

/* The nonce and sid a code carries; its family keeps auth_time and sid. */
STORE_TEST(code_nonce_sid_family, 1)
{
    (void)b;
    struct gh_code c = gh_stest_code(1, "alice", "", NOW + 60), got;
    /* OIDC Core 3.1.2.1: the nonce comes back exactly as sent */
    snprintf(c.nonce, sizeof(c.nonce), "n-0S6_WzA2Mj \"quoted\" \xe2\x9c\x93");
    snprintf(c.sid, sizeof(c.sid), "sid-abc");
    c.auth_time = NOW - 300;
    ASSERT_INT_EQ(gh_store_code_put(s, &c), 0);
    ASSERT_INT_EQ(gh_store_code_get(s, c.hash, &got), 0);
    ASSERT_STR_EQ(got.nonce, c.nonce);
    ASSERT_STR_EQ(got.sid, "sid-abc");
    ASSERT_INT_EQ(got.auth_time, NOW - 300);

    enum gh_redeem_result res;
    struct gh_redeem r = gh_stest_redeem_req(c.hash, "fam-oidc", 20);
    ASSERT_INT_EQ(gh_store_code_redeem(s, &r, &res), 0);
    ASSERT_INT_EQ(res, GH_REDEEM_OK);
    struct gh_refresh t;
    unsigned char h[GH_SHA256_LEN];
    gh_stest_hash(20, h);
    ASSERT_INT_EQ(gh_store_refresh_get(s, h, &t), 0);
    ASSERT_INT_EQ(t.auth_time, NOW - 300);
    ASSERT_STR_EQ(t.sid, "sid-abc");

    /* the successor of a rotation belongs to the same family */
    enum gh_rotate_result rot;
    ASSERT_INT_EQ(gh_stest_rotate(s, 20, 21, NOW + 10, 0, &rot), 0);
    ASSERT_INT_EQ(rot, GH_ROTATE_OK);
    gh_stest_hash(21, h);
    ASSERT_INT_EQ(gh_store_refresh_get(s, h, &t), 0);
    ASSERT_INT_EQ(t.auth_time, NOW - 300);
    ASSERT_STR_EQ(t.sid, "sid-abc");

    /* a code without nonce */
    struct gh_code plain = gh_stest_code(2, "alice", "", NOW + 60);
    ASSERT_INT_EQ(gh_store_code_put(s, &plain), 0);
    ASSERT_INT_EQ(gh_store_code_get(s, plain.hash, &got), 0);
    ASSERT_STR_EQ(got.nonce, "");
}

STORE_TEST(session_sid, 1)
{
    (void)b;
    struct gh_session in, out;
    memset(&in, 0, sizeof(in));
    gh_stest_hash(7, in.hash);
    snprintf(in.sub, sizeof(in.sub), "alice");
    snprintf(in.sid, sizeof(in.sid), "Xq2dJ0bYk3x8l1n5vV9wZA");
    in.created_at = NOW;
    in.expires_at = NOW + 3600;
    ASSERT_INT_EQ(gh_store_session_put(s, &in), 0);
    ASSERT_INT_EQ(gh_store_session_get(s, in.hash, &out), 0);
    ASSERT_STR_EQ(out.sid, "Xq2dJ0bYk3x8l1n5vV9wZA");
    ASSERT_INT_EQ(out.created_at, NOW);
}

/* SQL literal of hash seed: X'..' (SQLite) or '\x..' (PostgreSQL). */
static void hash_literal(const struct backend *b, int seed, char out[80])
{
    unsigned char h[GH_SHA256_LEN];
    char hex[2 * GH_SHA256_LEN + 1];
    gh_stest_hash(seed, h);
    gh_hex(h, sizeof(h), hex);
    snprintf(out, 80, strcmp(b->name, "sqlite") == 0 ? "X'%s'" : "'\\x%s'", hex);
}

/* A version 1 database with a user, a browser session and a family. */
static int make_v1(const struct backend *b)
{
    int sq = strcmp(b->name, "sqlite") == 0;
    const struct gh_asset *v1 = gh_asset_find(gh_schemas, sq ? "sqlite_v1.sql" : "pg_v1.sql");
    if (v1 == NULL || gh_stest_raw(b, (const char *)v1->data) < 0)
        return -1;
    const char *mark = sq ? "PRAGMA application_id = 1195919443; PRAGMA user_version = 1"
                          : "INSERT INTO gh_schema(id, app, version) VALUES (1, 'gatehouse', 1)";
    char sess[80], rt[80], sql[1024];
    hash_literal(b, 30, sess);
    hash_literal(b, 31, rt);
    snprintf(sql, sizeof(sql),
             "%s; INSERT INTO %s(username, pwhash, created_at) VALUES ('alice', 'x', %d);"
             "INSERT INTO browser_session(hash, sub, created_at, expires_at) VALUES (%s, "
             "'alice', %d, %d);"
             "INSERT INTO family(id, client_id, sub, scope, flow_id, created_at, abs_expires_at, "
             "last_used_at) VALUES ('fam-v1', 'spa', 'alice', 'openid', '', %d, %d, %d);"
             "INSERT INTO refresh_token(hash, family_id, state, created_at, idle_expires_at) "
             "VALUES (%s, 'fam-v1', 0, %d, %d)",
             mark, sq ? "user" : "\"user\"", NOW, sess, NOW, NOW + 3600, NOW, NOW + 86400, NOW, rt,
             NOW, NOW + 3600);
    return gh_stest_raw(b, sql);
}

STORE_TEST(migrate_from_v1, 0)
{
    int from = -1, to = -1;
    ASSERT_INT_EQ(make_v1(b), 0);
    ASSERT_INT_EQ(gh_store_check_schema(s), GH_ESCHEMA); /* older: run init */
    ASSERT_INT_EQ(gh_store_migrate(s, &from, &to), 0);
    ASSERT_INT_EQ(from, 1);
    ASSERT_INT_EQ(to, GH_SCHEMA_VERSION);
    ASSERT_INT_EQ(gh_store_check_schema(s), 0);

    struct gh_user u;
    ASSERT_INT_EQ(gh_store_user_get(s, "alice", &u), 0);
    ASSERT_STR_EQ(u.pwhash, "x");
    ASSERT_STR_EQ(u.email, "");
    ASSERT_INT_EQ(u.email_verified, 0);
    struct gh_user up = user_of("alice", "alice@example.com", 1, "Alice");
    ASSERT_INT_EQ(gh_store_user_update(s, &up), 0);

    /* old sessions get a public sid of their own */
    struct gh_session se;
    unsigned char h[GH_SHA256_LEN];
    gh_stest_hash(30, h);
    ASSERT_INT_EQ(gh_store_session_get(s, h, &se), 0);
    ASSERT_STR_EQ(se.sub, "alice");
    ASSERT_INT_EQ((int64_t)strlen(se.sid), 32);

    /* old families: the sign-in time is at most their start */
    struct gh_refresh t;
    gh_stest_hash(31, h);
    ASSERT_INT_EQ(gh_store_refresh_get(s, h, &t), 0);
    ASSERT_STR_EQ(t.family_id, "fam-v1");
    ASSERT_INT_EQ(t.auth_time, NOW);
    ASSERT_INT_EQ((int64_t)strlen(t.sid), 32);
}

/* Remembered consent: per user and client, replaced by a later grant,
 * forgotten with the user or the client. */
STORE_TEST(consent_remembered, 1)
{
    (void)b;
    char scope[GH_SCOPE_MAX];
    struct gh_user alice = user_of("alice", "", 0, ""), bob = user_of("bob", "", 0, "");
    ASSERT_INT_EQ(s->ops->user_add(s, &alice), 0);
    ASSERT_INT_EQ(s->ops->user_add(s, &bob), 0);
    struct gh_client c;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "spa");
    snprintf(c.scope, sizeof(c.scope), "openid api");
    c.is_public = 1;
    ASSERT_INT_EQ(s->ops->client_add(s, &c), 0);
    ASSERT_INT_EQ(s->ops->consent_get(s, "alice", "spa", scope, sizeof(scope)), GH_ENOTFOUND);
    ASSERT_STR_EQ(scope, "");
    ASSERT_INT_EQ(s->ops->consent_put(s, "alice", "spa", "openid", NOW), 0);
    ASSERT_INT_EQ(s->ops->consent_put(s, "bob", "spa", "api", NOW), 0);
    ASSERT_INT_EQ(s->ops->consent_put(s, "alice", "spa", "openid api", NOW + 1), 0);
    ASSERT_INT_EQ(s->ops->consent_get(s, "alice", "spa", scope, sizeof(scope)), 0);
    ASSERT_STR_EQ(scope, "openid api");
    ASSERT_INT_EQ(s->ops->consent_get(s, "alice", "other", scope, sizeof(scope)), GH_ENOTFOUND);
    ASSERT_INT_EQ(s->ops->user_remove(s, "alice"), 0);
    ASSERT_INT_EQ(s->ops->consent_get(s, "alice", "spa", scope, sizeof(scope)), GH_ENOTFOUND);
    ASSERT_INT_EQ(s->ops->consent_get(s, "bob", "spa", scope, sizeof(scope)), 0);
    ASSERT_STR_EQ(scope, "api");
    ASSERT_INT_EQ(s->ops->client_remove(s, "spa"), 0);
    ASSERT_INT_EQ(s->ops->consent_get(s, "bob", "spa", scope, sizeof(scope)), GH_ENOTFOUND);
}
