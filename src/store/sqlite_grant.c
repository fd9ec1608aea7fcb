/*
 * SQLite store: protocol state — authorization codes, refresh-token
 * families with rotation and reuse detection, revoked access-token ids,
 * browser sessions, login-failure counters and the purge of expired rows.
 * Every write is a conditional update inside the writer's transaction, so
 * exactly one of two racing requests wins (docs/internals/store.md,
 * "Atomic operations"); what a request
 * that did not win gets is decided in proto/grant.c from the rows read here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "core/err.h"

/* ---- authorization codes ---- */

static const char SQL_CODE_INSERT[] =
    "INSERT INTO auth_code(hash, client_id, redirect_uri, challenge, sub, scope, flow_id, "
    "auth_time, expires_at, nonce, sid, dpop_jkt, amr) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?)";

static int code_put_fn(struct sq_conn *c, void *arg)
{
    const struct gh_code *k = arg;
    int rc = sq_exec(c, SQL_CODE_INSERT, "httttttiittti", k->hash, k->client_id, k->redirect_uri,
                     k->challenge, k->sub, k->scope, k->flow_id, k->auth_time, k->expires_at,
                     k->nonce, k->sid, k->dpop_jkt, (int64_t)k->amr);
    return rc < 0 ? rc : 0;
}

int sq_code_put(struct gh_store *gs, const struct gh_code *k)
{
    return sq_write((struct sq_store *)gs, code_put_fn, (void *)k);
}

static const char SQL_CODE_GET[] =
    "SELECT client_id, redirect_uri, challenge, sub, scope, flow_id, auth_time, expires_at, "
    "used_at, nonce, sid, dpop_jkt, amr FROM auth_code WHERE hash = ?";

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
        sq_text(st, 11, out->dpop_jkt, sizeof(out->dpop_jkt));
        out->amr = sqlite3_column_int(st, 12);
    }
    sqlite3_reset(st);
    return rc;
}

/* The conditional UPDATE that decides which of racing redemptions takes
 * the code (the SQL form of GH_REDEEM_OK, proto/grant.h). */
static const char SQL_CODE_TAKE[] = "UPDATE auth_code SET used_at = ?1 WHERE hash = ?2 AND "
                                    "used_at = 0 AND expires_at > ?1";
static const char SQL_FAMILY_FROM_CODE[] =
    "INSERT INTO family(id, client_id, sub, scope, flow_id, code_hash, created_at, "
    "abs_expires_at, last_used_at, auth_time, sid, dpop_jkt, amr) SELECT ?1, client_id, sub, "
    "scope, flow_id, hash, ?2, ?3, ?2, auth_time, sid, ?5, amr FROM auth_code WHERE hash = ?4";
static const char SQL_RT_INSERT[] = "INSERT INTO refresh_token(hash, family_id, state, "
                                    "created_at, idle_expires_at) VALUES (?1, ?2, ?3, ?4, ?5)";
/* What a redemption that did not take the code needs to know: the code,
 * the family issued from it, and whether that is this request's own. */
static const char SQL_CODE_FACTS[] =
    "SELECT c.used_at, c.expires_at, coalesce(f.id, ''), coalesce(f.id = ?2, 0) FROM auth_code c "
    "LEFT JOIN family f ON f.code_hash = c.hash WHERE c.hash = ?1";

static int family_revoke_in(struct sq_conn *c, const char *family_id, int64_t now);

static int code_facts(struct sq_conn *c, const struct gh_redeem *r, struct gh_code_facts *f,
                      char *family, size_t len)
{
    sqlite3_stmt *st = sq_prep(c, SQL_CODE_FACTS);
    if (st == NULL)
        return GH_ESTORE;
    sq_bind(st, "ht", r->code_hash, r->family_id);
    int s = sqlite3_step(st);
    /* the caller checked the binding; it never changes */
    *f = (struct gh_code_facts){.found = s == SQLITE_ROW, .binding = GH_BIND_OK};
    family[0] = '\0';
    if (f->found) {
        f->used_at = sqlite3_column_int64(st, 0);
        f->expires_at = sqlite3_column_int64(st, 1);
        sq_text(st, 2, family, len);
        f->own_family = r->issue_refresh && sqlite3_column_int(st, 3);
    }
    while (s == SQLITE_ROW)
        s = sqlite3_step(st);
    sqlite3_reset(st);
    return s == SQLITE_DONE ? 0 : sq_err(s);
}

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
        rc = sq_exec(c, SQL_FAMILY_FROM_CODE, "tiiht", r->family_id, r->now, r->abs_expires_at,
                     r->code_hash, r->dpop_jkt);
        if (rc >= 0)
            rc = sq_exec(c, SQL_RT_INSERT, "htiii", r->rt_hash, r->family_id, (int64_t)GH_RT_ACTIVE,
                         r->now, r->idle_expires_at);
        return rc < 0 ? rc : 0;
    }
    /* Not taken: ask why (proto/grant.h) and do what the answer needs. */
    struct gh_code_facts f;
    char family[40];
    if ((rc = code_facts(c, r, &f, family, sizeof(family))) < 0)
        return rc;
    *result = gh_grant_redeem(&f, r->now);
    if (*result == GH_REDEEM_REPLAYED)
        return family_revoke_in(c, family, r->now);
    if (*result == GH_REDEEM_OK && !f.own_family)
        return GH_ESTORE; /* live yet not taken: cannot happen */
    return 0;
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
    "f.sid, f.dpop_jkt, f.amr FROM refresh_token t JOIN family f ON f.id = t.family_id WHERE "
    "t.hash = ?";

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
    sq_text(st, 14, out->dpop_jkt, sizeof(out->dpop_jkt));
    out->amr = sqlite3_column_int(st, 15);
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

/* The conditional UPDATE that decides which of racing rotations takes the
 * token (the SQL form of GH_ROTATE_OK, proto/grant.h); the rotated row
 * names its successor and keeps it wrapped (NULL: no grace window).
 * Revoking a family also marks each of its tokens revoked, so an active
 * token alone says the token and its family are live. */
static const char SQL_RT_TAKE[] =
    "UPDATE refresh_token SET state = ?1, rotated_at = ?2, next_hash = ?5, next_wrap = ?6 WHERE "
    "hash = ?3 AND state = ?4 RETURNING family_id";
/* What a rotation that did not take the token needs to know: the token,
 * its family, and the successor it was rotated to. */
static const char SQL_RT_FACTS[] =
    "SELECT t.state, t.rotated_at, t.idle_expires_at, f.revoked_at, f.abs_expires_at, f.id, "
    "coalesce(t.next_hash = ?2, 0), coalesce(n.state = ?3, 0), t.next_wrap FROM refresh_token t "
    "JOIN family f ON f.id = t.family_id LEFT JOIN refresh_token n ON n.hash = t.next_hash "
    "WHERE t.hash = ?1";

static int insert_successor(struct sq_conn *c, const struct gh_rotate *r, const char *family)
{
    int rc = sq_exec(c, SQL_RT_INSERT, "htiii", r->new_hash, family, (int64_t)GH_RT_ACTIVE, r->now,
                     r->idle_expires_at);
    return rc < 0 ? rc : 0;
}

/* The conditional update; 1 and the family when this request won. */
static int take_token(struct sq_conn *c, const struct gh_rotate *r, char *family, size_t len)
{
    sqlite3_stmt *st = sq_prep(c, SQL_RT_TAKE);
    if (st == NULL)
        return GH_ESTORE;
    sq_bind(st, "iihihw", (int64_t)GH_RT_ROTATED, r->now, r->old_hash, (int64_t)GH_RT_ACTIVE,
            r->new_hash, r->wrapped ? r->wrap : NULL);
    int s = sqlite3_step(st), won = s == SQLITE_ROW;
    if (won)
        sq_text(st, 0, family, len);
    while (s == SQLITE_ROW)
        s = sqlite3_step(st);
    sqlite3_reset(st);
    return s == SQLITE_DONE ? won : sq_err(s);
}

/* The facts, the family id and the wrapped successor (when kept). */
static int rt_facts(struct sq_conn *c, const struct gh_rotate *r, struct gh_rt_facts *f,
                    char *family, size_t len, unsigned char wrap[GH_RT_WRAP_LEN])
{
    sqlite3_stmt *st = sq_prep(c, SQL_RT_FACTS);
    if (st == NULL)
        return GH_ESTORE;
    sq_bind(st, "hhi", r->old_hash, r->new_hash, (int64_t)GH_RT_ACTIVE);
    int s = sqlite3_step(st);
    /* the caller checked the client; it never changes */
    *f = (struct gh_rt_facts){.found = s == SQLITE_ROW};
    if (f->found) {
        f->state = sqlite3_column_int(st, 0);
        f->rotated_at = sqlite3_column_int64(st, 1);
        f->idle_expires_at = sqlite3_column_int64(st, 2);
        f->family_revoked = sqlite3_column_int64(st, 3) != 0;
        f->abs_expires_at = sqlite3_column_int64(st, 4);
        sq_text(st, 5, family, len);
        f->own_successor = sqlite3_column_int(st, 6);
        f->successor_active = sqlite3_column_int(st, 7);
        f->successor_wrapped = sqlite3_column_bytes(st, 8) == GH_RT_WRAP_LEN;
        if (f->successor_wrapped)
            memcpy(wrap, sqlite3_column_blob(st, 8), GH_RT_WRAP_LEN);
    }
    while (s == SQLITE_ROW)
        s = sqlite3_step(st);
    sqlite3_reset(st);
    return s == SQLITE_DONE ? 0 : sq_err(s);
}

static int rotate_fn(struct sq_conn *c, void *arg)
{
    struct gh_store_call *j = arg;
    const struct gh_rotate *r = j->req;
    struct gh_rotated *out = j->out;
    char family[40];
    int rc = take_token(c, r, family, sizeof(family));
    if (rc < 0)
        return rc;
    if (rc == 1) {
        out->result = GH_ROTATE_OK;
        return insert_successor(c, r, family);
    }
    /* Not taken: ask why (proto/grant.h) and do what the answer needs. */
    struct gh_rt_facts f;
    if ((rc = rt_facts(c, r, &f, family, sizeof(family), out->wrap)) < 0)
        return rc;
    out->result = gh_grant_rotate(&f, r->now, r->grace);
    switch (out->result) {
    case GH_ROTATE_REUSED:
        return family_revoke_in(c, family, r->now);
    case GH_ROTATE_OK:
        return f.own_successor ? 0 : GH_ESTORE; /* live yet not taken: cannot happen */
    default:
        return 0; /* GH_ROTATE_GRACE hands back out->wrap, changes nothing */
    }
}

int sq_refresh_rotate(struct gh_store *gs, const struct gh_rotate *r, struct gh_rotated *out)
{
    struct gh_store_call j = {r, out, NULL, NULL};
    out->result = GH_ROTATE_INVALID;
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

int sq_refresh_rotate_async(struct gh_store *gs, const struct gh_rotate *r, struct gh_rotated *out,
                            gh_store_done done, void *arg)
{
    out->result = GH_ROTATE_INVALID;
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
/* A revoked token's wrapped successor can serve nothing: gone with it. */
static const char SQL_RT_REVOKE_FAMILY[] =
    "UPDATE refresh_token SET state = ?1, next_wrap = NULL WHERE family_id = ?2 AND state <> ?1";

static int family_revoke_in(struct sq_conn *c, const char *family_id, int64_t now)
{
    int rc = sq_exec(c, SQL_FAMILY_REVOKE, "it", now, family_id);
    if (rc >= 0)
        rc = sq_exec(c, SQL_RT_REVOKE_FAMILY, "it", (int64_t)GH_RT_REVOKED, family_id);
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
    "UPDATE refresh_token SET state = ?2, next_wrap = NULL WHERE family_id IN (SELECT id FROM "
    "family WHERE sub = ?1 AND revoked_at = 0)";
static const char SQL_FAMILY_REVOKE_USER[] =
    "UPDATE family SET revoked_at = ?1 WHERE sub = ?2 AND revoked_at = 0";

static int revoke_user_fn(struct sq_conn *c, void *arg)
{
    struct family_job *j = arg;
    int rc = sq_exec(c, SQL_RT_REVOKE_USER, "ti", j->id, (int64_t)GH_RT_REVOKED);
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
    "INSERT INTO browser_session(hash, sub, user_stamp, created_at, expires_at, sid, amr) VALUES "
    "(?, ?, ?, ?, ?, ?, ?)";
static const char SQL_SESSION_GET[] =
    "SELECT sub, created_at, expires_at, sid, user_stamp, amr FROM browser_session WHERE hash = ?";
static const char SQL_SESSION_DELETE[] = "DELETE FROM browser_session WHERE hash = ?";
static const char SQL_SESSION_DELETE_USER[] = "DELETE FROM browser_session WHERE sub = ?";
static const char SQL_SESSION_LIST_USER[] =
    "SELECT sub, sid, created_at, expires_at, amr FROM browser_session WHERE sub = ? AND "
    "expires_at > ? ORDER BY created_at, sid";

static int session_put_fn(struct sq_conn *c, void *arg)
{
    const struct gh_session *s = arg;
    int rc = sq_exec(c, SQL_SESSION_INSERT, "hthiiti", s->hash, s->sub, s->user_stamp,
                     s->created_at, s->expires_at, s->sid, (int64_t)s->amr);
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
        out->amr = sqlite3_column_int(st, 5);
    }
    sqlite3_reset(st);
    return rc;
}

static const char SQL_SESSION_AMR[] = "UPDATE browser_session SET amr = amr | ?2 WHERE hash = ?1";

struct session_amr_job {
    const unsigned char *hash;
    int amr;
};

static int session_amr_fn(struct sq_conn *c, void *arg)
{
    const struct session_amr_job *j = arg;
    int rc = sq_exec(c, SQL_SESSION_AMR, "hi", j->hash, (int64_t)j->amr);
    return rc < 0 ? rc : rc == 0 ? GH_ENOTFOUND : 0;
}

int sq_session_amr_add(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], int amr)
{
    struct session_amr_job j = {hash, amr};
    return sq_write((struct sq_store *)gs, session_amr_fn, &j);
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

static int session_row(sqlite3_stmt *st, void *out)
{
    struct gh_session *sess = out; /* zeroed: no hash, no stamp */
    sq_text(st, 0, sess->sub, sizeof(sess->sub));
    sq_text(st, 1, sess->sid, sizeof(sess->sid));
    sess->created_at = sqlite3_column_int64(st, 2);
    sess->expires_at = sqlite3_column_int64(st, 3);
    sess->amr = sqlite3_column_int(st, 4);
    return 0;
}

int sq_session_list_user(struct gh_store *gs, const char *sub, int64_t now,
                         struct gh_session **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_SESSION_LIST_USER) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "ti", sub, now);
    return sq_collect(st, sizeof(**rows), session_row, NULL, (void **)rows, n);
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
    /* expired and long-revoked families: two statements, so that each
     * is one index range (an OR over them scanned the table) */
    "DELETE FROM family WHERE rowid IN (SELECT rowid FROM family WHERE abs_expires_at < ?1 "
    "LIMIT ?2)",
    "DELETE FROM family WHERE rowid IN (SELECT rowid FROM family WHERE revoked_at <> 0 AND "
    "revoked_at < ?1 - 86400 LIMIT ?2)",
    /* spent tokens: "state <> 0" is the predicate of their partial index */
    "DELETE FROM refresh_token WHERE hash IN (SELECT hash FROM refresh_token WHERE state "
    "<> " GH_RT_ACTIVE_SQL " "
    "AND idle_expires_at < ?1 LIMIT ?2)",
    "DELETE FROM revoked_jti WHERE rowid IN (SELECT rowid FROM revoked_jti WHERE expires_at < "
    "?1 LIMIT ?2)",
    "DELETE FROM dpop_jti WHERE (jti_hash, jkt) IN (SELECT jti_hash, jkt FROM dpop_jti WHERE "
    "expires_at < ?1 LIMIT ?2)",
    "DELETE FROM browser_session WHERE rowid IN (SELECT rowid FROM browser_session WHERE "
    "expires_at < ?1 LIMIT ?2)",
    "DELETE FROM login_failure WHERE rowid IN (SELECT rowid FROM login_failure WHERE last_at < "
    "?1 - 86400 LIMIT ?2)",
    /* registration (RFC 7591 3) and resource indicators (RFC 8707) */
    "DELETE FROM initial_access_token WHERE hash IN (SELECT hash FROM initial_access_token WHERE "
    "expires_at < ?1 LIMIT ?2)",
    "DELETE FROM grant_resource WHERE code_hash IN (SELECT code_hash FROM grant_resource WHERE "
    "expires_at < ?1 LIMIT ?2)",
    /* WebAuthn challenges never taken */
    "DELETE FROM webauthn_challenge WHERE hash IN (SELECT hash FROM webauthn_challenge WHERE "
    "expires_at < ?1 LIMIT ?2)",
    /* a wrapped successor older than the longest window serves nothing */
    "UPDATE refresh_token SET next_wrap = NULL WHERE hash IN (SELECT hash FROM refresh_token "
    "WHERE next_wrap IS NOT NULL AND rotated_at < ?1 - " GH_GRACE_MAX_SQL " LIMIT ?2)",
};

_Static_assert(GH_ARRAY_LEN(SQL_PURGE) < 32, "sq_purge's drained mask holds a bit a statement");

const char *const *sq_purge_sql(size_t *n)
{
    *n = GH_ARRAY_LEN(SQL_PURGE);
    return SQL_PURGE;
}

struct purge_job {
    int64_t now;
    int batch, deleted;
    size_t stmt;
};

static int purge_fn(struct sq_conn *c, void *arg)
{
    struct purge_job *j = arg;
    int rc = sq_exec(c, SQL_PURGE[j->stmt], "ii", j->now, (int64_t)j->batch);
    if (rc < 0)
        return rc;
    j->deleted += rc;
    return 0;
}

int sq_purge(struct gh_store *gs, int64_t now, int batch, int *deleted)
{
    /* One write a statement: the writer, which the rotations share, is
     * never held for more than one table's batch. A statement that found
     * fewer than `batch` rows is drained and skipped by the calls after
     * it, until every one is (the pass's last call finds them all again):
     * a pass then costs the writer one write per batch of spent tokens,
     * not one for each of the other, empty tables too. */
    struct sq_store *s = (struct sq_store *)gs;
    struct purge_job j = {now, batch, 0, 0};
    unsigned drained = __atomic_load_n(&s->purge_drained, __ATOMIC_RELAXED);
    const unsigned all = (1u << GH_ARRAY_LEN(SQL_PURGE)) - 1;
    int rc = 0;
    for (; j.stmt < GH_ARRAY_LEN(SQL_PURGE) && rc == 0; j.stmt++) {
        if (drained & (1u << j.stmt))
            continue;
        int before = j.deleted;
        rc = sq_write(s, purge_fn, &j);
        if (rc == 0 && j.deleted - before < batch)
            drained |= 1u << j.stmt;
    }
    __atomic_store_n(&s->purge_drained, drained == all || rc != 0 ? 0u : drained, __ATOMIC_RELAXED);
    *deleted = j.deleted;
    return rc;
}
