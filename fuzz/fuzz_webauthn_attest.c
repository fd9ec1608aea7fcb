/*
 * libFuzzer driver: the registration side of the WebAuthn relying party
 * (src/webauthn): an attestationObject (WebAuthn 6.5.4) through libcbor,
 * the authenticator data inside it (6.1), the COSE key inside that (RFC
 * 9052 7), and the whole registration ceremony (7.1) against a fixed
 * clientDataJSON that passes. The input is also offered by itself to the
 * authenticator-data and COSE parsers. Invariants: every parsed part lies
 * inside its input; an accepted key has one of the three algorithms and
 * an OpenSSL key; a registration that passes has UP, UV and AT, a
 * credential id of 1..1023 bytes and a key that parses again to the same
 * algorithm; nothing is left on OpenSSL's error queue.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/err.h>

#include "core/err.h"
#include "webauthn/webauthn_int.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            GH_BUG("fuzz invariant failed: " #c);                                                  \
    } while (0)

/* the Chromium registration the corpus is made from (vectors_test.h) */
static const char cdj[] =
    "{\"type\":\"webauthn.create\",\"challenge\":\"sfT-qHVqmsUw_C_FeUivdjcPpchWEOtIOgo0yG48cvQ\","
    "\"origin\":\"http://localhost:34359\",\"crossOrigin\":false}";
static const unsigned char challenge[] = {
    0xb1, 0xf4, 0xfe, 0xa8, 0x75, 0x6a, 0x9a, 0xc5, 0x30, 0xfc, 0x2f, 0xc5, 0x79, 0x48, 0xaf, 0x76,
    0x37, 0x0f, 0xa5, 0xc8, 0x56, 0x10, 0xeb, 0x48, 0x3a, 0x0a, 0x34, 0xc8, 0x6e, 0x3c, 0x72, 0xf4};

static int inside(const unsigned char *p, size_t n, const uint8_t *data, size_t size)
{
    return p >= data && n <= size && (size_t)(p - data) <= size - n;
}

static void check_cose(const unsigned char *p, size_t n)
{
    struct gh_wa_cose k;
    int rc = gh_wa_cose_parse(p, n, &k);
    CHECK(ERR_peek_error() == 0);
    if (rc == 0) {
        CHECK(k.alg == GH_WA_ES256 || k.alg == GH_WA_EDDSA || k.alg == GH_WA_RS256);
        CHECK(k.pkey != NULL);
        gh_wa_cose_free(&k);
    } else {
        CHECK(k.pkey == NULL);
    }
}

static void check_authdata(const uint8_t *data, size_t size)
{
    struct gh_wa_authdata ad;
    if (gh_wa_authdata_parse(data, size, &ad) < 0)
        return;
    CHECK(size >= GH_WA_AUTHDATA_MIN);
    if (ad.flags & GH_WA_FLAG_AT) {
        CHECK(ad.cred_id_len >= 1 && ad.cred_id_len <= GH_WA_CRED_ID_MAX);
        CHECK(inside(ad.cred_id, ad.cred_id_len, data, size));
        CHECK(ad.key_len > 0 && inside(ad.key, ad.key_len, data, size));
        check_cose(ad.key, ad.key_len);
    } else {
        CHECK(ad.key == NULL && ad.cred_id == NULL);
    }
    CHECK(!(ad.flags & GH_WA_FLAG_ED) ||
          (ad.ext_len > 0 && inside(ad.ext, ad.ext_len, data, size)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ERR_clear_error();
    struct gh_wa_attobj ao;
    if (gh_wa_attobj_parse(data, size, &ao) == 0) {
        CHECK(ao.root != NULL && ao.fmt[0] != '\0');
        check_authdata(ao.authdata, ao.authdata_len);
        gh_wa_attobj_free(&ao);
    } else {
        CHECK(ao.root == NULL);
    }
    check_authdata(data, size);
    check_cose(data, size);
    struct gh_wa_expect e = {challenge, sizeof(challenge), "http://localhost:34359", "localhost"};
    struct gh_wa_credential c;
    int rc = gh_webauthn_register(data, size, (const unsigned char *)cdj, strlen(cdj), &e, &c);
    CHECK(ERR_peek_error() == 0);
    if (rc == 0) {
        unsigned want = GH_WA_FLAG_UP | GH_WA_FLAG_UV | GH_WA_FLAG_AT;
        CHECK((c.flags & want) == want);
        CHECK(c.id_len >= 1 && c.id_len <= GH_WA_CRED_ID_MAX);
        struct gh_wa_cose k;
        CHECK(gh_wa_cose_parse(c.key, c.key_len, &k) == 0);
        CHECK(k.alg == c.alg);
        gh_wa_cose_free(&k);
    } else {
        CHECK(c.id_len == 0 && c.key_len == 0);
        CHECK(gh_webauthn_strerror(rc)[0] != '\0');
    }
    return 0;
}
