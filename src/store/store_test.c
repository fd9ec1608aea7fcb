/*
 * Store conformance suite (docs/internals/store.md), part one: the harness that runs
 * each case on SQLite and on PostgreSQL (store_test.h), the fixtures, and
 * the cases for the schema (and its migrations), settings, keys, clients,
 * users and flow records. Protocol state is in store_grant_test.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "store/store_test.h"
#include "core/asset.h"
#include "core/err.h"

/* ---- backends ---- */

static int sqlite_make(struct backend *b)
{
    b->name = "sqlite";
    snprintf(b->dir, sizeof(b->dir), "/tmp/gh-store-XXXXXX");
    if (mkdtemp(b->dir) == NULL)
        return -1;
    snprintf(b->path, sizeof(b->path), "%s/t.db", b->dir);
    snprintf(b->url, sizeof(b->url), "sqlite:%s", b->path);
    return 0;
}

static void sqlite_drop(struct backend *b)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[160];
    for (size_t i = 0; i < GH_ARRAY_LEN(suffix); i++) {
        snprintf(p, sizeof(p), "%s%s", b->path, suffix[i]);
        unlink(p);
    }
    rmdir(b->dir);
}

/* GH_PG_URL with its database name replaced by name. */
static void pgs_url_for(const char *base, const char *name, char *out, size_t outlen)
{
    const char *p = strstr(base, "://");
    p = p ? p + 3 : base;
    size_t auth = strcspn(p, "/?");
    const char *query = strchr(p, '?');
    snprintf(out, outlen, "%.*s/%s%s", (int)(p + auth - base), base, name, query ? query : "");
}

int gh_stest_pg_admin(const char *sql)
{
    PGconn *db = PQconnectdb(getenv("GH_PG_URL"));
    int ok = PQstatus(db) == CONNECTION_OK;
    if (ok) {
        PGresult *r = PQexec(db, sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        if (!ok)
            fprintf(stderr, "  postgres: %s", PQerrorMessage(db));
        PQclear(r);
    } else {
        fprintf(stderr, "  cannot connect to GH_PG_URL: %s", PQerrorMessage(db));
    }
    PQfinish(db);
    return ok ? 0 : -1;
}

int gh_stest_pg_make(struct backend *b)
{
    static int seq;
    char sql[128];
    b->name = "postgres";
    snprintf(b->dbname, sizeof(b->dbname), "gh_unit_%d_%d", (int)getpid(),
             __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", b->dbname);
    pgs_url_for(getenv("GH_PG_URL"), b->dbname, b->url, sizeof(b->url));
    return gh_stest_pg_admin(sql);
}

void gh_stest_pg_drop(struct backend *b)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", b->dbname);
    gh_stest_pg_admin(sql);
}

/* Runs SQL straight on the backend's database, behind the store's back. */
int gh_stest_raw(const struct backend *b, const char *sql)
{
    int ok;
    if (strcmp(b->name, "sqlite") == 0) {
        sqlite3 *db = NULL;
        ok = sqlite3_open(b->path, &db) == SQLITE_OK &&
             sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
        sqlite3_close(db);
    } else {
        PGconn *db = PQconnectdb(b->url);
        PGresult *r = PQexec(db, sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
        PQfinish(db);
    }
    return ok ? 0 : -1;
}

/* Runs fn on each backend; migrate: create the schema first. */
int gh_stest_have_pg(void)
{
    const char *url = getenv("GH_PG_URL");
    return url != NULL && *url != '\0';
}

void gh_stest_run(store_case_fn fn, int migrate, int *gh_failed_)
{
    int n = gh_stest_have_pg() ? 2 : 1;
    for (int i = 0; i < n; i++) {
        struct backend b;
        memset(&b, 0, sizeof(b));
        int failed = 0;
        if ((i == 0 ? sqlite_make(&b) : gh_stest_pg_make(&b)) < 0) {
            fprintf(stderr, "  cannot create a %s database\n", i == 0 ? "sqlite" : "postgres");
            *gh_failed_ = 1;
            continue;
        }
        struct gh_store *s = NULL;
        char err[600] = "";
        int rc = gh_store_open(b.url, &s, err, sizeof(err));
        int from = 0, to = 0;
        if (rc == 0 && migrate)
            rc = gh_store_migrate(s, &from, &to);
        if (rc < 0) {
            fprintf(stderr, "  %s: open/migrate failed: %s %s\n", b.name, gh_strerror(rc), err);
            failed = 1;
        } else {
            fn(s, &b, &failed);
        }
        gh_store_close(s);
        if (i == 0)
            sqlite_drop(&b);
        else
            gh_stest_pg_drop(&b);
        if (failed) {
            fprintf(stderr, "  (on %s)\n", b.name);
            *gh_failed_ = 1;
        }
    }
}

/* ---- fixtures ---- */

void gh_stest_hash(int seed, unsigned char out[GH_SHA256_LEN])
{
    for (int i = 0; i < GH_SHA256_LEN; i++)
        out[i] = (unsigned char)(seed * 31 + i * 7);
}

struct gh_code gh_stest_code(int seed, const char *sub, const char *flow, int64_t expires_at)
{
    struct gh_code c;
    memset(&c, 0, sizeof(c));
    gh_stest_hash(seed, c.hash);
    snprintf(c.client_id, sizeof(c.client_id), "spa");
    snprintf(c.redirect_uri, sizeof(c.redirect_uri), "https://app.example/cb");
    snprintf(c.challenge, sizeof(c.challenge), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    snprintf(c.sub, sizeof(c.sub), "%s", sub);
    snprintf(c.scope, sizeof(c.scope), "openid api");
    snprintf(c.flow_id, sizeof(c.flow_id), "%s", flow);
    c.auth_time = NOW - 5;
    c.expires_at = expires_at;
    return c;
}

struct gh_redeem gh_stest_redeem_req(const unsigned char code_hash[GH_SHA256_LEN],
                                     const char *family, int rt_seed)
{
    struct gh_redeem r;
    memset(&r, 0, sizeof(r));
    memcpy(r.code_hash, code_hash, GH_SHA256_LEN);
    r.now = NOW;
    r.issue_refresh = 1;
    snprintf(r.family_id, sizeof(r.family_id), "%s", family);
    gh_stest_hash(rt_seed, r.rt_hash);
    r.abs_expires_at = NOW + 86400;
    r.idle_expires_at = NOW + 3600;
    return r;
}

/* Stores a code and redeems it into family `family` with first token of
 * seed rt_seed. 0 or a gh_err; *res the redeem result. */
int gh_stest_user_add(struct gh_store *s, const char *username, const char *pwhash)
{
    struct gh_user u;
    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "%s", username);
    snprintf(u.pwhash, sizeof(u.pwhash), "%s", pwhash);
    return gh_store_user_add(s, &u);
}

int gh_stest_family(struct gh_store *s, int code_seed, const char *sub, const char *flow,
                    const char *family, int rt_seed, int64_t idle_exp, enum gh_redeem_result *res)
{
    struct gh_code c = gh_stest_code(code_seed, sub, flow, NOW + 60);
    int rc = gh_store_code_put(s, &c);
    if (rc < 0)
        return rc;
    struct gh_redeem r = gh_stest_redeem_req(c.hash, family, rt_seed);
    r.idle_expires_at = idle_exp;
    return gh_store_code_redeem(s, &r, res);
}

void gh_stest_wrap(int seed, unsigned char out[GH_RT_WRAP_LEN])
{
    for (int i = 0; i < GH_RT_WRAP_LEN; i++)
        out[i] = (unsigned char)(seed * 17 + i * 3 + 1);
}

struct gh_rotate gh_stest_rotate_req(int old_seed, int new_seed, int64_t now, int64_t grace)
{
    struct gh_rotate r;
    memset(&r, 0, sizeof(r));
    gh_stest_hash(old_seed, r.old_hash);
    gh_stest_hash(new_seed, r.new_hash);
    r.now = now;
    r.idle_expires_at = now + 3600;
    r.grace = grace;
    r.wrapped = grace > 0;
    if (r.wrapped)
        gh_stest_wrap(new_seed, r.wrap);
    return r;
}

int gh_stest_rotate_full(struct gh_store *s, int old_seed, int new_seed, int64_t now, int64_t grace,
                         struct gh_rotated *out)
{
    struct gh_rotate r = gh_stest_rotate_req(old_seed, new_seed, now, grace);
    memset(out, 0, sizeof(*out));
    return gh_store_refresh_rotate(s, &r, out);
}

int gh_stest_rotate(struct gh_store *s, int old_seed, int new_seed, int64_t now, int64_t grace,
                    enum gh_rotate_result *res)
{
    struct gh_rotated out;
    int rc = gh_stest_rotate_full(s, old_seed, new_seed, now, grace, &out);
    *res = out.result;
    return rc;
}

int gh_stest_rt_state(struct gh_store *s, int seed)
{
    unsigned char h[GH_SHA256_LEN];
    struct gh_refresh rt;
    gh_stest_hash(seed, h);
    int rc = gh_store_refresh_get(s, h, &rt);
    return rc < 0 ? rc : rt.state;
}

static struct gh_client client_of(const char *id, int is_public)
{
    struct gh_client c;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", id);
    c.is_public = is_public;
    if (!is_public)
        gh_stest_hash(77, c.secret_hash);
    snprintf(c.scope, sizeof(c.scope), "openid api");
    c.n_redirect = 2;
    snprintf(c.redirect[0], GH_URI_MAX, "https://%s.example/cb", id);
    snprintf(c.redirect[1], GH_URI_MAX, "http://127.0.0.1:8080/cb");
    c.n_origin = 1;
    snprintf(c.origin[0], GH_URI_MAX, "https://%s.example", id);
    c.created_at = NOW;
    return c;
}

/* ---- schema ---- */

STORE_TEST(migrate_idempotent, 0)
{
    (void)b;
    int from = -1, to = -1;
    ASSERT_INT_EQ(gh_store_check_schema(s), GH_ESCHEMA); /* empty: run init */
    ASSERT_INT_EQ(gh_store_migrate(s, &from, &to), 0);
    ASSERT_INT_EQ(from, 0);
    ASSERT_INT_EQ(to, GH_SCHEMA_VERSION);
    ASSERT_INT_EQ(gh_store_check_schema(s), 0);
    ASSERT_INT_EQ(gh_store_migrate(s, &from, &to), 0);
    ASSERT_INT_EQ(from, GH_SCHEMA_VERSION);
    ASSERT_INT_EQ(to, GH_SCHEMA_VERSION);
    ASSERT_INT_EQ(gh_store_check_schema(s), 0);
    int64_t rev = 0;
    ASSERT_INT_EQ(gh_store_revision(s, &rev), 0);
    ASSERT_INT_EQ(rev, 1);
}

/* A version 1 database holding a live grant migrates to the current schema
 * and keeps working: its refresh token rotates, and the grace window now
 * hands back the successor instead of forking the family. */
STORE_TEST(migrate_from_v1, 0)
{
    int sqlite = strcmp(b->name, "sqlite") == 0, from = -1, to = -1;
    const struct gh_asset *v1 = gh_asset_find(gh_schemas, sqlite ? "sqlite_v1.sql" : "pg_v1.sql");
    ASSERT_NOT_NULL(v1);
    ASSERT_INT_EQ(gh_stest_raw(b, (const char *)v1->data), 0);
    unsigned char h[GH_SHA256_LEN];
    char hex[2 * GH_SHA256_LEN + 1], sql[1024];
    gh_stest_hash(10, h);
    gh_hex(h, sizeof(h), hex);
    snprintf(sql, sizeof(sql),
             "%s; INSERT INTO family(id, client_id, sub, scope, flow_id, created_at, "
             "abs_expires_at, last_used_at) VALUES ('fam-1', 'spa', 'alice', 'openid', '', %d, "
             "%d, %d); INSERT INTO refresh_token(hash, family_id, state, created_at, "
             "idle_expires_at) VALUES (%s'%s'%s, 'fam-1', 0, %d, %d)",
             sqlite ? "PRAGMA application_id = 1195919443; PRAGMA user_version = 1"
                    : "INSERT INTO gh_schema(id, app, version) VALUES (1, 'gatehouse', 1)",
             NOW, NOW + 86400, NOW, sqlite ? "X" : "decode(", hex, sqlite ? "" : ", 'hex')", NOW,
             NOW + 3600);
    ASSERT_INT_EQ(gh_stest_raw(b, sql), 0);
    ASSERT_INT_EQ(gh_store_check_schema(s), GH_ESCHEMA);
    ASSERT_INT_EQ(gh_store_migrate(s, &from, &to), 0);
    ASSERT_INT_EQ(from, 1);
    ASSERT_INT_EQ(to, GH_SCHEMA_VERSION);
    ASSERT_INT_EQ(gh_store_check_schema(s), 0);
    enum gh_rotate_result res;
    ASSERT_INT_EQ(gh_stest_rotate(s, 10, 11, NOW + 1, 30, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
    ASSERT_INT_EQ(gh_stest_rotate(s, 10, 12, NOW + 2, 30, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_GRACE);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 12), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_stest_rotate(s, 11, 13, NOW + 3, 30, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
}

/* Clients of a version 6 database keep the grant types they could use:
 * public ones the code and refresh grants, confidential ones
 * client_credentials too. */
STORE_TEST(migrate_client_grant_types, 1)
{
    int sqlite = strcmp(b->name, "sqlite") == 0, from = -1, to = -1;
    struct gh_client pub = client_of("pub", 1), conf = client_of("conf", 0), got;
    ASSERT_INT_EQ(gh_store_client_add(s, &pub), 0);
    ASSERT_INT_EQ(gh_store_client_add(s, &conf), 0);
    /* back to version 6: what version 7 added goes, and what later
     * versions added (8: logout URIs and the back-channel queue, 9: DPoP, 10:
     * registration and resources, 11: one-time codes, 12: sign-in methods, 13:
     * passkeys, 14: the purge's indexes) */
    ASSERT_INT_EQ(
        gh_stest_raw(b,
                     "ALTER TABLE client DROP COLUMN post_logout_uris; "
                     "ALTER TABLE client DROP COLUMN backchannel_logout_uri; "
                     "DROP TABLE bcl_queue; DROP INDEX browser_session_sid; DROP TABLE dpop_jti; "
                     "ALTER TABLE auth_code DROP COLUMN dpop_jkt; "
                     "ALTER TABLE family DROP COLUMN dpop_jkt; "
                     "ALTER TABLE client DROP COLUMN dpop_bound; "
                     "DROP TABLE client_reg; DROP TABLE initial_access_token; "
                     "DROP TABLE resource; DROP TABLE grant_resource; "
                     "DROP TABLE user_mfa; DROP TABLE recovery_code; "
                     "ALTER TABLE browser_session DROP COLUMN amr; "
                     "ALTER TABLE auth_code DROP COLUMN amr; ALTER TABLE family DROP COLUMN amr; "
                     "ALTER TABLE client DROP COLUMN require_mfa; "
                     "DROP TABLE webauthn_credential; DROP TABLE webauthn_challenge; "
                     "DROP INDEX refresh_token_spent; DROP INDEX family_revoked; "
                     "DROP INDEX login_failure_last"),
        0);
    ASSERT_INT_EQ(gh_stest_raw(b, sqlite ? "ALTER TABLE client DROP COLUMN grant_types; "
                                           "DROP INDEX browser_session_expires; "
                                           "DROP INDEX revoked_jti_expires; "
                                           "PRAGMA user_version = 6"
                                         : "ALTER TABLE client DROP COLUMN grant_types; "
                                           "UPDATE gh_schema SET version = 6"),
                  0);
    ASSERT_INT_EQ(gh_store_check_schema(s), GH_ESCHEMA);
    ASSERT_INT_EQ(gh_store_migrate(s, &from, &to), 0);
    ASSERT_INT_EQ(from, 6);
    ASSERT_INT_EQ(to, GH_SCHEMA_VERSION);
    ASSERT_INT_EQ(gh_store_client_get(s, "pub", &got), 0);
    ASSERT_STR_EQ(got.grant_types, "authorization_code refresh_token");
    ASSERT_INT_EQ(gh_store_client_get(s, "conf", &got), 0);
    ASSERT_STR_EQ(got.grant_types, "authorization_code refresh_token client_credentials");
}

STORE_TEST(schema_newer_refused, 1)
{
    int from = 0, to = 0;
    const char *sql = strcmp(b->name, "sqlite") == 0 ? "PRAGMA user_version = 99"
                                                     : "UPDATE gh_schema SET version = 99";
    ASSERT_INT_EQ(gh_stest_raw(b, sql), 0);
    ASSERT_INT_EQ(gh_store_check_schema(s), GH_ESCHEMA);
    ASSERT_INT_EQ(gh_store_migrate(s, &from, &to), GH_ESCHEMA);
    ASSERT_INT_EQ(gh_store_check_schema(s), GH_ESCHEMA);
}

STORE_TEST(foreign_refused, 0)
{
    int from = 0, to = 0;
    ASSERT_INT_EQ(gh_stest_raw(b, "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)"),
                  0);
    ASSERT_INT_EQ(gh_store_check_schema(s), GH_ESCHEMA);
    ASSERT_INT_EQ(gh_store_migrate(s, &from, &to), GH_ESCHEMA);
    struct gh_store *again = NULL;
    char err[600] = "";
    ASSERT_INT_EQ(gh_store_open(b->url, &again, err, sizeof(err)), GH_ESCHEMA);
    ASSERT_TRUE(strstr(err, "not a gatehouse database") != NULL);
    /* untouched: the foreign table is still the only one */
    ASSERT_INT_EQ(gh_stest_raw(b, "SELECT id, total FROM invoices"), 0);
    ASSERT_TRUE(gh_stest_raw(b, "SELECT key FROM setting") < 0);
}

/* ---- settings, keys, clients, users ---- */

STORE_TEST(settings_revision, 1)
{
    (void)b;
    char v[64];
    int64_t r0 = 0, r1 = 0;
    ASSERT_INT_EQ(gh_store_setting_get(s, "issuer", v, sizeof(v)), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_revision(s, &r0), 0);
    ASSERT_INT_EQ(gh_store_setting_set(s, "issuer", "https://as.example"), 0);
    ASSERT_INT_EQ(gh_store_setting_get(s, "issuer", v, sizeof(v)), 0);
    ASSERT_STR_EQ(v, "https://as.example");
    ASSERT_INT_EQ(gh_store_setting_set(s, "issuer", "https://as2.example"), 0);
    ASSERT_INT_EQ(gh_store_setting_get(s, "issuer", v, sizeof(v)), 0);
    ASSERT_STR_EQ(v, "https://as2.example");
    ASSERT_INT_EQ(gh_store_revision(s, &r1), 0);
    ASSERT_INT_EQ(r1, r0 + 2);
    /* truncated to the buffer, NUL-terminated */
    char small[6];
    ASSERT_INT_EQ(gh_store_setting_get(s, "issuer", small, sizeof(small)), 0);
    ASSERT_STR_EQ(small, "https");
}

static struct gh_key_row key_of(const char *kid, int64_t at, int active, int64_t publish_until)
{
    static char pem[] = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE "
                        "KEY-----\n";
    struct gh_key_row k;
    memset(&k, 0, sizeof(k));
    snprintf(k.kid, sizeof(k.kid), "%s", kid);
    snprintf(k.alg, sizeof(k.alg), "ES256");
    k.pem = pem;
    k.created_at = at;
    k.active = active;
    k.publish_until = publish_until;
    return k;
}

STORE_TEST(keys, 1)
{
    (void)b;
    int64_t r0 = 0, r1 = 0;
    ASSERT_INT_EQ(gh_store_revision(s, &r0), 0);
    struct gh_key_row k1 = key_of("k1", NOW, 1, 0), k2 = key_of("k2", NOW + 100, 1, NOW + 900);
    ASSERT_INT_EQ(gh_store_key_add(s, &k1), 0);
    ASSERT_INT_EQ(gh_store_key_add(s, &k1), GH_EEXIST);
    ASSERT_INT_EQ(gh_store_key_add(s, &k2), 0);
    struct gh_key_row *rows = NULL;
    size_t n = 0;
    ASSERT_INT_EQ(gh_store_key_list(s, &rows, &n), 0);
    int ok = n == 2 && strcmp(rows[0].kid, "k1") == 0 && !rows[0].active &&
             rows[0].retired_at == NOW + 100 && rows[0].publish_until == NOW + 900 &&
             strcmp(rows[1].kid, "k2") == 0 && rows[1].active && rows[1].retired_at == 0 &&
             strcmp(rows[1].alg, "ES256") == 0 && strcmp(rows[1].pem, k2.pem) == 0 &&
             rows[1].created_at == NOW + 100;
    gh_key_rows_free(rows, n);
    ASSERT_TRUE(ok);
    ASSERT_INT_EQ(gh_store_key_retire(s, "k2", NOW + 200), GH_ENOTFOUND); /* active */
    ASSERT_INT_EQ(gh_store_key_retire(s, "nope", NOW + 200), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_key_retire(s, "k1", NOW + 300), 0);
    ASSERT_INT_EQ(gh_store_key_list(s, &rows, &n), 0);
    ok = n == 2 && rows[0].publish_until == NOW + 300 && rows[0].retired_at == NOW + 100;
    gh_key_rows_free(rows, n);
    ASSERT_TRUE(ok);
    ASSERT_INT_EQ(gh_store_revision(s, &r1), 0);
    ASSERT_INT_EQ(r1, r0 + 3);
}

STORE_TEST(clients, 1)
{
    (void)b;
    int64_t r0 = 0, r1 = 0;
    ASSERT_INT_EQ(gh_store_revision(s, &r0), 0);
    struct gh_client web = client_of("web", 0), spa = client_of("spa", 1), got;
    spa.trusted = 1;
    snprintf(web.grant_types, sizeof(web.grant_types), "client_credentials");
    ASSERT_INT_EQ(gh_store_client_add(s, &web), 0);
    ASSERT_INT_EQ(gh_store_client_add(s, &spa), 0);
    ASSERT_INT_EQ(gh_store_client_add(s, &spa), GH_EEXIST);
    ASSERT_INT_EQ(gh_store_client_get(s, "nope", &got), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_client_get(s, "web", &got), 0);
    ASSERT_STR_EQ(got.id, "web");
    ASSERT_INT_EQ(got.is_public, 0);
    ASSERT_INT_EQ(got.trusted, 0);
    ASSERT_MEM_EQ(got.secret_hash, web.secret_hash, GH_SHA256_LEN);
    ASSERT_STR_EQ(got.scope, "openid api");
    ASSERT_INT_EQ(got.n_redirect, 2);
    ASSERT_STR_EQ(got.redirect[1], "http://127.0.0.1:8080/cb");
    ASSERT_INT_EQ(got.n_origin, 1);
    ASSERT_STR_EQ(got.origin[0], "https://web.example");
    ASSERT_INT_EQ(got.created_at, NOW);
    ASSERT_STR_EQ(got.grant_types, "client_credentials");
    ASSERT_INT_EQ(gh_store_client_get(s, "spa", &got), 0);
    ASSERT_STR_EQ(got.grant_types, "");
    static const unsigned char zero[GH_SHA256_LEN];
    ASSERT_INT_EQ(got.is_public, 1);
    ASSERT_INT_EQ(got.trusted, 1);
    ASSERT_MEM_EQ(got.secret_hash, zero, GH_SHA256_LEN);

    spa.n_redirect = 3;
    snprintf(spa.redirect[2], GH_URI_MAX, "com.example.app:/cb");
    snprintf(spa.scope, sizeof(spa.scope), "openid");
    spa.n_origin = 0;
    snprintf(spa.grant_types, sizeof(spa.grant_types), "authorization_code refresh_token");
    ASSERT_INT_EQ(gh_store_client_update(s, &spa), 0);
    ASSERT_INT_EQ(gh_store_client_get(s, "spa", &got), 0);
    ASSERT_INT_EQ(got.n_redirect, 3);
    ASSERT_STR_EQ(got.redirect[2], "com.example.app:/cb");
    ASSERT_STR_EQ(got.scope, "openid");
    ASSERT_INT_EQ(got.n_origin, 0);
    ASSERT_STR_EQ(got.grant_types, "authorization_code refresh_token");
    struct gh_client ghost = client_of("ghost", 1);
    ASSERT_INT_EQ(gh_store_client_update(s, &ghost), GH_ENOTFOUND);

    struct gh_client *rows = NULL;
    size_t n = 0;
    ASSERT_INT_EQ(gh_store_client_list(s, &rows, &n), 0);
    int ok = n == 2 && strcmp(rows[0].id, "spa") == 0 && strcmp(rows[1].id, "web") == 0;
    free(rows);
    ASSERT_TRUE(ok);
    ASSERT_INT_EQ(gh_store_client_remove(s, "web"), 0);
    ASSERT_INT_EQ(gh_store_client_remove(s, "web"), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_client_get(s, "web", &got), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_revision(s, &r1), 0);
    ASSERT_INT_EQ(r1, r0 + 4); /* add, add, update, remove */
}

STORE_TEST(users, 1)
{
    (void)b;
    struct gh_user u, v;
    ASSERT_INT_EQ(gh_stest_user_add(s, "bob", "$argon2id$v=19$bob"), 0);
    ASSERT_INT_EQ(gh_stest_user_add(s, "alice", "$argon2id$v=19$alice"), 0);
    ASSERT_INT_EQ(gh_stest_user_add(s, "alice", "$argon2id$v=19$other"), GH_EEXIST);
    ASSERT_INT_EQ(gh_store_user_get(s, "carol", &u), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_user_get(s, "alice", &u), 0);
    ASSERT_STR_EQ(u.username, "alice");
    ASSERT_STR_EQ(u.pwhash, "$argon2id$v=19$alice");
    ASSERT_TRUE(u.created_at > NOW - 86400 * 365);
    ASSERT_INT_EQ(gh_store_user_get(s, "bob", &v), 0);
    ASSERT_TRUE(u.id != v.id);
    ASSERT_INT_EQ(gh_store_user_set_password(s, "alice", "$argon2id$v=19$new"), 0);
    ASSERT_INT_EQ(gh_store_user_set_password(s, "carol", "$argon2id$v=19$new"), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_user_get(s, "alice", &u), 0);
    ASSERT_STR_EQ(u.pwhash, "$argon2id$v=19$new");
    struct gh_user *rows = NULL;
    size_t n = 0;
    ASSERT_INT_EQ(gh_store_user_list(s, &rows, &n), 0);
    int ok = n == 2 && strcmp(rows[0].username, "alice") == 0 && rows[0].pwhash[0] == '\0' &&
             strcmp(rows[1].username, "bob") == 0;
    free(rows);
    ASSERT_TRUE(ok);
    ASSERT_INT_EQ(gh_store_user_remove(s, "bob"), 0);
    ASSERT_INT_EQ(gh_store_user_remove(s, "bob"), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_user_get(s, "bob", &u), GH_ENOTFOUND);
}

/* The parameters of the costliest hash (t x m) for the dummy hash of
 * unknown users; user changes reach servers through the revision. */
STORE_TEST(users_costliest_hash, 1)
{
    (void)b;
    struct gh_argon2_params p;
    int64_t r0, r1;
    ASSERT_INT_EQ(gh_store_user_costliest(s, &p), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_revision(s, &r0), 0);
    ASSERT_INT_EQ(gh_stest_user_add(s, "plain", "$argon2id$v=19$not-parsed"), 0);
    ASSERT_INT_EQ(gh_store_user_costliest(s, &p), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_stest_user_add(s, "a", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"), 0);
    ASSERT_INT_EQ(gh_stest_user_add(s, "b", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"), 0);
    ASSERT_INT_EQ(gh_stest_user_add(s, "c", "$argon2id$v=19$m=131072,t=1,p=1$c2FsdA$aGFzaA"), 0);
    ASSERT_INT_EQ(gh_store_user_costliest(s, &p), 0);
    ASSERT_INT_EQ(p.t_cost, 3);
    ASSERT_INT_EQ(p.m_cost, 65536);
    ASSERT_INT_EQ(p.threads, 4);
    ASSERT_INT_EQ(gh_store_user_set_password(s, "a", "$argon2id$v=19$m=262144,t=2,p=2$c2FsdA$aA"),
                  0);
    ASSERT_INT_EQ(gh_store_user_costliest(s, &p), 0);
    ASSERT_INT_EQ(p.t_cost, 2);
    ASSERT_INT_EQ(p.m_cost, 262144);
    ASSERT_INT_EQ(p.threads, 2);
    ASSERT_INT_EQ(gh_store_user_remove(s, "a"), 0);
    ASSERT_INT_EQ(gh_store_user_costliest(s, &p), 0);
    ASSERT_INT_EQ(p.m_cost, 65536);
    ASSERT_INT_EQ(gh_store_revision(s, &r1), 0);
    ASSERT_INT_EQ(r1, r0 + 6); /* four adds, one passwd, one remove */
}

/* ---- flow recorder ---- */

static struct gh_trace_step step_of(int64_t t, const char *label)
{
    struct gh_trace_step st;
    memset(&st, 0, sizeof(st));
    st.t_us = t;
    st.dur_us = 1500;
    st.from = GH_P_BROWSER;
    st.to = GH_P_AS;
    st.kind = GH_STEP_CALL;
    st.group_kind = GH_GROUP_LOOP;
    st.status = 302;
    snprintf(st.label, sizeof(st.label), "%s", label);
    snprintf(st.note, sizeof(st.note), "note %s", label);
    snprintf(st.group, sizeof(st.group), "refresh");
    snprintf(st.attrs, sizeof(st.attrs), "code=%s st=x", label);
    return st;
}

STORE_TEST(trace, 1)
{
    (void)b;
    struct gh_flow_info f1, f2;
    memset(&f1, 0, sizeof(f1));
    memset(&f2, 0, sizeof(f2));
    snprintf(f1.id, sizeof(f1.id), "flow-1");
    snprintf(f1.client_id, sizeof(f1.client_id), "spa");
    f1.started_us = 1000;
    f2 = f1;
    snprintf(f2.id, sizeof(f2.id), "flow-2");
    f2.started_us = 2000;
    ASSERT_INT_EQ(gh_store_trace_flow_start(s, &f2), 0);
    ASSERT_INT_EQ(gh_store_trace_flow_start(s, &f1), 0);
    ASSERT_INT_EQ(gh_store_trace_flow_start(s, &f1), 0); /* no duplicate */
    struct gh_trace_step st[3] = {step_of(30, "c"), step_of(10, "a"), step_of(20, "b")};
    ASSERT_INT_EQ(gh_store_trace_append(s, "flow-1", st, 3), 0);
    ASSERT_INT_EQ(gh_store_trace_append(s, "flow-none", st, 1), 0); /* dropped */
    ASSERT_INT_EQ(gh_store_trace_flow_update(s, "flow-1", "alice", "tokens issued"), 0);
    ASSERT_INT_EQ(gh_store_trace_flow_update(s, "flow-1", "", NULL), 0); /* keeps both */

    struct gh_flow_info *flows = NULL;
    size_t n = 0;
    ASSERT_INT_EQ(gh_store_trace_flows(s, &flows, &n), 0);
    int ok = n == 2 && strcmp(flows[0].id, "flow-1") == 0 && flows[0].steps == 3 &&
             strcmp(flows[0].sub, "alice") == 0 && strcmp(flows[0].outcome, "tokens issued") == 0 &&
             strcmp(flows[0].client_id, "spa") == 0 && flows[0].started_us == 1000 &&
             strcmp(flows[1].id, "flow-2") == 0 && flows[1].steps == 0;
    free(flows);
    ASSERT_TRUE(ok);

    struct gh_trace_step *rows = NULL;
    ASSERT_INT_EQ(gh_store_trace_steps(s, "flow-1", &rows, &n), 0);
    ok = n == 3 && strcmp(rows[0].label, "a") == 0 && strcmp(rows[2].label, "c") == 0 &&
         rows[0].t_us == 10 && rows[0].dur_us == 1500 && rows[0].from == GH_P_BROWSER &&
         rows[0].to == GH_P_AS && rows[0].kind == GH_STEP_CALL &&
         rows[0].group_kind == GH_GROUP_LOOP && rows[0].status == 302 &&
         strcmp(rows[0].note, "note a") == 0 && strcmp(rows[0].group, "refresh") == 0 &&
         strcmp(rows[0].attrs, "code=a st=x") == 0; /* the flow review's facts */
    free(rows);
    ASSERT_TRUE(ok);

    /* correlation through the code's flow id */
    enum gh_redeem_result rr;
    char flow[40] = "x";
    ASSERT_INT_EQ(gh_stest_family(s, 1, "alice", "flow-1", "fam-1", 10, NOW + 3600, &rr), 0);
    unsigned char h[GH_SHA256_LEN];
    gh_stest_hash(10, h);
    ASSERT_INT_EQ(gh_store_trace_flow_of_refresh(s, h, flow, sizeof(flow)), 0);
    ASSERT_STR_EQ(flow, "flow-1");
    gh_stest_hash(11, h);
    ASSERT_INT_EQ(gh_store_trace_flow_of_refresh(s, h, flow, sizeof(flow)), 0);
    ASSERT_STR_EQ(flow, "");
    ASSERT_INT_EQ(gh_store_trace_flow_of_family(s, "fam-1", flow, sizeof(flow)), 0);
    ASSERT_STR_EQ(flow, "flow-1");
    ASSERT_INT_EQ(gh_store_trace_flow_of_family(s, "fam-x", flow, sizeof(flow)), 0);
    ASSERT_STR_EQ(flow, "");

    /* prune keeps the newest flows, their steps go with them */
    ASSERT_INT_EQ(gh_store_trace_prune(s, 1), 0);
    ASSERT_INT_EQ(gh_store_trace_flows(s, &flows, &n), 0);
    ok = n == 1 && strcmp(flows[0].id, "flow-2") == 0;
    free(flows);
    ASSERT_TRUE(ok);
    ASSERT_INT_EQ(gh_store_trace_steps(s, "flow-1", &rows, &n), 0);
    free(rows);
    ASSERT_INT_EQ(n, 0);
}
