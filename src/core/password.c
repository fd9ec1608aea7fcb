/* argon2id password hashing and constant-cost verification; see
 * password.h. */
#include <pthread.h>
#include <string.h>

#include <argon2.h>

#include "core/crypto.h"
#include "core/password.h"
#include "core/err.h"

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

static char dummy[160];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    const struct gh_argon2_params p = GH_ARGON2_DEFAULTS;
    if (gh_password_hash(&p, "gatehouse-dummy-password", 24, dummy, sizeof(dummy)) < 0)
        dummy[0] = '\0';
}

void gh_password_prepare(void)
{
    pthread_once(&dummy_once, make_dummy);
}

int gh_password_verify(const char *encoded, const char *pw, size_t n)
{
    if (encoded == NULL) {
        pthread_once(&dummy_once, make_dummy);
        if (dummy[0] != '\0')
            argon2id_verify(dummy, pw, n);
        return 0;
    }
    return argon2id_verify(encoded, pw, n) == ARGON2_OK;
}
