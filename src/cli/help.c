/*
 * The command table, `gatehouse --help`, `gatehouse --version` and
 * `gatehouse help [COMMAND | --man | --completion bash]`. The man page and
 * the completion script are generated from the same table (doc.c), so the
 * Debian package's gatehouse(1) and bash completion cannot drift from the
 * binary they ship with.
 */
#include <stdio.h>
#include <string.h>

#include <cbor/configuration.h>
#include <curl/curl.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <qrencode.h>
#include <sqlite3.h>

#include "cli/cli.h"

#ifndef GH_VERSION
#define GH_VERSION "unknown" /* the Makefile sets it from debian/changelog */
#endif

const struct gh_cli_cmd *const gh_cli_commands[] = {
    &gh_cli_init,     &gh_cli_client,       &gh_cli_user,     &gh_cli_keys,
    &gh_cli_sessions, &gh_cli_registration, &gh_cli_resource, &gh_cli_serve,
    &gh_cli_demo,     &gh_cli_trace,        &gh_cli_diagram,  NULL,
};

int gh_cli_sub(const char *const *subs, const char *word)
{
    for (int i = 0; subs != NULL && subs[i] != NULL; i++)
        if (strcmp(subs[i], word) == 0)
            return i;
    return -1;
}

void gh_cli_usage(FILE *f)
{
    fprintf(f, "usage: gatehouse [--db URL] COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; gh_cli_commands[i] != NULL; i++)
        fprintf(f, "  %-10s %s\n", gh_cli_commands[i]->name, gh_cli_commands[i]->summary);
    fprintf(f, "\n--db URL   sqlite:PATH (default sqlite:./gatehouse.db) or postgres://...;\n"
               "           also GATEHOUSE_DB; accepted before or after the command\n"
               "--version  the version and the libraries it runs with\n"
               "Run 'gatehouse COMMAND --help' for the options of a command.\n");
}

/* libpq's number: major * 10000 + minor since PostgreSQL 10. */
static void pq_version(char *out, size_t len)
{
    int v = PQlibVersion();
    if (v >= 100000)
        snprintf(out, len, "%d.%d", v / 10000, v % 10000);
    else
        snprintf(out, len, "%d.%d.%d", v / 10000, v / 100 % 100, v % 100);
}

void gh_cli_version(FILE *f)
{
    const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
    char pq[32];
    pq_version(pq, sizeof(pq));
    fprintf(f, "gatehouse %s\n", GH_VERSION);
    fprintf(f, "libraries (the versions loaded at run time; built against):\n");
    fprintf(f, "  OpenSSL        %s (%s)\n", OpenSSL_version(OPENSSL_VERSION_STRING),
            OPENSSL_VERSION_STR);
    fprintf(f, "  libmicrohttpd  %s\n", MHD_get_version());
    fprintf(f, "  jansson        %s (%s)\n", jansson_version_str(), JANSSON_VERSION);
    fprintf(f, "  SQLite         %s (%s)\n", sqlite3_libversion(), SQLITE_VERSION);
    fprintf(f, "  libpq          %s\n", pq);
    fprintf(f, "  libcurl        %s (%s), %s\n", curl->version, LIBCURL_VERSION,
            curl->ssl_version ? curl->ssl_version : "no TLS");
    fprintf(f, "  libqrencode    %s\n", QRcode_APIVersionString());
    fprintf(f, "  libcbor        reports no version at run time (built against %d.%d.%d)\n",
            CBOR_MAJOR_VERSION, CBOR_MINOR_VERSION, CBOR_PATCH_VERSION);
    fprintf(f, "  libargon2      reports no version at run time\n");
}

int gh_cmd_help(struct gh_cli *cli, int argc, char **argv)
{
    if (argc == 0) {
        gh_cli_usage(stdout);
        return GH_EXIT_OK;
    }
    int rc = 0;
    if (argc == 1 && strcmp(argv[0], "--man") == 0) {
        rc = gh_cli_man(stdout);
    } else if (argc == 2 && strcmp(argv[0], "--completion") == 0) {
        if (strcmp(argv[1], "bash") != 0) {
            gh_cli_err("no completion for '%s' (only bash)", argv[1]);
            return GH_EXIT_USAGE;
        }
        rc = gh_cli_completion_bash(stdout);
    } else {
        for (size_t i = 0; argc == 1 && gh_cli_commands[i] != NULL; i++) {
            if (strcmp(argv[0], gh_cli_commands[i]->name) == 0) {
                char help[] = "--help";
                char *args[] = {help, NULL};
                return gh_cli_commands[i]->fn(cli, 1, args);
            }
        }
        gh_cli_err("usage: gatehouse help [COMMAND | --man | --completion bash]");
        return GH_EXIT_USAGE;
    }
    if (rc < 0 || fflush(stdout) != 0 || ferror(stdout)) {
        gh_cli_err("cannot write to stdout");
        return GH_EXIT_FAIL;
    }
    return GH_EXIT_OK;
}
