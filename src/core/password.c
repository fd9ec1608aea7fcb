/* argon2id password hashing and constant-cost verification; see
 * password.h. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <argon2.h>
#include <openssl/evp.h>

#include "core/crypto.h"
#include "core/password.h"
#include "core/err.h"

#define GH_DUMMY_MAX 160

int gh_password_hash(const struct gh_argon2_params *p, const char *pw, size_t n, char *out,
                     size_t outlen)
{
    unsigned char salt[16];
    if (gh_rand_bytes(salt, sizeof(salt)) < 0)
        return GH_ECRYPTO;
    int rc = argon2id_hash_encoded(p->t_cost, p->m_cost, p->threads, pw, n, salt, sizeof(salt), 32,
                                   out, outlen);
    return rc == ARGON2_OK ? 0 : GH_EINVAL;
}

/* The dummy hash unknown users are verified against: its parameters are
 * set by the server (gh_password_set_dummy); the salt and digest are
 * random, so no password matches it. */
static pthread_mutex_t dummy_lock = PTHREAD_MUTEX_INITIALIZER;
static char dummy[GH_DUMMY_MAX];
static struct gh_argon2_params dummy_params;

static int params_valid(const struct gh_argon2_params *p)
{
    /* ARGON2_MAX_MEMORY is above any uint32_t on 64-bit hosts */
    return p->t_cost >= ARGON2_MIN_TIME && p->threads >= ARGON2_MIN_LANES &&
           p->threads <= ARGON2_MAX_LANES && p->m_cost >= 8 * p->threads;
}

/* PHC base64: standard alphabet, no padding. */
static void b64_nopad(const unsigned char *in, int n, char *out)
{
    int len = EVP_EncodeBlock((unsigned char *)out, in, n);
    while (len > 0 && out[len - 1] == '=')
        out[--len] = '\0';
}

/* Builds a dummy for p into out; called locked. */
static void build_dummy(const struct gh_argon2_params *p, char out[GH_DUMMY_MAX])
{
    unsigned char salt[16], digest[32]; /* the sizes gh_password_hash uses */
    char salt64[32], digest64[48];
    out[0] = '\0';
    if (gh_rand_bytes(salt, sizeof(salt)) < 0 || gh_rand_bytes(digest, sizeof(digest)) < 0)
        return;
    b64_nopad(salt, (int)sizeof(salt), salt64);
    b64_nopad(digest, (int)sizeof(digest), digest64);
    snprintf(out, GH_DUMMY_MAX, "$argon2id$v=%d$m=%u,t=%u,p=%u$%s$%s", ARGON2_VERSION_NUMBER,
             p->m_cost, p->t_cost, p->threads, salt64, digest64);
}

void gh_password_set_dummy(const struct gh_argon2_params *p)
{
    const struct gh_argon2_params defaults = GH_ARGON2_DEFAULTS;
    if (p == NULL || !params_valid(p))
        p = &defaults;
    pthread_mutex_lock(&dummy_lock);
    if (dummy[0] == '\0' || memcmp(p, &dummy_params, sizeof(*p)) != 0) {
        build_dummy(p, dummy);
        dummy_params = *p;
    }
    pthread_mutex_unlock(&dummy_lock);
}

void gh_password_prepare(void)
{
    pthread_mutex_lock(&dummy_lock);
    int missing = dummy[0] == '\0';
    pthread_mutex_unlock(&dummy_lock);
    if (missing)
        gh_password_set_dummy(NULL);
}

int gh_password_params(const char *encoded, struct gh_argon2_params *out)
{
    unsigned v = 0, m = 0, t = 0, p = 0;
    int end = 0;
    if (sscanf(encoded, "$argon2id$v=%u$m=%u,t=%u,p=%u$%n", &v, &m, &t, &p, &end) != 4 || end == 0)
        return GH_EINVAL;
    out->t_cost = t;
    out->m_cost = m;
    out->threads = p;
    return 0;
}

int gh_password_verify(const char *encoded, const char *pw, size_t n)
{
    if (encoded == NULL) {
        char copy[GH_DUMMY_MAX];
        gh_password_prepare();
        pthread_mutex_lock(&dummy_lock);
        memcpy(copy, dummy, sizeof(copy));
        pthread_mutex_unlock(&dummy_lock);
        if (copy[0] != '\0')
            argon2id_verify(copy, pw, n);
        return 0;
    }
    return argon2id_verify(encoded, pw, n) == ARGON2_OK;
}
