/*
 * Option tables. A table of {name, type, offset, default,
 * bounds, help} drives command-line flags, the --config file, GATEHOUSE_*
 * environment variables and --help, and fills a typed struct. Nothing looks
 * an option up by string at run time: code reads the struct's fields.
 */
#ifndef GH_OPTS_H
#define GH_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum gh_opt_type {
    GH_OPT_STR,  /* char * (owned by the struct, freed by gh_opts_free) */
    GH_OPT_INT,  /* int64_t within [min, max] */
    GH_OPT_BOOL, /* int 0/1; a flag without a value sets it */
    GH_OPT_LIST, /* struct gh_strlist, repeatable */
    GH_OPT_ADDR, /* char *, "HOST:PORT" with a numeric port */
    GH_OPT_URL,  /* char *, an http(s) URL without fragment */
};

#define GH_OPT_LIST_MAX 16
struct gh_strlist {
    char *v[GH_OPT_LIST_MAX];
    int n;
};

enum gh_opt_flags {
    GH_OPT_NOENV = 1,  /* not read from the environment */
    GH_OPT_NOFILE = 2, /* not read from a config file */
};

struct gh_opt {
    const char *name; /* flag without dashes, also the config-file key */
    enum gh_opt_type type;
    size_t offset;   /* of the field in the target struct */
    const char *def; /* default as text, NULL for none */
    int64_t min, max;
    const char *help;
    unsigned flags;
};

struct gh_opt_table {
    const struct gh_opt *opts;
    size_t n;
};

/* Sets every field to its default. */
int gh_opts_defaults(const struct gh_opt_table *t, void *base, char *err, size_t errlen);
/* Applies GATEHOUSE_<NAME> environment variables. */
int gh_opts_env(const struct gh_opt_table *t, void *base, char *err, size_t errlen);
/* Applies "key = value" lines of a config file ('#' comments). Unknown key
 * or bad value: GH_EINVAL with the line number in err. */
int gh_opts_file(const struct gh_opt_table *t, void *base, const char *path, char *err,
                 size_t errlen);
/* Parses argv[0..argc) as --name value / --name=value flags; positional
 * arguments are an error. Unknown flag: GH_EINVAL. */
int gh_opts_argv(const struct gh_opt_table *t, void *base, int argc, char **argv, char *err,
                 size_t errlen);
/* defaults, then --config FILE (if the table has "config"), env, argv. */
int gh_opts_load(const struct gh_opt_table *t, void *base, int argc, char **argv, char *err,
                 size_t errlen);
/* Sets one option from text. */
int gh_opts_set(const struct gh_opt_table *t, void *base, const char *name, const char *value,
                char *err, size_t errlen);
void gh_opts_free(const struct gh_opt_table *t, void *base);
/* Prints one line per option: flag, default, bounds, help. */
void gh_opts_help(const struct gh_opt_table *t, FILE *f);
/* Writes a Markdown table (flag, config key, env, default, bounds, meaning). */
void gh_opts_markdown(const struct gh_opt_table *t, FILE *f);

#endif
