/*
 * libFuzzer driver: the authentication side of the WebAuthn relying party
 * (src/webauthn): clientDataJSON (WebAuthn 5.8.1) through jansson, and the
 * authentication ceremony (7.2) on Chromium's recorded ES256 sign-in
 * (src/webauthn/vectors_test.h). The first byte chooses what the rest is:
 * even, the clientDataJSON (checked as a registration's and a sign-in's,
 * its challenge read back, and used in the recorded sign-in); odd, the
 * authenticator data of the recorded sign-in. Invariants: a client data
 * that passes the sign-in's checks with the recorded challenge is the
 * recorded one, or its signature fails; an accepted assertion has UP and
 * UV and a counter above the stored 1; nothing is left on OpenSSL's error
 * queue.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/err.h>

#include "core/b64url.h"
#include "core/err.h"
#include "webauthn/webauthn_int.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            GH_BUG("fuzz invariant failed: " #c);                                                  \
    } while (0)

/* Chromium 156's first ES256 sign-in, and the credential's key */
static const unsigned char challenge[] = {
    0x87, 0x18, 0x14, 0x9f, 0xfc, 0x7d, 0xfe, 0x6e, 0xba, 0x4a, 0x01, 0x76, 0x1a, 0x35, 0x8a, 0x70,
    0x1f, 0x89, 0xb0, 0x2b, 0x34, 0x56, 0x19, 0x3c, 0x06, 0x1e, 0x7c, 0x1f, 0xac, 0x55, 0xc6, 0x6d};
static const char cdj[] = "{\"type\":\"webauthn.get\",\"challenge\":\"hxgUn_x9_m66SgF2GjWKcB-"
                          "JsCs0Vhk8Bh58H6xVxm0\",\"origin\":\"http://localhost:34359\","
                          "\"crossOrigin\":false}";
static const unsigned char auth_data[] = {
    0x49, 0x96, 0x0d, 0xe5, 0x88, 0x0e, 0x8c, 0x68, 0x74, 0x34, 0x17, 0x0f, 0x64,
    0x76, 0x60, 0x5b, 0x8f, 0xe4, 0xae, 0xb9, 0xa2, 0x86, 0x32, 0xc7, 0x99, 0x5c,
    0xf3, 0xba, 0x83, 0x1d, 0x97, 0x63, 0x05, 0x00, 0x00, 0x00, 0x02};
static const char sig_b64[] = "MEQCIBJXooPRlpeBshYnTTBAExM4g7s-qz9Q6sEOlfH0R0jdAiBhxJfvG4_WTDT8HBG-"
                              "p9bfZXCarBeUSjqZmKgBsFXJbA";
static const char key_b64[] = "pQECAyYgASFYIKDEnNTWyT0qrj7d8KC0X4wNxv7-uojI_diQxY0mAdNZIlgg0UQeUel2"
                              "wJNGSg3ONL8g4kvENEtnSHioBd7HHTbDcvw";

static unsigned char sig[80], key[80];
static long sig_len, key_len;

static void check_assert(const unsigned char *ad, size_t ad_len, const unsigned char *c,
                         size_t c_len)
{
    struct gh_wa_expect e = {challenge, sizeof(challenge), "http://localhost:34359", "localhost"};
    struct gh_wa_stored s = {key, (size_t)key_len, 1};
    struct gh_wa_assertion a;
    int rc = gh_webauthn_assert(ad, ad_len, c, c_len, sig, (size_t)sig_len, &s, &e, &a);
    CHECK(ERR_peek_error() == 0);
    if (rc == 0) {
        CHECK((a.flags & (GH_WA_FLAG_UP | GH_WA_FLAG_UV)) == (GH_WA_FLAG_UP | GH_WA_FLAG_UV));
        CHECK(a.sign_count > 1);
        /* the signature covers both: only the recording passes */
        CHECK(ad_len == sizeof(auth_data) && memcmp(ad, auth_data, ad_len) == 0);
        CHECK(c_len == strlen(cdj) && memcmp(c, cdj, c_len) == 0);
    } else {
        CHECK(a.sign_count == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (sig_len == 0) {
        sig_len = gh_b64url_decode(sig_b64, strlen(sig_b64), sig, sizeof(sig));
        key_len = gh_b64url_decode(key_b64, strlen(key_b64), key, sizeof(key));
        CHECK(sig_len > 0 && key_len > 0);
    }
    if (size == 0)
        return 0;
    ERR_clear_error();
    const unsigned char *p = data + 1;
    size_t n = size - 1;
    if (data[0] & 1) {
        check_assert(p, n, (const unsigned char *)cdj, strlen(cdj));
        return 0;
    }
    struct gh_wa_expect e = {challenge, sizeof(challenge), "http://localhost:34359", "localhost"};
    int create = gh_wa_clientdata_check(p, n, "webauthn.create", &e);
    int get = gh_wa_clientdata_check(p, n, "webauthn.get", &e);
    CHECK(!(create == 0 && get == 0));
    unsigned char got[GH_WA_CHALLENGE_MAX];
    size_t got_len = 0;
    int rc = gh_webauthn_client_challenge(p, n, got, sizeof(got), &got_len);
    CHECK(rc == 0 ? got_len > 0 && got_len <= sizeof(got) : got_len == 0);
    if (get == 0)
        CHECK(rc == 0 && got_len == sizeof(challenge) && memcmp(got, challenge, got_len) == 0);
    check_assert(auth_data, sizeof(auth_data), p, n);
    return 0;
}
