/*
 * Signing in with a passkey (WebAuthn Level 2 7.2; SPEC 13):
 *
 *   POST /login/passkey/options  PublicKeyCredentialRequestOptions (5.5):
 *                                a challenge, the RP ID, user verification
 *                                required. Without a user: no
 *                                allowCredentials, the authenticator offers
 *                                its discoverable credentials (no user name
 *                                typed). With username and the ticket of a
 *                                password step (mfa.h): that user's
 *                                credentials, for a second factor.
 *   POST /login/passkey          the assertion, posted with the
 *                                authorization request and its CSRF token
 *                                like /login: the credential by its id, its
 *                                user by the userHandle (7.2 step 6), the
 *                                ceremony, the counter taken once by the
 *                                store, then a session with amr hwk and user
 *                                (or those added to the browser's password
 *                                session) and gh_signin_next, as after a
 *                                password.
 *
 * A user-verified passkey is two factors (RFC 8176 hwk + user, acr mfa).
 * The options answer JSON (errors too); the assertion is a form post whose
 * answer is a page, as for the password.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "oauth/authz.h"
#include "oauth/mfa.h"
#include "oauth/passkey.h"
#include "oauth/session.h"
#include "proto/amr.h"

#define PASSKEY_AMR (GH_AMR_HWK | GH_AMR_USER)

/* The user and first-step methods of a second-factor request (username
 * and ticket posted), into *u and *amr: 1; 0 when the request names no
 * user (a sign-in with a passkey alone); -1 when the ticket is not a live
 * one of this browser for that user. */
static int first_step(struct gh_req *r, const struct gh_snap *s, const struct gh_form *f,
                      struct gh_user *u, int *amr)
{
    const char *user = gh_form_get(f, "username", NULL);
    const char *ticket = gh_form_get(f, "ticket", NULL);
    *amr = 0;
    if (user == NULL && ticket == NULL)
        return 0;
    if (user == NULL || strlen(user) >= GH_ID_MAX ||
        gh_store_user_get(gh_as_of(r)->store, user, u) < 0)
        return -1;
    *amr = gh_mfa_ticket_amr(r, s, u, ticket);
    return *amr < 0 ? -1 : 1;
}

static void options(struct gh_req *r, const struct gh_snap *s)
{
    struct gh_passkey_rp rp;
    struct gh_form f;
    struct gh_user u;
    int amr;
    char challenge[64];
    struct gh_webauthn_cred *rows = NULL;
    size_t n = 0;
    if (gh_passkey_rp(s, &rp) < 0) {
        gh_passkey_error(r, 404, "not_available", "passkeys need an issuer with a host name");
        return;
    }
    if (gh_form_parse(r->arena, r->body, r->body_len, &f) < 0) {
        gh_passkey_error(r, 400, "invalid_request", "the request body is not a valid form");
        return;
    }
    int who = first_step(r, s, &f, &u, &amr);
    if (who < 0) {
        gh_passkey_error(r, 403, "expired", "this sign-in expired; sign in again");
        goto out;
    }
    if (who > 0 && gh_store_webauthn_cred_list(gh_as_of(r)->store, u.username, &rows, &n) < 0) {
        gh_passkey_error(r, 503, "temporarily_unavailable", "try again in a moment");
        goto out;
    }
    if (gh_passkey_challenge(r, "get", who > 0 ? u.username : "", challenge) < 0)
        goto out; /* answered */
    /* WebAuthn 5.5: an empty allowCredentials asks for a discoverable one */
    gh_passkey_options(r,
                       json_pack("{s:s,s:s,s:i,s:s,s:o}", "challenge", challenge, "rpId", rp.rp_id,
                                 "timeout", GH_PASSKEY_TTL * 1000, "userVerification", "required",
                                 "allowCredentials", gh_passkey_descriptors(rows, n)));
out:
    free(rows);
    OPENSSL_cleanse(&u, sizeof(u));
}

void gh_h_login_passkey_options(struct gh_req *r)
{
    struct gh_as *as = gh_as_of(r);
    struct gh_snap *s = gh_as_snap(as);
    options(r, s);
    gh_snap_put(as, s);
}

/* One passkey sign-in or second factor being checked. */
struct attempt {
    struct gh_req *r;
    const struct gh_snap *s;
    struct gh_authz *a;
    struct gh_user u; /* the user of the first step (second factor) or of the passkey */
    int amr;          /* the first step's methods; 0 for a passkey alone */
    int second;       /* 1: a second factor for u */
    const char *ticket;
};

/* The page again with message: the second-factor page for a second
 * factor, else the sign-in page. */
static void refuse(struct attempt *t, int status, const char *message)
{
    if (t->second)
        gh_page_passkey(t->r, status, t->a, t->u.username, t->ticket, message);
    else
        gh_page_login(t->r, status, t->a, NULL, message);
}

/* The ceremony of 7.2 for the posted response p, the challenge taken;
 * fills c (the stored credential) and *got. 0, or <0 after refusing. */
static int verify(struct attempt *t, const struct gh_passkey_response *p,
                  struct gh_webauthn_cred *c, struct gh_wa_assertion *got)
{
    struct gh_as *as = gh_as_of(t->r);
    struct gh_passkey_rp rp;
    unsigned char raw[GH_WA_CHALLENGE_MAX];
    size_t raw_len = 0;
    if (gh_passkey_rp(t->s, &rp) < 0)
        return refuse(t, 400, "Passkeys are not available on this server."), GH_EINVAL;
    int rc = gh_passkey_challenge_take(as, p->cdj, p->cdj_len, "get",
                                       t->second ? t->u.username : "", raw, &raw_len, NULL);
    if (rc == GH_ENOTFOUND)
        return refuse(t, 400, "This passkey request expired or was used already. Try again."), rc;
    if (rc == 0)
        rc = gh_store_webauthn_cred_get(as->store, p->id, p->id_len, c);
    if (rc == GH_ENOTFOUND)
        return refuse(t, 401, "This passkey is not registered here any more."), rc;
    if (rc < 0)
        return refuse(t, 503, "Please try again in a moment."), rc;
    /* 7.2 steps 5-7: the credential is the user's; a userHandle, when the
     * authenticator gives one (always, for a discoverable sign-in), names
     * the credential's user */
    int mine = t->second
                   ? strcmp(c->sub, t->u.username) == 0
                   : p->user_handle != NULL &&
                         gh_passkey_handle_is(t->s, c->sub, p->user_handle, p->user_handle_len);
    if (mine && t->second && p->user_handle != NULL)
        mine = gh_passkey_handle_is(t->s, c->sub, p->user_handle, p->user_handle_len);
    if (!mine)
        return refuse(t, 401, "This passkey does not belong to that account."), GH_EINVAL;
    struct gh_wa_expect e = {raw, raw_len, rp.origin, rp.rp_id};
    struct gh_wa_stored k = {c->key, c->key_len, (uint32_t)c->sign_count};
    rc = gh_webauthn_assert(p->auth_data, p->auth_data_len, p->cdj, p->cdj_len, p->sig, p->sig_len,
                            &k, &e, got);
    if (rc < 0 && rc != GH_WA_ESIGNCOUNT) {
        gh_log(GH_LOG_INFO, "passkey refused", "reason", gh_webauthn_strerror(rc), "addr",
               t->r->addr, NULL);
        return refuse(t, 401, "The passkey could not be verified. Try again."), GH_EINVAL;
    }
    if (rc == 0) /* the counter, once: of two processes only one wins */
        rc = gh_store_webauthn_cred_use(as->store, c->id, c->id_len, got->sign_count,
                                        (got->flags & GH_WA_FLAG_BS) != 0, gh_now());
    if (rc == GH_WA_ESIGNCOUNT || rc == GH_ECONFLICT) {
        gh_log(GH_LOG_WARN, "passkey counter did not grow (a cloned authenticator?)", "sub", c->sub,
               NULL);
        return refuse(t, 401,
                      "This passkey was refused: its counter did not grow, so it may "
                      "have been copied. Sign in another way."),
               GH_EINVAL;
    }
    if (rc == GH_ENOTFOUND)
        return refuse(t, 401, "This passkey is not registered here any more."), rc;
    if (rc < 0)
        return refuse(t, 503, "Please try again in a moment."), rc;
    return 0;
}

/* The passkey was good: a session with it, or the factor added to this
 * browser's session of the same user; then what any sign-in leads to. */
static void passed(struct attempt *t, const struct gh_webauthn_cred *c)
{
    struct gh_as *as = gh_as_of(t->r);
    struct gh_session sess;
    int rc = 0;
    if (!t->second && (rc = gh_store_user_get(as->store, c->sub, &t->u)) < 0) {
        refuse(t, 401, "This passkey's account no longer exists.");
        return;
    }
    if (t->second && gh_session_user(t->r, &sess) && strcmp(sess.sub, t->u.username) == 0) {
        rc = gh_store_session_amr_add(as->store, sess.hash, PASSKEY_AMR);
        sess.amr |= PASSKEY_AMR;
    } else {
        rc = gh_session_start(t->r, t->s, &t->u, t->amr | PASSKEY_AMR, &sess);
    }
    if (rc < 0) {
        gh_page_error(t->r, 503, "Temporarily unavailable", "Please try again in a moment.");
        return;
    }
    gh_log(GH_LOG_INFO, t->second ? "passkey second factor" : "passkey sign-in", "sub",
           t->u.username, NULL);
    gh_signin_next(t->r, t->s, t->a, &sess);
}

static void assertion(struct gh_req *r, const struct gh_snap *s, struct gh_authz *a,
                      const struct gh_form *f)
{
    struct attempt t = {.r = r, .s = s, .a = a};
    struct gh_passkey_response p;
    struct gh_webauthn_cred c;
    struct gh_wa_assertion got;
    const char *why;
    memset(&c, 0, sizeof(c));
    t.ticket = gh_form_get(f, "ticket", NULL);
    int who = first_step(r, s, f, &t.u, &t.amr);
    t.second = who > 0;
    if (who < 0)
        gh_page_login(r, 403, a, NULL, "This sign-in expired. Please sign in again.");
    else if (gh_passkey_response_parse(r->arena, f, GH_PASSKEY_GET, &p, &why) < 0)
        refuse(&t, 400, gh_arena_printf(r->arena, "The passkey answer is malformed (%s).", why));
    else if (verify(&t, &p, &c, &got) == 0)
        passed(&t, &c);
    OPENSSL_cleanse(&t.u, sizeof(t.u));
}

void gh_h_login_passkey(struct gh_req *r)
{
    /* the recorder names the step; the challenge and signature never reach it */
    gh_authz_form_step(r, assertion, "POST /login/passkey (passkey assertion)",
                       "passkey assertion (WebAuthn, user verified)");
}
