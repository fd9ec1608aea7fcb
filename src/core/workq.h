/*
 * A small pool of threads for slow, CPU-bound work that must not hold an
 * HTTP connection thread (argon2id password checks): the handler defers its
 * answer (gh_req_defer), pushes the work here and the work resumes it.
 */
#ifndef GH_WORKQ_H
#define GH_WORKQ_H

struct gh_workq;

/* Starts `threads` workers named `name` taking at most `max_queued` waiting
 * jobs. */
int gh_workq_start(unsigned threads, unsigned max_queued, const char *name, struct gh_workq **out);
/* Queues fn(arg); GH_EUNAVAIL when the queue is full or stopping. */
int gh_workq_push(struct gh_workq *q, void (*fn)(void *arg), void *arg);
/* Runs every queued job, then stops the workers and frees q (NULL: no-op). */
void gh_workq_stop(struct gh_workq *q);

#endif
