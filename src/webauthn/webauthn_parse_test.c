/*
 * The parsers under the ceremonies, on hand-made hostile input: CBOR
 * bounds, COSE keys (RFC 9052/9053) that are not what they claim,
 * authenticator data (WebAuthn 6.1) and attestation objects (6.5.4) out of
 * shape; the signature counter rule (7.2 step 21) end to end with a key
 * made here; the RP ID and origin of issuer URLs; the error messages.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/test.h"
#include "webauthn/webauthn_int.h"
#include "webauthn/vectors_test.h"

struct buf {
    unsigned char b[2048];
    size_t n;
};

static void put(struct buf *o, const void *p, size_t n)
{
    if (o->n + n <= sizeof(o->b)) {
        memcpy(o->b + o->n, p, n);
        o->n += n;
    }
}

static void put_byte(struct buf *o, unsigned v)
{
    unsigned char c = (unsigned char)v;
    put(o, &c, 1);
}

/* CBOR (RFC 8949 3.1) head of major type mt and argument v < 65536 */
static void head(struct buf *o, unsigned mt, size_t v)
{
    if (v < 24) {
        put_byte(o, mt << 5 | (unsigned)v);
    } else if (v < 256) {
        put_byte(o, mt << 5 | 24);
        put_byte(o, (unsigned)v);
    } else {
        put_byte(o, mt << 5 | 25);
        put_byte(o, (unsigned)(v >> 8));
        put_byte(o, (unsigned)(v & 0xff));
    }
}

static void tstr(struct buf *o, const char *s)
{
    head(o, 3, strlen(s));
    put(o, s, strlen(s));
}

static void bstr(struct buf *o, const unsigned char *p, size_t n)
{
    head(o, 2, n);
    put(o, p, n);
}

/* An attestation object {fmt, attStmt (raw CBOR), authData}. */
static void attobj(struct buf *o, const char *fmt, const char *stmt, size_t stmt_len,
                   const unsigned char *ad, size_t ad_len)
{
    o->n = 0;
    head(o, 5, 3);
    tstr(o, "fmt");
    tstr(o, fmt);
    tstr(o, "attStmt");
    put(o, stmt, stmt_len);
    tstr(o, "authData");
    bstr(o, ad, ad_len);
}

static void dec(const char *s, struct buf *out)
{
    long n = gh_b64url_decode(s, strlen(s), out->b, sizeof(out->b));
    out->n = n < 0 ? 0 : (size_t)n;
}

GH_TEST(webauthn_cbor_bounds)
{
    static const struct {
        const char *in;
        size_t n;
        int want;
        size_t used;
    } cases[] = {
        {"\x00", 1, 0, 1},
        {"\xa0\x00", 2, 0, 1},           /* an item, then bytes after it */
        {"\x82\x01", 2, GH_WA_ECBOR, 0}, /* cut short */
        {"\x9b\xff\xff\xff\xff\xff\xff\xff\xff", 9, GH_WA_ECBOR, 0}, /* 2^64 - 1 entries */
        {"\x9a\x00\x10\x00\x00\x00", 6, GH_WA_ECBOR, 0},             /* more entries than bytes */
        {"\xba\x00\x00\x00\x02\x01\x02\x03", 8, GH_WA_ECBOR, 0},
        {"\x9f\x01\x02\xff", 4, 0, 4},       /* indefinite array */
        {"\xff", 1, GH_WA_ECBOR, 0},         /* a break with nothing open */
        {"\x5f\x41\x00\xff", 4, 0, 4},       /* indefinite byte string */
        {"\x5f\x01\xff", 3, GH_WA_ECBOR, 0}, /* an integer chunk */
        {"\xc1\xc1\x00", 3, 0, 3},           /* tags */
        {"\x1c", 1, GH_WA_ECBOR, 0},         /* reserved additional information */
    };
    for (size_t i = 0; i < GH_ARRAY_LEN(cases); i++) {
        cbor_item_t *it = NULL;
        size_t used = 99;
        int rc = gh_wa_cbor_load((const unsigned char *)cases[i].in, cases[i].n, &it, &used);
        ASSERT_INT_EQ(rc, cases[i].want);
        ASSERT_INT_EQ(used, cases[i].used);
        ASSERT_TRUE((rc == 0) == (it != NULL));
        if (it != NULL)
            cbor_decref(&it);
    }
    /* nesting: GH_WA_CBOR_DEPTH arrays deep is fine, one more is not */
    unsigned char deep[GH_WA_CBOR_DEPTH + 2];
    for (int extra = 0; extra < 2; extra++) {
        size_t n = GH_WA_CBOR_DEPTH + (size_t)extra;
        memset(deep, 0x81, n);
        deep[n] = 0x00;
        cbor_item_t *it = NULL;
        size_t used = 0;
        ASSERT_INT_EQ(gh_wa_cbor_load(deep, n + 1, &it, &used), extra ? GH_WA_ECBOR : 0);
        if (it != NULL)
            cbor_decref(&it);
    }
    /* integers and duplicate keys */
    cbor_item_t *it = NULL, *v = NULL;
    size_t used = 0;
    int64_t x = 0;
    ASSERT_INT_EQ(gh_wa_cbor_load((const unsigned char *)"\xa2\x20\x01\x20\x02", 5, &it, &used), 0);
    ASSERT_INT_EQ(gh_wa_cbor_get_int(it, -1, &v), GH_WA_ECBOR);
    ASSERT_INT_EQ(gh_wa_cbor_get_int(it, 1, &v), 0);
    cbor_decref(&it);
    ASSERT_INT_EQ(gh_wa_cbor_load((const unsigned char *)"\x3b\x80\x00\x00\x00\x00\x00\x00\x00", 9,
                                  &it, &used),
                  0);
    ASSERT_INT_EQ(gh_wa_cbor_int(it, &x), GH_WA_ECBOR); /* -2^63 - 1 */
    cbor_decref(&it);
    ASSERT_INT_EQ(gh_wa_cbor_load((const unsigned char *)"\x39\x01\x00", 3, &it, &used), 0);
    ASSERT_INT_EQ(gh_wa_cbor_int(it, &x), 0);
    ASSERT_INT_EQ(x, -257);
    cbor_decref(&it);
}

/* A COSE_Key of ES256 made of parts, for the refusals below. */
static void ec2_key(struct buf *o, int64_t alg, int kty, int crv, const unsigned char *x, size_t xn,
                    const unsigned char *y, int with_d)
{
    o->n = 0;
    head(o, 5, with_d ? 6 : 5);
    put_byte(o, 0x01);
    head(o, 0, (size_t)kty);
    put_byte(o, 0x03);
    head(o, 1, (size_t)(-1 - alg));
    put_byte(o, 0x20);
    head(o, 0, (size_t)crv);
    put_byte(o, 0x21);
    bstr(o, x, xn);
    put_byte(o, 0x22);
    bstr(o, y, 32);
    if (with_d) {
        put_byte(o, 0x23);
        bstr(o, x, 32);
    }
}

GH_TEST(webauthn_cose_refusals)
{
    /* the x and y of Chromium's ES256 credential */
    struct buf att, key;
    struct gh_wa_authdata ad;
    struct gh_wa_attobj ao;
    struct gh_wa_cose k;
    dec(chromium[0].att_obj, &att);
    ASSERT_INT_EQ(gh_wa_attobj_parse(att.b, att.n, &ao), 0);
    ASSERT_INT_EQ(gh_wa_authdata_parse(ao.authdata, ao.authdata_len, &ad), 0);
    ASSERT_INT_EQ(ad.key_len, 77);
    unsigned char x[32], y[32];
    memcpy(x, ad.key + 10, 32);
    memcpy(y, ad.key + 45, 32);
    gh_wa_attobj_free(&ao);
    ec2_key(&key, -7, 2, 1, x, 32, y, 0);
    ASSERT_INT_EQ(gh_wa_cose_parse(key.b, key.n, &k), 0);
    ASSERT_INT_EQ(k.alg, GH_WA_ES256);
    gh_wa_cose_free(&k);
    static const struct {
        int64_t alg;
        int kty, crv, xn, flip_y, with_d, want;
    } cases[] = {
        {-7, 2, 1, 32, 1, 0, GH_WA_EKEY},  /* the point is off the curve */
        {-7, 2, 2, 32, 0, 0, GH_WA_EALG},  /* P-384 */
        {-7, 1, 1, 32, 0, 0, GH_WA_EALG},  /* ES256 with kty OKP */
        {-35, 2, 1, 32, 0, 0, GH_WA_EALG}, /* ES384 */
        {-8, 2, 1, 32, 0, 0, GH_WA_EALG},  /* EdDSA with kty EC2 */
        {-7, 2, 1, 31, 0, 0, GH_WA_ECOSE}, /* a short coordinate */
        {-7, 2, 1, 32, 0, 1, GH_WA_ECOSE}, /* a private key */
    };
    for (size_t i = 0; i < GH_ARRAY_LEN(cases); i++) {
        unsigned char yy[32];
        memcpy(yy, y, 32);
        yy[31] ^= (unsigned char)cases[i].flip_y;
        ec2_key(&key, cases[i].alg, cases[i].kty, cases[i].crv, x, (size_t)cases[i].xn, yy,
                cases[i].with_d);
        ASSERT_INT_EQ(gh_wa_cose_parse(key.b, key.n, &k), cases[i].want);
        ASSERT_TRUE(k.pkey == NULL);
    }
    /* a byte after the key; the same label twice; not a map */
    ec2_key(&key, -7, 2, 1, x, 32, y, 0);
    key.b[key.n++] = 0x00;
    ASSERT_INT_EQ(gh_wa_cose_parse(key.b, key.n, &k), GH_WA_ECBOR);
    key.n--;
    key.b[0] = 0xa6;
    put(&key, "\x03\x26", 2);
    ASSERT_INT_EQ(gh_wa_cose_parse(key.b, key.n, &k), GH_WA_ECOSE);
    ASSERT_INT_EQ(gh_wa_cose_parse((const unsigned char *)"\x80", 1, &k), GH_WA_ECOSE);
    /* RS256 with a 1024-bit modulus (RFC 8230 6: at least 2048) */
    unsigned char n[128];
    memset(n, 0xc5, sizeof(n));
    key.n = 0;
    put(&key, "\xa4\x01\x03\x03\x39\x01\x00\x20", 8);
    bstr(&key, n, sizeof(n));
    put(&key, "\x21\x43\x01\x00\x01", 5);
    ASSERT_INT_EQ(gh_wa_cose_parse(key.b, key.n, &k), GH_WA_EKEY);
    /* RS256 with an even 2048-bit modulus: refused every time */
    unsigned char n2[256];
    memset(n2, 0xc4, sizeof(n2));
    key.n = 0;
    put(&key, "\xa4\x01\x03\x03\x39\x01\x00\x20", 8);
    bstr(&key, n2, sizeof(n2));
    put(&key, "\x21\x43\x01\x00\x01", 5);
    for (int i = 0; i < 4; i++)
        ASSERT_INT_EQ(gh_wa_cose_parse(key.b, key.n, &k), GH_WA_EKEY);
    n2[255] = 0xc5;
    key.n = 0;
    put(&key, "\xa4\x01\x03\x03\x39\x01\x00\x20", 8);
    bstr(&key, n2, sizeof(n2));
    put(&key, "\x21\x43\x01\x00\x01", 5);
    ASSERT_INT_EQ(gh_wa_cose_parse(key.b, key.n, &k), 0);
    gh_wa_cose_free(&k);
}

GH_TEST(webauthn_authdata_shapes)
{
    struct buf ad;
    struct gh_wa_authdata p;
    ad.n = 0;
    unsigned char h[GH_SHA256_LEN];
    gh_sha256("localhost", 9, h);
    put(&ad, h, sizeof(h));
    put(&ad, "\x85\x00\x00\x01\x00", 5); /* UP, UV, ED; count 256 */
    ASSERT_INT_EQ(gh_wa_authdata_parse(ad.b, ad.n, &p), GH_WA_EEXT);
    put(&ad,
        "\xa1\x63"
        "abc"
        "\xf5",
        6); /* {"abc": true} */
    ASSERT_INT_EQ(gh_wa_authdata_parse(ad.b, ad.n, &p), 0);
    ASSERT_INT_EQ(p.sign_count, 256);
    ASSERT_INT_EQ(p.ext_len, 6);
    ad.b[37] = 0x01; /* extensions that are no map */
    ad.n = 38;
    ASSERT_INT_EQ(gh_wa_authdata_parse(ad.b, ad.n, &p), GH_WA_EEXT);
    /* attested credential data: a credential id of 0 and of 1024 bytes */
    ad.n = 37;
    ad.b[32] = 0x45;
    put(&ad, h, 16);
    put(&ad, "\x00\x00", 2);
    ASSERT_INT_EQ(gh_wa_authdata_parse(ad.b, ad.n, &p), GH_WA_ECREDID);
    ad.b[53] = 0x04;
    ASSERT_INT_EQ(gh_wa_authdata_parse(ad.b, ad.n, &p), GH_WA_ECREDID);
    ad.b[53] = 0x00;
    ad.b[54] = 0x04;
    ASSERT_INT_EQ(gh_wa_authdata_parse(ad.b, ad.n, &p), GH_WA_EAUTHDATA);
    put(&ad, "abcd", 4);
    ASSERT_INT_EQ(gh_wa_authdata_parse(ad.b, ad.n, &p), GH_WA_EAUTHDATA); /* no key */
    put(&ad, "\xa0", 1);
    ASSERT_INT_EQ(gh_wa_authdata_parse(ad.b, ad.n, &p), 0);
    ASSERT_INT_EQ(p.cred_id_len, 4);
    ASSERT_INT_EQ(p.key_len, 1);
    /* every prefix of a real registration's authenticator data fails */
    struct buf att;
    struct gh_wa_attobj ao;
    dec(chromium[2].att_obj, &att);
    ASSERT_INT_EQ(gh_wa_attobj_parse(att.b, att.n, &ao), 0);
    for (size_t n = 0; n < ao.authdata_len; n++)
        ASSERT_TRUE(gh_wa_authdata_parse(ao.authdata, n, &p) < 0);
    ASSERT_INT_EQ(gh_wa_authdata_parse(ao.authdata, ao.authdata_len, &p), 0);
    gh_wa_attobj_free(&ao);
}

GH_TEST(webauthn_attobj_shapes)
{
    struct buf ad, o;
    struct gh_wa_attobj ao;
    memset(ad.b, 0, 37);
    ad.n = 37;
    static const struct {
        const char *fmt, *stmt;
        size_t stmt_len;
        int want;
    } cases[] = {
        {"none", "\xa0", 1, 0},
        {"none", "\xa1\x61x\x01", 4, GH_WA_EFMT}, /* "none" with a statement */
        {"packed",
         "\xa1\x63"
         "alg\x26",
         6, 0},                             /* ignored */
        {"nonf", "\xa0", 1, GH_WA_EFMT},    /* no such format */
        {"None", "\xa0", 1, GH_WA_EFMT},    /* case-sensitive */
        {"none", "\x80", 1, GH_WA_EATTOBJ}, /* a statement that is no map */
    };
    for (size_t i = 0; i < GH_ARRAY_LEN(cases); i++) {
        attobj(&o, cases[i].fmt, cases[i].stmt, cases[i].stmt_len, ad.b, ad.n);
        ASSERT_INT_EQ(gh_wa_attobj_parse(o.b, o.n, &ao), cases[i].want);
        ASSERT_TRUE((ao.root != NULL) == (cases[i].want == 0));
        gh_wa_attobj_free(&ao);
    }
    /* missing authData, and "fmt" twice */
    o.n = 0;
    head(&o, 5, 2);
    tstr(&o, "fmt");
    tstr(&o, "none");
    tstr(&o, "attStmt");
    put(&o, "\xa0", 1);
    ASSERT_INT_EQ(gh_wa_attobj_parse(o.b, o.n, &ao), GH_WA_EATTOBJ);
    o.b[0] = 0xa3;
    tstr(&o, "fmt");
    tstr(&o, "none");
    ASSERT_INT_EQ(gh_wa_attobj_parse(o.b, o.n, &ao), GH_WA_EATTOBJ);
    /* a registration whose authenticator data has no credential */
    unsigned char h[GH_SHA256_LEN];
    gh_sha256("localhost", 9, h);
    memcpy(ad.b, h, sizeof(h));
    ad.b[32] = 0x05;
    attobj(&o, "none", "\xa0", 1, ad.b, ad.n);
    unsigned char chal[32] = {1};
    struct gh_wa_expect e = {chal, sizeof(chal), "http://localhost", "localhost"};
    char cdj[256];
    char b64[64];
    gh_b64url_encode(chal, sizeof(chal), b64, sizeof(b64));
    int cn = snprintf(cdj, sizeof(cdj),
                      "{\"type\":\"webauthn.create\",\"challenge\":\"%s\",\"origin\":\"%s\"}", b64,
                      e.origin);
    struct gh_wa_credential c;
    ASSERT_INT_EQ(gh_webauthn_register(o.b, o.n, (const unsigned char *)cdj, (size_t)cn, &e, &c),
                  GH_WA_EATTESTED);
}

/* A sign-in by an Ed25519 key made here, with the counters given. */
static int signed_in(EVP_PKEY *pk, const struct buf *cose, uint32_t stored, uint32_t count)
{
    unsigned char chal[GH_WA_CHALLENGE_LEN], h[GH_SHA256_LEN], sig[64];
    char b64[64], cdj[256];
    struct buf ad = {.n = 0}, msg = {.n = 0};
    memset(chal, 7, sizeof(chal));
    gh_b64url_encode(chal, sizeof(chal), b64, sizeof(b64));
    int cn = snprintf(cdj, sizeof(cdj),
                      "{\"type\":\"webauthn.get\",\"challenge\":\"%s\",\"origin\":"
                      "\"https://id.example.com\"}",
                      b64);
    gh_sha256("id.example.com", 14, h);
    put(&ad, h, sizeof(h));
    unsigned char fc[5] = {0x05, (unsigned char)(count >> 24), (unsigned char)(count >> 16),
                           (unsigned char)(count >> 8), (unsigned char)count};
    put(&ad, fc, sizeof(fc));
    put(&msg, ad.b, ad.n);
    gh_sha256(cdj, (size_t)cn, h);
    put(&msg, h, sizeof(h));
    size_t sn = sizeof(sig);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk) == 1 &&
             EVP_DigestSign(ctx, sig, &sn, msg.b, msg.n) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return -1000;
    struct gh_wa_expect e = {chal, sizeof(chal), "https://id.example.com", "id.example.com"};
    struct gh_wa_stored s = {cose->b, cose->n, stored};
    struct gh_wa_assertion a;
    int rc =
        gh_webauthn_assert(ad.b, ad.n, (const unsigned char *)cdj, (size_t)cn, sig, sn, &s, &e, &a);
    return rc == 0 && a.sign_count != count ? -2000 : rc;
}

/* WebAuthn 7.2 step 21: the counter must grow, unless both are 0 (an
 * authenticator without a counter, as synced passkeys are). */
GH_TEST(webauthn_sign_count_rule)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    ASSERT_NOT_NULL(pk);
    unsigned char x[32];
    size_t xn = sizeof(x);
    struct buf cose = {.n = 0};
    ASSERT_INT_EQ(EVP_PKEY_get_raw_public_key(pk, x, &xn), 1);
    put(&cose, "\xa4\x01\x01\x03\x27\x20\x06\x21", 8);
    bstr(&cose, x, xn);
    static const struct {
        uint32_t stored, got;
        int want;
    } cases[] = {
        {0, 0, 0},
        {0, 5, 0},
        {4, 5, 0},
        {5, 5, GH_WA_ESIGNCOUNT},
        {5, 4, GH_WA_ESIGNCOUNT},
        {5, 0, GH_WA_ESIGNCOUNT},
        {0xfffffffe, 0xffffffff, 0},
        {0xffffffff, 0xffffffff, GH_WA_ESIGNCOUNT},
    };
    int rc[GH_ARRAY_LEN(cases)];
    for (size_t i = 0; i < GH_ARRAY_LEN(cases); i++)
        rc[i] = signed_in(pk, &cose, cases[i].stored, cases[i].got);
    EVP_PKEY_free(pk);
    for (size_t i = 0; i < GH_ARRAY_LEN(cases); i++)
        ASSERT_INT_EQ(rc[i], cases[i].want);
}

GH_TEST(webauthn_rp_id_and_origin)
{
    static const struct {
        const char *issuer, *rp_id, *origin;
        int rc_rp, rc_origin;
    } cases[] = {
        {"http://localhost:8080", "localhost", "http://localhost:8080", 0, 0},
        {"https://ID.Example.COM/tenant/a", "id.example.com", "https://id.example.com", 0, 0},
        {"https://id.example.com:443", "id.example.com", "https://id.example.com", 0, 0},
        {"http://id.example.com:80/", "id.example.com", "http://id.example.com", 0, 0},
        {"HTTPS://id.example.com:8443?x#y", "id.example.com", "https://id.example.com:8443", 0, 0},
        {"http://127.0.0.1:9000", "", "http://127.0.0.1:9000", GH_WA_ENORPID, 0},
        {"http://10.1:9000", "", "http://10.1:9000", GH_WA_ENORPID, 0},
        {"http://host.0x7f", "", "http://host.0x7f", GH_WA_ENORPID, 0},
        {"http://[::1]:9000/", "", "http://[::1]:9000", GH_WA_ENORPID, 0},
        {"http://a1.example", "a1.example", "http://a1.example", 0, 0},
        {"ftp://id.example.com", "", "", GH_WA_EINVAL, GH_WA_EINVAL},
        {"https://user@id.example.com", "", "", GH_WA_EINVAL, GH_WA_EINVAL},
        {"https://id..example.com", "", "", GH_WA_EINVAL, GH_WA_EINVAL},
        {"https://id.example.com.", "", "", GH_WA_EINVAL, GH_WA_EINVAL},
        {"https://id_x.example.com", "", "", GH_WA_EINVAL, GH_WA_EINVAL},
        {"https://id.example.com:65536", "", "", GH_WA_EINVAL, GH_WA_EINVAL},
        {"https://:443", "", "", GH_WA_EINVAL, GH_WA_EINVAL},
        {"https://[::1", "", "", GH_WA_EINVAL, GH_WA_EINVAL},
    };
    for (size_t i = 0; i < GH_ARRAY_LEN(cases); i++) {
        char rp[GH_WA_RP_ID_MAX] = "", origin[GH_WA_ORIGIN_MAX] = "";
        ASSERT_INT_EQ(gh_webauthn_rp_id(cases[i].issuer, rp, sizeof(rp)), cases[i].rc_rp);
        if (cases[i].rc_rp == 0)
            ASSERT_STR_EQ(rp, cases[i].rp_id);
        ASSERT_INT_EQ(gh_webauthn_origin(cases[i].issuer, origin, sizeof(origin)),
                      cases[i].rc_origin);
        if (cases[i].rc_origin == 0)
            ASSERT_STR_EQ(origin, cases[i].origin);
        /* the one rule for showing passkey controls agrees with both */
        ASSERT_INT_EQ(gh_webauthn_possible(cases[i].issuer),
                      cases[i].rc_rp == 0 && cases[i].rc_origin == 0);
    }
    char small[8];
    ASSERT_INT_EQ(gh_webauthn_rp_id("https://id.example.com", small, sizeof(small)), GH_WA_EINVAL);
}

GH_TEST(webauthn_labels)
{
    static const struct {
        const char *s;
        int ok;
    } cases[] = {
        {"Phone", 1},
        {"YubiKey 5 NFC \xe2\x80\x94 work", 1}, /* an em dash */
        {"\xf0\x9f\x94\x91", 1},                /* U+1F511 */
        {"", 0},
        {"tab\there", 0},
        {"del\x7f", 0},
        {"c1\xc2\x85", 0},       /* U+0085 */
        {"\xc0\xaf", 0},         /* overlong '/' */
        {"\xed\xa0\x80", 0},     /* a surrogate */
        {"\xf4\x90\x80\x80", 0}, /* above U+10FFFF */
        {"\xe2\x80", 0},         /* cut short */
        {"\x80", 0},
    };
    for (size_t i = 0; i < GH_ARRAY_LEN(cases); i++)
        ASSERT_INT_EQ(gh_webauthn_label_ok(cases[i].s), cases[i].ok);
    char s[4 * GH_WA_LABEL_CHARS + 8];
    memset(s, 'a', GH_WA_LABEL_CHARS);
    s[GH_WA_LABEL_CHARS] = '\0';
    ASSERT_INT_EQ(gh_webauthn_label_ok(s), 1);
    s[GH_WA_LABEL_CHARS] = 'a';
    s[GH_WA_LABEL_CHARS + 1] = '\0';
    ASSERT_INT_EQ(gh_webauthn_label_ok(s), 0);
    for (int i = 0; i < GH_WA_LABEL_CHARS; i++)
        memcpy(s + 4 * i, "\xf0\x9f\x94\x91", 4);
    s[4 * GH_WA_LABEL_CHARS] = '\0';
    ASSERT_INT_EQ(gh_webauthn_label_ok(s), 1);
    ASSERT_TRUE(strlen(s) < 257); /* GH_WEBAUTHN_NAME_MAX in store.h */
}

GH_TEST(webauthn_challenge_and_messages)
{
    unsigned char raw[GH_WA_CHALLENGE_LEN], hash[GH_SHA256_LEN], want[GH_SHA256_LEN];
    unsigned char back[GH_WA_CHALLENGE_LEN];
    char b64[GH_B64URL_LEN(GH_WA_CHALLENGE_LEN) + 1];
    ASSERT_INT_EQ(gh_webauthn_challenge_new(raw, b64, sizeof(b64), hash), 0);
    ASSERT_INT_EQ(strlen(b64), 43);
    ASSERT_INT_EQ(gh_b64url_decode(b64, strlen(b64), back, sizeof(back)), sizeof(back));
    ASSERT_MEM_EQ(back, raw, sizeof(raw));
    gh_sha256(raw, sizeof(raw), want);
    ASSERT_MEM_EQ(hash, want, sizeof(want));
    /* every error has its own message */
    for (int a = GH_WA_ENORPID; a <= 0; a++) {
        ASSERT_TRUE(strcmp(gh_webauthn_strerror(a), "unknown WebAuthn error") != 0);
        for (int b = GH_WA_ENORPID; b < a; b++)
            ASSERT_TRUE(strcmp(gh_webauthn_strerror(a), gh_webauthn_strerror(b)) != 0);
    }
    ASSERT_STR_EQ(gh_webauthn_strerror(GH_WA_ENORPID - 1), "unknown WebAuthn error");
    ASSERT_STR_EQ(gh_webauthn_strerror(1), "unknown WebAuthn error");
}
