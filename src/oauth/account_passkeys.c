/*
 * Passkeys on the account page (account.h; WebAuthn Level 2 7.1):
 *
 *   POST /account/passkeys/options  PublicKeyCredentialCreationOptions
 *                                   (5.4) as JSON: rp, the user's opaque
 *                                   handle, a challenge, ES256, EdDSA and
 *                                   RS256, a discoverable credential with
 *                                   user verification, attestation "none",
 *                                   and the user's passkeys excluded
 *   POST /account/passkeys          the new credential (attestationObject,
 *                                   clientDataJSON, an optional name):
 *                                   the ceremony, then the store (an id
 *                                   registered already is refused, step 22)
 *   POST /account/passkeys/rename   a new name for one of the user's
 *   POST /account/passkeys/remove   removes one of the user's
 *
 * Every form carries the account CSRF token. A passkey is a way in that
 * needs no password, so adding one needs a session that signed in within
 * GH_PASSKEY_RECENT seconds: a stolen, older session cookie cannot plant
 * one. The RP ID is the issuer's host name (5.1.2): with an IP-address
 * issuer the section is left out and these answer 404.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64url.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "oauth/account.h"
#include "oauth/passkey.h"

static void esc(struct gh_buf *b, const char *s)
{
    gh_buf_html(b, s, strlen(s));
}

static void one(struct gh_buf *b, const struct gh_account_view *v, const struct gh_webauthn_cred *c,
                size_t i)
{
    char id[GH_B64URL_LEN(GH_WEBAUTHN_ID_MAX) + 1];
    gh_b64url_encode(c->id, c->id_len, id, sizeof(id));
    gh_buf_puts(b, "<li><div><p><strong class=\"passkey-name\">");
    esc(b, c->name);
    gh_buf_puts(b, "</strong></p><p class=\"small\">Added ");
    gh_account_when(b, c->created_at);
    gh_buf_puts(b, " · ");
    if (c->last_used_at > 0) {
        gh_buf_puts(b, "last used ");
        gh_account_when(b, c->last_used_at);
    } else {
        gh_buf_puts(b, "never used");
    }
    gh_buf_puts(b, "</p><details class=\"small\"><summary>Rename</summary>");
    gh_account_form_open(b, "/account/passkeys/rename", " class=\"inline\"", v->csrf);
    gh_buf_printf(b,
                  "<input type=\"hidden\" name=\"id\" value=\"%s\"><div><label "
                  "for=\"pk-name-%zu\">New name</label><input type=\"text\" "
                  "id=\"pk-name-%zu\" name=\"name\" maxlength=\"64\" required value=\"",
                  id, i, i);
    esc(b, c->name);
    gh_buf_puts(b, "\"></div><button class=\"compact\" type=\"submit\">Save</button></form>"
                   "</details></div>");
    gh_account_form_open(b, "/account/passkeys/remove", "", v->csrf);
    gh_buf_printf(b,
                  "<input type=\"hidden\" name=\"id\" value=\"%s\"><button class=\"compact\" "
                  "type=\"submit\">Remove</button></form></li>",
                  id);
}

void gh_account_passkeys(struct gh_buf *b, const struct gh_account_view *v)
{
    if (!v->passkeys)
        return;
    gh_buf_puts(b, "<section aria-labelledby=\"passkeys-h\" id=\"passkeys\"><h2 "
                   "id=\"passkeys-h\">Passkeys</h2><p class=\"small\">Sign in with your "
                   "fingerprint, face or screen lock instead of a password. A passkey counts "
                   "as two factors.</p>");
    if (v->n_creds > 0) {
        gh_buf_puts(b, "<ul class=\"list\" id=\"passkey-list\">");
        for (size_t i = 0; i < v->n_creds; i++)
            one(b, v, &v->creds[i], i);
        gh_buf_puts(b, "</ul>");
    } else {
        gh_buf_puts(b, "<p id=\"passkey-none\"><span class=\"off\">None yet</span></p>");
    }
    gh_account_form_open(b, "/account/passkeys", " id=\"passkey-add\"", v->csrf);
    gh_buf_puts(b, "<label for=\"passkey-label\">Name of the new passkey (optional)</label><input "
                   "type=\"text\" id=\"passkey-label\" name=\"name\" maxlength=\"64\" "
                   "placeholder=\"e.g. Work laptop\"><button class=\"primary\" type=\"button\" "
                   "id=\"passkey-add-button\" hidden>Add a passkey</button></form><div "
                   "class=\"error\" role=\"alert\" id=\"passkey-error\" hidden></div><p "
                   "class=\"small\" id=\"passkey-unsupported\" hidden>This browser cannot make "
                   "passkeys.</p></section>");
}

/* 1 when the session signed in recently enough to add a passkey. */
static int recent(const struct gh_account *ac)
{
    return ac->sess.created_at + GH_PASSKEY_RECENT >= gh_now();
}

#define NOT_RECENT                                                                                 \
    "Adding a passkey needs a recent sign-in. Sign out, sign in again, and add it within 15 "      \
    "minutes."

static void options(struct gh_req *r, struct gh_account *ac)
{
    struct gh_passkey_rp rp;
    unsigned char handle[GH_PASSKEY_HANDLE_LEN];
    char challenge[64];
    struct gh_webauthn_cred *rows = NULL;
    size_t n = 0;
    if (gh_passkey_rp(ac->s, &rp) < 0) {
        gh_passkey_error(r, 404, "not_available", "passkeys need an issuer with a host name");
    } else if (!recent(ac)) {
        gh_passkey_error(r, 403, "login_required", NOT_RECENT);
    } else if (gh_passkey_user_handle(ac->s, ac->sess.sub, handle) < 0 ||
               gh_store_webauthn_cred_list(ac->as->store, ac->sess.sub, &rows, &n) < 0) {
        gh_passkey_error(r, 503, "temporarily_unavailable", "try again in a moment");
    } else if (gh_passkey_challenge(r, "create", ac->sess.sub, challenge) == 0) {
        const char *user_id = gh_passkey_b64(r, handle, sizeof(handle));
        gh_passkey_options(
            r, json_pack("{s:{s:s,s:s},s:{s:s,s:s,s:s},s:s,s:[{s:s,s:i},{s:s,s:i},{s:s,s:i}],"
                         "s:i,s:{s:s,s:b,s:s},s:s,s:o}",
                         "rp", "id", rp.rp_id, "name", "gatehouse", "user", "id",
                         user_id ? user_id : "", "name", ac->sess.sub, "displayName", ac->sess.sub,
                         "challenge", challenge, "pubKeyCredParams", "type", "public-key", "alg",
                         GH_WA_ES256, "type", "public-key", "alg", GH_WA_EDDSA, "type",
                         "public-key", "alg", GH_WA_RS256, "timeout", GH_PASSKEY_TTL * 1000,
                         "authenticatorSelection", "residentKey", "required", "requireResidentKey",
                         1, "userVerification", "required", "attestation", "none",
                         "excludeCredentials", gh_passkey_descriptors(rows, n)));
    }
    free(rows);
}

/* The credential of a registration that passed, under name, for the user. */
static int store_new(struct gh_account *ac, const struct gh_wa_credential *w, const char *name)
{
    struct gh_webauthn_cred c;
    memset(&c, 0, sizeof(c));
    memcpy(c.id, w->id, w->id_len);
    c.id_len = w->id_len;
    memcpy(c.key, w->key, w->key_len);
    c.key_len = w->key_len;
    snprintf(c.sub, sizeof(c.sub), "%s", ac->sess.sub);
    snprintf(c.name, sizeof(c.name), "%s", name);
    c.alg = w->alg;
    c.sign_count = w->sign_count;
    c.backup_eligible = (w->flags & GH_WA_FLAG_BE) != 0;
    c.backup_state = (w->flags & GH_WA_FLAG_BS) != 0;
    c.created_at = gh_now();
    return gh_store_webauthn_cred_add(ac->as->store, &c);
}

#define LABEL_RULE "A passkey name is 1 to 64 characters, without control characters."

static void add(struct gh_req *r, struct gh_account *ac)
{
    struct gh_passkey_rp rp;
    struct gh_passkey_response p;
    struct gh_wa_credential w;
    unsigned char raw[GH_WA_CHALLENGE_MAX];
    size_t raw_len = 0;
    const char *why, *err = NULL, *name = gh_account_field(ac, "name");
    int status = 400, rc = 0, wa = 0;
    if (name == NULL)
        name = "Passkey";
    if (gh_passkey_rp(ac->s, &rp) < 0)
        status = 404, err = "Passkeys are not available on this server.";
    else if (!recent(ac))
        status = 403, err = NOT_RECENT;
    else if (!gh_webauthn_label_ok(name))
        err = LABEL_RULE;
    else if (gh_passkey_response_parse(r->arena, &ac->form, GH_PASSKEY_CREATE, &p, &why) < 0)
        err = gh_arena_printf(r->arena, "The passkey answer is malformed (%s).", why);
    else if ((rc = gh_passkey_challenge_take(ac->as, p.cdj, p.cdj_len, "create", ac->sess.sub, raw,
                                             &raw_len, NULL)) == GH_ENOTFOUND)
        err = "This passkey request expired or was used already. Try again.";
    if (err == NULL && rc == 0) {
        struct gh_wa_expect e = {raw, raw_len, rp.origin, rp.rp_id};
        wa = gh_webauthn_register(p.att_obj, p.att_obj_len, p.cdj, p.cdj_len, &e, &w);
        if (wa < 0) {
            gh_log(GH_LOG_INFO, "passkey registration refused", "reason", gh_webauthn_strerror(wa),
                   "sub", ac->sess.sub, NULL);
            err = wa == GH_WA_EUV ? "The passkey was refused: your device did not verify you "
                                    "(fingerprint, face or screen lock)."
                                  : "The passkey was refused: it could not be verified.";
        } else if ((rc = store_new(ac, &w, name)) == GH_EEXIST) {
            status = 409, err = "This passkey is registered already.";
        }
    }
    if (err != NULL) {
        gh_account_page(r, ac, status, NULL, err);
    } else if (rc < 0) {
        gh_log(GH_LOG_ERROR, "cannot add a passkey", "error", gh_strerror(rc), NULL);
        gh_account_view_message(r, 503, "Temporarily unavailable", "Please try again in a moment.");
    } else {
        gh_log(GH_LOG_INFO, "passkey added", "sub", ac->sess.sub, NULL);
        gh_account_page(r, ac, 200, "Passkey added. You can now sign in with it.", NULL);
    }
}

/* The credential id of the posted form into id, *n; 0 or GH_EINVAL. */
static int posted_id(const struct gh_account *ac, unsigned char *id, size_t *n)
{
    const char *s = gh_account_field(ac, "id");
    long got = s && strlen(s) <= GH_B64URL_LEN(GH_WEBAUTHN_ID_MAX)
                   ? gh_b64url_decode(s, strlen(s), id, GH_WEBAUTHN_ID_MAX)
                   : GH_EINVAL;
    *n = got > 0 ? (size_t)got : 0;
    return got > 0 ? 0 : GH_EINVAL;
}

static void change(struct gh_req *r, struct gh_account *ac, int remove)
{
    unsigned char id[GH_WEBAUTHN_ID_MAX];
    size_t n;
    const char *name = gh_account_field(ac, "name");
    int rc = GH_EINVAL;
    if (posted_id(ac, id, &n) < 0) {
        gh_account_page(r, ac, 400, NULL, "No passkey was named.");
        return;
    }
    if (!remove && (name == NULL || !gh_webauthn_label_ok(name))) {
        gh_account_page(r, ac, 400, NULL, LABEL_RULE);
        return;
    }
    rc = remove ? gh_store_webauthn_cred_remove(ac->as->store, ac->sess.sub, id, n)
                : gh_store_webauthn_cred_rename(ac->as->store, ac->sess.sub, id, n, name);
    if (rc == GH_ENOTFOUND) { /* gone, or another user's: the same answer */
        gh_account_page(r, ac, 404, NULL,
                        "That passkey is not on your account. Nothing was changed.");
    } else if (rc < 0) {
        gh_log(GH_LOG_ERROR, "cannot change a passkey", "error", gh_strerror(rc), NULL);
        gh_account_view_message(r, 503, "Temporarily unavailable", "Please try again in a moment.");
    } else {
        gh_log(GH_LOG_INFO, remove ? "passkey removed" : "passkey renamed", "sub", ac->sess.sub,
               NULL);
        gh_account_page(r, ac, 200, remove ? "Passkey removed." : "Passkey renamed.", NULL);
    }
}

static void rename_one(struct gh_req *r, struct gh_account *ac)
{
    change(r, ac, 0);
}

static void remove_one(struct gh_req *r, struct gh_account *ac)
{
    change(r, ac, 1);
}

static void run(struct gh_req *r, void (*fn)(struct gh_req *r, struct gh_account *ac), int json)
{
    struct gh_account ac;
    if ((json ? gh_account_begin_json(r, &ac) : gh_account_begin(r, &ac)) == 0)
        fn(r, &ac);
    gh_account_end(&ac);
}

void gh_h_account_passkeys_options(struct gh_req *r)
{
    run(r, options, 1);
}

void gh_h_account_passkeys_add(struct gh_req *r)
{
    run(r, add, 0);
}

void gh_h_account_passkeys_rename(struct gh_req *r)
{
    run(r, rename_one, 0);
}

void gh_h_account_passkeys_remove(struct gh_req *r)
{
    run(r, remove_one, 0);
}
