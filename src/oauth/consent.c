/*
 * POST /consent (OIDC Core 3.1.2.4): the user allows or denies the
 * pending authorization request (authz.c) of the signed-in browser
 * (session.c); an allowed scope is remembered for the client.
 */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "oauth/authz.h"
#include "oauth/session.h"
#include "core/err.h"

/* Remembers that sub granted a's scope to its client, with what was granted
 * before (a narrower request later asks nothing); written before the code
 * is answered. */
static int remember_consent(struct gh_req *r, const struct gh_authz *a, const char *sub)
{
    struct gh_as *as = gh_as_of(r);
    char given[GH_SCOPE_MAX], both[2 * GH_SCOPE_MAX + 2], out[GH_SCOPE_MAX];
    if (gh_store_consent_get(as->store, sub, a->client_id, given, sizeof(given)) < 0)
        given[0] = '\0';
    snprintf(both, sizeof(both), "%s%s%s", given, given[0] && a->scope[0] ? " " : "", a->scope);
    /* too long together: the new grant alone */
    if (gh_scope_grant(both, NULL, out, sizeof(out)) < 0)
        snprintf(out, sizeof(out), "%s", a->scope);
    return gh_store_consent_put(as->store, sub, a->client_id, out, gh_now());
}

void gh_h_consent(struct gh_req *r)
{
    struct gh_as *as = gh_as_of(r);
    struct gh_snap *s = gh_as_snap(as);
    int64_t t0 = gh_now_us();
    struct gh_form f;
    struct gh_authz a;
    struct gh_session sess;
    if (gh_form_parse(r->arena, r->body, r->body_len, &f) < 0) {
        gh_page_error(r, 400, "Bad request", "The consent form is malformed.");
        goto out;
    }
    if (gh_authz_parse(r, &s, &f, &a) < 0)
        goto out;
    const char *decision = gh_form_get(&f, "decision", NULL);
    if (!gh_authz_csrf_ok(r, s, &a, gh_form_get(&f, "csrf", NULL))) {
        gh_page_error(r, 403, "Form expired",
                      "This form is no longer valid. Go back to the application and try again.");
    } else if (!gh_session_user(r, &sess)) {
        gh_authz_csrf(r, s, &a);
        gh_page_login(r, 200, &a, NULL, "Your session ended. Sign in again.");
    } else if (decision != NULL && strcmp(decision, "allow") == 0) {
        if (remember_consent(r, &a, sess.sub) < 0)
            gh_authz_error(r, s, &a, GH_OAUTH_TEMPORARILY_UNAVAILABLE,
                           "storage temporarily unavailable");
        else
            gh_authz_issue_code(r, s, &a, &sess);
    } else {
        gh_authz_error(r, s, &a, GH_OAUTH_ACCESS_DENIED, "the user denied access");
    }
    gh_authz_trace(r, &a,
                   gh_arena_printf(r->arena, "POST /consent (decision=%s)",
                                   decision && strcmp(decision, "allow") == 0 ? "allow" : "deny"),
                   "user consents", t0);
out:
    gh_snap_put(as, s);
}
