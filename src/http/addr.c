/* Client addresses behind trusted proxies, CIDR lists and throttling
 * buckets; see addr.h. Every parser here reads attacker-controlled header
 * text: it is bounded (HOPS_MAX hops, GH_ADDR_LEN per address), never
 * allocates, and anything it does not understand is refused, never
 * guessed at. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/addr.h"
#include "core/err.h"

#define HOPS_MAX 64 /* proxies a request may name; more: the header is ignored */

static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* inet_pton of s[0..n) in one family. */
static int pton(int family, const char *s, size_t n, struct gh_ip *ip)
{
    char buf[GH_ADDR_LEN];
    if (n == 0 || n >= sizeof(buf) || memchr(s, '\0', n) != NULL)
        return GH_EINVAL;
    memcpy(buf, s, n);
    buf[n] = '\0';
    memset(ip, 0, sizeof(*ip));
    ip->v6 = family == AF_INET6;
    return inet_pton(family, buf, ip->b) == 1 ? 0 : GH_EINVAL;
}

static void unmap(struct gh_ip *ip)
{
    if (ip->v6 && memcmp(ip->b, v4_mapped, sizeof(v4_mapped)) == 0) {
        memmove(ip->b, ip->b + 12, 4);
        memset(ip->b + 4, 0, 12);
        ip->v6 = 0;
    }
}

int gh_ip_parse(const char *s, size_t n, struct gh_ip *out)
{
    if (pton(AF_INET, s, n, out) == 0)
        return 0;
    if (pton(AF_INET6, s, n, out) < 0)
        return GH_EINVAL;
    unmap(out);
    return 0;
}

void gh_ip_format(const struct gh_ip *ip, char out[GH_ADDR_LEN])
{
    if (inet_ntop(ip->v6 ? AF_INET6 : AF_INET, ip->b, out, GH_ADDR_LEN) == NULL)
        out[0] = '\0';
}

static void clear_host_bits(struct gh_ip *ip, unsigned bits)
{
    unsigned len = ip->v6 ? 16 : 4;
    for (unsigned i = 0; i < len; i++) {
        unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;
        ip->b[i] &= (unsigned char)(0xff00u >> keep);
    }
}

int gh_cidr_parse(const char *s, size_t n, struct gh_cidr *out)
{
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    struct gh_ip ip;
    int v6_text = pton(AF_INET, s, alen, &ip) < 0;
    if (v6_text && pton(AF_INET6, s, alen, &ip) < 0)
        return GH_EINVAL;
    unsigned max = v6_text ? 128 : 32, bits = max;
    if (slash != NULL) {
        const char *d = slash + 1, *end = s + n;
        if (d == end || end - d > 3)
            return GH_EINVAL;
        for (bits = 0; d < end; d++) {
            if (*d < '0' || *d > '9')
                return GH_EINVAL;
            bits = bits * 10 + (unsigned)(*d - '0');
        }
        if (bits > max)
            return GH_EINVAL;
    }
    if (v6_text && memcmp(ip.b, v4_mapped, sizeof(v4_mapped)) == 0 && bits >= 96) {
        unmap(&ip); /* ::ffff:10.0.0.0/104 is 10.0.0.0/8 */
        bits -= 96;
    }
    clear_host_bits(&ip, bits);
    out->ip = ip;
    out->bits = bits;
    return 0;
}

int gh_cidrs_parse(const char *list, struct gh_cidrs *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    const char *p = list;
    while (*p == ' ')
        p++;
    if (*p == '\0')
        return 0;
    for (;;) {
        const char *e = p + strcspn(p, ",");
        const char *t = e;
        while (t > p && t[-1] == ' ')
            t--;
        if (out->n == GH_CIDR_MAX) {
            snprintf(err, errlen, "more than %d address ranges", GH_CIDR_MAX);
            return GH_EINVAL;
        }
        if (gh_cidr_parse(p, (size_t)(t - p), &out->v[out->n]) < 0) {
            snprintf(err, errlen, "'%.*s' is not an address or range (ADDRESS or ADDRESS/BITS)",
                     (int)(t - p > 64 ? 64 : t - p), p);
            return GH_EINVAL;
        }
        out->n++;
        if (*e == '\0')
            return 0;
        p = e + 1;
        while (*p == ' ')
            p++;
    }
}

int gh_cidrs_match(const struct gh_cidrs *l, const struct gh_ip *ip)
{
    for (size_t i = 0; l != NULL && i < l->n; i++) {
        const struct gh_cidr *c = &l->v[i];
        if (c->ip.v6 != ip->v6)
            continue;
        struct gh_ip masked = *ip;
        clear_host_bits(&masked, c->bits);
        if (memcmp(masked.b, c->ip.b, sizeof(masked.b)) == 0)
            return 1;
    }
    return 0;
}

/* ":" port, where port is 1*5DIGIT or an obfuscated "_" 1*(ALPHA / DIGIT /
 * "." / "_" / "-") (RFC 7239 6.3). */
static int port_ok(const char *s, size_t n)
{
    if (n < 2 || s[0] != ':')
        return 0;
    if (s[1] == '_') {
        for (size_t i = 2; i < n; i++)
            if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]) ==
                    NULL ||
                s[i] == '\0')
                return 0;
        return n > 2;
    }
    if (n > 6)
        return 0;
    for (size_t i = 1; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* A node: IPv4 [":" port] or "[" IPv6 "]" [":" port] (RFC 7239 6), and with
 * bare_v6 also an IPv6 address without brackets (X-Forwarded-For). */
static int node_parse(const char *s, size_t n, int bare_v6, struct gh_ip *ip)
{
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close == NULL)
            return GH_EINVAL;
        size_t used = (size_t)(close - s) + 1;
        if (used < n && !port_ok(close + 1, n - used))
            return GH_EINVAL;
        if (pton(AF_INET6, s + 1, used - 2, ip) < 0)
            return GH_EINVAL;
        unmap(ip);
        return 0;
    }
    if (pton(AF_INET, s, n, ip) == 0)
        return 0;
    if (bare_v6 && pton(AF_INET6, s, n, ip) == 0) {
        unmap(ip);
        return 0;
    }
    const char *colon = memchr(s, ':', n);
    if (colon != NULL && port_ok(colon, n - (size_t)(colon - s)) &&
        pton(AF_INET, s, (size_t)(colon - s), ip) == 0)
        return 0;
    return GH_EINVAL;
}

static int ows(char c)
{
    return c == ' ' || c == '\t';
}

/* The client named by X-Forwarded-For: "node, node, ...", read from the
 * right so that what a client wrote before the proxies' entries is never
 * parsed. 0 and *out, or GH_EINVAL. */
static int xff_client(const struct gh_cidrs *t, const char *s, struct gh_ip *out)
{
    size_t end = strlen(s), hops = 0;
    for (;;) {
        size_t start = end;
        while (start > 0 && s[start - 1] != ',')
            start--;
        size_t a = start, b = end;
        while (a < b && ows(s[a]))
            a++;
        while (b > a && ows(s[b - 1]))
            b--;
        if (a < b) { /* empty list elements do not count (RFC 9110 5.6.1) */
            struct gh_ip ip;
            if (++hops > HOPS_MAX || node_parse(s + a, b - a, 1, &ip) < 0)
                return GH_EINVAL;
            *out = ip;
            if (!gh_cidrs_match(t, &ip))
                return 0;
        }
        if (start == 0)
            return hops > 0 ? 0 : GH_EINVAL; /* all trusted: the left-most */
        end = start - 1;
    }
}

/* RFC 7230 3.2.6 tchar */
static int tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* One forwarded-element of Forwarded, as far as the walk needs it. */
struct hop {
    int valid; /* exactly one for= whose value is an address */
    struct gh_ip ip;
};

struct fwd_parser {
    const char *p;
    size_t total; /* elements seen; the last HOPS_MAX are kept */
    struct hop hops[HOPS_MAX];
};

/* A pair value (token or quoted-string, RFC 7239 4) into val (NUL-
 * terminated, truncated: a longer value is no address anyway). */
static int pair_value(struct fwd_parser *f, char *val, size_t vlen)
{
    size_t k = 0;
    if (*f->p != '"') {
        /* lenient: also ':', '[' and ']', which a strict token forbids */
        while (tchar(*f->p) || *f->p == ':' || *f->p == '[' || *f->p == ']') {
            if (k + 1 < vlen)
                val[k++] = *f->p;
            f->p++;
        }
        val[k] = '\0';
        return k > 0 ? 0 : GH_EINVAL;
    }
    for (f->p++; *f->p != '"'; f->p++) {
        if (*f->p == '\\' && f->p[1] != '\0')
            f->p++; /* quoted-pair */
        if (*f->p == '\0' || *f->p == '\r' || *f->p == '\n')
            return GH_EINVAL;
        if (k + 1 < vlen)
            val[k++] = *f->p;
    }
    f->p++;
    val[k] = '\0';
    return 0;
}

/* One element: pairs separated by ';' up to ',' or the end. GH_EINVAL
 * when the header's structure is broken (the rest cannot be read). */
static int fwd_element(struct fwd_parser *f)
{
    struct hop h = {0, {0, {0}}};
    int pairs = 0, fors = 0;
    for (;;) {
        while (ows(*f->p))
            f->p++;
        if (*f->p == ';') {
            f->p++;
            continue;
        }
        if (*f->p == ',' || *f->p == '\0')
            break;
        const char *name = f->p;
        while (tchar(*f->p))
            f->p++;
        size_t nlen = (size_t)(f->p - name);
        char val[GH_ADDR_LEN + 16];
        if (nlen == 0 || *f->p != '=')
            return GH_EINVAL;
        f->p++;
        if (pair_value(f, val, sizeof(val)) < 0)
            return GH_EINVAL;
        pairs++;
        if (nlen == 3 && strncasecmp(name, "for", 3) == 0 && fors++ == 0)
            h.valid = node_parse(val, strlen(val), 0, &h.ip) == 0;
        while (ows(*f->p))
            f->p++;
        if (*f->p != ';' && *f->p != ',' && *f->p != '\0')
            return GH_EINVAL;
    }
    if (pairs > 0) {
        h.valid = h.valid && fors == 1; /* a parameter occurs at most once (RFC 7239 4) */
        f->hops[f->total++ % HOPS_MAX] = h;
    }
    return 0;
}

/* The client named by Forwarded: elements read from the left (quoted
 * strings may hold commas), the last HOPS_MAX kept, walked from the right. */
static int fwd_client(const struct gh_cidrs *t, const char *s, struct gh_ip *out)
{
    struct fwd_parser f = {.p = s, .total = 0};
    for (;;) {
        if (fwd_element(&f) < 0)
            return GH_EINVAL;
        if (*f.p == '\0')
            break;
        f.p++; /* ',' */
    }
    size_t kept = f.total < HOPS_MAX ? f.total : HOPS_MAX;
    for (size_t i = 0; i < kept; i++) {
        const struct hop *h = &f.hops[(f.total - 1 - i) % HOPS_MAX];
        if (!h->valid)
            return GH_EINVAL; /* "unknown", obfuscated or broken: no client to name */
        *out = h->ip;
        if (!gh_cidrs_match(t, &h->ip))
            return 0;
    }
    return kept > 0 && f.total <= HOPS_MAX ? 0 : GH_EINVAL;
}

int gh_client_addr(const struct gh_cidrs *trusted, const char *peer, const char *xff,
                   const char *fwd, char out[GH_ADDR_LEN])
{
    struct gh_ip client, a, b;
    if (gh_ip_parse(peer, strlen(peer), &client) < 0) {
        snprintf(out, GH_ADDR_LEN, "%s", peer);
        return 0;
    }
    int from_header = 0;
    if (trusted != NULL && trusted->n > 0 && (xff != NULL || fwd != NULL) &&
        gh_cidrs_match(trusted, &client)) {
        int ra = xff ? xff_client(trusted, xff, &a) : GH_EINVAL;
        int rb = fwd ? fwd_client(trusted, fwd, &b) : GH_EINVAL;
        if (xff != NULL && fwd != NULL) /* both: believed only when they agree */
            from_header = ra == 0 && rb == 0 && a.v6 == b.v6 && memcmp(a.b, b.b, 16) == 0;
        else
            from_header = (xff ? ra : rb) == 0;
        if (from_header)
            client = xff ? a : b;
    }
    gh_ip_format(&client, out);
    return from_header;
}

void gh_addr_bucket(const char *addr, char out[GH_BUCKET_LEN])
{
    struct gh_ip ip;
    if (gh_ip_parse(addr, strlen(addr), &ip) < 0) {
        snprintf(out, GH_BUCKET_LEN, "%.*s", GH_BUCKET_LEN - 1, addr);
        return;
    }
    if (ip.v6)
        memset(ip.b + 8, 0, 8);
    char text[GH_ADDR_LEN];
    gh_ip_format(&ip, text);
    snprintf(out, GH_BUCKET_LEN, "%s%s", text, ip.v6 ? "/64" : "");
}
