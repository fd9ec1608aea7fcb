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
 * against a fixed dummy hash and returns 0, so an unknown user costs the
 * same time as a wrong password. */
int gh_password_verify(const char *encoded, const char *pw, size_t n);
/* Builds the dummy hash now (servers call it at start), so the first
 * unknown-user sign-in costs no more than any other. */
void gh_password_prepare(void);

#endif
