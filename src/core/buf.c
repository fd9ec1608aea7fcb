/* Capped growable buffer with JSON, HTML and URL escaping helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "alloc.h"
#include "buf.h"
#include "err.h"

void gh_buf_init(struct gh_buf *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void gh_buf_release(struct gh_buf *b)
{
    if (b->p != NULL) {
        OPENSSL_cleanse(b->p, b->cap);
        free(b->p);
    }
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

void gh_buf_reset(struct gh_buf *b)
{
    b->len = 0;
    if (b->p != NULL)
        b->p[0] = '\0';
}

static int reserve(struct gh_buf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return GH_ENOMEM;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = gh_alloc_fail_now() ? NULL : realloc(b->p, cap);
    if (p == NULL)
        return GH_ENOMEM;
    b->p = p;
    b->cap = cap;
    return 0;
}

int gh_buf_append(struct gh_buf *b, const void *p, size_t n)
{
    int rc = reserve(b, n);
    if (rc < 0)
        return rc;
    if (n > 0)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int gh_buf_puts(struct gh_buf *b, const char *s)
{
    return gh_buf_append(b, s, strlen(s));
}

int gh_buf_putc(struct gh_buf *b, char c)
{
    return gh_buf_append(b, &c, 1);
}

int gh_buf_printf(struct gh_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return GH_EINVAL;
    int rc = reserve(b, (size_t)n);
    if (rc < 0)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int gh_buf_json_str(struct gh_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    int rc = gh_buf_putc(b, '"');
    size_t run = 0; /* start of the pending run of plain bytes */
    for (size_t i = 0; i < n && rc == 0; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rc = gh_buf_append(b, s + run, i - run);
        run = i + 1;
        if (rc < 0)
            break;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            rc = gh_buf_append(b, esc, 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            rc = gh_buf_append(b, esc, 6);
        }
    }
    if (rc == 0)
        rc = gh_buf_append(b, s + run, n - run);
    if (rc == 0)
        rc = gh_buf_putc(b, '"');
    return rc;
}

int gh_buf_html(struct gh_buf *b, const char *s, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        switch (s[i]) {
        case '&':
            rc = gh_buf_puts(b, "&amp;");
            break;
        case '<':
            rc = gh_buf_puts(b, "&lt;");
            break;
        case '>':
            rc = gh_buf_puts(b, "&gt;");
            break;
        case '"':
            rc = gh_buf_puts(b, "&quot;");
            break;
        case '\'':
            rc = gh_buf_puts(b, "&#39;");
            break;
        default:
            rc = gh_buf_putc(b, s[i]);
        }
    }
    return rc;
}

int gh_buf_urlenc(struct gh_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            rc = gh_buf_putc(b, (char)c);
        } else {
            char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = gh_buf_append(b, enc, 3);
        }
    }
    return rc;
}

char *gh_buf_steal(struct gh_buf *b, size_t *len)
{
    if (b->p == NULL && gh_buf_append(b, "", 0) < 0)
        return NULL;
    char *p = b->p;
    if (len != NULL)
        *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}
