/*
 * Store conformance for DPoP (RFC 9449), on both backends: the replay
 * table refuses a second use of one (jti, key) pair, keeps other pairs
 * apart, and loses its rows to purge once they expire; the key binding of
 * a code and of the family redeemed from a code with a DPoP proof, kept
 * through rotation; clients' dpop_bound_access_tokens.
 */
#include <semaphore.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "store/store_test.h"

#define JKT_A "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
#define JKT_B "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"

STORE_TEST(dpop_jti_replay_and_purge, 1)
{
    (void)b;
    unsigned char j1[GH_SHA256_LEN], j2[GH_SHA256_LEN];
    int deleted = 0;
    gh_stest_hash(1, j1);
    gh_stest_hash(2, j2);
    ASSERT_INT_EQ(gh_store_dpop_jti_use(s, j1, JKT_A, NOW + 300), 0);
    ASSERT_INT_EQ(gh_store_dpop_jti_use(s, j1, JKT_A, NOW + 300), GH_EEXIST);
    /* another key's proof may carry the same jti; another jti is new */
    ASSERT_INT_EQ(gh_store_dpop_jti_use(s, j1, JKT_B, NOW + 300), 0);
    ASSERT_INT_EQ(gh_store_dpop_jti_use(s, j2, JKT_A, NOW + 10), 0);
    /* purge takes the expired row only */
    ASSERT_INT_EQ(gh_store_purge(s, NOW + 100, 1000, &deleted), 0);
    ASSERT_TRUE(deleted >= 1);
    ASSERT_INT_EQ(gh_store_dpop_jti_use(s, j1, JKT_A, NOW + 300), GH_EEXIST);
    ASSERT_INT_EQ(gh_store_dpop_jti_use(s, j2, JKT_A, NOW + 310), 0);
}

STORE_TEST(dpop_code_and_family_binding, 1)
{
    (void)b;
    struct gh_code c = gh_stest_code(3, "alice", "", NOW + 60), got;
    snprintf(c.dpop_jkt, sizeof(c.dpop_jkt), "%s", JKT_A);
    ASSERT_INT_EQ(gh_store_code_put(s, &c), 0);
    ASSERT_INT_EQ(gh_store_code_get(s, c.hash, &got), 0);
    ASSERT_STR_EQ(got.dpop_jkt, JKT_A);
    enum gh_redeem_result res;
    struct gh_redeem r = gh_stest_redeem_req(c.hash, "fam-dpop", 30);
    snprintf(r.dpop_jkt, sizeof(r.dpop_jkt), "%s", JKT_B);
    ASSERT_INT_EQ(gh_store_code_redeem(s, &r, &res), 0);
    ASSERT_INT_EQ(res, GH_REDEEM_OK);
    struct gh_refresh t;
    unsigned char h[GH_SHA256_LEN];
    gh_stest_hash(30, h);
    ASSERT_INT_EQ(gh_store_refresh_get(s, h, &t), 0);
    ASSERT_STR_EQ(t.dpop_jkt, JKT_B);
    enum gh_rotate_result rot;
    ASSERT_INT_EQ(gh_stest_rotate(s, 30, 31, NOW + 10, 0, &rot), 0);
    ASSERT_INT_EQ(rot, GH_ROTATE_OK);
    gh_stest_hash(31, h);
    ASSERT_INT_EQ(gh_store_refresh_get(s, h, &t), 0);
    ASSERT_STR_EQ(t.dpop_jkt, JKT_B);
    /* without a binding: "" */
    struct gh_code plain = gh_stest_code(4, "alice", "", NOW + 60);
    ASSERT_INT_EQ(gh_store_code_put(s, &plain), 0);
    ASSERT_INT_EQ(gh_store_code_get(s, plain.hash, &got), 0);
    ASSERT_STR_EQ(got.dpop_jkt, "");
}

STORE_TEST(dpop_bound_client, 1)
{
    (void)b;
    struct gh_client c, got;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "bound");
    c.is_public = 1;
    c.dpop_bound = 1;
    c.n_redirect = 1;
    snprintf(c.redirect[0], sizeof(c.redirect[0]), "https://app.example/cb");
    c.created_at = NOW;
    ASSERT_INT_EQ(gh_store_client_add(s, &c), 0);
    ASSERT_INT_EQ(gh_store_client_get(s, "bound", &got), 0);
    ASSERT_INT_EQ(got.dpop_bound, 1);
    c.dpop_bound = 0;
    ASSERT_INT_EQ(gh_store_client_update(s, &c), 0);
    ASSERT_INT_EQ(gh_store_client_get(s, "bound", &got), 0);
    ASSERT_INT_EQ(got.dpop_bound, 0);
    ASSERT_INT_EQ(got.created_at, NOW);
}

struct wait_rc {
    sem_t sem;
    int rc;
};

static void got_rc(void *arg, int rc)
{
    struct wait_rc *w = arg;
    w->rc = rc;
    sem_post(&w->sem);
}

/* The asynchronous form answers through its callback, after the commit. */
STORE_TEST(dpop_jti_use_async, 1)
{
    (void)b;
    unsigned char j[GH_SHA256_LEN];
    struct wait_rc w = {.rc = 1};
    char jkt[GH_JKT_MAX];
    gh_stest_hash(7, j);
    snprintf(jkt, sizeof(jkt), "%s", JKT_A); /* the store copies its inputs */
    sem_init(&w.sem, 0, 0);
    gh_store_dpop_jti_use_async(s, j, jkt, NOW + 300, got_rc, &w);
    memset(jkt, 0, sizeof(jkt));
    sem_wait(&w.sem);
    ASSERT_INT_EQ(w.rc, 0);
    gh_store_dpop_jti_use_async(s, j, JKT_A, NOW + 300, got_rc, &w);
    sem_wait(&w.sem);
    ASSERT_INT_EQ(w.rc, GH_EEXIST);
    ASSERT_INT_EQ(gh_store_dpop_jti_use(s, j, JKT_A, NOW + 300), GH_EEXIST);
    sem_destroy(&w.sem);
}
