/* Passkeys on PostgreSQL (store.h webauthn_*; WebAuthn Level 2):
 * credentials and the single-use challenges of ceremonies under way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/pg_int.h"

#define CRED_COLS                                                                                  \
    "cred_id, sub, name, cose_key, alg, sign_count, backup_eligible, backup_state, created_at, "   \
    "last_used_at"
static const char SQL_CRED_ADD[] =
    "INSERT INTO webauthn_credential(" CRED_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0)";
static const char SQL_CRED_LIST[] = "SELECT " CRED_COLS " FROM webauthn_credential WHERE sub = $1 "
                                    "ORDER BY created_at, cred_id";
static const char SQL_CRED_GET[] =
    "SELECT " CRED_COLS " FROM webauthn_credential WHERE cred_id = $1";
/* WebAuthn 7.2 step 21, in the statement: only a greater counter, or 0
 * after 0, is taken; the row lock makes a second process wait and then
 * see the new counter */
static const char SQL_CRED_USE[] =
    "UPDATE webauthn_credential SET sign_count = $2, backup_state = $3, last_used_at = $4 "
    "WHERE cred_id = $1 AND (sign_count < $2 OR (sign_count = 0 AND $2 = 0))";
static const char SQL_CRED_EXISTS[] = "SELECT 1 FROM webauthn_credential WHERE cred_id = $1";
static const char SQL_CRED_RENAME[] =
    "UPDATE webauthn_credential SET name = $3 WHERE sub = $1 AND cred_id = $2";
static const char SQL_CRED_REMOVE[] =
    "DELETE FROM webauthn_credential WHERE sub = $1 AND cred_id = $2";
static const char SQL_CRED_REMOVE_USER[] = "DELETE FROM webauthn_credential WHERE sub = $1";
static const char SQL_CHAL_REMOVE_USER[] = "DELETE FROM webauthn_challenge WHERE sub = $1";
static const char SQL_CHAL_PUT[] =
    "INSERT INTO webauthn_challenge(hash, purpose, sub, expires_at) VALUES ($1, $2, $3, $4)";
static const char SQL_CHAL_TAKE[] =
    "DELETE FROM webauthn_challenge WHERE hash = $1 RETURNING purpose, sub, expires_at";

static int cred_row(const PGresult *r, int row, struct gh_webauthn_cred *c)
{
    if (pgs_bytes(r, row, 0, c->id, sizeof(c->id), &c->id_len) < 0 ||
        pgs_bytes(r, row, 3, c->key, sizeof(c->key), &c->key_len) < 0)
        return GH_ESTORE;
    pgs_text(r, row, 1, c->sub, sizeof(c->sub));
    pgs_text(r, row, 2, c->name, sizeof(c->name));
    c->alg = (int)pgs_int(r, row, 4);
    c->sign_count = pgs_int(r, row, 5);
    c->backup_eligible = pgs_int(r, row, 6) != 0;
    c->backup_state = pgs_int(r, row, 7) != 0;
    c->created_at = pgs_int(r, row, 8);
    c->last_used_at = pgs_int(r, row, 9);
    return 0;
}

static int cred_add_fn(struct pgs_conn *c, void *arg)
{
    const struct gh_webauthn_cred *w = arg;
    int rc =
        pgs_exec(c, SQL_CRED_ADD, "bttbiiiii", w->id, w->id_len, w->sub, w->name, w->key,
                 w->key_len, (int64_t)w->alg, w->sign_count, (int64_t)(w->backup_eligible != 0),
                 (int64_t)(w->backup_state != 0), w->created_at);
    return rc < 0 ? rc : 0;
}

int pgs_webauthn_cred_add(struct gh_store *gs, const struct gh_webauthn_cred *c)
{
    if (c->id_len == 0 || c->id_len > GH_WEBAUTHN_ID_MAX || c->key_len == 0 ||
        c->key_len > GH_WEBAUTHN_KEY_MAX)
        return GH_EINVAL;
    return pgs_write((struct pgs_store *)gs, cred_add_fn, (void *)c);
}

int pgs_webauthn_cred_list(struct gh_store *gs, const char *sub, struct gh_webauthn_cred **rows,
                           size_t *n)
{
    int rc;
    *rows = NULL;
    *n = 0;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_CRED_LIST, &rc, "t", sub);
    if (r == NULL)
        return rc;
    size_t len = (size_t)PQntuples(r);
    struct gh_webauthn_cred *v = len ? calloc(len, sizeof(*v)) : NULL;
    rc = len && v == NULL ? GH_ENOMEM : 0;
    for (size_t i = 0; rc == 0 && i < len; i++)
        rc = cred_row(r, (int)i, &v[i]);
    PQclear(r);
    if (rc < 0) {
        free(v);
        return rc;
    }
    *rows = v;
    *n = len;
    return 0;
}

int pgs_webauthn_cred_get(struct gh_store *gs, const unsigned char *id, size_t id_len,
                          struct gh_webauthn_cred *out)
{
    int rc;
    memset(out, 0, sizeof(*out));
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_CRED_GET, &rc, "b", id, id_len);
    if (r == NULL)
        return rc;
    rc = PQntuples(r) == 1 ? cred_row(r, 0, out) : GH_ENOTFOUND;
    PQclear(r);
    return rc;
}

struct use_job {
    const unsigned char *id;
    size_t id_len;
    int64_t count, now;
    int backup_state;
};

static int use_fn(struct pgs_conn *c, void *arg)
{
    const struct use_job *j = arg;
    int rc = pgs_exec(c, SQL_CRED_USE, "biii", j->id, j->id_len, j->count,
                      (int64_t)(j->backup_state != 0), j->now);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    /* refused: a counter that did not grow, or no such credential */
    PGresult *r = pgs_run(c, SQL_CRED_EXISTS, &rc, "b", j->id, j->id_len);
    if (r == NULL)
        return rc;
    rc = PQntuples(r) > 0 ? GH_ECONFLICT : GH_ENOTFOUND;
    PQclear(r);
    return rc;
}

int pgs_webauthn_cred_use(struct gh_store *gs, const unsigned char *id, size_t id_len,
                          int64_t sign_count, int backup_state, int64_t now)
{
    struct use_job j = {id, id_len, sign_count, now, backup_state};
    return pgs_write((struct pgs_store *)gs, use_fn, &j);
}

struct cred_job {
    const char *sub;
    const unsigned char *id;
    size_t id_len;
    const char *name; /* NULL: remove */
};

static int cred_fn(struct pgs_conn *c, void *arg)
{
    const struct cred_job *j = arg;
    int rc = j->name ? pgs_exec(c, SQL_CRED_RENAME, "tbt", j->sub, j->id, j->id_len, j->name)
                     : pgs_exec(c, SQL_CRED_REMOVE, "tb", j->sub, j->id, j->id_len);
    return rc == 0 ? GH_ENOTFOUND : rc < 0 ? rc : 0;
}

int pgs_webauthn_cred_rename(struct gh_store *gs, const char *sub, const unsigned char *id,
                             size_t id_len, const char *name)
{
    struct cred_job j = {sub, id, id_len, name};
    return pgs_write((struct pgs_store *)gs, cred_fn, &j);
}

int pgs_webauthn_cred_remove(struct gh_store *gs, const char *sub, const unsigned char *id,
                             size_t id_len)
{
    struct cred_job j = {sub, id, id_len, NULL};
    return pgs_write((struct pgs_store *)gs, cred_fn, &j);
}

int pgs_webauthn_forget(struct pgs_conn *c, const char *sub)
{
    int rc = pgs_exec(c, SQL_CHAL_REMOVE_USER, "t", sub);
    return rc < 0 ? rc : pgs_exec(c, SQL_CRED_REMOVE_USER, "t", sub);
}

struct forget_job {
    const char *sub;
    int n;
};

static int forget_fn(struct pgs_conn *c, void *arg)
{
    struct forget_job *j = arg;
    int rc = pgs_webauthn_forget(c, j->sub);
    j->n = rc < 0 ? 0 : rc;
    return rc < 0 ? rc : 0;
}

int pgs_webauthn_cred_remove_user(struct gh_store *gs, const char *sub, int *n)
{
    struct forget_job j = {sub, 0};
    int rc = pgs_write((struct pgs_store *)gs, forget_fn, &j);
    *n = rc == 0 ? j.n : 0;
    return rc;
}

static int chal_put_fn(struct pgs_conn *c, void *arg)
{
    const struct gh_webauthn_challenge *w = arg;
    int rc = pgs_exec(c, SQL_CHAL_PUT, "htti", w->hash, w->purpose, w->sub, w->expires_at);
    return rc < 0 ? rc : 0;
}

int pgs_webauthn_challenge_put(struct gh_store *gs, const struct gh_webauthn_challenge *c)
{
    return pgs_write((struct pgs_store *)gs, chal_put_fn, (void *)c);
}

struct take_job {
    const unsigned char *hash;
    int64_t now;
    struct gh_webauthn_challenge *out;
    int expired;
};

/* One DELETE ... RETURNING: of two takes of one challenge, only one gets
 * the row (the other waits for its lock, then finds it gone). */
static int take_fn(struct pgs_conn *c, void *arg)
{
    struct take_job *j = arg;
    struct gh_webauthn_challenge *o = j->out;
    int rc;
    memset(o, 0, sizeof(*o));
    j->expired = 0;
    PGresult *r = pgs_run(c, SQL_CHAL_TAKE, &rc, "h", j->hash);
    if (r == NULL)
        return rc;
    rc = PQntuples(r) == 1 ? 0 : GH_ENOTFOUND;
    if (rc == 0) {
        memcpy(o->hash, j->hash, sizeof(o->hash));
        pgs_text(r, 0, 0, o->purpose, sizeof(o->purpose));
        pgs_text(r, 0, 1, o->sub, sizeof(o->sub));
        o->expires_at = pgs_int(r, 0, 2);
        /* an expired challenge is gone all the same: the delete commits */
        j->expired = o->expires_at < j->now;
    }
    PQclear(r);
    return rc;
}

int pgs_webauthn_challenge_take(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                                int64_t now, struct gh_webauthn_challenge *out)
{
    struct take_job j = {hash, now, out, 0};
    int rc = pgs_write((struct pgs_store *)gs, take_fn, &j);
    if (rc == 0 && j.expired)
        rc = GH_EEXPIRED;
    if (rc < 0)
        memset(out, 0, sizeof(*out));
    return rc;
}
