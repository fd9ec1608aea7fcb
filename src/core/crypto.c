/* CSPRNG, SHA-256, constant-time compare, hex (see crypto.h). */
/* gh_sha256 uses OpenSSL's low-level SHA-256, deprecated in OpenSSL 3: it
 * is the one interface that never allocates (EVP_Digest and SHA256() do),
 * so hashing cannot fail when memory runs short. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "b64url.h"
#include "crypto.h"
#include "err.h"

int gh_rand_bytes(unsigned char *out, size_t n)
{
    if (n > 0x7fffffff || RAND_bytes(out, (int)n) != 1)
        return GH_ECRYPTO;
    return 0;
}

int gh_rand_token(char *out, size_t out_size)
{
    unsigned char raw[GH_TOKEN_BYTES];
    int rc = gh_rand_bytes(raw, sizeof(raw));
    if (rc == 0 && gh_b64url_encode(raw, sizeof(raw), out, out_size) < 0)
        rc = GH_ENOMEM;
    OPENSSL_cleanse(raw, sizeof(raw));
    return rc;
}

void gh_sha256(const void *p, size_t n, unsigned char out[GH_SHA256_LEN])
{
    /* EVP_Digest allocated a context and aborted here when that failed
     * (found by the alloc_* tests); these calls cannot fail */
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, p, n);
    SHA256_Final(out, &c);
    OPENSSL_cleanse(&c, sizeof(c));
}

int gh_ct_eq(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

int gh_ct_streq(const char *a, size_t alen, const char *b, size_t blen)
{
    /* Compare digests so the time does not depend on where they differ nor
     * leak the length of the stored value. */
    unsigned char da[GH_SHA256_LEN], db[GH_SHA256_LEN];
    gh_sha256(a, alen, da);
    gh_sha256(b, blen, db);
    return CRYPTO_memcmp(da, db, sizeof(da)) == 0 && alen == blen;
}

void gh_hex(const unsigned char *p, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
    out[2 * n] = '\0';
}
