/*
 * Client addresses behind reverse proxies. X-Forwarded-For (de facto) and
 * Forwarded (RFC 7239 section 4) are honoured only when the TCP peer is a
 * trusted proxy (`serve --trusted-proxies`); then the right-most address
 * that is not itself a trusted proxy is the client (RFC 7239 section 8.1:
 * only the hops a trusted proxy added can be believed). Also the CIDR lists
 * of that setting, and the bucket an address is throttled in: an IPv6 client
 * per /64, since one host or home usually holds a whole /64 (RFC 7421).
 */
#ifndef GH_ADDR_H
#define GH_ADDR_H

#include <stddef.h>

/* An IPv4 or IPv6 address. IPv4-mapped IPv6 (::ffff:a.b.c.d) is IPv4. */
struct gh_ip {
    int v6;              /* 0: IPv4 in b[0..4); 1: IPv6 in b[0..16) */
    unsigned char b[16]; /* network byte order */
};

struct gh_cidr {
    struct gh_ip ip; /* host bits cleared */
    unsigned bits;   /* prefix length: 0..32 or 0..128 */
};

#define GH_CIDR_MAX 32
struct gh_cidrs {
    struct gh_cidr v[GH_CIDR_MAX];
    size_t n;
};

/* Text form of an address with its NUL (INET6_ADDRSTRLEN), and of a
 * throttling bucket ("2001:db8:1:2::/64"). */
#define GH_ADDR_LEN 46
#define GH_BUCKET_LEN 52

/* Parses a numeric IPv4 or IPv6 address s[0..n) (inet_pton: no port, no
 * brackets, no zone). 0 or GH_EINVAL. */
int gh_ip_parse(const char *s, size_t n, struct gh_ip *out /* OUT */);
/* Canonical text (inet_ntop) of ip. */
void gh_ip_format(const struct gh_ip *ip, char out[GH_ADDR_LEN]);
/* "ADDRESS" (one host) or "ADDRESS/BITS"; host bits are cleared. */
int gh_cidr_parse(const char *s, size_t n, struct gh_cidr *out /* OUT */);
/* "CIDR[,CIDR...]" with optional spaces around the commas; "" is the empty
 * list. GH_EINVAL with err naming the bad element. */
int gh_cidrs_parse(const char *list, struct gh_cidrs *out /* OUT */, char *err, size_t errlen);
/* 1 when ip lies in one of the list's ranges. */
int gh_cidrs_match(const struct gh_cidrs *l, const struct gh_ip *ip);

/* The client address of a request whose TCP peer is `peer` (text), given
 * its X-Forwarded-For and Forwarded header values (every field line of each,
 * joined with ","; NULL when absent). The headers count only when the peer
 * is in `trusted` (NULL or empty: never). Walking each header from the
 * right, trusted proxies are skipped and the first other address is the
 * client; when every hop is a trusted proxy, the left-most one is. A header
 * that is malformed where the walk needs it, and two headers that disagree,
 * are ignored: the client is then the peer. Writes the canonical text and
 * returns 1 when the address came from a header, 0 when it is the peer. */
int gh_client_addr(const struct gh_cidrs *trusted, const char *peer, const char *xff,
                   const char *fwd, char out[GH_ADDR_LEN]);

/* The sign-in throttling bucket of addr: an IPv4 address itself, an IPv6
 * address its /64 ("2001:db8:1:2::/64"); text that is no address is copied. */
void gh_addr_bucket(const char *addr, char out[GH_BUCKET_LEN]);

#endif
