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
#define PG_BATCH_MAX 64     /* rotations committed together (pg_rotate.c) */
/* batches of a process in flight at once: one gave the largest batches,
 * the least CPU a rotation and the most rotations a second */
#define PG_BATCH_RUNNERS 1

/* Internal result: serialization failure or deadlock (SQLSTATE 40001,
 * 40P01). pgs_write retries it; it never leaves this module. */
#define PG_ERETRY (-100)

struct pgs_conn {
    PGconn *db;
    const char *stmt[PG_STMT_SLOTS]; /* static SQL text prepared as "g<slot>" */
    int broken;                      /* the connection failed: drop it on release */
    struct pgs_conn *next;           /* idle list */
};

struct pgs_store;
struct pgs_rot;

struct pgs_store {
    struct gh_store base;
    char *url;            /* conninfo; holds the password, never printed */
    char shown[512];      /* the URL without its password, for messages */
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t freed; /* a connection came back */
    struct pgs_conn *idle;
    int open; /* connections open or being opened */
    /* asynchronous writes: up to PG_WORKERS threads, started on demand */
    struct gh_workq *async;
    /* rotations waiting for a batch (pg_rotate.c), under batch_lock */
    pthread_mutex_t batch_lock;
    struct pgs_rot *batch_head, **batch_tail;
    int batch_runners;
};

/* Writes url into out with any password replaced by "***". */
void pgs_redact(const char *url, char *out, size_t outlen);

/* Borrows a connection (an idle one, or a new one while fewer than
 * PG_POOL_MAX are open); GH_EUNAVAIL when the server is unreachable or no
 * connection came free within PG_BORROW_WAIT_S. */
int pgs_borrow(struct pgs_store *s, struct pgs_conn **out);
/* Returns c to the pool; a broken connection is closed instead. */
void pgs_release(struct pgs_store *s, struct pgs_conn *c);

/* Runs sql (a static string: its address keys the per-connection cache of
 * prepared statements) with parameters described by fmt: 't' const char *
 * (text, NULL = SQL NULL), 'i' int64_t, 'h' const unsigned char * hash of
 * GH_SHA256_LEN bytes, 'w' const unsigned char * wrapped token of
 * GH_RT_WRAP_LEN bytes (both bytea, NULL = SQL NULL), 'b' a bytea given as
 * const unsigned char * and size_t length (two arguments). Returns the result (caller
 * PQclear()s it) or NULL with *rc a negative gh_err or PG_ERETRY. */
PGresult *pgs_run(struct pgs_conn *c, const char *sql, int *rc, const char *fmt, ...);
/* Like pgs_run for statements without result rows: the number of changed
 * rows, or a negative gh_err / PG_ERETRY. */
int pgs_exec(struct pgs_conn *c, const char *sql, const char *fmt, ...);
/* Runs a read outside any transaction on a pooled connection; on a broken
 * connection it retries once on a new one. NULL and *rc on error. */
PGresult *pgs_query(struct pgs_store *s, const char *sql, int *rc, const char *fmt, ...);
/* Runs fn inside one READ COMMITTED transaction and commits (durably:
 * synchronous_commit is on). fn returns 0 or a negative gh_err; a negative
 * result rolls back. Serialization failures and deadlocks are retried, and
 * so is everything that failed on a broken connection before COMMIT was
 * sent; fn must therefore set its outputs from scratch on each call. */
int pgs_write(struct pgs_store *s, int (*fn)(struct pgs_conn *c, void *arg), void *arg);
/* Runs one statement in its own implicit transaction (one round trip, the
 * fast path of the token endpoint's writes): the number of changed rows or
 * a negative gh_err / PG_ERETRY. Never retried here: after a lost
 * connection its outcome is unknown, and the caller decides. */
int pgs_exec1(struct pgs_store *s, const char *sql, const char *fmt, ...);
/* Pipelines (libpq pipeline mode, pg_rotate.c): pgs_prepare prepares sql
 * for parameters of fmt on c, outside a pipeline (GH_ESTORE when c's cache
 * of statements is full); pgs_send then queues one run of it with bound
 * parameters on c in pipeline mode (GH_EUNAVAIL, c marked broken, when
 * libpq could not queue it). */
int pgs_prepare(struct pgs_conn *c, const char *sql, const char *fmt);
int pgs_send(struct pgs_conn *c, const char *sql, const char *fmt, ...);
/* Queues op and returns at once; a worker runs op(s, arg) and then calls
 * done(done_arg, rc) on its thread. arg must stay valid until then.
 * GH_ENOMEM / GH_EUNAVAIL (closing) when it could not be queued. */
int pgs_async(struct pgs_store *s, int (*op)(struct pgs_store *s, void *arg), void *arg,
              gh_store_done done, void *done_arg);

/* Column accessors for text-format results. */
void pgs_text(const PGresult *r, int row, int col, char *out, size_t outlen);
int64_t pgs_int(const PGresult *r, int row, int col);
/* Decodes a bytea column of exactly len bytes into out; 0 or GH_ENOTFOUND
 * (NULL, another length or bad hex: out is zeroed). */
int pgs_blob(const PGresult *r, int row, int col, unsigned char *out, size_t len);
/* Decodes a bytea column of at most size bytes into out and its length
 * into *n; GH_ENOTFOUND (NULL, longer, bad hex) otherwise. */
int pgs_bytes(const PGresult *r, int row, int col, unsigned char *out, size_t size, size_t *n);
/* pgs_blob of GH_SHA256_LEN bytes. */
int pgs_hash(const PGresult *r, int row, int col, unsigned char out[GH_SHA256_LEN]);

void pgs_close(struct gh_store *gs);
/* GH_ESCHEMA when the connection's database holds tables of another
 * application (no gatehouse marker) in its current schema. */
int pgs_check_foreign(struct pgs_conn *c);
int pgs_migrate(struct gh_store *gs, int *from, int *to);
int pgs_check_schema(struct gh_store *gs);

/* The ops, one function each (pg_admin.c, pg_grant.c, pg_trace.c). */
int pgs_setting_get(struct gh_store *gs, const char *key, char *out, size_t outlen);
int pgs_setting_set(struct gh_store *gs, const char *key, const char *value);
int pgs_revision(struct gh_store *gs, int64_t *out);
int pgs_key_add(struct gh_store *gs, const struct gh_key_row *k);
int pgs_key_list(struct gh_store *gs, struct gh_key_row **rows, size_t *n);
int pgs_key_retire(struct gh_store *gs, const char *kid, int64_t now);
int pgs_client_add(struct gh_store *gs, const struct gh_client *cl);
int pgs_client_update(struct gh_store *gs, const struct gh_client *cl);
int pgs_client_get(struct gh_store *gs, const char *id, struct gh_client *out);
int pgs_client_list(struct gh_store *gs, struct gh_client **rows, size_t *n);
int pgs_client_remove(struct gh_store *gs, const char *id);
int pgs_user_add(struct gh_store *gs, const struct gh_user *u);
int pgs_user_update(struct gh_store *gs, const struct gh_user *u);
int pgs_user_costliest(struct gh_store *gs, struct gh_argon2_params *out);
int pgs_user_set_password(struct gh_store *gs, const char *username, const char *pwhash);
int pgs_user_remove(struct gh_store *gs, const char *username);
int pgs_user_get(struct gh_store *gs, const char *username, struct gh_user *out);
int pgs_user_list(struct gh_store *gs, struct gh_user **rows, size_t *n);
int pgs_code_put(struct gh_store *gs, const struct gh_code *k);
int pgs_code_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], struct gh_code *out);
int pgs_code_redeem(struct gh_store *gs, const struct gh_redeem *r, enum gh_redeem_result *out);
int pgs_refresh_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                    struct gh_refresh *out);
int pgs_refresh_rotate(struct gh_store *gs, const struct gh_rotate *r, struct gh_rotated *out);
int pgs_code_redeem_async(struct gh_store *gs, const struct gh_redeem *r,
                          enum gh_redeem_result *out, gh_store_done done, void *arg);
int pgs_refresh_rotate_async(struct gh_store *gs, const struct gh_rotate *r, struct gh_rotated *out,
                             gh_store_done done, void *arg);
int pgs_family_revoke(struct gh_store *gs, const char *family_id, int64_t now);
/* Revokes a family and its tokens inside the caller's write (pg_grant.c). */
int pgs_family_revoke_in(struct pgs_conn *c, const char *family_id, int64_t now);
int pgs_family_revoked(struct gh_store *gs, const char *family_id, int *revoked);
int pgs_families_revoke_user(struct gh_store *gs, const char *sub, int64_t now, int *n);
int pgs_jti_revoke(struct gh_store *gs, const char *jti, int64_t expires_at);
int pgs_jti_revoked(struct gh_store *gs, const char *jti, int *revoked);
int pgs_logout_session(struct gh_store *gs, const struct gh_logout_req *req, struct gh_logout *out);
int pgs_bcl_enqueue_user(struct gh_store *gs, const char *sub, int64_t now_ms, int *n);
int pgs_bcl_claim(struct gh_store *gs, int64_t now_ms, int64_t lease_until_ms, int max,
                  struct gh_bcl **rows, size_t *n);
int pgs_bcl_settle(struct gh_store *gs, int64_t id, int64_t next_at_ms);
int pgs_dpop_jti_use_async(struct gh_store *gs, const unsigned char jti[GH_SHA256_LEN],
                           const char *jkt, int64_t expires_at, gh_store_done done, void *arg);
int pgs_dpop_jti_use(struct gh_store *gs, const unsigned char jti[GH_SHA256_LEN], const char *jkt,
                     int64_t expires_at);
int pgs_consent_get(struct gh_store *gs, const char *sub, const char *client_id, char *scope,
                    size_t len);
int pgs_consent_put(struct gh_store *gs, const char *sub, const char *client_id, const char *scope,
                    int64_t now);
int pgs_session_put(struct gh_store *gs, const struct gh_session *sess);
int pgs_session_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                    struct gh_session *out);
int pgs_session_delete(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN]);
int pgs_session_amr_add(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], int amr);
int pgs_session_delete_user(struct gh_store *gs, const char *sub, int *n);
int pgs_session_list_user(struct gh_store *gs, const char *sub, int64_t now,
                          struct gh_session **rows, size_t *n);
int pgs_login_fail_get(struct gh_store *gs, const char *key, int *count, int64_t *last_at);
int pgs_login_fail_add(struct gh_store *gs, const char *key, int64_t now, int *count);
int pgs_login_fail_clear(struct gh_store *gs, const char *key);
int pgs_purge(struct gh_store *gs, int64_t now, int batch, int *deleted);
/* The purge statements (parameters: now, batch), for the test that each
 * one reads an index range, never a whole table. */
const char *const *pgs_purge_sql(size_t *n);
int pgs_trace_append(struct gh_store *gs, const char *flow_id, const struct gh_trace_step *steps,
                     size_t n);
int pgs_trace_flow_start(struct gh_store *gs, const struct gh_flow_info *f);
int pgs_trace_flow_update(struct gh_store *gs, const char *flow_id, const char *sub,
                          const char *outcome);
int pgs_trace_flows(struct gh_store *gs, struct gh_flow_info **rows, size_t *n);
int pgs_trace_steps(struct gh_store *gs, const char *flow_id, struct gh_trace_step **rows,
                    size_t *n);
int pgs_trace_flow_of_refresh(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                              char *flow_id, size_t len);
int pgs_trace_flow_of_family(struct gh_store *gs, const char *family_id, char *flow_id, size_t len);
int pgs_trace_prune(struct gh_store *gs, int keep_flows);

/* Inserts (insert = 1) or updates a client row and bumps the revision,
 * inside a pgs_write transaction (pg_admin.c). */
int pgs_client_write(struct pgs_conn *c, const struct gh_client *cl, int insert);
/* With a client's removal: its registration row goes and its families are
 * revoked (pg_reg.c). 0 or a negative gh_err. */
int pgs_client_forget(struct pgs_conn *c, const char *id);
int pgs_client_register(struct gh_store *gs, const struct gh_client *c,
                        const struct gh_client_reg *m);
int pgs_client_reregister(struct gh_store *gs, const struct gh_client *c,
                          const struct gh_client_reg *m);
int pgs_client_reg_get(struct gh_store *gs, const char *id, struct gh_client_reg *out);
int pgs_client_reg_list(struct gh_store *gs, struct gh_client_reg **rows, size_t *n);
int pgs_iat_add(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], int64_t expires_at,
                int64_t uses, int64_t now);
int pgs_iat_use(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], int64_t now);
int pgs_resource_add(struct gh_store *gs, const struct gh_resource *r);
int pgs_resource_get(struct gh_store *gs, const char *uri, struct gh_resource *out);
int pgs_resource_list(struct gh_store *gs, struct gh_resource **rows, size_t *n);
int pgs_resource_remove(struct gh_store *gs, const char *uri);
int pgs_grant_resource_put(struct gh_store *gs, const unsigned char code_hash[GH_SHA256_LEN],
                           const char *resources, int64_t expires_at);
int pgs_grant_resource_of_code(struct gh_store *gs, const unsigned char code_hash[GH_SHA256_LEN],
                               char *out, size_t len);
int pgs_grant_resource_of_family(struct gh_store *gs, const char *family_id, char *out, size_t len);
/* pgs_mfa.c */
int pgs_mfa_get(struct gh_store *gs, const char *sub, struct gh_mfa *out);
int pgs_mfa_put(struct gh_store *gs, const struct gh_mfa *m);
int pgs_mfa_enable(struct gh_store *gs, const char *sub, int64_t step, const unsigned char *hashes,
                   size_t n, int64_t now);
int pgs_mfa_use_step(struct gh_store *gs, const char *sub, int64_t step);
int pgs_mfa_remove(struct gh_store *gs, const char *sub);
int pgs_recovery_use(struct gh_store *gs, const char *sub, const unsigned char hash[GH_SHA256_LEN]);
int pgs_mfa_forget(struct pgs_conn *c, const char *sub);
int pgs_recovery_count(struct gh_store *gs, const char *sub, int *n);
int pgs_recovery_replace(struct gh_store *gs, const char *sub, const unsigned char *hashes,
                         size_t n);

/* pg_webauthn.c */
int pgs_webauthn_cred_add(struct gh_store *gs, const struct gh_webauthn_cred *c);
int pgs_webauthn_cred_list(struct gh_store *gs, const char *sub, struct gh_webauthn_cred **rows,
                           size_t *n);
int pgs_webauthn_cred_get(struct gh_store *gs, const unsigned char *id, size_t id_len,
                          struct gh_webauthn_cred *out);
int pgs_webauthn_cred_use(struct gh_store *gs, const unsigned char *id, size_t id_len,
                          int64_t sign_count, int backup_state, int64_t now);
int pgs_webauthn_cred_rename(struct gh_store *gs, const char *sub, const unsigned char *id,
                             size_t id_len, const char *name);
int pgs_webauthn_cred_remove(struct gh_store *gs, const char *sub, const unsigned char *id,
                             size_t id_len);
int pgs_webauthn_cred_remove_user(struct gh_store *gs, const char *sub, int *n);
int pgs_webauthn_challenge_put(struct gh_store *gs, const struct gh_webauthn_challenge *c);
int pgs_webauthn_challenge_take(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                                int64_t now, struct gh_webauthn_challenge *out);
/* Removes sub's credentials and challenges inside the caller's write;
 * credentials removed, or a gh_err. */
int pgs_webauthn_forget(struct pgs_conn *c, const char *sub);

extern const struct gh_store_ops gh_pg_ops;

/* Connects to PostgreSQL at a libpq URL; callers outside src/store/ use
 * gh_store_open. */
int gh_pg_open(const char *url, struct gh_store **out, char *err, size_t errlen);

#endif
