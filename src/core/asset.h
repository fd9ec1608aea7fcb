/* Files embedded into the binary by scripts/embed.sh: the Frontend App's
 * static files, the schema migrations and the
 * Authorization Server pages' script. Tables end with a NULL name. */
#ifndef GH_ASSET_H
#define GH_ASSET_H

#include <stddef.h>

struct gh_asset {
    const char *name; /* base name */
    const unsigned char *data;
    size_t len;
};

extern const struct gh_asset gh_app_assets[];
extern const struct gh_asset gh_schemas[];
extern const struct gh_asset gh_as_assets[]; /* the AS pages' script (src/oauth/static/) */

/* The asset called name in table t, or NULL. */
const struct gh_asset *gh_asset_find(const struct gh_asset *t, const char *name);

#endif
