/*
 * PostgreSQL store: protocol state — authorization codes, refresh-token
 * families with rotation and reuse detection, revoked access-token ids,
 * browser sessions, login-failure counters and the purge of expired rows.
 *
 * Atomic across processes (SPEC section 7): code redemption and rotation
 * are conditional UPDATEs. A racing UPDATE on the same row waits for the
 * winner's commit and then re-checks its WHERE clause against the committed
 * row, so exactly one of the racers changes the row. The winning path is
 * one statement (UPDATE ... RETURNING feeding the INSERTs in a WITH), one
 * round trip and one commit; a request that did not win runs the general
 * path in a READ COMMITTED transaction, which finds out why (replayed,
 * grace, reuse, revoked, unknown) with fresh reads.
 *
 * Retries are idempotent: an attempt whose answer was lost with its
 * connection may have committed, so the general path first recognises the
 * request's own work by the fresh random family id or successor hash it
 * carries, and reports success rather than a replay or a reuse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"
#include "core/err.h"

/* ---- authorization codes ---- */

static const char SQL_CODE_INSERT[] =
    "INSERT INTO auth_code(hash, client_id, redirect_uri, challenge, sub, scope, flow_id, "
    "auth_time, expires_at, nonce, sid) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

static int code_put_fn(struct pg_conn *c, void *arg)
{
    const struct gh_code *k = arg;
    int rc = pg_exec(c, SQL_CODE_INSERT, "httttttiitt", k->hash, k->client_id, k->redirect_uri,
                     k->challenge, k->sub, k->scope, k->flow_id, k->auth_time, k->expires_at,
                     k->nonce, k->sid);
    return rc < 0 ? rc : 0;
}

int pg_code_put(struct gh_store *gs, const struct gh_code *k)
{
    return pg_write((struct pg_store *)gs, code_put_fn, (void *)k);
}

static const char SQL_CODE_GET[] =
    "SELECT client_id, redirect_uri, challenge, sub, scope, flow_id, auth_time, expires_at, "
    "used_at, nonce, sid FROM auth_code WHERE hash = $1";

int pg_code_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], struct gh_code *out)
{
    int rc;
    PGresult *r = pg_query((struct pg_store *)gs, SQL_CODE_GET, &rc, "h", hash);
    if (r == NULL)
        return rc;
    rc = PQntuples(r) == 1 ? 0 : GH_ENOTFOUND;
    if (rc == 0) {
        memset(out, 0, sizeof(*out));
        memcpy(out->hash, hash, GH_SHA256_LEN);
        pg_text(r, 0, 0, out->client_id, sizeof(out->client_id));
        pg_text(r, 0, 1, out->redirect_uri, sizeof(out->redirect_uri));
        pg_text(r, 0, 2, out->challenge, sizeof(out->challenge));
        pg_text(r, 0, 3, out->sub, sizeof(out->sub));
        pg_text(r, 0, 4, out->scope, sizeof(out->scope));
        pg_text(r, 0, 5, out->flow_id, sizeof(out->flow_id));
        out->auth_time = pg_int(r, 0, 6);
        out->expires_at = pg_int(r, 0, 7);
        out->used_at = pg_int(r, 0, 8);
        pg_text(r, 0, 9, out->nonce, sizeof(out->nonce));
        pg_text(r, 0, 10, out->sid, sizeof(out->sid));
    }
    PQclear(r);
    return rc;
}

static const char SQL_CODE_TAKE[] = "UPDATE auth_code SET used_at = $1 WHERE hash = $2 AND "
                                    "used_at = 0 AND expires_at > $1";
static const char SQL_CODE_USED[] = "SELECT used_at FROM auth_code WHERE hash = $1";
static const char SQL_FAMILY_FROM_CODE[] =
    "INSERT INTO family(id, client_id, sub, scope, flow_id, code_hash, created_at, "
    "abs_expires_at, last_used_at, auth_time, sid) SELECT $1, client_id, sub, scope, flow_id, "
    "hash, $2, $3, $2, auth_time, sid FROM auth_code WHERE hash = $4";
static const char SQL_RT_INSERT[] = "INSERT INTO refresh_token(hash, family_id, state, "
                                    "created_at, idle_expires_at) VALUES ($1, $2, 0, $3, $4)";
static const char SQL_FAMILY_REVOKE_CODE[] =
    "UPDATE family SET revoked_at = $1 WHERE code_hash = $2 AND revoked_at = 0";
static const char SQL_RT_REVOKE_CODE[] =
    "UPDATE refresh_token SET state = 2 WHERE family_id IN (SELECT id FROM family WHERE "
    "code_hash = $1) AND state <> 2";

static const char SQL_FAMILY_MINE[] = "SELECT 1 FROM family WHERE id = $1 AND code_hash = $2";
/* The winning path in one statement, one round trip: take the code, start
 * its family, insert the first token. One row: this request won. */
static const char SQL_REDEEM_FAST[] =
    "WITH taken AS (UPDATE auth_code SET used_at = $1 WHERE hash = $2 AND used_at = 0 AND "
    "expires_at > $1 RETURNING client_id, sub, scope, flow_id, hash, auth_time, sid), fam AS "
    "(INSERT INTO family(id, client_id, sub, scope, flow_id, code_hash, created_at, "
    "abs_expires_at, last_used_at, auth_time, sid) SELECT $3, client_id, sub, scope, flow_id, "
    "hash, $1, $4, $1, auth_time, sid FROM taken RETURNING id) INSERT INTO refresh_token(hash, "
    "family_id, state, created_at, "
    "idle_expires_at) SELECT $5, id, 0, $1, $6 FROM fam";

/* The general path, in a transaction: also tells replayed from invalid. */
static int redeem_fn(struct pg_conn *c, void *arg)
{
    struct gh_store_call *j = arg;
    const struct gh_redeem *r = j->req;
    enum gh_redeem_result *result = j->out;
    *result = GH_REDEEM_INVALID;
    int rc = pg_exec(c, SQL_CODE_TAKE, "ih", r->now, r->code_hash);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        *result = GH_REDEEM_OK;
        if (!r->issue_refresh)
            return 0;
        rc = pg_exec(c, SQL_FAMILY_FROM_CODE, "tiih", r->family_id, r->now, r->abs_expires_at,
                     r->code_hash);
        if (rc >= 0)
            rc = pg_exec(c, SQL_RT_INSERT, "htii", r->rt_hash, r->family_id, r->now,
                         r->idle_expires_at);
        return rc < 0 ? rc : 0;
    }
    /* Not taken: replayed (used before) or invalid (unknown / expired). A
     * racing redeemer has committed by now (our UPDATE waited for it). */
    PGresult *res = pg_run(c, SQL_CODE_USED, &rc, "h", r->code_hash);
    if (res == NULL)
        return rc;
    int64_t used_at = PQntuples(res) == 1 ? pg_int(res, 0, 0) : 0;
    PQclear(res);
    if (used_at == 0)
        return 0;
    /* Taken by this very request, whose answer was lost with its
     * connection: the family it created (a fresh random id) is there. */
    if (r->issue_refresh) {
        res = pg_run(c, SQL_FAMILY_MINE, &rc, "th", r->family_id, r->code_hash);
        if (res == NULL)
            return rc;
        int mine = PQntuples(res) == 1;
        PQclear(res);
        if (mine) {
            *result = GH_REDEEM_OK;
            return 0;
        }
    }
    /* RFC 6749 4.1.2 / RFC 9700 4.5: revoke what the code issued. */
    *result = GH_REDEEM_REPLAYED;
    rc = pg_exec(c, SQL_FAMILY_REVOKE_CODE, "ih", r->now, r->code_hash);
    if (rc >= 0)
        rc = pg_exec(c, SQL_RT_REVOKE_CODE, "h", r->code_hash);
    return rc < 0 ? rc : 0;
}

static int redeem_op(struct pg_store *s, void *arg)
{
    struct gh_store_call *j = arg;
    const struct gh_redeem *r = j->req;
    enum gh_redeem_result *result = j->out;
    *result = GH_REDEEM_INVALID;
    if (r->issue_refresh) {
        int rc = pg_exec1(s, SQL_REDEEM_FAST, "ihtihi", r->now, r->code_hash, r->family_id,
                          r->abs_expires_at, r->rt_hash, r->idle_expires_at);
        if (rc == 1) {
            *result = GH_REDEEM_OK;
            return 0;
        }
        /* not won, or unknown after a lost connection: the transaction
         * finds out which (and recognises its own family) */
        if (rc < 0 && rc != GH_EUNAVAIL && rc != PG_ERETRY)
            return rc;
    }
    return pg_write(s, redeem_fn, j);
}

int pg_code_redeem(struct gh_store *gs, const struct gh_redeem *r, enum gh_redeem_result *out)
{
    struct gh_store_call j = {r, out, NULL, NULL};
    return redeem_op((struct pg_store *)gs, &j);
}

/* ---- refresh tokens and families ---- */

static const char SQL_RT_GET[] =
    "SELECT t.family_id, t.state, t.created_at, t.rotated_at, t.idle_expires_at, f.client_id, "
    "f.sub, f.scope, f.flow_id, f.created_at, f.abs_expires_at, f.revoked_at, f.auth_time, "
    "f.sid FROM refresh_token t JOIN family f ON f.id = t.family_id WHERE t.hash = $1";

int pg_refresh_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                   struct gh_refresh *out)
{
    int rc;
    PGresult *r = pg_query((struct pg_store *)gs, SQL_RT_GET, &rc, "h", hash);
    if (r == NULL)
        return rc;
    rc = PQntuples(r) == 1 ? 0 : GH_ENOTFOUND;
    if (rc == 0) {
        memset(out, 0, sizeof(*out));
        memcpy(out->hash, hash, GH_SHA256_LEN);
        pg_text(r, 0, 0, out->family_id, sizeof(out->family_id));
        out->state = (int)pg_int(r, 0, 1);
        out->created_at = pg_int(r, 0, 2);
        out->rotated_at = pg_int(r, 0, 3);
        out->idle_expires_at = pg_int(r, 0, 4);
        pg_text(r, 0, 5, out->client_id, sizeof(out->client_id));
        pg_text(r, 0, 6, out->sub, sizeof(out->sub));
        pg_text(r, 0, 7, out->scope, sizeof(out->scope));
        pg_text(r, 0, 8, out->flow_id, sizeof(out->flow_id));
        out->family_created_at = pg_int(r, 0, 9);
        out->abs_expires_at = pg_int(r, 0, 10);
        out->family_revoked_at = pg_int(r, 0, 11);
        out->auth_time = pg_int(r, 0, 12);
        pg_text(r, 0, 13, out->sid, sizeof(out->sid));
    }
    PQclear(r);
    return rc;
}

/* One row changed: this request won the token. Revoking a family also
 * marks its tokens revoked (state 2), the family test is belt and braces. */
static const char SQL_RT_ROTATE[] =
    "UPDATE refresh_token SET state = 1, rotated_at = $1 WHERE hash = $2 AND state = 0 AND "
    "family_id IN (SELECT id FROM family WHERE revoked_at = 0) RETURNING family_id";
static const char SQL_RT_STATE[] = "SELECT t.state, t.rotated_at, f.revoked_at, f.id FROM "
                                   "refresh_token t JOIN family f ON f.id = t.family_id WHERE "
                                   "t.hash = $1";

static const char SQL_RT_MINE[] = "SELECT 1 FROM refresh_token WHERE hash = $1 AND family_id = $2";
/* The winning path in one statement, one round trip. */
static const char SQL_RT_ROTATE_FAST[] =
    "WITH taken AS (UPDATE refresh_token SET state = 1, rotated_at = $1 WHERE hash = $2 AND "
    "state = 0 AND family_id IN (SELECT id FROM family WHERE revoked_at = 0) RETURNING "
    "family_id) INSERT INTO refresh_token(hash, family_id, state, created_at, idle_expires_at) "
    "SELECT $3, family_id, 0, $1, $4 FROM taken";

static int family_revoke_in(struct pg_conn *c, const char *family_id, int64_t now);

static int insert_successor(struct pg_conn *c, const struct gh_rotate *r, const char *family)
{
    int rc = pg_exec(c, SQL_RT_INSERT, "htii", r->new_hash, family, r->now, r->idle_expires_at);
    return rc < 0 ? rc : 0;
}

static int rotate_fn(struct pg_conn *c, void *arg)
{
    struct gh_store_call *j = arg;
    const struct gh_rotate *r = j->req;
    enum gh_rotate_result *result = j->out;
    char family[40];
    int rc;
    *result = GH_ROTATE_INVALID;
    PGresult *res = pg_run(c, SQL_RT_ROTATE, &rc, "ih", r->now, r->old_hash);
    if (res == NULL)
        return rc;
    int won = PQntuples(res) == 1;
    if (won)
        pg_text(res, 0, 0, family, sizeof(family));
    PQclear(res);
    if (won) {
        *result = GH_ROTATE_OK;
        return insert_successor(c, r, family);
    }
    res = pg_run(c, SQL_RT_STATE, &rc, "h", r->old_hash);
    if (res == NULL)
        return rc;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return 0; /* GH_ROTATE_INVALID */
    }
    int state = (int)pg_int(res, 0, 0);
    int64_t rotated_at = pg_int(res, 0, 1), revoked_at = pg_int(res, 0, 2);
    pg_text(res, 0, 3, family, sizeof(family));
    PQclear(res);
    if (revoked_at != 0 || state == GH_RT_REVOKED) {
        *result = GH_ROTATE_REVOKED;
        return 0;
    }
    /* Rotated by this very request, whose answer was lost with its
     * connection: its successor (a fresh random hash) is there. */
    res = pg_run(c, SQL_RT_MINE, &rc, "ht", r->new_hash, family);
    if (res == NULL)
        return rc;
    int mine = PQntuples(res) == 1;
    PQclear(res);
    if (mine) {
        *result = GH_ROTATE_OK;
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

static int rotate_op(struct pg_store *s, void *arg)
{
    struct gh_store_call *j = arg;
    const struct gh_rotate *r = j->req;
    enum gh_rotate_result *result = j->out;
    *result = GH_ROTATE_INVALID;
    int rc = pg_exec1(s, SQL_RT_ROTATE_FAST, "ihhi", r->now, r->old_hash, r->new_hash,
                      r->idle_expires_at);
    if (rc == 1) {
        *result = GH_ROTATE_OK;
        return 0;
    }
    /* not won, or unknown after a lost connection: the transaction finds
     * out which (grace, reuse, revoked, unknown, or our own success) */
    if (rc < 0 && rc != GH_EUNAVAIL && rc != PG_ERETRY)
        return rc;
    return pg_write(s, rotate_fn, j);
}

int pg_refresh_rotate(struct gh_store *gs, const struct gh_rotate *r, enum gh_rotate_result *out)
{
    struct gh_store_call j = {r, out, NULL, NULL};
    return rotate_op((struct pg_store *)gs, &j);
}

int pg_code_redeem_async(struct gh_store *gs, const struct gh_redeem *r, enum gh_redeem_result *out,
                         gh_store_done done, void *arg)
{
    *out = GH_REDEEM_INVALID;
    struct gh_store_call *call = gh_store_call_new(r, out, done, arg);
    if (call == NULL)
        return GH_ENOMEM;
    int rc = pg_async((struct pg_store *)gs, redeem_op, call, gh_store_call_finish, call);
    if (rc < 0)
        free(call);
    return rc;
}

int pg_refresh_rotate_async(struct gh_store *gs, const struct gh_rotate *r,
                            enum gh_rotate_result *out, gh_store_done done, void *arg)
{
    *out = GH_ROTATE_INVALID;
    struct gh_store_call *call = gh_store_call_new(r, out, done, arg);
    if (call == NULL)
        return GH_ENOMEM;
    int rc = pg_async((struct pg_store *)gs, rotate_op, call, gh_store_call_finish, call);
    if (rc < 0)
        free(call);
    return rc;
}

static const char SQL_FAMILY_REVOKE[] =
    "UPDATE family SET revoked_at = $1 WHERE id = $2 AND revoked_at = 0";
static const char SQL_RT_REVOKE_FAMILY[] =
    "UPDATE refresh_token SET state = 2 WHERE family_id = $1 AND state <> 2";

static int family_revoke_in(struct pg_conn *c, const char *family_id, int64_t now)
{
    int rc = pg_exec(c, SQL_FAMILY_REVOKE, "it", now, family_id);
    if (rc >= 0)
        rc = pg_exec(c, SQL_RT_REVOKE_FAMILY, "t", family_id);
    return rc < 0 ? rc : 0;
}

struct family_job {
    const char *id;
    int64_t now;
    int n;
};

static int family_revoke_fn(struct pg_conn *c, void *arg)
{
    struct family_job *j = arg;
    return family_revoke_in(c, j->id, j->now);
}

int pg_family_revoke(struct gh_store *gs, const char *family_id, int64_t now)
{
    struct family_job j = {family_id, now, 0};
    return pg_write((struct pg_store *)gs, family_revoke_fn, &j);
}

static const char SQL_FAMILY_REVOKED[] = "SELECT revoked_at FROM family WHERE id = $1";

int pg_family_revoked(struct gh_store *gs, const char *family_id, int *revoked)
{
    int rc;
    PGresult *r = pg_query((struct pg_store *)gs, SQL_FAMILY_REVOKED, &rc, "t", family_id);
    if (r == NULL)
        return rc;
    *revoked = PQntuples(r) == 1 ? pg_int(r, 0, 0) != 0 : 1;
    PQclear(r);
    return 0;
}

static const char SQL_RT_REVOKE_USER[] =
    "UPDATE refresh_token SET state = 2 WHERE family_id IN (SELECT id FROM family WHERE sub = $1 "
    "AND revoked_at = 0) AND state <> 2";
static const char SQL_FAMILY_REVOKE_USER[] =
    "UPDATE family SET revoked_at = $1 WHERE sub = $2 AND revoked_at = 0";

static int revoke_user_fn(struct pg_conn *c, void *arg)
{
    struct family_job *j = arg;
    j->n = 0;
    int rc = pg_exec(c, SQL_RT_REVOKE_USER, "t", j->id);
    if (rc >= 0)
        rc = pg_exec(c, SQL_FAMILY_REVOKE_USER, "it", j->now, j->id);
    if (rc >= 0)
        j->n = rc;
    return rc < 0 ? rc : 0;
}

int pg_families_revoke_user(struct gh_store *gs, const char *sub, int64_t now, int *n)
{
    struct family_job j = {sub, now, 0};
    int rc = pg_write((struct pg_store *)gs, revoke_user_fn, &j);
    *n = rc == 0 ? j.n : 0;
    return rc;
}

/* ---- revoked access tokens ---- */

static const char SQL_JTI_INSERT[] =
    "INSERT INTO revoked_jti(jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING";
static const char SQL_JTI_GET[] = "SELECT 1 FROM revoked_jti WHERE jti = $1";

struct jti_job {
    const char *jti;
    int64_t exp;
};

static int jti_fn(struct pg_conn *c, void *arg)
{
    struct jti_job *j = arg;
    int rc = pg_exec(c, SQL_JTI_INSERT, "ti", j->jti, j->exp);
    return rc < 0 ? rc : 0;
}

int pg_jti_revoke(struct gh_store *gs, const char *jti, int64_t expires_at)
{
    struct jti_job j = {jti, expires_at};
    return pg_write((struct pg_store *)gs, jti_fn, &j);
}

int pg_jti_revoked(struct gh_store *gs, const char *jti, int *revoked)
{
    int rc;
    PGresult *r = pg_query((struct pg_store *)gs, SQL_JTI_GET, &rc, "t", jti);
    if (r == NULL)
        return rc;
    *revoked = PQntuples(r) > 0;
    PQclear(r);
    return 0;
}

/* ---- browser sessions ---- */

static const char SQL_SESSION_INSERT[] =
    "INSERT INTO browser_session(hash, sub, user_stamp, created_at, expires_at, sid) VALUES ($1, "
    "$2, $3, $4, $5, $6)";
static const char SQL_SESSION_GET[] =
    "SELECT sub, created_at, expires_at, sid, user_stamp FROM browser_session WHERE hash = $1";
static const char SQL_SESSION_DELETE[] = "DELETE FROM browser_session WHERE hash = $1";
static const char SQL_SESSION_DELETE_USER[] = "DELETE FROM browser_session WHERE sub = $1";

static int session_put_fn(struct pg_conn *c, void *arg)
{
    const struct gh_session *s = arg;
    int rc = pg_exec(c, SQL_SESSION_INSERT, "hthiit", s->hash, s->sub, s->user_stamp, s->created_at,
                     s->expires_at, s->sid);
    return rc < 0 ? rc : 0;
}

int pg_session_put(struct gh_store *gs, const struct gh_session *sess)
{
    return pg_write((struct pg_store *)gs, session_put_fn, (void *)sess);
}

int pg_session_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                   struct gh_session *out)
{
    int rc;
    PGresult *r = pg_query((struct pg_store *)gs, SQL_SESSION_GET, &rc, "h", hash);
    if (r == NULL)
        return rc;
    rc = PQntuples(r) == 1 ? 0 : GH_ENOTFOUND;
    if (rc == 0) {
        memset(out, 0, sizeof(*out));
        memcpy(out->hash, hash, GH_SHA256_LEN);
        pg_text(r, 0, 0, out->sub, sizeof(out->sub));
        out->created_at = pg_int(r, 0, 1);
        out->expires_at = pg_int(r, 0, 2);
        pg_text(r, 0, 3, out->sid, sizeof(out->sid));
        /* sessions from before schema 3 have no stamp and match no user */
        pg_hash(r, 0, 4, out->user_stamp);
    }
    PQclear(r);
    return rc;
}

static int session_delete_fn(struct pg_conn *c, void *arg)
{
    int rc = pg_exec(c, SQL_SESSION_DELETE, "h", (const unsigned char *)arg);
    return rc < 0 ? rc : 0;
}

int pg_session_delete(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN])
{
    return pg_write((struct pg_store *)gs, session_delete_fn, (void *)hash);
}

struct session_user_job {
    const char *sub;
    int n;
};

static int session_delete_user_fn(struct pg_conn *c, void *arg)
{
    struct session_user_job *j = arg;
    int rc = pg_exec(c, SQL_SESSION_DELETE_USER, "t", j->sub);
    j->n = rc < 0 ? 0 : rc;
    return rc < 0 ? rc : 0;
}

int pg_session_delete_user(struct gh_store *gs, const char *sub, int *n)
{
    struct session_user_job j = {sub, 0};
    int rc = pg_write((struct pg_store *)gs, session_delete_user_fn, &j);
    *n = rc == 0 ? j.n : 0;
    return rc;
}

/* ---- login failures ---- */

static const char SQL_FAIL_GET[] = "SELECT count, last_at FROM login_failure WHERE key = $1";
static const char SQL_FAIL_ADD[] =
    "INSERT INTO login_failure(key, count, last_at) VALUES ($1, 1, $2) ON CONFLICT (key) DO "
    "UPDATE SET count = login_failure.count + 1, last_at = excluded.last_at RETURNING count";
static const char SQL_FAIL_CLEAR[] = "DELETE FROM login_failure WHERE key = $1";

int pg_login_fail_get(struct gh_store *gs, const char *key, int *count, int64_t *last_at)
{
    int rc;
    PGresult *r = pg_query((struct pg_store *)gs, SQL_FAIL_GET, &rc, "t", key);
    if (r == NULL)
        return rc;
    int found = PQntuples(r) == 1;
    *count = found ? (int)pg_int(r, 0, 0) : 0;
    *last_at = found ? pg_int(r, 0, 1) : 0;
    PQclear(r);
    return 0;
}

struct fail_job {
    const char *key;
    int64_t now;
    int count;
};

static int fail_add_fn(struct pg_conn *c, void *arg)
{
    struct fail_job *j = arg;
    int rc;
    j->count = 0;
    PGresult *r = pg_run(c, SQL_FAIL_ADD, &rc, "ti", j->key, j->now);
    if (r == NULL)
        return rc;
    if (PQntuples(r) == 1)
        j->count = (int)pg_int(r, 0, 0);
    PQclear(r);
    return 0;
}

int pg_login_fail_add(struct gh_store *gs, const char *key, int64_t now, int *count)
{
    struct fail_job j = {key, now, 0};
    int rc = pg_write((struct pg_store *)gs, fail_add_fn, &j);
    *count = j.count;
    return rc;
}

static int fail_clear_fn(struct pg_conn *c, void *arg)
{
    int rc = pg_exec(c, SQL_FAIL_CLEAR, "t", (const char *)arg);
    return rc < 0 ? rc : 0;
}

int pg_login_fail_clear(struct gh_store *gs, const char *key)
{
    return pg_write((struct pg_store *)gs, fail_clear_fn, (void *)key);
}

/* ---- purge ---- */

static const char *const SQL_PURGE[] = {
    "DELETE FROM auth_code WHERE hash IN (SELECT hash FROM auth_code WHERE expires_at < $1 "
    "LIMIT $2)",
    "DELETE FROM family WHERE id IN (SELECT id FROM family WHERE abs_expires_at < $1 OR "
    "(revoked_at <> 0 AND revoked_at < $1 - 86400) LIMIT $2)",
    "DELETE FROM refresh_token WHERE hash IN (SELECT hash FROM refresh_token WHERE state <> 0 "
    "AND idle_expires_at < $1 LIMIT $2)",
    "DELETE FROM revoked_jti WHERE jti IN (SELECT jti FROM revoked_jti WHERE expires_at < $1 "
    "LIMIT $2)",
    "DELETE FROM browser_session WHERE hash IN (SELECT hash FROM browser_session WHERE "
    "expires_at < $1 LIMIT $2)",
    "DELETE FROM login_failure WHERE key IN (SELECT key FROM login_failure WHERE last_at < "
    "$1 - 86400 LIMIT $2)",
};

struct purge_job {
    int64_t now;
    int batch, deleted;
};

static int purge_fn(struct pg_conn *c, void *arg)
{
    struct purge_job *j = arg;
    j->deleted = 0;
    for (size_t i = 0; i < GH_ARRAY_LEN(SQL_PURGE); i++) {
        int rc = pg_exec(c, SQL_PURGE[i], "ii", j->now, (int64_t)j->batch);
        if (rc < 0)
            return rc;
        j->deleted += rc;
    }
    return 0;
}

int pg_purge(struct gh_store *gs, int64_t now, int batch, int *deleted)
{
    struct purge_job j = {now, batch, 0};
    int rc = pg_write((struct pg_store *)gs, purge_fn, &j);
    *deleted = rc == 0 ? j.deleted : 0;
    return rc;
}
