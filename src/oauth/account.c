/*
 * The account page (account.h): the request context every account
 * endpoint starts with (the browser session, the posted form and its CSRF
 * token), GET /account, and POST /account/sessions/signout, which ends one
 * of the user's browser sessions by its public sid the way RP-Initiated
 * Logout does (store.h logout_session: the session, its refresh-token
 * families and the queueing of its back-channel logouts in one
 * transaction). A sid that is not the user's ends nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "oauth/account.h"
#include "oauth/backchannel.h"
#include "oauth/pages.h"
#include "oauth/session.h"
#include "webauthn/webauthn.h"

/* The CSRF token of the account forms binds this purpose and the session's
 * sid: it fits no other form and no other session (csrf.h). */
#define CSRF_PURPOSE "account"

static int csrf_ok(struct gh_req *r, const struct gh_account *ac)
{
    const char *f[] = {CSRF_PURPOSE, ac->sess.sid};
    return gh_csrf_ok(r, ac->s, f, GH_ARRAY_LEN(f), gh_account_field(ac, "csrf"));
}

/* The answer of a request that cannot go on: a page, or for a script's
 * request (json) a JSON error with the same status. */
static int refuse(struct gh_req *r, int json, int status, const char *title, const char *message,
                  const char *code)
{
    if (json)
        gh_resp_error(r, status, code, message);
    else
        gh_account_view_message(r, status, title, message);
    return GH_EINVAL;
}

static int begin(struct gh_req *r, struct gh_account *ac, int json)
{
    memset(ac, 0, sizeof(*ac));
    ac->as = gh_as_of(r);
    ac->s = gh_as_snap(ac->as);
    if (!gh_session_user(r, &ac->sess))
        return refuse(r, json, 401, "Sign in first",
                      "You are not signed in to gatehouse in this browser. Sign in "
                      "through an application that uses gatehouse, then open this "
                      "page again.",
                      "login_required");
    if (r->method == GH_POST) {
        if (gh_form_parse(r->arena, r->body, r->body_len, &ac->form) < 0)
            return refuse(r, json, 400, "Bad request", "The form is malformed.", "invalid_request");
        if (!csrf_ok(r, ac))
            return refuse(r, json, 403, "Form expired",
                          "This form has expired or did not come from this browser. "
                          "Nothing was changed.",
                          "invalid_csrf");
    }
    const char *f[] = {CSRF_PURPOSE, ac->sess.sid};
    gh_csrf_token(r, ac->s, f, GH_ARRAY_LEN(f), ac->csrf);
    return 0;
}

int gh_account_begin(struct gh_req *r, struct gh_account *ac)
{
    return begin(r, ac, 0);
}

int gh_account_begin_json(struct gh_req *r, struct gh_account *ac)
{
    return begin(r, ac, 1);
}

void gh_account_end(struct gh_account *ac)
{
    if (ac->s != NULL)
        gh_snap_put(ac->as, ac->s);
    ac->s = NULL;
}

const char *gh_account_field(const struct gh_account *ac, const char *name)
{
    return gh_form_get(&ac->form, name, NULL);
}

const char *gh_account_authority(struct gh_req *r, const char *issuer)
{
    const char *p = strstr(issuer, "://");
    p = p ? p + 3 : issuer;
    const char *a = gh_arena_strndup(r->arena, p, strcspn(p, "/?#"));
    return a ? a : "";
}

/* What the account page shows about one-time codes. */
static enum gh_totp_state totp_state(struct gh_account *ac, int *recovery_left)
{
    struct gh_mfa m;
    *recovery_left = 0;
    if (gh_store_mfa_get(ac->as->store, ac->sess.sub, &m) < 0)
        return GH_TOTP_OFF;
    OPENSSL_cleanse(m.secret_sealed, sizeof(m.secret_sealed));
    if (!m.enabled)
        return GH_TOTP_PENDING;
    gh_store_recovery_count(ac->as->store, ac->sess.sub, recovery_left);
    return GH_TOTP_ON;
}

void gh_account_page(struct gh_req *r, struct gh_account *ac, int status, const char *notice,
                     const char *error)
{
    struct gh_account_view v = {.user = ac->sess.sub,
                                .csrf = ac->csrf,
                                .issuer = ac->s->issuer,
                                .current_sid = ac->sess.sid,
                                .notice = notice,
                                .error = error};
    struct gh_session *rows = NULL;
    struct gh_webauthn_cred *creds = NULL;
    size_t n = 0;
    v.totp = totp_state(ac, &v.recovery_left);
    v.passkeys = gh_webauthn_possible(ac->s->issuer);
    if (gh_store_session_list_user(ac->as->store, ac->sess.sub, gh_now(), &rows, &n) < 0 ||
        (v.passkeys &&
         gh_store_webauthn_cred_list(ac->as->store, ac->sess.sub, &creds, &v.n_creds) < 0)) {
        gh_account_view_message(r, 503, "Temporarily unavailable", "Please try again in a moment.");
        goto out;
    }
    v.sessions = rows;
    v.n_sessions = n;
    v.creds = creds;
    gh_account_view_page(r, status, &v);
out:
    free(creds);
    free(rows);
}

void gh_h_account(struct gh_req *r)
{
    struct gh_account ac;
    if (gh_account_begin(r, &ac) == 0)
        gh_account_page(r, &ac, 200, NULL, NULL);
    gh_account_end(&ac);
}

static void signed_out(struct gh_account *ac, const struct gh_logout *done)
{
    char fam[16], queued[16];
    snprintf(fam, sizeof(fam), "%d", done->families);
    snprintf(queued, sizeof(queued), "%d", done->queued);
    gh_log(GH_LOG_INFO, "session signed out on the account page", "sub", done->sub,
           "families_revoked", fam, "backchannel_queued", queued, NULL);
    if (done->queued > 0)
        gh_bcl_wake(ac->as->bcl);
}

static void sign_out(struct gh_req *r, struct gh_account *ac)
{
    const char *sid = gh_account_field(ac, "sid");
    struct gh_logout done;
    struct gh_logout_req req = {.sid = sid, .sub = ac->sess.sub, .now_ms = gh_now_us() / 1000};
    int rc = sid != NULL && strlen(sid) < GH_SID_MAX
                 ? gh_store_logout_session(ac->as->store, &req, &done)
                 : GH_ENOTFOUND;
    if (rc == GH_ENOTFOUND) {
        gh_account_view_message(r, 404, "No such session",
                                "That session has ended already, or it is not yours. Nothing "
                                "was changed.");
        return;
    }
    if (rc < 0) {
        gh_log(GH_LOG_ERROR, "cannot end browser session", "error", gh_strerror(rc), NULL);
        gh_account_view_message(r, 503, "Temporarily unavailable", "Please try again in a moment.");
        return;
    }
    signed_out(ac, &done);
    if (strcmp(sid, ac->sess.sid) == 0) { /* this browser's own session */
        gh_session_cookie_clear(r, ac->s);
        gh_page_signed_out(r);
        return;
    }
    gh_account_page(r, ac, 200, "That session is signed out.", NULL);
}

void gh_h_account_signout(struct gh_req *r)
{
    struct gh_account ac;
    if (gh_account_begin(r, &ac) == 0)
        sign_out(r, &ac);
    gh_account_end(&ac);
}
