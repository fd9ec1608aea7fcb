/*
 * Browser sessions: the gh_session cookie that /authorize, /login and
 * /consent look up, started after a sign-in and ended when it expires or
 * when its user is removed or changes password. The store keeps only the
 * SHA-256 of the cookie.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/b64url.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "oauth/session.h"
#include "core/err.h"

/* 1 when the session still belongs to a user: the user exists and has the
 * password hash the session was started with, so a password change or the
 * user's removal ends it, and a user created later under the same name (a
 * new salt) never inherits it. 0 when it does not, <0 when the store
 * cannot tell. */
static int session_of_user(struct gh_as *as, const struct gh_session *sess)
{
    struct gh_user u;
    unsigned char stamp[GH_SHA256_LEN];
    int rc = gh_store_user_get(as->store, sess->sub, &u);
    if (rc == 0) {
        gh_sha256(u.pwhash, strlen(u.pwhash), stamp);
        rc = gh_ct_eq(stamp, sess->user_stamp, sizeof(stamp));
    } else if (rc == GH_ENOTFOUND) {
        rc = 0;
    }
    OPENSSL_cleanse(&u, sizeof(u));
    return rc;
}

int gh_session_user(struct gh_req *r, struct gh_session *sess)
{
    const char *sid = gh_req_cookie(r, "gh_session");
    if (sid == NULL || strlen(sid) != GH_TOKEN_LEN)
        return 0;
    struct gh_as *as = gh_as_of(r);
    unsigned char hash[GH_SHA256_LEN];
    gh_sha256(sid, strlen(sid), hash);
    if (gh_store_session_get(as->store, hash, sess) < 0 || sess->expires_at <= gh_now())
        return 0;
    int mine = session_of_user(as, sess);
    if (mine == 0) /* ended: never valid again, whoever signs up later */
        gh_store_session_delete(as->store, hash);
    return mine > 0;
}

int gh_session_start(struct gh_req *r, const struct gh_snap *s, const struct gh_user *u, int amr,
                     struct gh_session *sess)
{
    struct gh_as *as = gh_as_of(r);
    char sid[GH_TOKEN_LEN + 1];
    unsigned char pub[16];
    memset(sess, 0, sizeof(*sess));
    int rc = gh_rand_token(sid, sizeof(sid));
    /* the OpenID Connect sid: public and random, unrelated to the cookie */
    if (rc == 0)
        rc = gh_rand_bytes(pub, sizeof(pub));
    if (rc < 0)
        return rc;
    gh_b64url_encode(pub, sizeof(pub), sess->sid, sizeof(sess->sid));
    gh_sha256(sid, strlen(sid), sess->hash);
    snprintf(sess->sub, sizeof(sess->sub), "%s", u->username);
    /* bound to the password hash that was just verified */
    gh_sha256(u->pwhash, strlen(u->pwhash), sess->user_stamp);
    sess->amr = amr;
    sess->created_at = gh_now();
    sess->expires_at = sess->created_at + as->cfg->session_ttl;
    if ((rc = gh_store_session_put(as->store, sess)) < 0)
        return rc;
    int secure = strncmp(s->issuer, "https:", 6) == 0;
    gh_resp_header(r, "Set-Cookie",
                   gh_arena_printf(r->arena,
                                   "gh_session=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s",
                                   sid, (long long)as->cfg->session_ttl, secure ? "; Secure" : ""));
    return 0;
}

void gh_session_cookie_clear(struct gh_req *r, const struct gh_snap *s)
{
    int secure = strncmp(s->issuer, "https:", 6) == 0;
    gh_resp_header(r, "Set-Cookie",
                   gh_arena_printf(r->arena,
                                   "gh_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0%s",
                                   secure ? "; Secure" : ""));
}
