/*
 * One-time codes on the account page (RFC 6238; account.h):
 *
 *   POST /account/totp/setup    a new 20-byte secret (RFC 4226 4, R6),
 *                               sealed (totp_secret.h) and stored as a
 *                               pending enrolment; the page shows it as a
 *                               QR code of the otpauth:// URI, the URI and
 *                               base32 (the only time it leaves the server)
 *   POST /account/totp/confirm  the first code proves the app has it: the
 *                               setup is enabled with the code's step used,
 *                               and 10 recovery codes are shown once (only
 *                               their hashes are kept)
 *   POST /account/totp/disable  needs a current code; removes the setup and
 *                               the recovery codes
 *   POST /account/recovery      new recovery codes in place of the old
 *
 * Wrong codes are throttled like passwords (throttle.h), per user under
 * the key "o:NAME", the counter of the sign-in's code step (mfa.c), so the
 * account page gives no extra guesses. A setup that is enabled is never replaced by a new
 * enrolment: it must be turned off first, with a code.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/log.h"
#include "oauth/account.h"
#include "oauth/throttle.h"
#include "proto/totp.h"

#define CODE_MAX 8 /* digits and spaces a person may type */

static struct gh_account_view view_of(const struct gh_account *ac)
{
    struct gh_account_view v = {.user = ac->sess.sub,
                                .csrf = ac->csrf,
                                .issuer = ac->s->issuer,
                                .current_sid = ac->sess.sid};
    return v;
}

static void unavailable(struct gh_req *r, const char *what, int rc)
{
    gh_log(GH_LOG_ERROR, what, "error", gh_strerror(rc), NULL);
    gh_account_view_message(r, 503, "Temporarily unavailable", "Please try again in a moment.");
}

/* The posted code without the spaces people type ("123 456"), into
 * out[CODE_MAX + 1]; "" when there is none or it is too long. */
static const char *code_of(const struct gh_account *ac, char *out)
{
    const char *in = gh_account_field(ac, "code");
    size_t o = 0;
    out[0] = '\0';
    for (const char *p = in ? in : ""; *p; p++) {
        if (*p == ' ')
            continue;
        if (o == CODE_MAX)
            return out[0] = '\0', out;
        out[o++] = *p;
    }
    out[o] = '\0';
    return out;
}

static const char *throttle_key(struct gh_req *r, const struct gh_account *ac)
{
    return gh_arena_printf(r->arena, "o:%s", ac->sess.sub);
}

/* Checks a posted code against secret under the throttle: 0 and *step,
 * or <0 with *why (a sentence for the page) and *status. */
static int check_code(struct gh_req *r, struct gh_account *ac, const unsigned char *secret,
                      int64_t last_step, int64_t *step, const char **why, int *status)
{
    char code[CODE_MAX + 1];
    int64_t now = gh_now();
    const char *key = throttle_key(r, ac);
    int64_t wait = key ? gh_throttle_wait(ac->as, key, 1, now) : 0;
    if (wait > 0) {
        gh_resp_header(r, "Retry-After", gh_arena_printf(r->arena, "%lld", (long long)wait));
        *status = 429;
        *why = gh_arena_printf(r->arena, "Too many wrong codes. Wait %lld seconds and try again.",
                               (long long)wait);
        return GH_EUNAVAIL;
    }
    int rc = gh_totp_verify(secret, GH_TOTP_SECRET_LEN, code_of(ac, code), now, last_step, step);
    OPENSSL_cleanse(code, sizeof(code));
    *status = 400;
    if (rc == GH_EINVAL) { /* not a guess: nothing counted */
        *why = "Enter the 6-digit code your authenticator app shows.";
        return rc;
    }
    int n;
    if (rc < 0) {
        if (key != NULL)
            gh_store_login_fail_add(ac->as->store, key, now, &n);
        *why = "That code is not right. Check the time on your phone and try the new code.";
        return rc;
    }
    if (key != NULL)
        gh_store_login_fail_clear(ac->as->store, key);
    return 0;
}

/* The user's setup and its secret, unsealed. 0, GH_ENOTFOUND, or <0. */
static int secret_of(struct gh_account *ac, struct gh_mfa *m, unsigned char *secret)
{
    int rc = gh_store_mfa_get(ac->as->store, ac->sess.sub, m);
    if (rc == 0)
        rc = gh_totp_unseal(ac->s->csrf_key, sizeof(ac->s->csrf_key), ac->sess.sub,
                            m->secret_sealed, secret);
    OPENSSL_cleanse(m->secret_sealed, sizeof(m->secret_sealed));
    return rc;
}

static void setup_page(struct gh_req *r, struct gh_account *ac, int status,
                       const unsigned char *secret, const char *error)
{
    char uri[1024], b32[GH_TOTP_B32_LEN];
    struct gh_account_view v = view_of(ac);
    const char *name = gh_account_authority(r, ac->s->issuer);
    if (gh_totp_uri(name, ac->sess.sub, secret, uri, sizeof(uri)) < 0 ||
        gh_base32_enc(secret, GH_TOTP_SECRET_LEN, b32, sizeof(b32)) < 0)
        gh_account_view_message(r, 500, "Server error", "The setup could not be shown.");
    else
        gh_account_view_setup(r, status, &v, uri, b32, error);
    OPENSSL_cleanse(uri, sizeof(uri));
    OPENSSL_cleanse(b32, sizeof(b32));
}

/* n new recovery codes and their hashes (n * GH_SHA256_LEN bytes). */
static int new_codes(char codes[][GH_RECOVERY_LEN], unsigned char *hashes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (gh_recovery_new(codes[i]) < 0 ||
            gh_recovery_hash(codes[i], hashes + i * GH_SHA256_LEN) < 0)
            return GH_ECRYPTO;
    return 0;
}

static void setup(struct gh_req *r, struct gh_account *ac)
{
    struct gh_mfa m;
    unsigned char secret[GH_TOTP_SECRET_LEN];
    int rc = gh_store_mfa_get(ac->as->store, ac->sess.sub, &m);
    if (rc == 0 && m.enabled) {
        gh_account_page(r, ac, 409, NULL,
                        "Two-step verification is already on. Turn it off first to set up "
                        "another authenticator app.");
        goto out;
    }
    memset(&m, 0, sizeof(m));
    snprintf(m.sub, sizeof(m.sub), "%s", ac->sess.sub);
    m.updated_at = gh_now();
    rc = gh_rand_bytes(secret, sizeof(secret));
    if (rc == 0)
        rc = gh_totp_seal(ac->s->csrf_key, sizeof(ac->s->csrf_key), m.sub, secret, m.secret_sealed);
    if (rc == 0)
        rc = gh_store_mfa_put(ac->as->store, &m);
    if (rc < 0) {
        unavailable(r, "cannot start a one-time code setup", rc);
        goto out;
    }
    gh_log(GH_LOG_INFO, "one-time code setup started", "sub", m.sub, NULL);
    setup_page(r, ac, 200, secret, NULL);
out:
    OPENSSL_cleanse(secret, sizeof(secret));
    OPENSSL_cleanse(&m, sizeof(m));
}

/* The codes page after the setup is enabled with the code of step. */
static void enable(struct gh_req *r, struct gh_account *ac, int64_t step)
{
    char codes[GH_RECOVERY_CODES][GH_RECOVERY_LEN];
    unsigned char hashes[GH_RECOVERY_CODES * GH_SHA256_LEN];
    int rc = new_codes(codes, hashes, GH_RECOVERY_CODES);
    if (rc == 0)
        rc = gh_store_mfa_enable(ac->as->store, ac->sess.sub, step, hashes, GH_RECOVERY_CODES,
                                 gh_now());
    if (rc == GH_ECONFLICT) /* a second tab got there first */
        gh_account_page(r, ac, 409, NULL, "That code was used already. Try the next one.");
    else if (rc < 0)
        unavailable(r, "cannot enable one-time codes", rc);
    if (rc == 0) {
        gh_log(GH_LOG_INFO, "one-time codes enabled", "sub", ac->sess.sub, NULL);
        struct gh_account_view v = view_of(ac);
        v.notice = "Two-step verification is on.";
        gh_account_view_codes(r, &v, (const char(*)[GH_RECOVERY_LEN])codes, GH_RECOVERY_CODES);
    }
    OPENSSL_cleanse(codes, sizeof(codes));
}

static void confirm(struct gh_req *r, struct gh_account *ac)
{
    struct gh_mfa m;
    unsigned char secret[GH_TOTP_SECRET_LEN];
    int64_t step = 0;
    const char *why = NULL;
    int status = 400;
    int rc = secret_of(ac, &m, secret);
    if (rc == GH_ENOTFOUND || (rc == 0 && m.enabled))
        gh_account_page(r, ac, 409, NULL,
                        m.enabled ? "Two-step verification is already on."
                                  : "There is no setup to confirm. Start it again.");
    else if (rc < 0)
        unavailable(r, "cannot read the one-time code setup", rc);
    else if (check_code(r, ac, secret, m.last_step, &step, &why, &status) < 0)
        setup_page(r, ac, status, secret, why); /* the same secret, to try again */
    else
        enable(r, ac, step);
    OPENSSL_cleanse(secret, sizeof(secret));
}

static void disable(struct gh_req *r, struct gh_account *ac)
{
    struct gh_mfa m;
    unsigned char secret[GH_TOTP_SECRET_LEN];
    int64_t step = 0;
    const char *why = NULL;
    int status = 400;
    int rc = secret_of(ac, &m, secret);
    if (rc == GH_ENOTFOUND || (rc == 0 && !m.enabled)) {
        gh_account_page(r, ac, 409, NULL, "Two-step verification is not on.");
    } else if (rc < 0) {
        unavailable(r, "cannot read the one-time code setup", rc);
    } else if (check_code(r, ac, secret, m.last_step, &step, &why, &status) < 0 ||
               gh_store_mfa_use_step(ac->as->store, ac->sess.sub, step) < 0) {
        gh_account_page(r, ac, status, NULL,
                        why ? why : "That code was used already. Try the next one.");
    } else if ((rc = gh_store_mfa_remove(ac->as->store, ac->sess.sub)) < 0 && rc != GH_ENOTFOUND) {
        unavailable(r, "cannot remove one-time codes", rc);
    } else {
        gh_log(GH_LOG_INFO, "one-time codes removed", "sub", ac->sess.sub, NULL);
        gh_account_page(r, ac, 200,
                        "Two-step verification is off, and your recovery codes no longer work.",
                        NULL);
    }
    OPENSSL_cleanse(secret, sizeof(secret));
}

static void recovery(struct gh_req *r, struct gh_account *ac)
{
    char codes[GH_RECOVERY_CODES][GH_RECOVERY_LEN];
    unsigned char hashes[GH_RECOVERY_CODES * GH_SHA256_LEN];
    int rc = new_codes(codes, hashes, GH_RECOVERY_CODES);
    if (rc == 0)
        rc = gh_store_recovery_replace(ac->as->store, ac->sess.sub, hashes, GH_RECOVERY_CODES);
    if (rc == GH_ENOTFOUND) {
        gh_account_page(r, ac, 409, NULL,
                        "Recovery codes come with two-step verification: turn it on first.");
    } else if (rc < 0) {
        unavailable(r, "cannot replace recovery codes", rc);
    } else {
        gh_log(GH_LOG_INFO, "recovery codes replaced", "sub", ac->sess.sub, NULL);
        struct gh_account_view v = view_of(ac);
        v.notice = "New recovery codes made.";
        gh_account_view_codes(r, &v, (const char(*)[GH_RECOVERY_LEN])codes, GH_RECOVERY_CODES);
    }
    OPENSSL_cleanse(codes, sizeof(codes));
}

/* Runs one account POST handler inside its request context. */
static void run(struct gh_req *r, void (*fn)(struct gh_req *r, struct gh_account *ac))
{
    struct gh_account ac;
    if (gh_account_begin(r, &ac) == 0)
        fn(r, &ac);
    gh_account_end(&ac);
}

void gh_h_account_totp_setup(struct gh_req *r)
{
    run(r, setup);
}

void gh_h_account_totp_confirm(struct gh_req *r)
{
    run(r, confirm);
}

void gh_h_account_totp_disable(struct gh_req *r)
{
    run(r, disable);
}

void gh_h_account_recovery(struct gh_req *r)
{
    run(r, recovery);
}
