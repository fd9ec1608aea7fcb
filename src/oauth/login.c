/*
 * POST /login. Passwords are checked with argon2id;
 * an unknown user costs the same (a dummy verification) and gets the same
 * answer as a wrong password. Failed sign-ins are limited per user name
 * and per client address: a few are free, then an exponential wait, then a
 * lockout (settings login-max-failures and login-lockout); while waiting
 * the password is not even checked (throttle.h). A browser with a device cookie for
 * the user (device.h) is counted per cookie instead, so that an attacker
 * sharing its address cannot lock it out.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/b64url.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/password.h"
#include "core/workq.h"
#include "oauth/authz.h"
#include "oauth/device.h"
#include "oauth/mfa.h"
#include "oauth/session.h"
#include "oauth/throttle.h"
#include "proto/amr.h"
#include "core/err.h"

#define ADDR_FACTOR 4 /* an address (NAT, proxies) gets more attempts */

/* A sign-in across its deferral: the password is checked on the AS's
 * hashing threads, never on a connection thread. */
struct login {
    struct gh_work work; /* first: the hashing pool hands it back */
    struct gh_req *r;
    struct gh_snap *s;
    struct gh_authz a;
    const char *user, *pw, *ukey, *akey;
    char dkey[GH_DEVICE_LOCK_LEN]; /* the device cookie's counter, "" without one */
    struct gh_user u;
    int found, ok;
    int64_t t0, now, wait;
};

/* Seconds this sign-in must still wait. With a valid device cookie only
 * the cookie's own failures count (OWASP device cookies); otherwise those
 * of the user name and of the address. */
static int64_t throttled(struct gh_as *as, const struct login *l, int64_t now)
{
    if (l->dkey[0] != '\0')
        return gh_throttle_wait(as, l->dkey, 1, now);
    int64_t w1 = gh_throttle_wait(as, l->ukey, 1, now);
    int64_t w2 = gh_throttle_wait(as, l->akey, ADDR_FACTOR, now);
    return w1 > w2 ? w1 : w2;
}

/* The throttle is checked again and the outcome recorded here, next to
 * the hash: queued attempts cannot all pass the check made on arrival, so
 * no more guesses go unrecorded at once than there are hashing threads. */
static void login_verify(struct login *l)
{
    struct gh_as *as = gh_as_of(l->r);
    int64_t now = gh_now();
    l->wait = throttled(as, l, now);
    if (l->wait > 0)
        return;
    l->ok = gh_password_verify(l->found ? l->u.pwhash : NULL, l->pw, strlen(l->pw));
    const char *own = l->dkey[0] != '\0' ? l->dkey : l->ukey;
    if (l->ok) {
        gh_store_login_fail_clear(as->store, own);
        return;
    }
    int n;
    gh_store_login_fail_add(as->store, own, now, &n);
    if (own == l->ukey)
        gh_store_login_fail_add(as->store, l->akey, now, &n);
}

static void login_check(struct gh_work *w)
{
    struct login *l = (struct login *)w;
    login_verify(l);
    gh_req_resume(l->r);
}

static void throttled_page(struct gh_req *r, const struct gh_authz *a, const char *user,
                           int64_t wait)
{
    gh_metric_inc(GH_M_LOGIN_THROTTLED);
    gh_resp_header(r, "Retry-After", gh_arena_printf(r->arena, "%lld", (long long)wait));
    gh_page_login(r, 429, a, user,
                  gh_arena_printf(r->arena,
                                  "Too many failed sign-in attempts. Wait %lld seconds and try "
                                  "again.",
                                  (long long)wait));
}

static void login_start(struct gh_req *r)
{
    struct login *l = r->defer_arg;
    l->work.fn = login_check;
    if (gh_workq_push(gh_as_of(r)->hashq, &l->work) < 0) {
        l->ok = -1; /* queue full: finish says busy */
        gh_req_resume(r);
    }
}

/* After the password check: the session and the code (or consent page). */
static void login_finish(struct gh_req *r)
{
    struct login *l = r->defer_arg;
    struct gh_as *as = gh_as_of(r);
    if (l->ok < 0) {
        gh_resp_header(r, "Retry-After", "1");
        gh_page_login(r, 503, &l->a, l->user, "The server is busy. Please try again in a moment.");
    } else if (l->wait > 0) {
        throttled_page(r, &l->a, l->user, l->wait);
    } else if (!l->ok) {
        gh_metric_inc(GH_M_LOGIN_FAILURES);
        gh_log(GH_LOG_INFO, "sign-in failed", "addr", r->addr, NULL);
        gh_page_login(r, 401, &l->a, l->user, "Wrong username or password.");
    } else {
        gh_metric_inc(GH_M_LOGIN_OK);
        if (gh_device_issue(r, l->s, l->u.username, l->u.pwhash) < 0)
            gh_log(GH_LOG_WARN, "cannot issue a device cookie", NULL);
        struct gh_session sess;
        int otp = gh_mfa_enabled(as, l->u.username);
        if (otp > 0) /* RFC 6238: the code before any session */
            gh_mfa_ask(r, l->s, &l->a, &l->u, GH_AMR_PWD);
        else if (otp < 0 || gh_session_start(r, l->s, &l->u, GH_AMR_PWD, &sess) < 0)
            gh_page_error(r, 503, "Temporarily unavailable", "Please try again in a moment.");
        else
            gh_signin_next(r, l->s, &l->a, &sess);
    }
    gh_authz_trace(r, &l->a, "POST /login (username, password)", "user signs in", l->t0);
    gh_snap_put(as, l->s);
}

void gh_h_login(struct gh_req *r)
{
    struct gh_as *as = gh_as_of(r);
    struct login *l = gh_arena_alloc(r->arena, sizeof(*l));
    if (l == NULL) {
        gh_page_error(r, 503, "Temporarily unavailable", "Please try again in a moment.");
        return;
    }
    memset(l, 0, sizeof(*l));
    l->r = r;
    l->s = gh_as_snap(as);
    l->t0 = gh_now_us();
    l->now = gh_now();
    struct gh_snap *s = l->s;
    struct gh_authz *a = &l->a;
    struct gh_form f;
    if (gh_form_parse(r->arena, r->body, r->body_len, &f) < 0) {
        gh_page_error(r, 400, "Bad request", "The sign-in form is malformed.");
        goto out;
    }
    if (gh_authz_parse(r, &l->s, &f, a) < 0)
        goto out;
    s = l->s;
    const char *user = l->user = gh_form_get(&f, "username", NULL);
    const char *pw = l->pw = gh_form_get(&f, "password", NULL);
    int csrf_ok = gh_authz_csrf_ok(r, s, a, gh_form_get(&f, "csrf", NULL));
    gh_authz_csrf(r, s, a);
    if (!csrf_ok) {
        gh_page_login(r, 403, a, user, "This sign-in form expired. Please sign in again.");
        goto trace;
    }
    if (user == NULL || pw == NULL || strlen(user) >= GH_ID_MAX || strlen(pw) > GH_PASSWORD_MAX) {
        gh_page_login(r, 400, a, NULL, "Enter your username and password.");
        goto trace;
    }
    char bucket[GH_BUCKET_LEN]; /* an IPv6 client per /64 */
    gh_addr_bucket(r->addr, bucket);
    l->ukey = gh_arena_printf(r->arena, "u:%s", user);
    l->akey = gh_arena_printf(r->arena, "a:%s", bucket);
    if (l->ukey == NULL || l->akey == NULL) {
        gh_page_error(r, 503, "Temporarily unavailable", "Please try again in a moment.");
        goto trace;
    }
    l->found = gh_store_user_get(as->store, user, &l->u) == 0;
    gh_device_valid(r, s, user, l->found ? l->u.pwhash : NULL, l->dkey);
    int64_t wait = throttled(as, l, l->now);
    if (wait > 0) { /* cheap early answer; login_verify checks again */
        throttled_page(r, a, user, wait);
        goto trace;
    }
    if (as->hashq != NULL) {
        r->defer_arg = l;
        gh_req_defer(r, login_start, login_finish);
        return;
    }
    login_verify(l);
    r->defer_arg = l;
    login_finish(r);
    return;
trace:
    gh_authz_trace(r, a, "POST /login (username, password)", "user signs in", l->t0);
out:
    gh_snap_put(as, l->s); /* gh_authz_parse may have replaced it */
}
