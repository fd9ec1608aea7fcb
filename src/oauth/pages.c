/* HTML rendering of the sign-in, consent, sign-out and error pages; see pages.h. */
#include <stdio.h>
#include <string.h>

#include "oauth/oauth.h"
#include "oauth/pages.h"
#include "oauth/reg.h"
#include "core/err.h"
#include "webauthn/webauthn.h"

static const char css[] =
    ":root{color-scheme:light dark;--bg:#f4f6fb;--card:#fff;--fg:#1c2333;--muted:#5b6478;"
    "--accent:#2f5bea;--err:#b42318;--border:#d9deea}"
    "@media (prefers-color-scheme:dark){:root{--bg:#0f1420;--card:#171e2e;--fg:#e7ebf5;"
    "--muted:#9aa3b8;--accent:#7b9cff;--err:#ff8a80;--border:#2a3348}}"
    "*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',"
    "Roboto,sans-serif;background:var(--bg);color:var(--fg);display:flex;min-height:100vh;"
    "align-items:center;justify-content:center;padding:16px}"
    "main{background:var(--card);border:1px solid var(--border);border-radius:14px;"
    "padding:32px;width:100%;max-width:400px;box-shadow:0 8px 30px rgba(0,0,0,.08)}"
    "h1{font-size:1.35rem;margin:0 0 4px}p{margin:0 0 16px;color:var(--muted)}"
    ".brand{font-weight:700;letter-spacing:.02em;color:var(--accent);margin-bottom:20px}"
    "label{display:block;font-weight:600;margin:14px 0 6px}"
    "input[type=text],input[type=password]{width:100%;padding:10px 12px;border:1px solid "
    "var(--border);border-radius:8px;font:inherit;background:transparent;color:inherit}"
    "input:focus,button:focus{outline:3px solid var(--accent);outline-offset:2px}"
    "button{font:inherit;font-weight:600;border-radius:8px;padding:10px 16px;border:1px solid "
    "var(--accent);cursor:pointer;margin-top:20px}"
    ".primary{background:var(--accent);color:#fff;width:100%}"
    ".row{display:flex;gap:12px}.row button{flex:1}.secondary{background:transparent;"
    "color:var(--accent)}.error{color:var(--err);background:rgba(180,35,24,.08);"
    "border-radius:8px;padding:10px 12px;margin:12px 0}"
    "ul{padding-left:20px;margin:0 0 8px}code{font-size:.95em}.hint{margin-top:16px;"
    "font-size:.9em}"
    /* the account pages (account_view.c) */
    "main.wide{max-width:600px}h2{font-size:1.1rem;margin:0 0 6px}"
    "section{border-top:1px solid var(--border);margin-top:22px;padding-top:18px}"
    ".notice{background:rgba(47,91,234,.08);border-radius:8px;padding:10px 12px;margin:12px 0}"
    ".on{color:#1a7f37;font-weight:600}.off{color:var(--muted);font-weight:600}"
    "@media (prefers-color-scheme:dark){.on{color:#4ac26b}}"
    ".list{list-style:none;padding:0;margin:0}.list li{display:flex;align-items:center;"
    "justify-content:space-between;gap:12px;padding:10px 0;border-bottom:1px solid "
    "var(--border)}.list li:last-child{border-bottom:0}.list p{margin:0}"
    ".small{font-size:.875rem}.tag{display:inline-block;font-size:.75rem;font-weight:600;"
    "color:var(--accent);border:1px solid var(--accent);border-radius:999px;padding:0 8px;"
    "margin-left:6px;vertical-align:middle}"
    "button.compact{margin-top:0;padding:6px 12px;background:transparent;color:var(--accent)}"
    ".inline{display:flex;gap:10px;align-items:flex-end;flex-wrap:wrap}.inline label{margin:0 0 "
    "6px}"
    ".inline div{flex:1;min-width:150px}.inline button{margin-top:0}.list li>.inline{flex:1}"
    "input.code{letter-spacing:.2em;font-family:ui-monospace,monospace}"
    ".qr{display:block;width:200px;height:200px;margin:8px auto 16px;border-radius:6px}"
    ".mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all;"
    "background:rgba(127,127,127,.12);border-radius:6px;padding:6px 8px;display:block;"
    "margin:4px 0 12px;font-size:.9rem;color:var(--fg)}"
    ".codes{display:grid;grid-template-columns:1fr 1fr;gap:6px 16px;list-style:none;padding:0;"
    "margin:12px 0 16px;font-family:ui-monospace,monospace;font-size:1rem}"
    "a{color:var(--accent)}.back{display:inline-block;margin-top:18px}"
    /* passkeys (passkey.js shows what is hidden when WebAuthn is there) */
    "[hidden]{display:none!important}.divider{display:flex;align-items:center;gap:12px;"
    "color:var(--muted);font-size:.875rem;margin:22px 0 0}.divider::before,.divider::after{"
    "content:'';flex:1;border-top:1px solid var(--border)}"
    "button.passkey{width:100%;background:transparent;color:var(--accent)}"
    "button:disabled{opacity:.6;cursor:progress}"
    ".inline input[type=text]{min-width:0}.passkey-name{color:var(--fg)}"
    "details summary{cursor:pointer;color:var(--accent);margin-top:2px}"
    /* white on the light dark-mode accent is too faint (WCAG 1.4.3) */
    "@media (prefers-color-scheme:dark){.primary{color:#0f1420}}";

void gh_h_stylesheet(struct gh_req *r)
{
    gh_resp_header(r, "Cache-Control", "public, max-age=3600");
    gh_resp_header(r, "X-Content-Type-Options", "nosniff");
    gh_resp_body(r, 200, "text/css; charset=utf-8", css, sizeof(css) - 1);
}

static void esc(struct gh_buf *b, const char *s)
{
    gh_buf_html(b, s, strlen(s));
}

static void head_of(struct gh_buf *b, const char *title, const char *main_tag)
{
    gh_buf_puts(b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                   "<title>");
    esc(b, title);
    gh_buf_puts(b, " · gatehouse</title><link rel=\"stylesheet\" href=\"/gh.css\"></head>"
                   "<body>");
    gh_buf_puts(b, main_tag);
    gh_buf_puts(b, "<div class=\"brand\">gatehouse</div>");
}

static void head(struct gh_buf *b, const char *title)
{
    head_of(b, title, "<main>");
}

static void hidden(struct gh_buf *b, const char *name, const char *value)
{
    if (value == NULL)
        return;
    gh_buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    esc(b, value);
    gh_buf_puts(b, "\">");
}

static void request_fields(struct gh_buf *b, const struct gh_authz *a)
{
    hidden(b, "response_type", "code");
    hidden(b, "client_id", a->client_id);
    hidden(b, "redirect_uri", a->redirect_uri);
    hidden(b, "scope", a->scope);
    hidden(b, "state", a->state);
    hidden(b, "code_challenge", a->challenge);
    hidden(b, "code_challenge_method", "S256");
    hidden(b, "nonce", a->nonce);
    hidden(b, "dpop_jkt", a->dpop_jkt);
    hidden(b, "prompt", a->prompt);         /* prompt=consent still asks after the sign-in */
    hidden(b, "acr_values", a->acr_values); /* a second factor still asked for */
    for (const char *p = a->resources ? a->resources : ""; *p;) { /* RFC 8707: one each */
        size_t n = strcspn(p, " ");
        gh_buf_puts(b, "<input type=\"hidden\" name=\"resource\" value=\"");
        gh_buf_html(b, p, n);
        gh_buf_puts(b, "\">");
        p += n;
        while (*p == ' ')
            p++;
    }
    hidden(b, "csrf", a->csrf);
    if (a->flow && a->flow[0])
        hidden(b, "flow", a->flow);
}

/* Closes the page and answers it; script: the page loads /passkey.js. */
static void finish_script(struct gh_req *r, struct gh_buf *b, int status, const char *redirect_uri,
                          int script)
{
    gh_buf_puts(b, script ? "</main><script src=\"/passkey.js\"></script></body></html>"
                          : "</main></body></html>");
    char *body = b->p ? gh_arena_strndup(r->arena, b->p, b->len) : NULL;
    gh_buf_release(b);
    gh_oauth_page_headers_script(r, redirect_uri, script);
    if (body == NULL)
        gh_resp_body(r, 500, "text/plain", "server error", 12);
    else
        gh_resp_body(r, status, "text/html; charset=utf-8", body, strlen(body));
}

static void finish(struct gh_req *r, struct gh_buf *b, int status, const char *redirect_uri)
{
    finish_script(r, b, status, redirect_uri, 0);
}

int gh_page_passkeys_possible(struct gh_req *r)
{
    struct gh_as *as = gh_as_of(r);
    struct gh_snap *s = gh_as_snap(as);
    int ok = gh_webauthn_possible(s->issuer);
    gh_snap_put(as, s);
    return ok;
}

void gh_page_begin(struct gh_buf *b, const char *title, int wide)
{
    head_of(b, title, wide ? "<main class=\"wide\">" : "<main>");
}

void gh_page_end(struct gh_req *r, struct gh_buf *b, int status)
{
    finish(r, b, status, NULL);
}

void gh_page_end_script(struct gh_req *r, struct gh_buf *b, int status)
{
    finish_script(r, b, status, NULL, 1);
}

/* The passkey button of the sign-in and second-factor pages: a form that
 * carries the authorization request (and for a second factor the user and
 * the ticket of the first step) to /login/passkey, which passkey.js fills
 * with the browser's answer. Hidden until the script finds WebAuthn. */
static void passkey_box(struct gh_buf *b, const struct gh_authz *a, const char *mode,
                        const char *user, const char *ticket, const char *label, int divider)
{
    gh_buf_puts(b, "<div id=\"passkey-box\" hidden>");
    if (divider)
        gh_buf_puts(b, "<div class=\"divider\">or</div>");
    gh_buf_printf(b,
                  "<form id=\"passkey-form\" method=\"post\" action=\"/login/passkey\" "
                  "data-passkey=\"%s\">",
                  mode);
    request_fields(b, a);
    hidden(b, "username", user);
    hidden(b, "ticket", ticket);
    gh_buf_printf(b,
                  "<button class=\"%s\" type=\"button\" id=\"passkey-signin\">%s"
                  "</button></form><div class=\"error\" role=\"alert\" id=\"passkey-error\" "
                  "hidden></div></div><p class=\"hint\" id=\"passkey-unsupported\" hidden>This "
                  "browser cannot use passkeys.</p>",
                  divider ? "passkey" : "primary", label); /* the page's only action */
}

void gh_page_login(struct gh_req *r, int status, const struct gh_authz *a, const char *username,
                   const char *message)
{
    struct gh_buf b;
    gh_buf_init(&b, 65536);
    head(&b, "Sign in");
    gh_buf_puts(&b, "<h1>Sign in</h1><p>to continue to <strong>");
    esc(&b, a->client_id);
    gh_buf_puts(&b, "</strong></p>");
    if (message != NULL) {
        gh_buf_puts(&b, "<div class=\"error\" role=\"alert\">");
        esc(&b, message);
        gh_buf_puts(&b, "</div>");
    }
    int passkeys = gh_page_passkeys_possible(r);
    gh_buf_puts(&b, "<form method=\"post\" action=\"/login\">");
    request_fields(&b, a);
    /* "webauthn": conditional UI offers passkeys in the field's autofill */
    gh_buf_printf(&b,
                  "<label for=\"username\">Username</label><input type=\"text\" "
                  "id=\"username\" name=\"username\" autocomplete=\"username%s\" required "
                  "autofocus value=\"",
                  passkeys ? " webauthn" : "");
    esc(&b, username ? username : "");
    gh_buf_puts(&b, "\"><label for=\"password\">Password</label><input type=\"password\" "
                    "id=\"password\" name=\"password\" autocomplete=\"current-password\" "
                    "required><button class=\"primary\" type=\"submit\">Sign in</button></form>");
    if (passkeys)
        passkey_box(&b, a, "signin", NULL, NULL, "Sign in with a passkey", 1);
    finish_script(r, &b, status, a->redirect_uri, passkeys);
}

static void alert(struct gh_buf *b, const char *message)
{
    if (message == NULL)
        return;
    gh_buf_puts(b, "<div class=\"error\" role=\"alert\">");
    esc(b, message);
    gh_buf_puts(b, "</div>");
}

void gh_page_otp(struct gh_req *r, int status, const struct gh_authz *a, const char *user,
                 const char *ticket, const char *message)
{
    gh_page_otp_or_passkey(r, status, a, user, ticket, message, 0);
}

void gh_page_otp_or_passkey(struct gh_req *r, int status, const struct gh_authz *a,
                            const char *user, const char *ticket, const char *message, int passkey)
{
    struct gh_buf b;
    gh_buf_init(&b, 65536);
    head(&b, "Two-step verification");
    gh_buf_puts(&b, "<h1>Two-step verification</h1><p>Enter the 6-digit code from your "
                    "authenticator app for <strong>");
    esc(&b, user);
    gh_buf_puts(&b, "</strong>.</p>");
    alert(&b, message);
    gh_buf_puts(&b, "<form method=\"post\" action=\"/login/otp\">");
    request_fields(&b, a);
    hidden(&b, "username", user);
    hidden(&b, "ticket", ticket);
    gh_buf_puts(&b, "<label for=\"code\">Code</label><input type=\"text\" id=\"code\" "
                    "name=\"code\" autocomplete=\"one-time-code\" inputmode=\"numeric\" "
                    "maxlength=\"20\" required autofocus><button class=\"primary\" "
                    "type=\"submit\">Verify</button></form><p class=\"hint\">Lost your "
                    "device? Enter one of your recovery codes instead.</p>");
    if (passkey)
        passkey_box(&b, a, "stepup", user, ticket, "Use a passkey instead", 1);
    finish_script(r, &b, status, a->redirect_uri, passkey);
}

void gh_page_passkey(struct gh_req *r, int status, const struct gh_authz *a, const char *user,
                     const char *ticket, const char *message)
{
    struct gh_buf b;
    gh_buf_init(&b, 65536);
    head(&b, "Confirm with your passkey");
    gh_buf_puts(&b, "<h1>Confirm with your passkey</h1><p><strong>");
    esc(&b, a->client_id);
    gh_buf_puts(&b, "</strong> asks for a second factor. Use a passkey of <strong>");
    esc(&b, user);
    gh_buf_puts(&b, "</strong> to continue.</p>");
    alert(&b, message);
    passkey_box(&b, a, "stepup", user, ticket, "Use your passkey", 0);
    finish_script(r, &b, status, a->redirect_uri, 1);
}

void gh_page_mfa_missing(struct gh_req *r, const struct gh_authz *a)
{
    struct gh_buf b;
    gh_buf_init(&b, 16384);
    head(&b, "Second factor required");
    gh_buf_puts(&b, "<h1>Second factor required</h1><p><strong>");
    esc(&b, a->client_id);
    gh_buf_puts(&b, "</strong> asks you to sign in with a second factor, and your account has "
                    "none yet.</p><p>Set up an authenticator app or a passkey on your <a "
                    "href=\"/account\">account page</a>, then sign in to the application "
                    "again.</p>");
    finish(r, &b, 403, a->redirect_uri);
}

static const char *scope_text(const char *tok, size_t n)
{
    static const struct {
        const char *scope, *text;
    } known[] = {
        {"openid", "Know who you are"},
        {"profile", "See your basic profile"},
        {"email", "See your email address"},
        {"offline_access", "Stay signed in (refresh tokens)"},
        {"api", "Use the API on your behalf"},
        {"admin", "Administer the API"},
    };
    for (size_t i = 0; i < GH_ARRAY_LEN(known); i++)
        if (strlen(known[i].scope) == n && memcmp(known[i].scope, tok, n) == 0)
            return known[i].text;
    return NULL;
}

void gh_page_consent(struct gh_req *r, const struct gh_authz *a, const char *user)
{
    struct gh_buf b;
    gh_buf_init(&b, 65536);
    head(&b, "Allow access");
    gh_buf_puts(&b, "<h1>Allow access?</h1>");
    gh_reg_consent_note(r, a->client_id, &b); /* RFC 7591 5: say who registered it */
    gh_buf_puts(&b, "<p><strong>");
    esc(&b, a->client_id);
    gh_buf_puts(&b, "</strong> asks to act for <strong>");
    esc(&b, user);
    gh_buf_puts(&b, "</strong>:</p><ul>");
    for (const char *p = a->scope; *p;) {
        size_t n = strcspn(p, " ");
        /* each token shown whole: the page names exactly what is granted */
        const char *text = scope_text(p, n);
        gh_buf_puts(&b, "<li>");
        if (text != NULL)
            esc(&b, text);
        else
            gh_buf_html(&b, p, n);
        gh_buf_puts(&b, " <code>");
        gh_buf_html(&b, p, n);
        gh_buf_puts(&b, "</code></li>");
        p += n;
        while (*p == ' ')
            p++;
    }
    gh_buf_puts(&b, "</ul><form method=\"post\" action=\"/consent\">");
    request_fields(&b, a);
    gh_buf_puts(&b, "<div class=\"row\"><button class=\"secondary\" type=\"submit\" "
                    "name=\"decision\" value=\"deny\">Deny</button><button class=\"primary\" "
                    "type=\"submit\" name=\"decision\" value=\"allow\">Allow</button></div>"
                    "</form>");
    finish(r, &b, 200, a->redirect_uri);
}

void gh_page_error(struct gh_req *r, int status, const char *title, const char *message)
{
    struct gh_buf b;
    gh_buf_init(&b, 16384);
    head(&b, title);
    gh_buf_puts(&b, "<h1>");
    esc(&b, title);
    gh_buf_puts(&b, "</h1><div class=\"error\" role=\"alert\">");
    esc(&b, message);
    gh_buf_puts(&b, "</div><p>The application that sent you here may be misconfigured. You "
                    "can close this page.</p>");
    finish(r, &b, status, NULL);
}

void gh_page_logout_confirm(struct gh_req *r, const char *user, const char *csrf,
                            const char *message)
{
    struct gh_buf b;
    gh_buf_init(&b, 16384);
    head(&b, "Sign out");
    gh_buf_puts(&b, "<h1>Sign out?</h1>");
    if (message != NULL) {
        gh_buf_puts(&b, "<div class=\"error\" role=\"alert\">");
        esc(&b, message);
        gh_buf_puts(&b, "</div>");
    }
    if (user != NULL) {
        gh_buf_puts(&b, "<p>You are signed in as <strong>");
        esc(&b, user);
        gh_buf_puts(&b, "</strong>.</p>");
    }
    gh_buf_puts(&b, "<p>Sign out of gatehouse in this browser?</p>"
                    "<form method=\"post\" action=\"/logout\">");
    hidden(&b, "csrf", csrf);
    hidden(&b, "confirm", "yes");
    gh_buf_puts(&b, "<button class=\"primary\" type=\"submit\">Sign out</button></form>");
    finish(r, &b, 200, NULL);
}

void gh_page_signed_out(struct gh_req *r)
{
    struct gh_buf b;
    gh_buf_init(&b, 8192);
    head(&b, "Signed out");
    gh_buf_puts(&b, "<h1>Signed out</h1><p>You have been signed out of gatehouse in this "
                    "browser. You can close this page.</p>");
    finish(r, &b, 200, NULL);
}
