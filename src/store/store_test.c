/*
 * Store conformance suite (STYLE rule 3): every case runs against a fresh
 * SQLite database in a temporary directory and, when GH_PG_URL names a
 * PostgreSQL server, against a fresh PostgreSQL database created on it for
 * the case and dropped afterwards. The same checks, the same expectations:
 * the two backends are interchangeable behind struct gh_store_ops.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "core/test.h"
#include "store/store.h"
#include "core/err.h"

#define NOW 1700000000

struct backend {
    const char *name; /* "sqlite" or "postgres" */
    char url[600];
    char dir[64];    /* sqlite: the temporary directory */
    char path[128];  /* sqlite: the database file */
    char dbname[64]; /* postgres: the database made for the case */
};

typedef void (*store_case_fn)(struct gh_store *s, struct backend *b, int *gh_failed_);

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
static void pg_url_for(const char *base, const char *name, char *out, size_t outlen)
{
    const char *p = strstr(base, "://");
    p = p ? p + 3 : base;
    size_t auth = strcspn(p, "/?");
    const char *query = strchr(p, '?');
    snprintf(out, outlen, "%.*s/%s%s", (int)(p + auth - base), base, name, query ? query : "");
}

static int pg_admin(const char *sql)
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

static int pg_make(struct backend *b)
{
    static int seq;
    char sql[128];
    b->name = "postgres";
    snprintf(b->dbname, sizeof(b->dbname), "gh_unit_%d_%d", (int)getpid(),
             __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", b->dbname);
    pg_url_for(getenv("GH_PG_URL"), b->dbname, b->url, sizeof(b->url));
    return pg_admin(sql);
}

static void pg_drop(struct backend *b)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", b->dbname);
    pg_admin(sql);
}

/* Runs SQL straight on the backend's database, behind the store's back. */
static int raw_exec(const struct backend *b, const char *sql)
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
static void run_case(store_case_fn fn, int migrate, int *gh_failed_)
{
    int n = getenv("GH_PG_URL") && *getenv("GH_PG_URL") ? 2 : 1;
    for (int i = 0; i < n; i++) {
        struct backend b;
        memset(&b, 0, sizeof(b));
        int failed = 0;
        if ((i == 0 ? sqlite_make(&b) : pg_make(&b)) < 0) {
            fprintf(stderr, "  cannot create a %s database\n", i == 0 ? "sqlite" : "postgres");
            *gh_failed_ = 1;
            continue;
        }
        struct gh_store *s = NULL;
        char err[600] = "";
        int rc = gh_store_open(b.url, &s, err, sizeof(err));
        int from = 0, to = 0;
        if (rc == 0 && migrate)
            rc = s->ops->migrate(s, &from, &to);
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
            pg_drop(&b);
        if (failed) {
            fprintf(stderr, "  (on %s)\n", b.name);
            *gh_failed_ = 1;
        }
    }
}

#define STORE_TEST(name, migrate)                                                                  \
    static void body_##name(struct gh_store *s, struct backend *b, int *gh_failed_);               \
    GH_TEST(store_##name)                                                                          \
    {                                                                                              \
        run_case(body_##name, migrate, gh_failed_);                                                \
    }                                                                                              \
    static void body_##name(struct gh_store *s, struct backend *b, int *gh_failed_)

/* ---- fixtures ---- */

static void hash_of(int seed, unsigned char out[GH_SHA256_LEN])
{
    for (int i = 0; i < GH_SHA256_LEN; i++)
        out[i] = (unsigned char)(seed * 31 + i * 7);
}

static struct gh_code code_of(int seed, const char *sub, const char *flow, int64_t expires_at)
{
    struct gh_code c;
    memset(&c, 0, sizeof(c));
    hash_of(seed, c.hash);
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

/* Stores a code and redeems it into family `family` with first token of
 * seed rt_seed. 0 or a gh_err; *res the redeem result. */
static int start_family(struct gh_store *s, int code_seed, const char *sub, const char *flow,
                        const char *family, int rt_seed, int64_t idle_exp,
                        enum gh_redeem_result *res)
{
    struct gh_code c = code_of(code_seed, sub, flow, NOW + 60);
    int rc = s->ops->code_put(s, &c);
    if (rc < 0)
        return rc;
    struct gh_redeem r;
    memset(&r, 0, sizeof(r));
    memcpy(r.code_hash, c.hash, GH_SHA256_LEN);
    r.now = NOW;
    r.issue_refresh = 1;
    snprintf(r.family_id, sizeof(r.family_id), "%s", family);
    hash_of(rt_seed, r.rt_hash);
    r.abs_expires_at = NOW + 86400;
    r.idle_expires_at = idle_exp;
    return s->ops->code_redeem(s, &r, res);
}

static int rotate(struct gh_store *s, int old_seed, int new_seed, int64_t now, int64_t grace,
                  enum gh_rotate_result *res)
{
    struct gh_rotate r;
    memset(&r, 0, sizeof(r));
    hash_of(old_seed, r.old_hash);
    hash_of(new_seed, r.new_hash);
    r.now = now;
    r.idle_expires_at = now + 3600;
    r.grace = grace;
    return s->ops->refresh_rotate(s, &r, res);
}

static int rt_state(struct gh_store *s, int seed)
{
    unsigned char h[GH_SHA256_LEN];
    struct gh_refresh rt;
    hash_of(seed, h);
    int rc = s->ops->refresh_get(s, h, &rt);
    return rc < 0 ? rc : rt.state;
}

static struct gh_client client_of(const char *id, int is_public)
{
    struct gh_client c;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", id);
    c.is_public = is_public;
    if (!is_public)
        hash_of(77, c.secret_hash);
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
    ASSERT_INT_EQ(s->ops->check_schema(s), GH_ESCHEMA); /* empty: run init */
    ASSERT_INT_EQ(s->ops->migrate(s, &from, &to), 0);
    ASSERT_INT_EQ(from, 0);
    ASSERT_INT_EQ(to, GH_SCHEMA_VERSION);
    ASSERT_INT_EQ(s->ops->check_schema(s), 0);
    ASSERT_INT_EQ(s->ops->migrate(s, &from, &to), 0);
    ASSERT_INT_EQ(from, GH_SCHEMA_VERSION);
    ASSERT_INT_EQ(to, GH_SCHEMA_VERSION);
    ASSERT_INT_EQ(s->ops->check_schema(s), 0);
    int64_t rev = 0;
    ASSERT_INT_EQ(s->ops->revision(s, &rev), 0);
    ASSERT_INT_EQ(rev, 1);
}

STORE_TEST(schema_newer_refused, 1)
{
    int from = 0, to = 0;
    const char *sql = strcmp(b->name, "sqlite") == 0 ? "PRAGMA user_version = 99"
                                                     : "UPDATE gh_schema SET version = 99";
    ASSERT_INT_EQ(raw_exec(b, sql), 0);
    ASSERT_INT_EQ(s->ops->check_schema(s), GH_ESCHEMA);
    ASSERT_INT_EQ(s->ops->migrate(s, &from, &to), GH_ESCHEMA);
    ASSERT_INT_EQ(s->ops->check_schema(s), GH_ESCHEMA);
}

STORE_TEST(foreign_refused, 0)
{
    int from = 0, to = 0;
    ASSERT_INT_EQ(raw_exec(b, "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)"), 0);
    ASSERT_INT_EQ(s->ops->check_schema(s), GH_ESCHEMA);
    ASSERT_INT_EQ(s->ops->migrate(s, &from, &to), GH_ESCHEMA);
    struct gh_store *again = NULL;
    char err[600] = "";
    ASSERT_INT_EQ(gh_store_open(b->url, &again, err, sizeof(err)), GH_ESCHEMA);
    ASSERT_TRUE(strstr(err, "not a gatehouse database") != NULL);
    /* untouched: the foreign table is still the only one */
    ASSERT_INT_EQ(raw_exec(b, "SELECT id, total FROM invoices"), 0);
    ASSERT_TRUE(raw_exec(b, "SELECT key FROM setting") < 0);
}

/* ---- settings, keys, clients, users ---- */

STORE_TEST(settings_revision, 1)
{
    (void)b;
    char v[64];
    int64_t r0 = 0, r1 = 0;
    ASSERT_INT_EQ(s->ops->setting_get(s, "issuer", v, sizeof(v)), GH_ENOTFOUND);
    ASSERT_INT_EQ(s->ops->revision(s, &r0), 0);
    ASSERT_INT_EQ(s->ops->setting_set(s, "issuer", "https://as.example"), 0);
    ASSERT_INT_EQ(s->ops->setting_get(s, "issuer", v, sizeof(v)), 0);
    ASSERT_STR_EQ(v, "https://as.example");
    ASSERT_INT_EQ(s->ops->setting_set(s, "issuer", "https://as2.example"), 0);
    ASSERT_INT_EQ(s->ops->setting_get(s, "issuer", v, sizeof(v)), 0);
    ASSERT_STR_EQ(v, "https://as2.example");
    ASSERT_INT_EQ(s->ops->revision(s, &r1), 0);
    ASSERT_INT_EQ(r1, r0 + 2);
    /* truncated to the buffer, NUL-terminated */
    char small[6];
    ASSERT_INT_EQ(s->ops->setting_get(s, "issuer", small, sizeof(small)), 0);
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
    ASSERT_INT_EQ(s->ops->revision(s, &r0), 0);
    struct gh_key_row k1 = key_of("k1", NOW, 1, 0), k2 = key_of("k2", NOW + 100, 1, NOW + 900);
    ASSERT_INT_EQ(s->ops->key_add(s, &k1), 0);
    ASSERT_INT_EQ(s->ops->key_add(s, &k1), GH_EEXIST);
    ASSERT_INT_EQ(s->ops->key_add(s, &k2), 0);
    struct gh_key_row *rows = NULL;
    size_t n = 0;
    ASSERT_INT_EQ(s->ops->key_list(s, &rows, &n), 0);
    int ok = n == 2 && strcmp(rows[0].kid, "k1") == 0 && !rows[0].active &&
             rows[0].retired_at == NOW + 100 && rows[0].publish_until == NOW + 900 &&
             strcmp(rows[1].kid, "k2") == 0 && rows[1].active && rows[1].retired_at == 0 &&
             strcmp(rows[1].alg, "ES256") == 0 && strcmp(rows[1].pem, k2.pem) == 0 &&
             rows[1].created_at == NOW + 100;
    gh_key_rows_free(rows, n);
    ASSERT_TRUE(ok);
    ASSERT_INT_EQ(s->ops->key_retire(s, "k2", NOW + 200), GH_ENOTFOUND); /* active */
    ASSERT_INT_EQ(s->ops->key_retire(s, "nope", NOW + 200), GH_ENOTFOUND);
    ASSERT_INT_EQ(s->ops->key_retire(s, "k1", NOW + 300), 0);
    ASSERT_INT_EQ(s->ops->key_list(s, &rows, &n), 0);
    ok = n == 2 && rows[0].publish_until == NOW + 300 && rows[0].retired_at == NOW + 100;
    gh_key_rows_free(rows, n);
    ASSERT_TRUE(ok);
    ASSERT_INT_EQ(s->ops->revision(s, &r1), 0);
    ASSERT_INT_EQ(r1, r0 + 3);
}

STORE_TEST(clients, 1)
{
    (void)b;
    int64_t r0 = 0, r1 = 0;
    ASSERT_INT_EQ(s->ops->revision(s, &r0), 0);
    struct gh_client web = client_of("web", 0), spa = client_of("spa", 1), got;
    spa.trusted = 1;
    ASSERT_INT_EQ(s->ops->client_add(s, &web), 0);
    ASSERT_INT_EQ(s->ops->client_add(s, &spa), 0);
    ASSERT_INT_EQ(s->ops->client_add(s, &spa), GH_EEXIST);
    ASSERT_INT_EQ(s->ops->client_get(s, "nope", &got), GH_ENOTFOUND);
    ASSERT_INT_EQ(s->ops->client_get(s, "web", &got), 0);
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
    ASSERT_INT_EQ(s->ops->client_get(s, "spa", &got), 0);
    static const unsigned char zero[GH_SHA256_LEN];
    ASSERT_INT_EQ(got.is_public, 1);
    ASSERT_INT_EQ(got.trusted, 1);
    ASSERT_MEM_EQ(got.secret_hash, zero, GH_SHA256_LEN);

    spa.n_redirect = 3;
    snprintf(spa.redirect[2], GH_URI_MAX, "com.example.app:/cb");
    snprintf(spa.scope, sizeof(spa.scope), "openid");
    spa.n_origin = 0;
    ASSERT_INT_EQ(s->ops->client_update(s, &spa), 0);
    ASSERT_INT_EQ(s->ops->client_get(s, "spa", &got), 0);
    ASSERT_INT_EQ(got.n_redirect, 3);
    ASSERT_STR_EQ(got.redirect[2], "com.example.app:/cb");
    ASSERT_STR_EQ(got.scope, "openid");
    ASSERT_INT_EQ(got.n_origin, 0);
    struct gh_client ghost = client_of("ghost", 1);
    ASSERT_INT_EQ(s->ops->client_update(s, &ghost), GH_ENOTFOUND);

    struct gh_client *rows = NULL;
    size_t n = 0;
    ASSERT_INT_EQ(s->ops->client_list(s, &rows, &n), 0);
    int ok = n == 2 && strcmp(rows[0].id, "spa") == 0 && strcmp(rows[1].id, "web") == 0;
    free(rows);
    ASSERT_TRUE(ok);
    ASSERT_INT_EQ(s->ops->client_remove(s, "web"), 0);
    ASSERT_INT_EQ(s->ops->client_remove(s, "web"), GH_ENOTFOUND);
    ASSERT_INT_EQ(s->ops->client_get(s, "web", &got), GH_ENOTFOUND);
    ASSERT_INT_EQ(s->ops->revision(s, &r1), 0);
    ASSERT_INT_EQ(r1, r0 + 4); /* add, add, update, remove */
}

STORE_TEST(users, 1)
{
    (void)b;
    struct gh_user u, v;
    ASSERT_INT_EQ(s->ops->user_add(s, "bob", "$argon2id$v=19$bob"), 0);
    ASSERT_INT_EQ(s->ops->user_add(s, "alice", "$argon2id$v=19$alice"), 0);
    ASSERT_INT_EQ(s->ops->user_add(s, "alice", "$argon2id$v=19$other"), GH_EEXIST);
    ASSERT_INT_EQ(s->ops->user_get(s, "carol", &u), GH_ENOTFOUND);
    ASSERT_INT_EQ(s->ops->user_get(s, "alice", &u), 0);
    ASSERT_STR_EQ(u.username, "alice");
    ASSERT_STR_EQ(u.pwhash, "$argon2id$v=19$alice");
    ASSERT_TRUE(u.created_at > NOW - 86400 * 365);
    ASSERT_INT_EQ(s->ops->user_get(s, "bob", &v), 0);
    ASSERT_TRUE(u.id != v.id);
    ASSERT_INT_EQ(s->ops->user_set_password(s, "alice", "$argon2id$v=19$new"), 0);
    ASSERT_INT_EQ(s->ops->user_set_password(s, "carol", "$argon2id$v=19$new"), GH_ENOTFOUND);
    ASSERT_INT_EQ(s->ops->user_get(s, "alice", &u), 0);
    ASSERT_STR_EQ(u.pwhash, "$argon2id$v=19$new");
    struct gh_user *rows = NULL;
    size_t n = 0;
    ASSERT_INT_EQ(s->ops->user_list(s, &rows, &n), 0);
    int ok = n == 2 && strcmp(rows[0].username, "alice") == 0 && rows[0].pwhash[0] == '\0' &&
             strcmp(rows[1].username, "bob") == 0;
    free(rows);
    ASSERT_TRUE(ok);
    ASSERT_INT_EQ(s->ops->user_remove(s, "bob"), 0);
    ASSERT_INT_EQ(s->ops->user_remove(s, "bob"), GH_ENOTFOUND);
    ASSERT_INT_EQ(s->ops->user_get(s, "bob", &u), GH_ENOTFOUND);
}

/* ---- codes and refresh tokens ---- */

STORE_TEST(codes, 1)
{
    (void)b;
    struct gh_code c = code_of(1, "alice", "flow-1", NOW + 60), got;
    ASSERT_INT_EQ(s->ops->code_put(s, &c), 0);
    ASSERT_INT_EQ(s->ops->code_put(s, &c), GH_EEXIST);
    ASSERT_INT_EQ(s->ops->code_get(s, c.hash, &got), 0);
    ASSERT_STR_EQ(got.client_id, "spa");
    ASSERT_STR_EQ(got.redirect_uri, c.redirect_uri);
    ASSERT_STR_EQ(got.challenge, c.challenge);
    ASSERT_STR_EQ(got.sub, "alice");
    ASSERT_STR_EQ(got.scope, "openid api");
    ASSERT_STR_EQ(got.flow_id, "flow-1");
    ASSERT_INT_EQ(got.auth_time, NOW - 5);
    ASSERT_INT_EQ(got.expires_at, NOW + 60);
    ASSERT_INT_EQ(got.used_at, 0);

    struct gh_redeem r;
    memset(&r, 0, sizeof(r));
    memcpy(r.code_hash, c.hash, GH_SHA256_LEN);
    r.now = NOW;
    r.issue_refresh = 1;
    snprintf(r.family_id, sizeof(r.family_id), "fam-1");
    hash_of(100, r.rt_hash);
    r.abs_expires_at = NOW + 86400;
    r.idle_expires_at = NOW + 3600;
    enum gh_redeem_result res = GH_REDEEM_INVALID;
    ASSERT_INT_EQ(s->ops->code_redeem(s, &r, &res), 0);
    ASSERT_INT_EQ(res, GH_REDEEM_OK);
    ASSERT_INT_EQ(s->ops->code_get(s, c.hash, &got), 0);
    ASSERT_INT_EQ(got.used_at, NOW);
    struct gh_refresh rt;
    ASSERT_INT_EQ(s->ops->refresh_get(s, r.rt_hash, &rt), 0);
    ASSERT_STR_EQ(rt.family_id, "fam-1");
    ASSERT_INT_EQ(rt.state, GH_RT_ACTIVE);
    ASSERT_STR_EQ(rt.client_id, "spa");
    ASSERT_STR_EQ(rt.sub, "alice");
    ASSERT_STR_EQ(rt.scope, "openid api");
    ASSERT_STR_EQ(rt.flow_id, "flow-1");
    ASSERT_INT_EQ(rt.created_at, NOW);
    ASSERT_INT_EQ(rt.idle_expires_at, NOW + 3600);
    ASSERT_INT_EQ(rt.family_created_at, NOW);
    ASSERT_INT_EQ(rt.abs_expires_at, NOW + 86400);
    ASSERT_INT_EQ(rt.family_revoked_at, 0);
    int revoked = -1;
    ASSERT_INT_EQ(s->ops->family_revoked(s, "fam-1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 0);

    /* RFC 6749 4.1.2: a second use revokes what the code issued */
    r.now = NOW + 1;
    snprintf(r.family_id, sizeof(r.family_id), "fam-1b");
    hash_of(101, r.rt_hash);
    ASSERT_INT_EQ(s->ops->code_redeem(s, &r, &res), 0);
    ASSERT_INT_EQ(res, GH_REDEEM_REPLAYED);
    ASSERT_INT_EQ(s->ops->family_revoked(s, "fam-1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 1);
    ASSERT_INT_EQ(rt_state(s, 100), GH_RT_REVOKED);
    ASSERT_INT_EQ(rt_state(s, 101), GH_ENOTFOUND);

    /* expired, unknown: invalid, nothing changes */
    struct gh_code old = code_of(2, "alice", "", NOW - 1);
    ASSERT_INT_EQ(s->ops->code_put(s, &old), 0);
    memcpy(r.code_hash, old.hash, GH_SHA256_LEN);
    ASSERT_INT_EQ(s->ops->code_redeem(s, &r, &res), 0);
    ASSERT_INT_EQ(res, GH_REDEEM_INVALID);
    ASSERT_INT_EQ(s->ops->code_get(s, old.hash, &got), 0);
    ASSERT_INT_EQ(got.used_at, 0);
    hash_of(3, r.code_hash);
    ASSERT_INT_EQ(s->ops->code_redeem(s, &r, &res), 0);
    ASSERT_INT_EQ(res, GH_REDEEM_INVALID);
    ASSERT_INT_EQ(s->ops->code_get(s, r.code_hash, &got), GH_ENOTFOUND);

    /* without a refresh token: no family */
    struct gh_code plain = code_of(4, "bob", "", NOW + 60);
    ASSERT_INT_EQ(s->ops->code_put(s, &plain), 0);
    memcpy(r.code_hash, plain.hash, GH_SHA256_LEN);
    r.issue_refresh = 0;
    snprintf(r.family_id, sizeof(r.family_id), "fam-4");
    ASSERT_INT_EQ(s->ops->code_redeem(s, &r, &res), 0);
    ASSERT_INT_EQ(res, GH_REDEEM_OK);
    ASSERT_INT_EQ(s->ops->family_revoked(s, "fam-4", &revoked), 0);
    ASSERT_INT_EQ(revoked, 1); /* unknown family */
}

STORE_TEST(refresh_rotation, 1)
{
    (void)b;
    enum gh_redeem_result rr;
    enum gh_rotate_result res = GH_ROTATE_INVALID;
    ASSERT_INT_EQ(start_family(s, 1, "alice", "", "fam-1", 10, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(rr, GH_REDEEM_OK);
    ASSERT_INT_EQ(rotate(s, 10, 11, NOW + 10, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
    struct gh_refresh rt;
    unsigned char h[GH_SHA256_LEN];
    hash_of(10, h);
    ASSERT_INT_EQ(s->ops->refresh_get(s, h, &rt), 0);
    ASSERT_INT_EQ(rt.state, GH_RT_ROTATED);
    ASSERT_INT_EQ(rt.rotated_at, NOW + 10);
    hash_of(11, h);
    ASSERT_INT_EQ(s->ops->refresh_get(s, h, &rt), 0);
    ASSERT_INT_EQ(rt.state, GH_RT_ACTIVE);
    ASSERT_STR_EQ(rt.family_id, "fam-1");
    ASSERT_INT_EQ(rt.created_at, NOW + 10);
    ASSERT_INT_EQ(rt.idle_expires_at, NOW + 10 + 3600);
    ASSERT_INT_EQ(rotate(s, 11, 12, NOW + 20, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);

    /* grace: the just-rotated token again, inside the window */
    ASSERT_INT_EQ(rotate(s, 11, 13, NOW + 25, 10, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_GRACE);
    ASSERT_INT_EQ(rt_state(s, 13), GH_RT_ACTIVE);
    ASSERT_INT_EQ(rt_state(s, 12), GH_RT_ACTIVE);
    int revoked = -1;
    ASSERT_INT_EQ(s->ops->family_revoked(s, "fam-1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 0);

    /* RFC 9700 4.14.2: outside the window it is reuse, the family dies */
    ASSERT_INT_EQ(rotate(s, 11, 14, NOW + 31, 10, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_REUSED);
    ASSERT_INT_EQ(rt_state(s, 14), GH_ENOTFOUND);
    ASSERT_INT_EQ(s->ops->family_revoked(s, "fam-1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 1);
    ASSERT_INT_EQ(rt_state(s, 12), GH_RT_REVOKED);
    ASSERT_INT_EQ(rt_state(s, 13), GH_RT_REVOKED);
    ASSERT_INT_EQ(rotate(s, 12, 15, NOW + 32, 10, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_REVOKED);
    ASSERT_INT_EQ(rotate(s, 99, 16, NOW + 32, 10, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_INVALID);
    ASSERT_INT_EQ(rt_state(s, 16), GH_ENOTFOUND);

    /* grace 0: a second use is reuse at once */
    ASSERT_INT_EQ(start_family(s, 2, "alice", "", "fam-2", 20, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(rotate(s, 20, 21, NOW + 40, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
    ASSERT_INT_EQ(rotate(s, 20, 22, NOW + 40, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_REUSED);
    ASSERT_INT_EQ(rt_state(s, 21), GH_RT_REVOKED);
}

STORE_TEST(family_revoke, 1)
{
    (void)b;
    enum gh_redeem_result rr;
    enum gh_rotate_result res;
    int revoked = -1, n = -1;
    ASSERT_INT_EQ(start_family(s, 1, "alice", "", "fam-a1", 10, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(start_family(s, 2, "alice", "", "fam-a2", 20, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(start_family(s, 3, "bob", "", "fam-b1", 30, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(start_family(s, 4, "alice", "", "fam-a3", 40, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(s->ops->family_revoke(s, "fam-a3", NOW + 1), 0);
    ASSERT_INT_EQ(s->ops->family_revoke(s, "fam-a3", NOW + 2), 0); /* idempotent */
    ASSERT_INT_EQ(s->ops->family_revoke(s, "fam-none", NOW + 2), 0);
    ASSERT_INT_EQ(s->ops->family_revoked(s, "fam-a3", &revoked), 0);
    ASSERT_INT_EQ(revoked, 1);
    ASSERT_INT_EQ(rt_state(s, 40), GH_RT_REVOKED);
    ASSERT_INT_EQ(rotate(s, 40, 41, NOW + 3, 10, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_REVOKED);

    ASSERT_INT_EQ(s->ops->families_revoke_user(s, "alice", NOW + 5, &n), 0);
    ASSERT_INT_EQ(n, 2); /* fam-a3 was revoked already */
    ASSERT_INT_EQ(s->ops->families_revoke_user(s, "alice", NOW + 6, &n), 0);
    ASSERT_INT_EQ(n, 0);
    ASSERT_INT_EQ(s->ops->family_revoked(s, "fam-a1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 1);
    ASSERT_INT_EQ(rt_state(s, 20), GH_RT_REVOKED);
    ASSERT_INT_EQ(s->ops->family_revoked(s, "fam-b1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 0);
    ASSERT_INT_EQ(rotate(s, 30, 31, NOW + 7, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
}

/* ---- jti, sessions, login failures ---- */

STORE_TEST(jti, 1)
{
    (void)b;
    int revoked = -1;
    ASSERT_INT_EQ(s->ops->jti_revoked(s, "jti-1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 0);
    ASSERT_INT_EQ(s->ops->jti_revoke(s, "jti-1", NOW + 300), 0);
    ASSERT_INT_EQ(s->ops->jti_revoke(s, "jti-1", NOW + 300), 0);
    ASSERT_INT_EQ(s->ops->jti_revoked(s, "jti-1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 1);
    ASSERT_INT_EQ(s->ops->jti_revoked(s, "jti-2", &revoked), 0);
    ASSERT_INT_EQ(revoked, 0);
}

STORE_TEST(sessions, 1)
{
    (void)b;
    struct gh_session in, out;
    memset(&in, 0, sizeof(in));
    hash_of(5, in.hash);
    snprintf(in.sub, sizeof(in.sub), "alice");
    in.created_at = NOW;
    in.expires_at = NOW + 3600;
    ASSERT_INT_EQ(s->ops->session_get(s, in.hash, &out), GH_ENOTFOUND);
    ASSERT_INT_EQ(s->ops->session_put(s, &in), 0);
    ASSERT_INT_EQ(s->ops->session_put(s, &in), GH_EEXIST);
    ASSERT_INT_EQ(s->ops->session_get(s, in.hash, &out), 0);
    ASSERT_MEM_EQ(out.hash, in.hash, GH_SHA256_LEN);
    ASSERT_STR_EQ(out.sub, "alice");
    ASSERT_INT_EQ(out.created_at, NOW);
    ASSERT_INT_EQ(out.expires_at, NOW + 3600);
    ASSERT_INT_EQ(s->ops->session_delete(s, in.hash), 0);
    ASSERT_INT_EQ(s->ops->session_delete(s, in.hash), 0);
    ASSERT_INT_EQ(s->ops->session_get(s, in.hash, &out), GH_ENOTFOUND);
}

STORE_TEST(login_fail, 1)
{
    (void)b;
    int count = -1;
    int64_t last = -1;
    ASSERT_INT_EQ(s->ops->login_fail_get(s, "u:alice", &count, &last), 0);
    ASSERT_INT_EQ(count, 0);
    ASSERT_INT_EQ(last, 0);
    ASSERT_INT_EQ(s->ops->login_fail_add(s, "u:alice", NOW, &count), 0);
    ASSERT_INT_EQ(count, 1);
    ASSERT_INT_EQ(s->ops->login_fail_add(s, "u:alice", NOW + 5, &count), 0);
    ASSERT_INT_EQ(count, 2);
    ASSERT_INT_EQ(s->ops->login_fail_add(s, "a:127.0.0.1", NOW + 6, &count), 0);
    ASSERT_INT_EQ(count, 1);
    ASSERT_INT_EQ(s->ops->login_fail_get(s, "u:alice", &count, &last), 0);
    ASSERT_INT_EQ(count, 2);
    ASSERT_INT_EQ(last, NOW + 5);
    ASSERT_INT_EQ(s->ops->login_fail_clear(s, "u:alice"), 0);
    ASSERT_INT_EQ(s->ops->login_fail_get(s, "u:alice", &count, &last), 0);
    ASSERT_INT_EQ(count, 0);
    ASSERT_INT_EQ(s->ops->login_fail_get(s, "a:127.0.0.1", &count, &last), 0);
    ASSERT_INT_EQ(count, 1);
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
    ASSERT_INT_EQ(s->ops->trace_flow_start(s, &f2), 0);
    ASSERT_INT_EQ(s->ops->trace_flow_start(s, &f1), 0);
    ASSERT_INT_EQ(s->ops->trace_flow_start(s, &f1), 0); /* no duplicate */
    struct gh_trace_step st[3] = {step_of(30, "c"), step_of(10, "a"), step_of(20, "b")};
    ASSERT_INT_EQ(s->ops->trace_append(s, "flow-1", st, 3), 0);
    ASSERT_INT_EQ(s->ops->trace_append(s, "flow-none", st, 1), 0); /* dropped */
    ASSERT_INT_EQ(s->ops->trace_flow_update(s, "flow-1", "alice", "tokens issued"), 0);
    ASSERT_INT_EQ(s->ops->trace_flow_update(s, "flow-1", "", NULL), 0); /* keeps both */

    struct gh_flow_info *flows = NULL;
    size_t n = 0;
    ASSERT_INT_EQ(s->ops->trace_flows(s, &flows, &n), 0);
    int ok = n == 2 && strcmp(flows[0].id, "flow-1") == 0 && flows[0].steps == 3 &&
             strcmp(flows[0].sub, "alice") == 0 && strcmp(flows[0].outcome, "tokens issued") == 0 &&
             strcmp(flows[0].client_id, "spa") == 0 && flows[0].started_us == 1000 &&
             strcmp(flows[1].id, "flow-2") == 0 && flows[1].steps == 0;
    free(flows);
    ASSERT_TRUE(ok);

    struct gh_trace_step *rows = NULL;
    ASSERT_INT_EQ(s->ops->trace_steps(s, "flow-1", &rows, &n), 0);
    ok = n == 3 && strcmp(rows[0].label, "a") == 0 && strcmp(rows[2].label, "c") == 0 &&
         rows[0].t_us == 10 && rows[0].dur_us == 1500 && rows[0].from == GH_P_BROWSER &&
         rows[0].to == GH_P_AS && rows[0].kind == GH_STEP_CALL &&
         rows[0].group_kind == GH_GROUP_LOOP && rows[0].status == 302 &&
         strcmp(rows[0].note, "note a") == 0 && strcmp(rows[0].group, "refresh") == 0;
    free(rows);
    ASSERT_TRUE(ok);

    /* correlation through the code's flow id */
    enum gh_redeem_result rr;
    char flow[40] = "x";
    ASSERT_INT_EQ(start_family(s, 1, "alice", "flow-1", "fam-1", 10, NOW + 3600, &rr), 0);
    unsigned char h[GH_SHA256_LEN];
    hash_of(10, h);
    ASSERT_INT_EQ(s->ops->trace_flow_of_refresh(s, h, flow, sizeof(flow)), 0);
    ASSERT_STR_EQ(flow, "flow-1");
    hash_of(11, h);
    ASSERT_INT_EQ(s->ops->trace_flow_of_refresh(s, h, flow, sizeof(flow)), 0);
    ASSERT_STR_EQ(flow, "");
    ASSERT_INT_EQ(s->ops->trace_flow_of_family(s, "fam-1", flow, sizeof(flow)), 0);
    ASSERT_STR_EQ(flow, "flow-1");
    ASSERT_INT_EQ(s->ops->trace_flow_of_family(s, "fam-x", flow, sizeof(flow)), 0);
    ASSERT_STR_EQ(flow, "");

    /* prune keeps the newest flows, their steps go with them */
    ASSERT_INT_EQ(s->ops->trace_prune(s, 1), 0);
    ASSERT_INT_EQ(s->ops->trace_flows(s, &flows, &n), 0);
    ok = n == 1 && strcmp(flows[0].id, "flow-2") == 0;
    free(flows);
    ASSERT_TRUE(ok);
    ASSERT_INT_EQ(s->ops->trace_steps(s, "flow-1", &rows, &n), 0);
    free(rows);
    ASSERT_INT_EQ(n, 0);
}

/* ---- purge ---- */

STORE_TEST(purge, 1)
{
    (void)b;
    enum gh_redeem_result rr;
    enum gh_rotate_result res;
    struct gh_code old = code_of(1, "alice", "", NOW - 10), live = code_of(2, "alice", "", NOW + 60);
    ASSERT_INT_EQ(s->ops->code_put(s, &old), 0);
    ASSERT_INT_EQ(s->ops->code_put(s, &live), 0);
    /* a live family whose first token was rotated and idled out */
    ASSERT_INT_EQ(start_family(s, 3, "alice", "", "fam-live", 30, NOW - 5, &rr), 0);
    ASSERT_INT_EQ(rotate(s, 30, 31, NOW - 50, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
    /* a family revoked two days ago */
    ASSERT_INT_EQ(start_family(s, 4, "bob", "", "fam-dead", 40, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(s->ops->family_revoke(s, "fam-dead", NOW - 2 * 86400), 0);
    ASSERT_INT_EQ(s->ops->jti_revoke(s, "jti-old", NOW - 1), 0);
    ASSERT_INT_EQ(s->ops->jti_revoke(s, "jti-new", NOW + 300), 0);
    for (int i = 0; i < 4; i++) {
        struct gh_session se;
        memset(&se, 0, sizeof(se));
        hash_of(50 + i, se.hash);
        snprintf(se.sub, sizeof(se.sub), "alice");
        se.created_at = NOW - 100;
        se.expires_at = i < 3 ? NOW - 1 : NOW + 100;
        ASSERT_INT_EQ(s->ops->session_put(s, &se), 0);
    }
    int count = 0;
    ASSERT_INT_EQ(s->ops->login_fail_add(s, "u:old", NOW - 2 * 86400, &count), 0);
    ASSERT_INT_EQ(s->ops->login_fail_add(s, "u:new", NOW, &count), 0);

    int deleted = -1;
    ASSERT_INT_EQ(s->ops->purge(s, NOW, 2, &deleted), 0);
    /* code 1 + family 1 + token 1 + jti 1 + sessions 2 (batch) + counter 1 */
    ASSERT_INT_EQ(deleted, 7);
    ASSERT_INT_EQ(s->ops->purge(s, NOW, 2, &deleted), 0);
    ASSERT_INT_EQ(deleted, 1);
    ASSERT_INT_EQ(s->ops->purge(s, NOW, 2, &deleted), 0);
    ASSERT_INT_EQ(deleted, 0);
    struct gh_code got;
    ASSERT_INT_EQ(s->ops->code_get(s, old.hash, &got), GH_ENOTFOUND);
    ASSERT_INT_EQ(s->ops->code_get(s, live.hash, &got), 0);
    ASSERT_INT_EQ(rt_state(s, 30), GH_ENOTFOUND);
    ASSERT_INT_EQ(rt_state(s, 31), GH_RT_ACTIVE);
    ASSERT_INT_EQ(rt_state(s, 40), GH_ENOTFOUND); /* with its family */
    int revoked = 0;
    ASSERT_INT_EQ(s->ops->jti_revoked(s, "jti-new", &revoked), 0);
    ASSERT_INT_EQ(revoked, 1);
    ASSERT_INT_EQ(s->ops->jti_revoked(s, "jti-old", &revoked), 0);
    ASSERT_INT_EQ(revoked, 0);
    int64_t last = 0;
    ASSERT_INT_EQ(s->ops->login_fail_get(s, "u:new", &count, &last), 0);
    ASSERT_INT_EQ(count, 1);
    struct gh_session se;
    hash_of(53, se.hash);
    ASSERT_INT_EQ(s->ops->session_get(s, se.hash, &se), 0);
}

/* ---- races ---- */

#define RACERS 16

struct racer {
    struct gh_store *s;
    pthread_barrier_t *go;
    int id, rc, result;
};

static void *rotate_racer(void *arg)
{
    struct racer *r = arg;
    enum gh_rotate_result res = GH_ROTATE_INVALID;
    pthread_barrier_wait(r->go);
    r->rc = rotate(r->s, 10, 1000 + r->id, NOW + 1, 0, &res);
    r->result = (int)res;
    return NULL;
}

static void *redeem_racer(void *arg)
{
    struct racer *r = arg;
    struct gh_redeem d;
    enum gh_redeem_result res = GH_REDEEM_INVALID;
    memset(&d, 0, sizeof(d));
    hash_of(2, d.code_hash);
    d.now = NOW;
    d.issue_refresh = 1;
    snprintf(d.family_id, sizeof(d.family_id), "race-%d", r->id);
    hash_of(2000 + r->id, d.rt_hash);
    d.abs_expires_at = NOW + 86400;
    d.idle_expires_at = NOW + 3600;
    pthread_barrier_wait(r->go);
    r->rc = r->s->ops->code_redeem(r->s, &d, &res);
    r->result = (int)res;
    return NULL;
}

/* Runs RACERS threads of fn at once; the number that got `winner`. */
static int race(struct gh_store *s, void *(*fn)(void *), int winner, int *errors)
{
    pthread_t t[RACERS];
    struct racer r[RACERS];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, RACERS);
    for (int i = 0; i < RACERS; i++) {
        r[i] = (struct racer){s, &go, i, 0, -1};
        pthread_create(&t[i], NULL, fn, &r[i]);
    }
    int won = 0;
    *errors = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(t[i], NULL);
        won += r[i].rc == 0 && r[i].result == winner;
        *errors += r[i].rc != 0;
    }
    pthread_barrier_destroy(&go);
    return won;
}

STORE_TEST(concurrent_rotation, 1)
{
    (void)b;
    enum gh_redeem_result rr;
    int errors = -1;
    ASSERT_INT_EQ(start_family(s, 1, "alice", "", "fam-1", 10, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(race(s, rotate_racer, GH_ROTATE_OK, &errors), 1);
    ASSERT_INT_EQ(errors, 0);
    struct gh_code c = code_of(2, "alice", "", NOW + 60);
    ASSERT_INT_EQ(s->ops->code_put(s, &c), 0);
    ASSERT_INT_EQ(race(s, redeem_racer, GH_REDEEM_OK, &errors), 1);
    ASSERT_INT_EQ(errors, 0);
}

/* ---- PostgreSQL connection handling ---- */

GH_TEST(store_pg_unreachable)
{
    struct gh_store *s = NULL;
    char err[600] = "";
    ASSERT_INT_EQ(gh_store_open("postgres://gh:s3cr3t-pw@127.0.0.1:1/gh", &s, err, sizeof(err)),
                  GH_EUNAVAIL);
    ASSERT_TRUE(strstr(err, "cannot connect to PostgreSQL at 'postgres://gh:***@127.0.0.1:1/gh'") !=
                NULL);
    ASSERT_TRUE(strstr(err, "s3cr3t") == NULL);
    ASSERT_TRUE(strchr(err, '\n') == NULL);
    ASSERT_INT_EQ(gh_store_open("postgresql://127.0.0.1:1/gh?user=gh&password=s3cr3t&sslmode=disable",
                                &s, err, sizeof(err)),
                  GH_EUNAVAIL);
    ASSERT_TRUE(strstr(err, "s3cr3t") == NULL);
    ASSERT_TRUE(strstr(err, "password=***&sslmode=disable") != NULL);
}

static int terminate_backends(const struct backend *b)
{
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'",
             b->dbname);
    int rc = pg_admin(sql);
    usleep(100 * 1000); /* let the backends go */
    return rc;
}

static void pg_reconnect(struct gh_store *s, struct backend *b, int *gh_failed_)
{
    char sql[200];
    char v[32];
    enum gh_redeem_result rr;
    enum gh_rotate_result res;
    ASSERT_INT_EQ(start_family(s, 1, "alice", "", "fam-1", 10, NOW + 3600, &rr), 0);
    /* the server dropped every connection: the pool reconnects unseen */
    ASSERT_INT_EQ(terminate_backends(b), 0);
    ASSERT_INT_EQ(s->ops->setting_get(s, "revision", v, sizeof(v)), 0);
    ASSERT_INT_EQ(terminate_backends(b), 0);
    ASSERT_INT_EQ(rotate(s, 10, 11, NOW + 1, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
    /* the database is unreachable: 503, not a crash, not a hang */
    snprintf(sql, sizeof(sql), "ALTER DATABASE %s ALLOW_CONNECTIONS false", b->dbname);
    ASSERT_INT_EQ(pg_admin(sql), 0);
    ASSERT_INT_EQ(terminate_backends(b), 0);
    ASSERT_INT_EQ(s->ops->setting_get(s, "revision", v, sizeof(v)), GH_EUNAVAIL);
    ASSERT_INT_EQ(rotate(s, 11, 12, NOW + 2, 0, &res), GH_EUNAVAIL);
    ASSERT_INT_EQ(s->ops->check_schema(s), GH_EUNAVAIL);
    /* and back */
    snprintf(sql, sizeof(sql), "ALTER DATABASE %s ALLOW_CONNECTIONS true", b->dbname);
    ASSERT_INT_EQ(pg_admin(sql), 0);
    ASSERT_INT_EQ(rotate(s, 11, 12, NOW + 2, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
    ASSERT_INT_EQ(s->ops->check_schema(s), 0);
}

GH_TEST(store_pg_reconnect)
{
    if (getenv("GH_PG_URL") == NULL || *getenv("GH_PG_URL") == '\0')
        return; /* needs a server */
    struct backend b;
    memset(&b, 0, sizeof(b));
    ASSERT_INT_EQ(pg_make(&b), 0);
    struct gh_store *s = NULL;
    char err[600] = "";
    int from, to, failed = 0;
    int rc = gh_store_open(b.url, &s, err, sizeof(err));
    if (rc == 0)
        rc = s->ops->migrate(s, &from, &to);
    if (rc == 0)
        pg_reconnect(s, &b, &failed);
    gh_store_close(s);
    pg_drop(&b);
    ASSERT_INT_EQ(rc, 0);
    ASSERT_INT_EQ(failed, 0);
}
