/*
 * libFuzzer driver: the --config file parser (gh_opts_file in
 * src/core/opts.c) with the server's real settings table. The input is
 * written to a memfd once per run and read back through /proc/self/fd, so
 * the parser sees exactly what a file on disk would give it.
 * Invariants: success or GH_EINVAL with a NUL-terminated message; every
 * integer setting lies within its bounds afterwards; nothing leaks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/err.h"
#include "core/settings.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            GH_BUG("fuzz invariant failed: " #c);                                                  \
    } while (0)

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fd = memfd_create("gh-fuzz-config", 0);
    CHECK(fd >= 0);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct gh_opt_table *t = &gh_settings_table;
    struct gh_settings s;
    char err[512];
    CHECK(ftruncate(fd, 0) == 0);
    CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
    memset(&s, 0, sizeof(s));
    CHECK(gh_opts_defaults(t, &s, err, sizeof(err)) == 0);
    memset(err, 'x', sizeof(err));
    int rc = gh_opts_file(t, &s, path, err, sizeof(err));
    CHECK(rc == 0 || rc == GH_EINVAL);
    if (rc < 0)
        CHECK(memchr(err, '\0', sizeof(err)) != NULL);
    for (size_t i = 0; i < t->n; i++) {
        const struct gh_opt *o = &t->opts[i];
        if (o->type == GH_OPT_INT) {
            int64_t v;
            memcpy(&v, (const char *)&s + o->offset, sizeof(v));
            CHECK(v >= o->min && v <= o->max);
        }
    }
    gh_opts_free(t, &s);
    return 0;
}
