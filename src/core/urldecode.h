/*
 * Percent-decoding with the application/x-www-form-urlencoded rules
 * (HTML 5; RFC 6749 appendix B and 2.3.1): "+" is a space, "%XX" a byte.
 * Strict: a malformed escape or a NUL byte makes the input invalid.
 */
#ifndef GH_URLDECODE_H
#define GH_URLDECODE_H

#include <stddef.h>

#include "core/arena.h"

/* Decodes s[0..n) into a new NUL-terminated string in the arena (*out,
 * valid as long as the arena). Its length, or GH_EINVAL / GH_ENOMEM. */
long gh_url_decode(struct gh_arena *a, const char *s, size_t n, char **out /* OUT */);

#endif
