/*
 * Growable byte buffer with a cap (curl's dynbuf). Appends past the cap fail
 * with GH_ENOMEM and leave the buffer as it was. The content is always
 * NUL-terminated so it can be handed to C string APIs.
 */
#ifndef GH_BUF_H
#define GH_BUF_H

#include <stddef.h>

struct gh_buf {
    char *p;    /* owned; NULL until the first append */
    size_t len; /* bytes in use, not counting the NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* most bytes it may ever hold */
};

void gh_buf_init(struct gh_buf *b, size_t max);
/* Frees the memory, wiping it first (buffers often hold secrets). */
void gh_buf_release(struct gh_buf *b);
void gh_buf_reset(struct gh_buf *b);
int gh_buf_append(struct gh_buf *b, const void *p, size_t n);
int gh_buf_puts(struct gh_buf *b, const char *s);
int gh_buf_putc(struct gh_buf *b, char c);
int gh_buf_printf(struct gh_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s[0..n) as a JSON string literal, quotes included. */
int gh_buf_json_str(struct gh_buf *b, const char *s, size_t n);
/* Appends s[0..n) escaped for HTML text and attribute values. */
int gh_buf_html(struct gh_buf *b, const char *s, size_t n);
/* Appends s[0..n) percent-encoded for a URL query component. */
int gh_buf_urlenc(struct gh_buf *b, const char *s, size_t n);
/* Takes ownership of the content (caller frees with free()). */
char *gh_buf_steal(struct gh_buf *b, size_t *len /* OUT, may be NULL */);

#endif
