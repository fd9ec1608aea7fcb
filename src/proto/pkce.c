/* PKCE, RFC 7636: verifier syntax (4.1) and S256 verification (4.6). */
#include <string.h>

#include "core/b64url.h"
#include "core/crypto.h"
#include "proto/proto.h"

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int gh_pkce_verifier_valid(const char *v, size_t n)
{
    /* RFC 7636 4.1: code-verifier = 43*128unreserved */
    if (n < 43 || n > 128)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!unreserved((unsigned char)v[i]))
            return 0;
    return 1;
}

int gh_pkce_challenge_valid(const char *c, size_t n)
{
    /* S256 challenge: base64url of 32 bytes, no padding = 43 characters */
    unsigned char raw[33];
    return n == 43 && gh_b64url_decode(c, n, raw, sizeof(raw)) == 32;
}

void gh_pkce_s256(const char *verifier, size_t n, char out[44])
{
    unsigned char d[GH_SHA256_LEN];
    gh_sha256(verifier, n, d);
    gh_b64url_encode(d, sizeof(d), out, 44);
}

int gh_pkce_verify(const char *verifier, size_t vn, const char *challenge, size_t cn)
{
    if (!gh_pkce_verifier_valid(verifier, vn) || cn != 43)
        return 0;
    char computed[44];
    gh_pkce_s256(verifier, vn, computed);
    /* RFC 7636 4.6: compare code_challenge with BASE64URL-ENCODE(SHA256(...)) */
    return gh_ct_eq(computed, challenge, 43);
}
