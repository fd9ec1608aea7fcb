/* Device cookies; see device.h. The value is
 * base64url(nonce || issued_at) "." base64url(HMAC-SHA256(k, SHA-256(user)
 * || SHA-256(pwhash) || nonce || issued_at)), where k = HMAC-SHA256(csrf_key,
 * "gatehouse device cookie v1") keeps these MACs apart from the CSRF tokens
 * made with the same stored key. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/b64url.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "oauth/device.h"
#include "core/err.h"

#define BODY_BYTES (GH_DEVICE_NONCE + 8)
#define BODY_LEN GH_B64URL_LEN(BODY_BYTES)
#define MAC_LEN GH_B64URL_LEN(GH_SHA256_LEN)
#define VALUE_LEN (BODY_LEN + 1 + MAC_LEN)
#define SKEW 60 /* seconds a cookie may seem to come from the future */

static const char *cookie_name(const struct gh_snap *s)
{
    /* RFC 6265bis 4.1.3.2: __Host- cookies are Secure, Path=/, no Domain */
    return strncmp(s->issuer, "https:", 6) == 0 ? "__Host-gh_device" : "gh_device";
}

static int mac_of(const struct gh_snap *s, const char *user, const char *pwhash,
                  const unsigned char body[BODY_BYTES], unsigned char mac[GH_SHA256_LEN])
{
    static const char label[] = "gatehouse device cookie v1";
    unsigned char key[GH_SHA256_LEN], msg[2 * GH_SHA256_LEN + BODY_BYTES];
    size_t n = 0;
    int rc = GH_ECRYPTO;
    gh_sha256(user, strlen(user), msg);
    gh_sha256(pwhash, strlen(pwhash), msg + GH_SHA256_LEN);
    memcpy(msg + 2 * GH_SHA256_LEN, body, BODY_BYTES);
    if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, s->csrf_key, sizeof(s->csrf_key),
                  (const unsigned char *)label, sizeof(label) - 1, key, sizeof(key), &n) != NULL &&
        EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, sizeof(key), msg, sizeof(msg), mac,
                  GH_SHA256_LEN, &n) != NULL)
        rc = 0;
    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}

int gh_device_valid(struct gh_req *r, const struct gh_snap *s, const char *user, const char *pwhash,
                    char lock_key[GH_DEVICE_LOCK_LEN])
{
    const char *v = gh_req_cookie(r, cookie_name(s));
    unsigned char body[BODY_BYTES], got[GH_SHA256_LEN], want[GH_SHA256_LEN];
    lock_key[0] = '\0';
    if (v == NULL || pwhash == NULL || strlen(v) != VALUE_LEN || v[BODY_LEN] != '.' ||
        gh_b64url_decode(v, BODY_LEN, body, sizeof(body)) != BODY_BYTES ||
        gh_b64url_decode(v + BODY_LEN + 1, MAC_LEN, got, sizeof(got)) != GH_SHA256_LEN)
        return 0;
    int64_t issued = 0, now = gh_now();
    for (int i = 0; i < 8; i++)
        issued = (int64_t)((uint64_t)issued << 8 | body[GH_DEVICE_NONCE + i]);
    if (issued > now + SKEW || now - issued >= GH_DEVICE_TTL)
        return 0;
    if (mac_of(s, user, pwhash, body, want) < 0 || !gh_ct_eq(got, want, sizeof(want)))
        return 0;
    memcpy(lock_key, "d:", 2);
    gh_b64url_encode(body, GH_DEVICE_NONCE, lock_key + 2, GH_DEVICE_LOCK_LEN - 2);
    return 1;
}

int gh_device_issue(struct gh_req *r, const struct gh_snap *s, const char *user, const char *pwhash)
{
    unsigned char body[BODY_BYTES], mac[GH_SHA256_LEN];
    char value[VALUE_LEN + 1];
    uint64_t now = (uint64_t)gh_now();
    for (int i = 0; i < 8; i++)
        body[GH_DEVICE_NONCE + i] = (unsigned char)(now >> (56 - 8 * i));
    int rc = gh_rand_bytes(body, GH_DEVICE_NONCE);
    if (rc == 0)
        rc = mac_of(s, user, pwhash, body, mac);
    if (rc < 0)
        return rc;
    gh_b64url_encode(body, sizeof(body), value, BODY_LEN + 1);
    value[BODY_LEN] = '.';
    gh_b64url_encode(mac, sizeof(mac), value + BODY_LEN + 1, MAC_LEN + 1);
    int secure = strncmp(s->issuer, "https:", 6) == 0;
    const char *c = gh_arena_printf(r->arena, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s",
                                    cookie_name(s), value, GH_DEVICE_TTL, secure ? "; Secure" : "");
    if (c == NULL)
        return GH_ENOMEM;
    gh_resp_header(r, "Set-Cookie", c);
    return 0;
}
