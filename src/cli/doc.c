/*
 * gatehouse(1) and the bash completion script, generated from the command
 * table (help.c) and each command's option table: the same usage lines,
 * sub-commands and options that `--help` prints and the parser accepts,
 * and for `serve` the settings table that docs/configuration.md is made
 * from. `gatehouse help --man` and `gatehouse help --completion bash`
 * print them; the Makefile writes them into build/ for `make install` and
 * the Debian package.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/settings.h"

#ifndef GH_VERSION
#define GH_VERSION "unknown" /* the Makefile sets both from debian/changelog */
#endif
#ifndef GH_DATE
#define GH_DATE ""
#endif

/* ---- roff (man(7)) ---- */

/* Writes s as roff text: backslashes, minus signs and quotes escaped, and a
 * leading '.' or '\'' kept from reading as a request. */
static void roff(FILE *f, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", f);
    for (; *s; s++) {
        switch (*s) {
        case '\\':
            fputs("\\e", f);
            break;
        case '-':
            fputs("\\-", f);
            break;
        case '\'':
            fputs("\\(aq", f);
            break;
        case '`':
            fputs("\\(ga", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* The argument a flag takes, as `--help` shows it (core/opts.c). */
static const char *metavar(enum gh_opt_type type)
{
    switch (type) {
    case GH_OPT_BOOL:
        return NULL;
    case GH_OPT_INT:
        return "N";
    case GH_OPT_ADDR:
        return "ADDR:PORT";
    case GH_OPT_URL:
        return "URL";
    default:
        return "VALUE";
    }
}

/* A one-letter option is spelt -o (trace and diagram accept both). */
static const char *dashes(const char *name)
{
    return name[1] == '\0' ? "-" : "--";
}

static void env_name(const char *name, char *out, size_t len)
{
    size_t k = (size_t)snprintf(out, len, "GATEHOUSE_");
    for (; *name && k + 1 < len; name++)
        out[k++] = *name == '-' ? '_' : (char)toupper((unsigned char)*name);
    out[k] = '\0';
}

/* "Config file key K, environment GATEHOUSE_K." as far as o is both. */
static void man_setting_names(FILE *f, const struct gh_opt *o)
{
    int file = !(o->flags & GH_OPT_NOFILE), env = !(o->flags & GH_OPT_NOENV);
    if (file) {
        fputs("Config file key \\fB", f);
        roff(f, o->name);
        fputs("\\fR", f);
    }
    if (env) {
        char name[96];
        env_name(o->name, name, sizeof(name));
        fputs(file ? ", environment \\fB" : "Environment \\fB", f);
        roff(f, name);
        fputs("\\fR", f);
    }
    if (file || env)
        fputs(".\n", f);
}

/* One .TP paragraph per option: flag, help, default and bounds; with
 * settings = 1 also its config-file key and environment variable. */
static void man_options(FILE *f, const struct gh_opt_table *t, int settings)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct gh_opt *o = &t->opts[i];
        const char *mv = metavar(o->type);
        fputs(".TP\n\\fB", f);
        roff(f, dashes(o->name));
        roff(f, o->name);
        fputs("\\fR", f);
        if (mv != NULL) {
            fputs(" \\fI", f);
            roff(f, mv);
            fputs("\\fR", f);
        }
        fputc('\n', f);
        roff(f, o->help);
        fputs(".\n", f);
        if (o->def != NULL && o->def[0] != '\0' && o->type != GH_OPT_BOOL) {
            fputs("Default: ", f);
            roff(f, o->def);
            fputs(".\n", f);
        }
        if (o->type == GH_OPT_INT)
            fprintf(f, "From %lld to %lld.\n", (long long)o->min, (long long)o->max);
        if (settings)
            man_setting_names(f, o);
    }
}

/* One alternative of a usage line in no-fill mode, folded before a '['
 * when it would pass column 78, the rest indented. */
static void man_usage_line(FILE *f, const char *prefix, const char *s, size_t n)
{
    char line[512];
    snprintf(line, sizeof(line), "%s%.*s", prefix, (int)n, s);
    const char *p = line, *indent = "";
    while (strlen(indent) + strlen(p) > 78) {
        const char *cut = NULL;
        for (const char *q = p + 1; q < p + 78 - strlen(indent) && *q; q++)
            if (q[0] == '[' && q[-1] == ' ')
                cut = q;
        if (cut == NULL)
            break;
        char part[512];
        snprintf(part, sizeof(part), "%s%.*s", indent, (int)(cut - 1 - p), p);
        roff(f, part);
        fputc('\n', f);
        p = cut;
        indent = "    ";
    }
    char rest[600];
    snprintf(rest, sizeof(rest), "%s%s", indent, p);
    roff(f, rest);
    fputc('\n', f);
}

static void man_command(FILE *f, const struct gh_cli_cmd *c)
{
    fputs(".SS ", f);
    roff(f, c->name);
    fputs("\n", f);
    roff(f, c->summary);
    fputs(".\n.PP\n.nf\n", f);
    /* the usage line, one alternative (" | " outside brackets) per line */
    const char *p = c->usage;
    while (*p) {
        size_t n = 0;
        for (int depth = 0; p[n] && (depth > 0 || strncmp(p + n, " | ", 3) != 0); n++)
            depth += p[n] == '[' ? 1 : p[n] == ']' ? -1 : 0;
        man_usage_line(f, p == c->usage ? "" : "gatehouse ", p, n);
        p += n + (p[n] ? 3 : 0);
    }
    fputs(".fi\n", f);
    int serve = c->opts != NULL && c->opts == &gh_settings_table;
    if (c->opts != NULL && c->opts->n > 0) {
        if (serve)
            fputs(".PP\nEvery option is also a key in the file given by \\fB\\-\\-config\\fR "
                  "(\\fIkey\\fR = \\fIvalue\\fR lines, \\fB#\\fR comments) and an environment "
                  "variable; a flag wins over the environment, which wins over the file, "
                  "which wins over the default.\n",
                  f);
        man_options(f, c->opts, serve);
    }
    if (c->more != NULL)
        fputs(".PP\nand every \\fBserve\\fR option.\n", f);
}

int gh_cli_man(FILE *f)
{
    fputs(".\\\" gatehouse(1), generated by `gatehouse help --man` from the command and\n"
          ".\\\" option tables of the binary it describes; do not edit.\n",
          f);
    fprintf(f, ".TH GATEHOUSE 1 \"%s\" \"gatehouse %s\" \"User Commands\"\n", GH_DATE, GH_VERSION);
    fputs(".SH NAME\n"
          "gatehouse \\- OAuth 2.1 Authorization Server, Resource API and flow recorder\n"
          ".SH SYNOPSIS\n"
          ".B gatehouse\n"
          "[\\fB\\-\\-db\\fR \\fIURL\\fR] \\fICOMMAND\\fR [\\fIoptions\\fR]\n"
          ".br\n"
          ".B gatehouse \\-\\-version\n"
          ".br\n"
          ".B gatehouse help\n"
          "[\\fICOMMAND\\fR | \\fB\\-\\-man\\fR | \\fB\\-\\-completion bash\\fR]\n"
          ".SH DESCRIPTION\n"
          "\\fBgatehouse\\fR is an OAuth 2.1 authorization server (authorization code with "
          "PKCE, refresh-token rotation, client credentials; RFC 6749, 7636, 8414, 9068, "
          "7009, 7662) in one binary, with an optional Resource API that validates its JWT "
          "access tokens, a demonstration Frontend App and a flow recorder that draws what "
          "the servers did as a sequence diagram.\n"
          ".PP\n"
          "Its state (clients, users, signing keys, tokens) lives in one database, SQLite or "
          "PostgreSQL, named by \\fB\\-\\-db\\fR. The commands below manage it; "
          "\\fBserve\\fR runs the servers.\n"
          ".SH OPTIONS\n"
          ".TP\n"
          "\\fB\\-\\-db\\fR \\fIURL\\fR\n"
          "The database: \\fBsqlite:\\fR\\fIPATH\\fR (default \\fBsqlite:./gatehouse.db\\fR) "
          "or a libpq URI \\fBpostgres://\\fR...; also \\fBGATEHOUSE_DB\\fR. Accepted before "
          "or after the command.\n"
          ".TP\n"
          ".B \\-\\-version\n"
          "Print the version and the versions of the libraries it runs with.\n"
          ".TP\n"
          ".BR \\-h \", \" \\-\\-help\n"
          "Print the commands; \\fBgatehouse\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR prints "
          "the options of one.\n"
          ".SH COMMANDS\n",
          f);
    for (size_t i = 0; gh_cli_commands[i] != NULL; i++)
        man_command(f, gh_cli_commands[i]);
    fputs(".SS help\n"
          "\\fBgatehouse help\\fR \\fICOMMAND\\fR is \\fBgatehouse\\fR \\fICOMMAND\\fR "
          "\\fB\\-\\-help\\fR. \\fBgatehouse help \\-\\-man\\fR prints this page and "
          "\\fBgatehouse help \\-\\-completion bash\\fR the bash completion script, both "
          "made from the tables the commands parse their arguments with.\n"
          ".SH ENVIRONMENT\n"
          ".TP\n"
          ".B GATEHOUSE_DB\n"
          "The database URL when \\fB\\-\\-db\\fR is not given.\n"
          ".TP\n"
          ".B GATEHOUSE_\\fIKEY\\fR\n"
          "A \\fBserve\\fR setting: the option's name in capitals with \\fB_\\fR for "
          "\\fB\\-\\fR, e.g. \\fBGATEHOUSE_LISTEN\\fR.\n"
          ".SH FILES\n"
          "As installed by the Debian package:\n"
          ".TP\n"
          ".I /etc/gatehouse/gatehouse.conf\n"
          "The settings \\fBgatehouse.service\\fR starts \\fBserve\\fR with.\n"
          ".TP\n"
          ".I /var/lib/gatehouse/gatehouse.db\n"
          "The SQLite database of the service, owned by the \\fBgatehouse\\fR user.\n"
          ".TP\n"
          ".I /lib/systemd/system/gatehouse.service\n"
          "The systemd unit: a dedicated user, no capabilities, a read-only system.\n"
          ".TP\n"
          ".I /usr/share/doc/gatehouse/\n"
          "README.Debian, the configuration reference (configuration.md) and an example "
          "configuration.\n"
          ".SH EXIT STATUS\n"
          "0 on success, 1 on a failure (one line on standard error names the problem), 2 "
          "on a usage error.\n"
          ".SH EXAMPLES\n"
          "Initialise the service's database, add a user and a public client, start it:\n"
          ".PP\n"
          ".nf\n"
          ".RS\n"
          "sudo \\-u gatehouse gatehouse \\-\\-db sqlite:/var/lib/gatehouse/gatehouse.db \\e\n"
          "     init \\-\\-issuer https://auth.example.com\n"
          "sudo \\-u gatehouse gatehouse \\-\\-db sqlite:/var/lib/gatehouse/gatehouse.db \\e\n"
          "     user add \\-\\-username alice \\-\\-password\\-stdin < pw.txt\n"
          "sudo \\-u gatehouse gatehouse \\-\\-db sqlite:/var/lib/gatehouse/gatehouse.db \\e\n"
          "     client add \\-\\-id web \\-\\-public \\-\\-redirect\\-uri "
          "https://app.example.com/cb\n"
          "sudo systemctl start gatehouse\n"
          ".RE\n"
          ".fi\n"
          ".PP\n"
          "Try everything on one machine, with a demo user and the Frontend App:\n"
          ".PP\n"
          ".RS\n"
          ".B gatehouse demo\n"
          ".RE\n"
          ".SH SEE ALSO\n"
          ".BR systemctl (1),\n"
          ".BR journalctl (1),\n"
          ".I /usr/share/doc/gatehouse/configuration.md\n",
          f);
    return ferror(f) ? -1 : 0;
}

/* ---- bash completion ---- */

/* Appends " --name" (or " -o") for the options of t to list (space-
 * separated, at most len bytes), each once; only_valued: only those that
 * take a value. */
static void words(char *list, size_t len, const struct gh_opt_table *t, int only_valued)
{
    for (size_t i = 0; t != NULL && i < t->n; i++) {
        char w[80];
        snprintf(w, sizeof(w), " %s%s ", dashes(t->opts[i].name), t->opts[i].name);
        if ((only_valued && t->opts[i].type == GH_OPT_BOOL) || strstr(list, w) != NULL)
            continue;
        size_t k = strlen(list);
        snprintf(list + k, len - k, "%s", w + (k > 0 && list[k - 1] == ' '));
    }
}

int gh_cli_completion_bash(FILE *f)
{
    fputs("# bash completion for gatehouse(1); generated by\n"
          "# `gatehouse help --completion bash` from the binary's command and option\n"
          "# tables; do not edit.\n"
          "_gatehouse()\n"
          "{\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
          "    local takes=\"",
          f);
    char list[4096] = " --db ";
    for (size_t i = 0; gh_cli_commands[i] != NULL; i++) {
        words(list, sizeof(list), gh_cli_commands[i]->opts, 1);
        words(list, sizeof(list), gh_cli_commands[i]->more, 1);
    }
    fputs(list, f);
    fputs("\"\n"
          "    local i w cmd= sub= subs= opts=\n"
          "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
          "        w=${COMP_WORDS[i]}\n"
          "        if [[ $takes == *\" $w \"* ]]; then\n"
          "            ((i++))\n"
          "        elif [[ $w != -* && -z $cmd ]]; then\n"
          "            cmd=$w\n"
          "        elif [[ $w != -* && -z $sub ]]; then\n"
          "            sub=$w\n"
          "        fi\n"
          "    done\n"
          "    # an option's value: file names (complete -o default)\n"
          "    [[ $takes == *\" $prev \"* ]] && return 0\n"
          "    if [[ $cmd == help && $prev == --completion ]]; then\n"
          "        COMPREPLY=($(compgen -W bash -- \"$cur\"))\n"
          "        return 0\n"
          "    fi\n"
          "    case $cmd in\n"
          "    '')\n"
          "        COMPREPLY=($(compgen -W \"",
          f);
    for (size_t i = 0; gh_cli_commands[i] != NULL; i++)
        fprintf(f, "%s ", gh_cli_commands[i]->name);
    fputs("help --db --help --version\" -- \"$cur\"))\n"
          "        return 0\n"
          "        ;;\n"
          "    help)\n"
          "        subs=\"",
          f);
    for (size_t i = 0; gh_cli_commands[i] != NULL; i++)
        fprintf(f, "%s ", gh_cli_commands[i]->name);
    fputs("--man --completion\"\n"
          "        ;;\n",
          f);
    for (size_t i = 0; gh_cli_commands[i] != NULL; i++) {
        const struct gh_cli_cmd *c = gh_cli_commands[i];
        fprintf(f, "    %s)\n        subs=\"", c->name);
        for (size_t k = 0; c->subs != NULL && c->subs[k] != NULL; k++)
            fprintf(f, "%s%s", k ? " " : "", c->subs[k]);
        char opts[4096] = " --help --db ";
        words(opts, sizeof(opts), c->opts, 0);
        words(opts, sizeof(opts), c->more, 0);
        opts[strlen(opts) - 1] = '\0';
        fprintf(f, "\"\n        opts=\"%s\"\n        ;;\n", opts + 1);
    }
    fputs("    esac\n"
          "    # options when a word starts with -, else file names (trace import FILE)\n"
          "    if [[ -n $subs && -z $sub ]]; then\n"
          "        COMPREPLY=($(compgen -W \"$subs --help\" -- \"$cur\"))\n"
          "    elif [[ $cur == -* ]]; then\n"
          "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
          "    fi\n"
          "}\n"
          "complete -o default -F _gatehouse gatehouse\n",
          f);
    return ferror(f) ? -1 : 0;
}
