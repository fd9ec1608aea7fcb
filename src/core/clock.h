/* Wall-clock and monotonic time in the units the protocol code uses. */
#ifndef GH_CLOCK_H
#define GH_CLOCK_H

#include <stdint.h>

/* Seconds since the epoch (token lifetimes, expiry checks). */
int64_t gh_now(void);
/* Microseconds since the epoch (trace timestamps). */
int64_t gh_now_us(void);
/* Monotonic microseconds (durations). */
int64_t gh_mono_us(void);

#endif
