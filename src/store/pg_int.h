/*
 * Internals of the PostgreSQL store shared by its files: a small pool of
 * libpq connections per process (created lazily, borrowed per operation),
 * statements prepared once per connection, a format-driven binder, and the
 * transaction runner that retries serialization failures and deadlocks and
 * replaces a broken connection (docs/internals/store.md, "PostgreSQL").
 */
#ifndef GH_PG_INT_H
#define GH_PG_INT_H

#include <pthread.h>
#include <libpq-fe.h>

#include "store/store.h"

#define PG_POOL_MAX 12      /* connections per process */
#define PG_WORKERS 8        /* threads running asynchronous writes (of the pool) */
#define PG_STMT_SLOTS 128   /* prepared statements per connection */
#define PG_PARAMS_MAX 16    /* parameters per statement */
#define PG_BORROW_WAIT_S 10 /* longest wait for a free connection */

/* Internal result: serialization failure or deadlock (SQLSTATE 40001,
 * 40P01). pg_write retries it; it never leaves this module. */
#define PG_ERETRY (-100)

struct pg_conn {
    PGconn *db;
    const char *stmt[PG_STMT_SLOTS]; /* static SQL text prepared as "g<slot>" */
    int broken;                      /* the connection failed: drop it on release */
    struct pg_conn *next;            /* idle list */
};

struct pg_store;

struct pg_store {
    struct gh_store base;
    char *url;            /* conninfo; holds the password, never printed */
    char shown[512];      /* the URL without its password, for messages */
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t freed; /* a connection came back */
    struct pg_conn *idle;
    int open; /* connections open or being opened */
    /* asynchronous writes: up to PG_WORKERS threads, started on demand */
    struct gh_workq *async;
};

/* Writes url into out with any password replaced by "***". */
void pg_redact(const char *url, char *out, size_t outlen);

/* Borrows a connection (an idle one, or a new one while fewer than
 * PG_POOL_MAX are open); GH_EUNAVAIL when the server is unreachable or no
 * connection came free within PG_BORROW_WAIT_S. */
int pg_borrow(struct pg_store *s, struct pg_conn **out);
/* Returns c to the pool; a broken connection is closed instead. */
void pg_release(struct pg_store *s, struct pg_conn *c);

/* Runs sql (a static string: its address keys the per-connection cache of
 * prepared statements) with parameters described by fmt: 't' const char *
 * (text, NULL = SQL NULL), 'i' int64_t, 'h' const unsigned char * hash of
 * GH_SHA256_LEN bytes, 'w' const unsigned char * wrapped token of
 * GH_RT_WRAP_LEN bytes (both bytea, NULL = SQL NULL). Returns the result (caller
 * PQclear()s it) or NULL with *rc a negative gh_err or PG_ERETRY. */
PGresult *pg_run(struct pg_conn *c, const char *sql, int *rc, const char *fmt, ...);
/* Like pg_run for statements without result rows: the number of changed
 * rows, or a negative gh_err / PG_ERETRY. */
int pg_exec(struct pg_conn *c, const char *sql, const char *fmt, ...);
/* Runs a read outside any transaction on a pooled connection; on a broken
 * connection it retries once on a new one. NULL and *rc on error. */
PGresult *pg_query(struct pg_store *s, const char *sql, int *rc, const char *fmt, ...);
/* Runs fn inside one READ COMMITTED transaction and commits (durably:
 * synchronous_commit is on). fn returns 0 or a negative gh_err; a negative
 * result rolls back. Serialization failures and deadlocks are retried, and
 * so is everything that failed on a broken connection before COMMIT was
 * sent; fn must therefore set its outputs from scratch on each call. */
int pg_write(struct pg_store *s, int (*fn)(struct pg_conn *c, void *arg), void *arg);
/* Runs one statement in its own implicit transaction (one round trip, the
 * fast path of the token endpoint's writes): the number of changed rows or
 * a negative gh_err / PG_ERETRY. Never retried here: after a lost
 * connection its outcome is unknown, and the caller decides. */
int pg_exec1(struct pg_store *s, const char *sql, const char *fmt, ...);
/* Queues op and returns at once; a worker runs op(s, arg) and then calls
 * done(done_arg, rc) on its thread. arg must stay valid until then.
 * GH_ENOMEM / GH_EUNAVAIL (closing) when it could not be queued. */
int pg_async(struct pg_store *s, int (*op)(struct pg_store *s, void *arg), void *arg,
             gh_store_done done, void *done_arg);

/* Column accessors for text-format results. */
void pg_text(const PGresult *r, int row, int col, char *out, size_t outlen);
int64_t pg_int(const PGresult *r, int row, int col);
/* Decodes a bytea column of exactly len bytes into out; 0 or GH_ENOTFOUND
 * (NULL, another length or bad hex: out is zeroed). */
int pg_blob(const PGresult *r, int row, int col, unsigned char *out, size_t len);
/* pg_blob of GH_SHA256_LEN bytes. */
int pg_hash(const PGresult *r, int row, int col, unsigned char out[GH_SHA256_LEN]);

void pg_close(struct gh_store *gs);
/* GH_ESCHEMA when the connection's database holds tables of another
 * application (no gatehouse marker) in its current schema. */
int pg_check_foreign(struct pg_conn *c);
int pg_migrate(struct gh_store *gs, int *from, int *to);
int pg_check_schema(struct gh_store *gs);

/* The ops, one function each (pg_admin.c, pg_grant.c, pg_trace.c). */
int pg_setting_get(struct gh_store *gs, const char *key, char *out, size_t outlen);
int pg_setting_set(struct gh_store *gs, const char *key, const char *value);
int pg_revision(struct gh_store *gs, int64_t *out);
int pg_key_add(struct gh_store *gs, const struct gh_key_row *k);
int pg_key_list(struct gh_store *gs, struct gh_key_row **rows, size_t *n);
int pg_key_retire(struct gh_store *gs, const char *kid, int64_t now);
int pg_client_add(struct gh_store *gs, const struct gh_client *cl);
int pg_client_update(struct gh_store *gs, const struct gh_client *cl);
int pg_client_get(struct gh_store *gs, const char *id, struct gh_client *out);
int pg_client_list(struct gh_store *gs, struct gh_client **rows, size_t *n);
int pg_client_remove(struct gh_store *gs, const char *id);
int pg_user_add(struct gh_store *gs, const struct gh_user *u);
int pg_user_update(struct gh_store *gs, const struct gh_user *u);
int pg_user_costliest(struct gh_store *gs, struct gh_argon2_params *out);
int pg_user_set_password(struct gh_store *gs, const char *username, const char *pwhash);
int pg_user_remove(struct gh_store *gs, const char *username);
int pg_user_get(struct gh_store *gs, const char *username, struct gh_user *out);
int pg_user_list(struct gh_store *gs, struct gh_user **rows, size_t *n);
int pg_code_put(struct gh_store *gs, const struct gh_code *k);
int pg_code_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], struct gh_code *out);
int pg_code_redeem(struct gh_store *gs, const struct gh_redeem *r, enum gh_redeem_result *out);
int pg_refresh_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                   struct gh_refresh *out);
int pg_refresh_rotate(struct gh_store *gs, const struct gh_rotate *r, struct gh_rotated *out);
int pg_code_redeem_async(struct gh_store *gs, const struct gh_redeem *r, enum gh_redeem_result *out,
                         gh_store_done done, void *arg);
int pg_refresh_rotate_async(struct gh_store *gs, const struct gh_rotate *r, struct gh_rotated *out,
                            gh_store_done done, void *arg);
int pg_family_revoke(struct gh_store *gs, const char *family_id, int64_t now);
int pg_family_revoked(struct gh_store *gs, const char *family_id, int *revoked);
int pg_families_revoke_user(struct gh_store *gs, const char *sub, int64_t now, int *n);
int pg_jti_revoke(struct gh_store *gs, const char *jti, int64_t expires_at);
int pg_jti_revoked(struct gh_store *gs, const char *jti, int *revoked);
int pg_logout_session(struct gh_store *gs, const struct gh_logout_req *req, struct gh_logout *out);
int pg_bcl_enqueue_user(struct gh_store *gs, const char *sub, int64_t now_ms, int *n);
int pg_bcl_claim(struct gh_store *gs, int64_t now_ms, int64_t lease_until_ms, int max,
                 struct gh_bcl **rows, size_t *n);
int pg_bcl_settle(struct gh_store *gs, int64_t id, int64_t next_at_ms);
int pg_dpop_jti_use_async(struct gh_store *gs, const unsigned char jti[GH_SHA256_LEN],
                          const char *jkt, int64_t expires_at, gh_store_done done, void *arg);
int pg_dpop_jti_use(struct gh_store *gs, const unsigned char jti[GH_SHA256_LEN], const char *jkt,
                    int64_t expires_at);
int pg_consent_get(struct gh_store *gs, const char *sub, const char *client_id, char *scope,
                   size_t len);
int pg_consent_put(struct gh_store *gs, const char *sub, const char *client_id, const char *scope,
                   int64_t now);
int pg_session_put(struct gh_store *gs, const struct gh_session *sess);
int pg_session_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                   struct gh_session *out);
int pg_session_delete(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN]);
int pg_session_delete_user(struct gh_store *gs, const char *sub, int *n);
int pg_login_fail_get(struct gh_store *gs, const char *key, int *count, int64_t *last_at);
int pg_login_fail_add(struct gh_store *gs, const char *key, int64_t now, int *count);
int pg_login_fail_clear(struct gh_store *gs, const char *key);
int pg_purge(struct gh_store *gs, int64_t now, int batch, int *deleted);
int pg_trace_append(struct gh_store *gs, const char *flow_id, const struct gh_trace_step *steps,
                    size_t n);
int pg_trace_flow_start(struct gh_store *gs, const struct gh_flow_info *f);
int pg_trace_flow_update(struct gh_store *gs, const char *flow_id, const char *sub,
                         const char *outcome);
int pg_trace_flows(struct gh_store *gs, struct gh_flow_info **rows, size_t *n);
int pg_trace_steps(struct gh_store *gs, const char *flow_id, struct gh_trace_step **rows,
                   size_t *n);
int pg_trace_flow_of_refresh(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                             char *flow_id, size_t len);
int pg_trace_flow_of_family(struct gh_store *gs, const char *family_id, char *flow_id, size_t len);
int pg_trace_prune(struct gh_store *gs, int keep_flows);

/* Inserts (insert = 1) or updates a client row and bumps the revision,
 * inside a pg_write transaction (pg_admin.c). */
int pg_client_write(struct pg_conn *c, const struct gh_client *cl, int insert);
/* With a client's removal: its registration row goes and its families are
 * revoked (pg_reg.c). 0 or a negative gh_err. */
int pg_client_forget(struct pg_conn *c, const char *id);
int pg_client_register(struct gh_store *gs, const struct gh_client *c,
                       const struct gh_client_reg *m);
int pg_client_reregister(struct gh_store *gs, const struct gh_client *c,
                         const struct gh_client_reg *m);
int pg_client_reg_get(struct gh_store *gs, const char *id, struct gh_client_reg *out);
int pg_client_reg_list(struct gh_store *gs, struct gh_client_reg **rows, size_t *n);
int pg_iat_add(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], int64_t expires_at,
               int64_t uses, int64_t now);
int pg_iat_use(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], int64_t now);
int pg_resource_add(struct gh_store *gs, const struct gh_resource *r);
int pg_resource_get(struct gh_store *gs, const char *uri, struct gh_resource *out);
int pg_resource_list(struct gh_store *gs, struct gh_resource **rows, size_t *n);
int pg_resource_remove(struct gh_store *gs, const char *uri);
int pg_grant_resource_put(struct gh_store *gs, const unsigned char code_hash[GH_SHA256_LEN],
                          const char *resources, int64_t expires_at);
int pg_grant_resource_of_code(struct gh_store *gs, const unsigned char code_hash[GH_SHA256_LEN],
                              char *out, size_t len);
int pg_grant_resource_of_family(struct gh_store *gs, const char *family_id, char *out, size_t len);

extern const struct gh_store_ops gh_pg_ops;

/* Connects to PostgreSQL at a libpq URL; callers outside src/store/ use
 * gh_store_open. */
int gh_pg_open(const char *url, struct gh_store **out, char *err, size_t errlen);

#endif
