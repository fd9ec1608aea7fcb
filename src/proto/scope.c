/*
 * Scope strings, RFC 6749 3.3: space-delimited tokens of NQCHAR. The one
 * rule every grant goes through lives here (gh_scope_grant): a scope is
 * never truncated or rewritten, duplicates are dropped, and what is granted
 * is a subset of the client's current registration (RFC 6749 3.3, RFC 9700
 * 2.3).
 */
#include <string.h>

#include "core/err.h"
#include "proto/proto.h"

static int token_char(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

int gh_scope_valid(const char *s)
{
    if (*s == '\0' || *s == ' ')
        return 0;
    for (const char *p = s; *p; p++) {
        if (*p == ' ') {
            if (p[1] == ' ' || p[1] == '\0')
                return 0;
        } else if (!token_char((unsigned char)*p)) {
            return 0;
        }
    }
    return 1;
}

/* 1 when scope string s contains the token tok[0..n). */
static int has_token(const char *s, const char *tok, size_t n)
{
    while (*s) {
        size_t len = strcspn(s, " ");
        if (len == n && strncmp(s, tok, n) == 0)
            return 1;
        s += len;
        while (*s == ' ')
            s++;
    }
    return 0;
}

int gh_scope_has(const char *s, const char *tok)
{
    return has_token(s, tok, strlen(tok));
}

int gh_scope_subset(const char *req, const char *allowed)
{
    /* tokens are compared in place: a copy into a fixed buffer refused
     * valid tokens of 256 bytes or more (found by fuzz_scope_pkce) */
    while (*req) {
        size_t len = strcspn(req, " ");
        if (len > 0 && !has_token(allowed, req, len))
            return 0;
        req += len;
        while (*req == ' ')
            req++;
    }
    return 1;
}

int gh_scope_intersect(const char *a, const char *b, char *out, size_t outlen)
{
    size_t n = 0;
    if (outlen == 0)
        return GH_EINVAL;
    out[0] = '\0';
    while (*a) {
        size_t len = strcspn(a, " ");
        if (len > 0 && has_token(b, a, len) && !has_token(out, a, len)) {
            if (n + (n > 0) + len >= outlen)
                return GH_EINVAL;
            if (n > 0)
                out[n++] = ' ';
            memcpy(out + n, a, len);
            n += len;
            out[n] = '\0';
        }
        a += len;
        while (*a == ' ')
            a++;
    }
    return 0;
}

int gh_scope_grant(const char *req, const char *allowed, char *out, size_t outlen)
{
    if (outlen > 0)
        out[0] = '\0';
    if (!gh_scope_valid(req))
        return GH_EINVAL;
    if (allowed != NULL && !gh_scope_subset(req, allowed))
        return GH_ENOTFOUND;
    size_t k = 0;
    while (*req) {
        size_t len = strcspn(req, " ");
        if (outlen == 0 || !has_token(out, req, len)) {
            /* whole or not at all: a token cut short could name another
             * scope ("admin.read" cut to "admin") */
            if (k + (k > 0 ? 1u : 0u) + len >= outlen) {
                if (outlen > 0)
                    out[0] = '\0';
                return GH_ENOMEM;
            }
            if (k > 0)
                out[k++] = ' ';
            memcpy(out + k, req, len);
            k += len;
            out[k] = '\0';
        }
        req += len;
        while (*req == ' ')
            req++;
    }
    return 0;
}
