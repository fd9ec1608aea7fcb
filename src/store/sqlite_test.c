/* SQLite store: the WAL stays bounded under sustained writes (checkpoints
 * run on their own thread) and is gone after a clean close; the purge reads
 * index ranges only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/crypto.h"
#include "core/test.h"
#include "store/sqlite_int.h"

/* one job: many random-key rows, so each commit writes many pages */
static int insert_rows(struct sq_conn *c, void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        unsigned char key[GH_SHA256_LEN];
        gh_rand_bytes(key, sizeof(key));
        int rc = sq_exec(c,
                         "INSERT INTO auth_code(hash, client_id, redirect_uri, challenge, sub, "
                         "scope, flow_id, auth_time, expires_at) VALUES (?, 'c', "
                         "'https://a.example/cb', 'x', 'alice', 'api', '', 0, 0)",
                         "h", key);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static long long size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

GH_TEST(sqlite_wal_stays_bounded)
{
    char dir[] = "/tmp/gh-wal-XXXXXX", db[64], wal[80];
    ASSERT_NOT_NULL(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/gh.db", dir);
    snprintf(wal, sizeof(wal), "%s-wal", db);
    struct gh_store *gs;
    char err[256];
    int from, to;
    ASSERT_INT_EQ(gh_sqlite_open(db, &gs, err, sizeof(err)), 0);
    ASSERT_INT_EQ(gs->ops->migrate(gs, &from, &to), 0);
    /* 400 commits x 200 random rows: some 40,000 WAL frames (160 MB) if
     * nothing were checkpointed */
    long long max_wal = 0;
    int failed = 0;
    for (int i = 0; i < 400 && !failed; i++) {
        failed = sq_write((struct sq_store *)gs, insert_rows, NULL) < 0;
        long long n = size_of(wal);
        max_wal = n > max_wal ? n : max_wal;
    }
    gs->ops->close(gs);
    long long after = size_of(wal);
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "  could not remove %s\n", dir);
    ASSERT_INT_EQ(failed, 0);
    /* about 12 MB here: the 1000-page threshold (4 MB) plus the commits made
     * while a checkpoint pass runs; a writer that only checkpointed itself
     * at 8000 pages would reach 32 MB */
    ASSERT_TRUE(max_wal > 0 && max_wal < 24LL * 1024 * 1024);
    ASSERT_INT_EQ(after, -1);
}

/* The EXPLAIN QUERY PLAN details of one statement, "|"-separated. */
struct plan_job {
    const char *sql;
    char detail[512];
};

static int explain_fn(struct sq_conn *c, void *arg)
{
    struct plan_job *j = arg;
    char sql[1024];
    snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", j->sql);
    /* not sq_prep: it caches statements by the address of their text */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    j->detail[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 3);
        size_t n = strlen(j->detail);
        snprintf(j->detail + n, sizeof(j->detail) - n, "%s|", d ? d : "");
    }
    sqlite3_finalize(st);
    return 0;
}

/* With millions of live families a purge pass that scans family or
 * refresh_token holds the writer, and so every rotation, for seconds: each
 * purge statement must be an index search ("SEARCH"), never a "SCAN". */
GH_TEST(sqlite_purge_uses_indexes)
{
    char dir[] = "/tmp/gh-plan-XXXXXX", db[64];
    ASSERT_NOT_NULL(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/gh.db", dir);
    struct gh_store *gs;
    char err[256];
    int from, to;
    ASSERT_INT_EQ(gh_sqlite_open(db, &gs, err, sizeof(err)), 0);
    ASSERT_INT_EQ(gs->ops->migrate(gs, &from, &to), 0);
    size_t n;
    const char *const *sql = sq_purge_sql(&n);
    int scans = 0;
    for (size_t i = 0; i < n; i++) {
        struct plan_job j = {sql[i], ""};
        ASSERT_INT_EQ(sq_write((struct sq_store *)gs, explain_fn, &j), 0);
        if (strstr(j.detail, "SCAN ") != NULL) {
            fprintf(stderr, "  scans: %s\n    plan: %s\n", sql[i], j.detail);
            scans++;
        }
    }
    gs->ops->close(gs);
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "  could not remove %s\n", dir);
    ASSERT_INT_EQ(scans, 0);
}
