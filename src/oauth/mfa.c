/*
 * The second factor of a sign-in (mfa.h): the ticket between the password
 * and the code, POST /login/otp, and the step after every sign-in.
 * One-time codes are checked against the sealed secret (proto/totp.h,
 * proto/totp_secret.h); each works once (the store takes the time step
 * only when it is newer than the last), recovery codes once each (the
 * store deletes the hash it matched). Failed codes are throttled like
 * passwords (throttle.h), under their own counter per user.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/log.h"
#include "oauth/csrf.h"
#include "oauth/mfa.h"
#include "oauth/session.h"
#include "oauth/throttle.h"
#include "proto/amr.h"
#include "proto/prompt.h"
#include "proto/totp.h"
#include "proto/totp_secret.h"
#include "core/err.h"
#include "webauthn/webauthn.h"

#define TICKET_TTL 300 /* seconds from the password to the code */
#define TICKET_MAX 96
#define CODE_MAX 32 /* a one-time code or a recovery code, spaces included */

/* What the ticket's MAC covers besides the browser (csrf.h): its purpose,
 * the user, "exp.amr" and the SHA-256 of the user's password hash. */
struct ticket_fields {
    char num[48], stamp[2 * GH_SHA256_LEN + 1];
    const char *f[4];
};

static const char *const *ticket_fields(struct ticket_fields *t, const struct gh_user *u, int amr,
                                        long long exp)
{
    unsigned char h[GH_SHA256_LEN];
    gh_sha256(u->pwhash, strlen(u->pwhash), h);
    for (size_t i = 0; i < sizeof(h); i++)
        snprintf(t->stamp + 2 * i, 3, "%02x", h[i]);
    snprintf(t->num, sizeof(t->num), "%lld.%d", exp, amr);
    t->f[0] = "otp ticket";
    t->f[1] = u->username;
    t->f[2] = t->num;
    t->f[3] = t->stamp;
    return t->f;
}

const char *gh_mfa_ticket(struct gh_req *r, const struct gh_snap *s, const struct gh_user *u,
                          int amr)
{
    struct ticket_fields t;
    char mac[GH_CSRF_LEN];
    long long exp = (long long)(gh_now() + TICKET_TTL);
    gh_csrf_token(r, s, ticket_fields(&t, u, amr, exp), 4, mac);
    return mac[0] ? gh_arena_printf(r->arena, "%s.%s", t.num, mac) : NULL;
}

int gh_mfa_ticket_amr(struct gh_req *r, const struct gh_snap *s, const struct gh_user *u,
                      const char *t)
{
    if (t == NULL || strlen(t) >= TICKET_MAX)
        return -1;
    char *end;
    long long exp = strtoll(t, &end, 10);
    if (*end != '.' || exp <= gh_now())
        return -1;
    long amr = strtol(end + 1, &end, 10);
    if (*end != '.' || amr <= 0 || amr > GH_AMR_ALL)
        return -1;
    struct ticket_fields f;
    return gh_csrf_ok(r, s, ticket_fields(&f, u, (int)amr, exp), 4, end + 1) ? (int)amr : -1;
}

/* How many passkeys sub has that can be used here (none with an
 * IP-address issuer: no RP ID), or <0 when the store cannot tell. */
static int passkeys_of(struct gh_as *as, const struct gh_snap *s, const char *sub)
{
    struct gh_webauthn_cred *rows = NULL;
    size_t n = 0;
    if (!gh_webauthn_possible(s->issuer))
        return 0;
    int rc = gh_store_webauthn_cred_list(as->store, sub, &rows, &n);
    free(rows);
    return rc < 0 ? rc : (int)(n > 1000 ? 1000 : n);
}

int gh_mfa_enabled(struct gh_as *as, const char *sub)
{
    struct gh_mfa m;
    int rc = gh_store_mfa_get(as->store, sub, &m);
    int on = rc == 0 && m.enabled;
    OPENSSL_cleanse(&m, sizeof(m));
    return rc == 0 || rc == GH_ENOTFOUND ? on : rc;
}

void gh_mfa_ask(struct gh_req *r, const struct gh_snap *s, struct gh_authz *a,
                const struct gh_user *u, int amr)
{
    struct gh_as *as = gh_as_of(r);
    int on = gh_mfa_enabled(as, u->username);
    int keys = on >= 0 ? passkeys_of(as, s, u->username) : 0;
    const char *ticket = on > 0 || keys > 0 ? gh_mfa_ticket(r, s, u, amr) : NULL;
    if (on < 0 || keys < 0 || ((on > 0 || keys > 0) && ticket == NULL)) {
        gh_page_error(r, 503, "Temporarily unavailable", "Please try again in a moment.");
        return;
    }
    gh_authz_csrf(r, s, a);
    if (on > 0) /* a passkey is offered beside the code */
        gh_page_otp_or_passkey(r, 200, a, u->username, ticket, NULL, keys > 0);
    else if (keys > 0) /* a user-verified passkey is the second factor */
        gh_page_passkey(r, 200, a, u->username, ticket, NULL);
    else
        gh_page_mfa_missing(r, a);
}

void gh_signin_next(struct gh_req *r, const struct gh_snap *s, struct gh_authz *a,
                    const struct gh_session *sess)
{
    struct gh_authn_facts facts = {
        .prompt = a->prompt_bits,
        .signed_in = 1,
        .consent_needed = gh_authz_consent_needed(r, a, sess->sub),
        .mfa_needed = gh_authz_mfa_needed(a),
        .mfa_done = gh_amr_is_mfa(sess->amr),
    };
    struct gh_user u;
    switch (gh_authn_after_login(&facts)) {
    case GH_AUTHN_STEP_UP:
        if (gh_store_user_get(gh_as_of(r)->store, sess->sub, &u) < 0)
            gh_page_error(r, 503, "Temporarily unavailable", "Please try again in a moment.");
        else
            gh_mfa_ask(r, s, a, &u, sess->amr);
        OPENSSL_cleanse(&u, sizeof(u));
        break;
    case GH_AUTHN_CONSENT:
        if (a->csrf[0] == '\0')
            gh_authz_csrf(r, s, a);
        gh_page_consent(r, a, sess->sub);
        break;
    case GH_AUTHN_INTERACTION_REQUIRED:
        gh_authz_error(r, s, a, GH_OAUTH_INTERACTION_REQUIRED, "a second factor is required");
        break;
    case GH_AUTHN_CONSENT_REQUIRED:
        gh_authz_error(r, s, a, GH_OAUTH_CONSENT_REQUIRED, "the user must consent");
        break;
    default:
        gh_authz_issue_code(r, s, a, sess);
        break;
    }
}

/* code without spaces into out; 1 when it is six digits (a one-time
 * code), 0 otherwise (a recovery code, or nothing valid). */
static int normalise(const char *code, char out[CODE_MAX])
{
    size_t n = 0, digits = 0;
    for (const char *p = code; *p != '\0' && n + 1 < CODE_MAX; p++) {
        if (*p == ' ')
            continue;
        digits += isdigit((unsigned char)*p) != 0;
        out[n++] = *p;
    }
    out[n] = '\0';
    return n == GH_TOTP_DIGITS && digits == n;
}

/* 0 when code is a valid one-time code of sub's, now, never used, or one
 * of sub's recovery codes (used up by this); GH_ENOTFOUND when it is not;
 * another error when the store or the sealed secret fail. */
static int code_check(struct gh_as *as, const struct gh_snap *s, const char *sub, const char *code)
{
    char c[CODE_MAX];
    if (strlen(code) >= CODE_MAX)
        return GH_ENOTFOUND;
    if (!normalise(code, c)) {
        unsigned char h[GH_SHA256_LEN];
        if (gh_recovery_hash(c, h) < 0)
            return GH_ENOTFOUND;
        return gh_store_recovery_use(as->store, sub, h);
    }
    struct gh_mfa m;
    unsigned char key[GH_TOTP_SECRET_LEN];
    int64_t step = -1;
    int rc = gh_store_mfa_get(as->store, sub, &m);
    if (rc == 0 && !m.enabled)
        rc = GH_ENOTFOUND;
    if (rc == 0)
        rc = gh_totp_unseal(s->csrf_key, sizeof(s->csrf_key), sub, m.secret_sealed, key);
    if (rc == 0)
        rc = gh_totp_verify(key, sizeof(key), c, gh_now(), m.last_step, &step);
    if (rc == GH_EINVAL)
        rc = GH_ENOTFOUND;
    if (rc == 0) /* once: a code replayed in another process loses here */
        rc = gh_store_mfa_use_step(as->store, sub, step);
    if (rc == GH_ECONFLICT)
        rc = GH_ENOTFOUND;
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(&m, sizeof(m));
    return rc;
}

/* The code was good: the session gains "otp" (step-up of the browser's
 * own session of the same user) or starts with it. */
static void otp_passed(struct gh_req *r, const struct gh_snap *s, struct gh_authz *a,
                       const struct gh_user *u, int amr)
{
    struct gh_as *as = gh_as_of(r);
    struct gh_session sess;
    int rc;
    if (gh_session_user(r, &sess) && strcmp(sess.sub, u->username) == 0) {
        rc = gh_store_session_amr_add(as->store, sess.hash, GH_AMR_OTP);
        sess.amr |= GH_AMR_OTP;
    } else {
        rc = gh_session_start(r, s, u, amr | GH_AMR_OTP, &sess);
    }
    if (rc < 0)
        gh_page_error(r, 503, "Temporarily unavailable", "Please try again in a moment.");
    else
        gh_signin_next(r, s, a, &sess);
}

/* POST /login/otp with the ticket of the password step: the code. */
static void otp_step(struct gh_req *r, const struct gh_snap *s, struct gh_authz *a,
                     const struct gh_form *f)
{
    struct gh_as *as = gh_as_of(r);
    const char *user = gh_form_get(f, "username", NULL);
    const char *ticket = gh_form_get(f, "ticket", NULL);
    const char *code = gh_form_get(f, "code", NULL);
    struct gh_user u;
    int amr = -1;
    if (user != NULL && strlen(user) < GH_ID_MAX && gh_store_user_get(as->store, user, &u) == 0)
        amr = gh_mfa_ticket_amr(r, s, &u, ticket);
    if (amr < 0) {
        gh_page_login(r, 403, a, user, "This sign-in expired. Please sign in again.");
        return;
    }
    const char *key = gh_arena_printf(r->arena, "o:%s", user);
    int64_t now = gh_now(), wait = key ? gh_throttle_wait(as, key, 1, now) : 0;
    int rc = key == NULL ? GH_ENOMEM
             : wait > 0  ? GH_ENOTFOUND
                         : code_check(as, s, user, code ? code : "");
    if (rc == 0) {
        gh_store_login_fail_clear(as->store, key);
        otp_passed(r, s, a, &u, amr);
    } else if (wait > 0) {
        gh_resp_header(r, "Retry-After", gh_arena_printf(r->arena, "%lld", (long long)wait));
        gh_page_otp_or_passkey(
            r, 429, a, user, ticket,
            gh_arena_printf(r->arena, "Too many wrong codes. Wait %lld seconds and try again.",
                            (long long)wait),
            passkeys_of(as, s, user) > 0);
    } else if (rc == GH_ENOTFOUND) {
        int n;
        gh_store_login_fail_add(as->store, key, now, &n);
        gh_log(GH_LOG_INFO, "one-time code refused", "addr", r->addr, NULL);
        gh_page_otp_or_passkey(r, 401, a, user, ticket, "That code is not valid. Try the next one.",
                               passkeys_of(as, s, user) > 0);
    } else {
        gh_log(GH_LOG_ERROR, "cannot check a one-time code", "error", gh_strerror(rc), NULL);
        gh_page_error(r, 503, "Temporarily unavailable", "Please try again in a moment.");
    }
    OPENSSL_cleanse(&u, sizeof(u));
}

void gh_h_login_otp(struct gh_req *r)
{
    gh_authz_form_step(r, otp_step, "POST /login/otp (code)", "one-time code (second factor)");
}
