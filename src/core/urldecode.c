/* Form-style percent-decoding; see urldecode.h. */
#include "core/urldecode.h"
#include "core/err.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long gh_url_decode(struct gh_arena *a, const char *s, size_t n, char **out)
{
    char *d = gh_arena_alloc(a, n + 1);
    if (d == NULL)
        return GH_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (n - i < 3)
                return GH_EINVAL;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return GH_EINVAL;
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (c == '\0')
            return GH_EINVAL;
        d[k++] = c;
    }
    d[k] = '\0';
    *out = d;
    return (long)k;
}
