/*
 * PostgreSQL store: flow-recorder records. Steps are appended in batches by
 * the recorder (one transaction per batch); flows are listed oldest first
 * and pruned to a bound. Every process of a deployment writes here, so a
 * flow started on one process and continued on another is one flow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"
#include "core/err.h"

static const char SQL_STEP_INSERT[] =
    "INSERT INTO trace_step(flow_id, t_us, dur_us, src, dst, kind, group_kind, status, label, "
    "note, grp, attrs) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 WHERE EXISTS "
    "(SELECT 1 FROM trace_flow WHERE id = $1)";

struct append_job {
    const char *flow_id;
    const struct gh_trace_step *steps;
    size_t n;
};

static int append_fn(struct pgs_conn *c, void *arg)
{
    struct append_job *j = arg;
    for (size_t i = 0; i < j->n; i++) {
        const struct gh_trace_step *t = &j->steps[i];
        int rc =
            pgs_exec(c, SQL_STEP_INSERT, "tiiiiiiitttt", j->flow_id, t->t_us, (int64_t)t->dur_us,
                     (int64_t)t->from, (int64_t)t->to, (int64_t)t->kind, (int64_t)t->group_kind,
                     (int64_t)t->status, t->label, t->note, t->group, t->attrs);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int pgs_trace_append(struct gh_store *gs, const char *flow_id, const struct gh_trace_step *steps,
                     size_t n)
{
    struct append_job j = {flow_id, steps, n};
    return pgs_write((struct pgs_store *)gs, append_fn, &j);
}

static const char SQL_FLOW_INSERT[] =
    "INSERT INTO trace_flow(id, started_us, client_id, sub, outcome) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (id) DO NOTHING";

static int flow_start_fn(struct pgs_conn *c, void *arg)
{
    const struct gh_flow_info *f = arg;
    int rc = pgs_exec(c, SQL_FLOW_INSERT, "tittt", f->id, f->started_us, f->client_id, f->sub,
                      f->outcome);
    return rc < 0 ? rc : 0;
}

int pgs_trace_flow_start(struct gh_store *gs, const struct gh_flow_info *f)
{
    return pgs_write((struct pgs_store *)gs, flow_start_fn, (void *)f);
}

static const char SQL_FLOW_UPDATE[] =
    "UPDATE trace_flow SET sub = CASE WHEN $2 <> '' THEN $2 ELSE sub END, outcome = CASE WHEN "
    "$3 <> '' THEN $3 ELSE outcome END WHERE id = $1";

struct flow_update_job {
    const char *id, *sub, *outcome;
};

static int flow_update_fn(struct pgs_conn *c, void *arg)
{
    struct flow_update_job *j = arg;
    int rc = pgs_exec(c, SQL_FLOW_UPDATE, "ttt", j->id, j->sub ? j->sub : "",
                      j->outcome ? j->outcome : "");
    return rc < 0 ? rc : 0;
}

int pgs_trace_flow_update(struct gh_store *gs, const char *flow_id, const char *sub,
                          const char *outcome)
{
    struct flow_update_job j = {flow_id, sub, outcome};
    return pgs_write((struct pgs_store *)gs, flow_update_fn, &j);
}

static const char SQL_FLOWS[] =
    "SELECT f.id, f.started_us, f.client_id, f.sub, f.outcome, (SELECT count(*) FROM trace_step "
    "s WHERE s.flow_id = f.id) FROM trace_flow f ORDER BY f.started_us, f.id COLLATE \"C\"";

int pgs_trace_flows(struct gh_store *gs, struct gh_flow_info **rows, size_t *n)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_FLOWS, &rc, "");
    if (r == NULL)
        return rc;
    size_t len = (size_t)PQntuples(r);
    struct gh_flow_info *v = calloc(len ? len : 1, sizeof(*v));
    for (size_t i = 0; v != NULL && i < len; i++) {
        struct gh_flow_info *f = &v[i];
        int row = (int)i;
        pgs_text(r, row, 0, f->id, sizeof(f->id));
        f->started_us = pgs_int(r, row, 1);
        pgs_text(r, row, 2, f->client_id, sizeof(f->client_id));
        pgs_text(r, row, 3, f->sub, sizeof(f->sub));
        pgs_text(r, row, 4, f->outcome, sizeof(f->outcome));
        f->steps = (int)pgs_int(r, row, 5);
    }
    PQclear(r);
    if (v == NULL)
        return GH_ENOMEM;
    *rows = v;
    *n = len;
    return 0;
}

static const char SQL_STEPS[] =
    "SELECT t_us, dur_us, src, dst, kind, group_kind, status, label, note, grp, attrs FROM "
    "trace_step "
    "WHERE flow_id = $1 ORDER BY t_us, id";

int pgs_trace_steps(struct gh_store *gs, const char *flow_id, struct gh_trace_step **rows,
                    size_t *n)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_STEPS, &rc, "t", flow_id);
    if (r == NULL)
        return rc;
    size_t len = (size_t)PQntuples(r);
    struct gh_trace_step *v = calloc(len ? len : 1, sizeof(*v));
    for (size_t i = 0; v != NULL && i < len; i++) {
        struct gh_trace_step *t = &v[i];
        int row = (int)i;
        t->t_us = pgs_int(r, row, 0);
        t->dur_us = (int32_t)pgs_int(r, row, 1);
        t->from = (uint8_t)pgs_int(r, row, 2);
        t->to = (uint8_t)pgs_int(r, row, 3);
        t->kind = (uint8_t)pgs_int(r, row, 4);
        t->group_kind = (uint8_t)pgs_int(r, row, 5);
        t->status = (int16_t)pgs_int(r, row, 6);
        pgs_text(r, row, 7, t->label, sizeof(t->label));
        pgs_text(r, row, 8, t->note, sizeof(t->note));
        pgs_text(r, row, 9, t->group, sizeof(t->group));
        pgs_text(r, row, 10, t->attrs, sizeof(t->attrs));
    }
    PQclear(r);
    if (v == NULL)
        return GH_ENOMEM;
    *rows = v;
    *n = len;
    return 0;
}

static const char SQL_FLOW_OF_RT[] = "SELECT f.flow_id FROM refresh_token t JOIN family f ON "
                                     "f.id = t.family_id WHERE t.hash = $1";

/* The flow id a one-row query by key finds ("" when none); fmt binds key. */
static int flow_of(struct gh_store *gs, const char *sql, const char *fmt, const void *key,
                   char *flow_id, size_t len)
{
    int rc;
    flow_id[0] = '\0';
    PGresult *r = pgs_query((struct pgs_store *)gs, sql, &rc, fmt, key);
    if (r == NULL)
        return rc;
    if (PQntuples(r) == 1)
        pgs_text(r, 0, 0, flow_id, len);
    PQclear(r);
    return 0;
}

int pgs_trace_flow_of_refresh(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                              char *flow_id, size_t len)
{
    return flow_of(gs, SQL_FLOW_OF_RT, "h", hash, flow_id, len);
}

static const char SQL_FLOW_OF_FAMILY[] = "SELECT flow_id FROM family WHERE id = $1";

int pgs_trace_flow_of_family(struct gh_store *gs, const char *family_id, char *flow_id, size_t len)
{
    return flow_of(gs, SQL_FLOW_OF_FAMILY, "t", family_id, flow_id, len);
}

static const char SQL_PRUNE[] = "DELETE FROM trace_flow WHERE id NOT IN (SELECT id FROM "
                                "trace_flow ORDER BY started_us DESC LIMIT $1)";

static int prune_fn(struct pgs_conn *c, void *arg)
{
    int rc = pgs_exec(c, SQL_PRUNE, "i", (int64_t) * (int *)arg);
    return rc < 0 ? rc : 0;
}

int pgs_trace_prune(struct gh_store *gs, int keep_flows)
{
    return pgs_write((struct pgs_store *)gs, prune_fn, &keep_flows);
}
