/*
 * PostgreSQL store (libpq). Not implemented yet: opening a postgres:// URL
 * fails with a clear message.
 */
#include <stdio.h>

#include "store/store.h"
#include "core/err.h"

int gh_pg_open(const char *url, struct gh_store **out, char *err, size_t errlen)
{
    (void)url;
    (void)out;
    snprintf(err, errlen, "PostgreSQL support is not available in this build yet");
    return GH_EUNAVAIL;
}
