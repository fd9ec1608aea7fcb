/*
 * Streaming HAR reader (har.h): a push parser for JSON (RFC 8259) that
 * keeps only a stack of open containers and the bytes of the current
 * element of log.entries. Every byte of the document is checked against the
 * grammar; the entries themselves are handed on as text for jansson, which
 * also checks their UTF-8 and escapes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "trace/har.h"

enum state {
    S_VALUE,        /* a value must come */
    S_VALUE_OR_END, /* after '[' */
    S_KEY_OR_END,   /* after '{' */
    S_KEY,          /* after ',' in an object */
    S_COLON,        /* after a key */
    S_COMMA_OR_END, /* after a value inside a container */
    S_STRING,       /* inside a string */
    S_NUMBER,       /* inside a number */
    S_LITERAL,      /* inside true, false or null */
    S_DONE,         /* after the top-level value */
};

enum num { N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_E, N_ESIGN, N_EXP };

struct gh_har_reader {
    gh_har_entry_fn fn;
    void *arg;
    enum state st;
    int rc;
    char err[160];
    size_t line, col;
    /* containers: 'o' or 'a' */
    char stack[GH_HAR_DEPTH_MAX];
    size_t depth;
    /* strings */
    int is_key;
    int esc; /* 0; 1 after '\'; 2..5 reading \u hex digits */
    char key[16];
    size_t key_len;
    /* numbers and literals */
    enum num num;
    const char *lit;
    size_t lit_pos;
    /* where log.entries is */
    int key_log, key_entries;        /* the last key at depth 1 was "log", at depth 2 "entries" */
    size_t log_depth, entries_depth; /* 0: not open */
    int seen_entries;
    /* the entry being captured */
    int capturing, oversize;
    size_t entry_depth; /* depth the entry value started at */
    struct gh_buf entry;
    size_t str_len;
    int str_cut;
    size_t entries, skipped;
    int bom;
};

int gh_har_reader_new(gh_har_entry_fn fn, void *arg, struct gh_har_reader **out)
{
    struct gh_har_reader *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return GH_ENOMEM;
    r->fn = fn;
    r->arg = arg;
    r->line = 1;
    r->st = S_VALUE;
    gh_buf_init(&r->entry, GH_HAR_ENTRY_MAX);
    *out = r;
    return 0;
}

void gh_har_reader_free(struct gh_har_reader *r)
{
    if (r == NULL)
        return;
    gh_buf_release(&r->entry);
    free(r);
}

const char *gh_har_error(const struct gh_har_reader *r)
{
    return r->err;
}

size_t gh_har_skipped(const struct gh_har_reader *r)
{
    return r->skipped;
}

size_t gh_har_entries(const struct gh_har_reader *r)
{
    return r->entries;
}

static int fail(struct gh_har_reader *r, const char *what)
{
    snprintf(r->err, sizeof(r->err), "line %zu column %zu: %s", r->line, r->col, what);
    r->rc = GH_EINVAL;
    return r->rc;
}

static void keep(struct gh_har_reader *r, const char *p, size_t n)
{
    if (r->capturing && !r->oversize && gh_buf_append(&r->entry, p, n) < 0)
        r->oversize = 1;
}

/* A value begins at the current depth: is it an element of log.entries? */
static void value_starts(struct gh_har_reader *r)
{
    if (!r->capturing && r->entries_depth > 0 && r->depth == r->entries_depth) {
        r->capturing = 1;
        r->oversize = 0;
        r->entry_depth = r->depth;
        gh_buf_reset(&r->entry);
    }
}

/* A value ended (the last byte is already kept). */
static int value_ends(struct gh_har_reader *r)
{
    r->st = r->depth == 0 ? S_DONE : S_COMMA_OR_END;
    if (!r->capturing || r->depth != r->entry_depth)
        return 0;
    r->capturing = 0;
    size_t index = r->entries++;
    if (r->oversize) {
        r->skipped++;
        return 0;
    }
    int rc = r->fn(r->arg, index, r->entry.p ? r->entry.p : "", r->entry.len);
    gh_buf_reset(&r->entry);
    if (rc < 0)
        r->rc = rc;
    return rc;
}

static int open_container(struct gh_har_reader *r, char c)
{
    if (r->depth >= GH_HAR_DEPTH_MAX)
        return fail(r, "nested too deeply");
    value_starts(r);
    keep(r, &c, 1);
    /* the value of "log" in the top object, "entries" in the log object */
    if (c == '{' && r->depth == 1 && r->key_log && r->log_depth == 0)
        r->log_depth = 2;
    if (c == '[' && r->depth == 2 && r->log_depth == 2 && r->key_entries && r->entries_depth == 0) {
        r->entries_depth = 3;
        r->seen_entries = 1;
    }
    if (r->depth == 0 && c != '{')
        return fail(r, "a HAR file is a JSON object");
    r->stack[r->depth++] = c == '{' ? 'o' : 'a';
    r->st = c == '{' ? S_KEY_OR_END : S_VALUE_OR_END;
    return 0;
}

static int close_container(struct gh_har_reader *r, char c)
{
    if (r->depth == 0 || r->stack[r->depth - 1] != (c == '}' ? 'o' : 'a'))
        return fail(r, c == '}' ? "unexpected '}'" : "unexpected ']'");
    keep(r, &c, 1);
    if (r->entries_depth == r->depth)
        r->entries_depth = 0;
    if (r->log_depth == r->depth)
        r->log_depth = 0;
    r->depth--;
    return value_ends(r);
}

/* The key just read: is it "log" at depth 1 or "entries" in the log object? */
static void key_done(struct gh_har_reader *r)
{
    int is = r->key_len < sizeof(r->key);
    if (r->depth == 1)
        r->key_log = is && r->key_len == 3 && memcmp(r->key, "log", 3) == 0;
    if (r->depth == 2 && r->log_depth == 2)
        r->key_entries = is && r->key_len == 7 && memcmp(r->key, "entries", 7) == 0;
}

/* Cuts the current string here. What would leave the entry invalid goes
 * too: a UTF-8 sequence left incomplete (it may have been split between
 * two reads), or a lone high surrogate escape. */
static void cut_string(struct gh_har_reader *r)
{
    struct gh_buf *b = &r->entry;
    r->str_cut = 1;
    if (!r->capturing || r->oversize || b->len == 0)
        return;
    size_t lead = b->len, back = 0;
    while (lead > 0 && back < 4 && ((unsigned char)b->p[lead - 1] & 0xc0) == 0x80)
        lead--, back++;
    if (lead > 0 && (unsigned char)b->p[lead - 1] >= 0xc0) {
        unsigned char c = (unsigned char)b->p[lead - 1];
        size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (b->len - (lead - 1) < want)
            b->len = lead - 1;
    }
    if (b->len >= 6) {
        const char *t = b->p + b->len - 6;
        size_t slashes = 0; /* "\\uD800" is a backslash and text, not an escape */
        while (t - slashes > b->p && t[-1 - (long)slashes] == '\\')
            slashes++;
        if (t[0] == '\\' && slashes % 2 == 0 && t[1] == 'u' && (t[2] == 'd' || t[2] == 'D') &&
            strchr("89abAB", t[3]) != NULL)
            b->len -= 6;
    }
    b->p[b->len] = '\0';
}

/* String content bytes p[0..n) with no quote, backslash or control byte. */
static void string_run(struct gh_har_reader *r, const char *p, size_t n)
{
    if (r->is_key) {
        for (size_t i = 0; i < n; i++)
            if (r->key_len++ < sizeof(r->key))
                r->key[r->key_len - 1] = p[i];
    }
    if (!r->capturing || r->str_cut)
        return;
    size_t room = r->str_len < GH_HAR_STRING_MAX ? GH_HAR_STRING_MAX - r->str_len : 0;
    if (n > room) {
        /* cut before a UTF-8 lead byte or an ASCII byte, never inside a character */
        size_t k = room;
        while (k > 0 && ((unsigned char)p[k] & 0xc0) == 0x80)
            k--;
        keep(r, p, k);
        r->str_len += k;
        cut_string(r);
        return;
    }
    keep(r, p, n);
    r->str_len += n;
}

/* One byte inside a string that is not plain content. */
static int string_byte(struct gh_har_reader *r, char c)
{
    unsigned char u = (unsigned char)c;
    int take = r->capturing && !r->str_cut;
    if (r->esc == 1) {
        if (strchr("\"\\/bfnrtu", c) == NULL || c == '\0')
            return fail(r, "bad escape in a string");
        r->esc = c == 'u' ? 2 : 0;
    } else if (r->esc >= 2) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return fail(r, "bad \\u escape in a string");
        r->esc = r->esc == 5 ? 0 : r->esc + 1;
    } else if (c == '\\') {
        if (take && r->str_len >= GH_HAR_STRING_MAX) {
            cut_string(r);
            take = 0;
        }
        r->esc = 1;
    } else if (c == '"') {
        keep(r, &c, 1);
        if (r->is_key) {
            key_done(r);
            r->st = S_COLON;
            return 0;
        }
        return value_ends(r);
    } else if (u < 0x20) {
        return fail(r, "control character in a string");
    }
    if (take) {
        keep(r, &c, 1);
        r->str_len++;
    }
    return 0;
}

static int number_byte(struct gh_har_reader *r, char c, int *done)
{
    int digit = c >= '0' && c <= '9';
    *done = 0;
    switch (r->num) {
    case N_MINUS:
        if (!digit)
            return fail(r, "bad number");
        r->num = c == '0' ? N_ZERO : N_INT;
        break;
    case N_ZERO:
    case N_INT:
        if (digit && r->num == N_INT)
            break;
        if (c == '.')
            r->num = N_DOT;
        else if (c == 'e' || c == 'E')
            r->num = N_E;
        else if (digit)
            return fail(r, "bad number");
        else
            *done = 1;
        break;
    case N_DOT:
        if (!digit)
            return fail(r, "bad number");
        r->num = N_FRAC;
        break;
    case N_FRAC:
    case N_EXP:
        if (digit)
            break;
        if (r->num == N_FRAC && (c == 'e' || c == 'E'))
            r->num = N_E;
        else
            *done = 1;
        break;
    case N_E:
        if (c == '+' || c == '-')
            r->num = N_ESIGN;
        else if (digit)
            r->num = N_EXP;
        else
            return fail(r, "bad number");
        break;
    case N_ESIGN:
        if (!digit)
            return fail(r, "bad number");
        r->num = N_EXP;
        break;
    }
    if (!*done)
        keep(r, &c, 1);
    return 0;
}

static int start_value(struct gh_har_reader *r, char c)
{
    if (c == '{' || c == '[')
        return open_container(r, c);
    if (r->depth == 0)
        return fail(r, "a HAR file is a JSON object");
    value_starts(r);
    keep(r, &c, 1);
    if (c == '"') {
        r->st = S_STRING;
        r->is_key = 0;
        r->esc = 0;
        r->str_len = 0;
        r->str_cut = 0;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        r->st = S_NUMBER;
        r->num = c == '-' ? N_MINUS : c == '0' ? N_ZERO : N_INT;
    } else if (c == 't' || c == 'f' || c == 'n') {
        r->st = S_LITERAL;
        r->lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
        r->lit_pos = 1;
    } else {
        return fail(r, "a value was expected");
    }
    return 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* One byte outside strings, numbers and literals. */
static int structure_byte(struct gh_har_reader *r, char c)
{
    if (is_space(c)) {
        keep(r, &c, 1);
        return 0;
    }
    switch (r->st) {
    case S_VALUE_OR_END:
        if (c == ']')
            return close_container(r, c);
        return start_value(r, c);
    case S_VALUE:
        return start_value(r, c);
    case S_KEY_OR_END:
    case S_KEY:
        if (c == '}' && r->st == S_KEY_OR_END)
            return close_container(r, c);
        if (c != '"')
            return fail(r, "a key was expected");
        keep(r, &c, 1);
        r->st = S_STRING;
        r->is_key = 1;
        r->esc = 0;
        r->key_len = 0;
        r->str_len = 0;
        r->str_cut = 0;
        return 0;
    case S_COLON:
        if (c != ':')
            return fail(r, "':' was expected");
        keep(r, &c, 1);
        r->st = S_VALUE;
        return 0;
    case S_COMMA_OR_END:
        if (c == '}' || c == ']')
            return close_container(r, c);
        if (c != ',')
            return fail(r, "',' or the end of a container was expected");
        keep(r, &c, 1);
        r->st = r->stack[r->depth - 1] == 'o' ? S_KEY : S_VALUE;
        return 0;
    case S_DONE:
        return fail(r, "text after the end of the document");
    default:
        return fail(r, "unexpected byte");
    }
}

/* A run of plain string bytes starting at p: how many. */
static size_t plain_run(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] != '"' && p[i] != '\\' && (unsigned char)p[i] >= 0x20)
        i++;
    return i;
}

static void advance(struct gh_har_reader *r, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            r->line++;
            r->col = 0;
        } else {
            r->col++;
        }
    }
}

int gh_har_feed(struct gh_har_reader *r, const char *p, size_t n)
{
    size_t i = 0;
    if (r->rc < 0)
        return r->rc;
    /* a UTF-8 byte order mark may open the file (RFC 8259 8.1 lets us ignore it) */
    while (r->bom < 3 && i < n) {
        if ((unsigned char)p[i] != (unsigned char)"\xef\xbb\xbf"[r->bom]) {
            if (r->bom > 0)
                return fail(r, "unexpected byte");
            r->bom = 3;
            break;
        }
        r->bom++;
        i++;
    }
    while (i < n && r->rc == 0) {
        char c = p[i];
        if (r->st == S_STRING && r->esc == 0) {
            size_t k = plain_run(p + i, n - i);
            if (k > 0) {
                string_run(r, p + i, k);
                advance(r, p + i, k);
                i += k;
                continue;
            }
        }
        advance(r, &c, 1);
        int done = 0;
        if (r->st == S_STRING) {
            string_byte(r, c);
        } else if (r->st == S_NUMBER) {
            if (number_byte(r, c, &done) == 0 && done && value_ends(r) == 0)
                structure_byte(r, c);
        } else if (r->st == S_LITERAL) {
            if (c != r->lit[r->lit_pos])
                fail(r, "bad literal (true, false or null)");
            keep(r, &c, 1);
            if (r->rc == 0 && r->lit[++r->lit_pos] == '\0')
                value_ends(r);
        } else {
            structure_byte(r, c);
        }
        i++;
    }
    return r->rc;
}

int gh_har_finish(struct gh_har_reader *r)
{
    if (r->rc < 0)
        return r->rc;
    if (r->st == S_NUMBER && r->depth == 0)
        return fail(r, "a HAR file is a JSON object");
    if (r->st == S_VALUE && r->depth == 0)
        return fail(r, "the file is empty");
    if (r->st != S_DONE)
        return fail(r, "the file ends in the middle of the document");
    if (!r->seen_entries) {
        snprintf(r->err, sizeof(r->err), "not a HAR file: no log.entries array");
        r->rc = GH_EINVAL;
    }
    return r->rc;
}

int gh_har_read_file(const char *path, gh_har_entry_fn fn, void *arg, size_t *entries,
                     size_t *skipped, char *err, size_t errlen)
{
    struct gh_har_reader *r = NULL;
    char *chunk = malloc(65536);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = GH_EIO;
    if (fd < 0) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        goto out;
    }
    if (chunk == NULL || gh_har_reader_new(fn, arg, &r) < 0) {
        rc = GH_ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (;;) {
        ssize_t k = read(fd, chunk, 65536);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
            rc = GH_EIO;
            goto out;
        }
        rc = k == 0 ? gh_har_finish(r) : gh_har_feed(r, chunk, (size_t)k);
        if (rc < 0 || k == 0)
            break;
    }
    if (rc == GH_EINVAL)
        snprintf(err, errlen, "'%s' is not a valid HAR file: %s", path, gh_har_error(r));
    if (entries != NULL)
        *entries = gh_har_entries(r);
    if (skipped != NULL)
        *skipped = gh_har_skipped(r);
out:
    if (fd >= 0)
        close(fd);
    gh_har_reader_free(r);
    free(chunk);
    return rc;
}
