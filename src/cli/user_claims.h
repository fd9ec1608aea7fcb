/*
 * The profile claims of `gatehouse user add|update|show` (OpenID Connect
 * Core 5.1: email, email_verified, name, given_name, family_name). user.c
 * owns the option table; the rows for the claims come from
 * GH_USER_CLAIM_OPTS so both subcommands take the same flags.
 */
#ifndef GH_USER_CLAIMS_H
#define GH_USER_CLAIMS_H

#include <stddef.h>

#include "core/opts.h"
#include "store/store.h"

struct gh_user_claim_opts {
    char *email, *name, *given_name, *family_name; /* NULL: not given */
    int email_verified, email_unverified;
};

/* Option rows for a struct T whose member m is a struct gh_user_claim_opts. */
#define GH_USER_CLAIM_OPTS(T, m)                                                                   \
    {"email", GH_OPT_STR, offsetof(T, m.email), NULL, 0, 0, "email address (claim email)", 0},     \
        {"email-verified",                                                                         \
         GH_OPT_BOOL,                                                                              \
         offsetof(T, m.email_verified),                                                            \
         "false",                                                                                  \
         0,                                                                                        \
         0,                                                                                        \
         "the email address is verified (claim email_verified)",                                   \
         0},                                                                                       \
        {"email-unverified",                                                                       \
         GH_OPT_BOOL,                                                                              \
         offsetof(T, m.email_unverified),                                                          \
         "false",                                                                                  \
         0,                                                                                        \
         0,                                                                                        \
         "the email address is not verified (update; a new --email is unverified unless "          \
         "--email-verified)",                                                                      \
         0},                                                                                       \
        {"name", GH_OPT_STR, offsetof(T, m.name), NULL, 0, 0, "full name (claim name)", 0},        \
        {"given-name",                                                                             \
         GH_OPT_STR,                                                                               \
         offsetof(T, m.given_name),                                                                \
         NULL,                                                                                     \
         0,                                                                                        \
         0,                                                                                        \
         "given name (claim given_name)",                                                          \
         0},                                                                                       \
    {                                                                                              \
        "family-name", GH_OPT_STR, offsetof(T, m.family_name), NULL, 0, 0,                         \
            "family name (claim family_name)", 0                                                   \
    }

/* Checks the given claims and applies them to u; an empty value clears a
 * claim. Returns an exit status (GH_EXIT_USAGE with a message when a value
 * is malformed). */
int gh_user_claims_apply(const struct gh_user_claim_opts *o, struct gh_user *u);
/* `user update`: changes the given claims of username. Exit status. */
int gh_user_claims_update(struct gh_store *s, const char *username,
                          const struct gh_user_claim_opts *o);
/* `user show`: one "attribute value" line each; never the password hash. */
int gh_user_claims_show(struct gh_store *s, const char *username);

#endif
