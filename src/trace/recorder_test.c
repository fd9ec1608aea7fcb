/* Flow recorder on both store backends: the bound on kept flows
 * (serve --trace-keep) and which authorization request continues a
 * failed flow. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_test.h"
#include "trace/recorder.h"

static int flow_count(struct gh_store *s, const char *id, int *found)
{
    struct gh_flow_info *rows = NULL;
    size_t n = 0;
    *found = 0;
    if (gh_store_trace_flows(s, &rows, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        *found |= strcmp(rows[i].id, id) == 0;
    free(rows);
    return (int)n;
}

STORE_TEST(recorder_keeps_at_most_keep_flows, 1)
{
    (void)b;
    struct gh_recorder *rec = NULL;
    char id[GH_FLOW_ID_LEN + 1], first[GH_FLOW_ID_LEN + 1] = "";
    int found = 0;
    ASSERT_INT_EQ(gh_recorder_new(s, 3, &rec), 0);
    for (int i = 0; i < 20; i++) {
        gh_rec_flow_begin(rec, "spa", NULL, id);
        gh_rec_step(rec, id, GH_P_BROWSER, GH_P_AS, GH_STEP_CALL, 0, 1, 0, "GET /authorize", NULL,
                    NULL, GH_GROUP_NONE);
        if (i == 0)
            memcpy(first, id, sizeof(first));
        usleep(2000); /* distinct start times: "oldest" is well defined */
    }
    gh_recorder_flush(rec);
    int n = flow_count(s, id, &found);
    int first_kept = 0;
    flow_count(s, first, &first_kept);
    struct gh_trace_step *steps = NULL;
    size_t nsteps = 9;
    int rc = gh_store_trace_steps(s, first, &steps, &nsteps);
    free(steps);
    gh_recorder_free(rec);
    ASSERT_INT_EQ(n, 3);
    ASSERT_TRUE(found);       /* the newest is kept */
    ASSERT_TRUE(!first_kept); /* the oldest is gone, with its steps */
    ASSERT_INT_EQ(rc, 0);
    ASSERT_INT_EQ(nsteps, 0);
}

STORE_TEST(recorder_failed_flow_continues_only_for_its_user, 1)
{
    (void)b;
    struct gh_recorder *rec = NULL;
    char failed[GH_FLOW_ID_LEN + 1], other[GH_FLOW_ID_LEN + 1];
    ASSERT_INT_EQ(gh_recorder_new(s, 200, &rec), 0);
    gh_rec_flow_begin(rec, "spa", NULL, failed);
    gh_rec_flow_fail(rec, failed, "spa", "alice", "refresh token reused", "refresh token reused");
    /* a browser not signed in, another user, another client: new flows */
    gh_rec_flow_begin(rec, "spa", NULL, other);
    int anon = strcmp(other, failed) != 0;
    gh_rec_flow_begin(rec, "spa", "bob", other);
    int bob = strcmp(other, failed) != 0;
    gh_rec_flow_begin(rec, "other-app", "alice", other);
    int client = strcmp(other, failed) != 0;
    /* alice signing in to that client again continues it, once */
    gh_rec_flow_begin(rec, "spa", "alice", other);
    int again = strcmp(other, failed) == 0;
    gh_rec_flow_begin(rec, "spa", "alice", other);
    int once = strcmp(other, failed) != 0;
    gh_recorder_free(rec);
    ASSERT_TRUE(anon);
    ASSERT_TRUE(bob);
    ASSERT_TRUE(client);
    ASSERT_TRUE(again);
    ASSERT_TRUE(once);
}
