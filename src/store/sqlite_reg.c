/*
 * SQLite store: dynamic client registration (RFC 7591, RFC 7592) —
 * registration rows beside the client rows, initial access tokens — and
 * resource indicators (RFC 8707): registered resources and the resources
 * granted with each authorization code. Tokens arrive as SHA-256 hashes.
 */
#include <string.h>

#include "core/err.h"
#include "store/sqlite_int.h"

/* ---- registration rows ---- */

static const char SQL_REG_INSERT[] =
    "INSERT INTO client_reg(client_id, via, token_hash, client_name, client_uri, logo_uri, "
    "contacts, grant_types, response_types, auth_method, post_logout_uris, dpop_bound, "
    "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
static const char SQL_REG_UPDATE[] =
    "UPDATE client_reg SET via = ?2, token_hash = ?3, client_name = ?4, client_uri = ?5, "
    "logo_uri = ?6, contacts = ?7, grant_types = ?8, response_types = ?9, auth_method = ?10, "
    "post_logout_uris = ?11, dpop_bound = ?12 WHERE client_id = ?1";
#define REG_COLS                                                                                   \
    "SELECT client_id, via, token_hash, client_name, client_uri, logo_uri, contacts, "             \
    "grant_types, response_types, auth_method, post_logout_uris, dpop_bound, created_at FROM "     \
    "client_reg"
static const char SQL_REG_GET[] = REG_COLS " WHERE client_id = ?";
static const char SQL_REG_LIST[] = REG_COLS " ORDER BY client_id";
static const char SQL_REG_DELETE[] = "DELETE FROM client_reg WHERE client_id = ?";
static const char SQL_FAMILIES_REVOKE_CLIENT[] =
    "UPDATE family SET revoked_at = CAST(strftime('%s', 'now') AS INTEGER) WHERE client_id = ? "
    "AND revoked_at = 0";

struct reg_job {
    const struct gh_client *c;
    const struct gh_client_reg *m;
    int insert;
};

static int reg_write_fn(struct sq_conn *c, void *arg)
{
    const struct reg_job *j = arg;
    const struct gh_client_reg *m = j->m;
    int rc = sq_client_write(c, j->c, j->insert);
    if (rc < 0)
        return rc;
    /* the update leaves created_at alone: its format stops before it */
    rc = sq_exec(c, j->insert ? SQL_REG_INSERT : SQL_REG_UPDATE,
                 j->insert ? "tthttttttttii" : "tthtttttttti", m->client_id, m->via, m->token_hash,
                 m->client_name, m->client_uri, m->logo_uri, m->contacts, m->grant_types,
                 m->response_types, m->auth_method, m->post_logout_uris, (int64_t)m->dpop_bound,
                 m->created_at);
    if (rc == 0)
        return GH_ENOTFOUND;
    return rc < 0 ? rc : 0;
}

int sq_client_register(struct gh_store *gs, const struct gh_client *c,
                       const struct gh_client_reg *m)
{
    struct reg_job j = {c, m, 1};
    return sq_write((struct sq_store *)gs, reg_write_fn, &j);
}

int sq_client_reregister(struct gh_store *gs, const struct gh_client *c,
                         const struct gh_client_reg *m)
{
    struct reg_job j = {c, m, 0};
    return sq_write((struct sq_store *)gs, reg_write_fn, &j);
}

static int reg_row(sqlite3_stmt *st, void *out)
{
    struct gh_client_reg *m = out;
    memset(m, 0, sizeof(*m));
    sq_text(st, 0, m->client_id, sizeof(m->client_id));
    sq_text(st, 1, m->via, sizeof(m->via));
    if (sqlite3_column_bytes(st, 2) == GH_SHA256_LEN)
        memcpy(m->token_hash, sqlite3_column_blob(st, 2), GH_SHA256_LEN);
    sq_text(st, 3, m->client_name, sizeof(m->client_name));
    sq_text(st, 4, m->client_uri, sizeof(m->client_uri));
    sq_text(st, 5, m->logo_uri, sizeof(m->logo_uri));
    sq_text(st, 6, m->contacts, sizeof(m->contacts));
    sq_text(st, 7, m->grant_types, sizeof(m->grant_types));
    sq_text(st, 8, m->response_types, sizeof(m->response_types));
    sq_text(st, 9, m->auth_method, sizeof(m->auth_method));
    sq_text(st, 10, m->post_logout_uris, sizeof(m->post_logout_uris));
    m->dpop_bound = sqlite3_column_int(st, 11);
    m->created_at = sqlite3_column_int64(st, 12);
    return 0;
}

/* One row of a read by key into out; GH_ENOTFOUND when there is none. */
static int get_one(struct gh_store *gs, const char *sql, const char *fmt, const void *key,
                   int (*row)(sqlite3_stmt *st, void *out), void *out)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, sql) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, fmt, key);
    int s = sqlite3_step(st);
    int rc = s == SQLITE_ROW ? 0 : s == SQLITE_DONE ? GH_ENOTFOUND : sq_err(s);
    if (rc == 0)
        rc = row(st, out);
    sqlite3_reset(st);
    return rc;
}

int sq_client_reg_get(struct gh_store *gs, const char *id, struct gh_client_reg *out)
{
    return get_one(gs, SQL_REG_GET, "t", id, reg_row, out);
}

static int list_all(struct gh_store *gs, const char *sql, size_t elem,
                    int (*row)(sqlite3_stmt *st, void *out), void **rows, size_t *n)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, sql) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    return sq_collect(st, elem, row, NULL, rows, n);
}

int sq_client_reg_list(struct gh_store *gs, struct gh_client_reg **rows, size_t *n)
{
    return list_all(gs, SQL_REG_LIST, sizeof(**rows), reg_row, (void **)rows, n);
}

int sq_client_forget(struct sq_conn *c, const char *id)
{
    int rc = sq_exec(c, SQL_REG_DELETE, "t", id);
    if (rc >= 0)
        rc = sq_exec(c, SQL_FAMILIES_REVOKE_CLIENT, "t", id);
    return rc < 0 ? rc : 0;
}

/* ---- initial access tokens ---- */

static const char SQL_IAT_INSERT[] = "INSERT INTO initial_access_token(hash, expires_at, "
                                     "uses_left, created_at) VALUES (?, ?, ?, ?)";
static const char SQL_IAT_USE[] =
    "UPDATE initial_access_token SET uses_left = uses_left - 1 WHERE hash = ? AND "
    "uses_left > 0 AND expires_at > ?";

struct iat_job {
    const unsigned char *hash;
    int64_t expires_at, uses, now;
};

static int iat_add_fn(struct sq_conn *c, void *arg)
{
    const struct iat_job *j = arg;
    int rc = sq_exec(c, SQL_IAT_INSERT, "hiii", j->hash, j->expires_at, j->uses, j->now);
    return rc < 0 ? rc : 0;
}

int sq_iat_add(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], int64_t expires_at,
               int64_t uses, int64_t now)
{
    struct iat_job j = {hash, expires_at, uses, now};
    return sq_write((struct sq_store *)gs, iat_add_fn, &j);
}

static int iat_use_fn(struct sq_conn *c, void *arg)
{
    const struct iat_job *j = arg;
    int rc = sq_exec(c, SQL_IAT_USE, "hi", j->hash, j->now);
    return rc < 0 ? rc : rc == 0 ? GH_ENOTFOUND : 0;
}

int sq_iat_use(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], int64_t now)
{
    struct iat_job j = {hash, 0, 0, now};
    return sq_write((struct sq_store *)gs, iat_use_fn, &j);
}

/* ---- resources ---- */

static const char SQL_RES_INSERT[] =
    "INSERT INTO resource(uri, name, scope, created_at) VALUES (?, ?, ?, ?)";
#define RES_COLS "SELECT uri, name, scope, created_at FROM resource"
static const char SQL_RES_GET[] = RES_COLS " WHERE uri = ?";
static const char SQL_RES_LIST[] = RES_COLS " ORDER BY uri";
static const char SQL_RES_DELETE[] = "DELETE FROM resource WHERE uri = ?";

static int res_add_fn(struct sq_conn *c, void *arg)
{
    const struct gh_resource *r = arg;
    int rc = sq_exec(c, SQL_RES_INSERT, "ttti", r->uri, r->name, r->scope, r->created_at);
    return rc < 0 ? rc : 0;
}

int sq_resource_add(struct gh_store *gs, const struct gh_resource *r)
{
    return sq_write((struct sq_store *)gs, res_add_fn, (void *)r);
}

static int res_row(sqlite3_stmt *st, void *out)
{
    struct gh_resource *r = out;
    memset(r, 0, sizeof(*r));
    sq_text(st, 0, r->uri, sizeof(r->uri));
    sq_text(st, 1, r->name, sizeof(r->name));
    sq_text(st, 2, r->scope, sizeof(r->scope));
    r->created_at = sqlite3_column_int64(st, 3);
    return 0;
}

int sq_resource_get(struct gh_store *gs, const char *uri, struct gh_resource *out)
{
    return get_one(gs, SQL_RES_GET, "t", uri, res_row, out);
}

int sq_resource_list(struct gh_store *gs, struct gh_resource **rows, size_t *n)
{
    return list_all(gs, SQL_RES_LIST, sizeof(**rows), res_row, (void **)rows, n);
}

static int res_remove_fn(struct sq_conn *c, void *arg)
{
    int rc = sq_exec(c, SQL_RES_DELETE, "t", (const char *)arg);
    return rc < 0 ? rc : rc == 0 ? GH_ENOTFOUND : 0;
}

int sq_resource_remove(struct gh_store *gs, const char *uri)
{
    return sq_write((struct sq_store *)gs, res_remove_fn, (void *)uri);
}

/* ---- resources granted with a code ---- */

static const char SQL_GRES_INSERT[] =
    "INSERT INTO grant_resource(code_hash, resources, expires_at) VALUES (?, ?, ?)";
static const char SQL_GRES_CODE[] = "SELECT resources FROM grant_resource WHERE code_hash = ?";
static const char SQL_GRES_FAMILY[] =
    "SELECT g.resources FROM family f JOIN grant_resource g ON g.code_hash = f.code_hash WHERE "
    "f.id = ?";

struct gres_job {
    const unsigned char *hash;
    const char *resources;
    int64_t expires_at;
};

static int gres_put_fn(struct sq_conn *c, void *arg)
{
    const struct gres_job *j = arg;
    int rc = sq_exec(c, SQL_GRES_INSERT, "hti", j->hash, j->resources, j->expires_at);
    return rc < 0 ? rc : 0;
}

int sq_grant_resource_put(struct gh_store *gs, const unsigned char code_hash[GH_SHA256_LEN],
                          const char *resources, int64_t expires_at)
{
    struct gres_job j = {code_hash, resources, expires_at};
    return sq_write((struct sq_store *)gs, gres_put_fn, &j);
}

struct text_out {
    char *p;
    size_t len;
};

static int text_row(sqlite3_stmt *st, void *out)
{
    struct text_out *t = out;
    sq_text(st, 0, t->p, t->len);
    return 0;
}

int sq_grant_resource_of_code(struct gh_store *gs, const unsigned char code_hash[GH_SHA256_LEN],
                              char *out, size_t len)
{
    struct text_out t = {out, len};
    out[0] = '\0';
    return get_one(gs, SQL_GRES_CODE, "h", code_hash, text_row, &t);
}

int sq_grant_resource_of_family(struct gh_store *gs, const char *family_id, char *out, size_t len)
{
    struct text_out t = {out, len};
    out[0] = '\0';
    return get_one(gs, SQL_GRES_FAMILY, "t", family_id, text_row, &t);
}
