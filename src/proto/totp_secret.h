/*
 * A user's one-time code secret at rest and in the otpauth:// URI, and
 * recovery codes. The secret is sealed with AES-256-GCM under
 * HKDF-SHA256(root, "gatehouse totp secret") (RFC 5869), root being the
 * database's csrf_key, with the user name as associated data so that a
 * sealed secret moved to another user does not open; it is stored as hex.
 * Recovery codes are random, shown once, and stored as the SHA-256 of
 * their normalised form (docs/security.md: secrets only as hashes).
 */
#ifndef GH_TOTP_SECRET_H
#define GH_TOTP_SECRET_H

#include <stddef.h>

#include "core/crypto.h"
#include "proto/totp.h"

/* hex of nonce || sealed secret || tag, with its NUL */
#define GH_TOTP_SEALED_HEX (2 * (GH_TOTP_SECRET_LEN + GH_AEAD_OVERHEAD) + 1)
/* base32 of the secret, with its NUL */
#define GH_TOTP_B32_LEN ((GH_TOTP_SECRET_LEN * 8 + 4) / 5 + 1)
/* "xxxx-xxxx-xxxx" (base32, lower case: 60 bits), with its NUL */
#define GH_RECOVERY_LEN 15

int gh_totp_seal(const unsigned char *root, size_t root_len, const char *sub,
                 const unsigned char secret[GH_TOTP_SECRET_LEN], char out[GH_TOTP_SEALED_HEX]);
/* 0, GH_EINVAL (not a sealed secret) or GH_ECRYPTO (another key or user). */
int gh_totp_unseal(const unsigned char *root, size_t root_len, const char *sub, const char *sealed,
                   unsigned char secret[GH_TOTP_SECRET_LEN] /* OUT */);

/* otpauth://totp/ISSUER:USER?secret=B32&issuer=ISSUER&algorithm=SHA1&
 * digits=6&period=30 (the Key Uri Format authenticator apps read), the
 * label and issuer percent-encoded. 0 or GH_ENOMEM when n is too small. */
int gh_totp_uri(const char *issuer, const char *user,
                const unsigned char secret[GH_TOTP_SECRET_LEN], char *out, size_t n);

/* A new random recovery code. 0 or GH_ECRYPTO. */
int gh_recovery_new(char out[GH_RECOVERY_LEN]);
/* SHA-256 of code with spaces and dashes dropped and letters lowered, so
 * "ABCD EFGH-ijkl" matches "abcd-efgh-ijkl". GH_EINVAL for anything that
 * cannot be a recovery code. */
int gh_recovery_hash(const char *code, unsigned char out[GH_SHA256_LEN]);

#endif
