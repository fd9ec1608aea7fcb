/* Work queue: every job runs once, stop drains, a full queue refuses. */
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>

#include "core/err.h"
#include "core/test.h"
#include "core/workq.h"

static atomic_int ran;

static void count(void *arg)
{
    (void)arg;
    atomic_fetch_add(&ran, 1);
}

GH_TEST(workq_runs_every_job_and_stop_drains)
{
    struct gh_workq *q;
    atomic_store(&ran, 0);
    ASSERT_INT_EQ(gh_workq_start(3, 1000, "test", &q), 0);
    for (int i = 0; i < 500; i++)
        ASSERT_INT_EQ(gh_workq_push(q, count, NULL), 0);
    gh_workq_stop(q);
    ASSERT_INT_EQ(atomic_load(&ran), 500);
}

static atomic_int holding;

static void hold(void *arg)
{
    atomic_store(&holding, 1);
    sem_wait(arg);
}

GH_TEST(workq_full_queue_refuses)
{
    struct gh_workq *q;
    sem_t gate;
    sem_init(&gate, 0, 0);
    atomic_store(&ran, 0);
    ASSERT_INT_EQ(gh_workq_start(1, 2, "test", &q), 0);
    atomic_store(&holding, 0);
    ASSERT_INT_EQ(gh_workq_push(q, hold, &gate), 0);
    while (!atomic_load(&holding))
        sched_yield();
    /* the only worker is busy: two jobs may wait, the rest are refused */
    int accepted = 0, refused = 0;
    for (int i = 0; i < 4; i++) {
        int rc = gh_workq_push(q, count, NULL);
        if (rc == 0)
            accepted++;
        else if (rc == GH_EUNAVAIL)
            refused++;
    }
    sem_post(&gate);
    gh_workq_stop(q);
    sem_destroy(&gate);
    ASSERT_INT_EQ(accepted, 2);
    ASSERT_INT_EQ(refused, 2);
    ASSERT_INT_EQ(atomic_load(&ran), 2);
}
