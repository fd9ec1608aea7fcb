/*
 * libFuzzer driver: the Resource API's bearer validation path — compact JWS
 * parsing and verification (src/jose/jws.c, RFC 7515, RFC 8725) and the
 * claim checks of src/api/api.c (RFC 9068 4) through gh_api_check_token,
 * against a fixed key set (ES256, EdDSA, RS256) loaded once.
 *
 * Two modes, chosen by the first byte:
 *   0x00..0x0b  sign mode: the rest is a payload; the driver signs it with
 *               key (byte % 3) and typ (byte / 3) and validates the result,
 *               so mutated claims reach the claim parser with a valid
 *               signature;
 *   otherwise   token mode: the whole input is the token.
 * Invariants: what gh_jws_sign makes, gh_jws_parse takes back unchanged
 * and only the signing key verifies; in token mode at most one key
 * verifies, and the API accepts a token only if that key does; a rejected
 * token always comes with a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "api/api.h"
#include "core/buf.h"
#include "core/err.h"
#include "jose/jose.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            GH_BUG("fuzz invariant failed: " #c);                                                  \
    } while (0)

/* Fixed test keys, so that seed tokens in fuzz/corpus/fuzz_jws stay valid.
 * They sign nothing but fuzz inputs. */
static const char pem_ec[] = "-----BEGIN PRIVATE KEY-----\n"
                             "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjYkLU2/LM/dT03Dr\n"
                             "VfuVMKYs4OA+D9lpj3s3+H6tamShRANCAARoZuamzop+imj1y5ls9VVwISjgDPpZ\n"
                             "kMWy8r7WXRSdZRte2EjVVQNNXMUKN1A6upAEYg9yj/fBcpeDrUVx4AMX\n"
                             "-----END PRIVATE KEY-----\n";
static const char pem_ed[] = "-----BEGIN PRIVATE KEY-----\n"
                             "MC4CAQAwBQYDK2VwBCIEIEfCq8QaFvWDueY8yTUurw+hW/64nb9N8dJBD1Jd7wil\n"
                             "-----END PRIVATE KEY-----\n";
static const char pem_rsa[] = "-----BEGIN PRIVATE KEY-----\n"
                              "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDVpyWg9PaBlDYq\n"
                              "wcQJSqAftuFW/IIv/hxZC6CxjT+jOvffwgpGiSLsDFulPI6Iep6mI2tY6uqVArgH\n"
                              "xjeRe5WILUUawZquifrrW04vIf42i7JqEVcuUEnNmOgtt/JLEHYGHQ9Cprn+kROz\n"
                              "BnC8+hNQx3jbgSveK9uuxBzQSALLCux4CcTl53hSkligTINpairDsKQRVIzz0+PY\n"
                              "OfONjV34qBjhkr/qPdQxaHNUNjDrlrwFZzx2Au1bT0xk18QjgEpNs2fVIg4zHKEX\n"
                              "jeXewJnbQAC2VCL6rDXBk23rnd7PVriwQdzc4X2o4sAN6mczhTauI+EFBL4QXTGf\n"
                              "OuwBUU3lAgMBAAECggEAIPYeR0h7jk6uE6ccph1R+kqV1bxznlFbEL7LPhEvT/C9\n"
                              "RJNUUAEAtv+KFQI0cChQuQtuWIO3iKEogKSLNqHlFiL7zg6v3T0SzcQimgFpzYL8\n"
                              "VcJSm6XN2Q79xO3jzsJdnwBVNiBwQe6iZiR4eKMxHy2C/wRc3vQPupTtaBGwAqBm\n"
                              "4+b2Fe7SbwuvGLHf+qNSP4433JRYkJDpb5/BGhjYp5MmGTlotqkgfELLOrGPa0lF\n"
                              "g2awmrdeRD2m2aHP8DDLcZozMtqxOjmUzqXSr31uM5hPafEPdbyeYUGq4/lui4lx\n"
                              "uHntleEI/GvCwwMQnM7XbsbrPUvzMAsNny6DqcUiAQKBgQDsdh+/zvSlgJL4FPTU\n"
                              "044trcriyxUWlhErYHdBfcMxiTeRGT1faOACfCBggIsMncDfkgBp82EiLULOJQLz\n"
                              "D/qCtw7IlRH5OPt8fkgnJaIeN83PIy2Q1A8z1PeBjaUskyyKmrAX3eu8U+0rIGEy\n"
                              "Nms6K0DhcsqLptoC/xuld8+/5QKBgQDnTo3QBcCmWYygCuWgIKj3WPHQxm3rj2gW\n"
                              "zSVhFkq2+TIc/N14qJCzlkVIRT0P4z9uDZLkEmDZcDk+RBF3zj+ltqSz/FETQ4Xr\n"
                              "oVO9AZFxEr6NDE/WhnIp8E316LIV818I0nmekNEVTI9Cu8zOn/Ow0/n4FxMMAkQG\n"
                              "SrDAzfZ2AQKBgQCVzKeEbemSx4dT3oLUKUnTKlxznNA5RMyPvEcQmEmGIjWvmFvH\n"
                              "C7uOF3Czcfuk/HNprybP+D06142Q5uWdcivzj2CwNa/zQOQhFCdFlZPErPmXFeQR\n"
                              "8iXHYk2CJ2fSe1ImZKTWGeLzpf+D6LlqhAseCLTLnlsuaX+HknHDO8nC+QKBgAFI\n"
                              "4mjBX2yNGsbYyKW3CLk2+UDbmUixpzZZNVfws8GIaMrYbLJ63TLiJshb+hbYgEWw\n"
                              "NZymrXsHsImz/xTXRGs7NHb7c8fTnC7O2pQ2KgSiwgQuiVL7tC6fcw9ml3afv2th\n"
                              "H+PNkhu4LSOFv4F2Sfg1dTH3jteGO7J9P7YSbsgBAoGBAN5K/XCM5TY35099WUUR\n"
                              "ig6pSHh+Wjhyx4UfbW9V+D6JN+jlzx71ZfSl9ggg7DSPXO5fO/kvk8mGarrgc1Gm\n"
                              "ldjIiKdnEeQYmX7vPfbbz+Am8B+RXCC5kj9KX5hR8X4DEph7BGzRYyrMlq4Urig3\n"
                              "/KtcDoeq9XjILHROpYLIztSq\n"
                              "-----END PRIVATE KEY-----\n";

#define ISSUER "https://as.example"
#define AUDIENCE "https://api.example"

static struct gh_jwk *keys[3];
static struct gh_api *api;
static const char *const typs[] = {"at+jwt", "application/at+jwt", "JWT", NULL};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *pems[] = {pem_ec, pem_ed, pem_rsa};
    const enum gh_jwa algs[] = {GH_JWA_ES256, GH_JWA_EDDSA, GH_JWA_RS256};
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < 3; i++) {
        CHECK(gh_jwk_from_pem(pems[i], strlen(pems[i]), &keys[i]) == 0);
        CHECK(gh_jwk_alg(keys[i]) == algs[i]);
    }
    struct gh_api_cfg cfg = {
        .issuer = ISSUER, .audience = AUDIENCE, .leeway = 30, .refetch_interval = 10};
    CHECK(gh_api_new(&cfg, &api) == 0);
    return 0;
}

/* Number of keys that verify jws; the index of the last one in *which. */
static int verifiers(const struct gh_jws *jws, int *which)
{
    int n = 0;
    for (int i = 0; i < 3; i++) {
        if (gh_jws_verify(keys[i], jws) == 0) {
            n++;
            *which = i;
        }
        CHECK(ERR_peek_error() == 0);
    }
    return n;
}

/* Signs payload with key k and typ t; checks the parse round trip. */
static char *sign_mode(int k, const char *typ, const uint8_t *payload, size_t n)
{
    struct gh_buf out;
    struct gh_jws jws;
    int which = -1;
    gh_buf_init(&out, 1 << 20);
    CHECK(gh_jws_sign(keys[k], typ, (const char *)payload, n, &out) == 0);
    int rc = gh_jws_parse(out.p, out.len, &jws);
    if (out.len > GH_JWS_MAX) {
        CHECK(rc == GH_EINVAL);
    } else {
        CHECK(rc == 0);
        CHECK(jws.payload_len == n && memcmp(jws.payload, payload, n) == 0);
        CHECK(jws.alg == gh_jwk_alg(keys[k]));
        CHECK(strcmp(jws.typ, typ ? typ : "") == 0);
        CHECK(strcmp(jws.kid, gh_jwk_kid(keys[k])) == 0);
        CHECK(verifiers(&jws, &which) == 1 && which == k);
    }
    gh_jws_release(&jws);
    return gh_buf_steal(&out, NULL);
}

/* Parses the raw input as a token; returns the verifying key or -1. */
static int token_mode(const uint8_t *data, size_t size)
{
    struct gh_jws jws;
    int which = -1;
    if (gh_jws_parse((const char *)data, size, &jws) == 0) {
        CHECK(jws.payload != NULL && strlen(jws.payload) <= jws.payload_len);
        CHECK(jws.signing_input_len < size);
        CHECK(verifiers(&jws, &which) <= 1);
    }
    CHECK(ERR_peek_error() == 0);
    gh_jws_release(&jws);
    return which;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *token;
    int signer = -1;
    if (size > 0 && data[0] < 12) {
        signer = data[0] % 3;
        token = sign_mode(signer, typs[data[0] / 3], data + 1, size - 1);
    } else {
        signer = token_mode(data, size);
        token = malloc(size + 1);
        if (token != NULL) {
            memcpy(token, data, size);
            token[size] = '\0';
        }
    }
    if (token == NULL)
        return 0;
    const char *why = NULL;
    int rc = gh_api_check_token(api, (const struct gh_jwk *const *)keys, 3, token, &why);
    CHECK(rc == 0 || (rc < 0 && why != NULL));
    /* the API accepts only what one of the keys signed; a token with a NUL
     * is cut there by the API, so its verdict may differ from the raw one */
    if (rc == 0 && memchr(data, '\0', size) == NULL)
        CHECK(signer >= 0);
    CHECK(ERR_peek_error() == 0);
    free(token);
    return 0;
}
