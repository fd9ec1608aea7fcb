/*
 * Versioned schema migrations for PostgreSQL. The table gh_schema marks a
 * database as gatehouse's and holds the schema version; a database whose
 * current schema has tables but no marker is foreign and refused, never
 * changed. Migration k is the embedded file schema/pg_vK.sql; migrate
 * applies every missing one in one transaction (DDL is transactional) under
 * an advisory lock, so concurrent or repeated runs are no-ops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/asset.h"
#include "core/log.h"
#include "store/pg_int.h"
#include "core/err.h"

#define GH_PG_LOCK_ID 0x47484853 /* "GHHS": serialises migrations */

static const char SQL_TABLES[] =
    "SELECT (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON "
    "n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', "
    "'v', 'm', 'f')), to_regclass(format('%I.gh_schema', current_schema())) IS NOT NULL";

static int simple(struct pgs_conn *c, const char *sql, PGresult **out)
{
    PGresult *r = PQexec(c->db, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        if (out != NULL)
            *out = r;
        else
            PQclear(r);
        return 0;
    }
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    int rc = GH_ESTORE;
    if (state == NULL || PQstatus(c->db) != CONNECTION_OK || strncmp(state, "08", 2) == 0 ||
        strncmp(state, "57P", 3) == 0) {
        c->broken = 1;
        rc = GH_EUNAVAIL;
    } else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) {
        rc = PG_ERETRY;
    } else {
        const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
        gh_log(GH_LOG_ERROR, "postgresql schema statement failed", "sqlstate", state, "error",
               msg ? msg : "", NULL);
    }
    PQclear(r);
    return rc;
}

/* 0 and *version (0 = empty database); GH_ESCHEMA for a foreign one. */
static int read_version(struct pgs_conn *c, int *version)
{
    PGresult *r = NULL;
    *version = 0;
    int rc = simple(c, SQL_TABLES, &r);
    if (rc < 0)
        return rc;
    if (PQntuples(r) != 1 || PQgetisnull(r, 0, 1)) {
        PQclear(r);
        return GH_ESTORE; /* no current schema (empty search_path) */
    }
    int64_t tables = pgs_int(r, 0, 0);
    int marked = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
    PQclear(r);
    if (!marked)
        return tables > 0 ? GH_ESCHEMA : 0;
    rc = simple(c, "SELECT version FROM gh_schema WHERE id = 1 AND app = 'gatehouse'", &r);
    if (rc < 0)
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return GH_ESCHEMA;
    }
    *version = (int)pgs_int(r, 0, 0);
    PQclear(r);
    return 0;
}

int pgs_check_foreign(struct pgs_conn *c)
{
    int version = 0;
    return read_version(c, &version);
}

struct migrate_job {
    int from, to;
};

static const char SQL_MARK[] =
    "INSERT INTO gh_schema(id, app, version) VALUES (1, 'gatehouse', %d) ON CONFLICT (id) DO "
    "UPDATE SET version = excluded.version";

static int migrate_fn(struct pgs_conn *c, void *arg)
{
    struct migrate_job *m = arg;
    char lock[64];
    m->from = m->to = 0;
    snprintf(lock, sizeof(lock), "SELECT pg_advisory_xact_lock(%d)", GH_PG_LOCK_ID);
    int rc = simple(c, lock, NULL);
    if (rc == 0)
        rc = read_version(c, &m->from);
    if (rc < 0)
        return rc;
    if (m->from > GH_SCHEMA_VERSION)
        return GH_ESCHEMA;
    if (m->from == GH_SCHEMA_VERSION) {
        m->to = m->from;
        return 0;
    }
    for (int v = m->from + 1; v <= GH_SCHEMA_VERSION; v++) {
        char name[32];
        snprintf(name, sizeof(name), "pg_v%d.sql", v);
        const struct gh_asset *a = gh_asset_find(gh_schemas, name);
        if (a == NULL)
            GH_BUG("missing embedded migration");
        if ((rc = simple(c, (const char *)a->data, NULL)) < 0)
            return rc;
    }
    char mark[160];
    snprintf(mark, sizeof(mark), SQL_MARK, GH_SCHEMA_VERSION);
    if ((rc = simple(c, mark, NULL)) < 0)
        return rc;
    m->to = GH_SCHEMA_VERSION;
    return 0;
}

int pgs_migrate(struct gh_store *gs, int *from, int *to)
{
    struct migrate_job m = {0, 0};
    int rc = pgs_write((struct pgs_store *)gs, migrate_fn, &m);
    *from = m.from;
    *to = m.to;
    return rc;
}

int pgs_check_schema(struct gh_store *gs)
{
    struct pgs_store *s = (struct pgs_store *)gs;
    struct pgs_conn *c = NULL;
    int rc = pgs_borrow(s, &c);
    if (rc < 0)
        return rc;
    int version = 0;
    rc = read_version(c, &version);
    pgs_release(s, c);
    if (rc < 0)
        return rc == PG_ERETRY ? GH_EUNAVAIL : rc;
    return version == GH_SCHEMA_VERSION ? 0 : GH_ESCHEMA;
}
