/*
 * Versioned schema migrations for SQLite. The database is marked with
 * PRAGMA application_id (so a foreign file is refused, never overwritten)
 * and PRAGMA user_version (the schema version). Migration k is the embedded
 * file schema/sqlite_vK.sql; init applies every missing one in one
 * transaction, so running it again is a no-op.
 */
#include <stdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/asset.h"
#include "store/sqlite_int.h"
#include "core/err.h"

#define GH_SQLITE_APP_ID 0x47484853 /* "GHHS" */

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : sq_err(rc);
}

/* 0 and *version; GH_ESCHEMA for a foreign database. */
static int read_version(sqlite3 *db, int *version)
{
    int app = 0, tables = 0;
    int rc = pragma_int(db, "PRAGMA application_id", &app);
    if (rc == 0)
        rc = pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables);
    if (rc == 0)
        rc = pragma_int(db, "PRAGMA user_version", version);
    if (rc < 0)
        return rc;
    if (app != GH_SQLITE_APP_ID && (tables > 0 || app != 0))
        return GH_ESCHEMA;
    return 0;
}

int sq_check_foreign(sqlite3 *db)
{
    int version = 0;
    return read_version(db, &version);
}

struct migrate_job {
    int from, to;
};

static int migrate_fn(struct sq_conn *c, void *arg)
{
    struct migrate_job *m = arg;
    int rc = read_version(c->db, &m->from);
    if (rc < 0)
        return rc;
    if (m->from > GH_SCHEMA_VERSION)
        return GH_ESCHEMA;
    for (int v = m->from + 1; v <= GH_SCHEMA_VERSION; v++) {
        char name[32];
        snprintf(name, sizeof(name), "sqlite_v%d.sql", v);
        const struct gh_asset *a = gh_asset_find(gh_schemas, name);
        if (a == NULL)
            GH_BUG("missing embedded migration");
        if (sqlite3_exec(c->db, (const char *)a->data, NULL, NULL, NULL) != SQLITE_OK)
            return GH_ESTORE;
    }
    char sql[96];
    snprintf(sql, sizeof(sql), "PRAGMA application_id=%d; PRAGMA user_version=%d;",
             GH_SQLITE_APP_ID, GH_SCHEMA_VERSION);
    if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return GH_ESTORE;
    m->to = GH_SCHEMA_VERSION;
    return 0;
}

int sq_migrate(struct gh_store *gs, int *from, int *to)
{
    struct migrate_job m = {0, 0};
    int rc = sq_write((struct sq_store *)gs, migrate_fn, &m);
    *from = m.from;
    *to = m.to;
    return rc;
}

int sq_check_schema(struct gh_store *gs)
{
    struct sq_store *s = (struct sq_store *)gs;
    struct sq_conn *c = sq_reader(s);
    if (c == NULL)
        return GH_EUNAVAIL;
    int version = 0;
    int rc = read_version(c->db, &version);
    if (rc < 0)
        return rc;
    return version == GH_SCHEMA_VERSION ? 0 : GH_ESCHEMA;
}
