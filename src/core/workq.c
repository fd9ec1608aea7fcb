/*
 * Work queue: a mutex-guarded FIFO of caller-owned jobs and threads started
 * when more jobs wait than threads are idle. Jobs are few per second to a
 * few thousand; one lock is plenty.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/workq.h"

struct gh_workq {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct gh_work *head, **tail;
    unsigned queued, max_queued, n_threads, idle, max_threads;
    int stopping;
    int nice; /* each worker's nice value (Linux: per thread) */
    void (*idle_fn)(void);
    int idle_ms;
    char name[16];
    pthread_t threads[];
};

static void *worker(void *arg)
{
    struct gh_workq *q = arg;
    pthread_setname_np(pthread_self(), q->name);
    pthread_mutex_lock(&q->lock);
    /* best effort: a worker that keeps the default priority still works */
    if (q->nice != 0 && setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), q->nice) != 0)
        fprintf(stderr, "gatehouse: %s: could not lower the thread's priority\n", q->name);
    int worked = 0; /* since idle_fn last ran */
    for (;;) {
        while (q->head == NULL && !q->stopping) {
            if (!worked || q->idle_fn == NULL) {
                pthread_cond_wait(&q->wake, &q->lock);
                continue;
            }
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_sec += q->idle_ms / 1000;
            until.tv_nsec += (long)(q->idle_ms % 1000) * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            if (pthread_cond_timedwait(&q->wake, &q->lock, &until) == ETIMEDOUT &&
                q->head == NULL) {
                void (*fn)(void) = q->idle_fn;
                worked = 0;
                pthread_mutex_unlock(&q->lock);
                fn();
                pthread_mutex_lock(&q->lock);
            }
        }
        struct gh_work *w = q->head;
        if (w == NULL)
            break; /* stopping and drained */
        q->head = w->next;
        if (q->head == NULL)
            q->tail = &q->head;
        q->queued--;
        q->idle--;
        pthread_mutex_unlock(&q->lock);
        w->fn(w);
        pthread_mutex_lock(&q->lock);
        q->idle++;
        worked = 1;
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

int gh_workq_start(unsigned max_threads, unsigned max_queued, const char *name,
                   struct gh_workq **out)
{
    if (max_threads == 0)
        max_threads = 1;
    struct gh_workq *q = calloc(1, sizeof(*q) + max_threads * sizeof(pthread_t));
    if (q == NULL)
        return GH_ENOMEM;
    pthread_mutex_init(&q->lock, NULL);
    /* the idle wait counts on the monotonic clock, not the wall clock */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->wake, &ca);
    pthread_condattr_destroy(&ca);
    q->tail = &q->head;
    q->max_threads = max_threads;
    q->max_queued = max_queued;
    snprintf(q->name, sizeof(q->name), "%s", name);
    *out = q;
    return 0;
}

void gh_workq_set_nice(struct gh_workq *q, int nice)
{
    pthread_mutex_lock(&q->lock);
    q->nice = nice;
    pthread_mutex_unlock(&q->lock);
}

void gh_workq_set_idle(struct gh_workq *q, void (*fn)(void), int idle_ms)
{
    pthread_mutex_lock(&q->lock);
    q->idle_fn = fn;
    q->idle_ms = idle_ms > 0 ? idle_ms : 1;
    pthread_mutex_unlock(&q->lock);
}

int gh_workq_push(struct gh_workq *q, struct gh_work *w)
{
    w->next = NULL;
    pthread_mutex_lock(&q->lock);
    int rc = 0;
    if (q->stopping || (q->max_queued != 0 && q->queued >= q->max_queued))
        rc = GH_EUNAVAIL;
    /* one more thread when more jobs wait than threads are idle */
    else if (q->queued >= q->idle && q->n_threads < q->max_threads &&
             pthread_create(&q->threads[q->n_threads], NULL, worker, q) == 0) {
        q->n_threads++;
        q->idle++;
    }
    if (rc == 0 && q->n_threads == 0)
        rc = GH_ENOMEM;
    if (rc == 0) {
        *q->tail = w;
        q->tail = &w->next;
        q->queued++;
        pthread_cond_signal(&q->wake);
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

void gh_workq_stop(struct gh_workq *q)
{
    if (q == NULL)
        return;
    pthread_mutex_lock(&q->lock);
    q->stopping = 1;
    pthread_cond_broadcast(&q->wake);
    unsigned n = q->n_threads;
    pthread_mutex_unlock(&q->lock);
    for (unsigned i = 0; i < n; i++)
        pthread_join(q->threads[i], NULL);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->wake);
    free(q);
}
