/*
 * PostgreSQL store (libpq): the connection pool, the statement runner and
 * the ops table (docs/internals/store.md, "PostgreSQL").
 *
 * Each process keeps up to PG_POOL_MAX connections, opened lazily; an
 * operation borrows one and gives it back. Statements are prepared once per
 * connection and then run with bound parameters (never SQL built from
 * data). Writes run in one READ COMMITTED transaction each, made atomic
 * across processes by conditional updates; serialization failures and
 * deadlocks are retried here and never reach the caller. Commits are
 * durable (synchronous_commit is forced on when the server turned it off).
 * The token endpoint's writes also come asynchronously: up to PG_WORKERS
 * threads of a work queue (core/workq.h) run them, so no HTTP thread waits
 * for a commit, and the server lets concurrent commits share WAL flushes. A broken connection makes
 * the operation fail with GH_EUNAVAIL (503 temporarily_unavailable) unless it could be retried
 * safely on a fresh one; the pool reconnects on the next borrow.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/workq.h"
#include "store/pg_int.h"
#include "core/err.h"

#define PG_RETRIES 8 /* attempts of a transaction that lost a serialization race */

enum { OID_BYTEA = 17, OID_INT8 = 20, OID_TEXT = 25 };

/* ---- URLs ---- */

static void put(char *out, size_t outlen, size_t *k, const char *s, size_t n)
{
    for (size_t i = 0; i < n && *k + 1 < outlen; i++)
        out[(*k)++] = s[i];
    if (outlen > 0)
        out[*k < outlen ? *k : outlen - 1] = '\0';
}

void pgs_redact(const char *url, char *out, size_t outlen)
{
    size_t k = 0;
    if (outlen > 0)
        out[0] = '\0';
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    put(out, outlen, &k, url, (size_t)(p - url));
    /* userinfo: user[:password]@ before the first '/' or '?' */
    size_t auth = strcspn(p, "/?");
    const char *at = NULL;
    for (size_t i = 0; i < auth; i++)
        if (p[i] == '@')
            at = p + i;
    if (at != NULL) {
        size_t user = strcspn(p, ":@");
        put(out, outlen, &k, p, user);
        if (p + user < at)
            put(out, outlen, &k, ":***", 4);
        p = at;
    }
    /* query: password=... */
    while (*p) {
        size_t n = strcspn(p, "?&");
        put(out, outlen, &k, p, n);
        p += n;
        if (*p == '\0')
            break;
        put(out, outlen, &k, p, 1);
        p++;
        if (strncmp(p, "password=", 9) == 0) {
            put(out, outlen, &k, "password=***", 12);
            p += strcspn(p, "&");
        }
    }
}

/* ---- connections ---- */

static void quiet_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static void first_line(const char *msg, char *out, size_t outlen)
{
    snprintf(out, outlen, "%.*s", (int)strcspn(msg ? msg : "", "\n"), msg ? msg : "");
}

/* Session defaults that keep commits durable and no statement unbounded;
 * settings an operator chose explicitly are left alone. */
static const char SQL_SESSION[] =
    "SELECT set_config('synchronous_commit', 'on', false) WHERE "
    "current_setting('synchronous_commit') = 'off';"
    "SELECT set_config('statement_timeout', '30s', false) WHERE "
    "current_setting('statement_timeout') = '0';"
    "SELECT set_config('idle_in_transaction_session_timeout', '60s', false) WHERE "
    "current_setting('idle_in_transaction_session_timeout') = '0'";

static void conn_free(struct pgs_conn *c)
{
    if (c == NULL)
        return;
    PQfinish(c->db);
    free(c);
}

static int conn_open(struct pgs_store *s, struct pgs_conn **out, char *err, size_t errlen)
{
    /* Defaults first: the URL, expanded from dbname, may override them. */
    static const char *const keys[] = {
        "connect_timeout",  "keepalives_idle",  "keepalives_interval",
        "keepalives_count", "tcp_user_timeout", "fallback_application_name",
        "client_encoding",  "dbname",           NULL};
    const char *vals[] = {"5", "30", "10", "3", "30000", "gatehouse", "UTF8", s->url, NULL};
    struct pgs_conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return GH_ENOMEM;
    char line[256];
    c->db = PQconnectdbParams(keys, vals, 1);
    if (c->db == NULL || PQstatus(c->db) != CONNECTION_OK) {
        first_line(c->db ? PQerrorMessage(c->db) : "out of memory", line, sizeof(line));
        snprintf(err, errlen, "cannot connect to PostgreSQL at '%s': %s", s->shown, line);
        conn_free(c);
        return GH_EUNAVAIL;
    }
    PQsetNoticeProcessor(c->db, quiet_notice, NULL);
    PGresult *r = PQexec(c->db, SQL_SESSION);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        first_line(PQerrorMessage(c->db), line, sizeof(line));
        snprintf(err, errlen, "cannot use PostgreSQL at '%s': %s", s->shown, line);
        PQclear(r);
        conn_free(c);
        return GH_EUNAVAIL;
    }
    PQclear(r);
    *out = c;
    return 0;
}

/* 0 when an idle connection has been closed by the server (restart,
 * pg_terminate_backend, network loss noticed by the kernel). */
static int conn_alive(struct pgs_conn *c)
{
    if (c->broken || PQstatus(c->db) != CONNECTION_OK)
        return 0;
    struct pollfd p = {.fd = PQsocket(c->db), .events = POLLIN};
    if (p.fd < 0)
        return 0;
    if (poll(&p, 1, 0) > 0) {
        if (!PQconsumeInput(c->db) || PQstatus(c->db) != CONNECTION_OK)
            return 0;
        PGnotify *n;
        while ((n = PQnotifies(c->db)) != NULL)
            PQfreemem(n);
    }
    return 1;
}

/* Logs a connection failure at most once a second (a down database must
 * not flood the log with one line per request). */
static void log_unavailable(const char *msg, const char *detail)
{
    static int64_t last;
    int64_t now = (int64_t)time(NULL);
    if (__atomic_exchange_n(&last, now, __ATOMIC_RELAXED) != now)
        gh_log(GH_LOG_ERROR, msg, "error", detail, NULL);
}

int pgs_borrow(struct pgs_store *s, struct pgs_conn **out)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += PG_BORROW_WAIT_S;
    int timed_out = 0;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (s->idle != NULL) {
            struct pgs_conn *c = s->idle;
            s->idle = c->next;
            pthread_mutex_unlock(&s->lock);
            if (conn_alive(c)) {
                c->next = NULL;
                *out = c;
                return 0;
            }
            conn_free(c);
            pthread_mutex_lock(&s->lock);
            s->open--;
        }
        if (s->open < PG_POOL_MAX)
            break;
        if (timed_out) {
            pthread_mutex_unlock(&s->lock);
            log_unavailable("no PostgreSQL connection came free", "pool exhausted");
            return GH_EUNAVAIL;
        }
        timed_out = pthread_cond_timedwait(&s->freed, &s->lock, &deadline) == ETIMEDOUT;
    }
    s->open++;
    pthread_mutex_unlock(&s->lock);
    char err[640];
    int rc = conn_open(s, out, err, sizeof(err));
    if (rc < 0) {
        log_unavailable("PostgreSQL unavailable", err);
        pthread_mutex_lock(&s->lock);
        s->open--;
        pthread_cond_signal(&s->freed);
        pthread_mutex_unlock(&s->lock);
    }
    return rc;
}

void pgs_release(struct pgs_store *s, struct pgs_conn *c)
{
    if (!c->broken && PQtransactionStatus(c->db) != PQTRANS_IDLE) {
        PQclear(PQexec(c->db, "ROLLBACK"));
        if (PQtransactionStatus(c->db) != PQTRANS_IDLE)
            c->broken = 1;
    }
    int drop = c->broken || PQstatus(c->db) != CONNECTION_OK;
    if (drop)
        conn_free(c);
    pthread_mutex_lock(&s->lock);
    if (drop) {
        s->open--;
    } else {
        c->next = s->idle;
        s->idle = c;
    }
    pthread_cond_signal(&s->freed);
    pthread_mutex_unlock(&s->lock);
}

/* ---- statements ---- */

/* Maps a result to 0 or a gh_err; marks the connection broken when it is. */
static int result_err(struct pgs_conn *c, const PGresult *r)
{
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return 0;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state == NULL || PQstatus(c->db) != CONNECTION_OK || strncmp(state, "08", 2) == 0 ||
        strncmp(state, "57P", 3) == 0) {
        /* connection lost, server shutting down or terminated us */
        c->broken = 1;
        return GH_EUNAVAIL;
    }
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
        return PG_ERETRY;
    if (strncmp(state, "23", 2) == 0)
        return GH_EEXIST;
    if (strncmp(state, "53", 2) == 0 || strcmp(state, "57014") == 0 ||
        strcmp(state, "55P03") == 0 || strcmp(state, "25P03") == 0)
        return GH_EUNAVAIL; /* out of resources, statement or lock timeout */
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    gh_log(GH_LOG_ERROR, "postgresql statement failed", "sqlstate", state, "error", msg ? msg : "",
           NULL);
    return GH_ESTORE;
}

/* Slot of sql in the connection's cache: *prepared = 1 when it is there;
 * -1 when the cache is full (never with the static statement set). */
static int stmt_slot(const struct pgs_conn *c, const char *sql, int *prepared)
{
    size_t h = ((size_t)(uintptr_t)sql >> 3) % PG_STMT_SLOTS;
    for (int probe = 0; probe < PG_STMT_SLOTS; probe++, h = (h + 1) % PG_STMT_SLOTS) {
        if (c->stmt[h] == sql || c->stmt[h] == NULL) {
            *prepared = c->stmt[h] == sql;
            return (int)h;
        }
    }
    return -1;
}

/* A statement's parameters, bound from pgs_run's format letters. */
struct bind {
    const char *vals[PG_PARAMS_MAX];
    int lens[PG_PARAMS_MAX], fmts[PG_PARAMS_MAX];
    Oid types[PG_PARAMS_MAX];
    char ints[PG_PARAMS_MAX][24];
    int n;
};

/* The parameter types of fmt's letters; their number. */
static int fmt_types(const char *fmt, Oid *types)
{
    int n = 0;
    for (; fmt[n] != '\0'; n++) {
        if (n >= PG_PARAMS_MAX)
            GH_BUG("too many statement parameters");
        if (strchr("hwb", fmt[n]) != NULL)
            types[n] = OID_BYTEA;
        else if (fmt[n] == 'i' || fmt[n] == 't')
            types[n] = fmt[n] == 'i' ? OID_INT8 : OID_TEXT;
        else
            GH_BUG("bad bind format");
    }
    return n;
}

static void bind_va(struct bind *b, const char *fmt, va_list ap)
{
    b->n = fmt_types(fmt, b->types);
    for (int n = 0; n < b->n; n++) {
        b->lens[n] = b->fmts[n] = 0;
        switch (fmt[n]) {
        case 't':
            b->vals[n] = va_arg(ap, const char *);
            break;
        case 'i':
            snprintf(b->ints[n], sizeof(b->ints[n]), "%" PRId64, va_arg(ap, int64_t));
            b->vals[n] = b->ints[n];
            break;
        case 'b': /* a blob of any length: pointer, then size_t length */
            b->vals[n] = (const char *)va_arg(ap, const unsigned char *);
            b->lens[n] = (int)va_arg(ap, size_t);
            b->fmts[n] = 1;
            break;
        default: /* 'h', 'w' */
            b->vals[n] = (const char *)va_arg(ap, const unsigned char *);
            b->lens[n] = fmt[n] == 'h' ? GH_SHA256_LEN : GH_RT_WRAP_LEN;
            b->fmts[n] = 1;
        }
    }
}

/* The name sql is prepared under on c ("g<slot>"), preparing it first;
 * 1 when the cache is full (run it unprepared), or a negative gh_err. */
static int prepared(struct pgs_conn *c, const char *sql, int n, const Oid *types, char name[16])
{
    int done = 0, slot = stmt_slot(c, sql, &done);
    if (slot < 0)
        return 1;
    snprintf(name, 16, "g%d", slot);
    if (!done) {
        PGresult *p = PQprepare(c->db, name, sql, n, types);
        int e = result_err(c, p);
        PQclear(p);
        if (e < 0)
            return e;
        c->stmt[slot] = sql;
    }
    return 0;
}

static PGresult *run_va(struct pgs_conn *c, const char *sql, int *rc, const char *fmt, va_list ap)
{
    struct bind b;
    bind_va(&b, fmt, ap);
    char name[16];
    int e = prepared(c, sql, b.n, b.types, name);
    if (e < 0) {
        *rc = e;
        return NULL;
    }
    PGresult *r = e == 1 ? PQexecParams(c->db, sql, b.n, b.types, b.vals, b.lens, b.fmts, 0)
                         : PQexecPrepared(c->db, name, b.n, b.vals, b.lens, b.fmts, 0);
    e = result_err(c, r);
    if (e < 0) {
        PQclear(r);
        *rc = e;
        return NULL;
    }
    *rc = 0;
    return r;
}

int pgs_prepare(struct pgs_conn *c, const char *sql, const char *fmt)
{
    Oid types[PG_PARAMS_MAX];
    char name[16];
    int e = prepared(c, sql, fmt_types(fmt, types), types, name);
    return e == 1 ? GH_ESTORE : e;
}

int pgs_send(struct pgs_conn *c, const char *sql, const char *fmt, ...)
{
    struct bind b;
    va_list ap;
    va_start(ap, fmt);
    bind_va(&b, fmt, ap);
    va_end(ap);
    int done = 0, slot = stmt_slot(c, sql, &done);
    if (slot < 0 || !done)
        GH_BUG("pgs_send of a statement not prepared");
    char name[16];
    snprintf(name, sizeof(name), "g%d", slot);
    if (!PQsendQueryPrepared(c->db, name, b.n, b.vals, b.lens, b.fmts, 0)) {
        c->broken = 1;
        return GH_EUNAVAIL;
    }
    return 0;
}

PGresult *pgs_run(struct pgs_conn *c, const char *sql, int *rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PGresult *r = run_va(c, sql, rc, fmt, ap);
    va_end(ap);
    return r;
}

int pgs_exec(struct pgs_conn *c, const char *sql, const char *fmt, ...)
{
    int rc;
    va_list ap;
    va_start(ap, fmt);
    PGresult *r = run_va(c, sql, &rc, fmt, ap);
    va_end(ap);
    if (r == NULL)
        return rc;
    long n = strtol(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return (int)n;
}

PGresult *pgs_query(struct pgs_store *s, const char *sql, int *rc, const char *fmt, ...)
{
    PGresult *r = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        struct pgs_conn *c = NULL;
        if ((*rc = pgs_borrow(s, &c)) < 0)
            return NULL;
        va_list ap;
        va_start(ap, fmt);
        r = run_va(c, sql, rc, fmt, ap);
        va_end(ap);
        int broken = c->broken;
        pgs_release(s, c);
        if (r != NULL || !broken)
            break;
    }
    if (r == NULL && *rc == PG_ERETRY)
        *rc = GH_EUNAVAIL;
    return r;
}

int pgs_exec1(struct pgs_store *s, const char *sql, const char *fmt, ...)
{
    struct pgs_conn *c = NULL;
    int rc = pgs_borrow(s, &c);
    if (rc < 0)
        return rc;
    int64_t t0 = gh_mono_us();
    va_list ap;
    va_start(ap, fmt);
    PGresult *r = run_va(c, sql, &rc, fmt, ap);
    va_end(ap);
    if (r != NULL) {
        rc = (int)strtol(PQcmdTuples(r), NULL, 10);
        PQclear(r);
    }
    pgs_release(s, c);
    gh_metric_observe(GH_H_DB_WRITE, gh_mono_us() - t0);
    return rc;
}

static int simple(struct pgs_conn *c, const char *sql)
{
    PGresult *r = PQexec(c->db, sql);
    int rc = result_err(c, r);
    PQclear(r);
    return rc;
}

/* xorshift per thread: only spreads retries apart, no security role */
static uint32_t jitter(void)
{
    static _Thread_local uint32_t x;
    if (x == 0)
        x = (uint32_t)((uintptr_t)&x ^ (uintptr_t)time(NULL)) | 1u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

static void backoff(int attempt)
{
    /* 0.5 ms doubling, with jitter so that racing processes drift apart */
    long us = (500L << (attempt < 5 ? attempt : 5)) + (long)(jitter() % 500u);
    struct timespec ts = {0, us * 1000L};
    nanosleep(&ts, NULL);
}

static int write_once(struct pgs_store *s, int (*fn)(struct pgs_conn *c, void *arg), void *arg)
{
    int rc = GH_EUNAVAIL, reconnected = 0;
    for (int attempt = 0; attempt < PG_RETRIES; attempt++) {
        struct pgs_conn *c = NULL;
        if ((rc = pgs_borrow(s, &c)) < 0)
            return rc;
        int committing = 0;
        rc = simple(c, "BEGIN ISOLATION LEVEL READ COMMITTED");
        if (rc == 0)
            rc = fn(c, arg);
        if (rc == 0 && PQtransactionStatus(c->db) != PQTRANS_INTRANS)
            rc = GH_ESTORE; /* a failed statement went unnoticed: never commit that */
        if (rc == 0) {
            committing = 1;
            rc = simple(c, "COMMIT");
        }
        int broken = c->broken;
        pgs_release(s, c);
        if (rc == PG_ERETRY) {
            backoff(attempt);
            continue;
        }
        /* Nothing commits before COMMIT is sent: a transaction that failed
         * on a lost connection is safe to run again, once. */
        if (rc < 0 && broken && !committing && !reconnected) {
            reconnected = 1;
            continue;
        }
        if (rc < 0 && broken && committing)
            log_unavailable("PostgreSQL connection lost during commit", "outcome unknown");
        return rc;
    }
    return rc == PG_ERETRY ? GH_EUNAVAIL : rc;
}

int pgs_write(struct pgs_store *s, int (*fn)(struct pgs_conn *c, void *arg), void *arg)
{
    int64_t t0 = gh_mono_us();
    int rc = write_once(s, fn, arg);
    gh_metric_observe(GH_H_DB_WRITE, gh_mono_us() - t0);
    return rc;
}

/* ---- asynchronous writes ---- */

/* A queued write: the shared work queue runs op on a pool thread, then done. */
struct pgs_job {
    struct gh_work work; /* first */
    struct pgs_store *s;
    int (*op)(struct pgs_store *s, void *arg);
    void *arg;
    gh_store_done done;
    void *done_arg;
};

static void run_job(struct gh_work *w)
{
    struct pgs_job *j = (struct pgs_job *)w;
    j->done(j->done_arg, j->op(j->s, j->arg));
    free(j);
}

int pgs_async(struct pgs_store *s, int (*op)(struct pgs_store *s, void *arg), void *arg,
              gh_store_done done, void *done_arg)
{
    struct pgs_job *j = malloc(sizeof(*j));
    if (j == NULL)
        return GH_ENOMEM;
    *j = (struct pgs_job){{run_job, NULL}, s, op, arg, done, done_arg};
    int rc = gh_workq_push(s->async, &j->work);
    if (rc < 0)
        free(j);
    return rc;
}

/* ---- columns ---- */

void pgs_text(const PGresult *r, int row, int col, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", PQgetvalue(r, row, col));
}

int64_t pgs_int(const PGresult *r, int row, int col)
{
    return (int64_t)strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

int pgs_blob(const PGresult *r, int row, int col, unsigned char *out, size_t len)
{
    memset(out, 0, len);
    const char *v = PQgetvalue(r, row, col);
    if (PQgetisnull(r, row, col) || strncmp(v, "\\x", 2) != 0 || strlen(v + 2) != 2 * len)
        return GH_ENOTFOUND;
    for (size_t i = 0; i < len; i++) {
        int hi = hexval(v[2 + 2 * i]), lo = hexval(v[3 + 2 * i]);
        if (hi < 0 || lo < 0) {
            memset(out, 0, len);
            return GH_ENOTFOUND;
        }
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

int pgs_bytes(const PGresult *r, int row, int col, unsigned char *out, size_t size, size_t *n)
{
    *n = 0;
    const char *v = PQgetvalue(r, row, col);
    size_t hex = PQgetisnull(r, row, col) || strncmp(v, "\\x", 2) != 0 ? 1 : strlen(v + 2);
    if (hex % 2 != 0 || hex / 2 > size)
        return GH_ENOTFOUND;
    int rc = pgs_blob(r, row, col, out, hex / 2);
    if (rc == 0)
        *n = hex / 2;
    return rc;
}

int pgs_hash(const PGresult *r, int row, int col, unsigned char out[GH_SHA256_LEN])
{
    return pgs_blob(r, row, col, out, GH_SHA256_LEN);
}

/* ---- open and close ---- */

void pgs_close(struct gh_store *gs)
{
    struct pgs_store *s = (struct pgs_store *)gs;
    gh_workq_stop(s->async); /* queued writes finish first */
    while (s->idle != NULL) {
        struct pgs_conn *c = s->idle;
        s->idle = c->next;
        conn_free(c);
    }
    if (s->url != NULL) {
        OPENSSL_cleanse(s->url, strlen(s->url));
        free(s->url);
    }
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->batch_lock);
    pthread_cond_destroy(&s->freed);
    free(s);
}

int gh_pg_open(const char *url, struct gh_store **out, char *err, size_t errlen)
{
    struct pgs_store *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return GH_ENOMEM;
    s->base.ops = &gh_pg_ops;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->batch_lock, NULL);
    s->batch_tail = &s->batch_head;
    pthread_cond_init(&s->freed, NULL);
    pgs_redact(url, s->shown, sizeof(s->shown));
    s->url = strdup(url);
    struct pgs_conn *c = NULL;
    int rc = s->url ? gh_workq_start(PG_WORKERS, 0, "gh-pg", &s->async) : GH_ENOMEM;
    if (rc == 0)
        rc = conn_open(s, &c, err, errlen);
    else
        snprintf(err, errlen, "out of memory");
    if (rc == 0) {
        s->open = 1;
        /* Refuse a foreign database before changing anything in it. */
        rc = pgs_check_foreign(c);
        if (rc == GH_ESCHEMA)
            snprintf(err, errlen, "'%s' is not a gatehouse database", s->shown);
        else if (rc < 0)
            snprintf(err, errlen, "cannot read PostgreSQL database at '%s': %s", s->shown,
                     gh_strerror(rc));
        pgs_release(s, c);
    }
    if (rc < 0) {
        pgs_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return 0;
}

const struct gh_store_ops gh_pg_ops = {
    .name = "postgres",
    .close = pgs_close,
    .migrate = pgs_migrate,
    .check_schema = pgs_check_schema,
    .setting_get = pgs_setting_get,
    .setting_set = pgs_setting_set,
    .revision = pgs_revision,
    .key_add = pgs_key_add,
    .key_list = pgs_key_list,
    .key_retire = pgs_key_retire,
    .client_add = pgs_client_add,
    .client_update = pgs_client_update,
    .client_get = pgs_client_get,
    .client_list = pgs_client_list,
    .client_remove = pgs_client_remove,
    .user_add = pgs_user_add,
    .user_update = pgs_user_update,
    .user_get = pgs_user_get,
    .user_list = pgs_user_list,
    .user_remove = pgs_user_remove,
    .user_set_password = pgs_user_set_password,
    .user_costliest = pgs_user_costliest,
    .code_put = pgs_code_put,
    .code_get = pgs_code_get,
    .code_redeem = pgs_code_redeem,
    .refresh_get = pgs_refresh_get,
    .refresh_rotate = pgs_refresh_rotate,
    .code_redeem_async = pgs_code_redeem_async,
    .refresh_rotate_async = pgs_refresh_rotate_async,
    .family_revoke = pgs_family_revoke,
    .family_revoked = pgs_family_revoked,
    .families_revoke_user = pgs_families_revoke_user,
    .jti_revoke = pgs_jti_revoke,
    .jti_revoked = pgs_jti_revoked,
    .dpop_jti_use = pgs_dpop_jti_use,
    .dpop_jti_use_async = pgs_dpop_jti_use_async,
    .session_put = pgs_session_put,
    .session_get = pgs_session_get,
    .session_delete = pgs_session_delete,
    .session_amr_add = pgs_session_amr_add,
    .session_delete_user = pgs_session_delete_user,
    .session_list_user = pgs_session_list_user,
    .logout_session = pgs_logout_session,
    .bcl_enqueue_user = pgs_bcl_enqueue_user,
    .bcl_claim = pgs_bcl_claim,
    .bcl_settle = pgs_bcl_settle,
    .consent_get = pgs_consent_get,
    .consent_put = pgs_consent_put,
    .client_register = pgs_client_register,
    .client_reregister = pgs_client_reregister,
    .client_reg_get = pgs_client_reg_get,
    .client_reg_list = pgs_client_reg_list,
    .iat_add = pgs_iat_add,
    .iat_use = pgs_iat_use,
    .resource_add = pgs_resource_add,
    .resource_get = pgs_resource_get,
    .resource_list = pgs_resource_list,
    .resource_remove = pgs_resource_remove,
    .grant_resource_put = pgs_grant_resource_put,
    .grant_resource_of_code = pgs_grant_resource_of_code,
    .grant_resource_of_family = pgs_grant_resource_of_family,
    .mfa_get = pgs_mfa_get,
    .mfa_put = pgs_mfa_put,
    .mfa_enable = pgs_mfa_enable,
    .mfa_use_step = pgs_mfa_use_step,
    .mfa_remove = pgs_mfa_remove,
    .recovery_use = pgs_recovery_use,
    .webauthn_cred_add = pgs_webauthn_cred_add,
    .webauthn_cred_list = pgs_webauthn_cred_list,
    .webauthn_cred_get = pgs_webauthn_cred_get,
    .webauthn_cred_use = pgs_webauthn_cred_use,
    .webauthn_cred_rename = pgs_webauthn_cred_rename,
    .webauthn_cred_remove = pgs_webauthn_cred_remove,
    .webauthn_cred_remove_user = pgs_webauthn_cred_remove_user,
    .webauthn_challenge_put = pgs_webauthn_challenge_put,
    .webauthn_challenge_take = pgs_webauthn_challenge_take,
    .recovery_count = pgs_recovery_count,
    .recovery_replace = pgs_recovery_replace,
    .login_fail_get = pgs_login_fail_get,
    .login_fail_add = pgs_login_fail_add,
    .login_fail_clear = pgs_login_fail_clear,
    .trace_append = pgs_trace_append,
    .trace_flow_start = pgs_trace_flow_start,
    .trace_flow_update = pgs_trace_flow_update,
    .trace_flows = pgs_trace_flows,
    .trace_steps = pgs_trace_steps,
    .trace_flow_of_refresh = pgs_trace_flow_of_refresh,
    .trace_flow_of_family = pgs_trace_flow_of_family,
    .trace_prune = pgs_trace_prune,
    .purge = pgs_purge,
    .purge_batch = 1000,
    .purge_rest = 0,
};
