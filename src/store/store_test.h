/*
 * Store conformance suite harness (docs/internals/store.md), shared by the suite's
 * files: store_test.c (schema, administration, flow records),
 * store_grant_test.c (protocol state, races) and pg_test.c (PostgreSQL
 * connection handling). A STORE_TEST case runs against a fresh SQLite
 * database in a temporary directory and, when GH_PG_URL names a PostgreSQL
 * server, against a fresh PostgreSQL database created on it for the case
 * and dropped afterwards: the same checks, the same expectations.
 */
#ifndef GH_STORE_TEST_H
#define GH_STORE_TEST_H

#include <stdint.h>

#include "core/test.h"
#include "store/store.h"

#define NOW 1700000000

struct backend {
    const char *name; /* "sqlite" or "postgres" */
    char url[600];
    char dir[64];    /* sqlite: the temporary directory */
    char path[128];  /* sqlite: the database file */
    char dbname[64]; /* postgres: the database made for the case */
};

typedef void (*store_case_fn)(struct gh_store *s, struct backend *b, int *gh_failed_);

/* Runs fn on each backend with a new, opened store; migrate: create the
 * schema first. */
void gh_stest_run(store_case_fn fn, int migrate, int *gh_failed_);

#define STORE_TEST(name, migrate)                                                                  \
    static void body_##name(struct gh_store *s, struct backend *b, int *gh_failed_);               \
    GH_TEST(store_##name)                                                                          \
    {                                                                                              \
        gh_stest_run(body_##name, migrate, gh_failed_);                                            \
    }                                                                                              \
    static void body_##name(struct gh_store *s, struct backend *b, int *gh_failed_)

/* 1 when GH_PG_URL is set. */
int gh_stest_have_pg(void);
/* A new database on the GH_PG_URL server (b->url, b->dbname); 0 or -1. */
int gh_stest_pg_make(struct backend *b);
void gh_stest_pg_drop(struct backend *b);
/* Runs sql on the GH_PG_URL connection; 0 or -1 (message on stderr). */
int gh_stest_pg_admin(const char *sql);
/* Runs sql straight on the backend's database, behind the store's back. */
int gh_stest_raw(const struct backend *b, const char *sql);

/* Fixtures: hash number seed; a code of client "spa"; a code stored and
 * redeemed into `family` whose first token is hash rt_seed; a rotation of
 * token old_seed to new_seed; the state of token seed (or a gh_err). */
void gh_stest_hash(int seed, unsigned char out[GH_SHA256_LEN]);
struct gh_code gh_stest_code(int seed, const char *sub, const char *flow, int64_t expires_at);
/* A redemption of code_hash starting family `family` with first token
 * hash(rt_seed); absolute expiry NOW + 1 day, idle NOW + 1 hour. */
struct gh_redeem gh_stest_redeem_req(const unsigned char code_hash[GH_SHA256_LEN],
                                     const char *family, int rt_seed);
int gh_stest_family(struct gh_store *s, int code_seed, const char *sub, const char *flow,
                    const char *family, int rt_seed, int64_t idle_exp, enum gh_redeem_result *res);
int gh_stest_rotate(struct gh_store *s, int old_seed, int new_seed, int64_t now, int64_t grace,
                    enum gh_rotate_result *res);
/* The wrapped successor a rotation to token `seed` keeps (opaque bytes to
 * the store); a rotation request of old_seed to new_seed, which keeps
 * wrap(new_seed) when grace > 0, as the token endpoint does; and that
 * rotation run, with the whole result (on GH_ROTATE_GRACE: the wrap). */
void gh_stest_wrap(int seed, unsigned char out[GH_RT_WRAP_LEN]);
struct gh_rotate gh_stest_rotate_req(int old_seed, int new_seed, int64_t now, int64_t grace);
int gh_stest_rotate_full(struct gh_store *s, int old_seed, int new_seed, int64_t now, int64_t grace,
                         struct gh_rotated *out);
int gh_stest_rt_state(struct gh_store *s, int seed);
/* Adds a user without claims. */
int gh_stest_user_add(struct gh_store *s, const char *username, const char *pwhash);

#endif
