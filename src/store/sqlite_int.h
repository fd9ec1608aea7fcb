/*
 * Internals of the SQLite store shared by its files: connections with a
 * prepared-statement cache, a variadic binder, per-thread read connections
 * and the single writer thread that group-commits queued writes.
 */
#ifndef GH_SQLITE_INT_H
#define GH_SQLITE_INT_H

#include <pthread.h>
#include <semaphore.h>
#include <sqlite3.h>

#include "store/store.h"

#define SQ_STMT_SLOTS 128

struct sq_conn {
    sqlite3 *db;
    struct {
        const char *sql; /* static SQL text; the pointer is the key */
        sqlite3_stmt *st;
    } cache[SQ_STMT_SLOTS];
    struct sq_conn *next;   /* all reader connections, for close */
    struct sq_store *store; /* a reader's store, for reader_free */
};

/* A write: fn runs on the writer connection inside the batch transaction
 * (in its own savepoint). It returns 0 or a negative gh_err; a negative
 * result rolls back only this job. */
struct sq_job {
    int (*fn)(struct sq_conn *c, void *arg);
    void *arg;
    int rc;
    sem_t done;            /* posted by the writer once the batch committed */
    gh_store_done done_cb; /* asynchronous job: called instead, then freed */
    void *done_arg;
    int64_t t0_us;
    struct sq_job *next;
};

struct sq_store {
    struct gh_store base;
    char *path;
    pthread_key_t reader_key;
    pthread_mutex_t lock; /* guards the queue, readers list and flags */
    pthread_cond_t wake_writer;
    struct sq_job *queue_head, **queue_tail;
    struct sq_conn *readers;
    struct sq_conn *writer_conn;
    pthread_t writer;
    pthread_cond_t wake_ckpt;
    pthread_t ckpt;
    int writer_started, ckpt_wanted, ckpt_passes, stopping;
    unsigned purge_drained; /* sq_purge's statements that found too few rows */
};

int sq_conn_open(const char *path, int readonly, struct sq_conn **out, char *err, size_t errlen);
void sq_conn_close(struct sq_conn *c);
/* Cached statement for sql (a static string), reset and unbound. NULL on a
 * prepare error (logged). */
sqlite3_stmt *sq_prep(struct sq_conn *c, const char *sql);
/* Binds by a format: 't' const char * (text), 'i' int64_t, 'h' hash
 * (unsigned char[32]), 'w' wrapped token (unsigned char[GH_RT_WRAP_LEN],
 * NULL = SQL NULL), 'b' a blob given as const unsigned char * and size_t
 * length (two arguments), 'n' NULL. */
int sq_bind(sqlite3_stmt *st, const char *fmt, ...);
/* Prepares, binds and runs to completion; returns the number of changed
 * rows or a negative gh_err. */
int sq_exec(struct sq_conn *c, const char *sql, const char *fmt, ...);
/* Runs a bound statement and collects its rows into a new array (caller
 * frees) of elem-sized elements, each filled by row(); a negative return of
 * row() stops with that error. On failure release(array, count) cleans up
 * (free() when NULL) and nothing is returned. */
int sq_collect(sqlite3_stmt *st, size_t elem, int (*row)(sqlite3_stmt *st, void *out),
               void (*release)(void *rows, size_t n), void **rows, size_t *n);
/* Maps a SQLite result code to gh_err. */
int sq_err(int sqlite_rc);
/* Copies column i as text into out (NUL-terminated, truncated). */
void sq_text(sqlite3_stmt *st, int i, char *out, size_t outlen);

/* This thread's read connection (opened on first use). */
struct sq_conn *sq_reader(struct sq_store *s);
/* Queues fn on the writer and waits until its batch committed. */
int sq_write(struct sq_store *s, int (*fn)(struct sq_conn *c, void *arg), void *arg);
/* Queues fn and returns; done(done_arg, rc) runs on the writer after the
 * commit. arg must stay valid until then. */
int sq_write_async(struct sq_store *s, int (*fn)(struct sq_conn *c, void *arg), void *arg,
                   gh_store_done done, void *done_arg);

void sq_close(struct gh_store *gs);
/* GH_ESCHEMA when db is a SQLite database of another application. */
int sq_check_foreign(sqlite3 *db);
int sq_migrate(struct gh_store *gs, int *from, int *to);
int sq_check_schema(struct gh_store *gs);

/* The ops, one function each (sqlite_admin.c, sqlite_grant.c, sqlite_trace.c). */
int sq_setting_get(struct gh_store *gs, const char *key, char *out, size_t outlen);
int sq_setting_set(struct gh_store *gs, const char *key, const char *value);
int sq_revision(struct gh_store *gs, int64_t *out);
int sq_key_add(struct gh_store *gs, const struct gh_key_row *k);
int sq_key_list(struct gh_store *gs, struct gh_key_row **rows, size_t *n);
int sq_key_retire(struct gh_store *gs, const char *kid, int64_t now);
int sq_client_add(struct gh_store *gs, const struct gh_client *cl);
int sq_client_update(struct gh_store *gs, const struct gh_client *cl);
int sq_client_get(struct gh_store *gs, const char *id, struct gh_client *out);
int sq_client_list(struct gh_store *gs, struct gh_client **rows, size_t *n);
int sq_client_remove(struct gh_store *gs, const char *id);
int sq_user_add(struct gh_store *gs, const struct gh_user *u);
int sq_user_update(struct gh_store *gs, const struct gh_user *u);
int sq_user_costliest(struct gh_store *gs, struct gh_argon2_params *out);
int sq_user_set_password(struct gh_store *gs, const char *username, const char *pwhash);
int sq_user_remove(struct gh_store *gs, const char *username);
int sq_user_get(struct gh_store *gs, const char *username, struct gh_user *out);
int sq_user_list(struct gh_store *gs, struct gh_user **rows, size_t *n);
int sq_code_put(struct gh_store *gs, const struct gh_code *k);
int sq_code_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], struct gh_code *out);
int sq_code_redeem(struct gh_store *gs, const struct gh_redeem *r, enum gh_redeem_result *out);
int sq_refresh_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                   struct gh_refresh *out);
int sq_refresh_rotate(struct gh_store *gs, const struct gh_rotate *r, struct gh_rotated *out);
int sq_code_redeem_async(struct gh_store *gs, const struct gh_redeem *r, enum gh_redeem_result *out,
                         gh_store_done done, void *arg);
int sq_refresh_rotate_async(struct gh_store *gs, const struct gh_rotate *r, struct gh_rotated *out,
                            gh_store_done done, void *arg);
int sq_family_revoke(struct gh_store *gs, const char *family_id, int64_t now);
int sq_family_revoked(struct gh_store *gs, const char *family_id, int *revoked);
int sq_families_revoke_user(struct gh_store *gs, const char *sub, int64_t now, int *n);
int sq_jti_revoke(struct gh_store *gs, const char *jti, int64_t expires_at);
int sq_jti_revoked(struct gh_store *gs, const char *jti, int *revoked);
int sq_logout_session(struct gh_store *gs, const struct gh_logout_req *req, struct gh_logout *out);
int sq_bcl_enqueue_user(struct gh_store *gs, const char *sub, int64_t now_ms, int *n);
int sq_bcl_claim(struct gh_store *gs, int64_t now_ms, int64_t lease_until_ms, int max,
                 struct gh_bcl **rows, size_t *n);
int sq_bcl_settle(struct gh_store *gs, int64_t id, int64_t next_at_ms);
int sq_dpop_jti_use_async(struct gh_store *gs, const unsigned char jti[GH_SHA256_LEN],
                          const char *jkt, int64_t expires_at, gh_store_done done, void *arg);
int sq_dpop_jti_use(struct gh_store *gs, const unsigned char jti[GH_SHA256_LEN], const char *jkt,
                    int64_t expires_at);
int sq_consent_get(struct gh_store *gs, const char *sub, const char *client_id, char *scope,
                   size_t len);
int sq_consent_put(struct gh_store *gs, const char *sub, const char *client_id, const char *scope,
                   int64_t now);
int sq_session_put(struct gh_store *gs, const struct gh_session *sess);
int sq_session_get(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                   struct gh_session *out);
int sq_session_delete(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN]);
int sq_session_amr_add(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], int amr);
int sq_session_delete_user(struct gh_store *gs, const char *sub, int *n);
int sq_session_list_user(struct gh_store *gs, const char *sub, int64_t now,
                         struct gh_session **rows, size_t *n);
int sq_login_fail_get(struct gh_store *gs, const char *key, int *count, int64_t *last_at);
int sq_login_fail_add(struct gh_store *gs, const char *key, int64_t now, int *count);
int sq_login_fail_clear(struct gh_store *gs, const char *key);
int sq_purge(struct gh_store *gs, int64_t now, int batch, int *deleted);
/* The purge statements (parameters: now, batch), for the test that each
 * one reads an index range, never a whole table. */
const char *const *sq_purge_sql(size_t *n);
int sq_trace_append(struct gh_store *gs, const char *flow_id, const struct gh_trace_step *steps,
                    size_t n);
int sq_trace_flow_start(struct gh_store *gs, const struct gh_flow_info *f);
int sq_trace_flow_update(struct gh_store *gs, const char *flow_id, const char *sub,
                         const char *outcome);
int sq_trace_flows(struct gh_store *gs, struct gh_flow_info **rows, size_t *n);
int sq_trace_steps(struct gh_store *gs, const char *flow_id, struct gh_trace_step **rows,
                   size_t *n);
int sq_trace_flow_of_refresh(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                             char *flow_id, size_t len);
int sq_trace_flow_of_family(struct gh_store *gs, const char *family_id, char *flow_id, size_t len);
int sq_trace_prune(struct gh_store *gs, int keep_flows);

/* Inserts (insert = 1) or updates a client row and bumps the revision, on
 * the writer (sqlite_admin.c). */
int sq_client_write(struct sq_conn *c, const struct gh_client *cl, int insert);
/* With a client's removal: its registration row goes and its families are
 * revoked (sqlite_reg.c). 0 or a negative gh_err. */
int sq_client_forget(struct sq_conn *c, const char *id);
int sq_client_register(struct gh_store *gs, const struct gh_client *c,
                       const struct gh_client_reg *m);
int sq_client_reregister(struct gh_store *gs, const struct gh_client *c,
                         const struct gh_client_reg *m);
int sq_client_reg_get(struct gh_store *gs, const char *id, struct gh_client_reg *out);
int sq_client_reg_list(struct gh_store *gs, struct gh_client_reg **rows, size_t *n);
int sq_iat_add(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], int64_t expires_at,
               int64_t uses, int64_t now);
int sq_iat_use(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN], int64_t now);
int sq_resource_add(struct gh_store *gs, const struct gh_resource *r);
int sq_resource_get(struct gh_store *gs, const char *uri, struct gh_resource *out);
int sq_resource_list(struct gh_store *gs, struct gh_resource **rows, size_t *n);
int sq_resource_remove(struct gh_store *gs, const char *uri);
int sq_grant_resource_put(struct gh_store *gs, const unsigned char code_hash[GH_SHA256_LEN],
                          const char *resources, int64_t expires_at);
int sq_grant_resource_of_code(struct gh_store *gs, const unsigned char code_hash[GH_SHA256_LEN],
                              char *out, size_t len);
int sq_grant_resource_of_family(struct gh_store *gs, const char *family_id, char *out, size_t len);
/* sq_mfa.c */
int sq_mfa_get(struct gh_store *gs, const char *sub, struct gh_mfa *out);
int sq_mfa_put(struct gh_store *gs, const struct gh_mfa *m);
int sq_mfa_enable(struct gh_store *gs, const char *sub, int64_t step, const unsigned char *hashes,
                  size_t n, int64_t now);
int sq_mfa_use_step(struct gh_store *gs, const char *sub, int64_t step);
int sq_mfa_remove(struct gh_store *gs, const char *sub);
int sq_recovery_use(struct gh_store *gs, const char *sub, const unsigned char hash[GH_SHA256_LEN]);
int sq_mfa_forget(struct sq_conn *c, const char *sub);
int sq_recovery_count(struct gh_store *gs, const char *sub, int *n);
int sq_recovery_replace(struct gh_store *gs, const char *sub, const unsigned char *hashes,
                        size_t n);

/* sqlite_webauthn.c */
int sq_webauthn_cred_add(struct gh_store *gs, const struct gh_webauthn_cred *c);
int sq_webauthn_cred_list(struct gh_store *gs, const char *sub, struct gh_webauthn_cred **rows,
                          size_t *n);
int sq_webauthn_cred_get(struct gh_store *gs, const unsigned char *id, size_t id_len,
                         struct gh_webauthn_cred *out);
int sq_webauthn_cred_use(struct gh_store *gs, const unsigned char *id, size_t id_len,
                         int64_t sign_count, int backup_state, int64_t now);
int sq_webauthn_cred_rename(struct gh_store *gs, const char *sub, const unsigned char *id,
                            size_t id_len, const char *name);
int sq_webauthn_cred_remove(struct gh_store *gs, const char *sub, const unsigned char *id,
                            size_t id_len);
int sq_webauthn_cred_remove_user(struct gh_store *gs, const char *sub, int *n);
int sq_webauthn_challenge_put(struct gh_store *gs, const struct gh_webauthn_challenge *c);
int sq_webauthn_challenge_take(struct gh_store *gs, const unsigned char hash[GH_SHA256_LEN],
                               int64_t now, struct gh_webauthn_challenge *out);
/* Removes sub's credentials and challenges inside the caller's write;
 * credentials removed, or a gh_err. */
int sq_webauthn_forget(struct sq_conn *c, const char *sub);

extern const struct gh_store_ops gh_sqlite_ops;

/* Opens (creating if needed) the SQLite database at path; callers outside
 * src/store/ use gh_store_open("sqlite:PATH"). */
int gh_sqlite_open(const char *path, struct gh_store **out, char *err, size_t errlen);

#endif
