/*
 * SQLite store: flow-recorder records. Steps are appended in batches by the
 * recorder; flows are listed newest first and pruned to a bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "core/err.h"

static const char SQL_STEP_INSERT[] =
    "INSERT INTO trace_step(flow_id, t_us, dur_us, src, dst, kind, group_kind, status, label, "
    "note, grp, attrs) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 WHERE EXISTS "
    "(SELECT 1 FROM trace_flow WHERE id = ?1)";

struct append_job {
    const char *flow_id;
    const struct gh_trace_step *steps;
    size_t n;
};

static int append_fn(struct sq_conn *c, void *arg)
{
    struct append_job *j = arg;
    for (size_t i = 0; i < j->n; i++) {
        const struct gh_trace_step *t = &j->steps[i];
        int rc =
            sq_exec(c, SQL_STEP_INSERT, "tiiiiiiitttt", j->flow_id, t->t_us, (int64_t)t->dur_us,
                    (int64_t)t->from, (int64_t)t->to, (int64_t)t->kind, (int64_t)t->group_kind,
                    (int64_t)t->status, t->label, t->note, t->group, t->attrs);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int sq_trace_append(struct gh_store *gs, const char *flow_id, const struct gh_trace_step *steps,
                    size_t n)
{
    struct append_job j = {flow_id, steps, n};
    return sq_write((struct sq_store *)gs, append_fn, &j);
}

static const char SQL_FLOW_INSERT[] = "INSERT INTO trace_flow(id, started_us, client_id, sub, "
                                      "outcome) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING";

static int flow_start_fn(struct sq_conn *c, void *arg)
{
    const struct gh_flow_info *f = arg;
    int rc = sq_exec(c, SQL_FLOW_INSERT, "tittt", f->id, f->started_us, f->client_id, f->sub,
                     f->outcome);
    return rc < 0 ? rc : 0;
}

int sq_trace_flow_start(struct gh_store *gs, const struct gh_flow_info *f)
{
    return sq_write((struct sq_store *)gs, flow_start_fn, (void *)f);
}

static const char SQL_FLOW_UPDATE[] =
    "UPDATE trace_flow SET sub = CASE WHEN ?2 <> '' THEN ?2 ELSE sub END, outcome = CASE WHEN "
    "?3 <> '' THEN ?3 ELSE outcome END WHERE id = ?1";

struct flow_update_job {
    const char *id, *sub, *outcome;
};

static int flow_update_fn(struct sq_conn *c, void *arg)
{
    struct flow_update_job *j = arg;
    int rc = sq_exec(c, SQL_FLOW_UPDATE, "ttt", j->id, j->sub ? j->sub : "",
                     j->outcome ? j->outcome : "");
    return rc < 0 ? rc : 0;
}

int sq_trace_flow_update(struct gh_store *gs, const char *flow_id, const char *sub,
                         const char *outcome)
{
    struct flow_update_job j = {flow_id, sub, outcome};
    return sq_write((struct sq_store *)gs, flow_update_fn, &j);
}

static const char SQL_FLOWS[] =
    "SELECT f.id, f.started_us, f.client_id, f.sub, f.outcome, (SELECT count(*) FROM trace_step "
    "s WHERE s.flow_id = f.id) FROM trace_flow f ORDER BY f.started_us, f.id";

static int flow_row(sqlite3_stmt *st, void *out)
{
    struct gh_flow_info *f = out;
    sq_text(st, 0, f->id, sizeof(f->id));
    f->started_us = sqlite3_column_int64(st, 1);
    sq_text(st, 2, f->client_id, sizeof(f->client_id));
    sq_text(st, 3, f->sub, sizeof(f->sub));
    sq_text(st, 4, f->outcome, sizeof(f->outcome));
    f->steps = sqlite3_column_int(st, 5);
    return 0;
}

int sq_trace_flows(struct gh_store *gs, struct gh_flow_info **rows, size_t *n)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_FLOWS) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    return sq_collect(st, sizeof(**rows), flow_row, NULL, (void **)rows, n);
}

static const char SQL_STEPS[] =
    "SELECT t_us, dur_us, src, dst, kind, group_kind, status, label, note, grp, attrs FROM "
    "trace_step "
    "WHERE flow_id = ? ORDER BY t_us, id";

static int step_row(sqlite3_stmt *st, void *out)
{
    struct gh_trace_step *t = out;
    t->t_us = sqlite3_column_int64(st, 0);
    t->dur_us = sqlite3_column_int(st, 1);
    t->from = (uint8_t)sqlite3_column_int(st, 2);
    t->to = (uint8_t)sqlite3_column_int(st, 3);
    t->kind = (uint8_t)sqlite3_column_int(st, 4);
    t->group_kind = (uint8_t)sqlite3_column_int(st, 5);
    t->status = (int16_t)sqlite3_column_int(st, 6);
    sq_text(st, 7, t->label, sizeof(t->label));
    sq_text(st, 8, t->note, sizeof(t->note));
    sq_text(st, 9, t->group, sizeof(t->group));
    sq_text(st, 10, t->attrs, sizeof(t->attrs));
    return 0;
}

int sq_trace_steps(struct gh_store *gs, const char *flow_id, struct gh_trace_step **rows, size_t *n)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_STEPS) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "t", flow_id);
    return sq_collect(st, sizeof(**rows), step_row, NULL, (void **)rows, n);
}

static const char SQL_FLOW_OF_RT[] = "SELECT f.flow_id FROM refresh_token t JOIN family f ON "
                                     "f.id = t.family_id WHERE t.hash = ?";

/* The flow id a one-row query by key finds ("" when none); fmt binds key. */
static int flow_of(struct gh_store *gs, const char *sql, const char *fmt, const void *key,
                   char *flow_id, size_t len)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, sql) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, fmt, key);
    int s = sqlite3_step(st);
    flow_id[0] = '\0';
    if (s == SQLITE_ROW)
        sq_text(st, 0, flow_id, len);
    sqlite3_reset(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : sq_err(s);
}

int sq_trace_flow_of_refresh(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                             char *flow_id, size_t len)
{
    return flow_of(gs, SQL_FLOW_OF_RT, "h", hash, flow_id, len);
}

static const char SQL_FLOW_OF_FAMILY[] = "SELECT flow_id FROM family WHERE id = ?";

int sq_trace_flow_of_family(struct gh_store *gs, const char *family_id, char *flow_id, size_t len)
{
    return flow_of(gs, SQL_FLOW_OF_FAMILY, "t", family_id, flow_id, len);
}

static const char SQL_PRUNE[] = "DELETE FROM trace_flow WHERE id NOT IN (SELECT id FROM "
                                "trace_flow ORDER BY started_us DESC LIMIT ?)";

static int prune_fn(struct sq_conn *c, void *arg)
{
    int rc = sq_exec(c, SQL_PRUNE, "i", (int64_t) * (int *)arg);
    return rc < 0 ? rc : 0;
}

int sq_trace_prune(struct gh_store *gs, int keep_flows)
{
    return sq_write((struct sq_store *)gs, prune_fn, &keep_flows);
}
