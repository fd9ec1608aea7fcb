/* CSPRNG, SHA-256, constant-time compare, hex, HKDF, AES-256-GCM (see
 * crypto.h). */
/* gh_sha256 uses OpenSSL's low-level SHA-256, deprecated in OpenSSL 3: it
 * is the one interface that never allocates (EVP_Digest and SHA256() do),
 * so hashing cannot fail when memory runs short. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <string.h>

#include <pthread.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
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

/* The algorithms, fetched once (fetching per call costs a lookup and an
 * allocation on the token endpoint's path). */
static pthread_once_t fetched = PTHREAD_ONCE_INIT;
static EVP_KDF *hkdf;
static EVP_CIPHER *aes_gcm;

static void fetch_algorithms(void)
{
    hkdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL);
    aes_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

int gh_hkdf_sha256(const void *ikm, size_t ikm_len, const char *info, unsigned char *out, size_t n)
{
    pthread_once(&fetched, fetch_algorithms);
    EVP_KDF_CTX *k = hkdf ? EVP_KDF_CTX_new(hkdf) : NULL;
    if (k == NULL)
        return GH_ECRYPTO;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info)),
        OSSL_PARAM_construct_end(),
    };
    int rc = EVP_KDF_derive(k, out, n, p) == 1 ? 0 : GH_ECRYPTO;
    EVP_KDF_CTX_free(k);
    return rc;
}

/* One AES-256-GCM pass over in[0..n) into out; enc 1 seals, 0 opens (the
 * tag is then checked). */
static int gcm(int enc, const unsigned char *key, const unsigned char nonce[GH_AEAD_NONCE_LEN],
               const void *aad, size_t aad_len, const unsigned char *in, size_t n,
               unsigned char *out, unsigned char tag[GH_AEAD_TAG_LEN])
{
    pthread_once(&fetched, fetch_algorithms);
    EVP_CIPHER_CTX *c = aes_gcm ? EVP_CIPHER_CTX_new() : NULL;
    int len = 0, ok = c != NULL && n <= 0x7fffffff && aad_len <= 0x7fffffff &&
                      EVP_CipherInit_ex2(c, aes_gcm, key, nonce, enc, NULL) == 1 &&
                      EVP_CipherUpdate(c, NULL, &len, aad, (int)aad_len) == 1 &&
                      EVP_CipherUpdate(c, out, &len, in, (int)n) == 1;
    if (ok && !enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, GH_AEAD_TAG_LEN, tag) == 1;
    if (ok)
        ok = EVP_CipherFinal_ex(c, out + len, &len) == 1;
    if (ok && enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, GH_AEAD_TAG_LEN, tag) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : GH_ECRYPTO;
}

int gh_aead_seal(const unsigned char key[GH_AEAD_KEY_LEN], const void *aad, size_t aad_len,
                 const void *pt, size_t n, unsigned char *out)
{
    int rc = gh_rand_bytes(out, GH_AEAD_NONCE_LEN);
    if (rc == 0)
        rc = gcm(1, key, out, aad, aad_len, pt, n, out + GH_AEAD_NONCE_LEN,
                 out + GH_AEAD_NONCE_LEN + n);
    return rc;
}

int gh_aead_open(const unsigned char key[GH_AEAD_KEY_LEN], const void *aad, size_t aad_len,
                 const unsigned char *in, size_t n, unsigned char *pt)
{
    if (n < GH_AEAD_OVERHEAD)
        return GH_ECRYPTO;
    size_t len = n - GH_AEAD_OVERHEAD;
    unsigned char tag[GH_AEAD_TAG_LEN];
    memcpy(tag, in + GH_AEAD_NONCE_LEN + len, sizeof(tag));
    int rc = gcm(0, key, in, aad, aad_len, in + GH_AEAD_NONCE_LEN, len, pt, tag);
    if (rc < 0)
        OPENSSL_cleanse(pt, len);
    return rc;
}
