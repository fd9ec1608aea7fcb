/* One-time code secrets at rest, the otpauth:// URI, recovery codes
 * (totp_secret.h). */
#include "proto/totp_secret.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

static const char SEAL_INFO[] = "gatehouse totp secret";

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int gh_totp_seal(const unsigned char *root, size_t root_len, const char *sub,
                 const unsigned char secret[GH_TOTP_SECRET_LEN], char out[GH_TOTP_SEALED_HEX])
{
    unsigned char k[GH_AEAD_KEY_LEN], sealed[GH_TOTP_SECRET_LEN + GH_AEAD_OVERHEAD];
    int rc = gh_hkdf_sha256(root, root_len, SEAL_INFO, k, sizeof(k));
    if (rc == 0)
        rc = gh_aead_seal(k, sub, strlen(sub), secret, GH_TOTP_SECRET_LEN, sealed);
    if (rc == 0)
        gh_hex(sealed, sizeof(sealed), out);
    OPENSSL_cleanse(k, sizeof(k));
    return rc;
}

int gh_totp_unseal(const unsigned char *root, size_t root_len, const char *sub, const char *sealed,
                   unsigned char secret[GH_TOTP_SECRET_LEN])
{
    unsigned char k[GH_AEAD_KEY_LEN], in[GH_TOTP_SECRET_LEN + GH_AEAD_OVERHEAD];
    if (sealed == NULL || strlen(sealed) != 2 * sizeof(in))
        return GH_EINVAL;
    for (size_t i = 0; i < sizeof(in); i++) {
        int hi = hexval(sealed[2 * i]), lo = hexval(sealed[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return GH_EINVAL;
        in[i] = (unsigned char)(hi << 4 | lo);
    }
    int rc = gh_hkdf_sha256(root, root_len, SEAL_INFO, k, sizeof(k));
    if (rc == 0)
        rc = gh_aead_open(k, sub, strlen(sub), in, sizeof(in), secret);
    OPENSSL_cleanse(k, sizeof(k));
    return rc;
}

/* Percent-encodes s (RFC 3986 2.1) keeping only unreserved characters. */
static int pct(const char *s, char *out, size_t n, size_t *o)
{
    static const char HEX[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                   (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL;
        if (*o + (keep ? 1 : 3) >= n)
            return GH_ENOMEM;
        if (keep) {
            out[(*o)++] = (char)*p;
        } else {
            out[(*o)++] = '%';
            out[(*o)++] = HEX[*p >> 4];
            out[(*o)++] = HEX[*p & 15];
        }
    }
    out[*o] = '\0';
    return 0;
}

static int put(const char *s, char *out, size_t n, size_t *o)
{
    size_t len = strlen(s);
    if (*o + len >= n)
        return GH_ENOMEM;
    memcpy(out + *o, s, len + 1);
    *o += len;
    return 0;
}

int gh_totp_uri(const char *issuer, const char *user,
                const unsigned char secret[GH_TOTP_SECRET_LEN], char *out, size_t n)
{
    char b32[GH_TOTP_B32_LEN];
    size_t o = 0;
    if (n == 0 || gh_base32_enc(secret, GH_TOTP_SECRET_LEN, b32, sizeof(b32)) < 0)
        return GH_ENOMEM;
    int rc = put("otpauth://totp/", out, n, &o);
    rc = rc < 0 ? rc : pct(issuer, out, n, &o);
    rc = rc < 0 ? rc : put(":", out, n, &o);
    rc = rc < 0 ? rc : pct(user, out, n, &o);
    rc = rc < 0 ? rc : put("?secret=", out, n, &o);
    rc = rc < 0 ? rc : put(b32, out, n, &o);
    rc = rc < 0 ? rc : put("&issuer=", out, n, &o);
    rc = rc < 0 ? rc : pct(issuer, out, n, &o);
    rc = rc < 0 ? rc : put("&algorithm=SHA1&digits=6&period=30", out, n, &o);
    OPENSSL_cleanse(b32, sizeof(b32));
    if (rc < 0)
        out[0] = '\0';
    return rc;
}

int gh_recovery_new(char out[GH_RECOVERY_LEN])
{
    unsigned char r[8];
    char b32[16];
    if (gh_rand_bytes(r, sizeof(r)) < 0)
        return GH_ECRYPTO;
    gh_base32_enc(r, sizeof(r), b32, sizeof(b32)); /* 13 characters; 12 used */
    for (int i = 0, o = 0; i < 12; i++) {
        if (i > 0 && i % 4 == 0)
            out[o++] = '-';
        out[o++] = (char)(b32[i] >= 'A' && b32[i] <= 'Z' ? b32[i] - 'A' + 'a' : b32[i]);
    }
    out[GH_RECOVERY_LEN - 1] = '\0';
    OPENSSL_cleanse(r, sizeof(r));
    return 0;
}

int gh_recovery_hash(const char *code, unsigned char out[GH_SHA256_LEN])
{
    char norm[12];
    size_t o = 0;
    if (code == NULL || strlen(code) > 64)
        return GH_EINVAL;
    for (const char *p = code; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '-')
            continue;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')) || o >= sizeof(norm))
            return GH_EINVAL;
        norm[o++] = c;
    }
    if (o != sizeof(norm))
        return GH_EINVAL;
    gh_sha256(norm, sizeof(norm), out);
    OPENSSL_cleanse(norm, sizeof(norm));
    return 0;
}
