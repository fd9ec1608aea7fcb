/*
 * Resource indicators (RFC 8707), pure rules: what a resource URI may be,
 * and which audience an access token gets from the resources asked for at
 * the token endpoint and those granted at authorization.
 */
#ifndef GH_RESOURCE_H
#define GH_RESOURCE_H

#include <stddef.h>

/* 1 when uri is an absolute URI without a fragment (RFC 8707 2), at most
 * 511 bytes of printable ASCII without spaces. */
int gh_resource_uri_valid(const char *uri);

/* Adds uri to the space-separated set list[len] unless it is there.
 * GH_EINVAL for a URI that is not valid, GH_ENOMEM when list is full. */
int gh_resource_add(char *list, size_t len, const char *uri);

/* The audience of an access token (RFC 8707 2.2): req are the n values
 * of `resource` at the token endpoint, granted the resources granted at
 * authorization (space-separated). n == 0: *aud = NULL (the default
 * audience). One value among the granted: *aud = it. More than one, or
 * one not granted: GH_EINVAL (invalid_target; a token has one audience). */
int gh_resource_pick(const char *const *req, int n, const char *granted, const char **aud);

#endif
