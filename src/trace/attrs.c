/* Review facts of a step as "key=value" pairs; see attrs.h. */
#include <string.h>

#include "core/err.h"
#include "trace/attrs.h"

int gh_attrs_set(char *attrs, size_t cap, const char *key, const char *value)
{
    if (value == NULL || value[0] == '\0' || cap == 0)
        return 0;
    size_t len = strnlen(attrs, cap), k = strlen(key), v = strlen(value);
    size_t need = (len > 0) + k + 1 + v;
    if (len >= cap || need >= cap - len) {
        if (strcmp(key, "cut") != 0)
            gh_attrs_set(attrs, cap, "cut", "1");
        return GH_ENOMEM;
    }
    char *p = attrs + len;
    if (len > 0)
        *p++ = ' ';
    memcpy(p, key, k);
    p += k;
    *p++ = '=';
    for (size_t i = 0; i < v; i++) {
        unsigned char c = (unsigned char)value[i];
        *p++ = c > ' ' && c < 0x7f && c != '=' ? (char)c : '_';
    }
    *p = '\0';
    return 0;
}

/* The start of key's value in attrs, or NULL; *n its length. */
static const char *find(const char *attrs, size_t cap, const char *key, size_t *n)
{
    size_t len = strnlen(attrs, cap), k = strlen(key);
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && attrs[end] != ' ')
            end++;
        if (end - i > k && memcmp(attrs + i, key, k) == 0 && attrs[i + k] == '=') {
            *n = end - i - k - 1;
            return attrs + i + k + 1;
        }
        i = end + 1;
    }
    return NULL;
}

int gh_attrs_get(const char *attrs, size_t cap, const char *key, char *out, size_t outlen)
{
    size_t n = 0;
    const char *v = find(attrs, cap, key, &n);
    if (outlen > 0)
        out[0] = '\0';
    if (v == NULL || outlen == 0)
        return 0;
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, v, n);
    out[n] = '\0';
    return 1;
}

int gh_attrs_has(const char *attrs, size_t cap, const char *key)
{
    size_t n;
    return find(attrs, cap, key, &n) != NULL;
}
