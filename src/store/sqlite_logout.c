/*
 * Logout on SQLite (store.h logout_session, bcl_*): ending a browser
 * session with the refresh-token families issued under it (OpenID Connect
 * RP-Initiated Logout 1.0 section 2), and the durable queue of back-channel
 * logout deliveries (Back-Channel Logout 1.0 section 2.5), which servers
 * claim with a lease so that each delivery is made by one of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "core/err.h"

static const char SQL_SESSION_OF[] = "SELECT sub, sid FROM browser_session WHERE hash = ?";
static const char SQL_SESSION_BY_SID[] =
    "SELECT hash FROM browser_session WHERE sid = ? AND sub = ? LIMIT 1";
/* one delivery per client that got tokens in the session ?2 of user ?1 */
static const char SQL_QUEUE_SESSION[] =
    "INSERT INTO bcl_queue(client_id, uri, sub, sid, flow_id, created_at, next_at) "
    "SELECT f.client_id, c.backchannel_logout_uri, ?1, ?2, max(f.flow_id), ?3, ?4 FROM family f "
    "JOIN client c ON c.id = f.client_id WHERE f.sid = ?2 AND f.sub = ?1 AND "
    "c.backchannel_logout_uri <> '' GROUP BY f.client_id, c.backchannel_logout_uri";
/* the trace flow of the session's latest grant */
static const char SQL_FLOW_OF_SID[] =
    "SELECT flow_id FROM family WHERE sid = ?1 AND sub = ?2 AND flow_id <> '' ORDER BY "
    "created_at DESC LIMIT 1";
static const char SQL_RT_REVOKE_SID[] =
    "UPDATE refresh_token SET state = ?2, next_wrap = NULL WHERE family_id IN (SELECT id FROM "
    "family WHERE sid = ?1 AND revoked_at = 0)";
static const char SQL_FAMILY_REVOKE_SID[] =
    "UPDATE family SET revoked_at = ?1 WHERE sid = ?2 AND revoked_at = 0";
static const char SQL_SESSION_DELETE[] = "DELETE FROM browser_session WHERE hash = ?";

struct logout_job {
    const struct gh_logout_req *req;
    unsigned char hash[GH_SHA256_LEN];
    int64_t now_ms;
    struct gh_logout *out;
};

/* The cookie hash of the session with req's sid and sub into j->hash. */
static int hash_of_sid(struct sq_conn *c, struct logout_job *j)
{
    sqlite3_stmt *st = sq_prep(c, SQL_SESSION_BY_SID);
    if (st == NULL)
        return GH_ESTORE;
    sq_bind(st, "tt", j->req->sid, j->req->sub);
    int s = sqlite3_step(st);
    int rc = s == SQLITE_ROW ? 0 : s == SQLITE_DONE ? GH_ENOTFOUND : sq_err(s);
    if (rc == 0 && sqlite3_column_bytes(st, 0) == GH_SHA256_LEN)
        memcpy(j->hash, sqlite3_column_blob(st, 0), GH_SHA256_LEN);
    else if (rc == 0)
        rc = GH_ENOTFOUND;
    sqlite3_reset(st);
    return rc;
}

static int logout_fn(struct sq_conn *c, void *arg)
{
    struct logout_job *j = arg;
    struct gh_logout *o = j->out;
    memset(o, 0, sizeof(*o));
    int rc = 0;
    if (j->req->hash != NULL)
        memcpy(j->hash, j->req->hash, GH_SHA256_LEN);
    else if ((rc = hash_of_sid(c, j)) < 0)
        return rc;
    sqlite3_stmt *st = sq_prep(c, SQL_SESSION_OF);
    if (st == NULL)
        return GH_ESTORE;
    sq_bind(st, "h", j->hash);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        sq_text(st, 0, o->sub, sizeof(o->sub));
        sq_text(st, 1, o->sid, sizeof(o->sid));
    }
    sqlite3_reset(st);
    if (s != SQLITE_ROW)
        return s == SQLITE_DONE ? GH_ENOTFOUND : sq_err(s);
    if (o->sid[0] != '\0') {
        sqlite3_stmt *fl = sq_prep(c, SQL_FLOW_OF_SID);
        if (fl != NULL) {
            sq_bind(fl, "tt", o->sid, o->sub);
            if (sqlite3_step(fl) == SQLITE_ROW)
                sq_text(fl, 0, o->flow_id, sizeof(o->flow_id));
            sqlite3_reset(fl);
        }
        rc = sq_exec(c, SQL_QUEUE_SESSION, "ttii", o->sub, o->sid, j->now_ms / 1000, j->now_ms);
        o->queued = rc < 0 ? 0 : rc;
        if (rc >= 0)
            rc = sq_exec(c, SQL_RT_REVOKE_SID, "ti", o->sid, (int64_t)GH_RT_REVOKED);
        if (rc >= 0)
            rc = sq_exec(c, SQL_FAMILY_REVOKE_SID, "it", j->now_ms / 1000, o->sid);
        o->families = rc < 0 ? 0 : rc;
    }
    if (rc >= 0)
        rc = sq_exec(c, SQL_SESSION_DELETE, "h", j->hash);
    return rc < 0 ? rc : 0;
}

int sq_logout_session(struct gh_store *gs, const struct gh_logout_req *req, struct gh_logout *out)
{
    struct logout_job j = {.req = req, .now_ms = req->now_ms, .out = out};
    return sq_write((struct sq_store *)gs, logout_fn, &j);
}

static const char SQL_QUEUE_USER[] =
    "INSERT INTO bcl_queue(client_id, uri, sub, sid, flow_id, created_at, next_at) "
    "SELECT f.client_id, c.backchannel_logout_uri, f.sub, f.sid, max(f.flow_id), ?2, ?3 FROM "
    "family f JOIN client c ON c.id = f.client_id WHERE f.sub = ?1 AND f.sid <> '' AND "
    "c.backchannel_logout_uri <> '' AND f.sid IN (SELECT sid FROM browser_session WHERE sub = "
    "?1) GROUP BY f.client_id, c.backchannel_logout_uri, f.sub, f.sid";

struct user_job {
    const char *sub;
    int64_t now_ms;
    int n;
};

static int enqueue_user_fn(struct sq_conn *c, void *arg)
{
    struct user_job *j = arg;
    int rc = sq_exec(c, SQL_QUEUE_USER, "tii", j->sub, j->now_ms / 1000, j->now_ms);
    j->n = rc < 0 ? 0 : rc;
    return rc < 0 ? rc : 0;
}

int sq_bcl_enqueue_user(struct gh_store *gs, const char *sub, int64_t now_ms, int *n)
{
    struct user_job j = {sub, now_ms, 0};
    int rc = sq_write((struct sq_store *)gs, enqueue_user_fn, &j);
    *n = rc == 0 ? j.n : 0;
    return rc;
}

static const char SQL_CLAIM[] =
    "UPDATE bcl_queue SET lease_until = ?2 WHERE id IN (SELECT id FROM bcl_queue WHERE next_at "
    "<= ?1 AND lease_until <= ?1 ORDER BY next_at LIMIT ?3) RETURNING id, client_id, uri, sub, "
    "sid, flow_id, tries, created_at";

static int bcl_row(sqlite3_stmt *st, void *out)
{
    struct gh_bcl *b = out;
    b->id = sqlite3_column_int64(st, 0);
    sq_text(st, 1, b->client_id, sizeof(b->client_id));
    sq_text(st, 2, b->uri, sizeof(b->uri));
    sq_text(st, 3, b->sub, sizeof(b->sub));
    sq_text(st, 4, b->sid, sizeof(b->sid));
    sq_text(st, 5, b->flow_id, sizeof(b->flow_id));
    b->tries = sqlite3_column_int(st, 6);
    b->created_at = sqlite3_column_int64(st, 7);
    return 0;
}

struct claim_job {
    int64_t now_ms, lease_until_ms;
    int max;
    struct gh_bcl *rows;
    size_t n;
};

static int claim_fn(struct sq_conn *c, void *arg)
{
    struct claim_job *j = arg;
    free(j->rows);
    j->rows = NULL;
    j->n = 0;
    sqlite3_stmt *st = sq_prep(c, SQL_CLAIM);
    if (st == NULL)
        return GH_ESTORE;
    sq_bind(st, "iii", j->now_ms, j->lease_until_ms, (int64_t)j->max);
    void *rows = NULL;
    size_t n = 0;
    int rc = sq_collect(st, sizeof(struct gh_bcl), bcl_row, NULL, &rows, &n);
    if (rc == 0) {
        j->rows = rows;
        j->n = n;
    }
    return rc;
}

static const char SQL_DUE[] =
    "SELECT 1 FROM bcl_queue WHERE next_at <= ?1 AND lease_until <= ?1 LIMIT 1";

/* 1 when a delivery is due: a read, so an idle poll writes nothing */
static int any_due(struct gh_store *gs, int64_t now_ms)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_DUE) : NULL;
    if (st == NULL)
        return 1; /* let the claim tell */
    sq_bind(st, "i", now_ms);
    int due = sqlite3_step(st) != SQLITE_DONE;
    sqlite3_reset(st);
    return due;
}

int sq_bcl_claim(struct gh_store *gs, int64_t now_ms, int64_t lease_until_ms, int max,
                 struct gh_bcl **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    if (!any_due(gs, now_ms))
        return 0;
    struct claim_job j = {now_ms, lease_until_ms, max, NULL, 0};
    int rc = sq_write((struct sq_store *)gs, claim_fn, &j);
    if (rc < 0) {
        free(j.rows);
        j.rows = NULL;
        j.n = 0;
    }
    *rows = j.rows;
    *n = j.n;
    return rc;
}

static const char SQL_BCL_DELETE[] = "DELETE FROM bcl_queue WHERE id = ?";
static const char SQL_BCL_RETRY[] =
    "UPDATE bcl_queue SET tries = tries + 1, next_at = ?2, lease_until = 0 WHERE id = ?1";

struct settle_job {
    int64_t id, next_at_ms;
};

static int settle_fn(struct sq_conn *c, void *arg)
{
    struct settle_job *j = arg;
    int rc = j->next_at_ms == 0 ? sq_exec(c, SQL_BCL_DELETE, "i", j->id)
                                : sq_exec(c, SQL_BCL_RETRY, "ii", j->id, j->next_at_ms);
    return rc < 0 ? rc : 0;
}

int sq_bcl_settle(struct gh_store *gs, int64_t id, int64_t next_at_ms)
{
    struct settle_job j = {id, next_at_ms};
    return sq_write((struct sq_store *)gs, settle_fn, &j);
}
