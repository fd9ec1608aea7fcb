/* HTTP Basic client credentials, RFC 6749 2.3.1: base64 of
 * urlencode(client_id) ":" urlencode(client_secret); and the check that
 * refuses obviously guessable client secrets (RFC 6819 5.1.4.2.2). */
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

/* The rules are deliberately few and loose: a random secret in any usual
 * alphabet (hex, base64, decimal digits) of 32 characters or more passes
 * them with overwhelming probability, and what they refuse has far less
 * entropy than its length suggests. */
/* Pairs of neighbours that lie in runs of at least three consecutive
 * characters ("abc", "987"); a lone consecutive pair is common in random
 * strings and does not count. */
static size_t run_pairs(const char *s, size_t n)
{
    size_t total = 0, cur = 0;
    int dir = 0;
    for (size_t i = 1; i <= n; i++) {
        int d = i < n ? (unsigned char)s[i] - (unsigned char)s[i - 1] : 0;
        if ((d == 1 || d == -1) && d == dir) {
            cur++;
            continue;
        }
        if (cur >= 2)
            total += cur;
        cur = d == 1 || d == -1 ? 1 : 0;
        dir = d;
    }
    return total;
}

const char *gh_secret_weak(const char *s, size_t n)
{
    unsigned char seen[256] = {0};
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        distinct += !seen[(unsigned char)s[i]];
        seen[(unsigned char)s[i]] = 1;
    }
    if (distinct < GH_SECRET_MIN_DISTINCT)
        return "too few different characters";
    if (n > 1 && 2 * run_pairs(s, n) > n - 1)
        return "mostly runs of consecutive characters (abcd..., 4321...)";
    /* a repeated pattern has few different pairs of neighbours */
    size_t pairs = 0;
    for (size_t i = 1; i < n; i++) {
        size_t j = 1;
        while (j < i && (s[j - 1] != s[i - 1] || s[j] != s[i]))
            j++;
        pairs += j == i;
    }
    if (n > 1 && 2 * pairs < n - 1)
        return "a repeated pattern";
    return NULL;
}
