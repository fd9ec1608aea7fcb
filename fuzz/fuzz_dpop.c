/*
 * libFuzzer driver: DPoP proof checks (src/jose/dpop.c, RFC 9449 4.3), the
 * header a client sends to /token and the Resource API. The input is the
 * proof; it is checked against a fixed request (POST to a fixed URL at a
 * fixed time, with an access token for ath), once through a key cache and
 * once without. Invariants: both agree; a passing proof yields a 43-byte
 * thumbprint; a refused one leaves nothing on OpenSSL's error queue; the
 * cache never lets a proof pass that the uncached check refuses.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/err.h>

#include "core/err.h"
#include "jose/dpop.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            GH_BUG("fuzz invariant failed: " #c);                                                  \
    } while (0)

static struct gh_dpop_keys *keys;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the corpus proofs are made for this request */
    struct gh_dpop_expect e = {.htm = "POST",
                               .htu = "http://127.0.0.1:9000/token",
                               .token = NULL,
                               .now = 1700000000,
                               .window = 300};
    struct gh_dpop_proof a, b;
    const char *why_a = NULL, *why_b = NULL;
    if (keys == NULL && gh_dpop_keys_new(&keys) < 0)
        return 0;
    ERR_clear_error();
    for (int with_token = 0; with_token < 2; with_token++) {
        e.token = with_token ? "access.token.x" : NULL;
        enum gh_dpop_result ra = gh_dpop_check(keys, (const char *)data, size, &e, &a, &why_a);
        CHECK(ERR_peek_error() == 0);
        enum gh_dpop_result rb = gh_dpop_check(NULL, (const char *)data, size, &e, &b, &why_b);
        CHECK(ERR_peek_error() == 0);
        CHECK(ra == rb);
        CHECK(ra == GH_DPOP_OK || why_a != NULL);
        if (ra == GH_DPOP_OK) {
            CHECK(strlen(a.jkt) == GH_DPOP_JKT_LEN);
            CHECK(strcmp(a.jkt, b.jkt) == 0);
            CHECK(memcmp(a.jti_hash, b.jti_hash, sizeof(a.jti_hash)) == 0);
        } else {
            CHECK(a.jkt[0] == '\0');
        }
    }
    return 0;
}
