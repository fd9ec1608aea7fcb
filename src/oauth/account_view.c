/*
 * HTML of the account pages (account.h): the overview, the one-time code
 * enrolment with its QR code, the recovery codes shown once, and short
 * messages. Every value is HTML-escaped; every form posts its CSRF token;
 * the only script is /passkey.js, on the overview when passkeys are
 * possible.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "oauth/account.h"
#include "oauth/pages.h"
#include "oauth/qr.h"
#include "proto/amr.h"

#define PAGE_MAX 65536

static void esc(struct gh_buf *b, const char *s)
{
    gh_buf_html(b, s, strlen(s));
}

void gh_account_form_open(struct gh_buf *b, const char *action, const char *attrs, const char *csrf)
{
    gh_buf_printf(b,
                  "<form method=\"post\" action=\"%s\"%s><input type=\"hidden\" name=\"csrf\" "
                  "value=\"",
                  action, attrs);
    esc(b, csrf);
    gh_buf_puts(b, "\">");
}

static void alerts(struct gh_buf *b, const struct gh_account_view *v)
{
    if (v->notice != NULL) {
        gh_buf_puts(b, "<div class=\"notice\" role=\"status\">");
        esc(b, v->notice);
        gh_buf_puts(b, "</div>");
    }
    if (v->error != NULL) {
        gh_buf_puts(b, "<div class=\"error\" role=\"alert\">");
        esc(b, v->error);
        gh_buf_puts(b, "</div>");
    }
}

/* A field for a 6-digit code from the authenticator app. */
static void code_field(struct gh_buf *b, const char *id, const char *label, int autofocus)
{
    gh_buf_printf(b,
                  "<label for=\"%s\">%s</label><input type=\"text\" class=\"code\" id=\"%s\" "
                  "name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" "
                  "pattern=\"[0-9 ]{6,8}\" maxlength=\"8\" required%s>",
                  id, label, id, autofocus ? " autofocus" : "");
}

static void totp_on(struct gh_buf *b, const struct gh_account_view *v)
{
    gh_buf_printf(b,
                  "<p><span class=\"on\" id=\"totp-state\">On</span> · after your password, "
                  "gatehouse asks for a code from your authenticator app.</p><ul "
                  "class=\"list\"><li><div><p>Recovery codes</p><p class=\"small\"><strong "
                  "id=\"recovery-left\">%d</strong> left; each works once in place of a "
                  "code</p></div>",
                  v->recovery_left);
    gh_account_form_open(b, "/account/recovery", "", v->csrf);
    gh_buf_puts(b, "<button class=\"compact\" type=\"submit\">Make new codes</button></form>"
                   "</li><li>");
    gh_account_form_open(b, "/account/totp/disable", " class=\"inline\"", v->csrf);
    gh_buf_puts(b, "<div>");
    code_field(b, "off-code", "Code from your app, to turn it off", 0);
    gh_buf_puts(b, "</div><button class=\"secondary\" type=\"submit\">Turn off</button></form>"
                   "</li></ul>");
}

static void totp_section(struct gh_buf *b, const struct gh_account_view *v)
{
    gh_buf_puts(b, "<section aria-labelledby=\"totp-h\"><h2 id=\"totp-h\">Two-step "
                   "verification</h2>");
    if (v->totp == GH_TOTP_ON) {
        totp_on(b, v);
    } else {
        gh_buf_puts(b, v->totp == GH_TOTP_PENDING
                           ? "<p><span class=\"off\" id=\"totp-state\">Not finished</span> · a "
                             "setup was started but not confirmed with a code.</p>"
                           : "<p><span class=\"off\" id=\"totp-state\">Off</span> · add a code "
                             "from an authenticator app to your password.</p>");
        gh_account_form_open(b, "/account/totp/setup", "", v->csrf);
        gh_buf_puts(b, "<button class=\"primary\" type=\"submit\">Set up an authenticator "
                       "app</button></form>");
    }
    gh_buf_puts(b, "</section>");
}

void gh_account_when(struct gh_buf *b, int64_t t)
{
    char out[32] = "?";
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) != NULL)
        strftime(out, sizeof(out), "%Y-%m-%d %H:%M UTC", &tm);
    gh_buf_puts(b, out);
}

/* How a session signed in (proto/amr.h), e.g. "Password and one-time
 * code"; nothing for a session from before methods were recorded. How
 * many methods it named. */
static int methods(struct gh_buf *b, int amr)
{
    static const struct {
        int bit;
        const char *first, *later;
    } names[] = {{GH_AMR_PWD, "Password", "password"},
                 {GH_AMR_OTP, "One-time code", "one-time code"},
                 {GH_AMR_HWK, "Passkey", "passkey"}};
    int n = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (amr & names[i].bit) {
            gh_buf_printf(b, "%s%s", n ? " and " : "", n ? names[i].later : names[i].first);
            n++;
        }
    return n;
}

static void sessions_section(struct gh_buf *b, const struct gh_account_view *v)
{
    gh_buf_puts(b, "<section aria-labelledby=\"sessions-h\"><h2 id=\"sessions-h\">Sessions</h2>"
                   "<p class=\"small\">Browsers signed in to gatehouse as you. Signing one out "
                   "also ends what applications received through it.</p><ul class=\"list\" "
                   "id=\"sessions\">");
    for (size_t i = 0; i < v->n_sessions; i++) {
        const struct gh_session *x = &v->sessions[i];
        int mine = strcmp(x->sid, v->current_sid) == 0;
        gh_buf_puts(b, "<li><div><p>Signed in ");
        gh_account_when(b, x->created_at);
        gh_buf_puts(b, mine ? " <span class=\"tag\">This session</span>" : "");
        gh_buf_puts(b, "</p><p class=\"small\">");
        gh_buf_puts(b, methods(b, x->amr) ? " · until " : "Until ");
        gh_account_when(b, x->expires_at);
        gh_buf_puts(b, "</p></div>");
        gh_account_form_open(b, "/account/sessions/signout", "", v->csrf);
        gh_buf_puts(b, "<input type=\"hidden\" name=\"sid\" value=\"");
        esc(b, x->sid);
        gh_buf_puts(b, "\"><button class=\"compact\" type=\"submit\">Sign out</button></form>"
                       "</li>");
    }
    gh_buf_puts(b, "</ul></section>");
}

void gh_account_view_page(struct gh_req *r, int status, const struct gh_account_view *v)
{
    struct gh_buf b;
    gh_buf_init(&b, PAGE_MAX);
    gh_page_begin(&b, "Your account", 1);
    gh_buf_puts(&b, "<h1>Your account</h1><p>Signed in as <strong id=\"user\">");
    esc(&b, v->user);
    gh_buf_puts(&b, "</strong></p>");
    alerts(&b, v);
    totp_section(&b, v);
    gh_account_passkeys(&b, v);
    sessions_section(&b, v);
    if (v->passkeys)
        gh_page_end_script(r, &b, status); /* passkey.js adds passkeys */
    else
        gh_page_end(r, &b, status);
}

/* The base32 secret in groups of four, as people type it. */
static void grouped(struct gh_buf *b, const char *b32)
{
    for (size_t i = 0; b32[i]; i++) {
        if (i > 0 && i % 4 == 0)
            gh_buf_putc(b, ' ');
        gh_buf_putc(b, b32[i]);
    }
}

void gh_account_view_setup(struct gh_req *r, int status, const struct gh_account_view *v,
                           const char *uri, const char *b32, const char *error)
{
    struct gh_buf b;
    gh_buf_init(&b, PAGE_MAX);
    gh_page_begin(&b, "Set up an authenticator app", 1);
    gh_buf_puts(&b, "<h1>Set up an authenticator app</h1><p>Scan this code with an "
                    "authenticator app on your phone, then enter the 6-digit code it shows.</p>");
    if (error != NULL) {
        gh_buf_puts(&b, "<div class=\"error\" role=\"alert\">");
        esc(&b, error);
        gh_buf_puts(&b, "</div>");
    }
    if (gh_qr_svg(uri, 200, &b) < 0)
        gh_buf_puts(&b, "<p>The QR code could not be drawn; enter the key below.</p>");
    gh_buf_puts(&b, "<p class=\"small\">Cannot scan it? Enter this key in the app "
                    "(time-based, 6 digits, 30 seconds):</p><code class=\"mono\" "
                    "id=\"totp-secret\">");
    grouped(&b, b32);
    gh_buf_puts(&b, "</code><details><summary class=\"small\">Setup link "
                    "(otpauth://)</summary><code class=\"mono\" id=\"totp-uri\">");
    esc(&b, uri);
    gh_buf_puts(&b, "</code></details>");
    gh_account_form_open(&b, "/account/totp/confirm", "", v->csrf);
    code_field(&b, "code", "Code from the app", 1);
    gh_buf_puts(&b, "<button class=\"primary\" type=\"submit\">Turn on</button></form>"
                    "<a class=\"back\" href=\"/account\">Cancel</a>");
    gh_page_end(r, &b, status);
}

void gh_account_view_codes(struct gh_req *r, const struct gh_account_view *v,
                           const char codes[][GH_RECOVERY_LEN], size_t n)
{
    struct gh_buf b;
    gh_buf_init(&b, PAGE_MAX);
    gh_page_begin(&b, "Recovery codes", 1);
    gh_buf_puts(&b, "<h1>Your recovery codes</h1>");
    alerts(&b, v);
    gh_buf_puts(&b, "<p>If you lose your authenticator app, each of these codes works once "
                    "in place of a code from the app. Keep them somewhere safe: <strong>this "
                    "is the only time they are shown</strong>, and any older codes no longer "
                    "work.</p><ul class=\"codes\" id=\"recovery-codes\">");
    for (size_t i = 0; i < n; i++) {
        gh_buf_puts(&b, "<li>");
        esc(&b, codes[i]);
        gh_buf_puts(&b, "</li>");
    }
    gh_buf_puts(&b, "</ul><a class=\"back\" href=\"/account\">Back to your account</a>");
    gh_page_end(r, &b, 200);
}

void gh_account_view_message(struct gh_req *r, int status, const char *title, const char *message)
{
    struct gh_buf b;
    gh_buf_init(&b, 16384);
    gh_page_begin(&b, title, 0);
    gh_buf_puts(&b, "<h1>");
    esc(&b, title);
    gh_buf_puts(&b, status == 401 ? "</h1><p>" : "</h1><div class=\"error\" role=\"alert\">");
    esc(&b, message);
    gh_buf_puts(&b, status == 401 ? "</p>"
                                  : "</div><a class=\"back\" href=\"/account\">Back to your "
                                    "account</a>");
    gh_page_end(r, &b, status);
}
