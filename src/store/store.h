/*
 * The storage interface: one ops table (struct gh_store_ops) implemented by
 * SQLite (sqlite.c) and PostgreSQL (pg.c). Protocol code calls these
 * operations and never sees SQL. Every operation that changes protocol
 * state (codes, refresh tokens, revocations) is atomic and has committed
 * durably when it returns 0. See docs/internals/store.md.
 *
 * Secrets never reach the store: codes, refresh tokens, session ids and
 * client secrets arrive as SHA-256 hashes (GH_SHA256_LEN bytes). The one
 * exception is opaque: with a reuse grace window, a rotated refresh token's
 * row keeps its successor encrypted under a key only the rotated token
 * itself yields (gh_refresh_wrap, docs/security.md 4.14).
 */
#ifndef GH_STORE_H
#define GH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/crypto.h"
#include "proto/grant.h"
#include "core/password.h"
#include "trace/step.h"

#define GH_SCHEMA_VERSION 14

#define GH_ID_MAX 128    /* client ids, usernames, family ids, flow ids */
#define GH_URI_MAX 512   /* redirect URIs and origins */
#define GH_URIS_MAX 8    /* redirect URIs (and origins) per client */
#define GH_SCOPE_MAX 512 /* space-separated scope string */
#define GH_PWHASH_MAX 160
#define GH_CLAIM_MAX 256 /* a user's profile claim (email, name, ...) */
#define GH_NONCE_MAX 256 /* OpenID Connect nonce of an authorization request */
#define GH_SID_MAX 40    /* public id of a browser session (OpenID Connect sid) */
#define GH_JKT_MAX 48    /* RFC 7638 thumbprint of a DPoP key (43 characters) */

#define GH_GRANT_TYPES_MAX 256 /* space-separated grant types of a client */

struct gh_client {
    char id[GH_ID_MAX];
    int is_public;
    int trusted;
    unsigned char secret_hash[GH_SHA256_LEN]; /* all zero for public clients */
    char scope[GH_SCOPE_MAX];                 /* scopes it may request */
    /* grant types it may use at /token, space-separated; "" stands for
     * every one its kind may use (proto/grant.h gh_grant_use) */
    char grant_types[GH_GRANT_TYPES_MAX];
    int n_redirect, n_origin;
    char redirect[GH_URIS_MAX][GH_URI_MAX];
    char origin[GH_URIS_MAX][GH_URI_MAX];
    int64_t created_at;
    /* RP-Initiated Logout 1.0 section 3.1: registered post_logout_redirect_uris */
    int n_post_logout;
    char post_logout[GH_URIS_MAX][GH_URI_MAX];
    char backchannel_uri[GH_URI_MAX]; /* Back-Channel Logout 1.0 2.2; "" when none */
    int dpop_bound;                   /* RFC 9449 5.2 dpop_bound_access_tokens */
    int require_mfa;                  /* sign-ins need a second factor (proto/amr.h) */
};

/* How a dynamically registered client came and what it registered (RFC
 * 7591 2, RFC 7592); clients added with the CLI have none. Lists are
 * newline-separated (contacts, post-logout URIs) or space-separated
 * (grant and response types). */
#define GH_REG_LIST_MAX 1024
struct gh_client_reg {
    char client_id[GH_ID_MAX];
    char via[16];                            /* "registration" */
    unsigned char token_hash[GH_SHA256_LEN]; /* registration access token */
    char client_name[GH_CLAIM_MAX];
    char client_uri[GH_URI_MAX];
    char logo_uri[GH_URI_MAX];
    char contacts[GH_REG_LIST_MAX];
    char grant_types[96];
    char response_types[32];
    char auth_method[32]; /* token_endpoint_auth_method */
    char post_logout_uris[GH_REG_LIST_MAX];
    int dpop_bound; /* dpop_bound_access_tokens */
    int64_t created_at;
};

/* A protected resource (RFC 8707): tokens may name it as their audience. */
struct gh_resource {
    char uri[GH_URI_MAX];
    char name[GH_CLAIM_MAX];
    char scope[GH_SCOPE_MAX]; /* scopes a token for it may carry, "" = any */
    int64_t created_at;
};

/* A user's one-time code setup (RFC 6238): the secret sealed by the
 * caller (hex; the store never sees it in clear), enabled once the user
 * proved it with a code, and the last time step accepted. */
#define GH_MFA_SEALED_MAX 160
#define GH_RECOVERY_CODES 10
struct gh_mfa {
    char sub[GH_ID_MAX];
    char secret_sealed[GH_MFA_SEALED_MAX];
    int enabled;
    int64_t last_step, updated_at;
};

/* A passkey (WebAuthn Level 2): a user's credential, by its id (at most
 * 1023 bytes, WebAuthn 6.5.1), with the COSE public key and the algorithm
 * src/webauthn accepted at registration, the signature counter last
 * accepted, and the backup flags (BE: may be synced; BS: is). name is the
 * user's label (at most 64 characters, checked by the caller). */
#define GH_WEBAUTHN_ID_MAX 1023
#define GH_WEBAUTHN_KEY_MAX 1024
#define GH_WEBAUTHN_NAME_MAX 257 /* 64 characters of up to 4 bytes, and a NUL */
struct gh_webauthn_cred {
    unsigned char id[GH_WEBAUTHN_ID_MAX];
    size_t id_len;
    char sub[GH_ID_MAX];
    char name[GH_WEBAUTHN_NAME_MAX];
    unsigned char key[GH_WEBAUTHN_KEY_MAX];
    size_t key_len;
    int alg; /* COSE algorithm: -7 ES256, -8 EdDSA, -257 RS256 */
    int64_t sign_count;
    int backup_eligible, backup_state;
    int64_t created_at, last_used_at; /* last_used_at 0: never */
};

/* A WebAuthn challenge issued and not yet used: only its SHA-256 is
 * stored, with its purpose ("create": registering a passkey; "get":
 * signing in), the user it was issued for ("" when the sign-in names none)
 * and its expiry. */
#define GH_WEBAUTHN_PURPOSE_MAX 8
struct gh_webauthn_challenge {
    unsigned char hash[GH_SHA256_LEN];
    char purpose[GH_WEBAUTHN_PURPOSE_MAX];
    char sub[GH_ID_MAX];
    int64_t expires_at;
};

struct gh_user {
    int64_t id;
    char username[GH_ID_MAX];
    char pwhash[GH_PWHASH_MAX]; /* argon2id encoded string */
    int64_t created_at;
    /* OpenID Connect Core 5.1 standard claims; "" when not set */
    char email[GH_CLAIM_MAX];
    int email_verified;
    char name[GH_CLAIM_MAX];
    char given_name[GH_CLAIM_MAX];
    char family_name[GH_CLAIM_MAX];
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
    int64_t used_at;           /* 0 until redeemed */
    char nonce[GH_NONCE_MAX];  /* OpenID Connect nonce as sent, "" when none */
    char sid[GH_SID_MAX];      /* browser session the user signed in with */
    char dpop_jkt[GH_JKT_MAX]; /* RFC 9449 10: key the code is bound to, "" when none */
    int amr;                   /* the session's sign-in methods, GH_AMR_* (proto/amr.h) */
};

/* A refresh token joined with its family. */
struct gh_refresh {
    unsigned char hash[GH_SHA256_LEN];
    char family_id[40];
    int state; /* enum gh_rt_state (proto/grant.h) */
    int64_t created_at, rotated_at, idle_expires_at;
    /* family */
    char client_id[GH_ID_MAX];
    char sub[GH_ID_MAX];
    char scope[GH_SCOPE_MAX];
    char flow_id[40];
    int64_t family_created_at, abs_expires_at, family_revoked_at;
    int64_t auth_time;         /* of the sign-in that started the family */
    char sid[GH_SID_MAX];      /* its browser session */
    char dpop_jkt[GH_JKT_MAX]; /* DPoP key the family is bound to, "" when none */
    int amr;                   /* sign-in methods of the code it came from (GH_AMR_*) */
};

/* Redeem a code and start a family with its first refresh token, or, when
 * the code was already used, revoke the family issued from it. The caller
 * has checked that the request is bound to the code (gh_grant_code_binding):
 * the store judges the code's state (gh_grant_redeem) and reports the
 * outcome, one of enum gh_redeem_result (proto/grant.h). */
struct gh_redeem {
    unsigned char code_hash[GH_SHA256_LEN];
    int64_t now;
    /* the new family and its first token (issue_refresh = 0: none) */
    int issue_refresh;
    char family_id[40];
    unsigned char rt_hash[GH_SHA256_LEN];
    int64_t abs_expires_at, idle_expires_at;
    char dpop_jkt[GH_JKT_MAX]; /* the family's DPoP key binding, "" when none */
};

/* A successor refresh token wrapped for the grace window, opaque to the
 * store (gh_refresh_wrap in src/oauth/common.c). */
#define GH_RT_WRAP_LEN 82

/* Rotate a refresh token: mark `old_hash` rotated and insert `new_hash`
 * into the same family, atomically; only one of racing rotations wins. The
 * rotated row remembers its successor (new_hash) and, with a grace window,
 * the successor wrapped under the old token. The caller has checked the
 * client binding; the store judges the token's state (gh_grant_rotate) and
 * reports the outcome (struct gh_rotated): GH_ROTATE_GRACE hands back the
 * wrapped successor and changes nothing, GH_ROTATE_REUSED revokes the
 * family. */
struct gh_rotate {
    unsigned char old_hash[GH_SHA256_LEN];
    unsigned char new_hash[GH_SHA256_LEN];
    int64_t now;
    int64_t idle_expires_at; /* of the new token */
    int64_t grace;           /* reuse grace window in seconds */
    int wrapped;             /* 1: wrap holds the new token, kept for the window */
    unsigned char wrap[GH_RT_WRAP_LEN];
};
/* What a rotation did. */
struct gh_rotated {
    enum gh_rotate_result result;
    /* GH_ROTATE_GRACE: the successor the token was rotated to, as wrapped
     * then (gh_refresh_unwrap with the presented token opens it) */
    unsigned char wrap[GH_RT_WRAP_LEN];
};

/* A browser session, bound to the user it was started for: user_stamp is
 * the SHA-256 of that user's password hash at sign-in, whose random salt
 * is new at every user add and passwd (docs/security.md, sessions). */
struct gh_session {
    unsigned char hash[GH_SHA256_LEN];
    char sub[GH_ID_MAX];
    unsigned char user_stamp[GH_SHA256_LEN];
    int64_t created_at, expires_at; /* created_at: when the user signed in */
    char sid[GH_SID_MAX];           /* public, random id (OpenID Connect sid) */
    int amr;                        /* how the user signed in: GH_AMR_* (proto/amr.h) */
};

/* Which browser session to end: the one of the cookie whose hash is given,
 * or, when hash is NULL, user sub's session with the public id sid. */
struct gh_logout_req {
    const unsigned char *hash; /* GH_SHA256_LEN bytes, or NULL */
    const char *sid, *sub;
    int64_t now_ms;
};

/* What ending a browser session did (RP-Initiated Logout 1.0 section 2). */
struct gh_logout {
    char sub[GH_ID_MAX];
    char sid[GH_SID_MAX];
    int families;     /* refresh-token families revoked */
    int queued;       /* back-channel logout deliveries queued */
    char flow_id[40]; /* trace flow of the session's latest grant, "" when none */
};

/* A queued back-channel logout delivery (Back-Channel Logout 1.0 2.5):
 * the logout token is signed when it is sent. */
struct gh_bcl {
    int64_t id;
    char client_id[GH_ID_MAX];
    char uri[GH_URI_MAX];
    char sub[GH_ID_MAX];
    char sid[GH_SID_MAX];
    char flow_id[40]; /* of a family issued in the session, "" when none */
    int tries;        /* failed attempts so far */
    int64_t created_at;
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
 * request (struct gh_redeem / gh_rotate), where the result goes (enum
 * gh_redeem_result / struct gh_rotated), and, for
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

/* The operations. Callers use the gh_store_* functions below (one wrapper
 * per operation: the one place for checks or metrics around a store call);
 * backends fill this table.
 *
 * Ownership: every *_get fills caller-owned memory. The *_list operations
 * and trace_flows / trace_steps return a new array in *rows (NULL when
 * *n is 0) that the caller frees with free(), except key_list, whose rows
 * own a PEM string each: free them with gh_key_rows_free. Strings passed
 * in are borrowed for the duration of the call. */
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

    /* Adds u (username, pwhash and claims); GH_EEXIST when the name is taken. */
    int (*user_add)(struct gh_store *s, const struct gh_user *u);
    /* Sets the claims of the user named u->username (not the password). */
    int (*user_update)(struct gh_store *s, const struct gh_user *u);
    int (*user_get)(struct gh_store *s, const char *username, struct gh_user *out);
    int (*user_list)(struct gh_store *s, struct gh_user **rows, size_t *n);
    int (*user_remove)(struct gh_store *s, const char *username);
    int (*user_set_password)(struct gh_store *s, const char *username, const char *pwhash);
    /* The argon2id parameters of the costliest password hash (t x m) among
     * the users; GH_ENOTFOUND when there is none. User changes bump the
     * revision, so servers learn of a costlier one (core/password.h). */
    int (*user_costliest)(struct gh_store *s, struct gh_argon2_params *out);

    int (*code_put)(struct gh_store *s, const struct gh_code *c);
    int (*code_get)(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                    struct gh_code *out);
    int (*code_redeem)(struct gh_store *s, const struct gh_redeem *r, enum gh_redeem_result *out);

    int (*refresh_get)(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                       struct gh_refresh *out);
    int (*refresh_rotate)(struct gh_store *s, const struct gh_rotate *r, struct gh_rotated *out);
    /* Asynchronous forms of the two writes on the token endpoint's hot path:
     * they return at once and call done(arg, rc) after the commit; *out,
     * and r, must stay valid until then. NULL: use gh_store_*_async, which
     * falls back to the synchronous operation. */
    int (*code_redeem_async)(struct gh_store *s, const struct gh_redeem *r,
                             enum gh_redeem_result *out, gh_store_done done, void *arg);
    int (*refresh_rotate_async)(struct gh_store *s, const struct gh_rotate *r,
                                struct gh_rotated *out, gh_store_done done, void *arg);
    int (*family_revoke)(struct gh_store *s, const char *family_id, int64_t now);
    /* *revoked = 1 when the family is revoked or unknown. */
    int (*family_revoked)(struct gh_store *s, const char *family_id, int *revoked);
    int (*families_revoke_user)(struct gh_store *s, const char *sub, int64_t now, int *n);

    int (*jti_revoke)(struct gh_store *s, const char *jti, int64_t expires_at);
    int (*jti_revoked)(struct gh_store *s, const char *jti, int *revoked);
    /* DPoP replay table (RFC 9449 11.1): records that the proof with jti
     * hash `jti` and key thumbprint `jkt` was used, until expires_at; 0 the
     * first time, GH_EEXIST when it was seen before (committed durably
     * either way before it returns). Expired rows go with purge. */
    int (*dpop_jti_use)(struct gh_store *s, const unsigned char jti[GH_SHA256_LEN], const char *jkt,
                        int64_t expires_at);
    /* Its asynchronous form (it copies its inputs): returns at once, calls
     * done(arg, rc) after the commit; <0 when it could not be queued. */
    int (*dpop_jti_use_async)(struct gh_store *s, const unsigned char jti[GH_SHA256_LEN],
                              const char *jkt, int64_t expires_at, gh_store_done done, void *arg);

    int (*session_put)(struct gh_store *s, const struct gh_session *sess);
    int (*session_get)(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                       struct gh_session *out);
    int (*session_delete)(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN]);
    /* Adds the sign-in methods amr to the session's (a second factor
     * given later: step-up); GH_ENOTFOUND when there is no such session. */
    int (*session_amr_add)(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN], int amr);
    /* Ends every browser session of sub; *n = how many. */
    int (*session_delete_user)(struct gh_store *s, const char *sub, int *n);
    /* The live browser sessions of sub (expires_at > now), oldest first,
     * for the account page: sub, sid, created_at, expires_at and amr; the
     * cookie hash and user stamp are left zero. New array (caller frees
     * *rows with free); *n 0 when there are none. */
    int (*session_list_user)(struct gh_store *s, const char *sub, int64_t now,
                             struct gh_session **rows, size_t *n);

    /* Logout, in one transaction: deletes the browser session req names,
     * revokes every refresh-token family issued under its sid and queues a
     * back-channel logout (due at req->now_ms) for every client with a
     * backchannel_logout_uri that received tokens in the session.
     * GH_ENOTFOUND when there is no such session. */
    int (*logout_session)(struct gh_store *s, const struct gh_logout_req *req,
                          struct gh_logout *out);
    /* Queues back-channel logouts (due at now_ms) for every live browser
     * session of sub, before `sessions revoke --user` ends them; *n = how
     * many. */
    int (*bcl_enqueue_user)(struct gh_store *s, const char *sub, int64_t now_ms, int *n);
    /* Claims up to max due deliveries (next_at <= now_ms, no live lease)
     * until lease_until_ms: no other process claims them meanwhile. */
    int (*bcl_claim)(struct gh_store *s, int64_t now_ms, int64_t lease_until_ms, int max,
                     struct gh_bcl **rows, size_t *n);
    /* Settles a claimed delivery: next_at_ms 0 removes it (delivered or
     * given up), otherwise one more failed try, due again at next_at_ms. */
    int (*bcl_settle)(struct gh_store *s, int64_t id, int64_t next_at_ms);

    /* Remembered consent (OIDC Core 3.1.2.4): the scope user sub granted
     * client client_id, into scope[len]; GH_ENOTFOUND (scope "") when none.
     * Removing the user or the client forgets it. */
    int (*consent_get)(struct gh_store *s, const char *sub, const char *client_id, char *scope,
                       size_t len);
    /* Records that sub granted scope to client_id, replacing what was. */
    int (*consent_put)(struct gh_store *s, const char *sub, const char *client_id,
                       const char *scope, int64_t now);

    /* Dynamic client registration (RFC 7591, RFC 7592): the client and its
     * registration row in one transaction; GH_EEXIST when the id is taken.
     * reregister replaces both (GH_ENOTFOUND when gone). client_remove
     * removes the row too and revokes the client's families. */
    int (*client_register)(struct gh_store *s, const struct gh_client *c,
                           const struct gh_client_reg *m);
    int (*client_reregister)(struct gh_store *s, const struct gh_client *c,
                             const struct gh_client_reg *m);
    /* GH_ENOTFOUND for a client that did not register itself. */
    int (*client_reg_get)(struct gh_store *s, const char *id, struct gh_client_reg *out);
    int (*client_reg_list)(struct gh_store *s, struct gh_client_reg **rows, size_t *n);
    /* Initial access tokens (RFC 7591 3): stored as hashes. iat_use spends
     * one use of a live token atomically; GH_ENOTFOUND when it is unknown,
     * expired or used up. */
    int (*iat_add)(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN], int64_t expires_at,
                   int64_t uses, int64_t now);
    int (*iat_use)(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN], int64_t now);
    /* Resources (RFC 8707). add: GH_EEXIST when the URI is taken. */
    int (*resource_add)(struct gh_store *s, const struct gh_resource *r);
    int (*resource_get)(struct gh_store *s, const char *uri, struct gh_resource *out);
    int (*resource_list)(struct gh_store *s, struct gh_resource **rows, size_t *n);
    int (*resource_remove)(struct gh_store *s, const char *uri);
    /* The resources (space-separated) granted with an authorization code,
     * read by the code's hash or by the family the code started; "" and
     * GH_ENOTFOUND when none were. */
    int (*grant_resource_put)(struct gh_store *s, const unsigned char code_hash[GH_SHA256_LEN],
                              const char *resources, int64_t expires_at);
    int (*grant_resource_of_code)(struct gh_store *s, const unsigned char code_hash[GH_SHA256_LEN],
                                  char *out, size_t len);
    int (*grant_resource_of_family)(struct gh_store *s, const char *family_id, char *out,
                                    size_t len);

    /* One-time codes (RFC 6238). mfa_get: GH_ENOTFOUND when sub has none.
     * mfa_put replaces sub's row (last_step -1) and, with enabled 0, drops
     * its recovery codes: a new enrolment. mfa_enable sets enabled and the
     * step of the code that proved it and stores n recovery code hashes in
     * place of any. mfa_use_step takes step only when greater than the last
     * (GH_ECONFLICT otherwise: a replay, or a race lost). mfa_remove drops
     * the row and the recovery codes (GH_ENOTFOUND when there was none).
     * recovery_use removes one recovery code; GH_ENOTFOUND when not there.
     * Removing the user removes all of it. */
    int (*mfa_get)(struct gh_store *s, const char *sub, struct gh_mfa *out);
    int (*mfa_put)(struct gh_store *s, const struct gh_mfa *m);
    int (*mfa_enable)(struct gh_store *s, const char *sub, int64_t step,
                      const unsigned char *hashes /* n * GH_SHA256_LEN */, size_t n, int64_t now);
    int (*mfa_use_step)(struct gh_store *s, const char *sub, int64_t step);
    int (*mfa_remove)(struct gh_store *s, const char *sub);
    int (*recovery_use)(struct gh_store *s, const char *sub,
                        const unsigned char hash[GH_SHA256_LEN]);
    /* How many unused recovery codes sub has (0 when none). */
    int (*recovery_count)(struct gh_store *s, const char *sub, int *n);
    /* Replaces sub's recovery codes with n new hashes, only while sub's
     * setup is enabled (GH_ENOTFOUND otherwise), in one transaction. */
    int (*recovery_replace)(struct gh_store *s, const char *sub,
                            const unsigned char *hashes /* n * GH_SHA256_LEN */, size_t n);

    /* Passkeys (WebAuthn Level 2). cred_add: GH_EEXIST when the id is
     * registered already (7.1 step 22). cred_list: sub's credentials, oldest
     * first. cred_get: GH_ENOTFOUND when unknown. cred_use records a sign-in
     * with counter sign_count only when the stored counter is lower, or both
     * are 0 (7.2 step 21), compared in the UPDATE itself, so two processes
     * never both accept one counter: GH_ECONFLICT when refused, GH_ENOTFOUND
     * when the credential is gone; it also stores backup_state (BS) and
     * last_used_at. cred_rename and cred_remove act on sub's credential only
     * (GH_ENOTFOUND otherwise); cred_remove_user removes all of sub's, *n
     * how many. Removing the user removes them too. */
    int (*webauthn_cred_add)(struct gh_store *s, const struct gh_webauthn_cred *c);
    int (*webauthn_cred_list)(struct gh_store *s, const char *sub, struct gh_webauthn_cred **rows,
                              size_t *n);
    int (*webauthn_cred_get)(struct gh_store *s, const unsigned char *id, size_t id_len,
                             struct gh_webauthn_cred *out);
    int (*webauthn_cred_use)(struct gh_store *s, const unsigned char *id, size_t id_len,
                             int64_t sign_count, int backup_state, int64_t now);
    int (*webauthn_cred_rename)(struct gh_store *s, const char *sub, const unsigned char *id,
                                size_t id_len, const char *name);
    int (*webauthn_cred_remove)(struct gh_store *s, const char *sub, const unsigned char *id,
                                size_t id_len);
    int (*webauthn_cred_remove_user)(struct gh_store *s, const char *sub, int *n);
    /* Challenges: put stores one issued; take deletes it and returns what
     * it was issued for, in one statement, so each is used once across
     * processes: GH_ENOTFOUND when unknown or used already, GH_EEXPIRED
     * when past expires_at (deleted all the same). Expired ones are
     * purged. */
    int (*webauthn_challenge_put)(struct gh_store *s, const struct gh_webauthn_challenge *c);
    int (*webauthn_challenge_take)(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                                   int64_t now, struct gh_webauthn_challenge *out);

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

    /* Deletes expired codes, sessions, families, jtis, login counters,
     * WebAuthn challenges; at most `batch` rows per table. */
    int (*purge)(struct gh_store *s, int64_t now, int batch, int *deleted);
    /* How the server's purge paces itself on this backend: rows a table
     * per batch to start a pass with (a long pass doubles it), and how
     * many times a batch's duration it rests after it (SQLite: the
     * rotations share its one writer; PostgreSQL: they do not wait for
     * the purge's rows). */
    int purge_batch, purge_rest;
};

struct gh_store {
    const struct gh_store_ops *ops;
};

/* One wrapper per operation of struct gh_store_ops, with the same
 * parameters, result and ownership (store_calls.c). */
int gh_store_migrate(struct gh_store *s, int *from, int *to);
int gh_store_check_schema(struct gh_store *s);
int gh_store_setting_get(struct gh_store *s, const char *key, char *out, size_t outlen);
int gh_store_setting_set(struct gh_store *s, const char *key, const char *value);
int gh_store_revision(struct gh_store *s, int64_t *out);
int gh_store_key_add(struct gh_store *s, const struct gh_key_row *k);
int gh_store_key_list(struct gh_store *s, struct gh_key_row **rows, size_t *n);
int gh_store_key_retire(struct gh_store *s, const char *kid, int64_t now);
int gh_store_client_add(struct gh_store *s, const struct gh_client *c);
int gh_store_client_update(struct gh_store *s, const struct gh_client *c);
int gh_store_client_get(struct gh_store *s, const char *id, struct gh_client *out);
int gh_store_client_list(struct gh_store *s, struct gh_client **rows, size_t *n);
int gh_store_client_remove(struct gh_store *s, const char *id);
int gh_store_user_add(struct gh_store *s, const struct gh_user *u);
int gh_store_user_update(struct gh_store *s, const struct gh_user *u);
int gh_store_user_get(struct gh_store *s, const char *username, struct gh_user *out);
int gh_store_user_list(struct gh_store *s, struct gh_user **rows, size_t *n);
int gh_store_user_remove(struct gh_store *s, const char *username);
int gh_store_user_set_password(struct gh_store *s, const char *username, const char *pwhash);
int gh_store_user_costliest(struct gh_store *s, struct gh_argon2_params *out);
int gh_store_code_put(struct gh_store *s, const struct gh_code *c);
int gh_store_code_get(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                      struct gh_code *out);
int gh_store_code_redeem(struct gh_store *s, const struct gh_redeem *r, enum gh_redeem_result *out);
int gh_store_refresh_get(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                         struct gh_refresh *out);
int gh_store_refresh_rotate(struct gh_store *s, const struct gh_rotate *r, struct gh_rotated *out);
int gh_store_family_revoke(struct gh_store *s, const char *family_id, int64_t now);
int gh_store_family_revoked(struct gh_store *s, const char *family_id, int *revoked);
int gh_store_families_revoke_user(struct gh_store *s, const char *sub, int64_t now, int *n);
int gh_store_jti_revoke(struct gh_store *s, const char *jti, int64_t expires_at);
int gh_store_jti_revoked(struct gh_store *s, const char *jti, int *revoked);
int gh_store_dpop_jti_use(struct gh_store *s, const unsigned char jti[GH_SHA256_LEN],
                          const char *jkt, int64_t expires_at);
int gh_store_session_put(struct gh_store *s, const struct gh_session *sess);
int gh_store_session_get(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                         struct gh_session *out);
int gh_store_session_delete(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN]);
int gh_store_session_amr_add(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN], int amr);
int gh_store_session_delete_user(struct gh_store *s, const char *sub, int *n);
int gh_store_session_list_user(struct gh_store *s, const char *sub, int64_t now,
                               struct gh_session **rows, size_t *n);
int gh_store_logout_session(struct gh_store *s, const struct gh_logout_req *req,
                            struct gh_logout *out);
int gh_store_bcl_enqueue_user(struct gh_store *s, const char *sub, int64_t now_ms, int *n);
int gh_store_bcl_claim(struct gh_store *s, int64_t now_ms, int64_t lease_until_ms, int max,
                       struct gh_bcl **rows, size_t *n);
int gh_store_bcl_settle(struct gh_store *s, int64_t id, int64_t next_at_ms);
int gh_store_consent_get(struct gh_store *s, const char *sub, const char *client_id, char *scope,
                         size_t len);
int gh_store_consent_put(struct gh_store *s, const char *sub, const char *client_id,
                         const char *scope, int64_t now);
int gh_store_client_register(struct gh_store *s, const struct gh_client *c,
                             const struct gh_client_reg *m);
int gh_store_client_reregister(struct gh_store *s, const struct gh_client *c,
                               const struct gh_client_reg *m);
int gh_store_client_reg_get(struct gh_store *s, const char *id, struct gh_client_reg *out);
int gh_store_client_reg_list(struct gh_store *s, struct gh_client_reg **rows, size_t *n);
int gh_store_iat_add(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                     int64_t expires_at, int64_t uses, int64_t now);
int gh_store_iat_use(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN], int64_t now);
int gh_store_resource_add(struct gh_store *s, const struct gh_resource *r);
int gh_store_resource_get(struct gh_store *s, const char *uri, struct gh_resource *out);
int gh_store_resource_list(struct gh_store *s, struct gh_resource **rows, size_t *n);
int gh_store_resource_remove(struct gh_store *s, const char *uri);
int gh_store_grant_resource_put(struct gh_store *s, const unsigned char code_hash[GH_SHA256_LEN],
                                const char *resources, int64_t expires_at);
int gh_store_grant_resource_of_code(struct gh_store *s,
                                    const unsigned char code_hash[GH_SHA256_LEN], char *out,
                                    size_t len);
int gh_store_grant_resource_of_family(struct gh_store *s, const char *family_id, char *out,
                                      size_t len);
int gh_store_mfa_get(struct gh_store *s, const char *sub, struct gh_mfa *out);
int gh_store_mfa_put(struct gh_store *s, const struct gh_mfa *m);
int gh_store_mfa_enable(struct gh_store *s, const char *sub, int64_t step,
                        const unsigned char *hashes, size_t n, int64_t now);
int gh_store_mfa_use_step(struct gh_store *s, const char *sub, int64_t step);
int gh_store_mfa_remove(struct gh_store *s, const char *sub);
int gh_store_recovery_use(struct gh_store *s, const char *sub,
                          const unsigned char hash[GH_SHA256_LEN]);
int gh_store_webauthn_cred_add(struct gh_store *s, const struct gh_webauthn_cred *c);
int gh_store_webauthn_cred_list(struct gh_store *s, const char *sub, struct gh_webauthn_cred **rows,
                                size_t *n);
int gh_store_webauthn_cred_get(struct gh_store *s, const unsigned char *id, size_t id_len,
                               struct gh_webauthn_cred *out);
int gh_store_webauthn_cred_use(struct gh_store *s, const unsigned char *id, size_t id_len,
                               int64_t sign_count, int backup_state, int64_t now);
int gh_store_webauthn_cred_rename(struct gh_store *s, const char *sub, const unsigned char *id,
                                  size_t id_len, const char *name);
int gh_store_webauthn_cred_remove(struct gh_store *s, const char *sub, const unsigned char *id,
                                  size_t id_len);
int gh_store_webauthn_cred_remove_user(struct gh_store *s, const char *sub, int *n);
int gh_store_webauthn_challenge_put(struct gh_store *s, const struct gh_webauthn_challenge *c);
int gh_store_webauthn_challenge_take(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                                     int64_t now, struct gh_webauthn_challenge *out);
int gh_store_recovery_count(struct gh_store *s, const char *sub, int *n);
int gh_store_recovery_replace(struct gh_store *s, const char *sub, const unsigned char *hashes,
                              size_t n);
int gh_store_login_fail_get(struct gh_store *s, const char *key, int *count, int64_t *last_at);
int gh_store_login_fail_add(struct gh_store *s, const char *key, int64_t now, int *count);
int gh_store_login_fail_clear(struct gh_store *s, const char *key);
int gh_store_trace_append(struct gh_store *s, const char *flow_id,
                          const struct gh_trace_step *steps, size_t n);
int gh_store_trace_flow_start(struct gh_store *s, const struct gh_flow_info *f);
int gh_store_trace_flow_update(struct gh_store *s, const char *flow_id, const char *sub,
                               const char *outcome);
int gh_store_trace_flows(struct gh_store *s, struct gh_flow_info **rows, size_t *n);
int gh_store_trace_steps(struct gh_store *s, const char *flow_id, struct gh_trace_step **rows,
                         size_t *n);
int gh_store_trace_flow_of_refresh(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                                   char *flow_id, size_t len);
int gh_store_trace_flow_of_family(struct gh_store *s, const char *family_id, char *flow_id,
                                  size_t len);
int gh_store_trace_prune(struct gh_store *s, int keep_flows);
int gh_store_purge(struct gh_store *s, int64_t now, int batch, int *deleted);
/* The backend's purge_batch and purge_rest. */
void gh_store_purge_pace(const struct gh_store *s, int *batch, int *rest);

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
                                   struct gh_rotated *out, gh_store_done done, void *arg);
void gh_store_dpop_jti_use_async(struct gh_store *s, const unsigned char jti[GH_SHA256_LEN],
                                 const char *jkt, int64_t expires_at, gh_store_done done,
                                 void *arg);

#endif
