/*
 * Password hashing with argon2id (libargon2, RFC 9106). Hashes are stored
 * in the PHC string format, which carries its own parameters, so changing
 * the defaults never invalidates stored hashes.
 */
#ifndef GH_PASSWORD_H
#define GH_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

struct gh_argon2_params {
    uint32_t t_cost;  /* iterations */
    uint32_t m_cost;  /* memory, KiB */
    uint32_t threads; /* parallelism */
};

/* OWASP's argon2id baseline: t=2, m=19 MiB, p=1. */
#define GH_ARGON2_DEFAULTS                                                                         \
    {                                                                                              \
        2, 19456, 1                                                                                \
    }
#define GH_PASSWORD_MIN 8
#define GH_PASSWORD_MAX 1024

/* Hashes pw[0..n) into out (outlen >= 128). */
int gh_password_hash(const struct gh_argon2_params *p, const char *pw, size_t n, char *out,
                     size_t outlen);
/* 1 when pw matches the encoded hash. With encoded == NULL it verifies
 * against the dummy hash and returns 0, so an unknown user costs the same
 * time as a wrong password for a user with the dummy's parameters. */
int gh_password_verify(const char *encoded, const char *pw, size_t n);
/* How many argon2 memory blocks verifications have taken from the
 * allocator so far: each thread keeps its block for its next verification
 * (one per hashing thread, unless a hash needs more memory). For tests. */
unsigned gh_password_blocks_taken(void);
/* Frees the calling thread's kept block (the hashing pool calls it when
 * idle, gh_workq_set_idle): the next verification takes a new one. */
void gh_password_thread_release(void);
/* Makes sure a dummy hash exists (servers call it at start): until
 * gh_password_set_dummy, one with the default parameters. */
void gh_password_prepare(void);
/* Sets the parameters of the process-wide dummy hash: servers pass those
 * of the costliest hash among their users (RFC 9106 cost t x m), so that
 * no user name is told apart from an unknown one by timing. Building it
 * costs no hashing: a random salt and digest with these parameters cost a
 * verification exactly what a real hash does. Invalid parameters fall
 * back to the defaults. Thread-safe. */
void gh_password_set_dummy(const struct gh_argon2_params *p);
/* The parameters of an encoded argon2id hash; GH_EINVAL when it is not
 * one ("$argon2id$v=19$m=M,t=T,p=P$..."). */
int gh_password_params(const char *encoded, struct gh_argon2_params *out);

#endif
