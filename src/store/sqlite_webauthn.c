/* Passkeys on SQLite (store.h webauthn_*; WebAuthn Level 2): credentials
 * and the single-use challenges of ceremonies under way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/sqlite_int.h"

#define CRED_COLS                                                                                  \
    "cred_id, sub, name, cose_key, alg, sign_count, backup_eligible, backup_state, created_at, "   \
    "last_used_at"
static const char SQL_CRED_ADD[] =
    "INSERT INTO webauthn_credential(" CRED_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)";
static const char SQL_CRED_LIST[] = "SELECT " CRED_COLS " FROM webauthn_credential WHERE sub = ? "
                                    "ORDER BY created_at, cred_id";
static const char SQL_CRED_GET[] =
    "SELECT " CRED_COLS " FROM webauthn_credential WHERE cred_id = ?";
/* WebAuthn 7.2 step 21, in the statement: only a greater counter, or 0
 * after 0, is taken */
static const char SQL_CRED_USE[] =
    "UPDATE webauthn_credential SET sign_count = ?2, backup_state = ?3, last_used_at = ?4 "
    "WHERE cred_id = ?1 AND (sign_count < ?2 OR (sign_count = 0 AND ?2 = 0))";
static const char SQL_CRED_EXISTS[] = "SELECT 1 FROM webauthn_credential WHERE cred_id = ?";
static const char SQL_CRED_RENAME[] =
    "UPDATE webauthn_credential SET name = ?3 WHERE sub = ?1 AND cred_id = ?2";
static const char SQL_CRED_REMOVE[] =
    "DELETE FROM webauthn_credential WHERE sub = ? AND cred_id = ?";
static const char SQL_CRED_REMOVE_USER[] = "DELETE FROM webauthn_credential WHERE sub = ?";
static const char SQL_CHAL_REMOVE_USER[] = "DELETE FROM webauthn_challenge WHERE sub = ?";
static const char SQL_CHAL_PUT[] =
    "INSERT INTO webauthn_challenge(hash, purpose, sub, expires_at) VALUES (?, ?, ?, ?)";
static const char SQL_CHAL_TAKE[] =
    "DELETE FROM webauthn_challenge WHERE hash = ? RETURNING purpose, sub, expires_at";

static int cred_row(sqlite3_stmt *st, void *out)
{
    struct gh_webauthn_cred *c = out;
    int id_len = sqlite3_column_bytes(st, 0), key_len = sqlite3_column_bytes(st, 3);
    if (id_len < 0 || id_len > GH_WEBAUTHN_ID_MAX || key_len < 0 || key_len > GH_WEBAUTHN_KEY_MAX)
        return GH_ESTORE;
    if (id_len > 0)
        memcpy(c->id, sqlite3_column_blob(st, 0), (size_t)id_len);
    c->id_len = (size_t)id_len;
    sq_text(st, 1, c->sub, sizeof(c->sub));
    sq_text(st, 2, c->name, sizeof(c->name));
    if (key_len > 0)
        memcpy(c->key, sqlite3_column_blob(st, 3), (size_t)key_len);
    c->key_len = (size_t)key_len;
    c->alg = (int)sqlite3_column_int64(st, 4);
    c->sign_count = sqlite3_column_int64(st, 5);
    c->backup_eligible = sqlite3_column_int64(st, 6) != 0;
    c->backup_state = sqlite3_column_int64(st, 7) != 0;
    c->created_at = sqlite3_column_int64(st, 8);
    c->last_used_at = sqlite3_column_int64(st, 9);
    return 0;
}

static int cred_add_fn(struct sq_conn *c, void *arg)
{
    const struct gh_webauthn_cred *w = arg;
    int rc = sq_exec(c, SQL_CRED_ADD, "bttbiiiii", w->id, w->id_len, w->sub, w->name, w->key,
                     w->key_len, (int64_t)w->alg, w->sign_count, (int64_t)(w->backup_eligible != 0),
                     (int64_t)(w->backup_state != 0), w->created_at);
    return rc < 0 ? rc : 0;
}

int sq_webauthn_cred_add(struct gh_store *gs, const struct gh_webauthn_cred *c)
{
    if (c->id_len == 0 || c->id_len > GH_WEBAUTHN_ID_MAX || c->key_len == 0 ||
        c->key_len > GH_WEBAUTHN_KEY_MAX)
        return GH_EINVAL;
    return sq_write((struct sq_store *)gs, cred_add_fn, (void *)c);
}

int sq_webauthn_cred_list(struct gh_store *gs, const char *sub, struct gh_webauthn_cred **rows,
                          size_t *n)
{
    *rows = NULL;
    *n = 0;
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_CRED_LIST) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "t", sub);
    return sq_collect(st, sizeof(**rows), cred_row, NULL, (void **)rows, n);
}

int sq_webauthn_cred_get(struct gh_store *gs, const unsigned char *id, size_t id_len,
                         struct gh_webauthn_cred *out)
{
    memset(out, 0, sizeof(*out));
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_CRED_GET) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "b", id, id_len);
    int s = sqlite3_step(st);
    int rc = s == SQLITE_ROW ? cred_row(st, out) : s == SQLITE_DONE ? GH_ENOTFOUND : sq_err(s);
    sqlite3_reset(st);
    return rc;
}

struct use_job {
    const unsigned char *id;
    size_t id_len;
    int64_t count, now;
    int backup_state;
};

static int use_fn(struct sq_conn *c, void *arg)
{
    const struct use_job *j = arg;
    int rc = sq_exec(c, SQL_CRED_USE, "biii", j->id, j->id_len, j->count,
                     (int64_t)(j->backup_state != 0), j->now);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    /* refused: a counter that did not grow, or no such credential */
    sqlite3_stmt *st = sq_prep(c, SQL_CRED_EXISTS);
    if (st == NULL)
        return GH_ESTORE;
    sq_bind(st, "b", j->id, j->id_len);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    return s == SQLITE_ROW ? GH_ECONFLICT : s == SQLITE_DONE ? GH_ENOTFOUND : sq_err(s);
}

int sq_webauthn_cred_use(struct gh_store *gs, const unsigned char *id, size_t id_len,
                         int64_t sign_count, int backup_state, int64_t now)
{
    struct use_job j = {id, id_len, sign_count, now, backup_state};
    return sq_write((struct sq_store *)gs, use_fn, &j);
}

struct cred_job {
    const char *sub;
    const unsigned char *id;
    size_t id_len;
    const char *name; /* NULL: remove */
};

static int cred_fn(struct sq_conn *c, void *arg)
{
    const struct cred_job *j = arg;
    int rc = j->name ? sq_exec(c, SQL_CRED_RENAME, "tbt", j->sub, j->id, j->id_len, j->name)
                     : sq_exec(c, SQL_CRED_REMOVE, "tb", j->sub, j->id, j->id_len);
    return rc == 0 ? GH_ENOTFOUND : rc < 0 ? rc : 0;
}

int sq_webauthn_cred_rename(struct gh_store *gs, const char *sub, const unsigned char *id,
                            size_t id_len, const char *name)
{
    struct cred_job j = {sub, id, id_len, name};
    return sq_write((struct sq_store *)gs, cred_fn, &j);
}

int sq_webauthn_cred_remove(struct gh_store *gs, const char *sub, const unsigned char *id,
                            size_t id_len)
{
    struct cred_job j = {sub, id, id_len, NULL};
    return sq_write((struct sq_store *)gs, cred_fn, &j);
}

int sq_webauthn_forget(struct sq_conn *c, const char *sub)
{
    int rc = sq_exec(c, SQL_CHAL_REMOVE_USER, "t", sub);
    return rc < 0 ? rc : sq_exec(c, SQL_CRED_REMOVE_USER, "t", sub);
}

struct forget_job {
    const char *sub;
    int n;
};

static int forget_fn(struct sq_conn *c, void *arg)
{
    struct forget_job *j = arg;
    int rc = sq_webauthn_forget(c, j->sub);
    j->n = rc < 0 ? 0 : rc;
    return rc < 0 ? rc : 0;
}

int sq_webauthn_cred_remove_user(struct gh_store *gs, const char *sub, int *n)
{
    struct forget_job j = {sub, 0};
    int rc = sq_write((struct sq_store *)gs, forget_fn, &j);
    *n = rc == 0 ? j.n : 0;
    return rc;
}

static int chal_put_fn(struct sq_conn *c, void *arg)
{
    const struct gh_webauthn_challenge *w = arg;
    int rc = sq_exec(c, SQL_CHAL_PUT, "htti", w->hash, w->purpose, w->sub, w->expires_at);
    return rc < 0 ? rc : 0;
}

int sq_webauthn_challenge_put(struct gh_store *gs, const struct gh_webauthn_challenge *c)
{
    return sq_write((struct sq_store *)gs, chal_put_fn, (void *)c);
}

struct take_job {
    const unsigned char *hash;
    int64_t now;
    struct gh_webauthn_challenge *out;
    int found, expired;
};

/* One DELETE ... RETURNING: of two takes of one challenge, only one gets
 * the row. */
static int take_fn(struct sq_conn *c, void *arg)
{
    struct take_job *j = arg;
    struct gh_webauthn_challenge *o = j->out;
    memset(o, 0, sizeof(*o));
    j->found = j->expired = 0;
    sqlite3_stmt *st = sq_prep(c, SQL_CHAL_TAKE);
    if (st == NULL)
        return GH_ESTORE;
    sq_bind(st, "h", j->hash);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        j->found = 1;
        memcpy(o->hash, j->hash, sizeof(o->hash));
        sq_text(st, 0, o->purpose, sizeof(o->purpose));
        sq_text(st, 1, o->sub, sizeof(o->sub));
        o->expires_at = sqlite3_column_int64(st, 2);
        j->expired = o->expires_at < j->now;
        s = sqlite3_step(st);
    }
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sq_err(s);
    /* an expired challenge is gone all the same: the delete commits */
    return j->found ? 0 : GH_ENOTFOUND;
}

int sq_webauthn_challenge_take(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                               int64_t now, struct gh_webauthn_challenge *out)
{
    struct take_job j = {hash, now, out, 0, 0};
    int rc = sq_write((struct sq_store *)gs, take_fn, &j);
    if (rc == 0 && j.expired)
        rc = GH_EEXPIRED;
    if (rc < 0)
        memset(out, 0, sizeof(*out));
    return rc;
}
