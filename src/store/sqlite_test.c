/* SQLite store: the WAL stays bounded under sustained writes (checkpoints
 * run on their own thread) and is gone after a clean close. */
#include <stdio.h>
#include <stdlib.h>
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
