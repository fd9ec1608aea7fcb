/*
 * SQLite store: connections, statement cache, per-thread readers and the
 * group-commit writer (docs/internals/store.md, "Group commit"). One
 * writer thread owns the write connection (WAL, synchronous=FULL); request
 * threads queue their write and wait; the writer runs everything queued in
 * one transaction, each job in its own savepoint, commits once (one fsync
 * for the batch) and wakes the waiters. A checkpointer thread copies the
 * WAL back into the database file on its own connection, so the writer
 * never stops for a checkpoint.
 */
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "store/sqlite_int.h"
#include "core/err.h"

int sq_err(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return 0;
    case SQLITE_CONSTRAINT:
        return GH_EEXIST;
    case SQLITE_NOMEM:
        return GH_ENOMEM;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        return GH_ESCHEMA;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
        return GH_EUNAVAIL;
    default:
        return GH_ESTORE;
    }
}

int sq_conn_open(const char *path, int readonly, struct sq_conn **out, char *err, size_t errlen)
{
    struct sq_conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return GH_ENOMEM;
    int flags = SQLITE_OPEN_NOMUTEX |
                (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(path, &c->db, flags, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database '%s': %s", path,
                 c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        sq_conn_close(c);
        return GH_EUNAVAIL;
    }
    sqlite3_busy_timeout(c->db, 10000);
    sqlite3_extended_result_codes(c->db, 1);
    /* readers are one per request thread and lose their cache whenever the
     * writer commits (WAL), so a small cache each is enough */
    const char *pragmas = readonly ? "PRAGMA foreign_keys=ON; PRAGMA query_only=ON; "
                                     "PRAGMA cache_size=-256;"
                                   : "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;";
    char *msg = NULL;
    rc = sqlite3_exec(c->db, pragmas, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot use database '%s': %s", path, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        sq_conn_close(c);
        return sq_err(rc) == GH_ESCHEMA ? GH_ESCHEMA : GH_EUNAVAIL;
    }
    *out = c;
    return 0;
}

void sq_conn_close(struct sq_conn *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < SQ_STMT_SLOTS; i++)
        sqlite3_finalize(c->cache[i].st);
    sqlite3_close_v2(c->db);
    free(c);
}

sqlite3_stmt *sq_prep(struct sq_conn *c, const char *sql)
{
    size_t h = ((size_t)(uintptr_t)sql >> 4) % SQ_STMT_SLOTS;
    for (int probe = 0; probe < SQ_STMT_SLOTS; probe++, h = (h + 1) % SQ_STMT_SLOTS) {
        if (c->cache[h].sql == sql) {
            sqlite3_reset(c->cache[h].st);
            sqlite3_clear_bindings(c->cache[h].st);
            return c->cache[h].st;
        }
        if (c->cache[h].sql == NULL)
            break;
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        gh_log(GH_LOG_ERROR, "sqlite prepare failed", "error", sqlite3_errmsg(c->db), NULL);
        return NULL;
    }
    if (c->cache[h].sql == NULL) {
        c->cache[h].sql = sql;
        c->cache[h].st = st;
    }
    /* a full cache never happens with the static statement set; if it did
     * the statement would simply not be cached */
    return st;
}

static int bind_va(sqlite3_stmt *st, const char *fmt, va_list ap)
{
    int rc = SQLITE_OK;
    for (int i = 1; *fmt && rc == SQLITE_OK; fmt++, i++) {
        switch (*fmt) {
        case 't': {
            const char *v = va_arg(ap, const char *);
            rc = v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
            break;
        }
        case 'i':
            rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
            break;
        case 'h':
            rc = sqlite3_bind_blob(st, i, va_arg(ap, const unsigned char *), GH_SHA256_LEN,
                                   SQLITE_TRANSIENT);
            break;
        case 'w': {
            const unsigned char *v = va_arg(ap, const unsigned char *);
            rc = v ? sqlite3_bind_blob(st, i, v, GH_RT_WRAP_LEN, SQLITE_TRANSIENT)
                   : sqlite3_bind_null(st, i);
            break;
        }
        case 'b': { /* a blob of any length: pointer, then size_t length */
            const unsigned char *v = va_arg(ap, const unsigned char *);
            size_t n = va_arg(ap, size_t);
            rc = sqlite3_bind_blob(st, i, v, (int)n, SQLITE_TRANSIENT);
            break;
        }
        case 'n':
            rc = sqlite3_bind_null(st, i);
            break;
        default:
            GH_BUG("bad bind format");
        }
    }
    return rc == SQLITE_OK ? 0 : sq_err(rc);
}

int sq_bind(sqlite3_stmt *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = bind_va(st, fmt, ap);
    va_end(ap);
    return rc;
}

int sq_exec(struct sq_conn *c, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st = sq_prep(c, sql);
    if (st == NULL)
        return GH_ESTORE;
    va_list ap;
    va_start(ap, fmt);
    int rc = bind_va(st, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return rc;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        ;
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sq_err(s);
    return sqlite3_changes(c->db);
}

int sq_collect(sqlite3_stmt *st, size_t elem, int (*row)(sqlite3_stmt *st, void *out),
               void (*release)(void *rows, size_t n), void **rows, size_t *n)
{
    char *v = NULL;
    size_t len = 0;
    int s, rc = 0;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        char *nv = realloc(v, (len + 1) * elem);
        if (nv == NULL) {
            rc = GH_ENOMEM;
            break;
        }
        v = nv;
        memset(v + len * elem, 0, elem);
        rc = row(st, v + len * elem);
        len++;
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = sq_err(s);
    sqlite3_reset(st);
    if (rc < 0) {
        if (release != NULL)
            release(v, len);
        else
            free(v);
        return rc;
    }
    *rows = v;
    *n = len;
    return 0;
}

void sq_text(sqlite3_stmt *st, int i, char *out, size_t outlen)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(out, outlen, "%s", t ? (const char *)t : "");
}

/* Thread-exit destructor of a read connection. With a thread per HTTP
 * connection, threads come and go with the clients: a reader that outlived
 * its thread would leak a connection, its cache and two descriptors per
 * client connection. A reader no longer listed was closed by sq_close. */
static void reader_free(void *arg)
{
    struct sq_conn *c = arg;
    struct sq_store *s = c->store;
    int found = 0;
    pthread_mutex_lock(&s->lock);
    for (struct sq_conn **p = &s->readers; *p != NULL; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (found)
        sq_conn_close(c);
}

struct sq_conn *sq_reader(struct sq_store *s)
{
    struct sq_conn *c = pthread_getspecific(s->reader_key);
    if (c != NULL)
        return c;
    char err[256];
    if (sq_conn_open(s->path, 1, &c, err, sizeof(err)) < 0) {
        gh_log(GH_LOG_ERROR, "cannot open read connection", "error", err, NULL);
        return NULL;
    }
    c->store = s;
    pthread_setspecific(s->reader_key, c);
    pthread_mutex_lock(&s->lock);
    c->next = s->readers;
    s->readers = c;
    pthread_mutex_unlock(&s->lock);
    return c;
}

static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_SAVEPOINT[] = "SAVEPOINT job";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO job";
static const char SQL_RELEASE[] = "RELEASE job";
static const char SQL_COMMIT[] = "COMMIT";

/* Runs one of the cached transaction-control statements. */
static int control(struct sq_conn *c, const char *sql)
{
    sqlite3_stmt *st = sq_prep(c, sql);
    if (st == NULL)
        return SQLITE_ERROR;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Runs one batch: every job in its own savepoint, one commit. */
static void run_batch(struct sq_store *s, struct sq_job *jobs)
{
    struct sq_conn *c = s->writer_conn;
    sqlite3 *db = c->db;
    int rc = control(c, SQL_BEGIN);
    if (rc != SQLITE_OK) {
        for (struct sq_job *j = jobs; j != NULL; j = j->next)
            j->rc = sq_err(rc);
        return;
    }
    for (struct sq_job *j = jobs; j != NULL; j = j->next) {
        rc = control(c, SQL_SAVEPOINT);
        if (rc != SQLITE_OK) {
            j->rc = sq_err(rc);
            continue;
        }
        j->rc = j->fn(c, j->arg);
        if (j->rc < 0)
            control(c, SQL_ROLLBACK_TO);
        control(c, SQL_RELEASE);
    }
    rc = control(c, SQL_COMMIT);
    if (rc != SQLITE_OK) {
        gh_log(GH_LOG_ERROR, "commit failed", "error", sqlite3_errmsg(db), NULL);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        for (struct sq_job *j = jobs; j != NULL; j = j->next)
            if (j->rc >= 0)
                j->rc = sq_err(rc) ? sq_err(rc) : GH_ESTORE;
    }
}

static void *writer_main(void *arg)
{
    struct sq_store *s = arg;
    pthread_setname_np(pthread_self(), "gh-writer");
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (s->queue_head == NULL && !s->stopping)
            pthread_cond_wait(&s->wake_writer, &s->lock);
        if (s->queue_head == NULL && s->stopping)
            break;
        struct sq_job *jobs = s->queue_head;
        s->queue_head = NULL;
        s->queue_tail = &s->queue_head;
        pthread_mutex_unlock(&s->lock);
        run_batch(s, jobs);
        /* wake each waiter on its own semaphore: no herd on one mutex */
        for (struct sq_job *j = jobs, *next; j != NULL; j = next) {
            next = j->next;
            if (j->done_cb == NULL) {
                sem_post(&j->done);
                continue;
            }
            gh_metric_observe(GH_H_DB_WRITE, gh_mono_us() - j->t0_us);
            j->done_cb(j->done_arg, j->rc);
            free(j);
        }
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ---- checkpoints ----
 * SQLite's automatic checkpoint runs inside the commit that crossed the
 * threshold: it copies ~1000 pages into the database file and syncs it
 * while every queued write waits. Instead the writer's WAL hook only wakes
 * the checkpointer, which runs PASSIVE checkpoints (they never block the
 * writer or readers) on its own connection, copying the bulk of the pages
 * and syncing the database file. After such a pass the writer finishes the
 * few frames left, so the WAL restarts; should the checkpointer fall far
 * behind or fail, the writer checkpoints itself. */
#define SQ_CKPT_PAGES 1000
#define SQ_CKPT_SELF_PAGES (8 * SQ_CKPT_PAGES)

static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    struct sq_store *s = arg;
    if (pages < SQ_CKPT_PAGES)
        return SQLITE_OK;
    pthread_mutex_lock(&s->lock);
    int finish = s->ckpt_passes > 0 || pages >= SQ_CKPT_SELF_PAGES;
    if (finish)
        s->ckpt_passes = 0;
    else if (!s->ckpt_wanted) {
        s->ckpt_wanted = 1;
        pthread_cond_signal(&s->wake_ckpt);
    }
    pthread_mutex_unlock(&s->lock);
    /* The checkpointer has copied all but the last few commits (or is far
     * behind): finish here. With nothing appended meanwhile the checkpoint
     * completes and the next commit starts the WAL over from its beginning;
     * a writer that never pauses would otherwise keep the WAL growing. */
    if (finish)
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

static void *ckpt_main(void *arg)
{
    struct sq_store *s = arg;
    struct sq_conn *c = NULL;
    char err[256];
    pthread_setname_np(pthread_self(), "gh-checkpoint");
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->ckpt_wanted && !s->stopping)
            pthread_cond_wait(&s->wake_ckpt, &s->lock);
        if (s->stopping)
            break;
        s->ckpt_wanted = 0;
        pthread_mutex_unlock(&s->lock);
        if (c == NULL && sq_conn_open(s->path, 0, &c, err, sizeof(err)) < 0)
            gh_log(GH_LOG_WARN, "checkpoint connection failed", "error", err, NULL);
        int rc = c ? sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL)
                   : SQLITE_OK;
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            gh_log(GH_LOG_WARN, "checkpoint failed", "error", sqlite3_errmsg(c->db), NULL);
        pthread_mutex_lock(&s->lock);
        if (rc == SQLITE_OK)
            s->ckpt_passes++;
    }
    pthread_mutex_unlock(&s->lock);
    sq_conn_close(c);
    return NULL;
}

/* Starts the writer (and checkpointer) threads if needed and queues job;
 * called locked. */
static int enqueue(struct sq_store *s, struct sq_job *job)
{
    if (!s->writer_started) {
        if (pthread_create(&s->writer, NULL, writer_main, s) != 0)
            return GH_ENOMEM;
        s->writer_started = 1;
        if (pthread_create(&s->ckpt, NULL, ckpt_main, s) == 0) {
            s->writer_started = 2;
            sqlite3_wal_hook(s->writer_conn->db, wal_hook, s);
        }
    }
    *s->queue_tail = job;
    s->queue_tail = &job->next;
    pthread_cond_signal(&s->wake_writer);
    return 0;
}

int sq_write_async(struct sq_store *s, int (*fn)(struct sq_conn *c, void *arg), void *arg,
                   gh_store_done done, void *done_arg)
{
    struct sq_job *job = calloc(1, sizeof(*job));
    if (job == NULL)
        return GH_ENOMEM;
    job->fn = fn;
    job->arg = arg;
    job->rc = GH_ESTORE;
    job->done_cb = done;
    job->done_arg = done_arg;
    job->t0_us = gh_mono_us();
    pthread_mutex_lock(&s->lock);
    int rc = s->stopping ? GH_EUNAVAIL : enqueue(s, job);
    pthread_mutex_unlock(&s->lock);
    if (rc < 0)
        free(job);
    return rc;
}

int sq_write(struct sq_store *s, int (*fn)(struct sq_conn *c, void *arg), void *arg)
{
    struct sq_job job = {.fn = fn, .arg = arg, .rc = GH_ESTORE};
    int64_t t0 = gh_mono_us();
    sem_init(&job.done, 0, 0);
    pthread_mutex_lock(&s->lock);
    int rc = enqueue(s, &job);
    pthread_mutex_unlock(&s->lock);
    if (rc < 0) {
        sem_destroy(&job.done);
        return rc;
    }
    while (sem_wait(&job.done) != 0)
        ; /* EINTR */
    sem_destroy(&job.done);
    gh_metric_observe(GH_H_DB_WRITE, gh_mono_us() - t0);
    return job.rc;
}

void sq_close(struct gh_store *gs)
{
    struct sq_store *s = (struct sq_store *)gs;
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_signal(&s->wake_writer);
    pthread_cond_signal(&s->wake_ckpt);
    int started = s->writer_started;
    pthread_mutex_unlock(&s->lock);
    if (started)
        pthread_join(s->writer, NULL);
    if (started == 2)
        pthread_join(s->ckpt, NULL);
    pthread_mutex_lock(&s->lock);
    struct sq_conn *readers = s->readers;
    s->readers = NULL;
    pthread_mutex_unlock(&s->lock);
    for (struct sq_conn *c = readers; c != NULL;) {
        struct sq_conn *next = c->next;
        sq_conn_close(c);
        c = next;
    }
    sq_conn_close(s->writer_conn);
    pthread_key_delete(s->reader_key);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake_writer);
    pthread_cond_destroy(&s->wake_ckpt);
    free(s->path);
    free(s);
}

int gh_sqlite_open(const char *path, struct gh_store **out, char *err, size_t errlen)
{
    struct sq_store *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return GH_ENOMEM;
    s->base.ops = &gh_sqlite_ops;
    s->path = strdup(path);
    s->queue_tail = &s->queue_head;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake_writer, NULL);
    pthread_cond_init(&s->wake_ckpt, NULL);
    pthread_key_create(&s->reader_key, reader_free);
    int rc = s->path ? sq_conn_open(path, 0, &s->writer_conn, err, errlen) : GH_ENOMEM;
    /* Refuse a foreign database before changing anything in it. */
    if (rc == 0 && (rc = sq_check_foreign(s->writer_conn->db)) < 0)
        snprintf(err, errlen, "'%s' is not a gatehouse database", path);
    if (rc == 0 && sqlite3_exec(s->writer_conn->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) !=
                       SQLITE_OK) {
        snprintf(err, errlen, "cannot use database '%s': %s", path,
                 sqlite3_errmsg(s->writer_conn->db));
        rc = GH_EUNAVAIL;
    }
    if (rc < 0) {
        sq_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return 0;
}

const struct gh_store_ops gh_sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .migrate = sq_migrate,
    .check_schema = sq_check_schema,
    .setting_get = sq_setting_get,
    .setting_set = sq_setting_set,
    .revision = sq_revision,
    .key_add = sq_key_add,
    .key_list = sq_key_list,
    .key_retire = sq_key_retire,
    .client_add = sq_client_add,
    .client_update = sq_client_update,
    .client_get = sq_client_get,
    .client_list = sq_client_list,
    .client_remove = sq_client_remove,
    .user_add = sq_user_add,
    .user_update = sq_user_update,
    .user_get = sq_user_get,
    .user_list = sq_user_list,
    .user_remove = sq_user_remove,
    .user_set_password = sq_user_set_password,
    .user_costliest = sq_user_costliest,
    .code_put = sq_code_put,
    .code_get = sq_code_get,
    .code_redeem = sq_code_redeem,
    .refresh_get = sq_refresh_get,
    .refresh_rotate = sq_refresh_rotate,
    .code_redeem_async = sq_code_redeem_async,
    .refresh_rotate_async = sq_refresh_rotate_async,
    .family_revoke = sq_family_revoke,
    .family_revoked = sq_family_revoked,
    .families_revoke_user = sq_families_revoke_user,
    .jti_revoke = sq_jti_revoke,
    .jti_revoked = sq_jti_revoked,
    .dpop_jti_use = sq_dpop_jti_use,
    .dpop_jti_use_async = sq_dpop_jti_use_async,
    .session_put = sq_session_put,
    .session_get = sq_session_get,
    .session_delete = sq_session_delete,
    .session_amr_add = sq_session_amr_add,
    .session_delete_user = sq_session_delete_user,
    .session_list_user = sq_session_list_user,
    .logout_session = sq_logout_session,
    .bcl_enqueue_user = sq_bcl_enqueue_user,
    .bcl_claim = sq_bcl_claim,
    .bcl_settle = sq_bcl_settle,
    .consent_get = sq_consent_get,
    .consent_put = sq_consent_put,
    .client_register = sq_client_register,
    .client_reregister = sq_client_reregister,
    .client_reg_get = sq_client_reg_get,
    .client_reg_list = sq_client_reg_list,
    .iat_add = sq_iat_add,
    .iat_use = sq_iat_use,
    .resource_add = sq_resource_add,
    .resource_get = sq_resource_get,
    .resource_list = sq_resource_list,
    .resource_remove = sq_resource_remove,
    .grant_resource_put = sq_grant_resource_put,
    .grant_resource_of_code = sq_grant_resource_of_code,
    .grant_resource_of_family = sq_grant_resource_of_family,
    .mfa_get = sq_mfa_get,
    .mfa_put = sq_mfa_put,
    .mfa_enable = sq_mfa_enable,
    .mfa_use_step = sq_mfa_use_step,
    .mfa_remove = sq_mfa_remove,
    .recovery_use = sq_recovery_use,
    .webauthn_cred_add = sq_webauthn_cred_add,
    .webauthn_cred_list = sq_webauthn_cred_list,
    .webauthn_cred_get = sq_webauthn_cred_get,
    .webauthn_cred_use = sq_webauthn_cred_use,
    .webauthn_cred_rename = sq_webauthn_cred_rename,
    .webauthn_cred_remove = sq_webauthn_cred_remove,
    .webauthn_cred_remove_user = sq_webauthn_cred_remove_user,
    .webauthn_challenge_put = sq_webauthn_challenge_put,
    .webauthn_challenge_take = sq_webauthn_challenge_take,
    .recovery_count = sq_recovery_count,
    .recovery_replace = sq_recovery_replace,
    .login_fail_get = sq_login_fail_get,
    .login_fail_add = sq_login_fail_add,
    .login_fail_clear = sq_login_fail_clear,
    .trace_append = sq_trace_append,
    .trace_flow_start = sq_trace_flow_start,
    .trace_flow_update = sq_trace_flow_update,
    .trace_flows = sq_trace_flows,
    .trace_steps = sq_trace_steps,
    .trace_flow_of_refresh = sq_trace_flow_of_refresh,
    .trace_flow_of_family = sq_trace_flow_of_family,
    .trace_prune = sq_trace_prune,
    .purge = sq_purge,
    .purge_batch = 10, /* a trickle: each batch adds a few pages to one group commit */
    .purge_rest = 2,
};
