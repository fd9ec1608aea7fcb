/*
 * Store conformance cases for logout (see store_test.h): a client's
 * post-logout redirect URIs and back-channel logout URI; ending a browser
 * session with its refresh-token families and queueing one back-channel
 * logout per client that got tokens in it (OpenID Connect RP-Initiated
 * Logout 1.0, Back-Channel Logout 1.0); the queue's leases, retries and
 * removal; queueing for every live session of a user.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/store_test.h"

static struct gh_client client_of(const char *id, const char *bcl)
{
    struct gh_client c;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", id);
    c.is_public = 1;
    snprintf(c.scope, sizeof(c.scope), "openid");
    c.n_redirect = 1;
    snprintf(c.redirect[0], GH_URI_MAX, "https://%s.example/cb", id);
    snprintf(c.backchannel_uri, sizeof(c.backchannel_uri), "%s", bcl);
    c.created_at = NOW;
    return c;
}

static int session(struct gh_store *s, int seed, const char *sid)
{
    struct gh_session in;
    memset(&in, 0, sizeof(in));
    gh_stest_hash(seed, in.hash);
    snprintf(in.sub, sizeof(in.sub), "alice");
    snprintf(in.sid, sizeof(in.sid), "%s", sid);
    in.created_at = NOW;
    in.expires_at = NOW + 3600;
    return gh_store_session_put(s, &in);
}

/* A code of client spa in session sid redeemed into family fam (token rt). */
static int grant(struct gh_store *s, int seed, const char *sid, const char *client,
                 const char *flow, const char *fam, int rt)
{
    struct gh_code c = gh_stest_code(seed, "alice", flow, NOW + 60);
    snprintf(c.sid, sizeof(c.sid), "%s", sid);
    snprintf(c.client_id, sizeof(c.client_id), "%s", client);
    int rc = gh_store_code_put(s, &c);
    enum gh_redeem_result res;
    struct gh_redeem r = gh_stest_redeem_req(c.hash, fam, rt);
    if (rc == 0)
        rc = gh_store_code_redeem(s, &r, &res);
    return rc == 0 && res == GH_REDEEM_OK ? 0 : -1;
}

STORE_TEST(client_logout_uris, 1)
{
    (void)b;
    struct gh_client c = client_of("spa", "https://spa.example/bcl"), out;
    c.n_post_logout = 2;
    snprintf(c.post_logout[0], GH_URI_MAX, "https://spa.example/bye");
    snprintf(c.post_logout[1], GH_URI_MAX, "https://spa.example/bye?x=1");
    ASSERT_INT_EQ(gh_store_client_add(s, &c), 0);
    ASSERT_INT_EQ(gh_store_client_get(s, "spa", &out), 0);
    ASSERT_INT_EQ(out.n_post_logout, 2);
    ASSERT_STR_EQ(out.post_logout[1], "https://spa.example/bye?x=1");
    ASSERT_STR_EQ(out.backchannel_uri, "https://spa.example/bcl");
    c.n_post_logout = 0;
    c.backchannel_uri[0] = '\0';
    ASSERT_INT_EQ(gh_store_client_update(s, &c), 0);
    ASSERT_INT_EQ(gh_store_client_get(s, "spa", &out), 0);
    ASSERT_INT_EQ(out.n_post_logout, 0);
    ASSERT_STR_EQ(out.backchannel_uri, "");
}

STORE_TEST(logout_session_and_queue, 1)
{
    (void)b;
    struct gh_client spa = client_of("spa", "https://spa.example/bcl");
    struct gh_client other = client_of("other", "https://other.example/bcl");
    struct gh_client quiet = client_of("quiet", "");
    ASSERT_INT_EQ(gh_store_client_add(s, &spa), 0);
    ASSERT_INT_EQ(gh_store_client_add(s, &other), 0);
    ASSERT_INT_EQ(gh_store_client_add(s, &quiet), 0);
    ASSERT_INT_EQ(session(s, 1, "sid-1"), 0);
    ASSERT_INT_EQ(session(s, 2, "sid-2"), 0);
    /* session 1: two grants to spa, one to quiet (no back-channel URI) */
    ASSERT_INT_EQ(grant(s, 10, "sid-1", "spa", "flow-a", "fam-1a", 20), 0);
    ASSERT_INT_EQ(grant(s, 11, "sid-1", "spa", "flow-b", "fam-1b", 21), 0);
    ASSERT_INT_EQ(grant(s, 12, "sid-1", "quiet", "", "fam-1c", 22), 0);
    ASSERT_INT_EQ(grant(s, 13, "sid-2", "spa", "", "fam-2", 23), 0);

    unsigned char h1[GH_SHA256_LEN];
    gh_stest_hash(1, h1);
    struct gh_logout lo;
    int64_t t = (int64_t)NOW * 1000;
    struct gh_logout_req req = {.hash = h1, .now_ms = t};
    ASSERT_INT_EQ(gh_store_logout_session(s, &req, &lo), 0);
    ASSERT_STR_EQ(lo.sub, "alice");
    ASSERT_STR_EQ(lo.sid, "sid-1");
    ASSERT_INT_EQ(lo.families, 3);
    ASSERT_INT_EQ(lo.queued, 1); /* one per client, only clients with a URI */
    ASSERT_TRUE(strcmp(lo.flow_id, "flow-a") == 0 || strcmp(lo.flow_id, "flow-b") == 0);
    struct gh_session sess;
    ASSERT_INT_EQ(gh_store_session_get(s, h1, &sess), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 20), GH_RT_REVOKED);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 22), GH_RT_REVOKED);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 23), GH_RT_ACTIVE); /* another session's */
    ASSERT_INT_EQ(gh_store_logout_session(s, &req, &lo), GH_ENOTFOUND);

    /* claimed once until its lease ends */
    struct gh_bcl *rows = NULL;
    size_t n = 0;
    ASSERT_INT_EQ(gh_store_bcl_claim(s, t, t + 5000, 16, &rows, &n), 0);
    ASSERT_INT_EQ((int)n, 1);
    struct gh_bcl q = rows[0];
    free(rows);
    ASSERT_STR_EQ(q.client_id, "spa");
    ASSERT_STR_EQ(q.uri, "https://spa.example/bcl");
    ASSERT_STR_EQ(q.sub, "alice");
    ASSERT_STR_EQ(q.sid, "sid-1");
    ASSERT_INT_EQ(q.tries, 0);
    ASSERT_INT_EQ(gh_store_bcl_claim(s, t + 1000, t + 6000, 16, &rows, &n), 0);
    ASSERT_INT_EQ((int)n, 0);
    free(rows);
    ASSERT_INT_EQ(gh_store_bcl_claim(s, t + 5000, t + 9000, 16, &rows, &n), 0);
    ASSERT_INT_EQ((int)n, 1); /* the lease ran out: claimed again */
    free(rows);

    /* a failed try: due again later, one more try counted */
    ASSERT_INT_EQ(gh_store_bcl_settle(s, q.id, t + 20000), 0);
    ASSERT_INT_EQ(gh_store_bcl_claim(s, t + 19000, t + 30000, 16, &rows, &n), 0);
    ASSERT_INT_EQ((int)n, 0);
    free(rows);
    ASSERT_INT_EQ(gh_store_bcl_claim(s, t + 20000, t + 30000, 16, &rows, &n), 0);
    ASSERT_INT_EQ((int)n, 1);
    ASSERT_INT_EQ(rows[0].tries, 1);
    free(rows);
    /* delivered: gone */
    ASSERT_INT_EQ(gh_store_bcl_settle(s, q.id, 0), 0);
    ASSERT_INT_EQ(gh_store_bcl_claim(s, t + 99000, t + 99999, 16, &rows, &n), 0);
    ASSERT_INT_EQ((int)n, 0);
    free(rows);

    /* sessions revoke --user: the live session 2 only */
    int queued = 0;
    ASSERT_INT_EQ(gh_store_bcl_enqueue_user(s, "alice", t, &queued), 0);
    ASSERT_INT_EQ(queued, 1);
    ASSERT_INT_EQ(gh_store_bcl_claim(s, t, t + 5000, 16, &rows, &n), 0);
    ASSERT_INT_EQ((int)n, 1);
    ASSERT_STR_EQ(rows[0].sid, "sid-2");
    free(rows);
    ASSERT_INT_EQ(gh_store_bcl_enqueue_user(s, "nobody", t, &queued), 0);
    ASSERT_INT_EQ(queued, 0);
}

/* A session named by its public sid and user, without its cookie. */
STORE_TEST(logout_session_by_sid, 1)
{
    (void)b;
    struct gh_client spa = client_of("spa", "https://spa.example/bcl");
    ASSERT_INT_EQ(gh_store_client_add(s, &spa), 0);
    ASSERT_INT_EQ(session(s, 1, "sid-1"), 0);
    ASSERT_INT_EQ(grant(s, 10, "sid-1", "spa", "", "fam-1", 20), 0);
    struct gh_logout lo;
    struct gh_logout_req other = {.sid = "sid-1", .sub = "bob", .now_ms = (int64_t)NOW * 1000};
    ASSERT_INT_EQ(gh_store_logout_session(s, &other, &lo), GH_ENOTFOUND); /* not bob's */
    struct gh_logout_req req = {.sid = "sid-1", .sub = "alice", .now_ms = (int64_t)NOW * 1000};
    ASSERT_INT_EQ(gh_store_logout_session(s, &req, &lo), 0);
    ASSERT_STR_EQ(lo.sid, "sid-1");
    ASSERT_INT_EQ(lo.families, 1);
    ASSERT_INT_EQ(lo.queued, 1);
    unsigned char h1[GH_SHA256_LEN];
    struct gh_session sess;
    gh_stest_hash(1, h1);
    ASSERT_INT_EQ(gh_store_session_get(s, h1, &sess), GH_ENOTFOUND);
    ASSERT_INT_EQ(gh_stest_rt_state(s, 20), GH_RT_REVOKED);
    ASSERT_INT_EQ(gh_store_logout_session(s, &req, &lo), GH_ENOTFOUND);
}

static int session_at(struct gh_store *s, int seed, const char *sub, const char *sid,
                      int64_t created, int64_t expires)
{
    struct gh_session in;
    memset(&in, 0, sizeof(in));
    gh_stest_hash(seed, in.hash);
    gh_stest_hash(seed + 100, in.user_stamp);
    snprintf(in.sub, sizeof(in.sub), "%s", sub);
    snprintf(in.sid, sizeof(in.sid), "%s", sid);
    in.created_at = created;
    in.expires_at = expires;
    in.amr = seed; /* any bits: read back as written */
    return gh_store_session_put(s, &in);
}

/* The account page's list: a user's live sessions, oldest first, without
 * the cookie hash; ending one by sid needs the right user. */
STORE_TEST(session_list_user, 1)
{
    (void)b;
    static const unsigned char zero[GH_SHA256_LEN];
    struct gh_session *rows = NULL;
    size_t n = 99;
    ASSERT_INT_EQ(gh_store_session_list_user(s, "alice", NOW, &rows, &n), 0);
    ASSERT_INT_EQ((int)n, 0);
    free(rows);
    ASSERT_INT_EQ(session_at(s, 1, "alice", "sid-late", NOW - 10, NOW + 3600), 0);
    ASSERT_INT_EQ(session_at(s, 2, "alice", "sid-early", NOW - 500, NOW + 60), 0);
    ASSERT_INT_EQ(session_at(s, 3, "alice", "sid-expired", NOW - 900, NOW), 0);
    ASSERT_INT_EQ(session_at(s, 4, "bob", "sid-bob", NOW - 5, NOW + 3600), 0);
    ASSERT_INT_EQ(gh_store_session_list_user(s, "alice", NOW, &rows, &n), 0);
    ASSERT_INT_EQ((int)n, 2);
    ASSERT_STR_EQ(rows[0].sid, "sid-early");
    ASSERT_STR_EQ(rows[0].sub, "alice");
    ASSERT_INT_EQ(rows[0].created_at, NOW - 500);
    ASSERT_INT_EQ(rows[0].expires_at, NOW + 60);
    ASSERT_INT_EQ(rows[0].amr, 2);
    ASSERT_STR_EQ(rows[1].sid, "sid-late");
    for (size_t i = 0; i < n; i++) { /* never the cookie's hash */
        ASSERT_INT_EQ(memcmp(rows[i].hash, zero, sizeof(zero)), 0);
        ASSERT_INT_EQ(memcmp(rows[i].user_stamp, zero, sizeof(zero)), 0);
    }
    free(rows);
    /* another user's sid ends nothing */
    struct gh_logout done;
    struct gh_logout_req req = {.sid = "sid-bob", .sub = "alice", .now_ms = NOW * 1000LL};
    ASSERT_INT_EQ(gh_store_logout_session(s, &req, &done), GH_ENOTFOUND);
    req.sid = "sid-early";
    ASSERT_INT_EQ(gh_store_logout_session(s, &req, &done), 0);
    ASSERT_INT_EQ(gh_store_session_list_user(s, "alice", NOW, &rows, &n), 0);
    ASSERT_INT_EQ((int)n, 1);
    ASSERT_STR_EQ(rows[0].sid, "sid-late");
    free(rows);
    ASSERT_INT_EQ(gh_store_session_list_user(s, "bob", NOW, &rows, &n), 0);
    ASSERT_INT_EQ((int)n, 1);
    free(rows);
}
