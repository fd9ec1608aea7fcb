/*
 * PostgreSQL store: protocol state — authorization codes, refresh-token
 * families with rotation and reuse detection, revoked access-token ids,
 * browser sessions, login-failure counters and the purge of expired rows.
 *
 * Atomic across processes (docs/internals/store.md, "PostgreSQL"): code
 * redemption and rotation
 * are conditional UPDATEs. A racing UPDATE on the same row waits for the
 * winner's commit and then re-checks its WHERE clause against the committed
 * row, so exactly one of the racers changes the row. The winning path is
 * one statement (UPDATE ... RETURNING feeding the INSERTs in a WITH), one
 * round trip and one commit; a request that did not win runs the general
 * path in a READ COMMITTED transaction, which reads the rows afresh and
 * asks proto/grant.c what that means (replayed, grace, reuse, revoked,
 * unknown), then runs the SQL for the answer.
 *
 * Retries are idempotent: an attempt whose answer was lost with its
 * connection may have committed, so the general path reads whether the
 * request's own work is there (by the fresh random family id or successor
 * hash it carries), and the decision reports success rather than a replay
 * or a reuse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"
#include "core/err.h"

/* ---- authorization codes ---- */

static const char SQL_CODE_INSERT[] =
    "INSERT INTO auth_code(hash, client_id, redirect_uri, challenge, sub, scope, flow_id, "
    "auth_time, expires_at, nonce, sid, dpop_jkt, amr) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
    "$10, $11, $12, $13)";

static int code_put_fn(struct pgs_conn *c, void *arg)
{
    const struct gh_code *k = arg;
    int rc = pgs_exec(c, SQL_CODE_INSERT, "httttttiittti", k->hash, k->client_id, k->redirect_uri,
                      k->challenge, k->sub, k->scope, k->flow_id, k->auth_time, k->expires_at,
                      k->nonce, k->sid, k->dpop_jkt, (int64_t)k->amr);
    return rc < 0 ? rc : 0;
}

int pgs_code_put(struct gh_store *gs, const struct gh_code *k)
{
    return pgs_write((struct pgs_store *)gs, code_put_fn, (void *)k);
}

static const char SQL_CODE_GET[] =
    "SELECT client_id, redirect_uri, challenge, sub, scope, flow_id, auth_time, expires_at, "
    "used_at, nonce, sid, dpop_jkt, amr FROM auth_code WHERE hash = $1";

int pgs_code_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], struct gh_code *out)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_CODE_GET, &rc, "h", hash);
    if (r == NULL)
        return rc;
    rc = PQntuples(r) == 1 ? 0 : GH_ENOTFOUND;
    if (rc == 0) {
        memset(out, 0, sizeof(*out));
        memcpy(out->hash, hash, GH_SHA256_LEN);
        pgs_text(r, 0, 0, out->client_id, sizeof(out->client_id));
        pgs_text(r, 0, 1, out->redirect_uri, sizeof(out->redirect_uri));
        pgs_text(r, 0, 2, out->challenge, sizeof(out->challenge));
        pgs_text(r, 0, 3, out->sub, sizeof(out->sub));
        pgs_text(r, 0, 4, out->scope, sizeof(out->scope));
        pgs_text(r, 0, 5, out->flow_id, sizeof(out->flow_id));
        out->auth_time = pgs_int(r, 0, 6);
        out->expires_at = pgs_int(r, 0, 7);
        out->used_at = pgs_int(r, 0, 8);
        pgs_text(r, 0, 9, out->nonce, sizeof(out->nonce));
        pgs_text(r, 0, 10, out->sid, sizeof(out->sid));
        pgs_text(r, 0, 11, out->dpop_jkt, sizeof(out->dpop_jkt));
        out->amr = (int)pgs_int(r, 0, 12);
    }
    PQclear(r);
    return rc;
}

/* The conditional UPDATE that decides which of racing redemptions takes
 * the code (the SQL form of GH_REDEEM_OK, proto/grant.h): alone, and on the
 * winning path of a grant with a refresh token in one statement, one round
 * trip, feeding the inserts of the family and its first token. */
static const char SQL_CODE_TAKE[] = "UPDATE auth_code SET used_at = $1 WHERE hash = $2 AND "
                                    "used_at = 0 AND expires_at > $1";
static const char SQL_CODE_TAKE_FAMILY[] =
    "WITH taken AS (UPDATE auth_code SET used_at = $1 WHERE hash = $2 AND used_at = 0 AND "
    "expires_at > $1 RETURNING client_id, sub, scope, flow_id, hash, auth_time, sid, amr), fam AS "
    "(INSERT INTO family(id, client_id, sub, scope, flow_id, code_hash, created_at, "
    "abs_expires_at, last_used_at, auth_time, sid, dpop_jkt, amr) SELECT $3, client_id, sub, "
    "scope, flow_id, hash, $1, $4, $1, auth_time, sid, $8, amr FROM taken RETURNING id) INSERT "
    "INTO "
    "refresh_token(hash, "
    "family_id, state, created_at, "
    "idle_expires_at) SELECT $5, id, $7, $1, $6 FROM fam";
/* What a redemption that did not take the code needs to know: the code,
 * the family issued from it, and whether that is this request's own (an
 * attempt whose answer was lost with its connection). */
static const char SQL_CODE_FACTS[] =
    "SELECT c.used_at, c.expires_at, coalesce(f.id, ''), coalesce(f.id = $2, false)::int FROM "
    "auth_code c LEFT JOIN family f ON f.code_hash = c.hash WHERE c.hash = $1";

static int take_code(struct pgs_conn *c, const struct gh_redeem *r)
{
    if (!r->issue_refresh)
        return pgs_exec(c, SQL_CODE_TAKE, "ih", r->now, r->code_hash);
    return pgs_exec(c, SQL_CODE_TAKE_FAMILY, "ihtihiit", r->now, r->code_hash, r->family_id,
                    r->abs_expires_at, r->rt_hash, r->idle_expires_at, (int64_t)GH_RT_ACTIVE,
                    r->dpop_jkt);
}

static int code_facts(struct pgs_conn *c, const struct gh_redeem *r, struct gh_code_facts *f,
                      char *family, size_t len)
{
    int rc;
    PGresult *res = pgs_run(c, SQL_CODE_FACTS, &rc, "ht", r->code_hash, r->family_id);
    if (res == NULL)
        return rc;
    /* the caller checked the binding; it never changes */
    *f = (struct gh_code_facts){.found = PQntuples(res) >= 1, .binding = GH_BIND_OK};
    family[0] = '\0';
    if (f->found) {
        f->used_at = pgs_int(res, 0, 0);
        f->expires_at = pgs_int(res, 0, 1);
        pgs_text(res, 0, 2, family, len);
        f->own_family = r->issue_refresh && pgs_int(res, 0, 3) != 0;
    }
    PQclear(res);
    return 0;
}

/* The general path, in a transaction: take the code, or find out why not
 * (a racing redeemer has committed by now: our UPDATE waited for it). */
static int redeem_fn(struct pgs_conn *c, void *arg)
{
    struct gh_store_call *j = arg;
    const struct gh_redeem *r = j->req;
    enum gh_redeem_result *result = j->out;
    *result = GH_REDEEM_INVALID;
    int rc = take_code(c, r);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        *result = GH_REDEEM_OK;
        return 0;
    }
    /* Not taken: ask why (proto/grant.h) and do what the answer needs. */
    struct gh_code_facts f;
    char family[40];
    if ((rc = code_facts(c, r, &f, family, sizeof(family))) < 0)
        return rc;
    *result = gh_grant_redeem(&f, r->now);
    if (*result == GH_REDEEM_REPLAYED)
        return pgs_family_revoke_in(c, family, r->now);
    if (*result == GH_REDEEM_OK && !f.own_family)
        return GH_ESTORE; /* live yet not taken: cannot happen */
    return 0;
}

static int redeem_op(struct pgs_store *s, void *arg)
{
    struct gh_store_call *j = arg;
    const struct gh_redeem *r = j->req;
    enum gh_redeem_result *result = j->out;
    *result = GH_REDEEM_INVALID;
    if (r->issue_refresh) {
        int rc = pgs_exec1(s, SQL_CODE_TAKE_FAMILY, "ihtihiit", r->now, r->code_hash, r->family_id,
                           r->abs_expires_at, r->rt_hash, r->idle_expires_at, (int64_t)GH_RT_ACTIVE,
                           r->dpop_jkt);
        if (rc == 1) {
            *result = GH_REDEEM_OK;
            return 0;
        }
        /* not won, or unknown after a lost connection: the transaction
         * finds out which (and recognises its own family) */
        if (rc < 0 && rc != GH_EUNAVAIL && rc != PG_ERETRY)
            return rc;
    }
    return pgs_write(s, redeem_fn, j);
}

int pgs_code_redeem(struct gh_store *gs, const struct gh_redeem *r, enum gh_redeem_result *out)
{
    struct gh_store_call j = {r, out, NULL, NULL};
    return redeem_op((struct pgs_store *)gs, &j);
}

/* ---- refresh tokens and families ---- */

static const char SQL_RT_GET[] =
    "SELECT t.family_id, t.state, t.created_at, t.rotated_at, t.idle_expires_at, f.client_id, "
    "f.sub, f.scope, f.flow_id, f.created_at, f.abs_expires_at, f.revoked_at, f.auth_time, "
    "f.sid, f.dpop_jkt, f.amr FROM refresh_token t JOIN family f ON f.id = t.family_id WHERE "
    "t.hash = $1";

int pgs_refresh_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                    struct gh_refresh *out)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_RT_GET, &rc, "h", hash);
    if (r == NULL)
        return rc;
    rc = PQntuples(r) == 1 ? 0 : GH_ENOTFOUND;
    if (rc == 0) {
        memset(out, 0, sizeof(*out));
        memcpy(out->hash, hash, GH_SHA256_LEN);
        pgs_text(r, 0, 0, out->family_id, sizeof(out->family_id));
        out->state = (int)pgs_int(r, 0, 1);
        out->created_at = pgs_int(r, 0, 2);
        out->rotated_at = pgs_int(r, 0, 3);
        out->idle_expires_at = pgs_int(r, 0, 4);
        pgs_text(r, 0, 5, out->client_id, sizeof(out->client_id));
        pgs_text(r, 0, 6, out->sub, sizeof(out->sub));
        pgs_text(r, 0, 7, out->scope, sizeof(out->scope));
        pgs_text(r, 0, 8, out->flow_id, sizeof(out->flow_id));
        out->family_created_at = pgs_int(r, 0, 9);
        out->abs_expires_at = pgs_int(r, 0, 10);
        out->family_revoked_at = pgs_int(r, 0, 11);
        out->auth_time = pgs_int(r, 0, 12);
        pgs_text(r, 0, 13, out->sid, sizeof(out->sid));
        pgs_text(r, 0, 14, out->dpop_jkt, sizeof(out->dpop_jkt));
        out->amr = (int)pgs_int(r, 0, 15);
    }
    PQclear(r);
    return rc;
}

int pgs_code_redeem_async(struct gh_store *gs, const struct gh_redeem *r,
                          enum gh_redeem_result *out, gh_store_done done, void *arg)
{
    *out = GH_REDEEM_INVALID;
    struct gh_store_call *call = gh_store_call_new(r, out, done, arg);
    if (call == NULL)
        return GH_ENOMEM;
    int rc = pgs_async((struct pgs_store *)gs, redeem_op, call, gh_store_call_finish, call);
    if (rc < 0)
        free(call);
    return rc;
}

static const char SQL_FAMILY_REVOKE[] =
    "UPDATE family SET revoked_at = $1 WHERE id = $2 AND revoked_at = 0";
/* A revoked token's wrapped successor can serve nothing: gone with it. */
static const char SQL_RT_REVOKE_FAMILY[] =
    "UPDATE refresh_token SET state = $1, next_wrap = NULL WHERE family_id = $2 AND state <> $1";

int pgs_family_revoke_in(struct pgs_conn *c, const char *family_id, int64_t now)
{
    int rc = pgs_exec(c, SQL_FAMILY_REVOKE, "it", now, family_id);
    if (rc >= 0)
        rc = pgs_exec(c, SQL_RT_REVOKE_FAMILY, "it", (int64_t)GH_RT_REVOKED, family_id);
    return rc < 0 ? rc : 0;
}

struct family_job {
    const char *id;
    int64_t now;
    int n;
};

static int family_revoke_fn(struct pgs_conn *c, void *arg)
{
    struct family_job *j = arg;
    return pgs_family_revoke_in(c, j->id, j->now);
}

int pgs_family_revoke(struct gh_store *gs, const char *family_id, int64_t now)
{
    struct family_job j = {family_id, now, 0};
    return pgs_write((struct pgs_store *)gs, family_revoke_fn, &j);
}

static const char SQL_FAMILY_REVOKED[] = "SELECT revoked_at FROM family WHERE id = $1";

int pgs_family_revoked(struct gh_store *gs, const char *family_id, int *revoked)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_FAMILY_REVOKED, &rc, "t", family_id);
    if (r == NULL)
        return rc;
    *revoked = PQntuples(r) == 1 ? pgs_int(r, 0, 0) != 0 : 1;
    PQclear(r);
    return 0;
}

static const char SQL_RT_REVOKE_USER[] =
    "UPDATE refresh_token SET state = $2, next_wrap = NULL WHERE family_id IN (SELECT id FROM "
    "family WHERE sub = $1 AND revoked_at = 0) AND state <> $2";
static const char SQL_FAMILY_REVOKE_USER[] =
    "UPDATE family SET revoked_at = $1 WHERE sub = $2 AND revoked_at = 0";

static int revoke_user_fn(struct pgs_conn *c, void *arg)
{
    struct family_job *j = arg;
    j->n = 0;
    int rc = pgs_exec(c, SQL_RT_REVOKE_USER, "ti", j->id, (int64_t)GH_RT_REVOKED);
    if (rc >= 0)
        rc = pgs_exec(c, SQL_FAMILY_REVOKE_USER, "it", j->now, j->id);
    if (rc >= 0)
        j->n = rc;
    return rc < 0 ? rc : 0;
}

int pgs_families_revoke_user(struct gh_store *gs, const char *sub, int64_t now, int *n)
{
    struct family_job j = {sub, now, 0};
    int rc = pgs_write((struct pgs_store *)gs, revoke_user_fn, &j);
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

static int jti_fn(struct pgs_conn *c, void *arg)
{
    struct jti_job *j = arg;
    int rc = pgs_exec(c, SQL_JTI_INSERT, "ti", j->jti, j->exp);
    return rc < 0 ? rc : 0;
}

int pgs_jti_revoke(struct gh_store *gs, const char *jti, int64_t expires_at)
{
    struct jti_job j = {jti, expires_at};
    return pgs_write((struct pgs_store *)gs, jti_fn, &j);
}

int pgs_jti_revoked(struct gh_store *gs, const char *jti, int *revoked)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_JTI_GET, &rc, "t", jti);
    if (r == NULL)
        return rc;
    *revoked = PQntuples(r) > 0;
    PQclear(r);
    return 0;
}

/* ---- browser sessions ---- */

static const char SQL_SESSION_INSERT[] =
    "INSERT INTO browser_session(hash, sub, user_stamp, created_at, expires_at, sid, amr) VALUES "
    "($1, $2, $3, $4, $5, $6, $7)";
static const char SQL_SESSION_GET[] =
    "SELECT sub, created_at, expires_at, sid, user_stamp, amr FROM browser_session WHERE hash = "
    "$1";
static const char SQL_SESSION_DELETE[] = "DELETE FROM browser_session WHERE hash = $1";
static const char SQL_SESSION_DELETE_USER[] = "DELETE FROM browser_session WHERE sub = $1";
static const char SQL_SESSION_LIST_USER[] =
    "SELECT sub, sid, created_at, expires_at, amr FROM browser_session WHERE sub = $1 AND "
    "expires_at > $2 ORDER BY created_at, sid";

static int session_put_fn(struct pgs_conn *c, void *arg)
{
    const struct gh_session *s = arg;
    int rc = pgs_exec(c, SQL_SESSION_INSERT, "hthiiti", s->hash, s->sub, s->user_stamp,
                      s->created_at, s->expires_at, s->sid, (int64_t)s->amr);
    return rc < 0 ? rc : 0;
}

int pgs_session_put(struct gh_store *gs, const struct gh_session *sess)
{
    return pgs_write((struct pgs_store *)gs, session_put_fn, (void *)sess);
}

int pgs_session_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                    struct gh_session *out)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_SESSION_GET, &rc, "h", hash);
    if (r == NULL)
        return rc;
    rc = PQntuples(r) == 1 ? 0 : GH_ENOTFOUND;
    if (rc == 0) {
        memset(out, 0, sizeof(*out));
        memcpy(out->hash, hash, GH_SHA256_LEN);
        pgs_text(r, 0, 0, out->sub, sizeof(out->sub));
        out->created_at = pgs_int(r, 0, 1);
        out->expires_at = pgs_int(r, 0, 2);
        pgs_text(r, 0, 3, out->sid, sizeof(out->sid));
        /* sessions from before schema 3 have no stamp and match no user */
        pgs_hash(r, 0, 4, out->user_stamp);
        out->amr = (int)pgs_int(r, 0, 5);
    }
    PQclear(r);
    return rc;
}

static const char SQL_SESSION_AMR[] = "UPDATE browser_session SET amr = amr | $2 WHERE hash = $1";

struct session_amr_job {
    const unsigned char *hash;
    int amr;
};

static int session_amr_fn(struct pgs_conn *c, void *arg)
{
    const struct session_amr_job *j = arg;
    int rc = pgs_exec(c, SQL_SESSION_AMR, "hi", j->hash, (int64_t)j->amr);
    return rc < 0 ? rc : rc == 0 ? GH_ENOTFOUND : 0;
}

int pgs_session_amr_add(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], int amr)
{
    struct session_amr_job j = {hash, amr};
    return pgs_write((struct pgs_store *)gs, session_amr_fn, &j);
}

static int session_delete_fn(struct pgs_conn *c, void *arg)
{
    int rc = pgs_exec(c, SQL_SESSION_DELETE, "h", (const unsigned char *)arg);
    return rc < 0 ? rc : 0;
}

int pgs_session_delete(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN])
{
    return pgs_write((struct pgs_store *)gs, session_delete_fn, (void *)hash);
}

struct session_user_job {
    const char *sub;
    int n;
};

static int session_delete_user_fn(struct pgs_conn *c, void *arg)
{
    struct session_user_job *j = arg;
    int rc = pgs_exec(c, SQL_SESSION_DELETE_USER, "t", j->sub);
    j->n = rc < 0 ? 0 : rc;
    return rc < 0 ? rc : 0;
}

int pgs_session_delete_user(struct gh_store *gs, const char *sub, int *n)
{
    struct session_user_job j = {sub, 0};
    int rc = pgs_write((struct pgs_store *)gs, session_delete_user_fn, &j);
    *n = rc == 0 ? j.n : 0;
    return rc;
}

int pgs_session_list_user(struct gh_store *gs, const char *sub, int64_t now,
                          struct gh_session **rows, size_t *n)
{
    int rc;
    *rows = NULL;
    *n = 0;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_SESSION_LIST_USER, &rc, "ti", sub, now);
    if (r == NULL)
        return rc;
    size_t len = (size_t)PQntuples(r);
    struct gh_session *v = calloc(len ? len : 1, sizeof(*v)); /* no hash, no stamp */
    for (size_t i = 0; v != NULL && i < len; i++) {
        pgs_text(r, (int)i, 0, v[i].sub, sizeof(v[i].sub));
        pgs_text(r, (int)i, 1, v[i].sid, sizeof(v[i].sid));
        v[i].created_at = pgs_int(r, (int)i, 2);
        v[i].expires_at = pgs_int(r, (int)i, 3);
        v[i].amr = (int)pgs_int(r, (int)i, 4);
    }
    PQclear(r);
    if (v == NULL)
        return GH_ENOMEM;
    *rows = v;
    *n = len;
    return 0;
}

/* ---- login failures ---- */

static const char SQL_FAIL_GET[] = "SELECT count, last_at FROM login_failure WHERE key = $1";
static const char SQL_FAIL_ADD[] =
    "INSERT INTO login_failure(key, count, last_at) VALUES ($1, 1, $2) ON CONFLICT (key) DO "
    "UPDATE SET count = login_failure.count + 1, last_at = excluded.last_at RETURNING count";
static const char SQL_FAIL_CLEAR[] = "DELETE FROM login_failure WHERE key = $1";

int pgs_login_fail_get(struct gh_store *gs, const char *key, int *count, int64_t *last_at)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_FAIL_GET, &rc, "t", key);
    if (r == NULL)
        return rc;
    int found = PQntuples(r) == 1;
    *count = found ? (int)pgs_int(r, 0, 0) : 0;
    *last_at = found ? pgs_int(r, 0, 1) : 0;
    PQclear(r);
    return 0;
}

struct fail_job {
    const char *key;
    int64_t now;
    int count;
};

static int fail_add_fn(struct pgs_conn *c, void *arg)
{
    struct fail_job *j = arg;
    int rc;
    j->count = 0;
    PGresult *r = pgs_run(c, SQL_FAIL_ADD, &rc, "ti", j->key, j->now);
    if (r == NULL)
        return rc;
    if (PQntuples(r) == 1)
        j->count = (int)pgs_int(r, 0, 0);
    PQclear(r);
    return 0;
}

int pgs_login_fail_add(struct gh_store *gs, const char *key, int64_t now, int *count)
{
    struct fail_job j = {key, now, 0};
    int rc = pgs_write((struct pgs_store *)gs, fail_add_fn, &j);
    *count = j.count;
    return rc;
}

static int fail_clear_fn(struct pgs_conn *c, void *arg)
{
    int rc = pgs_exec(c, SQL_FAIL_CLEAR, "t", (const char *)arg);
    return rc < 0 ? rc : 0;
}

int pgs_login_fail_clear(struct gh_store *gs, const char *key)
{
    return pgs_write((struct pgs_store *)gs, fail_clear_fn, (void *)key);
}

/* ---- purge ---- */

static const char *const SQL_PURGE[] = {
    "DELETE FROM auth_code WHERE hash IN (SELECT hash FROM auth_code WHERE expires_at < $1 "
    "LIMIT $2)",
    /* expired and long-revoked families: two statements, so that each
     * is one index range (an OR over them scanned the table) */
    "DELETE FROM family WHERE id IN (SELECT id FROM family WHERE abs_expires_at < $1 "
    "LIMIT $2)",
    "DELETE FROM family WHERE id IN (SELECT id FROM family WHERE revoked_at <> 0 AND "
    "revoked_at < $1 - 86400 LIMIT $2)",
    /* spent tokens: "state <> 0" is the predicate of their partial index */
    "DELETE FROM refresh_token WHERE hash IN (SELECT hash FROM refresh_token WHERE state "
    "<> " GH_RT_ACTIVE_SQL " "
    "AND idle_expires_at < $1 LIMIT $2)",
    "DELETE FROM revoked_jti WHERE jti IN (SELECT jti FROM revoked_jti WHERE expires_at < $1 "
    "LIMIT $2)",
    "DELETE FROM dpop_jti WHERE (jti_hash, jkt) IN (SELECT jti_hash, jkt FROM dpop_jti WHERE "
    "expires_at < $1 LIMIT $2)",
    "DELETE FROM browser_session WHERE hash IN (SELECT hash FROM browser_session WHERE "
    "expires_at < $1 LIMIT $2)",
    "DELETE FROM login_failure WHERE key IN (SELECT key FROM login_failure WHERE last_at < "
    "$1 - 86400 LIMIT $2)",
    /* registration (RFC 7591 3) and resource indicators (RFC 8707) */
    "DELETE FROM initial_access_token WHERE hash IN (SELECT hash FROM initial_access_token WHERE "
    "expires_at < $1 LIMIT $2)",
    "DELETE FROM grant_resource WHERE code_hash IN (SELECT code_hash FROM grant_resource WHERE "
    "expires_at < $1 LIMIT $2)",
    /* WebAuthn challenges never taken */
    "DELETE FROM webauthn_challenge WHERE hash IN (SELECT hash FROM webauthn_challenge WHERE "
    "expires_at < $1 LIMIT $2)",
    /* a wrapped successor older than the longest window serves nothing */
    "UPDATE refresh_token SET next_wrap = NULL WHERE hash IN (SELECT hash FROM refresh_token "
    "WHERE next_wrap IS NOT NULL AND rotated_at < $1 - " GH_GRACE_MAX_SQL " LIMIT $2)",
};

const char *const *pgs_purge_sql(size_t *n)
{
    *n = GH_ARRAY_LEN(SQL_PURGE);
    return SQL_PURGE;
}

struct purge_job {
    int64_t now;
    int batch, deleted;
};

static int purge_fn(struct pgs_conn *c, void *arg)
{
    struct purge_job *j = arg;
    j->deleted = 0;
    for (size_t i = 0; i < GH_ARRAY_LEN(SQL_PURGE); i++) {
        int rc = pgs_exec(c, SQL_PURGE[i], "ii", j->now, (int64_t)j->batch);
        if (rc < 0)
            return rc;
        j->deleted += rc;
    }
    return 0;
}

int pgs_purge(struct gh_store *gs, int64_t now, int batch, int *deleted)
{
    struct purge_job j = {now, batch, 0};
    int rc = pgs_write((struct pgs_store *)gs, purge_fn, &j);
    *deleted = rc == 0 ? j.deleted : 0;
    return rc;
}
