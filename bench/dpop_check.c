/*
 * What a DPoP proof check (RFC 9449 4.3) costs beyond its one signature
 * verification, measured in one process: gh_dpop_check of an ES256 proof
 * with ath whose key is already cached, against the floor of SHA-256 and
 * OpenSSL's ECDSA_do_verify of the same signature (what `openssl speed
 * ecdsap256` times). Thread CPU time, best of 15 rounds of 1,000, so other
 * load on the machine moves it little. For the README's DPoP benchmark.
 *   make build/bench-dpop-check && build/bench-dpop-check
 */
/* ECDSA_do_verify and EC_KEY are deprecated in OpenSSL 3; the floor uses
 * them because they are the bare verification, nothing around it. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/b64url.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "jose/dpop.h"
#include "jose/jose.h"

#define ROUNDS 15
#define N 1000

static double cpu_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* The EC key of k, through its PEM (the bench needs no jose internals). */
static EC_KEY *ec_key_of(const struct gh_jwk *k)
{
    char *pem = NULL;
    EC_KEY *ec = NULL;
    if (gh_jwk_to_pem(k, &pem) < 0)
        return NULL;
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *pk = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    if (pk != NULL)
        ec = EVP_PKEY_get1_EC_KEY(pk);
    EVP_PKEY_free(pk);
    BIO_free(b);
    gh_jwk_pem_free(pem);
    return ec;
}

int main(void)
{
    struct gh_jwk *k = NULL;
    struct gh_dpop_keys *keys = NULL;
    struct gh_buf pub, hdr, proof;
    struct gh_jws jws;
    struct gh_dpop_proof out;
    const char *why = NULL;
    char token[900], ath[64], claims[512];
    unsigned char sig[64], md[GH_SHA256_LEN];
    int64_t now = (int64_t)time(NULL);
    gh_buf_init(&pub, 1024);
    gh_buf_init(&hdr, 1024);
    gh_buf_init(&proof, 4096);
    /* an access token of a usual size, and a proof for GET /api/me */
    memset(token, 'A', sizeof(token) - 1);
    token[sizeof(token) - 1] = '\0';
    token[100] = token[700] = '.';
    gh_dpop_ath(token, strlen(token), ath);
    snprintf(claims, sizeof(claims),
             "{\"jti\":\"bench-jti-0123456\",\"htm\":\"GET\",\"htu\":\"http://127.0.0.1:1/api/"
             "me\",\"iat\":%lld,\"ath\":\"%s\"}",
             (long long)now, ath);
    if (gh_jwk_generate(GH_JWA_ES256, &k) < 0 || gh_jwk_public_json(k, &pub) < 0 ||
        gh_buf_printf(&hdr, "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":%s}", pub.p) < 0 ||
        gh_jws_sign_header(k, hdr.p, claims, strlen(claims), &proof) < 0 ||
        gh_jws_parse(proof.p, proof.len, &jws) < 0 || gh_dpop_keys_new(&keys) < 0) {
        fprintf(stderr, "dpop_check: setup failed\n");
        return 1;
    }
    EC_KEY *ec = ec_key_of(k);
    memcpy(sig, jws.sig, sizeof(sig));
    ECDSA_SIG *es = ECDSA_SIG_new();
    if (ec == NULL || es == NULL ||
        ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL)) != 1) {
        fprintf(stderr, "dpop_check: setup failed\n");
        return 1;
    }
    struct gh_dpop_expect e = {.htm = "GET",
                               .htu = "http://127.0.0.1:1/api/me",
                               .token = token,
                               .now = now,
                               .window = 300};
    double floor_us = 1e9, check_us = 1e9;
    for (int r = 0; r < ROUNDS; r++) {
        double t = cpu_us();
        for (int i = 0; i < N; i++) {
            gh_sha256(jws.signing_input, jws.signing_input_len, md);
            if (ECDSA_do_verify(md, sizeof(md), es, ec) != 1) {
                fprintf(stderr, "dpop_check: the floor's verification failed\n");
                return 1;
            }
        }
        t = (cpu_us() - t) / N;
        floor_us = t < floor_us ? t : floor_us;
        t = cpu_us();
        for (int i = 0; i < N; i++) {
            if (gh_dpop_check(keys, proof.p, proof.len, &e, &out, &why) != GH_DPOP_OK) {
                fprintf(stderr, "dpop_check: proof refused: %s\n", why);
                return 1;
            }
        }
        t = (cpu_us() - t) / N;
        check_us = t < check_us ? t : check_us;
    }
    printf("SHA-256 + ECDSA_do_verify (the floor)  %6.1f us\n", floor_us);
    printf("gh_dpop_check, key cached              %6.1f us (%.1f us beyond the floor)\n", check_us,
           check_us - floor_us);
    ECDSA_SIG_free(es);
    EC_KEY_free(ec);
    gh_jws_release(&jws);
    gh_dpop_keys_free(keys);
    gh_jwk_free(k);
    gh_buf_release(&proof);
    gh_buf_release(&hdr);
    gh_buf_release(&pub);
    return 0;
}
