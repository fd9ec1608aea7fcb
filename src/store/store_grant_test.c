/*
 * Store conformance suite, part two: protocol state on both backends —
 * codes, refresh rotation with reuse detection, the grace window that
 * never forks a family, family revocation, revoked jtis, sessions, login
 * counters, purge — and races: of RACERS threads presenting one refresh
 * token (or one code) at once, exactly one wins, synchronously and through
 * the asynchronous forms, and with a grace window all get one branch.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_test.h"
#include "core/err.h"

/* ---- codes and refresh tokens ---- */

STORE_TEST(codes, 1)
{
    (void)b;
    struct gh_code c = gh_stest_code(1, "alice", "flow-1", NOW + 60), got;
    ASSERT_INT_EQ(gh_store_code_put(s, &c), 0);
    ASSERT_INT_EQ(gh_store_code_put(s, &c), GH_EEXIST);
    ASSERT_INT_EQ(gh_store_code_get(s, c.hash, &got), 0);
    ASSERT_STR_EQ(got.client_id, "spa");
    ASSERT_STR_EQ(got.redirect_uri, c.redirect_uri);
    ASSERT_STR_EQ(got.challenge, c.challenge);
    ASSERT_STR_EQ(got.sub, "alice");
    ASSERT_STR_EQ(got.scope, "openid api");
    ASSERT_STR_EQ(got.flow_id, "flow-1");
    ASSERT_INT_EQ(got.auth_time, NOW - 5);
    ASSERT_INT_EQ(got.expires_at, NOW + 60);
    ASSERT_INT_EQ(got.used_at, 0);

    struct gh_redeem r = gh_stest_redeem_req(c.hash, "fam-1", 100);
    enum gh_redeem_result res = GH_REDEEM_INVALID;
    ASSERT_INT_EQ(gh_store_code_redeem(s, &r, &res), 0);
    ASSERT_INT_EQ(res, GH_REDEEM_OK);
    ASSERT_INT_EQ(gh_store_code_get(s, c.hash, &got), 0);
    ASSERT_INT_EQ(got.used_at, NOW);
    struct gh_refresh rt;
    ASSERT_INT_EQ(gh_store_refresh_get(s, r.rt_hash, &rt), 0);
    ASSERT_STR_EQ(rt.family_id, "fam-1");
    ASSERT_INT_EQ(rt.state, GH_RT_ACTIVE);
    ASSERT_STR_EQ(rt.client_id, "spa");
    ASSERT_STR_EQ(rt.sub, "alice");
    ASSERT_STR_EQ(rt.scope, "openid api");
    ASSERT_STR_EQ(rt.flow_id, "flow-1");
    ASSERT_INT_EQ(rt.created_at, NOW);
    ASSERT_INT_EQ(rt.idle_expires_at, NOW + 3600);
    ASSERT_INT_EQ(rt.family_created_at, NOW);
    ASSERT_INT_EQ(rt.abs_expires_at, NOW + 86400);
    ASSERT_INT_EQ(rt.family_revoked_at, 0);
    int revoked = -1;
    ASSERT_INT_EQ(gh_store_family_revoked(s, "fam-1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 0);

    /* RFC 6749 4.1.2: a second use revokes what the code issued */
    r.now = NOW + 1;
    snprintf(r.family_id, sizeof(r.family_id), "fam-1b");
    gh_stest_hash(101, r.rt_hash);
    ASSERT_INT_EQ(gh_store_code_redeem(s, &r, &res), 0);
    ASSERT_INT_EQ(res, GH_REDEEM_REPLAYED);
    ASSERT_INT_EQ(gh_store_family_revoked(s, "fam-1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 1);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 100), GH_RT_REVOKED);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 101), GH_ENOTFOUND);

    /* expired, unknown: refused, nothing changes */
    struct gh_code old = gh_stest_code(2, "alice", "", NOW - 1);
    ASSERT_INT_EQ(gh_store_code_put(s, &old), 0);
    memcpy(r.code_hash, old.hash, GH_SHA256_LEN);
    ASSERT_INT_EQ(gh_store_code_redeem(s, &r, &res), 0);
    ASSERT_INT_EQ(res, GH_REDEEM_EXPIRED);
    ASSERT_INT_EQ(gh_store_code_get(s, old.hash, &got), 0);
    ASSERT_INT_EQ(got.used_at, 0);
    gh_stest_hash(3, r.code_hash);
    ASSERT_INT_EQ(gh_store_code_redeem(s, &r, &res), 0);
    ASSERT_INT_EQ(res, GH_REDEEM_INVALID);
    ASSERT_INT_EQ(gh_store_code_get(s, r.code_hash, &got), GH_ENOTFOUND);

    /* without a refresh token: no family */
    struct gh_code plain = gh_stest_code(4, "bob", "", NOW + 60);
    ASSERT_INT_EQ(gh_store_code_put(s, &plain), 0);
    memcpy(r.code_hash, plain.hash, GH_SHA256_LEN);
    r.issue_refresh = 0;
    snprintf(r.family_id, sizeof(r.family_id), "fam-4");
    ASSERT_INT_EQ(gh_store_code_redeem(s, &r, &res), 0);
    ASSERT_INT_EQ(res, GH_REDEEM_OK);
    ASSERT_INT_EQ(gh_store_family_revoked(s, "fam-4", &revoked), 0);
    ASSERT_INT_EQ(revoked, 1); /* unknown family */
}

STORE_TEST(refresh_rotation, 1)
{
    (void)b;
    enum gh_redeem_result rr;
    enum gh_rotate_result res = GH_ROTATE_INVALID;
    ASSERT_INT_EQ(gh_stest_family(s, 1, "alice", "", "fam-1", 10, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(rr, GH_REDEEM_OK);
    ASSERT_INT_EQ(gh_stest_rotate(s, 10, 11, NOW + 10, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
    struct gh_refresh rt;
    unsigned char h[GH_SHA256_LEN];
    gh_stest_hash(10, h);
    ASSERT_INT_EQ(gh_store_refresh_get(s, h, &rt), 0);
    ASSERT_INT_EQ(rt.state, GH_RT_ROTATED);
    ASSERT_INT_EQ(rt.rotated_at, NOW + 10);
    gh_stest_hash(11, h);
    ASSERT_INT_EQ(gh_store_refresh_get(s, h, &rt), 0);
    ASSERT_INT_EQ(rt.state, GH_RT_ACTIVE);
    ASSERT_STR_EQ(rt.family_id, "fam-1");
    ASSERT_INT_EQ(rt.created_at, NOW + 10);
    ASSERT_INT_EQ(rt.idle_expires_at, NOW + 10 + 3600);
    ASSERT_INT_EQ(gh_stest_rotate(s, 11, 12, NOW + 20, 10, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);

    /* grace: the just-rotated token again, inside the window, leads to the
     * same successor; nothing is inserted */
    ASSERT_INT_EQ(gh_stest_rotate(s, 11, 13, NOW + 25, 10, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_GRACE);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 13), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 12), GH_RT_ACTIVE);
    int revoked = -1;
    ASSERT_INT_EQ(gh_store_family_revoked(s, "fam-1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 0);

    /* RFC 9700 4.14.2: outside the window it is reuse, the family dies */
    ASSERT_INT_EQ(gh_stest_rotate(s, 11, 14, NOW + 31, 10, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_REUSED);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 14), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_family_revoked(s, "fam-1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 1);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 12), GH_RT_REVOKED);
    ASSERT_INT_EQ(gh_stest_rotate(s, 12, 15, NOW + 32, 10, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_REVOKED);
    ASSERT_INT_EQ(gh_stest_rotate(s, 99, 16, NOW + 32, 10, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_INVALID);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 16), GH_ENOTFOUND);

    /* grace 0: a second use is reuse at once */
    ASSERT_INT_EQ(gh_stest_family(s, 2, "alice", "", "fam-2", 20, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(gh_stest_rotate(s, 20, 21, NOW + 40, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
    ASSERT_INT_EQ(gh_stest_rotate(s, 20, 22, NOW + 40, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_REUSED);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 21), GH_RT_REVOKED);
}

/* ---- the reuse grace window never forks a family ---- */

/* 1 when presenting token old_seed at `now` (bringing successor try_seed)
 * hands back the successor `next` as it was wrapped, and inserts nothing. */
static int grace_gives(struct gh_store *s, int old_seed, int try_seed, int64_t now, int next)
{
    struct gh_rotated out;
    unsigned char want[GH_RT_WRAP_LEN];
    gh_stest_wrap(next, want);
    return gh_stest_rotate_full(s, old_seed, try_seed, now, 30, &out) == 0 &&
           out.result == GH_ROTATE_GRACE && memcmp(out.wrap, want, sizeof(want)) == 0 &&
           gh_stest_rt_state(s, try_seed) == GH_ENOTFOUND &&
           gh_stest_rt_state(s, next) == GH_RT_ACTIVE;
}

STORE_TEST(grace_window_one_branch, 1)
{
    (void)b;
    enum gh_redeem_result rr;
    enum gh_rotate_result res;
    int revoked = -1;
    ASSERT_INT_EQ(gh_stest_family(s, 1, "alice", "", "fam-1", 10, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(gh_stest_rotate(s, 10, 11, NOW + 1, 30, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
    /* five presentations of the old token inside the window: the same
     * successor every time, nothing inserted, nothing revoked */
    for (int i = 0; i < 5; i++)
        ASSERT_TRUE(grace_gives(s, 10, 20 + i, NOW + 2 + i, 11));
    ASSERT_INT_EQ(gh_store_family_revoked(s, "fam-1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 0);
    /* one chain: the successor rotates as usual, and its previous token
     * now leads to its own successor */
    ASSERT_INT_EQ(gh_stest_rotate(s, 11, 12, NOW + 8, 30, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
    ASSERT_TRUE(grace_gives(s, 11, 25, NOW + 9, 12));
    /* the old token once the family moved on past its successor, though
     * inside its window: any answer would start a second branch */
    ASSERT_INT_EQ(gh_stest_rotate(s, 10, 26, NOW + 10, 30, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_REUSED);
    ASSERT_INT_EQ(gh_store_family_revoked(s, "fam-1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 1);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 12), GH_RT_REVOKED);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 26), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_stest_rotate(s, 11, 27, NOW + 11, 30, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_REVOKED);

    /* after the window: reuse */
    ASSERT_INT_EQ(gh_stest_family(s, 2, "alice", "", "fam-2", 30, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(gh_stest_rotate(s, 30, 31, NOW, 30, &res), 0);
    ASSERT_TRUE(grace_gives(s, 30, 32, NOW + 30, 31)); /* the window's last second */
    ASSERT_INT_EQ(gh_stest_rotate(s, 30, 33, NOW + 31, 30, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_REUSED);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 31), GH_RT_REVOKED);

    /* rotated while no window was set: nothing was kept to hand back, so a
     * second use is reuse even with a window now */
    ASSERT_INT_EQ(gh_stest_family(s, 3, "bob", "", "fam-3", 40, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(gh_stest_rotate(s, 40, 41, NOW, 0, &res), 0);
    ASSERT_INT_EQ(gh_stest_rotate(s, 40, 42, NOW + 1, 30, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_REUSED);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 41), GH_RT_REVOKED);
}

/* A wrapped successor older than the longest window is cleared by purge:
 * a stolen database holds no more of them than the window needs. */
STORE_TEST(grace_wraps_purged, 1)
{
    (void)b;
    enum gh_redeem_result rr;
    enum gh_rotate_result res;
    int deleted = -1;
    ASSERT_INT_EQ(gh_stest_family(s, 1, "alice", "", "fam-1", 10, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(gh_stest_family(s, 2, "alice", "", "fam-2", 20, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(gh_stest_rotate(s, 10, 11, NOW - GH_GRACE_MAX - 1, GH_GRACE_MAX, &res), 0);
    ASSERT_INT_EQ(gh_stest_rotate(s, 20, 21, NOW - 10, GH_GRACE_MAX, &res), 0);
    ASSERT_INT_EQ(gh_store_purge(s, NOW, 100, &deleted), 0);
    ASSERT_INT_EQ(deleted, 1);
    ASSERT_INT_EQ(gh_store_purge(s, NOW, 100, &deleted), 0);
    ASSERT_INT_EQ(deleted, 0);
    ASSERT_TRUE(grace_gives(s, 20, 22, NOW, 21));
    /* cleared: even by a clock inside its window, nothing to hand back */
    ASSERT_INT_EQ(gh_stest_rotate(s, 10, 12, NOW - GH_GRACE_MAX, GH_GRACE_MAX, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_REUSED);
}

STORE_TEST(family_revoke, 1)
{
    (void)b;
    enum gh_redeem_result rr;
    enum gh_rotate_result res;
    int revoked = -1, n = -1;
    ASSERT_INT_EQ(gh_stest_family(s, 1, "alice", "", "fam-a1", 10, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(gh_stest_family(s, 2, "alice", "", "fam-a2", 20, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(gh_stest_family(s, 3, "bob", "", "fam-b1", 30, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(gh_stest_family(s, 4, "alice", "", "fam-a3", 40, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(gh_store_family_revoke(s, "fam-a3", NOW + 1), 0);
    ASSERT_INT_EQ(gh_store_family_revoke(s, "fam-a3", NOW + 2), 0); /* idempotent */
    ASSERT_INT_EQ(gh_store_family_revoke(s, "fam-none", NOW + 2), 0);
    ASSERT_INT_EQ(gh_store_family_revoked(s, "fam-a3", &revoked), 0);
    ASSERT_INT_EQ(revoked, 1);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 40), GH_RT_REVOKED);
    ASSERT_INT_EQ(gh_stest_rotate(s, 40, 41, NOW + 3, 10, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_REVOKED);

    ASSERT_INT_EQ(gh_store_families_revoke_user(s, "alice", NOW + 5, &n), 0);
    ASSERT_INT_EQ(n, 2); /* fam-a3 was revoked already */
    ASSERT_INT_EQ(gh_store_families_revoke_user(s, "alice", NOW + 6, &n), 0);
    ASSERT_INT_EQ(n, 0);
    ASSERT_INT_EQ(gh_store_family_revoked(s, "fam-a1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 1);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 20), GH_RT_REVOKED);
    ASSERT_INT_EQ(gh_store_family_revoked(s, "fam-b1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 0);
    ASSERT_INT_EQ(gh_stest_rotate(s, 30, 31, NOW + 7, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
}

/* ---- jti, sessions, login failures ---- */

STORE_TEST(jti, 1)
{
    (void)b;
    int revoked = -1;
    ASSERT_INT_EQ(gh_store_jti_revoked(s, "jti-1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 0);
    ASSERT_INT_EQ(gh_store_jti_revoke(s, "jti-1", NOW + 300), 0);
    ASSERT_INT_EQ(gh_store_jti_revoke(s, "jti-1", NOW + 300), 0);
    ASSERT_INT_EQ(gh_store_jti_revoked(s, "jti-1", &revoked), 0);
    ASSERT_INT_EQ(revoked, 1);
    ASSERT_INT_EQ(gh_store_jti_revoked(s, "jti-2", &revoked), 0);
    ASSERT_INT_EQ(revoked, 0);
}

STORE_TEST(sessions, 1)
{
    (void)b;
    struct gh_session in, out;
    memset(&in, 0, sizeof(in));
    gh_stest_hash(5, in.hash);
    snprintf(in.sub, sizeof(in.sub), "alice");
    in.created_at = NOW;
    in.expires_at = NOW + 3600;
    ASSERT_INT_EQ(gh_store_session_get(s, in.hash, &out), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_session_put(s, &in), 0);
    ASSERT_INT_EQ(gh_store_session_put(s, &in), GH_EEXIST);
    ASSERT_INT_EQ(gh_store_session_get(s, in.hash, &out), 0);
    ASSERT_MEM_EQ(out.hash, in.hash, GH_SHA256_LEN);
    ASSERT_STR_EQ(out.sub, "alice");
    ASSERT_INT_EQ(out.created_at, NOW);
    ASSERT_INT_EQ(out.expires_at, NOW + 3600);
    ASSERT_INT_EQ(gh_store_session_delete(s, in.hash), 0);
    ASSERT_INT_EQ(gh_store_session_delete(s, in.hash), 0);
    ASSERT_INT_EQ(gh_store_session_get(s, in.hash, &out), GH_ENOTFOUND);
}

/* Sessions carry their user's stamp, and end all at once with the user. */
STORE_TEST(sessions_of_a_user, 1)
{
    (void)b;
    const char *subs[] = {"alice", "alice", "bob"};
    for (int i = 0; i < 3; i++) {
        struct gh_session in;
        memset(&in, 0, sizeof(in));
        gh_stest_hash(60 + i, in.hash);
        gh_stest_hash(70 + i, in.user_stamp);
        snprintf(in.sub, sizeof(in.sub), "%s", subs[i]);
        in.created_at = NOW;
        in.expires_at = NOW + 3600;
        ASSERT_INT_EQ(gh_store_session_put(s, &in), 0);
    }
    struct gh_session out;
    unsigned char h[GH_SHA256_LEN], stamp[GH_SHA256_LEN];
    gh_stest_hash(61, h);
    gh_stest_hash(71, stamp);
    ASSERT_INT_EQ(gh_store_session_get(s, h, &out), 0);
    ASSERT_MEM_EQ(out.user_stamp, stamp, GH_SHA256_LEN);
    int n = -1;
    ASSERT_INT_EQ(gh_store_session_delete_user(s, "alice", &n), 0);
    ASSERT_INT_EQ(n, 2);
    ASSERT_INT_EQ(gh_store_session_get(s, h, &out), GH_ENOTFOUND);
    gh_stest_hash(62, h);
    ASSERT_INT_EQ(gh_store_session_get(s, h, &out), 0);
    ASSERT_STR_EQ(out.sub, "bob");
    ASSERT_INT_EQ(gh_store_session_delete_user(s, "alice", &n), 0);
    ASSERT_INT_EQ(n, 0);
}

STORE_TEST(login_fail, 1)
{
    (void)b;
    int count = -1;
    int64_t last = -1;
    ASSERT_INT_EQ(gh_store_login_fail_get(s, "u:alice", &count, &last), 0);
    ASSERT_INT_EQ(count, 0);
    ASSERT_INT_EQ(last, 0);
    ASSERT_INT_EQ(gh_store_login_fail_add(s, "u:alice", NOW, &count), 0);
    ASSERT_INT_EQ(count, 1);
    ASSERT_INT_EQ(gh_store_login_fail_add(s, "u:alice", NOW + 5, &count), 0);
    ASSERT_INT_EQ(count, 2);
    ASSERT_INT_EQ(gh_store_login_fail_add(s, "a:127.0.0.1", NOW + 6, &count), 0);
    ASSERT_INT_EQ(count, 1);
    ASSERT_INT_EQ(gh_store_login_fail_get(s, "u:alice", &count, &last), 0);
    ASSERT_INT_EQ(count, 2);
    ASSERT_INT_EQ(last, NOW + 5);
    ASSERT_INT_EQ(gh_store_login_fail_clear(s, "u:alice"), 0);
    ASSERT_INT_EQ(gh_store_login_fail_get(s, "u:alice", &count, &last), 0);
    ASSERT_INT_EQ(count, 0);
    ASSERT_INT_EQ(gh_store_login_fail_get(s, "a:127.0.0.1", &count, &last), 0);
    ASSERT_INT_EQ(count, 1);
}

/* ---- purge ---- */

STORE_TEST(purge, 1)
{
    (void)b;
    enum gh_redeem_result rr;
    enum gh_rotate_result res;
    struct gh_code old = gh_stest_code(1, "alice", "", NOW - 10),
                   live = gh_stest_code(2, "alice", "", NOW + 60);
    ASSERT_INT_EQ(gh_store_code_put(s, &old), 0);
    ASSERT_INT_EQ(gh_store_code_put(s, &live), 0);
    /* a live family whose first token was rotated and idled out */
    ASSERT_INT_EQ(gh_stest_family(s, 3, "alice", "", "fam-live", 30, NOW - 5, &rr), 0);
    ASSERT_INT_EQ(gh_stest_rotate(s, 30, 31, NOW - 50, 0, &res), 0);
    ASSERT_INT_EQ(res, GH_ROTATE_OK);
    /* a family revoked two days ago */
    ASSERT_INT_EQ(gh_stest_family(s, 4, "bob", "", "fam-dead", 40, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(gh_store_family_revoke(s, "fam-dead", NOW - 2 * 86400), 0);
    ASSERT_INT_EQ(gh_store_jti_revoke(s, "jti-old", NOW - 1), 0);
    ASSERT_INT_EQ(gh_store_jti_revoke(s, "jti-new", NOW + 300), 0);
    for (int i = 0; i < 4; i++) {
        struct gh_session se;
        memset(&se, 0, sizeof(se));
        gh_stest_hash(50 + i, se.hash);
        snprintf(se.sub, sizeof(se.sub), "alice");
        se.created_at = NOW - 100;
        se.expires_at = i < 3 ? NOW - 1 : NOW + 100;
        ASSERT_INT_EQ(gh_store_session_put(s, &se), 0);
    }
    int count = 0;
    ASSERT_INT_EQ(gh_store_login_fail_add(s, "u:old", NOW - 2 * 86400, &count), 0);
    ASSERT_INT_EQ(gh_store_login_fail_add(s, "u:new", NOW, &count), 0);

    int deleted = -1;
    ASSERT_INT_EQ(gh_store_purge(s, NOW, 2, &deleted), 0);
    /* code 1 + family 1 + token 1 + jti 1 + sessions 2 (batch) + counter 1 */
    ASSERT_INT_EQ(deleted, 7);
    ASSERT_INT_EQ(gh_store_purge(s, NOW, 2, &deleted), 0);
    ASSERT_INT_EQ(deleted, 1);
    ASSERT_INT_EQ(gh_store_purge(s, NOW, 2, &deleted), 0);
    ASSERT_INT_EQ(deleted, 0);
    struct gh_code got;
    ASSERT_INT_EQ(gh_store_code_get(s, old.hash, &got), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_store_code_get(s, live.hash, &got), 0);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 30), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 31), GH_RT_ACTIVE);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 40), GH_ENOTFOUND); /* with its family */
    int revoked = 0;
    ASSERT_INT_EQ(gh_store_jti_revoked(s, "jti-new", &revoked), 0);
    ASSERT_INT_EQ(revoked, 1);
    ASSERT_INT_EQ(gh_store_jti_revoked(s, "jti-old", &revoked), 0);
    ASSERT_INT_EQ(revoked, 0);
    int64_t last = 0;
    ASSERT_INT_EQ(gh_store_login_fail_get(s, "u:new", &count, &last), 0);
    ASSERT_INT_EQ(count, 1);
    struct gh_session se;
    gh_stest_hash(53, se.hash);
    ASSERT_INT_EQ(gh_store_session_get(s, se.hash, &se), 0);
}

/* ---- races ---- */

#define RACERS 16

struct racer {
    struct gh_store *s;
    pthread_barrier_t *go;
    int id, rc, result;
    int token;                          /* grace_racer: the token presented */
    unsigned char wrap[GH_RT_WRAP_LEN]; /* grace_racer: the wrap handed back */
};

static void *rotate_racer(void *arg)
{
    struct racer *r = arg;
    enum gh_rotate_result res = GH_ROTATE_INVALID;
    pthread_barrier_wait(r->go);
    r->rc = gh_stest_rotate(r->s, 10, 1000 + r->id, NOW + 1, 0, &res);
    r->result = (int)res;
    return NULL;
}

static void *redeem_racer(void *arg)
{
    struct racer *r = arg;
    unsigned char code[GH_SHA256_LEN];
    char family[16];
    gh_stest_hash(2, code);
    snprintf(family, sizeof(family), "race-%d", r->id);
    struct gh_redeem d = gh_stest_redeem_req(code, family, 2000 + r->id);
    enum gh_redeem_result res = GH_REDEEM_INVALID;
    pthread_barrier_wait(r->go);
    r->rc = gh_store_code_redeem(r->s, &d, &res);
    r->result = (int)res;
    return NULL;
}

/* Runs RACERS threads of fn at once, one on each of r[], spread over the n
 * stores (id, store, rc and result are set here). */
static void run_racers(struct gh_store **s, int n, void *(*fn)(void *), struct racer *r)
{
    pthread_t t[RACERS];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, RACERS);
    for (int i = 0; i < RACERS; i++) {
        r[i].s = s[i % n];
        r[i].go = &go;
        r[i].id = i;
        r[i].rc = 0;
        r[i].result = -1;
        pthread_create(&t[i], NULL, fn, &r[i]);
    }
    for (int i = 0; i < RACERS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);
}

/* Runs RACERS threads of fn at once, spread over the n stores; the number
 * that got `winner`. */
static int race_on(struct gh_store **s, int n, void *(*fn)(void *), int winner, int *errors)
{
    struct racer r[RACERS];
    memset(r, 0, sizeof(r));
    run_racers(s, n, fn, r);
    int won = 0;
    *errors = 0;
    for (int i = 0; i < RACERS; i++) {
        won += r[i].rc == 0 && r[i].result == winner;
        *errors += r[i].rc != 0;
    }
    return won;
}

static int race(struct gh_store *s, void *(*fn)(void *), int winner, int *errors)
{
    return race_on(&s, 1, fn, winner, errors);
}

STORE_TEST(concurrent_rotation, 1)
{
    (void)b;
    enum gh_redeem_result rr;
    int errors = -1;
    ASSERT_INT_EQ(gh_stest_family(s, 1, "alice", "", "fam-1", 10, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(race(s, rotate_racer, GH_ROTATE_OK, &errors), 1);
    ASSERT_INT_EQ(errors, 0);
    struct gh_code c = gh_stest_code(2, "alice", "", NOW + 60);
    ASSERT_INT_EQ(gh_store_code_put(s, &c), 0);
    ASSERT_INT_EQ(race(s, redeem_racer, GH_REDEEM_OK, &errors), 1);
    ASSERT_INT_EQ(errors, 0);
}

/* Three stores on one database, as three server processes: still exactly
 * one winner (docs/internals/store.md, "Atomic operations"). */
STORE_TEST(race_across_stores, 1)
{
    enum gh_redeem_result rr;
    int errors = -1;
    struct gh_store *st[3] = {s, NULL, NULL};
    char err[600];
    ASSERT_INT_EQ(gh_store_open(b->url, &st[1], err, sizeof(err)), 0);
    if (gh_store_open(b->url, &st[2], err, sizeof(err)) < 0) {
        gh_store_close(st[1]);
        GH_FAIL_("cannot open a third store: %s", err);
    }
    int rc = gh_stest_family(s, 1, "alice", "", "fam-1", 10, NOW + 3600, &rr);
    int won_rotation = race_on(st, 3, rotate_racer, GH_ROTATE_OK, &errors);
    int rotation_errors = errors;
    struct gh_code c = gh_stest_code(2, "alice", "", NOW + 60);
    if (rc == 0)
        rc = gh_store_code_put(st[1], &c);
    int won_redeem = race_on(st, 3, redeem_racer, GH_REDEEM_OK, &errors);
    gh_store_close(st[1]);
    gh_store_close(st[2]);
    ASSERT_INT_EQ(rc, 0);
    ASSERT_INT_EQ(won_rotation, 1);
    ASSERT_INT_EQ(rotation_errors, 0);
    ASSERT_INT_EQ(won_redeem, 1);
    ASSERT_INT_EQ(errors, 0);
}

static void *grace_racer(void *arg)
{
    struct racer *r = arg;
    struct gh_rotated out;
    memset(&out, 0, sizeof(out));
    pthread_barrier_wait(r->go);
    r->rc = gh_stest_rotate_full(r->s, r->token, r->token * 100 + r->id, NOW + 1, 30, &out);
    r->result = (int)out.result;
    memcpy(r->wrap, out.wrap, GH_RT_WRAP_LEN);
    return NULL;
}

/* RACERS presentations of token `token` at once, spread over the n stores,
 * with a grace window: one rotation wins and every other presentation gets
 * its successor back. 1 when so: one branch. */
static int one_branch(struct gh_store **s, int n, int token)
{
    struct racer r[RACERS];
    memset(r, 0, sizeof(r));
    for (int i = 0; i < RACERS; i++)
        r[i].token = token;
    run_racers(s, n, grace_racer, r);
    int won = -1, ok = 1;
    for (int i = 0; i < RACERS; i++) {
        ok &= r[i].rc == 0 && (r[i].result == GH_ROTATE_OK || r[i].result == GH_ROTATE_GRACE);
        if (r[i].result == GH_ROTATE_OK) {
            ok &= won < 0; /* exactly one winner */
            won = i;
        }
    }
    if (!ok || won < 0)
        return 0;
    unsigned char want[GH_RT_WRAP_LEN];
    gh_stest_wrap(token * 100 + won, want);
    for (int i = 0; i < RACERS; i++) {
        int mine = gh_stest_rt_state(s[0], token * 100 + i);
        ok &= i == won ? mine == GH_RT_ACTIVE : mine == GH_ENOTFOUND;
        ok &= i == won || memcmp(r[i].wrap, want, sizeof(want)) == 0;
    }
    return ok;
}

STORE_TEST(grace_race_one_branch, 1)
{
    enum gh_redeem_result rr;
    struct gh_store *st[3] = {s, NULL, NULL};
    char err[600];
    ASSERT_INT_EQ(gh_stest_family(s, 1, "alice", "", "fam-1", 10, NOW + 3600, &rr), 0);
    ASSERT_INT_EQ(gh_stest_family(s, 2, "alice", "", "fam-2", 20, NOW + 3600, &rr), 0);
    ASSERT_TRUE(one_branch(st, 1, 10));
    /* and across three stores on one database, as three server processes */
    ASSERT_INT_EQ(gh_store_open(b->url, &st[1], err, sizeof(err)), 0);
    if (gh_store_open(b->url, &st[2], err, sizeof(err)) < 0) {
        gh_store_close(st[1]);
        GH_FAIL_("cannot open a third store: %s", err);
    }
    int ok = one_branch(st, 3, 20);
    gh_store_close(st[1]);
    gh_store_close(st[2]);
    ASSERT_TRUE(ok);
    int revoked = -1;
    ASSERT_INT_EQ(gh_store_family_revoked(s, "fam-2", &revoked), 0);
    ASSERT_INT_EQ(revoked, 0);
}

/* The token endpoint's asynchronous forms: done runs after the commit. */
struct waiter {
    sem_t sem;
    int rc;
};

static void woke(void *arg, int rc)
{
    struct waiter *w = arg;
    w->rc = rc;
    sem_post(&w->sem);
}

static int wait_for(struct waiter *w)
{
    while (sem_wait(&w->sem) != 0)
        ; /* EINTR */
    sem_destroy(&w->sem);
    return w->rc;
}

STORE_TEST(async_writes, 1)
{
    (void)b;
    struct gh_code c = gh_stest_code(1, "alice", "", NOW + 60);
    ASSERT_INT_EQ(gh_store_code_put(s, &c), 0);
    struct gh_redeem d = gh_stest_redeem_req(c.hash, "fam-1", 10);
    enum gh_redeem_result rr = GH_REDEEM_INVALID;
    struct waiter w = {.rc = -1};
    sem_init(&w.sem, 0, 0);
    gh_store_code_redeem_async(s, &d, &rr, woke, &w);
    ASSERT_INT_EQ(wait_for(&w), 0);
    ASSERT_INT_EQ(rr, GH_REDEEM_OK);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 10), GH_RT_ACTIVE);

    /* RACERS rotations of one token queued at once: exactly one wins */
    struct gh_rotate rot[RACERS];
    struct gh_rotated res[RACERS];
    struct waiter ws[RACERS];
    for (int i = 0; i < RACERS; i++) {
        rot[i] = gh_stest_rotate_req(10, 100 + i, NOW + 1, 0);
        ws[i].rc = -1;
        sem_init(&ws[i].sem, 0, 0);
        gh_store_refresh_rotate_async(s, &rot[i], &res[i], woke, &ws[i]);
    }
    int won = 0, errors = 0;
    for (int i = 0; i < RACERS; i++) {
        int rc = wait_for(&ws[i]);
        won += rc == 0 && res[i].result == GH_ROTATE_OK;
        errors += rc != 0;
    }
    ASSERT_INT_EQ(won, 1);
    ASSERT_INT_EQ(errors, 0);
}

/* Rotations of many families queued at once (PostgreSQL commits them in
 * batches) all win; one that cannot be written (its successor's hash is
 * taken: a unique violation, so its whole batch fails) fails alone, and
 * every other rotation queued with it still wins. */
STORE_TEST(async_rotations_fail_alone, 1)
{
    (void)b;
    enum { K = 40 }; /* hash seeds below 256: gh_stest_hash repeats after that */
    enum gh_redeem_result rr;
    char fam[16];
    for (int i = 0; i < K; i++) {
        snprintf(fam, sizeof(fam), "fam-%d", i);
        ASSERT_INT_EQ(gh_stest_family(s, 150 + i, "alice", "", fam, 10 + i, NOW + 3600, &rr), 0);
        ASSERT_INT_EQ(rr, GH_REDEEM_OK);
    }
    struct gh_rotate rot[K];
    struct gh_rotated res[K];
    struct waiter ws[K];
    for (int i = 0; i < K; i++) {
        /* rotation 1 goes to rotation 0's successor */
        rot[i] = gh_stest_rotate_req(10 + i, i == 1 ? 60 : 60 + i, NOW + 1, 0);
        ws[i].rc = -1;
        sem_init(&ws[i].sem, 0, 0);
        gh_store_refresh_rotate_async(s, &rot[i], &res[i], woke, &ws[i]);
    }
    int won = 0;
    for (int i = 0; i < K; i++) {
        int rc = wait_for(&ws[i]);
        if (i != 1 && rc == 0 && res[i].result == GH_ROTATE_OK)
            won++;
        if (i == 1)
            ASSERT_TRUE(rc != 0 || res[i].result != GH_ROTATE_OK);
    }
    ASSERT_INT_EQ(won, K - 1);
    for (int i = 0; i < K; i++) {
        if (i == 1) {
            ASSERT_INT_EQ(gh_stest_rt_state(s, 11), GH_RT_ACTIVE); /* untouched */
            continue;
        }
        ASSERT_INT_EQ(gh_stest_rt_state(s, 10 + i), GH_RT_ROTATED);
        ASSERT_INT_EQ(gh_stest_rt_state(s, 60 + i), GH_RT_ACTIVE);
    }
}
