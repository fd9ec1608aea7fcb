/* Work queue: every job runs once, stop drains, a full queue refuses, the
 * workers run at the nice value asked for. */
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <semaphore.h>
#include <stdatomic.h>

#include "core/err.h"
#include "core/test.h"
#include "core/workq.h"

static atomic_int ran;

static void count(struct gh_work *w)
{
    (void)w;
    atomic_fetch_add(&ran, 1);
}

GH_TEST(workq_runs_every_job_and_stop_drains)
{
    struct gh_workq *q;
    static struct gh_work jobs[500];
    atomic_store(&ran, 0);
    ASSERT_INT_EQ(gh_workq_start(3, 0, "test", &q), 0);
    for (int i = 0; i < 500; i++) {
        jobs[i].fn = count;
        ASSERT_INT_EQ(gh_workq_push(q, &jobs[i]), 0);
    }
    gh_workq_stop(q);
    ASSERT_INT_EQ(atomic_load(&ran), 500);
}

static atomic_int holding;
static sem_t gate;

static void hold(struct gh_work *w)
{
    (void)w;
    atomic_store(&holding, 1);
    sem_wait(&gate);
}

GH_TEST(workq_full_queue_refuses)
{
    struct gh_workq *q;
    struct gh_work first = {hold, NULL}, more[4];
    sem_init(&gate, 0, 0);
    atomic_store(&ran, 0);
    atomic_store(&holding, 0);
    ASSERT_INT_EQ(gh_workq_start(1, 2, "test", &q), 0);
    ASSERT_INT_EQ(gh_workq_push(q, &first), 0);
    while (!atomic_load(&holding))
        sched_yield();
    /* the only thread is busy: two jobs may wait, the rest are refused */
    int accepted = 0, refused = 0;
    for (int i = 0; i < 4; i++) {
        more[i].fn = count;
        int rc = gh_workq_push(q, &more[i]);
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

static atomic_int seen_nice = -100;

static void note_nice(struct gh_work *w)
{
    (void)w;
    atomic_store(&seen_nice, getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid)));
}

/* The hashing pool runs below the connection threads; the caller's own
 * priority is untouched. */
GH_TEST(workq_workers_run_at_their_nice_value)
{
    struct gh_workq *q;
    struct gh_work job = {note_nice, NULL};
    int before = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
    ASSERT_INT_EQ(gh_workq_start(1, 0, "test", &q), 0);
    gh_workq_set_nice(q, before + 5 > 19 ? 19 : before + 5);
    ASSERT_INT_EQ(gh_workq_push(q, &job), 0);
    gh_workq_stop(q);
    ASSERT_INT_EQ(atomic_load(&seen_nice), before + 5 > 19 ? 19 : before + 5);
    ASSERT_INT_EQ(getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid)), before);
}

static atomic_int idle_calls;
static atomic_int idle_ran;

static void note_idle(void)
{
    atomic_fetch_add(&idle_calls, 1);
}

static void idle_job(struct gh_work *w)
{
    (void)w;
    atomic_fetch_add(&idle_ran, 1);
}

/* A worker idle for a while after work calls the idle function once (the
 * hashing pool frees argon2's memory then), and not again until it has
 * worked again; a pool that never worked never calls it. */
GH_TEST(workq_idle_function_runs_once_per_idle_spell)
{
    struct gh_workq *q;
    struct gh_work a = {idle_job, NULL}, b = {idle_job, NULL};
    ASSERT_INT_EQ(gh_workq_start(1, 0, "test", &q), 0);
    gh_workq_set_idle(q, note_idle, 30);
    ASSERT_INT_EQ(gh_workq_push(q, &a), 0);
    for (int i = 0; i < 200 && atomic_load(&idle_calls) == 0; i++)
        usleep(5000);
    ASSERT_INT_EQ(atomic_load(&idle_ran), 1);
    ASSERT_INT_EQ(atomic_load(&idle_calls), 1);
    usleep(120000); /* four idle periods more: still once */
    ASSERT_INT_EQ(atomic_load(&idle_calls), 1);
    ASSERT_INT_EQ(gh_workq_push(q, &b), 0);
    for (int i = 0; i < 200 && atomic_load(&idle_calls) == 1; i++)
        usleep(5000);
    ASSERT_INT_EQ(atomic_load(&idle_calls), 2);
    gh_workq_stop(q);
    ASSERT_INT_EQ(atomic_load(&idle_ran), 2);
}
