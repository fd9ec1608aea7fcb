/*
 * GET /passkey.js (passkey.h): the one script of the AS pages, embedded
 * from src/oauth/static/ at build time (scripts/embed.sh, gh_as_assets).
 * It is the same for every user and changes only with the binary, so it
 * may be cached; the pages that load it allow script-src 'self' only
 * when passkeys are possible (gh_webauthn_possible).
 */
#include <string.h>

#include "core/asset.h"
#include "oauth/passkey.h"

void gh_h_passkey_js(struct gh_req *r)
{
    const struct gh_asset *a = gh_asset_find(gh_as_assets, "passkey.js");
    if (a == NULL) {
        gh_resp_body(r, 404, "text/plain; charset=utf-8", "not found\n", 10);
        return;
    }
    gh_resp_header(r, "Cache-Control", "public, max-age=3600");
    gh_resp_header(r, "X-Content-Type-Options", "nosniff");
    gh_resp_body(r, 200, "text/javascript; charset=utf-8", (const char *)a->data, a->len);
}
