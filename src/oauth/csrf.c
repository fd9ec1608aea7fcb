/*
 * CSRF form tokens (csrf.h): HMAC-SHA256(csrf_key, cookie and fields).
 * Each field goes into the MAC with its length, so no field can borrow
 * another's bytes, and nothing is cut off.
 */
#include <string.h>

#include <openssl/evp.h>

#include "core/b64url.h"
#include "core/crypto.h"
#include "oauth/csrf.h"

#define COOKIE "gh_csrf"

static void mac(const struct gh_snap *s, const char *cookie, const char *const *fields, size_t n,
                char out[GH_CSRF_LEN])
{
    struct gh_buf msg;
    unsigned char m[32];
    size_t mlen = 0;
    gh_buf_init(&msg, 1 << 20);
    int ok = gh_buf_printf(&msg, "%zu:", strlen(cookie)) == 0 && gh_buf_puts(&msg, cookie) == 0;
    for (size_t i = 0; i < n; i++)
        ok = ok && gh_buf_printf(&msg, "%zu:", strlen(fields[i])) == 0 &&
             gh_buf_puts(&msg, fields[i]) == 0;
    ok = ok && EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, s->csrf_key, sizeof(s->csrf_key),
                         (const unsigned char *)msg.p, msg.len, m, sizeof(m), &mlen) != NULL;
    gh_buf_release(&msg);
    out[0] = '\0';
    if (ok)
        gh_b64url_encode(m, sizeof(m), out, GH_CSRF_LEN);
}

const char *gh_csrf_browser(struct gh_req *r, const struct gh_snap *s)
{
    const char *cookie = gh_req_cookie(r, COOKIE);
    if (cookie == NULL || strlen(cookie) != GH_TOKEN_LEN) {
        char fresh[GH_TOKEN_LEN + 1];
        if (gh_rand_token(fresh, sizeof(fresh)) < 0)
            return "";
        int secure = strncmp(s->issuer, "https:", 6) == 0;
        gh_resp_header(r, "Set-Cookie",
                       gh_arena_printf(r->arena, COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s",
                                       fresh, secure ? "; Secure" : ""));
        cookie = gh_arena_strdup(r->arena, fresh);
    }
    return cookie ? cookie : "";
}

void gh_csrf_token(struct gh_req *r, const struct gh_snap *s, const char *const *fields, size_t n,
                   char out[GH_CSRF_LEN])
{
    const char *cookie = gh_csrf_browser(r, s);
    out[0] = '\0';
    if (cookie[0] != '\0') /* never a token for no browser */
        mac(s, cookie, fields, n, out);
}

int gh_csrf_ok(struct gh_req *r, const struct gh_snap *s, const char *const *fields, size_t n,
               const char *posted)
{
    const char *cookie = gh_req_cookie(r, COOKIE);
    char expect[GH_CSRF_LEN] = "";
    if (cookie != NULL && posted != NULL)
        mac(s, cookie, fields, n, expect);
    return expect[0] != '\0' && gh_ct_streq(expect, strlen(expect), posted, strlen(posted));
}
