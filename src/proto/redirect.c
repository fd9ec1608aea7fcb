/*
 * Redirect-URI rules: exact string match (RFC 6749 3.1.2.3, RFC 9700 4.1.3)
 * with the one exception of RFC 8252 7.3 — for http loopback IP literals
 * the port may differ. Origins for CORS come from the registered URIs.
 */
#include <stdio.h>
#include <string.h>

#include "proto/proto.h"
#include "core/err.h"

/* Splits an http URI at the port: prefix "http://HOST", port digits, rest. */
static int loopback_parts(const char *u, size_t *host_end, size_t *rest)
{
    const char *hosts[] = {"http://127.0.0.1", "http://[::1]"};
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(hosts[i]);
        if (strncmp(u, hosts[i], n) != 0)
            continue;
        size_t k = n;
        if (u[k] == ':') {
            k++;
            size_t digits = 0;
            while (u[k] >= '0' && u[k] <= '9') {
                k++;
                digits++;
            }
            if (digits == 0 || digits > 5)
                return 0;
        }
        if (u[k] != '\0' && u[k] != '/' && u[k] != '?')
            return 0;
        *host_end = n;
        *rest = k;
        return 1;
    }
    return 0;
}

int gh_redirect_match(const char *registered, const char *uri)
{
    if (strcmp(registered, uri) == 0)
        return 1;
    size_t rh, rr, uh, ur;
    if (!loopback_parts(registered, &rh, &rr) || !loopback_parts(uri, &uh, &ur))
        return 0;
    /* same scheme+host, any port, identical path and query */
    return rh == uh && strncmp(registered, uri, rh) == 0 && strcmp(registered + rr, uri + ur) == 0;
}

int gh_redirect_valid(const char *uri, int allow_http)
{
    size_t n = strlen(uri);
    if (n == 0 || n >= 512 || strchr(uri, '#') != NULL)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)uri[i] <= 0x20 || (unsigned char)uri[i] >= 0x7f)
            return 0;
    const char *colon = strchr(uri, ':');
    if (colon == NULL || colon == uri)
        return 0;
    if (strncmp(uri, "https://", 8) == 0 || strncmp(uri, "http://", 7) == 0) {
        const char *host = strstr(uri, "://") + 3;
        size_t hl = strcspn(host, "/?");
        if (hl == 0 || memchr(host, '@', hl) != NULL)
            return 0;
        size_t a, b;
        /* the host must be "localhost" itself, not a name that starts with
         * it ("localhost.example.com"; fuzz_redirect asserts this) */
        int localhost = strncmp(host, "localhost", 9) == 0 && (hl == 9 || host[9] == ':');
        if (uri[4] == ':' && !allow_http && !loopback_parts(uri, &a, &b) && !localhost)
            return 0;
        return 1;
    }
    /* private-use URI scheme (RFC 8252 7.1): scheme must contain a '.' */
    for (const char *p = uri; p < colon; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
              *p == '+'))
            return 0;
    return memchr(uri, '.', (size_t)(colon - uri)) != NULL;
}

int gh_uri_origin(const char *uri, char *out, size_t outlen)
{
    const char *sep = strstr(uri, "://");
    if (sep == NULL || !(strncmp(uri, "http://", 7) == 0 || strncmp(uri, "https://", 8) == 0))
        return GH_EINVAL;
    size_t hl = strcspn(sep + 3, "/?#");
    size_t n = (size_t)(sep + 3 - uri) + hl;
    if (hl == 0 || n >= outlen)
        return GH_EINVAL;
    memcpy(out, uri, n);
    out[n] = '\0';
    return 0;
}
