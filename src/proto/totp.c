/* TOTP (RFC 6238) and HOTP (RFC 4226) with HMAC-SHA-1; base32 (RFC 4648). */
#include "proto/totp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "core/err.h"

int64_t gh_totp_step(int64_t t)
{
    return t < 0 ? -1 : t / GH_TOTP_STEP;
}

int gh_hotp(const unsigned char *key, size_t key_len, uint64_t c, int digits, char *out)
{
    unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
    size_t mac_len = 0;
    if (!key || key_len == 0 || !out || digits < 6 || digits > 8)
        return GH_EINVAL;
    for (int i = 7; i >= 0; i--, c >>= 8)
        msg[i] = (unsigned char)(c & 0xff);
    if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, key, key_len, msg, sizeof(msg), mac,
                   sizeof(mac), &mac_len) ||
        mac_len != 20)
        return GH_EINVAL;
    /* dynamic truncation (RFC 4226 5.3) */
    unsigned off = mac[19] & 0x0f;
    uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                   ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
    uint32_t mod = 1;
    for (int i = 0; i < digits; i++)
        mod *= 10;
    bin %= mod;
    for (int i = digits - 1; i >= 0; i--, bin /= 10)
        out[i] = (char)('0' + bin % 10);
    out[digits] = '\0';
    OPENSSL_cleanse(mac, sizeof(mac));
    return 0;
}

static int six_digits(const char *s)
{
    if (!s || strlen(s) != GH_TOTP_DIGITS)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

int gh_totp_verify(const unsigned char *key, size_t key_len, const char *code, int64_t t,
                   int64_t last_step, int64_t *step)
{
    if (!six_digits(code))
        return GH_EINVAL;
    int64_t now = gh_totp_step(t);
    if (now < 0)
        return GH_ENOTFOUND;
    int found = 0;
    int64_t hit = -1;
    /* every step in the window is computed, match or not, so the time
     * taken does not tell which one matched */
    for (int64_t s = now - GH_TOTP_WINDOW; s <= now + GH_TOTP_WINDOW; s++) {
        char want[GH_TOTP_DIGITS + 1];
        if (s < 0 || gh_hotp(key, key_len, (uint64_t)s, GH_TOTP_DIGITS, want) < 0)
            continue;
        int eq = CRYPTO_memcmp(want, code, GH_TOTP_DIGITS) == 0;
        if (eq && s > last_step && !found) {
            found = 1;
            hit = s;
        }
    }
    if (!found)
        return GH_ENOTFOUND;
    if (step)
        *step = hit;
    return 0;
}

static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int gh_base32_enc(const unsigned char *in, size_t len, char *out, size_t n)
{
    size_t need = (len * 8 + 4) / 5 + 1, o = 0;
    if (!out || n < need)
        return GH_ENOMEM;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[o++] = B32[(acc >> bits) & 31];
        }
    }
    if (bits > 0)
        out[o++] = B32[(acc << (5 - bits)) & 31];
    out[o] = '\0';
    return 0;
}

static int b32_val(char c)
{
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

int gh_base32_dec(const char *in, unsigned char *out, size_t n)
{
    if (!in || !out)
        return GH_EINVAL;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (const char *p = in; *p; p++) {
        if (*p == ' ' || *p == '=')
            continue;
        int v = b32_val(*p);
        if (v < 0)
            return GH_EINVAL;
        acc = (acc << 5) | (uint32_t)v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (o >= n)
                return GH_EINVAL;
            out[o++] = (unsigned char)((acc >> bits) & 0xff);
        }
    }
    return (int)o;
}
