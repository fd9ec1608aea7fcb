/*
 * ID Tokens (OpenID Connect Core 1.0). The claims of section 2 — iss, sub,
 * aud, exp, iat, auth_time, nonce, acr, amr, azp — plus at_hash (3.1.3.6)
 * and sid (Back-Channel Logout 1.0 section 2.4), written straight into a
 * buffer and signed as a compact JWS with typ "JWT" by the active key, like
 * the access tokens of common.c. Profile and email claims are not put in
 * the id_token: they come from /userinfo (OIDC Core 5.4).
 */
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/b64url.h"
#include "core/err.h"
#include "oauth/idtoken.h"
#include "oauth/oauth.h"
#include "proto/proto.h"

int gh_idtoken_at_hash(enum gh_jwa alg, const char *token, size_t n, char out[GH_AT_HASH_MAX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    /* the hash of the signature algorithm: SHA-256 for ES256 (RFC 7518
     * 3.4) and RS256 (3.3); Ed25519 hashes with SHA-512 (RFC 8032 5.1) */
    const EVP_MD *h = alg == GH_JWA_EDDSA ? EVP_sha512() : EVP_sha256();
    if (EVP_Digest(token, n, md, &md_len, h, NULL) != 1)
        return GH_ECRYPTO;
    /* "the left-most half of the hash", base64url */
    return gh_b64url_encode(md, md_len / 2, out, GH_AT_HASH_MAX) < 0 ? GH_ECRYPTO : 0;
}

/* Appends ,"name":"v" when v is set; the first failure sticks in *rc so
 * no partial JSON is ever signed. */
static void claim_str(struct gh_buf *b, int *rc, const char *name, const char *v)
{
    if (v == NULL || v[0] == '\0')
        return;
    if (*rc == 0)
        *rc = gh_buf_printf(b, ",\"%s\":", name);
    if (*rc == 0)
        *rc = gh_buf_json_str(b, v, strlen(v));
}

int gh_idtoken_sign(const struct gh_snap *s, const struct gh_idtoken *t, struct gh_buf *jwt)
{
    if (t->sub == NULL || t->client_id == NULL || s->signer == NULL)
        return GH_EINVAL;
    char at_hash[GH_AT_HASH_MAX] = "";
    int rc = 0;
    if (t->access_token != NULL)
        rc = gh_idtoken_at_hash(gh_jwk_alg(s->signer), t->access_token, t->access_token_len,
                                at_hash);
    char mem[4096];
    struct gh_buf c = {mem, 0, sizeof(mem), sizeof(mem) - 1};
    if (rc == 0)
        rc = gh_buf_puts(&c, "{\"iss\":");
    if (rc == 0)
        rc = gh_buf_json_str(&c, s->issuer, strlen(s->issuer));
    claim_str(&c, &rc, "sub", t->sub);
    claim_str(&c, &rc, "aud", t->client_id); /* OIDC Core 2: the client id */
    if (rc == 0)
        rc =
            gh_buf_printf(&c, ",\"exp\":%lld,\"iat\":%lld,\"auth_time\":%lld",
                          (long long)(t->now + t->ttl), (long long)t->now, (long long)t->auth_time);
    claim_str(&c, &rc, "nonce", t->nonce);
    claim_str(&c, &rc, "at_hash", at_hash);
    claim_str(&c, &rc, "sid", t->sid);
    claim_str(&c, &rc, "azp", t->client_id);
    gh_oauth_claims_amr(&c, &rc, t->amr);
    if (rc == 0)
        rc = gh_buf_putc(&c, '}');
    /* OIDC Core 2 / RFC 7519 5.1: typ "JWT" tells it from at+jwt */
    if (rc == 0)
        rc = gh_jws_sign(s->signer, "JWT", c.p, c.len, jwt);
    return rc;
}

int gh_idtoken_grant(const struct gh_snap *s, const char *scope, const struct gh_idtoken *t,
                     const struct gh_buf *at, int64_t now, int64_t ttl, struct gh_buf *jwt)
{
    if (!gh_scope_has(scope, "openid"))
        return 0;
    struct gh_idtoken it = *t;
    it.access_token = at->p;
    it.access_token_len = at->len;
    it.now = now;
    it.ttl = ttl;
    return gh_idtoken_sign(s, &it, jwt);
}

int gh_idtoken_nonce_ok(const char *nonce)
{
    size_t n = strlen(nonce);
    if (n == 0 || n >= GH_NONCE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)nonce[i] < 0x20 || nonce[i] == 0x7f)
            return 0;
    json_t *j = json_stringn(nonce, n); /* NULL when not UTF-8 */
    json_decref(j);
    return j != NULL;
}

static int copy_claim(json_t *claims, const char *name, char *out, size_t size, int required)
{
    const char *v = json_string_value(json_object_get(claims, name));
    if (v == NULL)
        return required ? GH_EINVAL : 0;
    size_t n = strlen(v);
    if (n == 0 || n >= size)
        return GH_EINVAL;
    memcpy(out, v, n + 1);
    return 0;
}

int gh_idtoken_hint_verify(const struct gh_snap *s, const char *token, struct gh_idtoken_hint *out)
{
    memset(out, 0, sizeof(*out));
    struct gh_jws jws;
    int rc = GH_EINVAL;
    if (token == NULL || gh_jws_parse(token, strlen(token), &jws) < 0)
        return GH_EINVAL;
    const struct gh_jwk *k = gh_snap_key(s, jws.kid);
    /* typ "JWT": an access token (at+jwt) or logout token is no hint */
    if (k != NULL && strcmp(jws.typ, "JWT") == 0 && gh_jws_verify(k, &jws) == 0) {
        json_t *claims = json_loadb(jws.payload, jws.payload_len, 0, NULL);
        const char *iss = json_string_value(json_object_get(claims, "iss"));
        if (iss != NULL && strcmp(iss, s->issuer) == 0 &&
            copy_claim(claims, "sub", out->sub, sizeof(out->sub), 1) == 0 &&
            copy_claim(claims, "aud", out->aud, sizeof(out->aud), 1) == 0 &&
            copy_claim(claims, "sid", out->sid, sizeof(out->sid), 0) == 0)
            rc = 0;
        json_decref(claims);
    }
    gh_jws_release(&jws);
    if (rc < 0)
        memset(out, 0, sizeof(*out));
    return rc;
}
