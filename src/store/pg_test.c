/*
 * PostgreSQL store: connection handling, and the purge's plans. An unreachable server gives a
 * one-line error without the password; connections the server drops are
 * replaced unseen; while the database refuses connections operations fail
 * with GH_EUNAVAIL (no crash, no hang) and work again once it is back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/pg_int.h"
#include "store/store_test.h"
#include "core/err.h"

GH_TEST(store_pg_unreachable)
{
    struct gh_store *s = NULL;
    char err[600] = "";
    ASSERT_INT_EQ(gh_store_open("postgres://gh:s3cr3t-pw@127.0.0.1:1/gh", &s, err, sizeof(err)),
                  GH_EUNAVAIL);
    ASSERT_TRUE(strstr(err, "cannot connect to PostgreSQL at 'postgres://gh:***@127.0.0.1:1/gh'") !=
                NULL);
    ASSERT_TRUE(strstr(err, "s3cr3t") == NULL);
    ASSERT_TRUE(strchr(err, '\n') == NULL);
    ASSERT_INT_EQ(
        gh_store_open("postgresql://127.0.0.1:1/gh?user=gh&password=s3cr3t&sslmode=disable", &s,
                      err, sizeof(err)),
        GH_EUNAVAIL);
    ASSERT_TRUE(strstr(err, "s3cr3t") == NULL);
    ASSERT_TRUE(strstr(err, "password=***&sslmode=disable") != NULL);
}

static int terminate_backends(const struct backend *b)
{
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'",
             b->dbname);
    int rc = gh_stest_pg_admin(sql);
    usleep(100 * 1000); /* let the backends go */
    return rc;
}

static void pgs_reconnect(struct gh_store *s, struct backend *b, int *gh_failed_)
{
    char sql[200];
    char v[32];
    enum gh_redeem_result rr;
    enum gh_rotate_result res;
    ASSERT_INT_EQ(gh_stest_family(s, 1, "alice", "", "fam-1", 10, NOW + 3600, &rr), 0);
    /* the server dropped every connection: the pool reconnects unseen */
    ASSERT_INT_EQ(terminate_backends(b), 0);
    ASSERT_INT_EQ(s->ops->setting_get(s, "revision", v, sizeof(v)), 0);
    ASSERT_INT_EQ(terminate_backends(b), 0);
    ASSERT_INT_EQ(gh_stest_rotate(s, 10, 11, NOW + 1, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
    /* the database is unreachable: 503, not a crash, not a hang */
    snprintf(sql, sizeof(sql), "ALTER DATABASE %s ALLOW_CONNECTIONS false", b->dbname);
    ASSERT_INT_EQ(gh_stest_pg_admin(sql), 0);
    ASSERT_INT_EQ(terminate_backends(b), 0);
    ASSERT_INT_EQ(s->ops->setting_get(s, "revision", v, sizeof(v)), GH_EUNAVAIL);
    ASSERT_INT_EQ(gh_stest_rotate(s, 11, 12, NOW + 2, 0, &res), GH_EUNAVAIL);
    ASSERT_INT_EQ(s->ops->check_schema(s), GH_EUNAVAIL);
    /* and back */
    snprintf(sql, sizeof(sql), "ALTER DATABASE %s ALLOW_CONNECTIONS true", b->dbname);
    ASSERT_INT_EQ(gh_stest_pg_admin(sql), 0);
    ASSERT_INT_EQ(gh_stest_rotate(s, 11, 12, NOW + 2, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
    ASSERT_INT_EQ(s->ops->check_schema(s), 0);
}

/* Runs fn on a fresh, migrated PostgreSQL database (skipped without one). */
static void pgs_only(store_case_fn fn, int *gh_failed_)
{
    if (!gh_stest_have_pg())
        return; /* needs a server */
    struct backend b;
    memset(&b, 0, sizeof(b));
    ASSERT_INT_EQ(gh_stest_pg_make(&b), 0);
    struct gh_store *s = NULL;
    char err[600] = "";
    int from, to, failed = 0;
    int rc = gh_store_open(b.url, &s, err, sizeof(err));
    if (rc == 0)
        rc = s->ops->migrate(s, &from, &to);
    if (rc == 0)
        fn(s, &b, &failed);
    gh_store_close(s);
    gh_stest_pg_drop(&b);
    ASSERT_INT_EQ(rc, 0);
    ASSERT_INT_EQ(failed, 0);
}

GH_TEST(store_pg_reconnect)
{
    pgs_only(pgs_reconnect, gh_failed_);
}

/* After a lost answer the operation runs again; the retry recognises what
 * the first attempt committed (its fresh family id, its successor hash)
 * and reports success instead of replay or reuse. */
static void pgs_retry_idempotent(struct gh_store *s, struct backend *b, int *gh_failed_)
{
    (void)b;
    struct gh_code c = gh_stest_code(1, "alice", "", NOW + 60);
    ASSERT_INT_EQ(s->ops->code_put(s, &c), 0);
    struct gh_redeem d = gh_stest_redeem_req(c.hash, "fam-1", 10);
    enum gh_redeem_result rr;
    ASSERT_INT_EQ(s->ops->code_redeem(s, &d, &rr), 0);
    ASSERT_INT_EQ(rr, GH_REDEEM_OK);
    ASSERT_INT_EQ(s->ops->code_redeem(s, &d, &rr), 0);
    ASSERT_INT_EQ(rr, GH_REDEEM_OK);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 10), GH_RT_ACTIVE);
    enum gh_rotate_result res;
    ASSERT_INT_EQ(gh_stest_rotate(s, 10, 11, NOW + 1, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
    ASSERT_INT_EQ(gh_stest_rotate(s, 10, 11, NOW + 2, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 11), GH_RT_ACTIVE);
    /* anyone else presenting the rotated token is still a reuse */
    ASSERT_INT_EQ(gh_stest_rotate(s, 10, 12, NOW + 3, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_REUSED);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 11), GH_RT_REVOKED);
    /* and a different family for a used code is a replay */
    snprintf(d.family_id, sizeof(d.family_id), "fam-2");
    gh_stest_hash(20, d.rt_hash);
    ASSERT_INT_EQ(s->ops->code_redeem(s, &d, &rr), 0);
    ASSERT_INT_EQ(rr, GH_REDEEM_REPLAYED);
}

GH_TEST(store_pg_retry_idempotent)
{
    pgs_only(pgs_retry_idempotent, gh_failed_);
}

/* EXPLAIN of one purge statement with sequential scans priced out of
 * reach: a "Seq Scan" left in the plan means no index can serve it. */
struct plan_job {
    const char *sql;
    int seq_scans;
    char plan[1024];
};

/* EXPLAIN by the simple protocol (pgs_run caches statements by the
 * address of their text): $1 (now) and $2 (batch) written in as numbers. */
static int explain_fn(struct pgs_conn *c, void *arg)
{
    struct plan_job *j = arg;
    char sql[1024] = "EXPLAIN ";
    size_t n = strlen(sql);
    for (const char *p = j->sql; *p != '\0' && n + 24 < sizeof(sql); p++) {
        if (p[0] == '$' && (p[1] == '1' || p[1] == '2')) {
            n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%lld",
                                  p[1] == '1' ? (long long)NOW : 1000LL);
            p++;
        } else {
            sql[n++] = *p;
        }
    }
    sql[n] = '\0';
    PGresult *r = PQexec(c->db, "SET LOCAL enable_seqscan = off");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok)
        return GH_ESTORE;
    r = PQexec(c->db, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "  %s: %s", sql, PQerrorMessage(c->db));
        PQclear(r);
        return GH_ESTORE;
    }
    j->plan[0] = '\0';
    j->seq_scans = 0; /* pgs_write may run this again */
    for (int i = 0; i < PQntuples(r); i++) {
        const char *line = PQgetvalue(r, i, 0);
        size_t m = strlen(j->plan);
        snprintf(j->plan + m, sizeof(j->plan) - m, "%s\n", line);
        j->seq_scans += strstr(line, "Seq Scan") != NULL;
    }
    PQclear(r);
    return 0;
}

/* With millions of live families a purge pass that scans family or
 * refresh_token reads gigabytes every purge-interval: each purge statement
 * must be servable by an index. */
static void pgs_purge_plans(struct gh_store *s, struct backend *b, int *gh_failed_)
{
    (void)b;
    size_t n;
    const char *const *sql = pgs_purge_sql(&n);
    int scans = 0;
    for (size_t i = 0; i < n; i++) {
        struct plan_job j = {sql[i], 0, ""};
        ASSERT_INT_EQ(pgs_write((struct pgs_store *)s, explain_fn, &j), 0);
        if (j.seq_scans > 0) {
            fprintf(stderr, "  scans: %s\n%s", sql[i], j.plan);
            scans++;
        }
    }
    ASSERT_INT_EQ(scans, 0);
}

GH_TEST(store_pg_purge_uses_indexes)
{
    pgs_only(pgs_purge_plans, gh_failed_);
}
