/*
 * Flow review (docs/flow-review.md): `gatehouse trace import FILE.har`,
 * `trace lint (--flow ID | FILE.har)` and `trace diff A B`, where a flow is
 * a recorded or imported one in the store, or a HAR file read on the spot
 * (nothing stored). Exit status: 0 clean / same, 1 findings / different /
 * a HAR without OAuth traffic, 2 usage errors and unreadable or malformed
 * files.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/crypto.h"
#include "core/err.h"
#include "trace/diff.h"
#include "trace/import.h"
#include "trace/lint.h"
#include "trace/recorder.h"

struct review_opts {
    char *name;
    int keep_claims;
    char *format;
    char *flow;
    char *output;
    int rules;
};

#define O(f) offsetof(struct review_opts, f)
static const struct gh_opt import_table[] = {
    {"name", GH_OPT_STR, O(name), NULL, 0, 0, "a name for the flow (default: the file's)", 0},
    {"keep-claims", GH_OPT_BOOL, O(keep_claims), "false", 0, 0,
     "keep the id_token's sub in the labels (it names a person)", 0},
};
static const struct gh_opt lint_table[] = {
    {"flow", GH_OPT_STR, O(flow), NULL, 0, 0, "a stored flow's id (or give FILE.har)", 0},
    {"format", GH_OPT_STR, O(format), "text", 0, 0, "text or json", 0},
    {"o", GH_OPT_STR, O(output), NULL, 0, 0, "write to FILE instead of stdout", 0},
    {"rules", GH_OPT_BOOL, O(rules), "false", 0, 0, "list the rules and their sources", 0},
};
static const struct gh_opt diff_table[] = {
    {"format", GH_OPT_STR, O(format), "text", 0, 0, "text, json or " GH_TRACE_FORMATS_TEXT, 0},
    {"o", GH_OPT_STR, O(output), NULL, 0, 0, "write to FILE instead of stdout", 0},
};

/* Moves the arguments that are neither options nor option values to pos
 * (at most max); returns how many, or -1 when there are more. */
static int positionals(const struct gh_opt_table *t, int *argc, char **argv, char **pos, int max)
{
    int k = 0, out = 0;
    for (int i = 0; i < *argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) == 0 && a[2] != '\0') {
            argv[out++] = argv[i];
            size_t n = strcspn(a + 2, "=");
            for (size_t j = 0; a[2 + n] == '\0' && j < t->n; j++)
                if (strlen(t->opts[j].name) == n && strncmp(t->opts[j].name, a + 2, n) == 0 &&
                    t->opts[j].type != GH_OPT_BOOL && i + 1 < *argc)
                    argv[out++] = argv[++i];
            continue;
        }
        if (k == max)
            return -1;
        pos[k++] = argv[i];
    }
    *argc = out;
    return k;
}

/* A flow to review: a HAR file (imported in memory), or a stored flow. */
struct flow {
    struct gh_trace_step *steps;
    size_t n;
    char name[256];
};

static int is_file(const char *arg)
{
    struct stat st;
    size_t n = strlen(arg);
    return stat(arg, &st) == 0 || (n > 4 && strcmp(arg + n - 4, ".har") == 0);
}

/* An exit status: 0 with f filled, else the problem is printed. *s is the
 * store, opened on first need (the caller closes it). */
static int load(struct gh_cli *cli, struct gh_store **s, const char *arg, int as_file,
                struct flow *f)
{
    char err[512] = "";
    memset(f, 0, sizeof(*f));
    snprintf(f->name, sizeof(f->name), "%s", arg);
    if (as_file) {
        struct gh_import imp;
        int rc = gh_trace_import_file(arg, NULL, &imp, err, sizeof(err));
        if (rc < 0) {
            gh_cli_err("%s", err[0] ? err : gh_strerror(rc));
            return rc == GH_ENOMEM ? GH_EXIT_FAIL : GH_EXIT_USAGE;
        }
        f->steps = imp.steps;
        f->n = imp.n;
        return GH_EXIT_OK;
    }
    if (*s == NULL && (*s = gh_cli_store(cli, 1)) == NULL)
        return GH_EXIT_FAIL;
    if (gh_store_trace_steps(*s, arg, &f->steps, &f->n) < 0 || f->n == 0) {
        free(f->steps);
        f->steps = NULL;
        gh_cli_err("no flow '%s' (see 'gatehouse trace list')", arg);
        return GH_EXIT_USAGE;
    }
    return GH_EXIT_OK;
}

/* Writes b to path, or stdout. */
static int emit(const struct gh_buf *b, const char *path)
{
    FILE *f = path ? fopen(path, "w") : stdout;
    int ok = f != NULL && (b->len == 0 || fwrite(b->p, 1, b->len, f) == b->len);
    if (f != NULL && f != stdout)
        ok = fclose(f) == 0 && ok;
    if (!ok)
        gh_cli_err("cannot write '%s'", path ? path : "stdout");
    return ok ? 0 : -1;
}

/* ---------- import ---------- */

static int store_flow(struct gh_store *s, const struct gh_import *imp, const char *name)
{
    struct gh_flow_info info;
    unsigned char raw[16];
    memset(&info, 0, sizeof(info));
    if (gh_rand_bytes(raw, sizeof(raw)) < 0)
        return GH_ECRYPTO;
    gh_b64url_encode(raw, sizeof(raw), info.id, GH_FLOW_ID_LEN + 1);
    info.started_us = imp->steps[0].t_us;
    snprintf(info.client_id, sizeof(info.client_id), "%s",
             imp->client_id[0] ? imp->client_id : "-");
    snprintf(info.outcome, sizeof(info.outcome), "imported %.52s", name);
    int rc = gh_store_trace_flow_start(s, &info);
    if (rc == 0)
        rc = gh_store_trace_append(s, info.id, imp->steps, imp->n);
    if (rc == 0)
        printf("%s\n", info.id);
    return rc;
}

static int cmd_import(struct gh_cli *cli, int argc, char **argv)
{
    const char *usage = "gatehouse trace import FILE.har [--name NAME] [--keep-claims]";
    static const struct gh_opt_table t = {import_table, GH_ARRAY_LEN(import_table)};
    char *pos[1];
    struct review_opts o;
    if (positionals(&t, &argc, argv, pos, 1) != 1) {
        gh_cli_err("usage: %s", usage);
        return GH_EXIT_USAGE;
    }
    int status = gh_cli_opts(usage, &t, &o, argc, argv);
    if (status >= 0)
        return status;
    struct gh_import_opts io = {o.keep_claims};
    struct gh_import imp;
    char err[512] = "";
    int rc = gh_trace_import_file(pos[0], &io, &imp, err, sizeof(err));
    if (rc < 0) {
        gh_cli_err("%s", err[0] ? err : gh_strerror(rc));
        status = rc == GH_ENOMEM ? GH_EXIT_FAIL : GH_EXIT_USAGE;
    } else if (imp.n == 0) {
        gh_cli_err("no OAuth traffic in '%s' (%zu entries read)", pos[0], imp.entries);
        status = GH_EXIT_FAIL;
    } else {
        if (imp.skipped > 0)
            gh_cli_err("%zu entries of '%s' skipped: larger than %zu MiB", imp.skipped, pos[0],
                       (size_t)4);
        const char *name = o.name                 ? o.name
                           : strrchr(pos[0], '/') ? strrchr(pos[0], '/') + 1
                                                  : pos[0];
        struct gh_store *s = gh_cli_store(cli, 1);
        status = GH_EXIT_FAIL;
        if (s != NULL && store_flow(s, &imp, name) == 0)
            status = GH_EXIT_OK;
        else if (s != NULL)
            gh_cli_err("cannot store the flow of '%s'", pos[0]);
        gh_store_close(s);
    }
    gh_import_release(&imp);
    gh_opts_free(&t, &o);
    return status;
}

/* ---------- lint ---------- */

static void lint_text(const struct gh_lint_finding *f, size_t n, struct gh_buf *b)
{
    for (size_t i = 0; i < n; i++)
        gh_buf_printf(b, "%s %s %zu %s (%s)\n", f[i].rule->id, gh_lint_severity_name(f[i].severity),
                      f[i].step + 1, f[i].msg, f[i].rule->section);
}

static void lint_json(const struct gh_lint_finding *f, size_t n, const struct flow *fl,
                      struct gh_buf *b)
{
    gh_buf_puts(b, "[");
    for (size_t i = 0; i < n; i++) {
        const char *label = fl->steps[f[i].step].label;
        gh_buf_printf(b,
                      "%s\n  {\"rule\":\"%s\",\"severity\":\"%s\",\"step\":%zu,\"section\":\"%s\","
                      "\"message\":",
                      i ? "," : "", f[i].rule->id, gh_lint_severity_name(f[i].severity),
                      f[i].step + 1, f[i].rule->section);
        gh_buf_json_str(b, f[i].msg, strlen(f[i].msg));
        gh_buf_puts(b, ",\"label\":");
        gh_buf_json_str(b, label, strnlen(label, sizeof(fl->steps[0].label)));
        gh_buf_puts(b, "}");
    }
    gh_buf_puts(b, n ? "\n]\n" : "]\n");
}

static int cmd_lint(struct gh_cli *cli, int argc, char **argv)
{
    const char *usage =
        "gatehouse trace lint (--flow ID | FILE.har) [--format text|json] [-o FILE]";
    static const struct gh_opt_table t = {lint_table, GH_ARRAY_LEN(lint_table)};
    char *pos[1];
    struct review_opts o;
    int npos = positionals(&t, &argc, argv, pos, 1);
    int status = npos < 0 ? GH_EXIT_USAGE : gh_cli_opts(usage, &t, &o, argc, argv);
    if (status >= 0) {
        if (npos < 0)
            gh_cli_err("usage: %s", usage);
        return status;
    }
    struct gh_store *s = NULL;
    struct flow f = {0};
    struct gh_lint_finding *found = NULL;
    size_t nfound = 0, nrules;
    const struct gh_lint_rule *rules = gh_lint_rules(&nrules);
    if (o.rules && npos == 0 && o.flow == NULL) {
        for (size_t i = 0; i < nrules; i++)
            printf("%-22s %-18s %s\n", rules[i].id, rules[i].section, rules[i].summary);
        status = GH_EXIT_OK;
    } else if ((npos == 1) == (o.flow != NULL) ||
               (strcmp(o.format, "text") != 0 && strcmp(o.format, "json") != 0)) {
        gh_cli_err("usage: %s", usage);
        status = GH_EXIT_USAGE;
    } else if ((status = load(cli, &s, npos ? pos[0] : o.flow, npos == 1, &f)) == GH_EXIT_OK) {
        struct gh_buf b;
        gh_buf_init(&b, 64 << 20);
        if (gh_trace_lint(f.steps, f.n, &found, &nfound) < 0) {
            gh_cli_err("out of memory");
            status = GH_EXIT_FAIL;
        } else {
            if (strcmp(o.format, "json") == 0)
                lint_json(found, nfound, &f, &b);
            else
                lint_text(found, nfound, &b);
            status = emit(&b, o.output) < 0 ? GH_EXIT_USAGE : nfound ? GH_EXIT_FAIL : GH_EXIT_OK;
        }
        gh_buf_release(&b);
    }
    free(found);
    free(f.steps);
    gh_store_close(s);
    gh_opts_free(&t, &o);
    return status;
}

/* ---------- diff ---------- */

static int diff_draw(const struct gh_diff *d, const struct flow *a, const struct flow *b,
                     enum gh_trace_format fmt, struct gh_buf *out)
{
    struct gh_trace_step *steps = NULL;
    struct gh_trace_mark *marks = NULL;
    size_t n = 0, nm = 0;
    char title[600];
    const char *na = strrchr(a->name, '/') ? strrchr(a->name, '/') + 1 : a->name;
    const char *nb = strrchr(b->name, '/') ? strrchr(b->name, '/') + 1 : b->name;
    snprintf(title, sizeof(title), "trace diff: a = %.250s, b = %.250s", na, nb);
    int rc = gh_diff_flow(d, a->steps, a->n, b->steps, b->n, &steps, &n, &marks, &nm);
    /* two recordings' clocks say nothing about each other: no timings */
    struct gh_export_opts eo = {title, 0, marks, nm};
    if (rc == 0)
        rc = gh_trace_export(steps, n, fmt, &eo, out);
    free(steps);
    free(marks);
    return rc;
}

static int cmd_diff(struct gh_cli *cli, int argc, char **argv)
{
    const char *usage = "gatehouse trace diff A B [--format text|json|" GH_TRACE_FORMATS_USAGE
                        "] [-o FILE] (A, B: flow ids or HAR files)";
    static const struct gh_opt_table t = {diff_table, GH_ARRAY_LEN(diff_table)};
    char *pos[2];
    struct review_opts o;
    enum gh_trace_format fmt = GH_FMT_SVG;
    int npos = positionals(&t, &argc, argv, pos, 2);
    int status = gh_cli_opts(usage, &t, &o, argc, argv);
    if (status >= 0)
        return status;
    struct gh_store *s = NULL;
    struct flow a = {0}, b = {0};
    int text = strcmp(o.format, "text") == 0, json = strcmp(o.format, "json") == 0;
    if (npos != 2 || (!text && !json && gh_trace_format_parse(o.format, &fmt) < 0)) {
        gh_cli_err("usage: %s", usage);
        status = GH_EXIT_USAGE;
    } else if ((status = load(cli, &s, pos[0], is_file(pos[0]), &a)) == GH_EXIT_OK &&
               (status = load(cli, &s, pos[1], is_file(pos[1]), &b)) == GH_EXIT_OK) {
        struct gh_diff d;
        struct gh_buf out;
        gh_buf_init(&out, 64 << 20);
        int rc = gh_trace_diff(a.steps, a.n, b.steps, b.n, &d);
        if (rc == 0)
            rc = text   ? gh_diff_text(&d, a.steps, b.steps, a.name, b.name, &out)
                 : json ? gh_diff_json(&d, a.steps, b.steps, &out)
                        : diff_draw(&d, &a, &b, fmt, &out);
        if (rc < 0) {
            gh_cli_err("cannot compare '%s' and '%s': %s", pos[0], pos[1],
                       rc == GH_EINVAL ? "a flow has too many steps" : gh_strerror(rc));
            status = GH_EXIT_USAGE;
        } else {
            status = emit(&out, o.output) < 0            ? GH_EXIT_USAGE
                     : d.added + d.removed + d.moved > 0 ? GH_EXIT_FAIL
                                                         : GH_EXIT_OK;
        }
        gh_diff_release(&d);
        gh_buf_release(&out);
    }
    free(a.steps);
    free(b.steps);
    gh_store_close(s);
    gh_opts_free(&t, &o);
    return status;
}

int gh_cmd_trace_review(struct gh_cli *cli, const char *sub, int argc, char **argv)
{
    if (strcmp(sub, "import") == 0)
        return cmd_import(cli, argc, argv);
    if (strcmp(sub, "lint") == 0)
        return cmd_lint(cli, argc, argv);
    return cmd_diff(cli, argc, argv);
}
