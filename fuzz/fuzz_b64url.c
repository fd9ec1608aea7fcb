/*
 * libFuzzer driver: the strict base64url decoder every JWS part and PKCE
 * challenge goes through (src/core/b64url.c, RFC 4648 5).
 * Invariants: the decoder writes no more than its stated bound; what it
 * accepts re-encodes to exactly the input (it is strict, so canonical);
 * encoding any bytes and decoding them gives the bytes back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64url.h"
#include "core/err.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            GH_BUG("fuzz invariant failed: " #c);                                                  \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t bound = size / 4 * 3 + 2;
    unsigned char *dec = malloc(bound);
    char *enc = malloc(GH_B64URL_LEN(size) + 1);
    unsigned char *back = malloc(size + 1);
    if (dec == NULL || enc == NULL || back == NULL)
        goto out;
    /* decode the input as text */
    long n = gh_b64url_decode((const char *)data, size, dec, bound);
    CHECK(n == GH_EINVAL || (n >= 0 && (size_t)n <= bound));
    if (n >= 0) {
        CHECK(gh_b64url_encode(dec, (size_t)n, enc, GH_B64URL_LEN(size) + 1) == (long)size);
        CHECK(memcmp(enc, data, size) == 0);
    }
    /* a too-small output buffer is refused, never overrun */
    if (n > 0)
        CHECK(gh_b64url_decode((const char *)data, size, dec, (size_t)n - 1) == GH_ENOMEM);
    /* encode the input as bytes and decode it back */
    long e = gh_b64url_encode(data, size, enc, GH_B64URL_LEN(size) + 1);
    CHECK(e == (long)GH_B64URL_LEN(size) && strlen(enc) == (size_t)e);
    CHECK(gh_b64url_decode(enc, (size_t)e, back, size + 1) == (long)size);
    CHECK(memcmp(back, data, size) == 0);
out:
    free(back);
    free(enc);
    free(dec);
    return 0;
}
