/*
 * Logout on PostgreSQL (store.h logout_session, bcl_*): ending a browser
 * session with the refresh-token families issued under it (OpenID Connect
 * RP-Initiated Logout 1.0 section 2), and the durable queue of back-channel
 * logout deliveries (Back-Channel Logout 1.0 section 2.5). Servers sharing
 * the database claim due rows with FOR UPDATE SKIP LOCKED and a lease, so
 * each delivery is made by one of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"
#include "core/err.h"

static const char SQL_SESSION_OF[] =
    "DELETE FROM browser_session WHERE hash = $1 RETURNING sub, sid";
static const char SQL_SESSION_OF_SID[] =
    "DELETE FROM browser_session WHERE hash = (SELECT hash FROM browser_session WHERE sid = $1 "
    "AND sub = $2 LIMIT 1) RETURNING sub, sid";
/* one delivery per client that got tokens in the session $2 of user $1 */
static const char SQL_QUEUE_SESSION[] =
    "INSERT INTO bcl_queue(client_id, uri, sub, sid, flow_id, created_at, next_at) "
    "SELECT f.client_id, c.backchannel_logout_uri, $1, $2, max(f.flow_id), $3, $4 FROM family f "
    "JOIN client c ON c.id = f.client_id WHERE f.sid = $2 AND f.sub = $1 AND "
    "c.backchannel_logout_uri <> '' GROUP BY f.client_id, c.backchannel_logout_uri";
/* the trace flow of the session's latest grant */
static const char SQL_FLOW_OF_SID[] =
    "SELECT flow_id FROM family WHERE sid = $1 AND sub = $2 AND flow_id <> '' ORDER BY "
    "created_at DESC LIMIT 1";
static const char SQL_RT_REVOKE_SID[] =
    "UPDATE refresh_token SET state = $2, next_wrap = NULL WHERE family_id IN (SELECT id FROM "
    "family WHERE sid = $1 AND revoked_at = 0)";
static const char SQL_FAMILY_REVOKE_SID[] =
    "UPDATE family SET revoked_at = $1 WHERE sid = $2 AND revoked_at = 0";

struct logout_job {
    const struct gh_logout_req *req;
    int64_t now_ms;
    struct gh_logout *out;
};

static int logout_fn(struct pgs_conn *c, void *arg)
{
    struct logout_job *j = arg;
    struct gh_logout *o = j->out;
    memset(o, 0, sizeof(*o));
    int rc;
    PGresult *r = j->req->hash != NULL
                      ? pgs_run(c, SQL_SESSION_OF, &rc, "h", j->req->hash)
                      : pgs_run(c, SQL_SESSION_OF_SID, &rc, "tt", j->req->sid, j->req->sub);
    if (r == NULL)
        return rc;
    int found = PQntuples(r) == 1;
    if (found) {
        pgs_text(r, 0, 0, o->sub, sizeof(o->sub));
        pgs_text(r, 0, 1, o->sid, sizeof(o->sid));
    }
    PQclear(r);
    if (!found)
        return GH_ENOTFOUND;
    if (o->sid[0] == '\0')
        return 0;
    r = pgs_run(c, SQL_FLOW_OF_SID, &rc, "tt", o->sid, o->sub);
    if (r == NULL)
        return rc;
    if (PQntuples(r) == 1)
        pgs_text(r, 0, 0, o->flow_id, sizeof(o->flow_id));
    PQclear(r);
    rc = pgs_exec(c, SQL_QUEUE_SESSION, "ttii", o->sub, o->sid, j->now_ms / 1000, j->now_ms);
    o->queued = rc < 0 ? 0 : rc;
    if (rc >= 0)
        rc = pgs_exec(c, SQL_RT_REVOKE_SID, "ti", o->sid, (int64_t)GH_RT_REVOKED);
    if (rc >= 0)
        rc = pgs_exec(c, SQL_FAMILY_REVOKE_SID, "it", j->now_ms / 1000, o->sid);
    o->families = rc < 0 ? 0 : rc;
    return rc < 0 ? rc : 0;
}

int pgs_logout_session(struct gh_store *gs, const struct gh_logout_req *req, struct gh_logout *out)
{
    struct logout_job j = {req, req->now_ms, out};
    return pgs_write((struct pgs_store *)gs, logout_fn, &j);
}

static const char SQL_QUEUE_USER[] =
    "INSERT INTO bcl_queue(client_id, uri, sub, sid, flow_id, created_at, next_at) "
    "SELECT f.client_id, c.backchannel_logout_uri, f.sub, f.sid, max(f.flow_id), $2, $3 FROM "
    "family f JOIN client c ON c.id = f.client_id WHERE f.sub = $1 AND f.sid <> '' AND "
    "c.backchannel_logout_uri <> '' AND f.sid IN (SELECT sid FROM browser_session WHERE sub = "
    "$1) GROUP BY f.client_id, c.backchannel_logout_uri, f.sub, f.sid";

struct user_job {
    const char *sub;
    int64_t now_ms;
    int n;
};

static int enqueue_user_fn(struct pgs_conn *c, void *arg)
{
    struct user_job *j = arg;
    int rc = pgs_exec(c, SQL_QUEUE_USER, "tii", j->sub, j->now_ms / 1000, j->now_ms);
    j->n = rc < 0 ? 0 : rc;
    return rc < 0 ? rc : 0;
}

int pgs_bcl_enqueue_user(struct gh_store *gs, const char *sub, int64_t now_ms, int *n)
{
    struct user_job j = {sub, now_ms, 0};
    int rc = pgs_write((struct pgs_store *)gs, enqueue_user_fn, &j);
    *n = rc == 0 ? j.n : 0;
    return rc;
}

/* rows another server is sending are locked or leased: skipped, never waited for */
static const char SQL_CLAIM[] =
    "UPDATE bcl_queue SET lease_until = $2 WHERE id IN (SELECT id FROM bcl_queue WHERE next_at "
    "<= $1 AND lease_until <= $1 ORDER BY next_at LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING id, "
    "client_id, uri, sub, sid, flow_id, tries, created_at";

struct claim_job {
    int64_t now_ms, lease_until_ms;
    int max;
    struct gh_bcl *rows;
    size_t n;
};

static int claim_fn(struct pgs_conn *c, void *arg)
{
    struct claim_job *j = arg;
    free(j->rows);
    j->rows = NULL;
    j->n = 0;
    int rc;
    PGresult *r = pgs_run(c, SQL_CLAIM, &rc, "iii", j->now_ms, j->lease_until_ms, (int64_t)j->max);
    if (r == NULL)
        return rc;
    size_t len = (size_t)PQntuples(r);
    j->rows = calloc(len ? len : 1, sizeof(*j->rows));
    for (size_t i = 0; j->rows != NULL && i < len; i++) {
        struct gh_bcl *b = &j->rows[i];
        int row = (int)i;
        b->id = pgs_int(r, row, 0);
        pgs_text(r, row, 1, b->client_id, sizeof(b->client_id));
        pgs_text(r, row, 2, b->uri, sizeof(b->uri));
        pgs_text(r, row, 3, b->sub, sizeof(b->sub));
        pgs_text(r, row, 4, b->sid, sizeof(b->sid));
        pgs_text(r, row, 5, b->flow_id, sizeof(b->flow_id));
        b->tries = (int)pgs_int(r, row, 6);
        b->created_at = pgs_int(r, row, 7);
    }
    PQclear(r);
    if (j->rows == NULL)
        return GH_ENOMEM;
    j->n = len;
    return 0;
}

static const char SQL_DUE[] =
    "SELECT 1 FROM bcl_queue WHERE next_at <= $1 AND lease_until <= $1 LIMIT 1";

int pgs_bcl_claim(struct gh_store *gs, int64_t now_ms, int64_t lease_until_ms, int max,
                  struct gh_bcl **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    int rc;
    /* a read first, so an idle poll opens no write transaction */
    PGresult *due = pgs_query((struct pgs_store *)gs, SQL_DUE, &rc, "i", now_ms);
    if (due == NULL)
        return rc;
    int any = PQntuples(due) > 0;
    PQclear(due);
    if (!any)
        return 0;
    struct claim_job j = {now_ms, lease_until_ms, max, NULL, 0};
    rc = pgs_write((struct pgs_store *)gs, claim_fn, &j);
    if (rc < 0 || j.n == 0) {
        free(j.rows);
        j.rows = NULL;
        j.n = 0;
    }
    *rows = j.rows;
    *n = j.n;
    return rc;
}

static const char SQL_BCL_DELETE[] = "DELETE FROM bcl_queue WHERE id = $1";
static const char SQL_BCL_RETRY[] =
    "UPDATE bcl_queue SET tries = tries + 1, next_at = $2, lease_until = 0 WHERE id = $1";

int pgs_bcl_settle(struct gh_store *gs, int64_t id, int64_t next_at_ms)
{
    int rc = next_at_ms == 0
                 ? pgs_exec1((struct pgs_store *)gs, SQL_BCL_DELETE, "i", id)
                 : pgs_exec1((struct pgs_store *)gs, SQL_BCL_RETRY, "ii", id, next_at_ms);
    return rc < 0 ? (rc == PG_ERETRY ? GH_EUNAVAIL : rc) : 0;
}
