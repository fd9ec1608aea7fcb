/*
 * libFuzzer driver: the client address behind trusted proxies
 * (src/http/addr.c), which reads the network-supplied X-Forwarded-For and
 * Forwarded (RFC 7239) headers, and the CIDR list parser. The input is a
 * flags byte (bit 0: X-Forwarded-For present, bit 1: Forwarded present,
 * bit 2: the peer is untrusted, bit 3: the peer is IPv6) and the two
 * header values separated by a NUL; the whole input is also tried as a
 * --trusted-proxies list. Invariants: an untrusted peer is always the
 * client; the answer is always a canonical address; an address said to
 * come from the headers comes from each header alone too; a parsed CIDR
 * list formats and parses back to itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "http/addr.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            GH_BUG("fuzz invariant failed: " #c);                                                  \
    } while (0)

static void check_canonical(const char *addr)
{
    struct gh_ip ip;
    char again[GH_ADDR_LEN], bucket[GH_BUCKET_LEN];
    CHECK(gh_ip_parse(addr, strlen(addr), &ip) == 0);
    gh_ip_format(&ip, again);
    CHECK(strcmp(again, addr) == 0);
    gh_addr_bucket(addr, bucket);
    if (ip.v6)
        CHECK(strlen(bucket) > 3 && strcmp(bucket + strlen(bucket) - 3, "/64") == 0);
    else
        CHECK(strcmp(bucket, addr) == 0);
}

static void check_client(const struct gh_cidrs *t, const char *peer, int trusted, const char *xff,
                         const char *fwd)
{
    char out[GH_ADDR_LEN], a[GH_ADDR_LEN], b[GH_ADDR_LEN];
    int from = gh_client_addr(t, peer, xff, fwd, out);
    check_canonical(out);
    CHECK(trusted || !from);
    if (!from) {
        CHECK(strcmp(out, peer) == 0);
        return;
    }
    CHECK(xff != NULL || fwd != NULL);
    if (xff != NULL)
        CHECK(gh_client_addr(t, peer, xff, NULL, a) == 1 && strcmp(a, out) == 0);
    if (fwd != NULL)
        CHECK(gh_client_addr(t, peer, NULL, fwd, b) == 1 && strcmp(b, out) == 0);
}

static void check_cidrs(const char *text)
{
    struct gh_cidrs l, m;
    char err[160];
    if (gh_cidrs_parse(text, &l, err, sizeof(err)) < 0)
        return;
    CHECK(l.n <= GH_CIDR_MAX);
    for (size_t i = 0; i < l.n; i++) {
        char net[GH_ADDR_LEN], cidr[GH_ADDR_LEN + 8];
        gh_ip_format(&l.v[i].ip, net);
        snprintf(cidr, sizeof(cidr), "%s/%u", net, l.v[i].bits);
        CHECK(gh_cidrs_parse(cidr, &m, err, sizeof(err)) == 0 && m.n == 1);
        CHECK(m.v[0].bits == l.v[i].bits && m.v[0].ip.v6 == l.v[i].ip.v6);
        CHECK(memcmp(m.v[0].ip.b, l.v[i].ip.b, sizeof(m.v[0].ip.b)) == 0);
        CHECK(gh_cidrs_match(&l, &l.v[i].ip) == 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 65536)
        return 0;
    char *text = malloc(size + 1);
    CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    check_cidrs(text + 1);
    unsigned flags = data[0];
    const char *xff = text + 1;
    const char *fwd = xff + strlen(xff) + (strlen(xff) < size - 1 ? 1 : 0);
    struct gh_cidrs t;
    char err[160];
    CHECK(gh_cidrs_parse("127.0.0.1, 10.0.0.0/8, ::1, 2001:db8:ffff::/48", &t, err, sizeof(err)) ==
          0);
    const char *peer = (flags & 4) ? ((flags & 8) ? "2001:db8::9" : "198.51.100.1")
                                   : ((flags & 8) ? "::1" : "127.0.0.1");
    check_client(&t, peer, !(flags & 4), (flags & 1) ? xff : NULL, (flags & 2) ? fwd : NULL);
    free(text);
    return 0;
}
