/*
 * SQLite store: protocol state — authorization codes, refresh-token
 * families with rotation and reuse detection, revoked access-token ids,
 * browser sessions, login-failure counters and the purge of expired rows.
 * Every write is a conditional update inside the writer's transaction, so
 * exactly one of two racing requests wins (DESIGN "Writes").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "core/err.h"

/* ---- authorization codes ---- */

static const char SQL_CODE_INSERT[] =
    "INSERT INTO auth_code(hash, client_id, redirect_uri, challenge, sub, scope, flow_id, "
    "auth_time, expires_at, nonce, sid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

static int code_put_fn(struct sq_conn *c, void *arg)
{
    const struct gh_code *k = arg;
    int rc = sq_exec(c, SQL_CODE_INSERT, "httttttiitt", k->hash, k->client_id, k->redirect_uri,
                     k->challenge, k->sub, k->scope, k->flow_id, k->auth_time, k->expires_at,
                     k->nonce, k->sid);
    return rc < 0 ? rc : 0;
}

int sq_code_put(struct gh_store *gs, const struct gh_code *k)
{
    return sq_write((struct sq_store *)gs, code_put_fn, (void *)k);
}

static const char SQL_CODE_GET[] =
    "SELECT client_id, redirect_uri, challenge, sub, scope, flow_id, auth_time, expires_at, "
    "used_at, nonce, sid FROM auth_code WHERE hash = ?";

int sq_code_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], struct gh_code *out)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_CODE_GET) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "h", hash);
    int s = sqlite3_step(st);
    int rc = s == SQLITE_ROW ? 0 : s == SQLITE_DONE ? GH_ENOTFOUND : sq_err(s);
    if (rc == 0) {
        memset(out, 0, sizeof(*out));
        memcpy(out->hash, hash, GH_SHA256_LEN);
        sq_text(st, 0, out->client_id, sizeof(out->client_id));
        sq_text(st, 1, out->redirect_uri, sizeof(out->redirect_uri));
        sq_text(st, 2, out->challenge, sizeof(out->challenge));
        sq_text(st, 3, out->sub, sizeof(out->sub));
        sq_text(st, 4, out->scope, sizeof(out->scope));
        sq_text(st, 5, out->flow_id, sizeof(out->flow_id));
        out->auth_time = sqlite3_column_int64(st, 6);
        out->expires_at = sqlite3_column_int64(st, 7);
        out->used_at = sqlite3_column_int64(st, 8);
        sq_text(st, 9, out->nonce, sizeof(out->nonce));
        sq_text(st, 10, out->sid, sizeof(out->sid));
    }
    sqlite3_reset(st);
    return rc;
}

static const char SQL_CODE_TAKE[] = "UPDATE auth_code SET used_at = ?1 WHERE hash = ?2 AND "
                                    "used_at = 0 AND expires_at > ?1";
static const char SQL_CODE_USED[] = "SELECT used_at FROM auth_code WHERE hash = ?";
static const char SQL_FAMILY_FROM_CODE[] =
    "INSERT INTO family(id, client_id, sub, scope, flow_id, code_hash, created_at, "
    "abs_expires_at, last_used_at, auth_time, sid) SELECT ?1, client_id, sub, scope, flow_id, "
    "hash, ?2, ?3, ?2, auth_time, sid FROM auth_code WHERE hash = ?4";
static const char SQL_RT_INSERT[] = "INSERT INTO refresh_token(hash, family_id, state, "
                                    "created_at, idle_expires_at) VALUES (?, ?, 0, ?, ?)";
static const char SQL_FAMILY_REVOKE_CODE[] =
    "UPDATE family SET revoked_at = ?1 WHERE code_hash = ?2 AND revoked_at = 0";
static const char SQL_RT_REVOKE_CODE[] =
    "UPDATE refresh_token SET state = 2 WHERE family_id IN (SELECT id FROM family WHERE "
    "code_hash = ?) AND state <> 2";

static int redeem_fn(struct sq_conn *c, void *arg)
{
    struct gh_store_call *j = arg;
    const struct gh_redeem *r = j->req;
    enum gh_redeem_result *result = j->out;
    int rc = sq_exec(c, SQL_CODE_TAKE, "ih", r->now, r->code_hash);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        *result = GH_REDEEM_OK;
        if (!r->issue_refresh)
            return 0;
        rc = sq_exec(c, SQL_FAMILY_FROM_CODE, "tiih", r->family_id, r->now, r->abs_expires_at,
                     r->code_hash);
        if (rc >= 0)
            rc = sq_exec(c, SQL_RT_INSERT, "htii", r->rt_hash, r->family_id, r->now,
                         r->idle_expires_at);
        return rc < 0 ? rc : 0;
    }
    /* Not taken: replayed (used before) or invalid (unknown / expired). */
    sqlite3_stmt *st = sq_prep(c, SQL_CODE_USED);
    if (st == NULL)
        return GH_ESTORE;
    sq_bind(st, "h", r->code_hash);
    int s = sqlite3_step(st);
    int64_t used_at = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (used_at == 0) {
        *result = GH_REDEEM_INVALID;
        return 0;
    }
    /* RFC 6749 4.1.2 / RFC 9700 4.5: revoke what the code issued. */
    *result = GH_REDEEM_REPLAYED;
    rc = sq_exec(c, SQL_FAMILY_REVOKE_CODE, "ih", r->now, r->code_hash);
    if (rc >= 0)
        rc = sq_exec(c, SQL_RT_REVOKE_CODE, "h", r->code_hash);
    return rc < 0 ? rc : 0;
}

int sq_code_redeem(struct gh_store *gs, const struct gh_redeem *r, enum gh_redeem_result *out)
{
    struct gh_store_call j = {r, out, NULL, NULL};
    *out = GH_REDEEM_INVALID;
    return sq_write((struct sq_store *)gs, redeem_fn, &j);
}

/* ---- refresh tokens and families ---- */

static const char SQL_RT_GET[] =
    "SELECT t.family_id, t.state, t.created_at, t.rotated_at, t.idle_expires_at, f.client_id, "
    "f.sub, f.scope, f.flow_id, f.created_at, f.abs_expires_at, f.revoked_at, f.auth_time, "
    "f.sid FROM refresh_token t JOIN family f ON f.id = t.family_id WHERE t.hash = ?";

static void refresh_row(sqlite3_stmt *st, struct gh_refresh *out)
{
    sq_text(st, 0, out->family_id, sizeof(out->family_id));
    out->state = sqlite3_column_int(st, 1);
    out->created_at = sqlite3_column_int64(st, 2);
    out->rotated_at = sqlite3_column_int64(st, 3);
    out->idle_expires_at = sqlite3_column_int64(st, 4);
    sq_text(st, 5, out->client_id, sizeof(out->client_id));
    sq_text(st, 6, out->sub, sizeof(out->sub));
    sq_text(st, 7, out->scope, sizeof(out->scope));
    sq_text(st, 8, out->flow_id, sizeof(out->flow_id));
    out->family_created_at = sqlite3_column_int64(st, 9);
    out->abs_expires_at = sqlite3_column_int64(st, 10);
    out->family_revoked_at = sqlite3_column_int64(st, 11);
    out->auth_time = sqlite3_column_int64(st, 12);
    sq_text(st, 13, out->sid, sizeof(out->sid));
}

int sq_refresh_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                   struct gh_refresh *out)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_RT_GET) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "h", hash);
    int s = sqlite3_step(st);
    int rc = s == SQLITE_ROW ? 0 : s == SQLITE_DONE ? GH_ENOTFOUND : sq_err(s);
    if (rc == 0) {
        memset(out, 0, sizeof(*out));
        memcpy(out->hash, hash, GH_SHA256_LEN);
        refresh_row(st, out);
    }
    sqlite3_reset(st);
    return rc;
}

/* Revoking a family also marks each of its tokens revoked (state 2), so
 * state = 0 alone says the token and its family are live. */
static const char SQL_RT_ROTATE[] = "UPDATE refresh_token SET state = 1, rotated_at = ?1 WHERE "
                                    "hash = ?2 AND state = 0 RETURNING family_id";

static const char SQL_RT_STATE[] = "SELECT t.state, t.rotated_at, f.revoked_at, f.id FROM "
                                   "refresh_token t JOIN family f ON f.id = t.family_id WHERE "
                                   "t.hash = ?";

static int family_revoke_in(struct sq_conn *c, const char *family_id, int64_t now);

static int insert_successor(struct sq_conn *c, const struct gh_rotate *r, const char *family)
{
    int rc = sq_exec(c, SQL_RT_INSERT, "htii", r->new_hash, family, r->now, r->idle_expires_at);
    return rc < 0 ? rc : 0;
}

/* The conditional update; 1 and the family when this request won. */
static int take_token(struct sq_conn *c, const struct gh_rotate *r, char *family, size_t len)
{
    sqlite3_stmt *st = sq_prep(c, SQL_RT_ROTATE);
    if (st == NULL)
        return GH_ESTORE;
    sq_bind(st, "ih", r->now, r->old_hash);
    int s = sqlite3_step(st), won = s == SQLITE_ROW;
    if (won)
        sq_text(st, 0, family, len);
    while (s == SQLITE_ROW)
        s = sqlite3_step(st);
    sqlite3_reset(st);
    return s == SQLITE_DONE ? won : sq_err(s);
}

static int rotate_fn(struct sq_conn *c, void *arg)
{
    struct gh_store_call *j = arg;
    const struct gh_rotate *r = j->req;
    enum gh_rotate_result *result = j->out;
    char family[40];
    int rc = take_token(c, r, family, sizeof(family));
    if (rc < 0)
        return rc;
    if (rc == 1) {
        *result = GH_ROTATE_OK;
        return insert_successor(c, r, family);
    }
    sqlite3_stmt *st = sq_prep(c, SQL_RT_STATE);
    if (st == NULL)
        return GH_ESTORE;
    sq_bind(st, "h", r->old_hash);
    int s = sqlite3_step(st);
    if (s != SQLITE_ROW) {
        sqlite3_reset(st);
        *result = GH_ROTATE_INVALID;
        return s == SQLITE_DONE ? 0 : sq_err(s);
    }
    int state = sqlite3_column_int(st, 0);
    int64_t rotated_at = sqlite3_column_int64(st, 1), revoked_at = sqlite3_column_int64(st, 2);
    sq_text(st, 3, family, sizeof(family));
    sqlite3_reset(st);
    if (revoked_at != 0 || state == GH_RT_REVOKED) {
        *result = GH_ROTATE_REVOKED;
        return 0;
    }
    if (state == GH_RT_ROTATED && r->grace > 0 && r->now - rotated_at <= r->grace) {
        *result = GH_ROTATE_GRACE;
        return insert_successor(c, r, family);
    }
    /* RFC 9700 4.14.2: a rotated token presented again — revoke the family. */
    *result = GH_ROTATE_REUSED;
    return family_revoke_in(c, family, r->now);
}

int sq_refresh_rotate(struct gh_store *gs, const struct gh_rotate *r, enum gh_rotate_result *out)
{
    struct gh_store_call j = {r, out, NULL, NULL};
    *out = GH_ROTATE_INVALID;
    return sq_write((struct sq_store *)gs, rotate_fn, &j);
}

int sq_code_redeem_async(struct gh_store *gs, const struct gh_redeem *r, enum gh_redeem_result *out,
                         gh_store_done done, void *arg)
{
    *out = GH_REDEEM_INVALID;
    struct gh_store_call *call = gh_store_call_new(r, out, done, arg);
    if (call == NULL)
        return GH_ENOMEM;
    int rc = sq_write_async((struct sq_store *)gs, redeem_fn, call, gh_store_call_finish, call);
    if (rc < 0)
        free(call);
    return rc;
}

int sq_refresh_rotate_async(struct gh_store *gs, const struct gh_rotate *r,
                            enum gh_rotate_result *out, gh_store_done done, void *arg)
{
    *out = GH_ROTATE_INVALID;
    struct gh_store_call *call = gh_store_call_new(r, out, done, arg);
    if (call == NULL)
        return GH_ENOMEM;
    int rc = sq_write_async((struct sq_store *)gs, rotate_fn, call, gh_store_call_finish, call);
    if (rc < 0)
        free(call);
    return rc;
}

static const char SQL_FAMILY_REVOKE[] =
    "UPDATE family SET revoked_at = ?1 WHERE id = ?2 AND revoked_at = 0";
static const char SQL_RT_REVOKE_FAMILY[] =
    "UPDATE refresh_token SET state = 2 WHERE family_id = ? AND state <> 2";

static int family_revoke_in(struct sq_conn *c, const char *family_id, int64_t now)
{
    int rc = sq_exec(c, SQL_FAMILY_REVOKE, "it", now, family_id);
    if (rc >= 0)
        rc = sq_exec(c, SQL_RT_REVOKE_FAMILY, "t", family_id);
    return rc < 0 ? rc : 0;
}

struct family_job {
    const char *id;
    int64_t now;
    int n;
};

static int family_revoke_fn(struct sq_conn *c, void *arg)
{
    struct family_job *j = arg;
    return family_revoke_in(c, j->id, j->now);
}

int sq_family_revoke(struct gh_store *gs, const char *family_id, int64_t now)
{
    struct family_job j = {family_id, now, 0};
    return sq_write((struct sq_store *)gs, family_revoke_fn, &j);
}

static const char SQL_FAMILY_REVOKED[] = "SELECT revoked_at FROM family WHERE id = ?";

int sq_family_revoked(struct gh_store *gs, const char *family_id, int *revoked)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_FAMILY_REVOKED) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "t", family_id);
    int s = sqlite3_step(st);
    *revoked = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) != 0 : 1;
    sqlite3_reset(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : sq_err(s);
}

static const char SQL_RT_REVOKE_USER[] =
    "UPDATE refresh_token SET state = 2 WHERE family_id IN (SELECT id FROM family WHERE sub = ? "
    "AND revoked_at = 0)";
static const char SQL_FAMILY_REVOKE_USER[] =
    "UPDATE family SET revoked_at = ?1 WHERE sub = ?2 AND revoked_at = 0";

static int revoke_user_fn(struct sq_conn *c, void *arg)
{
    struct family_job *j = arg;
    int rc = sq_exec(c, SQL_RT_REVOKE_USER, "t", j->id);
    if (rc >= 0)
        rc = sq_exec(c, SQL_FAMILY_REVOKE_USER, "it", j->now, j->id);
    if (rc >= 0)
        j->n = rc;
    return rc < 0 ? rc : 0;
}

int sq_families_revoke_user(struct gh_store *gs, const char *sub, int64_t now, int *n)
{
    struct family_job j = {sub, now, 0};
    int rc = sq_write((struct sq_store *)gs, revoke_user_fn, &j);
    *n = j.n;
    return rc;
}

/* ---- revoked access tokens ---- */

static const char SQL_JTI_INSERT[] =
    "INSERT INTO revoked_jti(jti, expires_at) VALUES (?, ?) ON CONFLICT(jti) DO NOTHING";
static const char SQL_JTI_GET[] = "SELECT 1 FROM revoked_jti WHERE jti = ?";

struct jti_job {
    const char *jti;
    int64_t exp;
};

static int jti_fn(struct sq_conn *c, void *arg)
{
    struct jti_job *j = arg;
    int rc = sq_exec(c, SQL_JTI_INSERT, "ti", j->jti, j->exp);
    return rc < 0 ? rc : 0;
}

int sq_jti_revoke(struct gh_store *gs, const char *jti, int64_t expires_at)
{
    struct jti_job j = {jti, expires_at};
    return sq_write((struct sq_store *)gs, jti_fn, &j);
}

int sq_jti_revoked(struct gh_store *gs, const char *jti, int *revoked)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_JTI_GET) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "t", jti);
    int s = sqlite3_step(st);
    *revoked = s == SQLITE_ROW;
    sqlite3_reset(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : sq_err(s);
}

/* ---- browser sessions ---- */

static const char SQL_SESSION_INSERT[] =
    "INSERT INTO browser_session(hash, sub, user_stamp, created_at, expires_at, sid) VALUES (?, "
    "?, ?, ?, ?, ?)";
static const char SQL_SESSION_GET[] =
    "SELECT sub, created_at, expires_at, sid, user_stamp FROM browser_session WHERE hash = ?";
static const char SQL_SESSION_DELETE[] = "DELETE FROM browser_session WHERE hash = ?";
static const char SQL_SESSION_DELETE_USER[] = "DELETE FROM browser_session WHERE sub = ?";

static int session_put_fn(struct sq_conn *c, void *arg)
{
    const struct gh_session *s = arg;
    int rc = sq_exec(c, SQL_SESSION_INSERT, "hthiit", s->hash, s->sub, s->user_stamp, s->created_at,
                     s->expires_at, s->sid);
    return rc < 0 ? rc : 0;
}

int sq_session_put(struct gh_store *gs, const struct gh_session *sess)
{
    return sq_write((struct sq_store *)gs, session_put_fn, (void *)sess);
}

int sq_session_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                   struct gh_session *out)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_SESSION_GET) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "h", hash);
    int s = sqlite3_step(st);
    int rc = s == SQLITE_ROW ? 0 : s == SQLITE_DONE ? GH_ENOTFOUND : sq_err(s);
    if (rc == 0) {
        memset(out, 0, sizeof(*out));
        memcpy(out->hash, hash, GH_SHA256_LEN);
        sq_text(st, 0, out->sub, sizeof(out->sub));
        out->created_at = sqlite3_column_int64(st, 1);
        out->expires_at = sqlite3_column_int64(st, 2);
        sq_text(st, 3, out->sid, sizeof(out->sid));
        /* sessions from before schema 3 have no stamp and match no user */
        if (sqlite3_column_bytes(st, 4) == GH_SHA256_LEN)
            memcpy(out->user_stamp, sqlite3_column_blob(st, 4), GH_SHA256_LEN);
    }
    sqlite3_reset(st);
    return rc;
}

static int session_delete_fn(struct sq_conn *c, void *arg)
{
    int rc = sq_exec(c, SQL_SESSION_DELETE, "h", (const unsigned char *)arg);
    return rc < 0 ? rc : 0;
}

int sq_session_delete(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN])
{
    return sq_write((struct sq_store *)gs, session_delete_fn, (void *)hash);
}

struct session_user_job {
    const char *sub;
    int n;
};

static int session_delete_user_fn(struct sq_conn *c, void *arg)
{
    struct session_user_job *j = arg;
    int rc = sq_exec(c, SQL_SESSION_DELETE_USER, "t", j->sub);
    j->n = rc < 0 ? 0 : rc;
    return rc < 0 ? rc : 0;
}

int sq_session_delete_user(struct gh_store *gs, const char *sub, int *n)
{
    struct session_user_job j = {sub, 0};
    int rc = sq_write((struct sq_store *)gs, session_delete_user_fn, &j);
    *n = rc == 0 ? j.n : 0;
    return rc;
}

/* ---- login failures ---- */

static const char SQL_FAIL_GET[] = "SELECT count, last_at FROM login_failure WHERE key = ?";
static const char SQL_FAIL_ADD[] =
    "INSERT INTO login_failure(key, count, last_at) VALUES (?1, 1, ?2) ON CONFLICT(key) DO "
    "UPDATE SET count = count + 1, last_at = ?2 RETURNING count";
static const char SQL_FAIL_CLEAR[] = "DELETE FROM login_failure WHERE key = ?";

int sq_login_fail_get(struct gh_store *gs, const char *key, int *count, int64_t *last_at)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_FAIL_GET) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "t", key);
    int s = sqlite3_step(st);
    *count = s == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    *last_at = s == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    sqlite3_reset(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : sq_err(s);
}

struct fail_job {
    const char *key;
    int64_t now;
    int count;
};

static int fail_add_fn(struct sq_conn *c, void *arg)
{
    struct fail_job *j = arg;
    sqlite3_stmt *st = sq_prep(c, SQL_FAIL_ADD);
    if (st == NULL)
        return GH_ESTORE;
    sq_bind(st, "ti", j->key, j->now);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        j->count = sqlite3_column_int(st, 0);
    while (s == SQLITE_ROW)
        s = sqlite3_step(st);
    sqlite3_reset(st);
    return s == SQLITE_DONE ? 0 : sq_err(s);
}

int sq_login_fail_add(struct gh_store *gs, const char *key, int64_t now, int *count)
{
    struct fail_job j = {key, now, 0};
    int rc = sq_write((struct sq_store *)gs, fail_add_fn, &j);
    *count = j.count;
    return rc;
}

static int fail_clear_fn(struct sq_conn *c, void *arg)
{
    int rc = sq_exec(c, SQL_FAIL_CLEAR, "t", (const char *)arg);
    return rc < 0 ? rc : 0;
}

int sq_login_fail_clear(struct gh_store *gs, const char *key)
{
    return sq_write((struct sq_store *)gs, fail_clear_fn, (void *)key);
}

/* ---- purge ---- */

static const char *const SQL_PURGE[] = {
    "DELETE FROM auth_code WHERE hash IN (SELECT hash FROM auth_code WHERE expires_at < ?1 "
    "LIMIT ?2)",
    "DELETE FROM family WHERE rowid IN (SELECT rowid FROM family WHERE abs_expires_at < ?1 OR "
    "(revoked_at <> 0 AND revoked_at < ?1 - 86400) LIMIT ?2)",
    "DELETE FROM refresh_token WHERE hash IN (SELECT hash FROM refresh_token WHERE state <> 0 "
    "AND idle_expires_at < ?1 LIMIT ?2)",
    "DELETE FROM revoked_jti WHERE rowid IN (SELECT rowid FROM revoked_jti WHERE expires_at < "
    "?1 LIMIT ?2)",
    "DELETE FROM browser_session WHERE rowid IN (SELECT rowid FROM browser_session WHERE "
    "expires_at < ?1 LIMIT ?2)",
    "DELETE FROM login_failure WHERE rowid IN (SELECT rowid FROM login_failure WHERE last_at < "
    "?1 - 86400 LIMIT ?2)",
};

struct purge_job {
    int64_t now;
    int batch, deleted;
};

static int purge_fn(struct sq_conn *c, void *arg)
{
    struct purge_job *j = arg;
    for (size_t i = 0; i < GH_ARRAY_LEN(SQL_PURGE); i++) {
        int rc = sq_exec(c, SQL_PURGE[i], "ii", j->now, (int64_t)j->batch);
        if (rc < 0)
            return rc;
        j->deleted += rc;
    }
    return 0;
}

int sq_purge(struct gh_store *gs, int64_t now, int batch, int *deleted)
{
    struct purge_job j = {now, batch, 0};
    int rc = sq_write((struct sq_store *)gs, purge_fn, &j);
    *deleted = j.deleted;
    return rc;
}
