/*
 * One-time codes: HOTP (RFC 4226) over a time step (TOTP, RFC 6238) with
 * HMAC-SHA-1, 30-second steps from the Unix epoch and a window of one step
 * either side (RFC 6238 5.2); the shared secret in base32 (RFC 4648 6) as
 * authenticator apps read it from an otpauth:// URI. Pure functions: no
 * I/O, no store.
 */
#ifndef GH_TOTP_H
#define GH_TOTP_H

#include <stddef.h>
#include <stdint.h>

#define GH_TOTP_STEP 30       /* seconds (RFC 6238 4.1, X) */
#define GH_TOTP_DIGITS 6      /* what authenticator apps show */
#define GH_TOTP_WINDOW 1      /* steps accepted either side of now */
#define GH_TOTP_SECRET_LEN 20 /* bytes: the HMAC-SHA-1 output size (RFC 4226 4, R6) */

/* The time step counter T for Unix time t (RFC 6238 4.2); -1 before 1970. */
int64_t gh_totp_step(int64_t t);

/* The HOTP value (RFC 4226 5.3) for counter c: digits (6..8) decimal
 * digits into out (digits + 1 bytes). 0, or GH_EINVAL. */
int gh_hotp(const unsigned char *key, size_t key_len, uint64_t c, int digits, char *out);

/* Checks a 6-digit code against the steps now-1 .. now+1 (now = the step
 * of t), taking only steps greater than last_step so that each code works
 * once (RFC 6238 5.2). Compares in constant time. 0 and *step set to the
 * step that matched, or GH_EINVAL (not six digits) / GH_ENOTFOUND (no
 * match or replay). */
int gh_totp_verify(const unsigned char *key, size_t key_len, const char *code, int64_t t,
                   int64_t last_step, int64_t *step /* OUT */);

/* Base32 without padding (RFC 4648 6, 7): enc writes into out (n bytes
 * including the NUL) and fails with GH_ENOMEM when it does not fit; dec
 * takes upper or lower case, ignores spaces and '=' padding, and returns
 * the byte count or GH_EINVAL. */
int gh_base32_enc(const unsigned char *in, size_t len, char *out, size_t n);
int gh_base32_dec(const char *in, unsigned char *out, size_t n);

#endif
