/* Helpers shared by the subcommands: messages, opening the store, option
 * parsing with --help, reading secrets from stdin. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "core/err.h"

void gh_cli_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gatehouse: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

struct gh_store *gh_cli_store(const struct gh_cli *cli, int need_schema)
{
    char err[512] = "";
    struct gh_store *s = NULL;
    int rc = gh_store_open(cli->db, &s, err, sizeof(err));
    if (rc < 0) {
        gh_cli_err("%s", err[0] ? err : gh_strerror(rc));
        return NULL;
    }
    if (need_schema && (rc = s->ops->check_schema(s)) < 0) {
        char shown[512];
        gh_store_redact_url(cli->db, shown, sizeof(shown));
        if (rc == GH_ESCHEMA)
            gh_cli_err("database '%s' is not initialised or has another schema version "
                       "(run 'gatehouse init')",
                       shown);
        else
            gh_cli_err("cannot read database '%s': %s", shown, gh_strerror(rc));
        gh_store_close(s);
        return NULL;
    }
    return s;
}

int gh_cli_opts(const char *usage, const struct gh_opt_table *t, void *base, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            /* nothing was parsed into base yet: it holds nothing to free */
            printf("usage: %s\n\noptions:\n", usage);
            gh_opts_help(t, stdout);
            return GH_EXIT_OK;
        }
    }
    char err[512];
    if (gh_opts_defaults(t, base, err, sizeof(err)) < 0 ||
        gh_opts_argv(t, base, argc, argv, err, sizeof(err)) < 0) {
        gh_cli_err("%s", err);
        gh_opts_free(t, base);
        return GH_EXIT_USAGE;
    }
    return -1;
}

char *gh_cli_read_stdin(size_t max)
{
    char *buf = malloc(max + 2);
    if (buf == NULL)
        return NULL;
    size_t n = fread(buf, 1, max + 1, stdin);
    if (n > max || n == 0) {
        OPENSSL_cleanse(buf, max + 2);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    if (n > 0 && buf[n - 1] == '\r')
        buf[--n] = '\0';
    return buf;
}
