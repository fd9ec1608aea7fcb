/* Lookup in the embedded file tables; see asset.h. */
#include <string.h>

#include "asset.h"

const struct gh_asset *gh_asset_find(const struct gh_asset *t, const char *name)
{
    for (; t->name != NULL; t++)
        if (strcmp(t->name, name) == 0)
            return t;
    return NULL;
}
