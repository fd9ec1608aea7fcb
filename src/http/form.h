/*
 * application/x-www-form-urlencoded parsing (HTML 5 / RFC 6749 appendix B)
 * for request bodies and query strings. Strict: a malformed percent escape
 * or a NUL byte makes the whole input invalid. Parameters keep their order
 * and duplicates, so callers can refuse repeated OAuth parameters
 * (RFC 6749 3.1: "MUST NOT be included more than once").
 */
#ifndef GH_FORM_H
#define GH_FORM_H

#include <stddef.h>

#include "core/arena.h"

#define GH_FORM_MAX_PARAMS 64

struct gh_param {
    const char *key, *value; /* decoded, NUL-terminated, in the arena */
    size_t key_len, value_len;
};

struct gh_form {
    struct gh_param p[GH_FORM_MAX_PARAMS];
    int n;
};

/* Parses s[0..n) into f. GH_EINVAL on malformed input or more than
 * GH_FORM_MAX_PARAMS parameters; GH_ENOMEM when the arena is full. */
int gh_form_parse(struct gh_arena *a, const char *s, size_t n, struct gh_form *f /* OUT */);
/* Appends one already-decoded parameter (copied into the arena). */
int gh_form_add(struct gh_arena *a, struct gh_form *f, const char *key, size_t key_len,
                const char *value, size_t value_len);
/* Number of times key occurs. */
int gh_form_count(const struct gh_form *f, const char *key);
/* Value of key, or NULL when absent or repeated (*dup set to 1 then, when
 * dup is not NULL). Empty values count as absent (RFC 6749 3.1). */
const char *gh_form_get(const struct gh_form *f, const char *key, int *dup /* OUT */);

#endif
