/*
 * libFuzzer driver: gh_basic_parse, the "Authorization: Basic" header of
 * client_secret_basic (src/proto/client_auth.c, RFC 6749 2.3.1). The input
 * is the header value as libmicrohttpd hands it over: a C string.
 * Invariants: on success id and secret are NUL-free strings, and encoding
 * them again (urlencode, ':' , base64) parses back to the same pair.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/buf.h"
#include "core/err.h"
#include "proto/proto.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            GH_BUG("fuzz invariant failed: " #c);                                                  \
    } while (0)

static void round_trip(const char *id, const char *secret)
{
    struct gh_buf plain, hdr;
    gh_buf_init(&plain, 1 << 16);
    gh_buf_init(&hdr, 1 << 16);
    CHECK(gh_buf_urlenc(&plain, id, strlen(id)) == 0);
    CHECK(gh_buf_putc(&plain, ':') == 0);
    CHECK(gh_buf_urlenc(&plain, secret, strlen(secret)) == 0);
    size_t need = 4 * ((plain.len + 2) / 3) + 1;
    unsigned char *b64 = malloc(need);
    CHECK(b64 != NULL);
    int n = EVP_EncodeBlock(b64, (const unsigned char *)plain.p, (int)plain.len);
    CHECK(n >= 0);
    CHECK(gh_buf_puts(&hdr, "Basic ") == 0 && gh_buf_append(&hdr, b64, (size_t)n) == 0);
    struct gh_arena *a = gh_arena_new(4096, 1 << 20);
    char *id2, *secret2;
    CHECK(a != NULL);
    /* the re-encoding can outgrow the 2048-byte limit; otherwise it parses */
    if (n <= 2048) {
        CHECK(gh_basic_parse(a, hdr.p, &id2, &secret2) == 0);
        CHECK(strcmp(id, id2) == 0 && strcmp(secret, secret2) == 0);
    }
    gh_arena_free(a);
    free(b64);
    gh_buf_release(&hdr);
    gh_buf_release(&plain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *hdr = malloc(size + 1);
    struct gh_arena *a = gh_arena_new(8192, 256 * 1024);
    char *id = NULL, *secret = NULL;
    if (hdr == NULL || a == NULL)
        goto out;
    memcpy(hdr, data, size);
    hdr[size] = '\0';
    int rc = gh_basic_parse(a, hdr, &id, &secret);
    CHECK(rc == 0 || rc == GH_EINVAL || rc == GH_ENOMEM);
    if (rc == 0) {
        CHECK(id != NULL && secret != NULL);
        round_trip(id, secret);
    }
out:
    gh_arena_free(a);
    free(hdr);
    return 0;
}
