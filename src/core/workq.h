/*
 * A pool of threads for work that must not hold an HTTP connection thread:
 * argon2id password checks, and the PostgreSQL store's asynchronous writes.
 * A handler defers its answer (gh_req_defer), pushes the work here and the
 * work resumes it. Threads start on demand, up to a maximum.
 */
#ifndef GH_WORKQ_H
#define GH_WORKQ_H

struct gh_workq;

/* One piece of work, embedded in the caller's own struct (no allocation
 * here): a worker calls fn(w) once. */
struct gh_work {
    void (*fn)(struct gh_work *w);
    struct gh_work *next;
};

/* A queue served by up to max_threads threads named `name`, started as
 * work arrives, with at most max_queued waiting jobs (0: no limit). */
int gh_workq_start(unsigned max_threads, unsigned max_queued, const char *name,
                   struct gh_workq **out);
/* Threads started from now on run at this nice value (Linux schedules
 * threads one by one): the hashing pool yields the cores to the connection
 * threads, so a login storm does not stretch the token endpoint's tail. */
void gh_workq_set_nice(struct gh_workq *q, int nice);
/* fn runs on a worker that has had nothing to do for idle_ms, once per
 * idle spell: the hashing pool gives back the memory its threads keep
 * between sign-ins (gh_password_thread_release), so a storm's memory does
 * not stay with the process after it. */
void gh_workq_set_idle(struct gh_workq *q, void (*fn)(void), int idle_ms);
/* Queues w; GH_EUNAVAIL when the queue is full or stopping, GH_ENOMEM when
 * no thread could be started. */
int gh_workq_push(struct gh_workq *q, struct gh_work *w);
/* Runs every queued job, then stops the threads and frees q (NULL: no-op). */
void gh_workq_stop(struct gh_workq *q);

#endif
