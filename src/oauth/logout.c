/*
 * The end-session endpoint, GET and POST /logout (OpenID Connect
 * RP-Initiated Logout 1.0). With a valid id_token_hint (ours, expired or
 * not; with client_id, the same client) the browser's session ends at once
 * and the browser goes back to post_logout_redirect_uri with state, when
 * that URI is registered for the client the hint names (section 3:
 * compared exactly), or sees the "signed out" page otherwise. Without a
 * valid hint the user confirms first, on a form guarded by the CSRF MAC of
 * the sign-in and consent forms (authz.h). Ending a session revokes the
 * refresh-token families issued under it and queues the back-channel
 * logouts of its clients in one transaction (store.h logout_session), so
 * they are durable before the page answers; delivery happens later, on the
 * sender's thread (backchannel.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "oauth/authz.h"
#include "oauth/backchannel.h"
#include "oauth/idtoken.h"
#include "oauth/session.h"
#include "trace/recorder.h"

#define LOGOUT_STATE_MAX 2048 /* as /authorize accepts */

struct logout_req {
    const char *hint, *client_id, *redirect, *state;
    struct gh_idtoken_hint claims;
    int hint_ok;
    struct gh_logout done; /* what ending the session did */
    int64_t t0_us;
};

/* The CSRF MAC of the confirmation form: the authorization forms' MAC over
 * this browser's cookie and a request no authorization request can be
 * ("/logout" is no redirect URI), so neither form's token fits the other. */
static void logout_authz(struct gh_authz *a)
{
    memset(a, 0, sizeof(*a));
    a->client_id = "";
    a->redirect_uri = "/logout";
    a->challenge = "";
    a->scope = "logout";
}

/* Ends this browser's session and clears its cookie. A browser that sent
 * no session cookie (a cross-site POST carries no SameSite=Lax cookie)
 * ends the session a valid hint names by its sid and sub instead. */
static void end_session(struct gh_req *r, const struct gh_snap *s, struct logout_req *l)
{
    struct gh_as *as = gh_as_of(r);
    const char *cookie = gh_req_cookie(r, "gh_session");
    gh_session_cookie_clear(r, s);
    unsigned char hash[GH_SHA256_LEN];
    struct gh_logout_req req = {.now_ms = gh_now_us() / 1000};
    if (cookie != NULL && strlen(cookie) == GH_TOKEN_LEN) {
        gh_sha256(cookie, strlen(cookie), hash);
        req.hash = hash;
    } else if (l->hint_ok && l->claims.sid[0] != '\0') {
        req.sid = l->claims.sid;
        req.sub = l->claims.sub;
    } else {
        return;
    }
    int rc = gh_store_logout_session(as->store, &req, &l->done);
    if (rc == GH_ENOTFOUND)
        return;
    if (rc < 0) {
        gh_log(GH_LOG_ERROR, "cannot end browser session", "error", gh_strerror(rc), NULL);
        return;
    }
    char fam[16], queued[16];
    snprintf(fam, sizeof(fam), "%d", l->done.families);
    snprintf(queued, sizeof(queued), "%d", l->done.queued);
    gh_log(GH_LOG_INFO, "signed out", "sub", l->done.sub, "families_revoked", fam,
           "backchannel_queued", queued, NULL);
    if (l->done.queued > 0)
        gh_bcl_wake(as->bcl);
}

/* 1 when uri is a post_logout_redirect_uri of the client the hint names. */
static int registered(const struct gh_snap *s, const struct logout_req *l)
{
    const struct gh_client *c = gh_snap_client(s, l->claims.aud);
    for (int i = 0; c != NULL && l->redirect != NULL && i < c->n_post_logout; i++)
        if (strcmp(c->post_logout[i], l->redirect) == 0)
            return 1;
    return 0;
}

static void redirect_back(struct gh_req *r, const struct logout_req *l)
{
    struct gh_buf b;
    gh_buf_init(&b, 16384);
    gh_buf_puts(&b, l->redirect);
    if (l->state != NULL) {
        gh_buf_puts(&b, strchr(l->redirect, '?') ? "&state=" : "?state=");
        gh_buf_urlenc(&b, l->state, strlen(l->state));
    }
    const char *loc = b.p ? gh_arena_strndup(r->arena, b.p, b.len) : NULL;
    gh_buf_release(&b);
    if (loc == NULL)
        gh_page_signed_out(r);
    else
        gh_resp_redirect(r, loc);
}

/* Records the end-session request in the flow of the session's latest
 * grant (no-op without tracing or when the session issued nothing). */
static void trace(struct gh_req *r, const struct logout_req *l)
{
    struct gh_recorder *rec = gh_as_of(r)->rec;
    if (rec == NULL || l->done.flow_id[0] == '\0')
        return;
    int64_t end = gh_now_us();
    gh_rec_step(rec, l->done.flow_id, GH_P_BROWSER, GH_P_AS, GH_STEP_CALL, 0, l->t0_us, 0,
                !l->hint_ok ? "POST /logout (confirmed, csrf)"
                : r->method == GH_POST
                    ? "POST /logout (id_token_hint, post_logout_redirect_uri, state)"
                    : "GET /logout (id_token_hint, post_logout_redirect_uri, state)",
                "RP-Initiated Logout 1.0: end-session request", NULL, GH_GROUP_NONE);
    char note[96];
    snprintf(note, sizeof(note),
             "session ended, %d refresh-token families revoked, %d "
             "back-channel logouts queued",
             l->done.families, l->done.queued);
    gh_rec_step(rec, l->done.flow_id, GH_P_AS, GH_P_AS, GH_STEP_SELF, 0, end, 0,
                "end browser session (sid), revoke its families", note, NULL, GH_GROUP_NONE);
    gh_rec_step(rec, l->done.flow_id, GH_P_AS, GH_P_BROWSER, GH_STEP_REPLY, r->status, end,
                (int32_t)(end - l->t0_us),
                r->status == 302 || r->status == 303 ? "302 → post_logout_redirect_uri?state"
                                                     : "200 signed-out page",
                NULL, NULL, GH_GROUP_NONE);
}

/* The request's parameters; NULL when the answer (an error page) is given. */
static const struct gh_form *params(struct gh_req *r, struct gh_form *body)
{
    if (r->method != GH_POST)
        return &r->query;
    if (gh_form_parse(r->arena, r->body, r->body_len, body) < 0) {
        gh_page_error(r, 400, "Bad request", "The sign-out request is malformed.");
        return NULL;
    }
    return body;
}

/* A parameter sent at most once ("" counts as absent); *bad when repeated. */
static const char *one(const struct gh_form *f, const char *name, int *bad)
{
    int dup = 0;
    const char *v = gh_form_get(f, name, &dup);
    if (dup)
        *bad = 1;
    return v && v[0] ? v : NULL;
}

/* Confirmation form posted back: end the session when its MAC holds. */
static void confirmed(struct gh_req *r, const struct gh_snap *s, struct logout_req *l,
                      const char *csrf)
{
    struct gh_authz a;
    logout_authz(&a);
    if (!gh_authz_csrf_ok(r, s, &a, csrf)) {
        gh_page_error(r, 403, "Sign-out not confirmed",
                      "The sign-out form has expired or did not come from this browser.");
        return;
    }
    end_session(r, s, l);
    gh_page_signed_out(r);
}

static void ask(struct gh_req *r, const struct gh_snap *s, const struct logout_req *l)
{
    struct gh_authz a;
    logout_authz(&a);
    gh_authz_csrf(r, s, &a);
    struct gh_session sess;
    int signed_in = gh_session_user(r, &sess);
    gh_page_logout_confirm(r, signed_in ? sess.sub : NULL, a.csrf,
                           l->hint != NULL ? "The sign-out request could not be verified." : NULL);
}

void gh_h_logout(struct gh_req *r)
{
    struct gh_as *as = gh_as_of(r);
    struct gh_snap *s = gh_as_snap(as);
    struct logout_req l = {.t0_us = gh_now_us()};
    struct gh_form body;
    const struct gh_form *f = params(r, &body);
    if (f == NULL)
        goto out;
    int bad = 0;
    l.hint = one(f, "id_token_hint", &bad);
    l.client_id = one(f, "client_id", &bad);
    l.redirect = one(f, "post_logout_redirect_uri", &bad);
    l.state = one(f, "state", &bad);
    const char *csrf = r->method == GH_POST ? one(f, "csrf", &bad) : NULL;
    if (bad || (l.state != NULL && strlen(l.state) > LOGOUT_STATE_MAX)) {
        gh_page_error(r, 400, "Bad request",
                      bad ? "A sign-out parameter is repeated."
                          : "The state parameter is longer than 2048 characters.");
        goto out;
    }
    /* section 2: an id_token we issued, expired or not; client_id, when
     * sent, must be the client it was issued to */
    l.hint_ok = l.hint != NULL && gh_idtoken_hint_verify(s, l.hint, &l.claims) == 0 &&
                (l.client_id == NULL || strcmp(l.client_id, l.claims.aud) == 0);
    if (csrf != NULL && !l.hint_ok) {
        confirmed(r, s, &l, csrf);
    } else if (!l.hint_ok) {
        ask(r, s, &l);
    } else {
        end_session(r, s, &l);
        if (registered(s, &l))
            redirect_back(r, &l);
        else
            gh_page_signed_out(r);
    }
    trace(r, &l);
out:
    gh_snap_put(as, s);
}
