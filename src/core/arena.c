/* Chunked bump allocator with a hard cap; see arena.h and
 * docs/internals/arena.md. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "arena.h"
#include "err.h"

struct chunk {
    struct chunk *next;
    size_t size, used;
    max_align_t data[];
};

struct gh_arena {
    struct chunk *head; /* current chunk; older ones follow */
    size_t chunk_size, cap, total;
};

static struct chunk *chunk_new(size_t size)
{
    struct chunk *c = malloc(sizeof(*c) + size);
    if (c == NULL)
        return NULL;
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

struct gh_arena *gh_arena_new(size_t chunk, size_t cap)
{
    struct gh_arena *a = gh_alloc_fail_now() ? NULL : malloc(sizeof(*a));
    if (a == NULL)
        return NULL;
    a->chunk_size = chunk < 256 ? 256 : chunk;
    a->cap = cap < a->chunk_size ? a->chunk_size : cap;
    a->head = chunk_new(a->chunk_size);
    if (a->head == NULL) {
        free(a);
        return NULL;
    }
    a->total = a->chunk_size;
    return a;
}

void gh_arena_free(struct gh_arena *a)
{
    if (a == NULL)
        return;
    struct chunk *c = a->head;
    while (c != NULL) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void *gh_arena_alloc(struct gh_arena *a, size_t n)
{
    const size_t align = sizeof(max_align_t);
    if (gh_alloc_fail_now()) /* tests: as if the cap was reached */
        return NULL;
    n = (n + align - 1) & ~(align - 1);
    if (n == 0)
        n = align;
    struct chunk *c = a->head;
    if (c->size - c->used < n) {
        size_t size = n > a->chunk_size ? n : a->chunk_size;
        if (size > a->cap || a->total > a->cap - size)
            return NULL;
        c = chunk_new(size);
        if (c == NULL)
            return NULL;
        c->next = a->head;
        a->head = c;
        a->total += size;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

char *gh_arena_strndup(struct gh_arena *a, const char *p, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *s = gh_arena_alloc(a, n + 1);
    if (s == NULL)
        return NULL;
    if (n > 0)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

char *gh_arena_strdup(struct gh_arena *a, const char *s)
{
    return gh_arena_strndup(a, s, strlen(s));
}

char *gh_arena_printf(struct gh_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = gh_arena_alloc(a, (size_t)n + 1);
    if (s == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}
