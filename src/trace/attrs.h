/*
 * A step's review facts (struct gh_trace_step.attrs): space-separated
 * "key=value" pairs, what `trace lint` needs to know about a message that
 * its label does not say exactly (docs/flow-review.md lists the keys).
 * Values hold no spaces and no secrets: secrets are fingerprints
 * (gh_fp_*, trace/import.h). Bounded: a pair that does not fit is dropped
 * whole and "cut=1" is set when there is room for it.
 */
#ifndef GH_TRACE_ATTRS_H
#define GH_TRACE_ATTRS_H

#include <stddef.h>

/* Appends key=value to attrs[0..cap) (NUL-terminated). Bytes of value that
 * are not printable ASCII, or are ' ' or '=', become '_'. value NULL or ""
 * appends nothing. 0, or GH_ENOMEM when it did not fit. */
int gh_attrs_set(char *attrs, size_t cap, const char *key, const char *value);
/* The value of key in attrs[0..cap) into out (outlen bytes): 1 when found,
 * else 0 and out = "". */
int gh_attrs_get(const char *attrs, size_t cap, const char *key, char *out, size_t outlen);
/* 1 when key is present. */
int gh_attrs_has(const char *attrs, size_t cap, const char *key);

#endif
