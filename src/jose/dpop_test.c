/*
 * Unit tests for DPoP proofs (RFC 9449 4.3): one passing proof for each
 * alg, then each rule broken on its own (typ, alg, jwk, signature, jti,
 * htm, htu, iat, ath, nonce) and the header cache (a cached header still
 * needs its key's signature; threads share it); the request-level check
 * (one proof, a bound token, its key); server nonces rotate.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64url.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/test.h"
#include "jose/dpop.h"

#define URL "https://as.example/token"
#define NOW 1700000000

/* A proof signed by k with header fields hdr_extra (after typ, alg and jwk,
 * or replacing them when hdr is set) and claims, into out. */
struct mk {
    const char *typ;     /* NULL: "dpop+jwt" */
    const char *alg;     /* NULL: the key's */
    const char *jwk_add; /* appended inside the jwk object, e.g. ",\"d\":\"x\"" */
    int no_jwk;
    const struct gh_jwk *jwk_of; /* the key in the header (NULL: k) */
};

static int proof(const struct gh_jwk *k, const struct mk *m, const char *claims, struct gh_buf *out)
{
    struct gh_buf jwk, hdr;
    gh_buf_init(&jwk, 8192);
    gh_buf_init(&hdr, 8192);
    gh_buf_reset(out);
    int rc = gh_jwk_public_json(m && m->jwk_of ? m->jwk_of : k, &jwk);
    if (rc == 0 && m && m->jwk_add) { /* drop the closing brace, add, close */
        jwk.len--;
        rc = gh_buf_printf(&jwk, "%s}", m->jwk_add);
    }
    if (rc == 0)
        rc =
            gh_buf_printf(&hdr, "{\"typ\":\"%s\",\"alg\":\"%s\"", m && m->typ ? m->typ : "dpop+jwt",
                          m && m->alg ? m->alg : gh_jwa_name(gh_jwk_alg(k)));
    if (rc == 0 && !(m && m->no_jwk))
        rc = gh_buf_printf(&hdr, ",\"jwk\":%s", jwk.p);
    if (rc == 0)
        rc = gh_buf_putc(&hdr, '}');
    if (rc == 0)
        rc = gh_jws_sign_header(k, hdr.p, claims, strlen(claims), out);
    gh_buf_release(&jwk);
    gh_buf_release(&hdr);
    return rc;
}

static const char *claims_of(char *buf, size_t n, const char *htm, const char *htu, long long iat,
                             const char *extra)
{
    snprintf(buf, n, "{\"jti\":\"j-%lld-%s\",\"htm\":\"%s\",\"htu\":\"%s\",\"iat\":%lld%s}", iat,
             htm, htm, htu, iat, extra ? extra : "");
    return buf;
}

static enum gh_dpop_result run(struct gh_dpop_keys *keys, const struct gh_buf *p, const char *token,
                               const unsigned char *nonce_key, struct gh_dpop_proof *out,
                               const char **why)
{
    struct gh_dpop_expect e = {.htm = "POST",
                               .htu = URL,
                               .token = token,
                               .now = NOW,
                               .window = 300,
                               .nonce_key = nonce_key};
    return gh_dpop_check(keys, p->p, p->len, &e, out, why);
}

GH_TEST(dpop_valid_each_alg_and_cached)
{
    static const enum gh_jwa algs[] = {GH_JWA_ES256, GH_JWA_EDDSA, GH_JWA_RS256};
    struct gh_dpop_keys *keys = NULL;
    ASSERT_INT_EQ(gh_dpop_keys_new(&keys), 0);
    for (size_t i = 0; i < 3; i++) {
        struct gh_jwk *k = NULL;
        struct gh_buf p;
        struct gh_dpop_proof out;
        const char *why = NULL;
        char c[512], tp[64];
        ASSERT_INT_EQ(gh_jwk_generate(algs[i], &k), 0);
        gh_buf_init(&p, 16384);
        ASSERT_INT_EQ(proof(k, NULL, claims_of(c, sizeof(c), "POST", URL, NOW, NULL), &p), 0);
        for (int round = 0; round < 2; round++) { /* import, then cache hit */
            why = NULL;
            ASSERT_INT_EQ(run(keys, &p, NULL, NULL, &out, &why), GH_DPOP_OK);
            ASSERT_TRUE(why == NULL); /* nothing to say about a good proof */
            ASSERT_INT_EQ(gh_jwk_thumbprint(k, tp, sizeof(tp)), 0);
            ASSERT_STR_EQ(out.jkt, tp);
            ASSERT_INT_EQ(out.iat, NOW);
        }
        ASSERT_INT_EQ(run(NULL, &p, NULL, NULL, &out, &why), GH_DPOP_OK);
        gh_buf_release(&p);
        gh_jwk_free(k);
    }
    gh_dpop_keys_free(keys);
}

/* One broken rule per row: the proof must be refused with or without the
 * key already in the cache. */
GH_TEST(dpop_rejects_each_rule)
{
    struct gh_jwk *k = NULL, *other = NULL;
    struct gh_dpop_keys *keys = NULL;
    struct gh_buf p;
    struct gh_dpop_proof out;
    const char *why;
    char c[512];
    ASSERT_INT_EQ(gh_jwk_generate(GH_JWA_ES256, &k), 0);
    ASSERT_INT_EQ(gh_jwk_generate(GH_JWA_ES256, &other), 0);
    ASSERT_INT_EQ(gh_dpop_keys_new(&keys), 0);
    gh_buf_init(&p, 16384);
    /* warm the cache with k */
    ASSERT_INT_EQ(proof(k, NULL, claims_of(c, sizeof(c), "POST", URL, NOW, NULL), &p), 0);
    ASSERT_INT_EQ(run(keys, &p, NULL, NULL, &out, &why), GH_DPOP_OK);
    struct {
        struct mk m;
        const char *htm, *htu;
        long long iat;
        const char *extra;
    } rows[] = {
        {{.typ = "JWT"}, "POST", URL, NOW, NULL},
        {{.typ = "at+jwt"}, "POST", URL, NOW, NULL},
        {{.alg = "HS256"}, "POST", URL, NOW, NULL},
        {{.alg = "none"}, "POST", URL, NOW, NULL},
        {{.alg = "EdDSA"}, "POST", URL, NOW, NULL},
        {{.jwk_add = ",\"d\":\"AAAA\""}, "POST", URL, NOW, NULL},
        {{.jwk_add = ",\"k\":\"AAAA\""}, "POST", URL, NOW, NULL},
        {{.no_jwk = 1}, "POST", URL, NOW, NULL},
        {{.jwk_of = NULL}, "GET", URL, NOW, NULL},
        {{.jwk_of = NULL}, "post", URL, NOW, NULL},
        {{.jwk_of = NULL}, "POST", "https://as.example/token/", NOW, NULL},
        {{.jwk_of = NULL}, "POST", "https://other.example/token", NOW, NULL},
        {{.jwk_of = NULL}, "POST", "http://as.example/token", NOW, NULL},
        {{.jwk_of = NULL}, "POST", URL, NOW - 301, NULL},
        {{.jwk_of = NULL}, "POST", URL, NOW + 301, NULL},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        ASSERT_INT_EQ(
            proof(k, &rows[i].m,
                  claims_of(c, sizeof(c), rows[i].htm, rows[i].htu, rows[i].iat, rows[i].extra),
                  &p),
            0);
        if (run(keys, &p, NULL, NULL, &out, &why) != GH_DPOP_INVALID)
            GH_FAIL_("row %zu passed", i);
        if (run(NULL, &p, NULL, NULL, &out, &why) != GH_DPOP_INVALID)
            GH_FAIL_("row %zu passed without the cache", i);
        ASSERT_INT_EQ(out.jkt[0], 0);
    }
    /* the header's key is another one than the signer's */
    struct mk swapped = {.jwk_of = other};
    ASSERT_INT_EQ(proof(k, &swapped, claims_of(c, sizeof(c), "POST", URL, NOW, NULL), &p), 0);
    ASSERT_INT_EQ(run(keys, &p, NULL, NULL, &out, &why), GH_DPOP_INVALID);
    ASSERT_STR_EQ(why, "bad signature");
    /* the cached header of k, byte for byte, on a proof signed by another
     * key: a header seen before vouches for nothing but itself */
    struct mk forged = {.jwk_of = k};
    ASSERT_INT_EQ(proof(other, &forged, claims_of(c, sizeof(c), "POST", URL, NOW, NULL), &p), 0);
    ASSERT_INT_EQ(run(keys, &p, NULL, NULL, &out, &why), GH_DPOP_INVALID);
    ASSERT_STR_EQ(why, "bad signature");
    ASSERT_INT_EQ(run(NULL, &p, NULL, NULL, &out, &why), GH_DPOP_INVALID);
    ASSERT_STR_EQ(why, "bad signature");
    /* the cached header with a body that is not two more parts */
    ASSERT_INT_EQ(proof(k, NULL, claims_of(c, sizeof(c), "POST", URL, NOW, NULL), &p), 0);
    ASSERT_INT_EQ(gh_buf_append(&p, ".x", 2), 0);
    ASSERT_INT_EQ(run(keys, &p, NULL, NULL, &out, &why), GH_DPOP_INVALID);
    ASSERT_STR_EQ(why, "malformed proof or algorithm not allowed");
    *strrchr(p.p, '.') = '\0';
    p.len = strlen(p.p);
    ASSERT_INT_EQ(run(keys, &p, NULL, NULL, &out, &why), GH_DPOP_OK);
    /* no jti, iat not a number */
    ASSERT_INT_EQ(proof(k, NULL, "{\"htm\":\"POST\",\"htu\":\"" URL "\",\"iat\":1700000000}", &p),
                  0);
    ASSERT_INT_EQ(run(keys, &p, NULL, NULL, &out, &why), GH_DPOP_INVALID);
    ASSERT_INT_EQ(
        proof(k, NULL,
              "{\"jti\":\"a\",\"htm\":\"POST\",\"htu\":\"" URL "\",\"iat\":\"1700000000\"}", &p),
        0);
    ASSERT_INT_EQ(run(keys, &p, NULL, NULL, &out, &why), GH_DPOP_INVALID);
    /* garbage, empty, oversized */
    ASSERT_INT_EQ(gh_dpop_check(keys, "a.b.c", 5,
                                &(struct gh_dpop_expect){.htm = "POST", .htu = URL}, &out, &why),
                  GH_DPOP_INVALID);
    ASSERT_INT_EQ(
        gh_dpop_check(keys, "", 0, &(struct gh_dpop_expect){.htm = "POST", .htu = URL}, &out, &why),
        GH_DPOP_INVALID);
    gh_buf_release(&p);
    gh_dpop_keys_free(keys);
    gh_jwk_free(other);
    gh_jwk_free(k);
}

GH_TEST(dpop_htu_query_fragment_and_case)
{
    struct gh_jwk *k = NULL;
    struct gh_buf p;
    struct gh_dpop_proof out;
    const char *why;
    char c[512];
    const char *ok[] = {"https://as.example/token?x=1", "https://as.example/token#f",
                        "HTTPS://AS.Example/token"};
    ASSERT_INT_EQ(gh_jwk_generate(GH_JWA_EDDSA, &k), 0);
    gh_buf_init(&p, 16384);
    for (size_t i = 0; i < 3; i++) {
        ASSERT_INT_EQ(proof(k, NULL, claims_of(c, sizeof(c), "POST", ok[i], NOW, NULL), &p), 0);
        ASSERT_INT_EQ(run(NULL, &p, NULL, NULL, &out, &why), GH_DPOP_OK);
    }
    ASSERT_INT_EQ(
        proof(k, NULL, claims_of(c, sizeof(c), "POST", "https://as.example/TOKEN", NOW, NULL), &p),
        0);
    ASSERT_INT_EQ(run(NULL, &p, NULL, NULL, &out, &why), GH_DPOP_INVALID);
    gh_buf_release(&p);
    gh_jwk_free(k);
}

GH_TEST(dpop_ath)
{
    struct gh_jwk *k = NULL;
    struct gh_buf p;
    struct gh_dpop_proof out;
    const char *why;
    char c[512], ath[64], extra[96];
    const char *token = "eyJ.token.x";
    ASSERT_INT_EQ(gh_jwk_generate(GH_JWA_ES256, &k), 0);
    gh_buf_init(&p, 16384);
    gh_dpop_ath(token, strlen(token), ath);
    /* RFC 9449 4.2: base64url(SHA-256), 43 characters */
    ASSERT_INT_EQ(strlen(ath), 43);
    snprintf(extra, sizeof(extra), ",\"ath\":\"%s\"", ath);
    ASSERT_INT_EQ(proof(k, NULL, claims_of(c, sizeof(c), "POST", URL, NOW, extra), &p), 0);
    ASSERT_INT_EQ(run(NULL, &p, token, NULL, &out, &why), GH_DPOP_OK);
    ASSERT_INT_EQ(run(NULL, &p, "another.token.x", NULL, &out, &why), GH_DPOP_INVALID);
    ASSERT_INT_EQ(proof(k, NULL, claims_of(c, sizeof(c), "POST", URL, NOW, NULL), &p), 0);
    ASSERT_INT_EQ(run(NULL, &p, token, NULL, &out, &why), GH_DPOP_INVALID);
    ASSERT_STR_EQ(why, "missing ath");
    gh_buf_release(&p);
    gh_jwk_free(k);
}

GH_TEST(dpop_nonce)
{
    unsigned char key[32], key2[32];
    char n[GH_DPOP_NONCE_LEN + 1], n_old[GH_DPOP_NONCE_LEN + 1], extra[96], c[512];
    struct gh_jwk *k = NULL;
    struct gh_buf p;
    struct gh_dpop_proof out;
    const char *why;
    ASSERT_INT_EQ(gh_dpop_nonce_key((const unsigned char *)"secret", 6, key), 0);
    ASSERT_INT_EQ(gh_dpop_nonce_key((const unsigned char *)"secreT", 6, key2), 0);
    ASSERT_INT_EQ(gh_dpop_nonce(key, NOW, n), 0);
    ASSERT_INT_EQ(strlen(n), GH_DPOP_NONCE_LEN);
    ASSERT_INT_EQ(gh_dpop_nonce_valid(key, NOW, n), 1);
    ASSERT_INT_EQ(gh_dpop_nonce_valid(key, NOW + GH_DPOP_NONCE_SLOT, n), 1);
    ASSERT_INT_EQ(gh_dpop_nonce_valid(key, NOW + 2 * GH_DPOP_NONCE_SLOT + 1, n), 0);
    ASSERT_INT_EQ(gh_dpop_nonce_valid(key2, NOW, n), 0);
    ASSERT_INT_EQ(gh_dpop_nonce_valid(key, NOW, "short"), 0);
    ASSERT_INT_EQ(gh_dpop_nonce(key, NOW - 3 * GH_DPOP_NONCE_SLOT, n_old), 0);
    ASSERT_TRUE(strcmp(n, n_old) != 0); /* it rotates */
    ASSERT_INT_EQ(gh_jwk_generate(GH_JWA_ES256, &k), 0);
    gh_buf_init(&p, 16384);
    ASSERT_INT_EQ(proof(k, NULL, claims_of(c, sizeof(c), "POST", URL, NOW, NULL), &p), 0);
    ASSERT_INT_EQ(run(NULL, &p, NULL, key, &out, &why), GH_DPOP_NONCE);
    snprintf(extra, sizeof(extra), ",\"nonce\":\"%s\"", n_old);
    ASSERT_INT_EQ(proof(k, NULL, claims_of(c, sizeof(c), "POST", URL, NOW, extra), &p), 0);
    ASSERT_INT_EQ(run(NULL, &p, NULL, key, &out, &why), GH_DPOP_NONCE);
    snprintf(extra, sizeof(extra), ",\"nonce\":\"%s\"", n);
    ASSERT_INT_EQ(proof(k, NULL, claims_of(c, sizeof(c), "POST", URL, NOW, extra), &p), 0);
    ASSERT_INT_EQ(run(NULL, &p, NULL, key, &out, &why), GH_DPOP_OK);
    /* a nonce is no substitute for the other rules */
    ASSERT_INT_EQ(proof(k, NULL, claims_of(c, sizeof(c), "GET", URL, NOW, extra), &p), 0);
    ASSERT_INT_EQ(run(NULL, &p, NULL, key, &out, &why), GH_DPOP_INVALID);
    gh_buf_release(&p);
    gh_jwk_free(k);
}

/* The check of one request as an endpoint makes it: one proof, htu from
 * base and path, at a resource a bound token and its key. */
GH_TEST(dpop_request_check)
{
    struct gh_jwk *k = NULL;
    struct gh_dpop_keys *keys = NULL;
    struct gh_buf p;
    struct gh_dpop_use use;
    const char *why = NULL;
    char c[512], ath[64], extra[96], jkt[GH_DPOP_JKT_LEN + 1], path[3000];
    unsigned char th[GH_SHA256_LEN];
    const char *token = "eyJ.token.x";
    ASSERT_INT_EQ(gh_jwk_generate(GH_JWA_ES256, &k), 0);
    ASSERT_INT_EQ(gh_jwk_thumbprint(k, jkt, sizeof(jkt)), 0);
    ASSERT_INT_EQ(gh_dpop_keys_new(&keys), 0);
    gh_buf_init(&p, 16384);
    gh_dpop_ath(token, strlen(token), ath);
    snprintf(extra, sizeof(extra), ",\"ath\":\"%s\"", ath);
    ASSERT_INT_EQ(proof(k, NULL, claims_of(c, sizeof(c), "POST", URL, NOW, extra), &p), 0);
    struct gh_dpop_request q = {.proof = p.p,
                                .n_proofs = 1,
                                .htm = "POST",
                                .base = "https://as.example",
                                .path = "/token",
                                .token = token,
                                .cnf_jkt = jkt,
                                .now = NOW,
                                .window = 300};
    for (int round = 0; round < 2; round++) { /* the hash computed, then given */
        ASSERT_INT_EQ(gh_dpop_request_check(keys, &q, &use, &why), GH_DPOP_OK);
        ASSERT_STR_EQ(use.jkt, jkt);
        ASSERT_INT_EQ(use.expires_at, NOW + 301);
        gh_sha256(token, strlen(token), th);
        q.token_hash = th;
    }
    th[0] ^= 1; /* ath is checked against the hash the caller gives */
    ASSERT_INT_EQ(gh_dpop_request_check(keys, &q, &use, &why), GH_DPOP_INVALID);
    ASSERT_STR_EQ(why, "ath does not match the access token");
    th[0] ^= 1;
    struct {
        const char *proof, *cnf, *path;
        int n;
        const char *why;
    } rows[] = {
        {p.p, "", "/token", 1, "the access token is not DPoP-bound"},
        {NULL, jkt, "/token", 0, "missing DPoP proof"},
        {p.p, jkt, "/token", 2, "more than one DPoP header"},
        {p.p, jkt, "/token/", 1, "htu does not match the request URL"},
        {p.p, jkt, path, 1, "htu does not match the request URL"},
        {p.p, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/token", 1,
         "the DPoP proof's key is not the one the token is bound to (cnf.jkt)"},
    };
    memset(path, 'a', sizeof(path) - 1); /* a URL longer than any htu */
    path[0] = '/';
    path[sizeof(path) - 1] = '\0';
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct gh_dpop_request bad = q;
        bad.proof = rows[i].proof;
        bad.cnf_jkt = rows[i].cnf;
        bad.path = rows[i].path;
        bad.n_proofs = rows[i].n;
        if (gh_dpop_request_check(keys, &bad, &use, &why) != GH_DPOP_INVALID)
            GH_FAIL_("row %zu passed", i);
        ASSERT_STR_EQ(why, rows[i].why);
        ASSERT_INT_EQ(use.jkt[0], 0);
    }
    /* the token endpoint: no token, no binding to match */
    ASSERT_INT_EQ(proof(k, NULL, claims_of(c, sizeof(c), "POST", URL, NOW - 5, NULL), &p), 0);
    struct gh_dpop_request at_token = {.proof = p.p,
                                       .n_proofs = 1,
                                       .htm = "POST",
                                       .base = "https://as.example",
                                       .path = "/token",
                                       .now = NOW,
                                       .window = 60};
    ASSERT_INT_EQ(gh_dpop_request_check(keys, &at_token, &use, &why), GH_DPOP_OK);
    ASSERT_STR_EQ(use.jkt, jkt);
    ASSERT_INT_EQ(use.expires_at, NOW - 5 + 61);
    gh_buf_release(&p);
    gh_dpop_keys_free(keys);
    gh_jwk_free(k);
}

struct worker {
    struct gh_dpop_keys *keys;
    const struct gh_buf *proofs; /* two, by two keys */
    int ok;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct gh_dpop_proof out;
    const char *why;
    for (int i = 0; i < 40; i++)
        w->ok += run(w->keys, &w->proofs[i % 2], NULL, NULL, &out, &why) == GH_DPOP_OK;
    return NULL;
}

/* Threads share the cache: one key's entry used by more threads at once
 * than it has verifiers (the others verify as gh_jws_verify does). */
GH_TEST(dpop_cache_threads)
{
    struct gh_jwk *k[2] = {NULL, NULL};
    struct gh_buf p[2];
    struct gh_dpop_keys *keys = NULL;
    struct worker w[6];
    pthread_t t[6];
    char c[512];
    ASSERT_INT_EQ(gh_dpop_keys_new(&keys), 0);
    for (int i = 0; i < 2; i++) {
        ASSERT_INT_EQ(gh_jwk_generate(GH_JWA_ES256, &k[i]), 0);
        gh_buf_init(&p[i], 16384);
        ASSERT_INT_EQ(proof(k[i], NULL, claims_of(c, sizeof(c), "POST", URL, NOW, NULL), &p[i]), 0);
    }
    for (int i = 0; i < 6; i++) {
        w[i] = (struct worker){keys, p, 0};
        ASSERT_INT_EQ(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join(t[i], NULL);
        ASSERT_INT_EQ(w[i].ok, 40);
    }
    for (int i = 0; i < 2; i++) {
        gh_buf_release(&p[i]);
        gh_jwk_free(k[i]);
    }
    gh_dpop_keys_free(keys);
}
