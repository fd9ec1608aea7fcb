/*
 * Per-request bump allocator. Everything a request needs (parsed form,
 * claims, response body) comes from one arena that is released at once
 * when the request ends. The arena has a byte cap fixed at creation; an
 * allocation past it fails (returns NULL) instead of growing without bound.
 */
#ifndef GH_ARENA_H
#define GH_ARENA_H

#include <stddef.h>

struct gh_arena;

/* New arena allocating chunks of chunk bytes, at most cap bytes in all.
 * Caller frees with gh_arena_free. NULL on allocation failure. */
struct gh_arena *gh_arena_new(size_t chunk, size_t cap);
void gh_arena_free(struct gh_arena *a);

/* Borrowed memory valid until reset/free; aligned for any type. */
void *gh_arena_alloc(struct gh_arena *a, size_t n);
/* Copy of p[0..n) with a NUL after it. */
char *gh_arena_strndup(struct gh_arena *a, const char *p, size_t n);
char *gh_arena_strdup(struct gh_arena *a, const char *s);
/* printf into the arena. */
char *gh_arena_printf(struct gh_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
