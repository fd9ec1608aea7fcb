/* argon2id password hashing and constant-cost verification; see
 * password.h. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Each thread keeps the memory of its last verification for the next one.
 * Argon2 fills m KiB (19 MiB by default); taken fresh from the kernel each
 * time, every page of it was faulted in, zeroed and unmapped again, about a
 * third of a sign-in's CPU in a login storm. Only the hashing threads
 * (ncores of them) verify, so this holds ncores blocks at most. libargon2
 * wipes the memory before it calls free_cbk. Blocks above the cap are
 * taken and returned as before. */
#define GH_ARGON2_KEEP_MAX (256u << 20)

struct argon2_block {
    uint8_t *mem;
    size_t len;
};

static pthread_key_t block_key;
static pthread_once_t block_once = PTHREAD_ONCE_INIT;
static atomic_uint blocks_taken;

static void block_free(void *arg)
{
    struct argon2_block *b = arg;
    free(b->mem);
    free(b);
}

static void block_key_make(void)
{
    if (pthread_key_create(&block_key, block_free) != 0)
        GH_BUG("pthread_key_create");
}

static int block_alloc(uint8_t **memory, size_t bytes)
{
    pthread_once(&block_once, block_key_make);
    struct argon2_block *b = pthread_getspecific(block_key);
    if (bytes > GH_ARGON2_KEEP_MAX) {
        *memory = malloc(bytes);
        return *memory != NULL ? ARGON2_OK : ARGON2_MEMORY_ALLOCATION_ERROR;
    }
    if (b == NULL) {
        if ((b = calloc(1, sizeof(*b))) == NULL || pthread_setspecific(block_key, b) != 0) {
            free(b);
            return ARGON2_MEMORY_ALLOCATION_ERROR;
        }
    }
    if (b->len < bytes) {
        free(b->mem);
        b->len = 0;
        if ((b->mem = malloc(bytes)) == NULL)
            return ARGON2_MEMORY_ALLOCATION_ERROR;
        b->len = bytes;
        atomic_fetch_add(&blocks_taken, 1);
    }
    *memory = b->mem;
    return ARGON2_OK;
}

static void block_release(uint8_t *memory, size_t bytes)
{
    (void)bytes;
    struct argon2_block *b = pthread_getspecific(block_key);
    if (b == NULL || memory != b->mem)
        free(memory); /* above the cap */
}

void gh_password_thread_release(void)
{
    pthread_once(&block_once, block_key_make);
    struct argon2_block *b = pthread_getspecific(block_key);
    if (b == NULL)
        return;
    free(b->mem); /* libargon2 wiped it after its last use */
    b->mem = NULL;
    b->len = 0;
}

unsigned gh_password_blocks_taken(void)
{
    return atomic_load(&blocks_taken);
}

/* PHC base64 (standard alphabet, no padding) into out; its length or -1. */
static int b64_decode_nopad(const char *in, size_t n, unsigned char *out, size_t size)
{
    char padded[128];
    size_t len = n;
    if (n == 0 || n % 4 == 1 || n + 3 >= sizeof(padded) || (n + 3) / 4 * 3 > size)
        return -1;
    memcpy(padded, in, n);
    while (len % 4 != 0)
        padded[len++] = '=';
    int got = EVP_DecodeBlock(out, (const unsigned char *)padded, (int)len);
    return got < 0 ? -1 : got - (int)(len - n);
}

/* argon2id_verify with the thread's kept memory: the PHC string parsed
 * into a context ("$argon2id$v=V$m=M,t=T,p=P$SALT$HASH"). */
static int verify_encoded(const char *encoded, const char *pw, size_t n)
{
    unsigned v = 0, m = 0, t = 0, p = 0;
    int at = 0;
    if (sscanf(encoded, "$argon2id$v=%u$m=%u,t=%u,p=%u$%n", &v, &m, &t, &p, &at) != 4 || at == 0)
        return 0;
    const char *salt64 = encoded + at, *dollar = strchr(salt64, '$');
    if (dollar == NULL)
        return 0;
    unsigned char salt[64], want[64], got[64];
    int salt_len = b64_decode_nopad(salt64, (size_t)(dollar - salt64), salt, sizeof(salt));
    int want_len = b64_decode_nopad(dollar + 1, strlen(dollar + 1), want, sizeof(want));
    if (salt_len < (int)ARGON2_MIN_SALT_LENGTH || want_len < (int)ARGON2_MIN_OUTLEN)
        return 0;
    argon2_context ctx = {
        .out = got,
        .outlen = (uint32_t)want_len,
        .pwd = (uint8_t *)(uintptr_t)pw,
        .pwdlen = (uint32_t)n,
        .salt = salt,
        .saltlen = (uint32_t)salt_len,
        .t_cost = t,
        .m_cost = m,
        .lanes = p,
        .threads = p,
        .version = v,
        .allocate_cbk = block_alloc,
        .free_cbk = block_release,
        .flags = ARGON2_DEFAULT_FLAGS,
    };
    return argon2id_verify_ctx(&ctx, (const char *)want) == ARGON2_OK;
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
            verify_encoded(copy, pw, n);
        return 0;
    }
    return verify_encoded(encoded, pw, n);
}
