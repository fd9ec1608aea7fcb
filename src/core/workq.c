/*
 * Work queue: a mutex-guarded FIFO of jobs and a fixed set of workers.
 * Jobs are few and slow (tens of milliseconds each), so one lock is plenty.
 */
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/workq.h"

struct job {
    void (*fn)(void *arg);
    void *arg;
    struct job *next;
};

struct gh_workq {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct job *head, **tail;
    unsigned queued, max_queued, n_threads;
    int stopping;
    char name[16];
    pthread_t threads[];
};

static void *worker(void *arg)
{
    struct gh_workq *q = arg;
    pthread_setname_np(pthread_self(), q->name);
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (q->head == NULL && !q->stopping)
            pthread_cond_wait(&q->wake, &q->lock);
        struct job *j = q->head;
        if (j == NULL)
            break; /* stopping and drained */
        q->head = j->next;
        if (q->head == NULL)
            q->tail = &q->head;
        q->queued--;
        pthread_mutex_unlock(&q->lock);
        j->fn(j->arg);
        free(j);
        pthread_mutex_lock(&q->lock);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

int gh_workq_start(unsigned threads, unsigned max_queued, const char *name, struct gh_workq **out)
{
    if (threads == 0)
        threads = 1;
    struct gh_workq *q = calloc(1, sizeof(*q) + threads * sizeof(pthread_t));
    if (q == NULL)
        return GH_ENOMEM;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->wake, NULL);
    q->tail = &q->head;
    q->max_queued = max_queued;
    snprintf(q->name, sizeof(q->name), "%s", name);
    for (; q->n_threads < threads; q->n_threads++)
        if (pthread_create(&q->threads[q->n_threads], NULL, worker, q) != 0)
            break;
    if (q->n_threads == 0) {
        gh_workq_stop(q);
        return GH_ENOMEM;
    }
    *out = q;
    return 0;
}

int gh_workq_push(struct gh_workq *q, void (*fn)(void *arg), void *arg)
{
    struct job *j = malloc(sizeof(*j));
    if (j == NULL)
        return GH_ENOMEM;
    j->fn = fn;
    j->arg = arg;
    j->next = NULL;
    pthread_mutex_lock(&q->lock);
    int full = q->stopping || q->queued >= q->max_queued;
    if (!full) {
        *q->tail = j;
        q->tail = &j->next;
        q->queued++;
        pthread_cond_signal(&q->wake);
    }
    pthread_mutex_unlock(&q->lock);
    if (full) {
        free(j);
        return GH_EUNAVAIL;
    }
    return 0;
}

void gh_workq_stop(struct gh_workq *q)
{
    if (q == NULL)
        return;
    pthread_mutex_lock(&q->lock);
    q->stopping = 1;
    pthread_cond_broadcast(&q->wake);
    pthread_mutex_unlock(&q->lock);
    for (unsigned i = 0; i < q->n_threads; i++)
        pthread_join(q->threads[i], NULL);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->wake);
    free(q);
}
