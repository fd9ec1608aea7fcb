/*
 * Allocation-failure injection for tests (docs/internals/alloc.md; curl's torture
 * tests, sqlite's OOM tests). A test calls gh_alloc_fail_after(k) and the
 * k-th allocation from then on, on the calling thread, fails as if memory
 * had run out; the ones before and after it succeed. The allocators that
 * request data flows through (gh_arena, gh_buf, the JWS parser, key
 * wrapping) ask gh_alloc_fail_now() first; OpenSSL and jansson allocate
 * through their own hooks, which a test can point here too
 * (src/core/alloc_test.c). Outside tests the countdown is 0 and the check
 * costs one branch.
 */
#ifndef GH_ALLOC_H
#define GH_ALLOC_H

/* Allocations left before the injected failure; 0: injection off. */
extern _Thread_local long gh_alloc_countdown_;

/* Makes the k-th allocation from now on fail (k >= 1); 0 turns it off.
 * Also clears gh_alloc_failed(). */
void gh_alloc_fail_after(long k);
/* 1 when the injected failure has happened since gh_alloc_fail_after. */
int gh_alloc_failed(void);
/* Counts one allocation down; 1 when it is the one to fail. */
int gh_alloc_tick_(void);

/* Asked by an allocator before it allocates: 1 when it must fail. */
static inline int gh_alloc_fail_now(void)
{
    return gh_alloc_countdown_ != 0 && gh_alloc_tick_();
}

#endif
