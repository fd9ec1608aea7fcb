/*
 * libFuzzer driver: redirect-URI rules (src/proto/redirect.c; RFC 6749
 * 3.1.2, RFC 8252 7.3, RFC 9700 4.1.3). The input is two URIs, the
 * registered one and the presented one, separated by a NUL or newline.
 * Invariants: match(x, x) for every x; match is symmetric; a match of two
 * different strings happens only for http loopback IP literals; an origin
 * is a prefix of its URI and is its own origin; a URI valid for
 * registration has no fragment and no control bytes, and uses plain http
 * only for a loopback host.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "proto/proto.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            GH_BUG("fuzz invariant failed: " #c);                                                  \
    } while (0)

static int loopback(const char *u)
{
    return strncmp(u, "http://127.0.0.1", 16) == 0 || strncmp(u, "http://[::1]", 12) == 0;
}

static void check_one(const char *u)
{
    char origin[512], again[512];
    CHECK(gh_redirect_match(u, u) == 1);
    int valid = gh_redirect_valid(u, 0);
    if (valid) {
        CHECK(gh_redirect_valid(u, 1) == 1);
        /* RFC 9700 2.6, RFC 8252 7.3: plain http only for the loopback
         * interface: 127.0.0.1, [::1] or the name localhost itself */
        if (strncmp(u, "http://", 7) == 0) {
            const char *h = u + 7;
            size_t hl = strcspn(h, ":/?");
            CHECK(loopback(u) || (hl == 9 && strncmp(h, "localhost", 9) == 0));
        }
        CHECK(strchr(u, '#') == NULL && strlen(u) < 512);
        for (const char *p = u; *p; p++)
            CHECK((unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f);
    }
    if (gh_uri_origin(u, origin, sizeof(origin)) == 0) {
        size_t n = strlen(origin);
        CHECK(n > 0 && n < sizeof(origin) && strncmp(u, origin, n) == 0);
        CHECK(gh_uri_origin(origin, again, sizeof(again)) == 0 && strcmp(origin, again) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *sep = strchr(buf, '\n');
    const char *reg = buf, *uri = buf;
    if (sep != NULL) {
        *sep = '\0';
        uri = sep + 1;
    } else if (strlen(buf) < size) {
        uri = buf + strlen(buf) + 1; /* NUL-separated */
    }
    check_one(reg);
    check_one(uri);
    int m = gh_redirect_match(reg, uri);
    CHECK(m == gh_redirect_match(uri, reg));
    if (m && strcmp(reg, uri) != 0)
        CHECK(loopback(reg) && loopback(uri));
    free(buf);
    return 0;
}
