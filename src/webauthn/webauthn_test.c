/*
 * The two ceremonies (WebAuthn 7.1, 7.2) on recorded responses of real
 * authenticators (vectors_test.h says where each comes from): they pass
 * as recorded, and every change an attacker or a broken client could make
 * is refused with its own error.
 */
#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/test.h"
#include "webauthn/webauthn_int.h"
#include "webauthn/vectors_test.h"

struct bytes {
    unsigned char b[4096];
    size_t n;
};

static void dec(const char *s, struct bytes *out)
{
    long n = gh_b64url_decode(s, strlen(s), out->b, sizeof(out->b));
    out->n = n < 0 ? 0 : (size_t)n;
}

static void text(const char *s, struct bytes *out)
{
    out->n = strlen(s);
    memcpy(out->b, s, out->n);
}

/* A decoded registration or assertion with its expectations. */
struct reg {
    struct bytes att, cdj, chal;
    struct gh_wa_expect e;
};
struct get {
    struct bytes ad, cdj, sig, chal;
    struct gh_wa_expect e;
};

static void reg_of(const struct vec_cred *v, struct reg *r)
{
    dec(v->att_obj, &r->att);
    dec(v->cdj, &r->cdj);
    dec(v->challenge, &r->chal);
    r->e = (struct gh_wa_expect){r->chal.b, r->chal.n, CHROMIUM_ORIGIN, "localhost"};
}

static void get_of(const struct vec_assertion *v, struct get *g)
{
    dec(v->auth_data, &g->ad);
    dec(v->cdj, &g->cdj);
    dec(v->sig, &g->sig);
    dec(v->challenge, &g->chal);
    g->e = (struct gh_wa_expect){g->chal.b, g->chal.n, CHROMIUM_ORIGIN, "localhost"};
}

static int do_reg(const struct reg *r, struct gh_wa_credential *c)
{
    return gh_webauthn_register(r->att.b, r->att.n, r->cdj.b, r->cdj.n, &r->e, c);
}

static int do_get(const struct get *g, const struct gh_wa_credential *c, uint32_t stored,
                  struct gh_wa_assertion *out)
{
    struct gh_wa_stored s = {c->key, c->key_len, stored};
    return gh_webauthn_assert(g->ad.b, g->ad.n, g->cdj.b, g->cdj.n, g->sig.b, g->sig.n, &s, &g->e,
                              out);
}

/* Where the flags byte of the authenticator data sits in an attestation
 * object: after the rpIdHash of "localhost". */
static size_t flags_at(const struct bytes *att)
{
    unsigned char h[GH_SHA256_LEN];
    gh_sha256("localhost", 9, h);
    for (size_t i = 0; i + sizeof(h) < att->n; i++) {
        if (memcmp(att->b + i, h, sizeof(h)) == 0)
            return i + sizeof(h);
    }
    return 0;
}

/* Chromium's virtual authenticator, ES256, EdDSA and RS256: register,
 * sign in twice, the counter growing 1, 2, 3; the second sign-in's client
 * data carries Chromium's extra member, which is ignored. */
GH_TEST(webauthn_chromium_ceremonies)
{
    static const int algs[] = {GH_WA_ES256, GH_WA_EDDSA, GH_WA_RS256};
    for (size_t k = 0; k < GH_ARRAY_LEN(chromium); k++) {
        struct reg r;
        struct get g;
        struct gh_wa_credential c;
        struct gh_wa_assertion a;
        struct bytes id;
        reg_of(&chromium[k], &r);
        dec(chromium[k].id, &id);
        ASSERT_INT_EQ(do_reg(&r, &c), 0);
        ASSERT_INT_EQ(c.alg, algs[k]);
        ASSERT_INT_EQ(c.id_len, id.n);
        ASSERT_MEM_EQ(c.id, id.b, id.n);
        ASSERT_INT_EQ(c.sign_count, 1);
        ASSERT_INT_EQ(c.flags, GH_WA_FLAG_UP | GH_WA_FLAG_UV | GH_WA_FLAG_AT);
        ASSERT_STR_EQ(c.fmt, "none");
        for (int i = 0; i < 2; i++) {
            get_of(&chromium[k].get[i], &g);
            ASSERT_INT_EQ(do_get(&g, &c, (uint32_t)(1 + i), &a), 0);
            ASSERT_INT_EQ(a.sign_count, 2 + i);
            ASSERT_INT_EQ(a.flags, GH_WA_FLAG_UP | GH_WA_FLAG_UV);
        }
        /* a replay of the first sign-in after the second: the counter */
        get_of(&chromium[k].get[0], &g);
        ASSERT_INT_EQ(do_get(&g, &c, 3, &a), GH_WA_ESIGNCOUNT);
        ASSERT_INT_EQ(do_get(&g, &c, 2, &a), GH_WA_ESIGNCOUNT);
        ASSERT_INT_EQ(a.sign_count, 0);
    }
}

/* py_webauthn's "none" and "packed" registrations: the key and counter
 * come out as py_webauthn found them; the packed statement is ignored. */
GH_TEST(webauthn_pyw_registrations)
{
    struct bytes att, cdj, chal, key, id;
    struct gh_wa_credential c;
    dec(pyw_none_att, &att);
    dec(pyw_none_cdj, &cdj);
    dec(pyw_none_challenge, &chal);
    dec(pyw_none_key, &key);
    dec(pyw_none_id, &id);
    struct gh_wa_expect e = {chal.b, chal.n, "http://localhost:5000", "localhost"};
    ASSERT_INT_EQ(gh_webauthn_register(att.b, att.n, cdj.b, cdj.n, &e, &c), 0);
    ASSERT_INT_EQ(c.key_len, key.n);
    ASSERT_MEM_EQ(c.key, key.b, key.n);
    ASSERT_INT_EQ(c.id_len, id.n);
    ASSERT_MEM_EQ(c.id, id.b, id.n);
    ASSERT_INT_EQ(c.sign_count, 23);
    ASSERT_INT_EQ(c.alg, GH_WA_ES256);
    dec(pyw_packed_att, &att);
    dec(pyw_packed_cdj, &cdj);
    dec(pyw_packed_challenge, &chal);
    e = (struct gh_wa_expect){chal.b, chal.n, "http://localhost:5000", "localhost"};
    ASSERT_INT_EQ(gh_webauthn_register(att.b, att.n, cdj.b, cdj.n, &e, &c), 0);
    ASSERT_STR_EQ(c.fmt, "packed");
    ASSERT_INT_EQ(c.sign_count, 52);
}

/* py_webauthn's sign-ins: RS256 with UV passes (0 -> 1); ES256 and EdDSA
 * without UV are refused for it, though their signatures verify. */
GH_TEST(webauthn_pyw_assertions)
{
    struct {
        const char *chal, *ad, *cdj, *sig, *key;
        uint32_t stored;
        int want;
    } cases[] = {
        {pyw_rsa_challenge, pyw_rsa_auth_data, pyw_rsa_cdj, pyw_rsa_sig, pyw_rsa_key, 0, 0},
        {pyw_ec2_challenge, pyw_ec2_auth_data, pyw_ec2_cdj, pyw_ec2_sig, pyw_ec2_key, 77,
         GH_WA_EUV},
        {pyw_okp_challenge, pyw_okp_auth_data, pyw_okp_cdj, pyw_okp_sig, pyw_okp_key, 3, GH_WA_EUV},
    };
    for (size_t i = 0; i < GH_ARRAY_LEN(cases); i++) {
        struct bytes chal, ad, cdj, sig, key;
        struct gh_wa_assertion a;
        struct gh_wa_cose k;
        unsigned char h[GH_SHA256_LEN];
        dec(cases[i].chal, &chal);
        dec(cases[i].ad, &ad);
        dec(cases[i].cdj, &cdj);
        dec(cases[i].sig, &sig);
        dec(cases[i].key, &key);
        struct gh_wa_expect e = {chal.b, chal.n, "http://localhost:5000", "localhost"};
        struct gh_wa_stored s = {key.b, key.n, cases[i].stored};
        ASSERT_INT_EQ(gh_webauthn_assert(ad.b, ad.n, cdj.b, cdj.n, sig.b, sig.n, &s, &e, &a),
                      cases[i].want);
        /* the COSE key and the signature, by themselves */
        ASSERT_INT_EQ(gh_wa_cose_parse(key.b, key.n, &k), 0);
        gh_sha256(cdj.b, cdj.n, h);
        ASSERT_INT_EQ(gh_wa_cose_verify(&k, ad.b, ad.n, h, sizeof(h), sig.b, sig.n), 0);
        sig.b[sig.n / 2] ^= 0x01;
        ASSERT_INT_EQ(gh_wa_cose_verify(&k, ad.b, ad.n, h, sizeof(h), sig.b, sig.n), GH_WA_ESIG);
        gh_wa_cose_free(&k);
    }
    struct bytes chal, ad, cdj, sig, key;
    struct gh_wa_assertion a;
    dec(pyw_rsa_challenge, &chal);
    dec(pyw_rsa_auth_data, &ad);
    dec(pyw_rsa_cdj, &cdj);
    dec(pyw_rsa_sig, &sig);
    dec(pyw_rsa_key, &key);
    struct gh_wa_expect e = {chal.b, chal.n, "http://localhost:5000", "localhost"};
    struct gh_wa_stored s = {key.b, key.n, 0};
    ASSERT_INT_EQ(gh_webauthn_assert(ad.b, ad.n, cdj.b, cdj.n, sig.b, sig.n, &s, &e, &a), 0);
    ASSERT_INT_EQ(a.sign_count, 1);
    s.sign_count = 1;
    ASSERT_INT_EQ(gh_webauthn_assert(ad.b, ad.n, cdj.b, cdj.n, sig.b, sig.n, &s, &e, &a),
                  GH_WA_ESIGNCOUNT);
}

/* 7.1: what the client data and the authenticator data of a registration
 * must be; the statement of "none" is not signed, so flags can be changed
 * in place. */
GH_TEST(webauthn_register_refusals)
{
    struct reg r, bad;
    struct gh_wa_credential c;
    struct get g;
    reg_of(&chromium[0], &r);
    get_of(&chromium[0].get[0], &g);
    bad = r;
    bad.e.challenge = g.chal.b; /* another challenge */
    ASSERT_INT_EQ(do_reg(&bad, &c), GH_WA_ECHALLENGE);
    ASSERT_INT_EQ(c.id_len, 0);
    bad.e = r.e;
    bad.e.challenge_len = r.chal.n - 1;
    ASSERT_INT_EQ(do_reg(&bad, &c), GH_WA_ECHALLENGE);
    bad.e = r.e;
    bad.e.origin = "http://localhost:5000";
    ASSERT_INT_EQ(do_reg(&bad, &c), GH_WA_EORIGIN);
    bad.e.origin = CHROMIUM_ORIGIN "/";
    ASSERT_INT_EQ(do_reg(&bad, &c), GH_WA_EORIGIN);
    bad.e = r.e;
    bad.e.rp_id = "example.com";
    ASSERT_INT_EQ(do_reg(&bad, &c), GH_WA_ERPID);
    /* a sign-in's client data, with its own challenge: the type */
    bad = r;
    bad.cdj = g.cdj;
    bad.e.challenge = g.chal.b;
    ASSERT_INT_EQ(do_reg(&bad, &c), GH_WA_ETYPE);
    /* the flags: UP, UV, BS without BE, no attested credential data */
    size_t f = flags_at(&r.att);
    ASSERT_TRUE(f > 0);
    static const struct {
        unsigned char flags;
        int want;
    } flags[] = {
        {0x44, GH_WA_EUP}, {0x41, GH_WA_EUV}, {0x55, GH_WA_EBACKUP},
        {0x5d, 0},         {0x4d, 0},         {0x05, GH_WA_ETRAILING},
    };
    for (size_t i = 0; i < GH_ARRAY_LEN(flags); i++) {
        bad = r;
        bad.att.b[f] = flags[i].flags;
        ASSERT_INT_EQ(do_reg(&bad, &c), flags[i].want);
    }
    /* the attestation object: cut short, one byte more, not CBOR */
    for (size_t n = 0; n < r.att.n; n++) {
        bad = r;
        bad.att.n = n;
        int rc = do_reg(&bad, &c);
        ASSERT_TRUE(rc == GH_WA_ECBOR || rc == GH_WA_EINVAL);
    }
    bad = r;
    bad.att.b[bad.att.n++] = 0x00;
    ASSERT_INT_EQ(do_reg(&bad, &c), GH_WA_ECBOR);
    text("\xff\xff", &bad.att);
    ASSERT_INT_EQ(do_reg(&bad, &c), GH_WA_ECBOR);
}

/* 7.2: what a sign-in must be, on Chromium's ES256 credential. */
GH_TEST(webauthn_assert_refusals)
{
    struct reg r;
    struct get g, g2, bad;
    struct gh_wa_credential c, other;
    struct gh_wa_assertion a;
    reg_of(&chromium[0], &r);
    ASSERT_INT_EQ(do_reg(&r, &c), 0);
    get_of(&chromium[0].get[0], &g);
    get_of(&chromium[0].get[1], &g2);
    bad = g;
    bad.e.challenge = g2.chal.b;
    ASSERT_INT_EQ(do_get(&bad, &c, 1, &a), GH_WA_ECHALLENGE);
    bad.e = g.e;
    bad.e.origin = "https://localhost:34359";
    ASSERT_INT_EQ(do_get(&bad, &c, 1, &a), GH_WA_EORIGIN);
    bad.e = g.e;
    bad.e.rp_id = "localhost.";
    ASSERT_INT_EQ(do_get(&bad, &c, 1, &a), GH_WA_ERPID);
    /* the registration's client data: the type */
    bad = g;
    bad.cdj = r.cdj;
    bad.e.challenge = r.chal.b;
    ASSERT_INT_EQ(do_get(&bad, &c, 1, &a), GH_WA_ETYPE);
    /* flags are checked before the signature, which they break anyway */
    static const struct {
        unsigned char flags;
        int want;
    } flags[] = {{0x04, GH_WA_EUP},
                 {0x01, GH_WA_EUV},
                 {0x15, GH_WA_EBACKUP},
                 {0x0d, GH_WA_ESIG},
                 {0x45, GH_WA_EAUTHDATA}};
    for (size_t i = 0; i < GH_ARRAY_LEN(flags); i++) {
        bad = g;
        bad.ad.b[32] = flags[i].flags;
        ASSERT_INT_EQ(do_get(&bad, &c, 1, &a), flags[i].want);
    }
    /* the signature: changed, another sign-in's, empty; another counter */
    bad = g;
    bad.sig.b[bad.sig.n - 1] ^= 0x01;
    ASSERT_INT_EQ(do_get(&bad, &c, 1, &a), GH_WA_ESIG);
    bad = g;
    bad.sig = g2.sig;
    ASSERT_INT_EQ(do_get(&bad, &c, 1, &a), GH_WA_ESIG);
    bad.sig.n = 0;
    ASSERT_INT_EQ(do_get(&bad, &c, 1, &a), GH_WA_ESIG);
    bad = g;
    bad.ad.b[36] = 9;
    ASSERT_INT_EQ(do_get(&bad, &c, 1, &a), GH_WA_ESIG);
    /* another credential's key (EdDSA) */
    reg_of(&chromium[1], &r);
    ASSERT_INT_EQ(do_reg(&r, &other), 0);
    ASSERT_INT_EQ(do_get(&g, &other, 1, &a), GH_WA_ESIG);
    /* authenticator data cut short or with a byte more */
    for (size_t n = 0; n < g.ad.n; n++) {
        bad = g;
        bad.ad.n = n;
        ASSERT_INT_EQ(do_get(&bad, &c, 1, &a), GH_WA_EAUTHDATA);
    }
    bad = g;
    bad.ad.b[bad.ad.n++] = 0xa0;
    ASSERT_INT_EQ(do_get(&bad, &c, 1, &a), GH_WA_ETRAILING);
    /* a registration's authenticator data is no assertion's */
    bad = g;
    struct gh_wa_attobj ao;
    ASSERT_INT_EQ(gh_wa_attobj_parse(r.att.b, r.att.n, &ao), 0);
    memcpy(bad.ad.b, ao.authdata, ao.authdata_len);
    bad.ad.n = ao.authdata_len;
    gh_wa_attobj_free(&ao);
    ASSERT_INT_EQ(do_get(&bad, &c, 1, &a), GH_WA_EATTESTED);
    /* a stored key that is not one */
    struct gh_wa_credential broken = c;
    broken.key_len = 3;
    ASSERT_INT_EQ(do_get(&g, &broken, 1, &a), GH_WA_ECBOR);
    ASSERT_INT_EQ(do_get(&g, &c, 1, &a), 0);
}

/* Client data a browser would never send: crossOrigin, bad JSON. */
GH_TEST(webauthn_clientdata_refusals)
{
    struct reg r;
    struct gh_wa_credential c;
    reg_of(&chromium[0], &r);
    static const struct {
        const char *fmt;
        int want;
    } cases[] = {
        {"{\"type\":\"webauthn.create\",\"challenge\":\"%s\",\"origin\":\"%s\"}", 0},
        {"{\"type\":\"webauthn.create\",\"challenge\":\"%s\",\"origin\":\"%s\","
         "\"crossOrigin\":true}",
         GH_WA_ECROSSORIGIN},
        {"{\"type\":\"webauthn.create\",\"challenge\":\"%s\",\"origin\":\"%s\","
         "\"crossOrigin\":\"false\"}",
         GH_WA_ECLIENTDATA},
        {"{\"type\":\"webauthn.create\",\"challenge\":\"%s\",\"origin\":\"%s\","
         "\"tokenBinding\":{\"status\":\"present\",\"id\":\"x\"}}",
         0},
        {"{\"type\":\"webauthn.create\",\"type\":\"webauthn.create\",\"challenge\":\"%s\","
         "\"origin\":\"%s\"}",
         GH_WA_ECLIENTDATA},
        {"{\"type\":\"webauthn.create\",\"challenge\":\"%s=\",\"origin\":\"%s\"}",
         GH_WA_ECHALLENGE},
        {"{\"type\":\"webauthn.create\",\"challenge\":\"%s\",\"origin\":\"%s\"", GH_WA_ECLIENTDATA},
        {"[\"webauthn.create\",\"%s\",\"%s\"]", GH_WA_ECLIENTDATA},
        {"{\"type\":\"webauthn.create\",\"challenge\":\"%s\",\"origin\":\"%s\\u0000\"}",
         GH_WA_ECLIENTDATA},
        {"{\"type\":\"webauthn.create\",\"challenge\":\"%s\",\"origin\":\"%s \"}", GH_WA_EORIGIN},
    };
    for (size_t i = 0; i < GH_ARRAY_LEN(cases); i++) {
        char json[512];
        snprintf(json, sizeof(json), cases[i].fmt, chromium[0].challenge, CHROMIUM_ORIGIN);
        text(json, &r.cdj);
        ASSERT_INT_EQ(do_reg(&r, &c), cases[i].want);
    }
    /* the challenge, read back before the store is asked */
    unsigned char got[GH_WA_CHALLENGE_MAX];
    size_t n = 0;
    reg_of(&chromium[0], &r);
    ASSERT_INT_EQ(gh_webauthn_client_challenge(r.cdj.b, r.cdj.n, got, sizeof(got), &n), 0);
    ASSERT_INT_EQ(n, r.chal.n);
    ASSERT_MEM_EQ(got, r.chal.b, n);
    ASSERT_INT_EQ(
        gh_webauthn_client_challenge((const unsigned char *)"{}", 2, got, sizeof(got), &n),
        GH_WA_ECLIENTDATA);
}
