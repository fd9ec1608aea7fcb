/*
 * The relying party ID and origin of an issuer URL. The RP ID (WebAuthn
 * 5.1.2, 4 "RP ID") is a valid domain string: the issuer's host name. An
 * IP address is no domain, so an issuer whose host is one (the URL
 * Standard's IPv6 "[...]" hosts, and IPv4 hosts: any host whose last label
 * is a number, decimal or 0x hex, as the URL Standard's "ends in a number"
 * rule parses it) has no RP ID and passkeys are unavailable. The origin is
 * what a browser puts in clientDataJSON (WebAuthn 5.8.1; the HTML
 * Standard's serialisation of a tuple origin): scheme "://" host, then ":"
 * port unless it is the scheme's default, in lower case.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "webauthn/webauthn.h"
#include "core/err.h"

struct url {
    const char *scheme; /* "http" or "https" */
    char host[GH_WA_RP_ID_MAX];
    unsigned port; /* 0: the scheme's default */
    int ip;        /* the host is an IP address literal */
};

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f');
}

/* The URL Standard's "ends in a number checker": the last label (after
 * one trailing dot) is all digits, or "0x" and hex digits. */
static int ends_in_number(const char *host)
{
    size_t n = strlen(host);
    if (n > 0 && host[n - 1] == '.')
        n--;
    size_t start = n;
    while (start > 0 && host[start - 1] != '.')
        start--;
    const char *l = host + start;
    size_t ln = n - start;
    if (ln == 0)
        return 0;
    size_t i = 0;
    while (i < ln && is_digit(l[i]))
        i++;
    if (i == ln)
        return 1;
    if (ln >= 2 && l[0] == '0' && l[1] == 'x') {
        for (i = 2; i < ln && is_hex(l[i]); i++)
            ;
        return i == ln;
    }
    return 0;
}

/* Host name characters: letters, digits, '-' and '.', lower-cased into
 * out; no empty label, no trailing dot. Internationalised names come as
 * A-labels. */
static int host_name(const char *p, size_t n, char *out, size_t size)
{
    if (n == 0 || n >= size)
        return GH_WA_EINVAL;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (!(is_hex(c) || (c >= 'g' && c <= 'z') || c == '-' || c == '.'))
            return GH_WA_EINVAL;
        if (c == '.' && (i == 0 || p[i - 1] == '.'))
            return GH_WA_EINVAL;
        out[i] = c;
    }
    if (out[n - 1] == '.')
        return GH_WA_EINVAL;
    out[n] = '\0';
    return 0;
}

static int parse_port(const char *p, size_t n, unsigned *port)
{
    unsigned v = 0;
    *port = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(p[i]))
            return GH_WA_EINVAL;
        v = v * 10 + (unsigned)(p[i] - '0');
        if (v > 65535)
            return GH_WA_EINVAL;
    }
    *port = v;
    return 0;
}

static int parse(const char *issuer, struct url *u)
{
    memset(u, 0, sizeof(*u));
    if (issuer == NULL)
        return GH_WA_EINVAL;
    const char *rest;
    if (strncasecmp(issuer, "https://", 8) == 0) {
        u->scheme = "https";
        rest = issuer + 8;
    } else if (strncasecmp(issuer, "http://", 7) == 0) {
        u->scheme = "http";
        rest = issuer + 7;
    } else {
        return GH_WA_EINVAL;
    }
    size_t auth = strcspn(rest, "/?#");
    if (memchr(rest, '@', auth) != NULL)
        return GH_WA_EINVAL; /* user information has no place in an issuer */
    const char *colon = NULL;
    if (auth > 0 && rest[0] == '[') {
        const char *close = memchr(rest, ']', auth);
        if (close == NULL)
            return GH_WA_EINVAL;
        u->ip = 1;
        colon = close + 1 < rest + auth ? close + 1 : NULL;
        if (colon != NULL && *colon != ':')
            return GH_WA_EINVAL;
        size_t hn = (size_t)(close + 1 - rest);
        if (hn >= sizeof(u->host))
            return GH_WA_EINVAL;
        memcpy(u->host, rest, hn);
        u->host[hn] = '\0';
    } else {
        colon = memchr(rest, ':', auth);
        size_t hn = colon ? (size_t)(colon - rest) : auth;
        if (host_name(rest, hn, u->host, sizeof(u->host)) < 0)
            return GH_WA_EINVAL;
        u->ip = ends_in_number(u->host);
    }
    if (colon != NULL && parse_port(colon + 1, (size_t)(rest + auth - colon - 1), &u->port) < 0)
        return GH_WA_EINVAL;
    unsigned dflt = strcmp(u->scheme, "https") == 0 ? 443 : 80;
    if (u->port == dflt)
        u->port = 0;
    return 0;
}

int gh_webauthn_rp_id(const char *issuer, char *out, size_t size)
{
    struct url u;
    int rc = parse(issuer, &u);
    if (rc < 0)
        return rc;
    if (u.ip)
        return GH_WA_ENORPID;
    int n = snprintf(out, size, "%s", u.host);
    return n < 0 || (size_t)n >= size ? GH_WA_EINVAL : 0;
}

int gh_webauthn_origin(const char *issuer, char *out, size_t size)
{
    struct url u;
    int rc = parse(issuer, &u);
    if (rc < 0)
        return rc;
    int n = u.port ? snprintf(out, size, "%s://%s:%u", u.scheme, u.host, u.port)
                   : snprintf(out, size, "%s://%s", u.scheme, u.host);
    return n < 0 || (size_t)n >= size ? GH_WA_EINVAL : 0;
}

int gh_webauthn_possible(const char *issuer)
{
    char rp_id[GH_WA_RP_ID_MAX], origin[GH_WA_ORIGIN_MAX];
    return gh_webauthn_rp_id(issuer, rp_id, sizeof(rp_id)) == 0 &&
           gh_webauthn_origin(issuer, origin, sizeof(origin)) == 0;
}
