/* Failed-attempt limits; see throttle.h. */
#include "oauth/throttle.h"

int64_t gh_throttle_wait(struct gh_as *as, const char *key, int64_t factor, int64_t now)
{
    int64_t max_failures = as->cfg->login_max_failures * factor, free = GH_THROTTLE_FREE * factor;
    int count = 0;
    int64_t last = 0, wait = 0;
    if (gh_store_login_fail_get(as->store, key, &count, &last) < 0)
        return 0;
    if (count >= max_failures)
        wait = as->cfg->login_lockout;
    else if (count >= free)
        wait = (int64_t)1 << (count - free < 10 ? count - free : 10);
    return last + wait > now ? last + wait - now : 0;
}

int64_t gh_throttle_rate(struct gh_as *as, const char *key, int limit, int64_t window, int64_t now)
{
    int count = 0, n;
    int64_t first = 0;
    if (gh_store_login_fail_get(as->store, key, &count, &first) < 0)
        return 0;
    /* last_at of the counter holds the window's start: it is written only
     * when a window starts (clear, then add), never by later events */
    if (count > 0 && first + window <= now) {
        gh_store_login_fail_clear(as->store, key);
        count = 0;
    }
    if (count >= limit)
        return first + window - now > 0 ? first + window - now : 1;
    gh_store_login_fail_add(as->store, key, count == 0 ? now : first, &n);
    return 0;
}
