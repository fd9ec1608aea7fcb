/*
 * Unit tests for src/jose: the RFC 7638 3.1 thumbprint vector, the
 * RFC 7515 A.3 ES256 example, sign/verify round trips for ES256, EdDSA and
 * RS256, PEM and public JWK round trips, and the rejections that matter
 * against forged tokens and hostile JWKS: alg "none" and HMAC, "crit",
 * alg confusion, tampering, malformed and oversized tokens, private or
 * symmetric JWKs and points off the curve.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/b64url.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/test.h"
#include "jose/jose.h"
#include "jose/jose_int.h"

static const enum gh_jwa all_algs[] = {GH_JWA_ES256, GH_JWA_EDDSA, GH_JWA_RS256};

/* RFC 7638 3.1, with the "alg" and "kid" the example JWK carries. */
static const char rfc7638_jwk[] =
    "{\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1R"
    "K7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0"
    "h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08q"
    "NLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnq"
    "DKgw\",\"e\":\"AQAB\",\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}";

/* RFC 7515 A.3.1: the public part of the example P-256 key. */
static const char rfc7515_a3_jwk[] = "{\"kty\":\"EC\",\"crv\":\"P-256\","
                                     "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                                     "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";
static const char rfc7515_a3_jws[] =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
    "fQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

/* A compact JWS from a literal header and payload and an encoded
 * signature, into out (out_size bytes). */
static void make_token(char *out, size_t out_size, const char *hdr, const char *payload,
                       const char *sig)
{
    char h[512], p[512];
    gh_b64url_encode((const unsigned char *)hdr, strlen(hdr), h, sizeof(h));
    gh_b64url_encode((const unsigned char *)payload, strlen(payload), p, sizeof(p));
    if (snprintf(out, out_size, "%s.%s.%s", h, p, sig) >= (int)out_size)
        out[0] = '\0';
}

/* Signs payload with k into out (reset first); 0 on success. */
static int sign_str(const struct gh_jwk *k, const char *typ, const char *payload,
                    struct gh_buf *out)
{
    gh_buf_reset(out);
    return gh_jws_sign(k, typ, payload, strlen(payload), out);
}

/* 0 when token verifies with k. */
static int parse_verify(const struct gh_jwk *k, const char *token)
{
    struct gh_jws jws;
    int rc = gh_jws_parse(token, strlen(token), &jws);
    if (rc == 0)
        rc = gh_jws_verify(k, &jws);
    gh_jws_release(&jws);
    return rc;
}

/* The public-only twin of k, through its JWK JSON. */
static struct gh_jwk *public_twin(const struct gh_jwk *k)
{
    struct gh_buf b;
    struct gh_jwk *pub = NULL;
    gh_buf_init(&b, 4096);
    if (gh_jwk_public_json(k, &b) == 0) {
        json_t *j = json_loads(b.p, 0, NULL);
        if (gh_jwk_from_json(j, &pub) < 0)
            pub = NULL;
        json_decref(j);
    }
    gh_buf_release(&b);
    return pub;
}

/* gh_jwk_from_json on a JSON text; the key is freed, the status returned. */
static int import_str(const char *text)
{
    struct gh_jwk *k = NULL;
    json_t *j = json_loads(text, 0, NULL);
    int rc = j == NULL ? GH_EINVAL - 100 : gh_jwk_from_json(j, &k);
    gh_jwk_free(k);
    json_decref(j);
    return rc;
}

GH_TEST(jwk_rfc7638_thumbprint)
{
    char tp[GH_JWK_THUMBPRINT_LEN + 1];
    struct gh_jwk *k = NULL;
    json_t *j = json_loads(rfc7638_jwk, 0, NULL);
    ASSERT_NOT_NULL(j);
    ASSERT_INT_EQ(gh_jwk_from_json(j, &k), 0);
    json_decref(j);
    ASSERT_INT_EQ(gh_jwk_alg(k), GH_JWA_RS256);
    ASSERT_STR_EQ(gh_jwk_kid(k), "2011-04-29");
    ASSERT_INT_EQ(gh_jwk_thumbprint(k, tp, sizeof(tp)), 0);
    ASSERT_STR_EQ(tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    ASSERT_INT_EQ(gh_jwk_thumbprint(k, tp, GH_JWK_THUMBPRINT_LEN), GH_ENOMEM);
    gh_jwk_free(k);
}

GH_TEST(jws_alg_allow_list)
{
    static const char *const bad[] = {"none", "HS256", "HS512", "es256", "ES384", "PS256", ""};
    enum gh_jwa alg;
    for (size_t i = 0; i < GH_ARRAY_LEN(all_algs); i++) {
        ASSERT_INT_EQ(gh_jwa_parse(gh_jwa_name(all_algs[i]), &alg), 0);
        ASSERT_INT_EQ(alg, all_algs[i]);
    }
    for (size_t i = 0; i < GH_ARRAY_LEN(bad); i++)
        ASSERT_INT_EQ(gh_jwa_parse(bad[i], &alg), GH_EINVAL);
}

GH_TEST(jws_sign_verify_all_algs)
{
    static const size_t sig_len[] = {64, 64, 256};
    char tp[GH_JWK_THUMBPRINT_LEN + 1], want[256];
    unsigned char hdr[256];
    struct gh_buf tok;
    struct gh_jws jws;
    gh_buf_init(&tok, 8192);
    for (size_t i = 0; i < GH_ARRAY_LEN(all_algs); i++) {
        struct gh_jwk *k = NULL;
        ASSERT_INT_EQ(gh_jwk_generate(all_algs[i], &k), 0);
        ASSERT_INT_EQ(gh_jwk_alg(k), all_algs[i]);
        ASSERT_INT_EQ(strlen(gh_jwk_kid(k)), GH_JWK_THUMBPRINT_LEN);
        ASSERT_INT_EQ(gh_jwk_thumbprint(k, tp, sizeof(tp)), 0);
        ASSERT_STR_EQ(gh_jwk_kid(k), tp);
        ASSERT_INT_EQ(sign_str(k, "at+jwt", "{\"sub\":\"alice\"}", &tok), 0);
        /* The header is exactly alg, typ, kid, in that order. */
        long n = gh_b64url_decode(tok.p, (size_t)(strchr(tok.p, '.') - tok.p), hdr, sizeof(hdr));
        ASSERT_TRUE(n > 0);
        snprintf(want, sizeof(want), "{\"alg\":\"%s\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}",
                 gh_jwa_name(all_algs[i]), tp);
        ASSERT_INT_EQ(n, strlen(want));
        ASSERT_MEM_EQ(hdr, want, (size_t)n);
        ASSERT_INT_EQ(gh_jws_parse(tok.p, tok.len, &jws), 0);
        ASSERT_INT_EQ(jws.alg, all_algs[i]);
        ASSERT_STR_EQ(jws.typ, "at+jwt");
        ASSERT_STR_EQ(jws.kid, tp);
        ASSERT_STR_EQ(jws.payload, "{\"sub\":\"alice\"}");
        ASSERT_INT_EQ(jws.payload_len, 15);
        ASSERT_INT_EQ(jws.sig_len, sig_len[i]);
        ASSERT_INT_EQ(jws.signing_input_len, strrchr(tok.p, '.') - tok.p);
        ASSERT_INT_EQ(gh_jws_verify(k, &jws), 0);
        gh_jws_release(&jws);
        gh_jwk_free(k);
    }
    gh_buf_release(&tok);
}

GH_TEST(jws_sign_typ_and_long_payload)
{
    struct gh_jwk *k = NULL;
    struct gh_buf tok;
    struct gh_jws jws;
    char big[3000];
    gh_buf_init(&tok, 8192);
    ASSERT_INT_EQ(gh_jwk_generate(GH_JWA_ES256, &k), 0);
    /* No typ: the header has alg and kid only. */
    ASSERT_INT_EQ(sign_str(k, NULL, "{}", &tok), 0);
    ASSERT_INT_EQ(gh_jws_parse(tok.p, tok.len, &jws), 0);
    ASSERT_STR_EQ(jws.typ, "");
    ASSERT_INT_EQ(gh_jws_verify(k, &jws), 0);
    gh_jws_release(&jws);
    /* A payload longer than one encoding chunk, of every length mod 3. */
    for (size_t len = 2000; len < 2003; len++) {
        memset(big, 'a', len);
        big[len] = '\0';
        ASSERT_INT_EQ(sign_str(k, "JWT", big, &tok), 0);
        ASSERT_INT_EQ(gh_jws_parse(tok.p, tok.len, &jws), 0);
        ASSERT_INT_EQ(jws.payload_len, len);
        ASSERT_STR_EQ(jws.payload, big);
        ASSERT_INT_EQ(gh_jws_verify(k, &jws), 0);
        gh_jws_release(&jws);
    }
    /* A typ that would need escaping is refused and out is unchanged. */
    ASSERT_INT_EQ(gh_buf_puts(&tok, "keep"), 0);
    size_t len = tok.len;
    ASSERT_INT_EQ(gh_jws_sign(k, "a\"b", "{}", 2, &tok), GH_EINVAL);
    ASSERT_INT_EQ(gh_jws_sign(k, "", "{}", 2, &tok), GH_EINVAL);
    ASSERT_INT_EQ(gh_jws_sign(k, "0123456789012345678901234567890123", "{}", 2, &tok), GH_EINVAL);
    ASSERT_INT_EQ(tok.len, len);
    /* A buffer cap too small for the token fails and leaves out as it was. */
    struct gh_buf small;
    gh_buf_init(&small, 64);
    ASSERT_INT_EQ(gh_buf_puts(&small, "x"), 0);
    ASSERT_INT_EQ(gh_jws_sign(k, "at+jwt", "{}", 2, &small), GH_ENOMEM);
    ASSERT_STR_EQ(small.p, "x");
    gh_buf_release(&small);
    gh_jwk_free(k);
    gh_buf_release(&tok);
}

GH_TEST(jwk_pem_round_trip)
{
    struct gh_buf tok;
    gh_buf_init(&tok, 8192);
    for (size_t i = 0; i < GH_ARRAY_LEN(all_algs); i++) {
        struct gh_jwk *k = NULL, *back = NULL;
        char *pem = NULL;
        ASSERT_INT_EQ(gh_jwk_generate(all_algs[i], &k), 0);
        ASSERT_INT_EQ(gh_jwk_to_pem(k, &pem), 0);
        ASSERT_TRUE(strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
        ASSERT_INT_EQ(gh_jwk_from_pem(pem, strlen(pem), &back), 0);
        gh_jwk_pem_free(pem);
        ASSERT_INT_EQ(gh_jwk_alg(back), all_algs[i]);
        ASSERT_STR_EQ(gh_jwk_kid(back), gh_jwk_kid(k));
        /* Either copy verifies what the other signs. */
        ASSERT_INT_EQ(sign_str(back, "at+jwt", "{\"n\":1}", &tok), 0);
        ASSERT_INT_EQ(parse_verify(k, tok.p), 0);
        gh_jwk_free(back);
        gh_jwk_free(k);
    }
    gh_buf_release(&tok);
}

/* PEM of a fresh key of the given OpenSSL type, encrypted when pass is set. */
static char *pem_of(EVP_PKEY *pkey, const char *pass)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL, *copy = NULL;
    const EVP_CIPHER *c = pass != NULL ? EVP_aes_128_cbc() : NULL;
    if (bio != NULL && pkey != NULL &&
        PEM_write_bio_PrivateKey(bio, pkey, c, NULL, 0, NULL, (void *)pass) == 1) {
        long len = BIO_get_mem_data(bio, &data);
        copy = strndup(data, (size_t)len);
    }
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return copy;
}

GH_TEST(jwk_from_pem_rejects)
{
    static const char garbage[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    char *pems[] = {
        pem_of(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"), NULL),
        pem_of(EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024), NULL),
        pem_of(EVP_PKEY_Q_keygen(NULL, NULL, "X25519"), NULL),
        pem_of(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), "secret"),
    };
    struct gh_jwk *k = NULL;
    for (size_t i = 0; i < GH_ARRAY_LEN(pems); i++) {
        ASSERT_NOT_NULL(pems[i]);
        ASSERT_INT_EQ(gh_jwk_from_pem(pems[i], strlen(pems[i]), &k), GH_EINVAL);
        free(pems[i]);
    }
    ASSERT_INT_EQ(gh_jwk_from_pem(garbage, strlen(garbage), &k), GH_EINVAL);
    ASSERT_INT_EQ(gh_jwk_from_pem("", 0, &k), GH_EINVAL);
}

GH_TEST(jwk_public_json_verifies)
{
    static const char *const prefix[] = {"{\"kty\":\"EC\",\"use\":\"sig\",\"kid\":\"",
                                         "{\"kty\":\"OKP\",\"use\":\"sig\",\"kid\":\"",
                                         "{\"kty\":\"RSA\",\"use\":\"sig\",\"kid\":\""};
    static const char *const tail[] = {"\"alg\":\"ES256\",\"crv\":\"P-256\",\"x\":\"",
                                       "\"alg\":\"EdDSA\",\"crv\":\"Ed25519\",\"x\":\"",
                                       "\"alg\":\"RS256\",\"n\":\""};
    struct gh_buf tok, js;
    char tp[GH_JWK_THUMBPRINT_LEN + 1];
    char *pem = NULL;
    gh_buf_init(&tok, 8192);
    gh_buf_init(&js, 4096);
    for (size_t i = 0; i < GH_ARRAY_LEN(all_algs); i++) {
        struct gh_jwk *k = NULL, *pub = NULL;
        ASSERT_INT_EQ(gh_jwk_generate(all_algs[i], &k), 0);
        gh_buf_reset(&js);
        ASSERT_INT_EQ(gh_jwk_public_json(k, &js), 0);
        ASSERT_TRUE(strncmp(js.p, prefix[i], strlen(prefix[i])) == 0);
        ASSERT_NOT_NULL(strstr(js.p, tail[i]));
        ASSERT_TRUE(strstr(js.p, "\"d\"") == NULL);
        pub = public_twin(k);
        ASSERT_NOT_NULL(pub);
        ASSERT_STR_EQ(gh_jwk_kid(pub), gh_jwk_kid(k));
        ASSERT_INT_EQ(gh_jwk_thumbprint(pub, tp, sizeof(tp)), 0);
        ASSERT_STR_EQ(tp, gh_jwk_kid(k));
        ASSERT_INT_EQ(sign_str(k, "at+jwt", "{\"sub\":\"bob\"}", &tok), 0);
        ASSERT_INT_EQ(parse_verify(pub, tok.p), 0);
        /* A public key cannot sign or be exported as a private PEM. */
        ASSERT_INT_EQ(sign_str(pub, "at+jwt", "{}", &tok), GH_EINVAL);
        ASSERT_INT_EQ(gh_jwk_to_pem(pub, &pem), GH_EINVAL);
        gh_jwk_free(pub);
        gh_jwk_free(k);
    }
    gh_buf_release(&js);
    gh_buf_release(&tok);
}

GH_TEST(jws_tampered_fails)
{
    struct gh_buf tok;
    gh_buf_init(&tok, 8192);
    for (size_t i = 0; i < GH_ARRAY_LEN(all_algs); i++) {
        struct gh_jwk *k = NULL;
        ASSERT_INT_EQ(gh_jwk_generate(all_algs[i], &k), 0);
        ASSERT_INT_EQ(sign_str(k, "at+jwt", "{\"sub\":\"alice\",\"scope\":\"read\"}", &tok), 0);
        char *dot1 = strchr(tok.p, '.'), *dot2 = strrchr(tok.p, '.');
        /* One payload character, then one signature character. */
        char *spots[] = {dot1 + 5, dot2 + 5};
        for (size_t s = 0; s < GH_ARRAY_LEN(spots); s++) {
            char was = *spots[s];
            *spots[s] = was == 'A' ? 'B' : 'A';
            ASSERT_INT_EQ(parse_verify(k, tok.p), GH_EINVAL);
            ASSERT_INT_EQ(ERR_peek_error(), 0); /* no stale OpenSSL errors */
            *spots[s] = was;
        }
        ASSERT_INT_EQ(parse_verify(k, tok.p), 0);
        gh_jwk_free(k);
    }
    gh_buf_release(&tok);
}

GH_TEST(jws_alg_mismatch_fails)
{
    struct gh_jwk *ec = NULL, *ed = NULL, *rsa = NULL;
    struct gh_buf tok;
    char forged[1024];
    gh_buf_init(&tok, 8192);
    ASSERT_INT_EQ(gh_jwk_generate(GH_JWA_ES256, &ec), 0);
    ASSERT_INT_EQ(gh_jwk_generate(GH_JWA_EDDSA, &ed), 0);
    ASSERT_INT_EQ(gh_jwk_generate(GH_JWA_RS256, &rsa), 0);
    ASSERT_INT_EQ(sign_str(ec, "at+jwt", "{}", &tok), 0);
    ASSERT_INT_EQ(parse_verify(ed, tok.p), GH_EINVAL);
    ASSERT_INT_EQ(parse_verify(rsa, tok.p), GH_EINVAL);
    /* An EdDSA signature relabelled as ES256 does not verify with either
     * key: the EdDSA key refuses the header, the EC key the signature. */
    ASSERT_INT_EQ(sign_str(ed, NULL, "{}", &tok), 0);
    make_token(forged, sizeof(forged), "{\"alg\":\"ES256\"}", "{}", strrchr(tok.p, '.') + 1);
    ASSERT_INT_EQ(parse_verify(ed, forged), GH_EINVAL);
    ASSERT_INT_EQ(parse_verify(ec, forged), GH_EINVAL);
    gh_jwk_free(rsa);
    gh_jwk_free(ed);
    gh_jwk_free(ec);
    gh_buf_release(&tok);
}

GH_TEST(jws_rfc7515_a3_es256)
{
    struct gh_jwk *k = NULL;
    struct gh_jws jws;
    json_t *j = json_loads(rfc7515_a3_jwk, 0, NULL);
    ASSERT_NOT_NULL(j);
    /* The RFC's JWK has neither; gh_jwk_from_json requires both. */
    ASSERT_INT_EQ(import_str(rfc7515_a3_jwk), GH_EINVAL);
    json_object_set_new(j, "alg", json_string("ES256"));
    json_object_set_new(j, "kid", json_string("x"));
    ASSERT_INT_EQ(gh_jwk_from_json(j, &k), 0);
    json_decref(j);
    ASSERT_INT_EQ(gh_jws_parse(rfc7515_a3_jws, strlen(rfc7515_a3_jws), &jws), 0);
    ASSERT_INT_EQ(jws.alg, GH_JWA_ES256);
    ASSERT_STR_EQ(jws.kid, "");
    ASSERT_STR_EQ(
        jws.payload,
        "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}");
    ASSERT_INT_EQ(gh_jws_verify(k, &jws), 0);
    /* An ES256 signature must be exactly 64 bytes (RFC 7518 3.4). */
    jws.sig_len = 63;
    ASSERT_INT_EQ(gh_jws_verify(k, &jws), GH_EINVAL);
    jws.sig_len = 65;
    ASSERT_INT_EQ(gh_jws_verify(k, &jws), GH_EINVAL);
    gh_jws_release(&jws);
    gh_jwk_free(k);
}

GH_TEST(jws_parse_rejects_headers)
{
    static const char *const bad[] = {
        "{\"alg\":\"none\"}",
        "{\"alg\":\"HS256\"}",
        "{\"alg\":\"ES256\",\"crit\":[\"exp\"]}",
        "{\"alg\":1}",
        "{\"typ\":\"JWT\"}",
        "[\"ES256\"]",
        "\"ES256\"",
        "{\"alg\":\"ES256\",\"alg\":\"ES256\"}",
        "{\"alg\":\"ES256\",\"typ\":7}",
        "{\"alg\":\"ES256\",\"kid\":null}",
        "{\"alg\":\"ES256\",\"typ\":\"0123456789012345678901234567890123\"}",
        "{\"alg\":\"ES256\"",
        "{\"alg\":\"ES256\"} x",
    };
    char tok[1024];
    struct gh_jws jws;
    for (size_t i = 0; i < GH_ARRAY_LEN(bad); i++) {
        make_token(tok, sizeof(tok), bad[i], "{}", "AAAA");
        if (gh_jws_parse(tok, strlen(tok), &jws) != GH_EINVAL)
            GH_FAIL_("header %s was accepted", bad[i]);
        ASSERT_TRUE(jws.payload == NULL);
    }
    /* A kid of 95 characters fits, 96 does not. */
    char hdr[160];
    snprintf(hdr, sizeof(hdr), "{\"alg\":\"ES256\",\"kid\":\"%095d\"}", 0);
    make_token(tok, sizeof(tok), hdr, "{}", "AAAA");
    ASSERT_INT_EQ(gh_jws_parse(tok, strlen(tok), &jws), 0);
    ASSERT_INT_EQ(strlen(jws.kid), 95);
    gh_jws_release(&jws);
    snprintf(hdr, sizeof(hdr), "{\"alg\":\"ES256\",\"kid\":\"%096d\"}", 0);
    make_token(tok, sizeof(tok), hdr, "{}", "AAAA");
    ASSERT_INT_EQ(gh_jws_parse(tok, strlen(tok), &jws), GH_EINVAL);
}

GH_TEST(jws_parse_rejects_malformed)
{
    static const char *const bad[] = {
        "",
        "eyJhbGciOiJFUzI1NiJ9",
        "eyJhbGciOiJFUzI1NiJ9.e30",
        "eyJhbGciOiJFUzI1NiJ9.e30.AAAA.AAAA",
        "eyJhbGciOiJFUzI1NiJ9.e30.",
        ".e30.AAAA",
        "eyJhbGciOiJFUzI1NiJ9.e3+.AAAA",
        "eyJhbGciOiJFUzI1NiJ9.e30.AA=A",
        "eyJhbGciOiJFUzI1NiJ9=.e30.AAAA",
        "eyJhbGciOiJFUzI1NiJ9.e30.A",
        "eyJhbGciOiJFUzI1NiJ9.e30.AA AA",
        "eyJhbGciOiJFUzI1NiJ9..e30.AAAA",
    };
    struct gh_jws jws;
    for (size_t i = 0; i < GH_ARRAY_LEN(bad); i++) {
        if (gh_jws_parse(bad[i], strlen(bad[i]), &jws) != GH_EINVAL)
            GH_FAIL_("token '%s' was accepted", bad[i]);
    }
    /* The token is bounded by n, not by a NUL. */
    static const char good[] = "eyJhbGciOiJFUzI1NiJ9.e30.AAAA";
    ASSERT_INT_EQ(gh_jws_parse(good, strlen(good), &jws), 0);
    ASSERT_STR_EQ(jws.payload, "{}");
    gh_jws_release(&jws);
    ASSERT_INT_EQ(gh_jws_parse(good, strlen(good) - 5, &jws), GH_EINVAL);
    /* A signature longer than any key's, and a token past 8 KiB. */
    char *big = malloc(GH_JWS_MAX + 2);
    ASSERT_NOT_NULL(big);
    memcpy(big, good, strlen(good) - 4);
    memset(big + strlen(good) - 4, 'A', GH_JWS_MAX + 2 - (strlen(good) - 4));
    big[GH_JWS_MAX + 1] = '\0';
    int rc_big = gh_jws_parse(big, GH_JWS_MAX + 1, &jws);
    int rc_sig = gh_jws_parse(big, 1000, &jws);
    free(big);
    ASSERT_INT_EQ(rc_big, GH_EINVAL);
    ASSERT_INT_EQ(rc_sig, GH_EINVAL);
}

GH_TEST(jwk_from_json_rejects)
{
    static const char *const bad[] = {
        /* symmetric, private, unknown or mismatched types */
        "{\"kty\":\"oct\",\"alg\":\"HS256\",\"kid\":\"a\",\"k\":\"AAAA\"}",
        "{\"kty\":\"oct\",\"alg\":\"ES256\",\"kid\":\"a\"}",
        "{\"kty\":\"EC\",\"alg\":\"ES256\",\"kid\":\"a\",\"crv\":\"P-256\",\"x\":\"%s\","
        "\"y\":\"%s\",\"d\":\"jpsQnnGQmL-YBIffH1136cLyG1NoAF9x1ppeoHa5s3o\"}",
        "{\"kty\":\"OKP\",\"alg\":\"ES256\",\"kid\":\"a\",\"crv\":\"P-256\",\"x\":\"%s\","
        "\"y\":\"%s\"}",
        "{\"kty\":\"EC\",\"alg\":\"EdDSA\",\"kid\":\"a\",\"crv\":\"P-256\",\"x\":\"%s\","
        "\"y\":\"%s\"}",
        "{\"kty\":\"EC\",\"alg\":\"RS256\",\"kid\":\"a\",\"crv\":\"P-256\",\"x\":\"%s\","
        "\"y\":\"%s\"}",
        "{\"kty\":\"XX\",\"alg\":\"ES256\",\"kid\":\"a\",\"crv\":\"P-256\",\"x\":\"%s\","
        "\"y\":\"%s\"}",
        /* missing or malformed members */
        "{\"kty\":\"EC\",\"kid\":\"a\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}",
        "{\"kty\":\"EC\",\"alg\":\"none\",\"kid\":\"a\",\"crv\":\"P-256\",\"x\":\"%s\","
        "\"y\":\"%s\"}",
        "{\"kty\":\"EC\",\"alg\":\"ES256\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}",
        "{\"kty\":\"EC\",\"alg\":\"ES256\",\"kid\":\"\",\"crv\":\"P-256\",\"x\":\"%s\","
        "\"y\":\"%s\"}",
        "{\"kty\":\"EC\",\"alg\":\"ES256\",\"kid\":7,\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}",
        "{\"kty\":\"EC\",\"alg\":\"ES256\",\"kid\":\"a\",\"crv\":\"P-384\",\"x\":\"%s\","
        "\"y\":\"%s\"}",
        "{\"kty\":\"EC\",\"alg\":\"ES256\",\"kid\":\"a\",\"crv\":\"P-256\",\"x\":[\"%s\"],"
        "\"y\":\"%s\"}",
        "{\"kty\":\"EC\",\"alg\":\"ES256\",\"kid\":\"a\",\"crv\":\"P-256\",\"x\":\"%s=\","
        "\"y\":\"%s\"}",
        "{\"kty\":\"EC\",\"alg\":\"ES256\",\"kid\":\"a\",\"crv\":\"P-256\",\"x\":\"%sAA\","
        "\"y\":\"%s\"}",
        "{\"kty\":\"EC\",\"alg\":\"ES256\",\"kid\":\"a\",\"crv\":\"P-256\",\"x\":\"%s\"}",
        "{\"kty\":\"EC\",\"alg\":\"ES256\",\"kid\":\"a\",\"use\":\"enc\",\"crv\":\"P-256\","
        "\"x\":\"%s\",\"y\":\"%s\"}",
        /* x of the RFC 7515 A.3 key with another key's y: off the curve */
        "{\"kty\":\"EC\",\"alg\":\"ES256\",\"kid\":\"a\",\"crv\":\"P-256\",\"x\":\"%s\","
        "\"y\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\"}",
        "[]",
    };
    static const char x[] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    static const char y[] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
    char text[512];
    /* The template with good members imports, so each rejection is due to
     * the one thing that differs. */
    snprintf(text, sizeof(text),
             "{\"kty\":\"EC\",\"alg\":\"ES256\",\"kid\":\"a\",\"use\":\"sig\",\"crv\":\"P-256\","
             "\"x\":\"%s\",\"y\":\"%s\",\"x5c\":[\"AAAA\"]}",
             x, y);
    ASSERT_INT_EQ(import_str(text), 0);
    for (size_t i = 0; i < GH_ARRAY_LEN(bad); i++) {
        snprintf(text, sizeof(text), bad[i], x, y);
        if (import_str(text) != GH_EINVAL)
            GH_FAIL_("jwk %s was accepted", text);
        ASSERT_INT_EQ(ERR_peek_error(), 0);
    }
    /* A kid of 96 characters does not fit. */
    snprintf(text, sizeof(text),
             "{\"kty\":\"EC\",\"alg\":\"ES256\",\"kid\":\"%096d\",\"crv\":\"P-256\",\"x\":\"%s\","
             "\"y\":\"%s\"}",
             0, x, y);
    ASSERT_INT_EQ(import_str(text), GH_EINVAL);
}

GH_TEST(jwk_from_json_rejects_weak_rsa)
{
    /* The RFC 7638 key with its modulus cut to 1024 bits: too short. */
    char text[2048];
    const char *n = strstr(rfc7638_jwk, "\"n\":\"") + 5;
    snprintf(text, sizeof(text),
             "{\"kty\":\"RSA\",\"alg\":\"RS256\",\"kid\":\"a\",\"n\":\"%.171sw\",\"e\":\"AQAB\"}",
             n);
    ASSERT_INT_EQ(import_str(text), GH_EINVAL);
    /* The right key for the wrong alg, and a public exponent of 1. */
    snprintf(text, sizeof(text), "%s", rfc7638_jwk);
    memcpy(strstr(text, "RS256"), "ES256", 5);
    ASSERT_INT_EQ(import_str(text), GH_EINVAL);
    snprintf(text, sizeof(text), "%s", rfc7638_jwk);
    memcpy(strstr(text, "AQAB"), "AAAB", 4);
    ASSERT_INT_EQ(import_str(text), GH_EINVAL);
}

/* The allocation-free R || S to DER of ES256 verification writes what
 * OpenSSL's own encoder does, also for leading zero bytes, set high bits
 * and zero values (X.690 8.3: fewest bytes, a sign byte before a set high
 * bit). */
GH_TEST(jws_es256_der_matches_openssl)
{
    static const unsigned char first[][3] = {
        {0x00, 0x00, 0x01}, {0x00, 0x80, 0x00}, {0x80, 0x00, 0x00}, {0x7f, 0xff, 0xff},
        {0x00, 0x00, 0x00}, {0xff, 0xff, 0xff}, {0x00, 0x7f, 0x01}, {0x01, 0x00, 0x00},
    };
    unsigned char in[64], der[GH_JOSE_ES256_DER_MAX], want[GH_JOSE_ES256_DER_MAX + 8];
    for (size_t i = 0; i < GH_ARRAY_LEN(first); i++) {
        for (size_t j = 0; j < GH_ARRAY_LEN(first); j++) {
            memset(in, i == 4 ? 0 : 0x5a, 32);
            memset(in + 32, j == 4 ? 0 : 0xa5, 32);
            memcpy(in, first[i], 3);
            memcpy(in + 32, first[j], 3);
            ECDSA_SIG *sig = ECDSA_SIG_new();
            ASSERT_NOT_NULL(sig);
            ASSERT_INT_EQ(
                ECDSA_SIG_set0(sig, BN_bin2bn(in, 32, NULL), BN_bin2bn(in + 32, 32, NULL)), 1);
            unsigned char *p = want;
            int n = i2d_ECDSA_SIG(sig, &p);
            ECDSA_SIG_free(sig);
            ASSERT_INT_EQ(gh_jose_es256_der(in, der), n);
            ASSERT_MEM_EQ(der, want, (size_t)n);
        }
    }
}

/* A verifier (one OpenSSL context set up per key) says what gh_jws_verify
 * says: good tokens of each alg, tampered ones, another alg's, a short
 * signature; and gh_jws_parse_body reads what gh_jws_parse reads. */
GH_TEST(jws_verifier_and_parse_body)
{
    struct gh_buf tok;
    gh_buf_init(&tok, 8192);
    for (size_t i = 0; i < GH_ARRAY_LEN(all_algs); i++) {
        struct gh_jwk *k = NULL, *other = NULL;
        struct gh_jws_verifier *v = NULL;
        struct gh_jws a, b;
        ASSERT_INT_EQ(gh_jwk_generate(all_algs[i], &k), 0);
        ASSERT_INT_EQ(gh_jwk_generate(all_algs[(i + 1) % GH_ARRAY_LEN(all_algs)], &other), 0);
        ASSERT_INT_EQ(gh_jws_verifier_new(k, &v), 0);
        ASSERT_INT_EQ(sign_str(k, "dpop+jwt", "{\"jti\":\"x\"}", &tok), 0);
        ASSERT_INT_EQ(gh_jws_parse(tok.p, tok.len, &a), 0);
        ASSERT_INT_EQ(gh_jws_parse_body(tok.p, tok.len, all_algs[i], &b), 0);
        ASSERT_INT_EQ(b.alg, a.alg);
        ASSERT_STR_EQ(b.typ, "");
        ASSERT_STR_EQ(b.payload, a.payload);
        ASSERT_INT_EQ(b.payload_len, a.payload_len);
        ASSERT_INT_EQ(b.sig_len, a.sig_len);
        ASSERT_MEM_EQ(b.sig, a.sig, a.sig_len);
        ASSERT_TRUE(b.signing_input == a.signing_input);
        ASSERT_INT_EQ(b.signing_input_len, a.signing_input_len);
        for (int round = 0; round < 3; round++) /* the context is reused */
            ASSERT_INT_EQ(gh_jws_verifier_verify(v, &b), 0);
        b.sig[7] ^= 1;
        ASSERT_INT_EQ(gh_jws_verifier_verify(v, &b), GH_EINVAL);
        ASSERT_INT_EQ(ERR_peek_error(), 0); /* no stale OpenSSL errors */
        b.sig[7] ^= 1;
        b.sig_len--;
        ASSERT_INT_EQ(gh_jws_verifier_verify(v, &b), GH_EINVAL);
        b.sig_len++;
        ASSERT_INT_EQ(gh_jws_verifier_verify(v, &b), 0);
        gh_jws_release(&b);
        /* RFC 8725 3.1: the key's alg decides */
        ASSERT_INT_EQ(gh_jws_parse_body(tok.p, tok.len, gh_jwk_alg(other), &b), 0);
        ASSERT_INT_EQ(gh_jws_verifier_verify(v, &b), GH_EINVAL);
        gh_jws_release(&b);
        size_t si = a.signing_input_len;
        gh_jws_release(&a);
        /* the parts after the header are checked as gh_jws_parse does */
        ASSERT_INT_EQ(gh_jws_parse_body(tok.p, si, all_algs[i], &b), GH_EINVAL);
        ASSERT_INT_EQ(gh_jws_parse_body(tok.p, si + 1, all_algs[i], &b), GH_EINVAL);
        ASSERT_INT_EQ(gh_buf_append(&tok, ".x", 2), 0);
        ASSERT_INT_EQ(gh_jws_parse_body(tok.p, tok.len, all_algs[i], &b), GH_EINVAL);
        ASSERT_INT_EQ(gh_jws_parse_body("a.b", 3, all_algs[i], &b), GH_EINVAL);
        ASSERT_TRUE(b.payload == NULL);
        gh_jws_verifier_free(v);
        gh_jwk_free(other);
        gh_jwk_free(k);
    }
    gh_buf_release(&tok);
}
