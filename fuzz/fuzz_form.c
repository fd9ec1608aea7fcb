/*
 * libFuzzer driver: gh_form_parse, the x-www-form-urlencoded parser every
 * request body and query string goes through (src/http/form.c).
 * Invariants: a parsed key or value never holds a NUL and its length is
 * what strlen says; re-encoding the parameters and parsing them again gives
 * the same parameters; gh_form_get agrees with gh_form_count.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "http/form.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            GH_BUG("fuzz invariant failed: " #c);                                                  \
    } while (0)

static void check_form(const struct gh_form *f)
{
    CHECK(f->n >= 0 && f->n <= GH_FORM_MAX_PARAMS);
    for (int i = 0; i < f->n; i++) {
        const struct gh_param *p = &f->p[i];
        CHECK(strlen(p->key) == p->key_len);
        CHECK(strlen(p->value) == p->value_len);
        int dup = -1;
        const char *v = gh_form_get(f, p->key, &dup);
        int count = gh_form_count(f, p->key);
        CHECK(count >= 1);
        CHECK(dup == (count > 1));
        CHECK(v == NULL || (count == 1 && strcmp(v, p->value) == 0));
    }
}

/* Encodes f the way a browser would, parses it again, compares. */
static void round_trip(const struct gh_form *f)
{
    struct gh_buf b;
    struct gh_form g;
    gh_buf_init(&b, 1 << 20);
    for (int i = 0; i < f->n; i++) {
        if (i > 0)
            CHECK(gh_buf_putc(&b, '&') == 0);
        CHECK(gh_buf_urlenc(&b, f->p[i].key, f->p[i].key_len) == 0);
        CHECK(gh_buf_putc(&b, '=') == 0);
        CHECK(gh_buf_urlenc(&b, f->p[i].value, f->p[i].value_len) == 0);
    }
    struct gh_arena *a = gh_arena_new(4096, 8 << 20);
    CHECK(a != NULL);
    CHECK(gh_form_parse(a, b.p ? b.p : "", b.len, &g) == 0);
    /* empty keys with empty values encode as "=" and come back; a lone
     * empty part ("&&") is skipped, so count only what was encoded */
    CHECK(g.n == f->n);
    for (int i = 0; i < f->n; i++) {
        CHECK(g.p[i].key_len == f->p[i].key_len && g.p[i].value_len == f->p[i].value_len);
        CHECK(memcmp(g.p[i].key, f->p[i].key, f->p[i].key_len) == 0);
        CHECK(memcmp(g.p[i].value, f->p[i].value, f->p[i].value_len) == 0);
    }
    gh_arena_free(a);
    gh_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the server's arena for a 64 KiB body: 8 KiB chunks, capped */
    struct gh_arena *a = gh_arena_new(8192, 64 * 1024 * 4 + 256 * 1024);
    struct gh_form f;
    if (a == NULL)
        return 0;
    int rc = gh_form_parse(a, (const char *)data, size, &f);
    CHECK(rc == 0 || rc == GH_EINVAL || rc == GH_ENOMEM);
    if (rc == 0) {
        check_form(&f);
        round_trip(&f);
        /* appending a parameter keeps the form consistent */
        if (gh_form_add(a, &f, "k", 1, "v", 1) == 0)
            check_form(&f);
    }
    gh_arena_free(a);
    return 0;
}
