/*
 * libFuzzer driver: scope strings (src/proto/scope.c, RFC 6749 3.3) and
 * PKCE (src/proto/pkce.c, RFC 7636). The input is two strings separated by
 * a newline (the requested scope or verifier, and the allowed scope or
 * challenge). Invariants: a valid scope is a subset of itself and has each
 * of its tokens; subset(a, b) means every token of a is in b; narrowing
 * (intersection, the scope a grant gets) stays within both scopes; the
 * grant rule (gh_scope_grant) succeeds exactly when a is valid, a subset of
 * b and fits, and then gives a valid scope with a's tokens, each once, and
 * no other, never cut short; a valid verifier verifies against its own
 * S256 challenge, which is itself a valid challenge, and against nothing
 * else of the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "proto/grant.h"
#include "proto/proto.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            GH_BUG("fuzz invariant failed: " #c);                                                  \
    } while (0)

static void check_scope(const char *a, const char *b)
{
    int valid = gh_scope_valid(a);
    if (valid)
        CHECK(gh_scope_subset(a, a) == 1);
    int sub = gh_scope_subset(a, b);
    /* subset means: each token of a (split on spaces) is in b */
    char *tok = malloc(strlen(a) + 1);
    CHECK(tok != NULL);
    for (const char *p = a; *p;) {
        size_t len = strcspn(p, " ");
        if (len > 0) {
            memcpy(tok, p, len);
            tok[len] = '\0';
            if (valid)
                CHECK(gh_scope_has(a, tok) == 1);
            if (sub)
                CHECK(gh_scope_has(b, tok) == 1);
        }
        p += len;
        while (*p == ' ')
            p++;
    }
    free(tok);
    if (valid)
        for (const char *q = a; *q; q++)
            CHECK(*q == ' ' || ((unsigned char)*q > 0x20 && (unsigned char)*q < 0x7f && *q != '"' &&
                                *q != '\\'));
}

/* intersect(a, b) keeps a's tokens that b has, each once, in room the size
 * of a; a granted scope is valid and within both what was granted and
 * what is registered (src/proto/grant.c gh_grant_scope). */
static void check_narrowing(const char *a, const char *b)
{
    size_t n = strlen(a) + 1;
    char *out = malloc(n);
    CHECK(out != NULL);
    CHECK(gh_scope_intersect(a, b, out, n) == 0);
    CHECK(gh_scope_subset(out, a) == 1 && gh_scope_subset(out, b) == 1);
    CHECK(out[0] == '\0' || !gh_scope_valid(a) || gh_scope_valid(out));
    if (gh_grant_scope(NULL, a, b, out, n) == 0) {
        CHECK(gh_scope_valid(a) ? gh_scope_valid(out) : out[0] != '\0');
        CHECK(gh_scope_subset(out, a) == 1 && gh_scope_subset(out, b) == 1);
    }
    if (gh_grant_scope(a, b, b, out, n) == 0) {
        CHECK(gh_scope_valid(a) && gh_scope_valid(out));
        CHECK(gh_scope_subset(out, a) == 1 && gh_scope_subset(a, out) == 1);
        CHECK(gh_scope_subset(out, b) == 1);
    }
    free(out);
}

/* gh_scope_grant(a, b) into a 64-byte field, small enough for the fuzzer
 * to reach the "does not fit" case often. */
static void check_grant(const char *a, const char *b)
{
    char out[64], again[64];
    int rc = gh_scope_grant(a, b, out, sizeof(out));
    if (!gh_scope_valid(a)) {
        CHECK(rc == GH_EINVAL && out[0] == '\0');
        return;
    }
    if (!gh_scope_subset(a, b)) {
        CHECK(rc == GH_ENOTFOUND);
        return;
    }
    CHECK(rc == 0 || rc == GH_ENOMEM);
    if (rc == GH_ENOMEM) {
        CHECK(out[0] == '\0');
        return;
    }
    CHECK(gh_scope_valid(out) && gh_scope_subset(out, a) && gh_scope_subset(a, out));
    CHECK(gh_scope_subset(out, b));
    /* no token twice: granting it again changes nothing */
    CHECK(gh_scope_grant(out, NULL, again, sizeof(again)) == 0 && strcmp(out, again) == 0);
    CHECK(strlen(out) <= strlen(a));
}

static void check_pkce(const char *v, size_t vn, const char *c, size_t cn)
{
    char s256[44];
    if (gh_pkce_verifier_valid(v, vn)) {
        gh_pkce_s256(v, vn, s256);
        CHECK(strlen(s256) == 43);
        CHECK(gh_pkce_challenge_valid(s256, 43) == 1);
        CHECK(gh_pkce_verify(v, vn, s256, 43) == 1);
        CHECK(gh_pkce_verify(v, vn, c, cn) == (cn == 43 && memcmp(c, s256, 43) == 0));
    } else {
        CHECK(gh_pkce_verify(v, vn, c, cn) == 0);
    }
    int cv = gh_pkce_challenge_valid(c, cn);
    CHECK(!cv || cn == 43);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    size_t an = strcspn(buf, "\n");
    const char *a = buf, *b = "";
    size_t bn = 0;
    if (an < size) {
        buf[an] = '\0';
        b = buf + an + 1;
        bn = size - an - 1;
    }
    /* the raw halves, NULs included, for the length-taking PKCE calls */
    check_pkce(a, an, b, bn);
    check_pkce(b, bn, a, an);
    check_scope(a, b);
    check_scope(b, a);
    check_narrowing(a, b);
    check_narrowing(b, a);
    check_grant(a, b);
    check_grant(b, a);
    free(buf);
    return 0;
}
