/*
 * libFuzzer driver: the HAR reader and importer (src/trace/har.c,
 * import*.c), which read files people download from a browser and pass
 * around. Invariants: the reader gives the same result and the same
 * entries however the input is split; no entry handed on is over the cap;
 * what the importer makes is a flow every exporter can draw, the linter
 * can check, and that diffs as equal to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "trace/diff.h"
#include "trace/export.h"
#include "trace/har.h"
#include "trace/import.h"
#include "trace/lint.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            GH_BUG("fuzz invariant failed: " #c);                                                  \
    } while (0)

struct seen {
    struct gh_buf all;
    size_t n;
};

static int collect(void *arg, size_t index, const char *json, size_t n)
{
    struct seen *s = arg;
    CHECK(index == s->n && n <= GH_HAR_ENTRY_MAX && json[n] == '\0');
    s->n++;
    gh_buf_append(&s->all, json, n);
    gh_buf_putc(&s->all, '\n');
    return 0;
}

/* Reads data in chunks of k bytes (k == 0: at once); the reader's rc. */
static int read_split(const uint8_t *data, size_t size, size_t k, struct seen *s)
{
    struct gh_har_reader *r = NULL;
    memset(s, 0, sizeof(*s));
    gh_buf_init(&s->all, 64 << 20);
    CHECK(gh_har_reader_new(collect, s, &r) == 0);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < size; i += k ? k : size)
        rc = gh_har_feed(r, (const char *)data + i, k && size - i > k ? k : size - i);
    if (rc == 0)
        rc = gh_har_finish(r);
    CHECK(rc == 0 || rc == GH_EINVAL);
    CHECK(rc == 0 || gh_har_error(r)[0] != '\0');
    gh_har_reader_free(r);
    return rc;
}

static void check_flow(const struct gh_import *imp)
{
    static const enum gh_trace_format fmts[] = {GH_FMT_DRAWIO, GH_FMT_SVG, GH_FMT_MERMAID,
                                                GH_FMT_PLANTUML};
    struct gh_lint_finding *found = NULL;
    struct gh_trace_mark *marks = NULL;
    size_t n = 0;
    CHECK(gh_trace_lint(imp->steps, imp->n, &found, &n) == 0);
    CHECK(gh_lint_marks(found, n, &marks) == 0);
    for (size_t i = 0; i < n; i++)
        CHECK(found[i].step < imp->n);
    struct gh_export_opts eo = {"fuzz", 1, marks, marks ? n : 0};
    for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
        struct gh_buf out;
        gh_buf_init(&out, 256 << 20);
        CHECK(gh_trace_export(imp->steps, imp->n, fmts[i], &eo, &out) == 0);
        gh_buf_release(&out);
    }
    struct gh_diff d;
    if (gh_trace_diff(imp->steps, imp->n, imp->steps, imp->n, &d) == 0) {
        CHECK(d.added == 0 && d.removed == 0 && d.moved == 0);
        gh_diff_release(&d);
    }
    free(found);
    free(marks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seen whole, split;
    size_t k = size > 0 ? 1 + data[0] % 17 : 1;
    int a = read_split(data, size, 0, &whole);
    int b = read_split(data, size, k, &split);
    CHECK(a == b && whole.n == split.n && whole.all.len == split.all.len);
    CHECK(whole.all.len == 0 || memcmp(whole.all.p, split.all.p, whole.all.len) == 0);
    gh_buf_release(&whole.all);
    gh_buf_release(&split.all);

    struct gh_import imp;
    char err[256];
    int rc = gh_trace_import_mem((const char *)data, size, NULL, &imp, err, sizeof(err));
    CHECK(rc == 0 || rc == GH_EINVAL || rc == GH_ENOMEM);
    CHECK(rc < 0 || a == 0);
    if (rc == 0)
        check_flow(&imp);
    gh_import_release(&imp);
    return 0;
}
