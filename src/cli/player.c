/* The scripted Browser and Frontend App; see player.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/player.h"
#include "core/b64url.h"
#include "core/buf.h"
#include "core/clock.h"
#include "proto/proto.h"
#include "trace/recorder.h"
#include "core/err.h"

struct reply {
    long status;
    struct gh_buf body;
    char location[4096];
};

static size_t on_body(char *d, size_t size, size_t n, void *arg)
{
    struct gh_buf *b = arg;
    return gh_buf_append(b, d, size * n) == 0 ? size * n : 0;
}

static size_t on_header(char *d, size_t size, size_t n, void *arg)
{
    struct reply *r = arg;
    size_t len = size * n;
    if (len > 10 && strncasecmp(d, "Location: ", 10) == 0)
        snprintf(r->location, sizeof(r->location), "%.*s", (int)strcspn(d + 10, "\r\n"), d + 10);
    return len;
}

/* One HTTP exchange: GET when form is NULL, else POST of form. */
static int http(struct gh_player *p, const char *url, const char *form, const char *bearer,
                struct reply *r)
{
    memset(r, 0, sizeof(*r));
    gh_buf_init(&r->body, 1 << 20);
    CURL *c = p->curl;
    struct curl_slist *hdr = NULL;
    char auth[4200];
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    if (form != NULL)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    if (bearer != NULL) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", bearer);
        hdr = curl_slist_append(hdr, auth);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(hdr);
    if (rc != CURLE_OK) {
        snprintf(p->error, sizeof(p->error), "%s: %s", url, curl_easy_strerror(rc));
        return GH_EIO;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    if (r->body.p == NULL)
        gh_buf_append(&r->body, "", 0);
    return 0;
}

static int fail(struct gh_player *p, const char *what, const struct reply *r)
{
    snprintf(p->error, sizeof(p->error), "%s (HTTP %ld: %.120s)", what, r->status,
             r->body.p ? r->body.p : "");
    return GH_EINVAL;
}

int gh_player_init(struct gh_player *p)
{
    p->curl = curl_easy_init();
    if (p->curl == NULL)
        return GH_ENOMEM;
    curl_easy_setopt(p->curl, CURLOPT_COOKIEFILE, "");
    curl_easy_setopt(p->curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(p->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(p->curl, CURLOPT_FOLLOWLOCATION, 0L);
    return 0;
}

void gh_player_release(struct gh_player *p)
{
    if (p->curl != NULL)
        curl_easy_cleanup(p->curl);
    p->curl = NULL;
}

/* Appends the hidden fields of the page's form to out as a urlencoded
 * body. */
static void form_fields(const char *html, struct gh_buf *out)
{
    const char *s = html;
    while ((s = strstr(s, "<input type=\"hidden\" name=\"")) != NULL) {
        s += 27;
        size_t kn = strcspn(s, "\"");
        const char *v = strstr(s, "value=\"");
        if (v == NULL)
            break;
        v += 7;
        size_t vn = strcspn(v, "\"");
        char *val = strndup(v, vn), *w = val;
        for (const char *q = val; q != NULL && *q; w++) {
            static const char *const ents[][2] = {
                {"&amp;", "&"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}};
            size_t k = 0;
            while (k < 5 && strncmp(q, ents[k][0], strlen(ents[k][0])) != 0)
                k++;
            *w = k < 5 ? ents[k][1][0] : *q;
            q += k < 5 ? strlen(ents[k][0]) : 1;
        }
        if (val != NULL) {
            *w = '\0';
            gh_buf_printf(out, "%s%.*s=", out->len ? "&" : "", (int)kn, s);
            gh_buf_urlenc(out, val, strlen(val));
        }
        free(val);
        s = v + vn;
    }
}

static void note_step(struct gh_player *p, enum gh_part from, enum gh_part to,
                      enum gh_step_kind kind, int64_t t, const char *label, const char *note)
{
    gh_rec_step(p->rec, p->flow, from, to, kind, 0, t, 0, label, note, NULL, GH_GROUP_NONE);
}

/* Value of query parameter name in url (decoded into out), or 0. */
static int query_param(const char *url, const char *name, char *out, size_t outlen)
{
    const char *q = strchr(url, '?');
    size_t n = strlen(name);
    for (const char *s = q; s != NULL; s = strchr(s + 1, '&')) {
        if (strncmp(s + 1, name, n) == 0 && s[1 + n] == '=') {
            const char *v = s + 2 + n;
            size_t k = 0;
            for (; *v && *v != '&' && k + 1 < outlen; v++) {
                unsigned x;
                if (*v == '%' && sscanf(v + 1, "%2x", &x) == 1) {
                    out[k++] = (char)x;
                    v += 2;
                } else {
                    out[k++] = *v == '+' ? ' ' : *v;
                }
            }
            out[k] = '\0';
            return 1;
        }
    }
    return 0;
}

static int latest_flow(struct gh_player *p)
{
    struct gh_flow_info *rows = NULL;
    size_t n = 0;
    if (gh_store_trace_flows(p->store, &rows, &n) == 0 && n > 0)
        snprintf(p->flow, sizeof(p->flow), "%s", rows[n - 1].id);
    free(rows);
    return n > 0 ? 0 : GH_ENOTFOUND;
}

static int store_tokens(struct gh_player *p, const struct reply *r)
{
    json_t *doc = json_loadb(r->body.p, r->body.len, 0, NULL);
    const char *at = json_string_value(json_object_get(doc, "access_token"));
    const char *rt = json_string_value(json_object_get(doc, "refresh_token"));
    int ok = at != NULL && rt != NULL && strlen(at) < sizeof(p->access) &&
             strlen(rt) < sizeof(p->refresh);
    if (ok) {
        snprintf(p->prev_refresh, sizeof(p->prev_refresh), "%s", p->refresh);
        snprintf(p->access, sizeof(p->access), "%s", at);
        snprintf(p->refresh, sizeof(p->refresh), "%s", rt);
        const char *idt = json_string_value(json_object_get(doc, "id_token"));
        snprintf(p->id_token, sizeof(p->id_token), "%s",
                 idt && strlen(idt) < sizeof(p->id_token) ? idt : "");
    }
    json_decref(doc);
    return ok ? 0 : fail(p, "token response lacks access_token or refresh_token", r);
}

/* Posts the sign-in (and consent) forms; leaves the final redirect in r. */
static int submit_forms(struct gh_player *p, struct reply *r)
{
    struct gh_buf form;
    char url[1024];
    int rc = 0;
    if (strstr(r->body.p, "action=\"/login\"") == NULL)
        goto consent; /* still signed in at the AS: consent only */
    gh_buf_init(&form, 65536);
    form_fields(r->body.p, &form);
    gh_buf_puts(&form, "&username=");
    gh_buf_urlenc(&form, p->username, strlen(p->username));
    gh_buf_puts(&form, "&password=");
    gh_buf_urlenc(&form, p->password, strlen(p->password));
    snprintf(url, sizeof(url), "%s/login", p->issuer);
    gh_buf_release(&r->body);
    rc = http(p, url, form.p, NULL, r);
    gh_buf_release(&form);
consent:
    if (rc == 0 && r->status == 200 && strstr(r->body.p, "action=\"/consent\"") != NULL) {
        gh_buf_init(&form, 65536);
        form_fields(r->body.p, &form);
        gh_buf_puts(&form, "&decision=allow");
        snprintf(url, sizeof(url), "%s/consent", p->issuer);
        gh_buf_release(&r->body);
        rc = http(p, url, form.p, NULL, r);
        gh_buf_release(&form);
    }
    if (rc == 0 && r->status != 302 && r->status != 303)
        rc = fail(p, "sign-in did not redirect back to the app", r);
    return rc;
}

/* Checks the redirect back (code, state, iss) and exchanges the code. */
static int exchange(struct gh_player *p, struct reply *r, const char *state, const char *verifier)
{
    char code[128], got_state[128], iss[512], url[1024];
    if (strncmp(r->location, p->redirect_uri, strlen(p->redirect_uri)) != 0 ||
        !query_param(r->location, "code", code, sizeof(code)) ||
        !query_param(r->location, "state", got_state, sizeof(got_state)) ||
        strcmp(got_state, state) != 0 || !query_param(r->location, "iss", iss, sizeof(iss)) ||
        strcmp(iss, p->issuer) != 0)
        return fail(p, "redirect lacks code, the right state or iss (RFC 9207)", r);
    char c4[16];
    gh_rec_short(code, c4);
    char *label = NULL;
    if (asprintf(&label, "GET /callback?code=%s&state&iss", c4) > 0)
        note_step(p, GH_P_BROWSER, GH_P_APP, GH_STEP_CALL, gh_now_us(), label,
                  "app checks state and iss (RFC 9207)");
    free(label);
    struct gh_buf form;
    gh_buf_init(&form, 8192);
    gh_buf_puts(&form, "grant_type=authorization_code&code=");
    gh_buf_urlenc(&form, code, strlen(code));
    gh_buf_puts(&form, "&redirect_uri=");
    gh_buf_urlenc(&form, p->redirect_uri, strlen(p->redirect_uri));
    gh_buf_printf(&form, "&client_id=%s&code_verifier=%s", p->client_id, verifier);
    snprintf(url, sizeof(url), "%s/token", p->issuer);
    gh_buf_release(&r->body);
    int rc = http(p, url, form.p, NULL, r);
    gh_buf_release(&form);
    if (rc == 0 && r->status != 200)
        return fail(p, "code exchange failed", r);
    return rc == 0 ? store_tokens(p, r) : rc;
}

int gh_player_sign_in(struct gh_player *p)
{
    char verifier[GH_TOKEN_LEN + 1], challenge[44], state[GH_TOKEN_LEN + 1];
    if (gh_rand_token(verifier, sizeof(verifier)) < 0 || gh_rand_token(state, sizeof(state)) < 0)
        return GH_ECRYPTO;
    gh_pkce_s256(verifier, strlen(verifier), challenge);
    struct gh_buf url;
    gh_buf_init(&url, 8192);
    gh_buf_printf(&url, "%s/authorize?response_type=code&client_id=%s&redirect_uri=", p->issuer,
                  p->client_id);
    gh_buf_urlenc(&url, p->redirect_uri, strlen(p->redirect_uri));
    gh_buf_printf(&url,
                  "&scope=openid%%20api&state=%s&code_challenge=%s"
                  "&code_challenge_method=S256",
                  state, challenge);
    int64_t t_open = gh_now_us();
    struct reply r;
    int rc = http(p, url.p, NULL, NULL, &r);
    gh_buf_release(&url);
    /* a browser still signed in, with consent remembered (OIDC Core 3.1.2.4),
     * is sent straight back with a code */
    int silent = rc == 0 && r.status == 302 &&
                 strncmp(r.location, p->redirect_uri, strlen(p->redirect_uri)) == 0;
    if (rc == 0 && r.status != 200 && !silent)
        rc = fail(p, "authorization request did not show the sign-in page", &r);
    if (rc == 0 && p->rec != NULL && latest_flow(p) == 0)
        note_step(p, GH_P_BROWSER, GH_P_APP, GH_STEP_CALL, t_open - 2, "open app, click Sign in",
                  "app makes PKCE code_verifier, S256 challenge and state");
    if (rc == 0 && !silent)
        rc = submit_forms(p, &r);
    if (rc == 0)
        rc = exchange(p, &r, state, verifier);
    gh_buf_release(&r.body);
    return rc;
}

int gh_player_logout(struct gh_player *p, const char *post_logout_uri)
{
    char state[GH_TOKEN_LEN + 1];
    if (p->id_token[0] == '\0') {
        snprintf(p->error, sizeof(p->error), "no id_token to sign out with");
        return GH_EINVAL;
    }
    if (gh_rand_token(state, sizeof(state)) < 0)
        return GH_ECRYPTO;
    struct gh_buf url, want;
    gh_buf_init(&url, 16384);
    gh_buf_init(&want, 8192);
    gh_buf_printf(&url, "%s/logout?id_token_hint=%s&post_logout_redirect_uri=", p->issuer,
                  p->id_token);
    gh_buf_urlenc(&url, post_logout_uri, strlen(post_logout_uri));
    gh_buf_printf(&url, "&state=%s", state);
    gh_buf_printf(&want, "%s?state=%s", post_logout_uri, state);
    note_step(p, GH_P_BROWSER, GH_P_APP, GH_STEP_CALL, gh_now_us(), "click Sign out",
              "app sends the browser to end_session_endpoint");
    struct reply r;
    memset(&r, 0, sizeof(r));
    int rc = url.p && want.p ? http(p, url.p, NULL, NULL, &r) : GH_ENOMEM;
    if (rc == 0 && (r.status != 302 || strcmp(r.location, want.p) != 0))
        rc = fail(p, "logout did not redirect back to post_logout_redirect_uri with state", &r);
    if (rc == 0)
        note_step(p, GH_P_BROWSER, GH_P_APP, GH_STEP_CALL, gh_now_us(),
                  "GET post_logout_redirect_uri?state", "app checks state: signed out");
    gh_buf_release(&r.body);
    gh_buf_release(&url);
    gh_buf_release(&want);
    p->id_token[0] = p->access[0] = p->refresh[0] = '\0';
    return rc;
}

int gh_player_call_api(struct gh_player *p)
{
    char url[1024];
    struct reply r;
    snprintf(url, sizeof(url), "%s/api/me", p->api);
    int rc = http(p, url, NULL, p->access, &r);
    if (rc == 0 && (r.status != 200 || strstr(r.body.p, "\"sub\"") == NULL))
        rc = fail(p, "API call with the access token failed", &r);
    gh_buf_release(&r.body);
    return rc;
}

int gh_player_refresh(struct gh_player *p, const char *expect_error, int use_previous)
{
    char url[1024], form[512];
    struct reply r;
    snprintf(url, sizeof(url), "%s/token", p->issuer);
    snprintf(form, sizeof(form), "grant_type=refresh_token&refresh_token=%s&client_id=%s",
             use_previous ? p->prev_refresh : p->refresh, p->client_id);
    int rc = http(p, url, form, NULL, &r);
    if (rc == 0 && expect_error == NULL)
        rc = r.status == 200 ? store_tokens(p, &r) : fail(p, "refresh failed", &r);
    else if (rc == 0 && (r.status != 400 || strstr(r.body.p, "invalid_grant") == NULL ||
                         strstr(r.body.p, expect_error) == NULL))
        rc = fail(p, "refresh should have failed with invalid_grant", &r);
    gh_buf_release(&r.body);
    return rc;
}

void gh_player_note(struct gh_player *p, const char *text)
{
    note_step(p, GH_P_APP, GH_P_APP, GH_STEP_NOTE, gh_now_us(), text, NULL);
}
