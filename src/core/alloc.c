/* Allocation-failure injection; see alloc.h. */
#include "alloc.h"

_Thread_local long gh_alloc_countdown_;
static _Thread_local int failed;

void gh_alloc_fail_after(long k)
{
    gh_alloc_countdown_ = k > 0 ? k : 0;
    failed = 0;
}

int gh_alloc_failed(void)
{
    return failed;
}

int gh_alloc_tick_(void)
{
    if (--gh_alloc_countdown_ != 0)
        return 0;
    failed = 1;
    return 1;
}
