/* Unit tests for client addresses behind trusted proxies (addr.c): CIDR
 * parsing and matching, X-Forwarded-For and Forwarded (RFC 7239 examples)
 * and the IPv6 /64 throttling bucket. */
#include <string.h>

#include "core/test.h"
#include "http/addr.h"

GH_TEST(addr_cidr_parse)
{
    static const struct {
        const char *text;
        int ok;
        const char *net;
        unsigned bits;
    } cases[] = {
        {"10.0.0.0/8", 1, "10.0.0.0", 8},
        {"10.1.2.3/8", 1, "10.0.0.0", 8}, /* host bits cleared */
        {"192.0.2.7", 1, "192.0.2.7", 32},
        {"0.0.0.0/0", 1, "0.0.0.0", 0},
        {"2001:db8::/32", 1, "2001:db8::", 32},
        {"2001:db8:1:2:3:4:5:6/64", 1, "2001:db8:1:2::", 64},
        {"::1", 1, "::1", 128},
        {"::ffff:10.0.0.0/104", 1, "10.0.0.0", 8},
        {"10.0.0.0/33", 0, NULL, 0},
        {"2001:db8::/129", 0, NULL, 0},
        {"10.0.0.0/", 0, NULL, 0},
        {"10.0.0.0/8x", 0, NULL, 0},
        {"10.0.0.0/-1", 0, NULL, 0},
        {"10.0.0.0/0008", 0, NULL, 0},
        {"10.0.0", 0, NULL, 0},
        {"example.com", 0, NULL, 0},
        {"[::1]", 0, NULL, 0},
        {"fe80::1%eth0", 0, NULL, 0},
        {"", 0, NULL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct gh_cidr c;
        int rc = gh_cidr_parse(cases[i].text, strlen(cases[i].text), &c);
        if ((rc == 0) != cases[i].ok)
            GH_FAIL_("gh_cidr_parse('%s') = %d", cases[i].text, rc);
        if (!cases[i].ok)
            continue;
        char net[GH_ADDR_LEN];
        gh_ip_format(&c.ip, net);
        ASSERT_STR_EQ(net, cases[i].net);
        ASSERT_INT_EQ(c.bits, cases[i].bits);
    }
}

GH_TEST(addr_cidr_list)
{
    struct gh_cidrs l;
    char err[128] = "";
    ASSERT_INT_EQ(gh_cidrs_parse("", &l, err, sizeof(err)), 0);
    ASSERT_INT_EQ(l.n, 0);
    ASSERT_INT_EQ(gh_cidrs_parse("10.0.0.0/8, 192.168.0.0/16 ,::1", &l, err, sizeof(err)), 0);
    ASSERT_INT_EQ(l.n, 3);
    ASSERT_TRUE(gh_cidrs_parse("10.0.0.0/8,,::1", &l, err, sizeof(err)) < 0);
    ASSERT_TRUE(gh_cidrs_parse("10.0.0.0/8,bogus", &l, err, sizeof(err)) < 0);
    ASSERT_TRUE(strstr(err, "'bogus'") != NULL);
    ASSERT_TRUE(gh_cidrs_parse("10.0.0.0/8,", &l, err, sizeof(err)) < 0);
    char many[1024] = "";
    for (int i = 0; i < GH_CIDR_MAX + 1; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s10.0.0.%d", i ? "," : "", i);
    ASSERT_TRUE(gh_cidrs_parse(many, &l, err, sizeof(err)) < 0);
}

GH_TEST(addr_cidr_match)
{
    struct gh_cidrs l;
    char err[128];
    ASSERT_INT_EQ(gh_cidrs_parse("10.0.0.0/8,2001:db8:1::/48,192.0.2.1", &l, err, sizeof(err)), 0);
    static const struct {
        const char *ip;
        int in;
    } cases[] = {
        {"10.0.0.1", 1},           {"10.255.255.255", 1}, {"11.0.0.1", 0},
        {"::ffff:10.1.1.1", 1},    {"192.0.2.1", 1},      {"192.0.2.2", 0},
        {"2001:db8:1:ffff::1", 1}, {"2001:db8:2::1", 0},  {"::a00:1", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct gh_ip ip;
        ASSERT_INT_EQ(gh_ip_parse(cases[i].ip, strlen(cases[i].ip), &ip), 0);
        if (gh_cidrs_match(&l, &ip) != cases[i].in)
            GH_FAIL_("match('%s') != %d", cases[i].ip, cases[i].in);
    }
}

/* Trusted: loopback and 10.0.0.0/8 (the proxies). */
static const char *client(const char *peer, const char *xff, const char *fwd)
{
    static char out[GH_ADDR_LEN];
    struct gh_cidrs t;
    char err[64];
    if (gh_cidrs_parse("127.0.0.1,::1,10.0.0.0/8", &t, err, sizeof(err)) < 0)
        return "(bad list)";
    gh_client_addr(&t, peer, xff, fwd, out);
    return out;
}

GH_TEST(addr_x_forwarded_for)
{
    static const struct {
        const char *peer, *xff, *want;
    } cases[] = {
        /* untrusted peer: the header is ignored */
        {"198.51.100.7", "203.0.113.5", "198.51.100.7"},
        /* trusted peer: the right-most address that is no proxy */
        {"127.0.0.1", "203.0.113.5", "203.0.113.5"},
        {"127.0.0.1", "1.2.3.4, 203.0.113.5", "203.0.113.5"},
        {"127.0.0.1", "1.2.3.4, 203.0.113.5, 10.1.1.1", "203.0.113.5"},
        {"127.0.0.1", "1.2.3.4,203.0.113.5,10.1.1.1,10.2.2.2", "203.0.113.5"},
        /* what a client wrote left of its address is never read */
        {"127.0.0.1", "garbage, <script>, 203.0.113.5", "203.0.113.5"},
        {"127.0.0.1", "\"unknown\",203.0.113.5", "203.0.113.5"},
        /* every hop a proxy: the left-most */
        {"127.0.0.1", "10.9.9.9, 10.1.1.1", "10.9.9.9"},
        /* ports and brackets */
        {"127.0.0.1", "203.0.113.5:4711", "203.0.113.5"},
        {"127.0.0.1", "2001:db8::17", "2001:db8::17"},
        {"127.0.0.1", "[2001:db8::17]", "2001:db8::17"},
        {"127.0.0.1", "[2001:db8::17]:4711", "2001:db8::17"},
        {"127.0.0.1", "::ffff:203.0.113.5", "203.0.113.5"},
        {"::1", "2001:DB8:0:0::17", "2001:db8::17"},
        {"::ffff:127.0.0.1", "203.0.113.5", "203.0.113.5"},
        {"127.0.0.1", " 203.0.113.5 ,, ", "203.0.113.5"},
        /* malformed where the walk needs it: the peer */
        {"127.0.0.1", "203.0.113.5, unknown", "127.0.0.1"},
        {"127.0.0.1", "", "127.0.0.1"},
        {"127.0.0.1", " , ", "127.0.0.1"},
        {"127.0.0.1", "example.com", "127.0.0.1"},
        {"127.0.0.1", "203.0.113.5:", "127.0.0.1"},
        {"127.0.0.1", "203.0.113.5:123456", "127.0.0.1"},
        {"127.0.0.1", "[2001:db8::17", "127.0.0.1"},
        {"127.0.0.1", "[203.0.113.5]", "127.0.0.1"},
        {"127.0.0.1", "[2001:db8::17]x", "127.0.0.1"},
        {"127.0.0.1", "203.0.113.5/24", "127.0.0.1"},
        {"127.0.0.1", "fe80::1%eth0", "127.0.0.1"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = client(cases[i].peer, cases[i].xff, NULL);
        if (strcmp(got, cases[i].want) != 0)
            GH_FAIL_("peer %s, X-Forwarded-For '%s': '%s', want '%s'", cases[i].peer, cases[i].xff,
                     got, cases[i].want);
    }
}

GH_TEST(addr_forwarded_rfc7239)
{
    static const struct {
        const char *fwd, *want;
    } cases[] = {
        /* RFC 7239 section 4 and 7.1 examples */
        {"for=\"_gazonk\"", "127.0.0.1"},
        {"For=\"[2001:db8:cafe::17]:4711\"", "2001:db8:cafe::17"},
        {"for=192.0.2.60;proto=http;by=203.0.113.43", "192.0.2.60"},
        {"for=192.0.2.43, for=198.51.100.17", "198.51.100.17"},
        {"for=192.0.2.43,for=\"[2001:db8:cafe::17]\",for=unknown", "127.0.0.1"},
        {"for=192.0.2.43, for=\"[2001:db8:cafe::17]\"", "2001:db8:cafe::17"},
        {"for=\"192.0.2.43:47011\"", "192.0.2.43"},
        {"for=\"192.0.2.43:_foo\"", "192.0.2.43"},
        /* proxies skipped from the right; commas inside quotes are no separators */
        {"for=198.51.100.17;by=\"a,b\", for=10.1.1.1", "198.51.100.17"},
        {"for=\"x\\\"y\", for=198.51.100.17", "198.51.100.17"},
        {"for=unknown, for=198.51.100.17", "198.51.100.17"},
        {"proto=https;for=198.51.100.17 ; host=example.com", "198.51.100.17"},
        {";for=198.51.100.17;", "198.51.100.17"},
        {"for=198.51.100.17,, ,", "198.51.100.17"},
        {"for=10.1.1.1", "10.1.1.1"},
        /* broken: the peer */
        {"for=2001:db8::17", "127.0.0.1"}, /* IPv6 must be in brackets */
        {"for=198.51.100.17;for=198.51.100.18", "127.0.0.1"},
        {"for=\"198.51.100.17", "127.0.0.1"},
        {"for=198.51.100.17 x", "127.0.0.1"},
        {"for =198.51.100.17", "127.0.0.1"},
        {"for=", "127.0.0.1"},
        {"=198.51.100.17", "127.0.0.1"},
        {"proto=http", "127.0.0.1"},
        {"for=198.51.100.17, by=10.1.1.1", "127.0.0.1"},
        {"for=\"[2001:db8::17]:123456\"", "127.0.0.1"},
        {"", "127.0.0.1"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = client("127.0.0.1", NULL, cases[i].fwd);
        if (strcmp(got, cases[i].want) != 0)
            GH_FAIL_("Forwarded '%s': '%s', want '%s'", cases[i].fwd, got, cases[i].want);
    }
    /* from an untrusted peer it is ignored */
    ASSERT_STR_EQ(client("198.51.100.9", NULL, "for=203.0.113.5"), "198.51.100.9");
}

GH_TEST(addr_both_headers_must_agree)
{
    ASSERT_STR_EQ(client("127.0.0.1", "203.0.113.5", "for=203.0.113.5"), "203.0.113.5");
    ASSERT_STR_EQ(client("127.0.0.1", "203.0.113.5", "for=\"[::ffff:203.0.113.5]\""),
                  "203.0.113.5");
    ASSERT_STR_EQ(client("127.0.0.1", "203.0.113.5", "for=203.0.113.6"), "127.0.0.1");
    ASSERT_STR_EQ(client("127.0.0.1", "203.0.113.5", "for=unknown"), "127.0.0.1");
    ASSERT_STR_EQ(client("127.0.0.1", "nonsense", "for=203.0.113.5"), "127.0.0.1");
}

GH_TEST(addr_no_trusted_proxies)
{
    char out[GH_ADDR_LEN];
    struct gh_cidrs none = {.n = 0};
    ASSERT_INT_EQ(gh_client_addr(NULL, "127.0.0.1", "203.0.113.5", NULL, out), 0);
    ASSERT_STR_EQ(out, "127.0.0.1");
    ASSERT_INT_EQ(gh_client_addr(&none, "127.0.0.1", NULL, "for=203.0.113.5", out), 0);
    ASSERT_STR_EQ(out, "127.0.0.1");
    /* the peer in canonical form */
    ASSERT_INT_EQ(gh_client_addr(NULL, "::ffff:192.0.2.1", NULL, NULL, out), 0);
    ASSERT_STR_EQ(out, "192.0.2.1");
}

GH_TEST(addr_too_many_hops)
{
    char xff[2048] = "203.0.113.5", fwd[2048] = "for=203.0.113.5";
    for (int i = 0; i < 63; i++) {
        snprintf(xff + strlen(xff), sizeof(xff) - strlen(xff), ",10.0.0.%d", i);
        snprintf(fwd + strlen(fwd), sizeof(fwd) - strlen(fwd), ",for=10.0.0.%d", i);
    }
    ASSERT_STR_EQ(client("127.0.0.1", xff, NULL), "203.0.113.5");
    ASSERT_STR_EQ(client("127.0.0.1", NULL, fwd), "203.0.113.5");
    snprintf(xff + strlen(xff), sizeof(xff) - strlen(xff), ",10.0.0.99");
    snprintf(fwd + strlen(fwd), sizeof(fwd) - strlen(fwd), ",for=10.0.0.99");
    ASSERT_STR_EQ(client("127.0.0.1", xff, NULL), "127.0.0.1");
    ASSERT_STR_EQ(client("127.0.0.1", NULL, fwd), "127.0.0.1");
    /* many hops left of the client are never reached */
    char long_xff[4096] = "";
    for (int i = 0; i < 200; i++)
        snprintf(long_xff + strlen(long_xff), sizeof(long_xff) - strlen(long_xff), "1.1.1.%d,",
                 i % 250);
    snprintf(long_xff + strlen(long_xff), sizeof(long_xff) - strlen(long_xff), "203.0.113.5");
    ASSERT_STR_EQ(client("127.0.0.1", long_xff, NULL), "203.0.113.5");
}

GH_TEST(addr_bucket_ipv6_per_64)
{
    static const struct {
        const char *addr, *bucket;
    } cases[] = {
        {"203.0.113.5", "203.0.113.5"},
        {"2001:db8:1:2::1", "2001:db8:1:2::/64"},
        {"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
        {"2001:db8:1:3::1", "2001:db8:1:3::/64"},
        {"::1", "::/64"},
        {"::ffff:203.0.113.5", "203.0.113.5"},
        {"", ""},
        {"not an address", "not an address"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char b[GH_BUCKET_LEN];
        gh_addr_bucket(cases[i].addr, b);
        ASSERT_STR_EQ(b, cases[i].bucket);
    }
}
