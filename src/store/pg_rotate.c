/*
 * PostgreSQL store: refresh-token rotation (docs/internals/store.md,
 * "PostgreSQL"). The winning path is one conditional statement (the token
 * taken, its successor inserted); a rotation that did not win runs the
 * general path in a transaction, which reads the rows afresh and asks
 * proto/grant.c what they mean (pg_grant.c's header says more).
 *
 * Group commit: under load a rotation's commit costs the database more
 * than its statement (a WAL record, a flush to wait for, a round trip).
 * The token endpoint's rotations therefore queue here, and one of a
 * process's write threads at a time (PG_BATCH_RUNNERS) sends up to
 * PG_BATCH_MAX of them at once through libpq's pipeline mode: the winning
 * statements one after the other, then one Sync, which makes them one
 * transaction with one commit and one round trip. No answer leaves before
 * that commit is acknowledged. A rotation the batch did not take (replay,
 * grace, reuse, revoked, unknown) runs the general path afterwards, as its
 * own job of the work queue; when the batch failed as a whole (a deadlock
 * with another process's batch, a lost connection: its commit may or may
 * not have happened) every rotation of it runs the single path, which
 * finds out what happened (its own successor there means it won).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/workq.h"
#include "store/pg_int.h"
#include "core/err.h"

/* The conditional UPDATE that decides which of racing rotations takes the
 * token (the SQL form of GH_ROTATE_OK, proto/grant.h), feeding the insert
 * of the successor: the winning path in one statement, one round trip. The
 * rotated row names its successor and keeps it wrapped (NULL: no grace
 * window). Revoking a family also marks its tokens revoked; the family
 * test is belt and braces. */
static const char SQL_RT_TAKE[] =
    "WITH taken AS (UPDATE refresh_token SET state = $5, rotated_at = $1, next_hash = $3, "
    "next_wrap = $7 WHERE hash = $2 AND state = $6 AND family_id IN (SELECT id FROM family WHERE "
    "revoked_at = 0) RETURNING family_id) INSERT INTO refresh_token(hash, family_id, state, "
    "created_at, idle_expires_at) SELECT $3, family_id, $6, $1, $4 FROM taken";
/* SQL_RT_TAKE's parameters for the rotation r */
#define RT_TAKE_FMT "ihhiiiw"
#define RT_TAKE_ARGS(r)                                                                            \
    (r)->now, (r)->old_hash, (r)->new_hash, (r)->idle_expires_at, (int64_t)GH_RT_ROTATED,          \
        (int64_t)GH_RT_ACTIVE, (r)->wrapped ? (r)->wrap : NULL
/* What a rotation that did not take the token needs to know: the token,
 * its family, and the successor it was rotated to, which may be this very
 * request's (an attempt whose answer was lost with its connection). */
static const char SQL_RT_FACTS[] =
    "SELECT t.state, t.rotated_at, t.idle_expires_at, f.revoked_at, f.abs_expires_at, f.id, "
    "coalesce(t.next_hash = $2, false)::int, coalesce(n.state = $3, false)::int, t.next_wrap "
    "FROM refresh_token t JOIN family f ON f.id = t.family_id LEFT JOIN refresh_token n ON "
    "n.hash = t.next_hash WHERE t.hash = $1";

static int take_token(struct pgs_conn *c, const struct gh_rotate *r)
{
    return pgs_exec(c, SQL_RT_TAKE, RT_TAKE_FMT, RT_TAKE_ARGS(r));
}

/* The facts, the family id and the wrapped successor (when kept). */
static int rt_facts(struct pgs_conn *c, const struct gh_rotate *r, struct gh_rt_facts *f,
                    char *family, size_t len, unsigned char wrap[GH_RT_WRAP_LEN])
{
    int rc;
    PGresult *res =
        pgs_run(c, SQL_RT_FACTS, &rc, "hhi", r->old_hash, r->new_hash, (int64_t)GH_RT_ACTIVE);
    if (res == NULL)
        return rc;
    /* the caller checked the client; it never changes */
    *f = (struct gh_rt_facts){.found = PQntuples(res) == 1};
    if (f->found) {
        f->state = (int)pgs_int(res, 0, 0);
        f->rotated_at = pgs_int(res, 0, 1);
        f->idle_expires_at = pgs_int(res, 0, 2);
        f->family_revoked = pgs_int(res, 0, 3) != 0;
        f->abs_expires_at = pgs_int(res, 0, 4);
        pgs_text(res, 0, 5, family, len);
        f->own_successor = pgs_int(res, 0, 6) != 0;
        f->successor_active = pgs_int(res, 0, 7) != 0;
        f->successor_wrapped = pgs_blob(res, 0, 8, wrap, GH_RT_WRAP_LEN) == 0;
    }
    PQclear(res);
    return 0;
}

/* The general path, in a transaction: take the token, or find out why not
 * (a racing rotation has committed by now: our UPDATE waited for it). */
static int rotate_fn(struct pgs_conn *c, void *arg)
{
    struct gh_store_call *j = arg;
    const struct gh_rotate *r = j->req;
    struct gh_rotated *out = j->out;
    out->result = GH_ROTATE_INVALID;
    int rc = take_token(c, r);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        out->result = GH_ROTATE_OK;
        return 0;
    }
    /* Not taken: ask why (proto/grant.h) and do what the answer needs. */
    struct gh_rt_facts f;
    char family[40];
    if ((rc = rt_facts(c, r, &f, family, sizeof(family), out->wrap)) < 0)
        return rc;
    out->result = gh_grant_rotate(&f, r->now, r->grace);
    switch (out->result) {
    case GH_ROTATE_REUSED:
        return pgs_family_revoke_in(c, family, r->now);
    case GH_ROTATE_OK:
        return f.own_successor ? 0 : GH_ESTORE; /* live yet not taken: cannot happen */
    default:
        return 0; /* GH_ROTATE_GRACE hands back out->wrap, changes nothing */
    }
}

static int rotate_op(struct pgs_store *s, void *arg)
{
    struct gh_store_call *j = arg;
    const struct gh_rotate *r = j->req;
    struct gh_rotated *out = j->out;
    out->result = GH_ROTATE_INVALID;
    int rc = pgs_exec1(s, SQL_RT_TAKE, RT_TAKE_FMT, RT_TAKE_ARGS(r));
    if (rc == 1) {
        out->result = GH_ROTATE_OK;
        return 0;
    }
    /* not won, or unknown after a lost connection: the transaction finds
     * out which (grace, reuse, revoked, unknown, or our own success) */
    if (rc < 0 && rc != GH_EUNAVAIL && rc != PG_ERETRY)
        return rc;
    return pgs_write(s, rotate_fn, j);
}

int pgs_refresh_rotate(struct gh_store *gs, const struct gh_rotate *r, struct gh_rotated *out)
{
    struct gh_store_call j = {r, out, NULL, NULL};
    return rotate_op((struct pgs_store *)gs, &j);
}

/* ---- group commit ---- */

/* A queued rotation; its job (the work queue's) appends it to the batch
 * queue, then serves the queue if fewer than PG_BATCH_RUNNERS do. */
struct pgs_rot {
    struct gh_work work; /* first */
    struct pgs_store *s;
    struct gh_store_call *call;
    struct pgs_rot *next;
};

/* The batch's statements and Sync, then their results: taken[i] 1 when
 * rotation i took its token, 0 when not. 0, or a negative gh_err when the
 * batch as a whole did not commit (or may not have). */
static int pipeline_take(struct pgs_conn *c, struct pgs_rot **rots, int n, int *taken)
{
    if (!PQenterPipelineMode(c->db)) {
        c->broken = 1;
        return GH_EUNAVAIL;
    }
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        const struct gh_rotate *r = rots[i]->call->req;
        rc = pgs_send(c, SQL_RT_TAKE, RT_TAKE_FMT, RT_TAKE_ARGS(r));
    }
    if (rc < 0 || !PQpipelineSync(c->db)) {
        c->broken = 1;
        return GH_EUNAVAIL;
    }
    /* each statement's result, each followed by NULL; then the Sync (an
     * error before it: the commit failed) */
    int failed = 0, synced = 0, nulls = 0;
    for (int i = 0; i < n && !c->broken; i++) {
        PGresult *r = PQgetResult(c->db);
        if (r == NULL) {
            c->broken = 1;
            break;
        }
        if (PQresultStatus(r) == PGRES_COMMAND_OK)
            taken[i] = strtol(PQcmdTuples(r), NULL, 10) == 1;
        else
            failed = 1;
        PQclear(r);
        while ((r = PQgetResult(c->db)) != NULL) {
            failed = 1; /* more than one result for a statement: never expected */
            PQclear(r);
        }
    }
    while (!c->broken && !synced && nulls < 2) {
        PGresult *r = PQgetResult(c->db);
        if (r == NULL) {
            nulls++;
            continue;
        }
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC)
            synced = 1;
        else
            failed = 1;
        PQclear(r);
    }
    if (!synced || !PQexitPipelineMode(c->db) || PQstatus(c->db) != CONNECTION_OK)
        c->broken = 1;
    if (c->broken)
        return GH_EUNAVAIL;
    return failed ? GH_ESTORE : 0;
}

static int batch_take(struct pgs_store *s, struct pgs_rot **rots, int n, int *taken)
{
    struct pgs_conn *c = NULL;
    int rc = pgs_borrow(s, &c);
    if (rc < 0)
        return rc;
    int64_t t0 = gh_mono_us();
    rc = pgs_prepare(c, SQL_RT_TAKE, RT_TAKE_FMT);
    if (rc == 0)
        rc = pipeline_take(c, rots, n, taken);
    pgs_release(s, c);
    gh_metric_observe(GH_H_DB_WRITE, gh_mono_us() - t0);
    return rc;
}

/* The general path of a rotation the batch did not take. */
static int general_op(struct pgs_store *s, void *arg)
{
    return pgs_write(s, rotate_fn, arg);
}

/* One batch, answered: the rotations it took at once; the others go back
 * to the work queue for their own path (a flood of replayed tokens must
 * not hold up the batches). */
static void batch_run(struct pgs_store *s, struct pgs_rot **rots, int n)
{
    int taken[PG_BATCH_MAX] = {0};
    int rc = batch_take(s, rots, n, taken);
    for (int i = 0; i < n; i++) {
        struct gh_store_call *call = rots[i]->call;
        free(rots[i]);
        if (rc == 0 && taken[i]) {
            ((struct gh_rotated *)call->out)->result = GH_ROTATE_OK;
            gh_store_call_finish(call, 0);
            continue;
        }
        /* not taken: the general path says why; the batch failed: the
         * single path, which finds out whether it committed after all */
        int (*op)(struct pgs_store *, void *) = rc == 0 ? general_op : rotate_op;
        if (pgs_async(s, op, call, gh_store_call_finish, call) < 0)
            gh_store_call_finish(call, op(s, call));
    }
}

static void rot_job(struct gh_work *w)
{
    struct pgs_rot *me = (struct pgs_rot *)w;
    struct pgs_store *s = me->s;
    pthread_mutex_lock(&s->batch_lock);
    *s->batch_tail = me;
    s->batch_tail = &me->next;
    if (s->batch_runners >= PG_BATCH_RUNNERS) {
        /* a runner serves the queue until it is empty: it takes me too */
        pthread_mutex_unlock(&s->batch_lock);
        return;
    }
    s->batch_runners++;
    for (;;) {
        struct pgs_rot *rots[PG_BATCH_MAX];
        int n = 0;
        while (n < PG_BATCH_MAX && s->batch_head != NULL) {
            rots[n] = s->batch_head;
            s->batch_head = rots[n++]->next;
        }
        if (s->batch_head == NULL)
            s->batch_tail = &s->batch_head;
        if (n == 0)
            break;
        pthread_mutex_unlock(&s->batch_lock);
        batch_run(s, rots, n);
        pthread_mutex_lock(&s->batch_lock);
    }
    s->batch_runners--;
    pthread_mutex_unlock(&s->batch_lock);
}

int pgs_refresh_rotate_async(struct gh_store *gs, const struct gh_rotate *r, struct gh_rotated *out,
                             gh_store_done done, void *arg)
{
    struct pgs_store *s = (struct pgs_store *)gs;
    out->result = GH_ROTATE_INVALID;
    struct gh_store_call *call = gh_store_call_new(r, out, done, arg);
    struct pgs_rot *rot = calloc(1, sizeof(*rot));
    if (call == NULL || rot == NULL) {
        free(call);
        free(rot);
        return GH_ENOMEM;
    }
    *rot = (struct pgs_rot){{rot_job, NULL}, s, call, NULL};
    int rc = gh_workq_push(s->async, &rot->work);
    if (rc < 0) {
        free(call);
        free(rot);
    }
    return rc;
}
