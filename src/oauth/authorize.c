/*
 * GET/POST /authorize (RFC 6749 4.1.1 and 3.1, OIDC Core 3.1.2): the
 * request is parsed and validated by authz.c; here the browser session and
 * the prompt rules (proto/prompt.h) decide between a code, the sign-in,
 * second-factor (mfa.h) or consent page, and for prompt=none an error
 * redirect.
 */
#include <string.h>

#include "core/clock.h"
#include "oauth/authz.h"
#include "oauth/idtoken.h"
#include "oauth/mfa.h"
#include "oauth/session.h"
#include "proto/prompt.h"
#include "trace/recorder.h"
#include "core/err.h"

/* The next step of a request at /authorize (proto/prompt.h): a code, a
 * page, or for prompt=none the error that replaces the page. An
 * id_token_hint must be one of ours (expired or not); the user it names
 * pre-fills the sign-in page. */
static void authorize_step(struct gh_req *r, const struct gh_snap *s, struct gh_authz *a,
                           int signed_in, const struct gh_session *sess)
{
    struct gh_idtoken_hint hint = {0};
    if (a->id_token_hint != NULL && gh_idtoken_hint_verify(s, a->id_token_hint, &hint) < 0) {
        gh_authz_error(r, s, a, GH_OAUTH_INVALID_REQUEST, "id_token_hint is not valid");
        return;
    }
    struct gh_authn_facts facts = {
        .prompt = a->prompt_bits,
        .signed_in = signed_in,
        .auth_time = signed_in ? sess->created_at : 0,
        .now = gh_now(),
        .max_age = a->max_age,
        .hint_other = signed_in && a->id_token_hint != NULL && strcmp(hint.sub, sess->sub) != 0,
    };
    const char *user = a->login_hint;
    if (a->id_token_hint != NULL)
        user = hint.sub;
    /* here only whether to sign in; the rest as after any sign-in */
    switch (gh_authn_decide(&facts)) {
    case GH_AUTHN_LOGIN:
        gh_authz_csrf(r, s, a);
        gh_page_login(r, 200, a, user, NULL);
        break;
    case GH_AUTHN_LOGIN_REQUIRED:
        gh_authz_error(r, s, a, GH_OAUTH_LOGIN_REQUIRED, "the user must sign in");
        break;
    default:
        gh_signin_next(r, s, a, sess); /* second factor, consent or code */
        break;
    }
}

void gh_h_authorize(struct gh_req *r)
{
    struct gh_as *as = gh_as_of(r);
    struct gh_snap *s = gh_as_snap(as);
    int64_t t0 = gh_now_us();
    struct gh_form body, *f = &r->query;
    if (r->method == GH_POST) {
        if (gh_form_parse(r->arena, r->body, r->body_len, &body) < 0) {
            gh_page_error(r, 400, "Bad request", "The authorization request is malformed.");
            goto out;
        }
        f = &body;
    }
    struct gh_authz a;
    if (gh_authz_parse(r, &s, f, &a) < 0)
        goto out;
    struct gh_session sess;
    int signed_in = gh_session_user(r, &sess);
    char flow[GH_FLOW_ID_LEN + 1] = "";
    a.flow = flow; /* flow ids are made here, never taken from the request */
    if (as->rec != NULL) {
        gh_rec_flow_begin(as->rec, a.client_id, signed_in ? sess.sub : NULL, flow);
        gh_rec_step(as->rec, flow, GH_P_APP, GH_P_BROWSER, GH_STEP_REPLY, 0, t0 - 1, 0,
                    "redirect to /authorize (PKCE: S256 code_challenge, state)",
                    "authorization request prepared by the app", NULL, GH_GROUP_NONE);
    }
    authorize_step(r, s, &a, signed_in, &sess);
    char ch[16];
    gh_rec_short(a.challenge, ch);
    gh_authz_trace(r, &a,
                   gh_arena_printf(r->arena,
                                   "GET /authorize (response_type=code, code_challenge=%s, "
                                   "method=S256, state)",
                                   ch),
                   "authorization request", t0);
out:
    gh_snap_put(as, s);
}
