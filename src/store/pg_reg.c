/*
 * PostgreSQL store: dynamic client registration (RFC 7591, RFC 7592) —
 * registration rows beside the client rows, initial access tokens — and
 * resource indicators (RFC 8707): registered resources and the resources
 * granted with each authorization code. Tokens arrive as SHA-256 hashes.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/pg_int.h"

/* ---- statements ---- */

static const char SQL_REG_INSERT[] =
    "INSERT INTO client_reg(client_id, via, token_hash, client_name, client_uri, logo_uri, "
    "contacts, grant_types, response_types, auth_method, post_logout_uris, dpop_bound, "
    "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
static const char SQL_REG_UPDATE[] =
    "UPDATE client_reg SET via = $2, token_hash = $3, client_name = $4, client_uri = $5, "
    "logo_uri = $6, contacts = $7, grant_types = $8, response_types = $9, auth_method = $10, "
    "post_logout_uris = $11, dpop_bound = $12 WHERE client_id = $1";
#define REG_COLS                                                                                   \
    "SELECT client_id, via, token_hash, client_name, client_uri, logo_uri, contacts, "             \
    "grant_types, response_types, auth_method, post_logout_uris, dpop_bound, created_at FROM "     \
    "client_reg"
static const char SQL_REG_GET[] = REG_COLS " WHERE client_id = $1";
static const char SQL_REG_LIST[] = REG_COLS " ORDER BY client_id COLLATE \"C\"";
static const char SQL_REG_DELETE[] = "DELETE FROM client_reg WHERE client_id = $1";
static const char SQL_FAMILIES_REVOKE_CLIENT[] =
    "UPDATE family SET revoked_at = EXTRACT(EPOCH FROM now())::bigint WHERE client_id = $1 "
    "AND revoked_at = 0";
static const char SQL_IAT_INSERT[] = "INSERT INTO initial_access_token(hash, expires_at, "
                                     "uses_left, created_at) VALUES ($1, $2, $3, $4)";
static const char SQL_IAT_USE[] =
    "UPDATE initial_access_token SET uses_left = uses_left - 1 WHERE hash = $1 AND "
    "uses_left > 0 AND expires_at > $2";
static const char SQL_RES_INSERT[] =
    "INSERT INTO resource(uri, name, scope, created_at) VALUES ($1, $2, $3, $4)";
#define RES_COLS "SELECT uri, name, scope, created_at FROM resource"
static const char SQL_RES_GET[] = RES_COLS " WHERE uri = $1";
static const char SQL_RES_LIST[] = RES_COLS " ORDER BY uri COLLATE \"C\"";
static const char SQL_RES_DELETE[] = "DELETE FROM resource WHERE uri = $1";
static const char SQL_GRES_INSERT[] =
    "INSERT INTO grant_resource(code_hash, resources, expires_at) VALUES ($1, $2, $3)";
static const char SQL_GRES_CODE[] = "SELECT resources FROM grant_resource WHERE code_hash = $1";
static const char SQL_GRES_FAMILY[] =
    "SELECT g.resources FROM family f JOIN grant_resource g ON g.code_hash = f.code_hash WHERE "
    "f.id = $1";

/* ---- registration rows ---- */

struct reg_job {
    const struct gh_client *c;
    const struct gh_client_reg *m;
    int insert;
};

static int reg_write_fn(struct pgs_conn *c, void *arg)
{
    const struct reg_job *j = arg;
    const struct gh_client_reg *m = j->m;
    int rc = pgs_client_write(c, j->c, j->insert);
    if (rc < 0)
        return rc;
    /* the update leaves created_at alone: its format stops before it */
    rc = pgs_exec(c, j->insert ? SQL_REG_INSERT : SQL_REG_UPDATE,
                  j->insert ? "tthttttttttii" : "tthtttttttti", m->client_id, m->via, m->token_hash,
                  m->client_name, m->client_uri, m->logo_uri, m->contacts, m->grant_types,
                  m->response_types, m->auth_method, m->post_logout_uris, (int64_t)m->dpop_bound,
                  m->created_at);
    if (rc == 0)
        return GH_ENOTFOUND;
    return rc < 0 ? rc : 0;
}

int pgs_client_register(struct gh_store *gs, const struct gh_client *c,
                        const struct gh_client_reg *m)
{
    struct reg_job j = {c, m, 1};
    return pgs_write((struct pgs_store *)gs, reg_write_fn, &j);
}

int pgs_client_reregister(struct gh_store *gs, const struct gh_client *c,
                          const struct gh_client_reg *m)
{
    struct reg_job j = {c, m, 0};
    return pgs_write((struct pgs_store *)gs, reg_write_fn, &j);
}

static void reg_row(const PGresult *r, int row, void *out)
{
    struct gh_client_reg *m = out;
    memset(m, 0, sizeof(*m));
    pgs_text(r, row, 0, m->client_id, sizeof(m->client_id));
    pgs_text(r, row, 1, m->via, sizeof(m->via));
    pgs_hash(r, row, 2, m->token_hash);
    pgs_text(r, row, 3, m->client_name, sizeof(m->client_name));
    pgs_text(r, row, 4, m->client_uri, sizeof(m->client_uri));
    pgs_text(r, row, 5, m->logo_uri, sizeof(m->logo_uri));
    pgs_text(r, row, 6, m->contacts, sizeof(m->contacts));
    pgs_text(r, row, 7, m->grant_types, sizeof(m->grant_types));
    pgs_text(r, row, 8, m->response_types, sizeof(m->response_types));
    pgs_text(r, row, 9, m->auth_method, sizeof(m->auth_method));
    pgs_text(r, row, 10, m->post_logout_uris, sizeof(m->post_logout_uris));
    m->dpop_bound = (int)pgs_int(r, row, 11);
    m->created_at = pgs_int(r, row, 12);
}

/* One row of a read by key (fmt 't' or 'h') into out; GH_ENOTFOUND when
 * there is none. */
static int get_one(struct gh_store *gs, const char *sql, const char *fmt, const void *key,
                   void (*row)(const PGresult *r, int row, void *out), void *out)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, sql, &rc, fmt, key);
    if (r == NULL)
        return rc;
    rc = PQntuples(r) >= 1 ? 0 : GH_ENOTFOUND;
    if (rc == 0)
        row(r, 0, out);
    PQclear(r);
    return rc;
}

int pgs_client_reg_get(struct gh_store *gs, const char *id, struct gh_client_reg *out)
{
    return get_one(gs, SQL_REG_GET, "t", id, reg_row, out);
}

static int list_all(struct gh_store *gs, const char *sql, size_t elem,
                    void (*row)(const PGresult *r, int row, void *out), void **rows, size_t *n)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, sql, &rc, "");
    if (r == NULL)
        return rc;
    size_t len = (size_t)PQntuples(r);
    char *v = calloc(len ? len : 1, elem);
    if (v != NULL)
        for (size_t i = 0; i < len; i++)
            row(r, (int)i, v + i * elem);
    PQclear(r);
    if (v == NULL)
        return GH_ENOMEM;
    *rows = v;
    *n = len;
    return 0;
}

int pgs_client_reg_list(struct gh_store *gs, struct gh_client_reg **rows, size_t *n)
{
    return list_all(gs, SQL_REG_LIST, sizeof(**rows), reg_row, (void **)rows, n);
}

int pgs_client_forget(struct pgs_conn *c, const char *id)
{
    int rc = pgs_exec(c, SQL_REG_DELETE, "t", id);
    if (rc >= 0)
        rc = pgs_exec(c, SQL_FAMILIES_REVOKE_CLIENT, "t", id);
    return rc < 0 ? rc : 0;
}

/* ---- initial access tokens ---- */

struct iat_job {
    const unsigned char *hash;
    int64_t expires_at, uses, now;
};

static int iat_add_fn(struct pgs_conn *c, void *arg)
{
    const struct iat_job *j = arg;
    int rc = pgs_exec(c, SQL_IAT_INSERT, "hiii", j->hash, j->expires_at, j->uses, j->now);
    return rc < 0 ? rc : 0;
}

int pgs_iat_add(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], int64_t expires_at,
                int64_t uses, int64_t now)
{
    struct iat_job j = {hash, expires_at, uses, now};
    return pgs_write((struct pgs_store *)gs, iat_add_fn, &j);
}

static int iat_use_fn(struct pgs_conn *c, void *arg)
{
    const struct iat_job *j = arg;
    int rc = pgs_exec(c, SQL_IAT_USE, "hi", j->hash, j->now);
    return rc < 0 ? rc : rc == 0 ? GH_ENOTFOUND : 0;
}

int pgs_iat_use(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], int64_t now)
{
    struct iat_job j = {hash, 0, 0, now};
    return pgs_write((struct pgs_store *)gs, iat_use_fn, &j);
}

/* ---- resources ---- */

static int res_add_fn(struct pgs_conn *c, void *arg)
{
    const struct gh_resource *r = arg;
    int rc = pgs_exec(c, SQL_RES_INSERT, "ttti", r->uri, r->name, r->scope, r->created_at);
    return rc < 0 ? rc : 0;
}

int pgs_resource_add(struct gh_store *gs, const struct gh_resource *r)
{
    return pgs_write((struct pgs_store *)gs, res_add_fn, (void *)r);
}

static void res_row(const PGresult *res, int row, void *out)
{
    struct gh_resource *r = out;
    memset(r, 0, sizeof(*r));
    pgs_text(res, row, 0, r->uri, sizeof(r->uri));
    pgs_text(res, row, 1, r->name, sizeof(r->name));
    pgs_text(res, row, 2, r->scope, sizeof(r->scope));
    r->created_at = pgs_int(res, row, 3);
}

int pgs_resource_get(struct gh_store *gs, const char *uri, struct gh_resource *out)
{
    return get_one(gs, SQL_RES_GET, "t", uri, res_row, out);
}

int pgs_resource_list(struct gh_store *gs, struct gh_resource **rows, size_t *n)
{
    return list_all(gs, SQL_RES_LIST, sizeof(**rows), res_row, (void **)rows, n);
}

static int res_remove_fn(struct pgs_conn *c, void *arg)
{
    int rc = pgs_exec(c, SQL_RES_DELETE, "t", (const char *)arg);
    return rc < 0 ? rc : rc == 0 ? GH_ENOTFOUND : 0;
}

int pgs_resource_remove(struct gh_store *gs, const char *uri)
{
    return pgs_write((struct pgs_store *)gs, res_remove_fn, (void *)uri);
}

/* ---- resources granted with a code ---- */

struct gres_job {
    const unsigned char *hash;
    const char *resources;
    int64_t expires_at;
};

static int gres_put_fn(struct pgs_conn *c, void *arg)
{
    const struct gres_job *j = arg;
    int rc = pgs_exec(c, SQL_GRES_INSERT, "hti", j->hash, j->resources, j->expires_at);
    return rc < 0 ? rc : 0;
}

int pgs_grant_resource_put(struct gh_store *gs, const unsigned char code_hash[GH_SHA256_LEN],
                           const char *resources, int64_t expires_at)
{
    struct gres_job j = {code_hash, resources, expires_at};
    return pgs_write((struct pgs_store *)gs, gres_put_fn, &j);
}

struct text_out {
    char *p;
    size_t len;
};

static void text_row(const PGresult *r, int row, void *out)
{
    struct text_out *t = out;
    pgs_text(r, row, 0, t->p, t->len);
}

int pgs_grant_resource_of_code(struct gh_store *gs, const unsigned char code_hash[GH_SHA256_LEN],
                               char *out, size_t len)
{
    struct text_out t = {out, len};
    out[0] = '\0';
    return get_one(gs, SQL_GRES_CODE, "h", code_hash, text_row, &t);
}

int pgs_grant_resource_of_family(struct gh_store *gs, const char *family_id, char *out, size_t len)
{
    struct text_out t = {out, len};
    out[0] = '\0';
    return get_one(gs, SQL_GRES_FAMILY, "t", family_id, text_row, &t);
}
