/*
 * The passkeys section of the account page (account.h). PASSKEYS GO HERE:
 * registering and removing WebAuthn credentials (Level 2: discoverable,
 * user verification required, attestation "none") is still to be built;
 * until then the section says so. The WebAuthn RP ID is the issuer's host
 * name (WebAuthn Level 2 5.1.4, "RP ID"): an IP address cannot be one, so
 * with an IP-address issuer the section is left out and the rest of the
 * page works.
 */
#include <string.h>

#include "http/addr.h"
#include "oauth/account.h"

/* 1 when the issuer's host is a name that can be an RP ID, 0 when it is
 * an IP address (or missing). */
static int rp_id_possible(const char *issuer)
{
    const char *p = strstr(issuer, "://");
    p = p ? p + 3 : issuer;
    size_t n = strcspn(p, "/?#");
    if (n == 0 || p[0] == '[') /* an IPv6 literal */
        return 0;
    size_t host = strcspn(p, ":/?#");
    struct gh_ip ip;
    return host > 0 && gh_ip_parse(p, host, &ip) != 0;
}

void gh_account_passkeys(struct gh_buf *b, const struct gh_account_view *v)
{
    if (!rp_id_possible(v->issuer))
        return;
    gh_buf_puts(b, "<section aria-labelledby=\"passkeys-h\" id=\"passkeys\"><h2 "
                   "id=\"passkeys-h\">Passkeys</h2><p>Passkeys are not available yet.</p>"
                   "</section>");
}
