/*
 * `gatehouse trace list` and `gatehouse trace export --format F [--flow ID]
 * [-o FILE]`: the recorded and imported flows as one line each, or one
 * flow drawn as a sequence diagram in draw.io XML, SVG, Mermaid or
 * PlantUML, each lint finding marked at its step. `trace import`, `lint`
 * and `diff` are in trace_review.c.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "trace/export.h"
#include "trace/import.h"
#include "trace/lint.h"
#include "core/err.h"

struct trace_opts {
    char *format;
    char *flow;
    char *output;
    int no_timings;
};

#define O(f) offsetof(struct trace_opts, f)
static const struct gh_opt table[] = {
    {"format", GH_OPT_STR, O(format), "mermaid", 0, 0, GH_TRACE_FORMATS_TEXT, 0},
    {"flow", GH_OPT_STR, O(flow), NULL, 0, 0,
     "flow id (default: the latest flow), or a HAR file to draw without storing it", 0},
    {"o", GH_OPT_STR, O(output), NULL, 0, 0, "write to FILE instead of stdout", 0},
    {"no-timings", GH_OPT_BOOL, O(no_timings), "false", 0, 0,
     "leave times out (deterministic output)", 0},
};
static const struct gh_opt_table opts = {table, GH_ARRAY_LEN(table)};
static const char usage[] = "gatehouse trace list | trace export --format " GH_TRACE_FORMATS_USAGE
                            " [--flow ID] [-o FILE] [--no-timings] | trace import FILE.har | "
                            "trace lint (--flow ID | FILE.har) | trace diff A B";
static const char *const subs[] = {"list", "export", "import", "lint", "diff", NULL};

static int list(struct gh_store *s)
{
    struct gh_flow_info *rows = NULL;
    size_t n = 0;
    if (gh_store_trace_flows(s, &rows, &n) < 0) {
        gh_cli_err("cannot read recorded flows");
        return GH_EXIT_FAIL;
    }
    if (n == 0)
        fprintf(stderr, "gatehouse: no recorded flows (run serve with --trace)\n");
    for (size_t i = 0; i < n; i++) {
        char when[32];
        time_t t = (time_t)(rows[i].started_us / 1000000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        printf("%s  %s  client=%s  user=%s  steps=%d  outcome=%s\n", rows[i].id, when,
               rows[i].client_id, rows[i].sub[0] ? rows[i].sub : "-", rows[i].steps,
               rows[i].outcome[0] ? rows[i].outcome : "in progress");
    }
    free(rows);
    return GH_EXIT_OK;
}

/* Draws steps[0..n) of flow in fmt to path (or stdout), each lint finding
 * marked; frees steps. */
static int draw(struct gh_trace_step *steps, size_t n, const char *flow, enum gh_trace_format fmt,
                int timings, const char *title, const char *path)
{
    struct gh_buf b;
    gh_buf_init(&b, 64 << 20);
    /* lint findings are drawn at their steps (docs/flow-review.md) */
    struct gh_lint_finding *found = NULL;
    struct gh_trace_mark *marks = NULL;
    size_t nfound = 0;
    int rc = gh_trace_lint(steps, n, &found, &nfound);
    if (rc == 0)
        rc = gh_lint_marks(found, nfound, &marks);
    struct gh_export_opts eo = {title, timings, marks, marks ? nfound : 0};
    if (rc == 0)
        rc = gh_trace_export(steps, n, fmt, &eo, &b);
    free(found);
    free(marks);
    free(steps);
    if (rc < 0) {
        gh_buf_release(&b);
        gh_cli_err("cannot draw flow '%s': %s", flow, gh_strerror(rc));
        return GH_EXIT_FAIL;
    }
    FILE *f = path ? fopen(path, "w") : stdout;
    int ok = f != NULL && fwrite(b.p, 1, b.len, f) == b.len;
    if (f != NULL && f != stdout)
        ok = fclose(f) == 0 && ok;
    gh_buf_release(&b);
    if (!ok) {
        gh_cli_err("cannot write '%s'", path ? path : "stdout");
        return GH_EXIT_FAIL;
    }
    return GH_EXIT_OK;
}

/* Writes steps of flow in fmt to path (or stdout). */
int gh_cli_export(struct gh_store *s, const char *flow, enum gh_trace_format fmt, int timings,
                  const char *title, const char *path)
{
    struct gh_trace_step *steps = NULL;
    size_t n = 0;
    if (gh_store_trace_steps(s, flow, &steps, &n) < 0 || n == 0) {
        gh_cli_err("no recorded steps for flow '%s'", flow);
        free(steps);
        return GH_EXIT_FAIL;
    }
    return draw(steps, n, flow, fmt, timings, title, path);
}

/* --flow FILE.har: the file's flow drawn without storing it. */
static int export_har(const struct trace_opts *o)
{
    enum gh_trace_format fmt;
    struct gh_import imp;
    char err[512] = "", title[300];
    if (gh_trace_format_parse(o->format, &fmt) < 0) {
        gh_cli_err("unknown format '%s' (" GH_TRACE_FORMATS_TEXT ")", o->format);
        return GH_EXIT_USAGE;
    }
    int rc = gh_trace_import_file(o->flow, NULL, &imp, err, sizeof(err));
    if (rc < 0) {
        gh_cli_err("%s", err[0] ? err : gh_strerror(rc));
        return rc == GH_ENOMEM ? GH_EXIT_FAIL : GH_EXIT_USAGE;
    }
    if (imp.n == 0) {
        gh_cli_err("no OAuth traffic in '%s'", o->flow);
        gh_import_release(&imp);
        return GH_EXIT_FAIL;
    }
    const char *base = strrchr(o->flow, '/') ? strrchr(o->flow, '/') + 1 : o->flow;
    snprintf(title, sizeof(title), "OAuth flow imported from %.200s", base);
    return draw(imp.steps, imp.n, o->flow, fmt, !o->no_timings, title, o->output);
}

static int export(struct gh_store *s, const struct trace_opts *o)
{
    enum gh_trace_format fmt;
    if (gh_trace_format_parse(o->format, &fmt) < 0) {
        gh_cli_err("unknown format '%s' (" GH_TRACE_FORMATS_TEXT ")", o->format);
        return GH_EXIT_USAGE;
    }
    /* the flow asked for, else the latest; an imported one is titled by its file */
    char flow[64] = "", title[128] = "OAuth 2.0 authorization code flow with PKCE";
    struct gh_flow_info *rows = NULL;
    size_t n = 0;
    if (gh_store_trace_flows(s, &rows, &n) < 0 || (n == 0 && o->flow == NULL)) {
        free(rows);
        gh_cli_err("no recorded flows (run serve with --trace)");
        return GH_EXIT_FAIL;
    }
    snprintf(flow, sizeof(flow), "%s", o->flow ? o->flow : rows[n - 1].id);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].id, flow) == 0 && strncmp(rows[i].outcome, "imported ", 9) == 0)
            snprintf(title, sizeof(title), "OAuth flow imported from %s", rows[i].outcome + 9);
    free(rows);
    return gh_cli_export(s, flow, fmt, !o->no_timings, title, o->output);
}

int gh_cmd_trace(struct gh_cli *cli, int argc, char **argv)
{
    static const char *const review[] = {"import", "lint", "diff"};
    for (size_t i = 0; argc >= 1 && i < GH_ARRAY_LEN(review); i++) {
        if (strcmp(argv[0], review[i]) != 0)
            continue;
        for (int k = 1; k < argc; k++)
            if (strcmp(argv[k], "-o") == 0)
                argv[k] = (char *)"--o";
        return gh_cmd_trace_review(cli, argv[0], argc - 1, argv + 1);
    }
    if (argc < 1 || gh_cli_sub(subs, argv[0]) < 0) {
        if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
            printf("usage: %s\n", usage);
            return GH_EXIT_OK;
        }
        gh_cli_err("usage: %s", usage);
        return GH_EXIT_USAGE;
    }
    /* accept -o FILE as well as --o FILE */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-o") == 0)
            argv[i] = (char *)"--o";
    struct trace_opts o;
    int rc = gh_cli_opts(usage, &opts, &o, argc - 1, argv + 1);
    if (rc >= 0)
        return rc;
    struct stat st;
    if (strcmp(argv[0], "export") == 0 && o.flow != NULL && stat(o.flow, &st) == 0 &&
        S_ISREG(st.st_mode)) {
        rc = export_har(&o);
        gh_opts_free(&opts, &o);
        return rc;
    }
    int status = GH_EXIT_FAIL;
    struct gh_store *s = gh_cli_store(cli, 1);
    if (s != NULL)
        status = strcmp(argv[0], "list") == 0 ? list(s) : export(s, &o);
    gh_store_close(s);
    gh_opts_free(&opts, &o);
    return status;
}

const struct gh_cli_cmd gh_cli_trace = {
    .name = "trace",
    .fn = gh_cmd_trace,
    .summary = "list, export, import (HAR), lint or diff recorded flows",
    .usage = usage,
    .subs = subs,
    .opts = &opts,
};
