/* Option tables: one definition drives flags, config file, environment and
 * help (see opts.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "err.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return GH_EINVAL;
}

static const struct gh_opt *find(const struct gh_opt_table *t, const char *name, size_t n)
{
    for (size_t i = 0; i < t->n; i++)
        if (strlen(t->opts[i].name) == n && strncmp(t->opts[i].name, name, n) == 0)
            return &t->opts[i];
    return NULL;
}

static int parse_int(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return GH_EINVAL;
    *out = v;
    return 0;
}

static int valid_addr(const char *s)
{
    const char *colon = strrchr(s, ':');
    if (colon == NULL || colon == s || colon[1] == '\0')
        return 0;
    int64_t port;
    if (parse_int(colon + 1, &port) < 0 || port < 0 || port > 65535)
        return 0;
    for (const char *p = s; p < colon; p++)
        if (!isalnum((unsigned char)*p) && strchr(".-:[]", *p) == NULL)
            return 0;
    return 1;
}

static int valid_url(const char *s)
{
    const char *rest;
    if (strncmp(s, "https://", 8) == 0)
        rest = s + 8;
    else if (strncmp(s, "http://", 7) == 0)
        rest = s + 7;
    else
        return 0;
    if (*rest == '\0' || *rest == '/' || strchr(s, '#') != NULL)
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return 0;
    return 1;
}

static int set_value(const struct gh_opt *o, void *base, const char *v, char *err, size_t errlen)
{
    char *field = (char *)base + o->offset;
    int64_t iv;
    switch (o->type) {
    case GH_OPT_INT:
        if (parse_int(v, &iv) < 0)
            return fail(err, errlen, "option '%s' wants a whole number, not '%s'", o->name, v);
        if (iv < o->min || iv > o->max)
            return fail(err, errlen, "option '%s' must be between %lld and %lld", o->name,
                        (long long)o->min, (long long)o->max);
        memcpy(field, &iv, sizeof(iv));
        return 0;
    case GH_OPT_BOOL: {
        int b;
        if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0)
            b = 1;
        else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcmp(v, "no") == 0)
            b = 0;
        else
            return fail(err, errlen, "option '%s' wants true or false, not '%s'", o->name, v);
        memcpy(field, &b, sizeof(b));
        return 0;
    }
    case GH_OPT_LIST: {
        struct gh_strlist *l = (struct gh_strlist *)(void *)field;
        if (l->n >= GH_OPT_LIST_MAX)
            return fail(err, errlen, "option '%s' given more than %d times", o->name,
                        GH_OPT_LIST_MAX);
        char *copy = strdup(v);
        if (copy == NULL)
            return fail(err, errlen, "out of memory");
        l->v[l->n++] = copy;
        return 0;
    }
    case GH_OPT_ADDR:
        if (v[0] != '\0' && !valid_addr(v))
            return fail(err, errlen, "option '%s' wants HOST:PORT, not '%s'", o->name, v);
        break;
    case GH_OPT_URL:
        if (v[0] != '\0' && !valid_url(v))
            return fail(err, errlen, "option '%s' wants an http(s) URL, not '%s'", o->name, v);
        break;
    case GH_OPT_STR:
        break;
    }
    char *copy = strdup(v);
    if (copy == NULL)
        return fail(err, errlen, "out of memory");
    char *old;
    memcpy(&old, field, sizeof(old));
    free(old);
    memcpy(field, &copy, sizeof(copy));
    return 0;
}

int gh_opts_set(const struct gh_opt_table *t, void *base, const char *name, const char *value,
                char *err, size_t errlen)
{
    const struct gh_opt *o = find(t, name, strlen(name));
    if (o == NULL)
        return fail(err, errlen, "unknown option '--%s'", name);
    return set_value(o, base, value, err, errlen);
}

int gh_opts_defaults(const struct gh_opt_table *t, void *base, char *err, size_t errlen)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct gh_opt *o = &t->opts[i];
        char *field = (char *)base + o->offset;
        if (o->type == GH_OPT_LIST) {
            memset(field, 0, sizeof(struct gh_strlist));
            continue;
        }
        if (o->type == GH_OPT_INT)
            memset(field, 0, sizeof(int64_t));
        else if (o->type == GH_OPT_BOOL)
            memset(field, 0, sizeof(int));
        else {
            char *none = NULL;
            memcpy(field, &none, sizeof(none));
        }
        if (o->def != NULL && set_value(o, base, o->def, err, errlen) < 0)
            return GH_EINVAL;
    }
    return 0;
}

int gh_opts_env(const struct gh_opt_table *t, void *base, char *err, size_t errlen)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct gh_opt *o = &t->opts[i];
        if (o->flags & GH_OPT_NOENV)
            continue;
        char name[96] = "GATEHOUSE_";
        size_t k = strlen(name);
        for (const char *p = o->name; *p && k + 1 < sizeof(name); p++)
            name[k++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
        name[k] = '\0';
        const char *v = getenv(name);
        if (v != NULL && set_value(o, base, v, err, errlen) < 0)
            return GH_EINVAL;
    }
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

int gh_opts_file(const struct gh_opt_table *t, void *base, const char *path, char *err,
                 size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return fail(err, errlen, "cannot open config file '%s': %s", path, strerror(errno));
    char line[4096], sub[512];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            rc = fail(err, errlen, "%s:%d: line longer than %zu characters", path, lineno,
                      sizeof(line) - 2);
            break;
        }
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            rc = fail(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
            break;
        }
        *eq = '\0';
        char *key = trim(s), *val = trim(eq + 1);
        size_t vl = strlen(val);
        if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
            val[vl - 1] = '\0';
            val++;
        }
        const struct gh_opt *o = find(t, key, strlen(key));
        if (o == NULL || (o->flags & GH_OPT_NOFILE)) {
            rc = fail(err, errlen, "%s:%d: unknown key '%s'", path, lineno, key);
            break;
        }
        if (set_value(o, base, val, sub, sizeof(sub)) < 0)
            rc = fail(err, errlen, "%s:%d: %s", path, lineno, sub);
    }
    fclose(f);
    return rc;
}

int gh_opts_argv(const struct gh_opt_table *t, void *base, int argc, char **argv, char *err,
                 size_t errlen)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0')
            return fail(err, errlen, "unexpected argument '%s'", a);
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        const struct gh_opt *o = find(t, name, n);
        if (o == NULL)
            return fail(err, errlen, "unknown option '--%.*s'", (int)n, name);
        const char *v;
        if (eq != NULL)
            v = eq + 1;
        else if (o->type == GH_OPT_BOOL)
            v = "true";
        else if (i + 1 < argc)
            v = argv[++i];
        else
            return fail(err, errlen, "option '--%s' needs a value", o->name);
        if (set_value(o, base, v, err, errlen) < 0)
            return GH_EINVAL;
    }
    return 0;
}

int gh_opts_load(const struct gh_opt_table *t, void *base, int argc, char **argv, char *err,
                 size_t errlen)
{
    if (gh_opts_defaults(t, base, err, errlen) < 0)
        return GH_EINVAL;
    const struct gh_opt *cfg = find(t, "config", 6);
    if (cfg != NULL) {
        for (int i = 0; i < argc; i++) {
            const char *path = NULL;
            if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
                path = argv[i + 1];
            else if (strncmp(argv[i], "--config=", 9) == 0)
                path = argv[i] + 9;
            if (path != NULL && gh_opts_file(t, base, path, err, errlen) < 0)
                return GH_EINVAL;
        }
    }
    if (gh_opts_env(t, base, err, errlen) < 0)
        return GH_EINVAL;
    return gh_opts_argv(t, base, argc, argv, err, errlen);
}

void gh_opts_free(const struct gh_opt_table *t, void *base)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct gh_opt *o = &t->opts[i];
        char *field = (char *)base + o->offset;
        if (o->type == GH_OPT_LIST) {
            struct gh_strlist *l = (struct gh_strlist *)(void *)field;
            for (int k = 0; k < l->n; k++)
                free(l->v[k]);
            l->n = 0;
        } else if (o->type == GH_OPT_STR || o->type == GH_OPT_ADDR || o->type == GH_OPT_URL) {
            char *p;
            memcpy(&p, field, sizeof(p));
            free(p);
            p = NULL;
            memcpy(field, &p, sizeof(p));
        }
    }
}

static const char *type_hint(enum gh_opt_type type)
{
    switch (type) {
    case GH_OPT_INT:
        return "N";
    case GH_OPT_BOOL:
        return "";
    case GH_OPT_ADDR:
        return "ADDR:PORT";
    case GH_OPT_URL:
        return "URL";
    default:
        return "VALUE";
    }
}

void gh_opts_help(const struct gh_opt_table *t, FILE *f)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct gh_opt *o = &t->opts[i];
        char flag[64];
        snprintf(flag, sizeof(flag), "--%s %s", o->name, type_hint(o->type));
        fprintf(f, "  %-28s %s", flag, o->help);
        if (o->def != NULL && o->def[0] != '\0')
            fprintf(f, " (default %s)", o->def);
        if (o->type == GH_OPT_INT)
            fprintf(f, " [%lld..%lld]", (long long)o->min, (long long)o->max);
        fputc('\n', f);
    }
}

void gh_opts_markdown(const struct gh_opt_table *t, FILE *f)
{
    fprintf(f, "| flag | config key | environment | default | bounds | meaning |\n");
    fprintf(f, "|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < t->n; i++) {
        const struct gh_opt *o = &t->opts[i];
        char env[96] = "GATEHOUSE_";
        size_t k = strlen(env);
        for (const char *p = o->name; *p && k + 1 < sizeof(env); p++)
            env[k++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
        env[k] = '\0';
        fprintf(f, "| `--%s` | %s | %s | %s | ", o->name,
                (o->flags & GH_OPT_NOFILE) ? "—" : o->name, (o->flags & GH_OPT_NOENV) ? "—" : env,
                o->def && o->def[0] ? o->def : "—");
        if (o->type == GH_OPT_INT)
            fprintf(f, "%lld–%lld", (long long)o->min, (long long)o->max);
        else
            fprintf(f, "—");
        fprintf(f, " | %s |\n", o->help);
    }
}
