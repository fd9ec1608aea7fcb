/* HTTP Basic client credentials, RFC 6749 2.3.1: base64 of
 * urlencode(client_id) ":" urlencode(client_secret). */
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "core/urldecode.h"
#include "proto/proto.h"
#include "core/err.h"

/* RFC 6749 2.3.1: each part is form-urlencoded, so a bare '&' is invalid */
static int url_decode(struct gh_arena *a, const char *s, size_t n, char **out)
{
    if (memchr(s, '&', n) != NULL)
        return GH_EINVAL;
    return gh_url_decode(a, s, n, out) < 0 ? GH_EINVAL : 0;
}

int gh_basic_parse(struct gh_arena *a, const char *header, char **id, char **secret)
{
    if (strncasecmp(header, "Basic ", 6) != 0)
        return GH_EINVAL;
    const char *b64 = header + 6;
    while (*b64 == ' ')
        b64++;
    size_t n = strlen(b64);
    if (n == 0 || n > 2048 || n % 4 != 0)
        return GH_EINVAL;
    unsigned char *raw = gh_arena_alloc(a, n);
    if (raw == NULL)
        return GH_ENOMEM;
    int len = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
    if (len < 0)
        return GH_EINVAL;
    /* EVP_DecodeBlock counts padding bytes as zeros: remove them */
    if (n >= 1 && b64[n - 1] == '=')
        len--;
    if (n >= 2 && b64[n - 2] == '=')
        len--;
    const char *colon = memchr(raw, ':', (size_t)len);
    if (colon == NULL || memchr(raw, '\0', (size_t)len) != NULL)
        return GH_EINVAL;
    size_t idn = (size_t)(colon - (const char *)raw);
    if (url_decode(a, (const char *)raw, idn, id) < 0 ||
        url_decode(a, colon + 1, (size_t)len - idn - 1, secret) < 0)
        return GH_EINVAL;
    return 0;
}
