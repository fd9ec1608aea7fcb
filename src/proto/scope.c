/* Scope strings, RFC 6749 3.3: space-delimited tokens of NQCHAR. */
#include <string.h>

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

int gh_scope_has(const char *s, const char *tok)
{
    size_t n = strlen(tok);
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

int gh_scope_subset(const char *req, const char *allowed)
{
    char tok[256];
    while (*req) {
        size_t len = strcspn(req, " ");
        if (len >= sizeof(tok))
            return 0;
        memcpy(tok, req, len);
        tok[len] = '\0';
        if (len > 0 && !gh_scope_has(allowed, tok))
            return 0;
        req += len;
        while (*req == ' ')
            req++;
    }
    return 1;
}
