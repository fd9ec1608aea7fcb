/*
 * The storage interface: one ops table (struct gh_store_ops) implemented by
 * SQLite (sqlite.c) and PostgreSQL (pg.c). Protocol code calls these
 * operations and never sees SQL. Every operation that changes protocol
 * state (codes, refresh tokens, revocations) is atomic and has committed
 * durably when it returns 0 (SPEC section 7). See docs/internals/store.md.
 *
 * Secrets never reach the store: codes, refresh tokens, session ids and
 * client secrets arrive as SHA-256 hashes (GH_SHA256_LEN bytes).
 */
#ifndef GH_STORE_H
#define GH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/crypto.h"
#include "trace/step.h"

#define GH_SCHEMA_VERSION 2

#define GH_ID_MAX 128    /* client ids, usernames, family ids, flow ids */
#define GH_URI_MAX 512   /* redirect URIs and origins */
#define GH_URIS_MAX 8    /* redirect URIs (and origins) per client */
#define GH_SCOPE_MAX 512 /* space-separated scope string */
#define GH_PWHASH_MAX 160

struct gh_client {
    char id[GH_ID_MAX];
    int is_public;
    int trusted;
    unsigned char secret_hash[GH_SHA256_LEN]; /* all zero for public clients */
    char scope[GH_SCOPE_MAX];                 /* scopes it may request */
    int n_redirect, n_origin;
    char redirect[GH_URIS_MAX][GH_URI_MAX];
    char origin[GH_URIS_MAX][GH_URI_MAX];
    int64_t created_at;
};

struct gh_user {
    int64_t id;
    char username[GH_ID_MAX];
    char pwhash[GH_PWHASH_MAX]; /* argon2id encoded string */
    int64_t created_at;
};

struct gh_key_row {
    char kid[96];
    char alg[16];
    char *pem; /* private key, PKCS#8; owned, freed by gh_key_rows_free */
    int64_t created_at;
    int active;            /* the key that signs new tokens */
    int64_t retired_at;    /* when it stopped signing, 0 while active/never */
    int64_t publish_until; /* public key leaves the JWKS after this, 0 = no limit */
};

struct gh_code {
    unsigned char hash[GH_SHA256_LEN];
    char client_id[GH_ID_MAX];
    char redirect_uri[GH_URI_MAX];
    char challenge[64]; /* S256 code_challenge, base64url */
    char sub[GH_ID_MAX];
    char scope[GH_SCOPE_MAX];
    char flow_id[40]; /* trace correlation, "" when tracing is off */
    int64_t auth_time, expires_at;
    int64_t used_at; /* 0 until redeemed */
};

/* A refresh token joined with its family. */
struct gh_refresh {
    unsigned char hash[GH_SHA256_LEN];
    char family_id[40];
    int state; /* enum gh_rt_state */
    int64_t created_at, rotated_at, idle_expires_at;
    /* family */
    char client_id[GH_ID_MAX];
    char sub[GH_ID_MAX];
    char scope[GH_SCOPE_MAX];
    char flow_id[40];
    int64_t family_created_at, abs_expires_at, family_revoked_at;
};

enum gh_rt_state { GH_RT_ACTIVE = 0, GH_RT_ROTATED = 1, GH_RT_REVOKED = 2 };

/* Redeem a code and start a family with its first refresh token, or, when
 * the code was already used, revoke the family issued from it. */
struct gh_redeem {
    unsigned char code_hash[GH_SHA256_LEN];
    int64_t now;
    /* the new family and its first token (issue_refresh = 0: none) */
    int issue_refresh;
    char family_id[40];
    unsigned char rt_hash[GH_SHA256_LEN];
    int64_t abs_expires_at, idle_expires_at;
};
enum gh_redeem_result {
    GH_REDEEM_OK,       /* code taken, family created */
    GH_REDEEM_REPLAYED, /* code had been used: its family is now revoked */
    GH_REDEEM_INVALID,  /* no such code, or expired */
};

/* Rotate a refresh token: mark `old_hash` rotated and insert `new_hash`
 * into the same family, atomically; only one of racing rotations wins. */
struct gh_rotate {
    unsigned char old_hash[GH_SHA256_LEN];
    unsigned char new_hash[GH_SHA256_LEN];
    int64_t now;
    int64_t idle_expires_at; /* of the new token */
    int64_t grace;           /* reuse grace window in seconds */
};
enum gh_rotate_result {
    GH_ROTATE_OK,      /* rotated; new token active */
    GH_ROTATE_GRACE,   /* old token was rotated within the grace window:
                          new token issued, family intact */
    GH_ROTATE_REUSED,  /* old token was already rotated: family revoked */
    GH_ROTATE_REVOKED, /* family (or token) revoked earlier */
    GH_ROTATE_INVALID, /* unknown token */
};

struct gh_session {
    unsigned char hash[GH_SHA256_LEN];
    char sub[GH_ID_MAX];
    int64_t created_at, expires_at;
};

struct gh_flow_info {
    char id[40];
    int64_t started_us;
    char client_id[GH_ID_MAX];
    char sub[GH_ID_MAX];
    int steps;
    char outcome[64];
};

struct gh_store;

/* Completion of an asynchronous operation: rc is what the synchronous
 * operation would have returned. Runs on a store thread. */
typedef void (*gh_store_done)(void *arg, int rc);

/* A job of the two asynchronous operations, as each backend runs it: the
 * request (struct gh_redeem / gh_rotate), where the result goes, and, for
 * an asynchronous call, the caller's completion. */
struct gh_store_call {
    const void *req;
    void *out;
    gh_store_done done;
    void *arg;
};

/* New call (caller frees with free() if it is never submitted). */
struct gh_store_call *gh_store_call_new(const void *req, void *out, gh_store_done done, void *arg);
/* A gh_store_done for backends: frees the call, then runs its completion. */
void gh_store_call_finish(void *call, int rc);

struct gh_store_ops {
    const char *name;
    void (*close)(struct gh_store *s);
    /* Creates or migrates the schema; *from and *to are the versions. */
    int (*migrate)(struct gh_store *s, int *from, int *to);
    /* 0 when the schema is exactly GH_SCHEMA_VERSION; GH_ESCHEMA when
     * older (run init), newer or foreign. */
    int (*check_schema)(struct gh_store *s);

    int (*setting_get)(struct gh_store *s, const char *key, char *out, size_t outlen);
    int (*setting_set)(struct gh_store *s, const char *key, const char *value);
    /* Bumped by every change that servers cache (clients, keys, settings). */
    int (*revision)(struct gh_store *s, int64_t *out);

    /* Adds a key; when active, the previous active key is retired and stays
     * published until publish_until. */
    int (*key_add)(struct gh_store *s, const struct gh_key_row *k);
    int (*key_list)(struct gh_store *s, struct gh_key_row **rows, size_t *n);
    int (*key_retire)(struct gh_store *s, const char *kid, int64_t now);

    int (*client_add)(struct gh_store *s, const struct gh_client *c);
    int (*client_update)(struct gh_store *s, const struct gh_client *c);
    int (*client_get)(struct gh_store *s, const char *id, struct gh_client *out);
    int (*client_list)(struct gh_store *s, struct gh_client **rows, size_t *n);
    int (*client_remove)(struct gh_store *s, const char *id);

    int (*user_add)(struct gh_store *s, const char *username, const char *pwhash);
    int (*user_get)(struct gh_store *s, const char *username, struct gh_user *out);
    int (*user_list)(struct gh_store *s, struct gh_user **rows, size_t *n);
    int (*user_remove)(struct gh_store *s, const char *username);
    int (*user_set_password)(struct gh_store *s, const char *username, const char *pwhash);

    int (*code_put)(struct gh_store *s, const struct gh_code *c);
    int (*code_get)(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                    struct gh_code *out);
    int (*code_redeem)(struct gh_store *s, const struct gh_redeem *r, enum gh_redeem_result *out);

    int (*refresh_get)(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                       struct gh_refresh *out);
    int (*refresh_rotate)(struct gh_store *s, const struct gh_rotate *r,
                          enum gh_rotate_result *out);
    /* Asynchronous forms of the two writes on the token endpoint's hot path:
     * they return at once and call done(arg, rc) after the commit; *out,
     * and r, must stay valid until then. NULL: use gh_store_*_async, which
     * falls back to the synchronous operation. */
    int (*code_redeem_async)(struct gh_store *s, const struct gh_redeem *r,
                             enum gh_redeem_result *out, gh_store_done done, void *arg);
    int (*refresh_rotate_async)(struct gh_store *s, const struct gh_rotate *r,
                                enum gh_rotate_result *out, gh_store_done done, void *arg);
    int (*family_revoke)(struct gh_store *s, const char *family_id, int64_t now);
    /* *revoked = 1 when the family is revoked or unknown. */
    int (*family_revoked)(struct gh_store *s, const char *family_id, int *revoked);
    int (*families_revoke_user)(struct gh_store *s, const char *sub, int64_t now, int *n);

    int (*jti_revoke)(struct gh_store *s, const char *jti, int64_t expires_at);
    int (*jti_revoked)(struct gh_store *s, const char *jti, int *revoked);

    int (*session_put)(struct gh_store *s, const struct gh_session *sess);
    int (*session_get)(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                       struct gh_session *out);
    int (*session_delete)(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN]);

    /* Login rate limiting: failures of one key ("u:NAME" or "a:ADDR"). */
    int (*login_fail_get)(struct gh_store *s, const char *key, int *count, int64_t *last_at);
    int (*login_fail_add)(struct gh_store *s, const char *key, int64_t now, int *count);
    int (*login_fail_clear)(struct gh_store *s, const char *key);

    /* Flow recorder. */
    int (*trace_append)(struct gh_store *s, const char *flow_id, const struct gh_trace_step *steps,
                        size_t n);
    int (*trace_flow_start)(struct gh_store *s, const struct gh_flow_info *f);
    int (*trace_flow_update)(struct gh_store *s, const char *flow_id, const char *sub,
                             const char *outcome);
    int (*trace_flows)(struct gh_store *s, struct gh_flow_info **rows, size_t *n);
    int (*trace_steps)(struct gh_store *s, const char *flow_id, struct gh_trace_step **rows,
                       size_t *n);
    /* Flow of the family a refresh-token hash belongs to ("" when none). */
    int (*trace_flow_of_refresh)(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                                 char *flow_id, size_t len);
    /* Flow of a refresh-token family ("" when none). */
    int (*trace_flow_of_family)(struct gh_store *s, const char *family_id, char *flow_id,
                                size_t len);
    int (*trace_prune)(struct gh_store *s, int keep_flows);

    /* Deletes expired codes, sessions, families, jtis, login counters; at
     * most `batch` rows per table. */
    int (*purge)(struct gh_store *s, int64_t now, int batch, int *deleted);
};

struct gh_store {
    const struct gh_store_ops *ops;
};

/* Opens "sqlite:PATH" or "postgres://..." (also "postgresql://"). New
 * (caller closes with gh_store_close). err names the problem on failure. */
int gh_store_open(const char *url, struct gh_store **out, char *err, size_t errlen);
void gh_store_close(struct gh_store *s);
/* The database URL with any password masked, for messages and logs. */
void gh_store_redact_url(const char *url, char *out, size_t outlen);
void gh_key_rows_free(struct gh_key_row *rows, size_t n);
/* Run the asynchronous operation, or the synchronous one followed by done
 * when the backend has no asynchronous form. done is always called. */
void gh_store_code_redeem_async(struct gh_store *s, const struct gh_redeem *r,
                                enum gh_redeem_result *out, gh_store_done done, void *arg);
void gh_store_refresh_rotate_async(struct gh_store *s, const struct gh_rotate *r,
                                   enum gh_rotate_result *out, gh_store_done done, void *arg);

#endif
