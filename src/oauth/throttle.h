/*
 * Failed-attempt limits shared by every way a user proves who they are
 * (passwords in login.c, one-time codes in mfa.c): a few failures are
 * free, then an exponential wait, then a lockout (settings
 * login-max-failures and login-lockout). Counters live in the store, so
 * every process of a deployment shares them.
 */
#ifndef GH_THROTTLE_H
#define GH_THROTTLE_H

#include <stdint.h>

#include "oauth/oauth.h"

#define GH_THROTTLE_FREE 3 /* failures before any wait */

/* Seconds the counter key must still wait before another attempt (0:
 * none). factor multiplies its allowance (an address gets more than a
 * user name). A store that cannot tell does not hold anyone up. */
int64_t gh_throttle_wait(struct gh_as *as, const char *key, int64_t factor, int64_t now);
/* Counts one event under key and answers 0 when it is among the first
 * limit of the current window of window seconds (a window starts with its
 * first event), else the seconds until the window ends (the event is not
 * counted). A store that cannot tell lets it through. */
int64_t gh_throttle_rate(struct gh_as *as, const char *key, int limit, int64_t window, int64_t now);

#endif
