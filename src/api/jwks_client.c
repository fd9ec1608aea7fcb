/*
 * The Resource API's view of the issuer's keys: RFC 8414 discovery, then
 * the jwks_uri, over HTTP with libcurl. Keys are parsed once into EVP_PKEY
 * (gh_jwk_from_json) and kept in an immutable, reference-counted set; an
 * unknown kid triggers a refetch at most once per interval, so a stream of
 * bogus kids cannot make the API hammer the issuer. The set is also
 * refreshed every five minutes so retired keys stop verifying.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "api/api.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "jose/jose.h"
#include "core/err.h"

#define MAX_KEYS 32
#define MAX_DOC (256 * 1024)
#define MAX_AGE 300

struct keyset {
    int refs;
    struct gh_jwk *keys[MAX_KEYS];
    size_t n;
};

struct gh_jwks_client {
    char *issuer;
    int64_t interval;
    pthread_mutex_t lock;
    pthread_cond_t fetched; /* signalled when a fetch ends */
    struct keyset *set;
    int64_t last_fetch; /* monotonic seconds, 0 = never */
    int fetching;
};

static void set_put(struct gh_jwks_client *jc, struct keyset *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&jc->lock);
    int last = --s->refs == 0;
    pthread_mutex_unlock(&jc->lock);
    if (!last)
        return;
    for (size_t i = 0; i < s->n; i++)
        gh_jwk_free(s->keys[i]);
    free(s);
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    struct gh_buf *b = arg;
    return gh_buf_append(b, p, size * n) == 0 ? size * n : 0;
}

/* GETs url into a JSON document (new reference) or NULL. */
static json_t *fetch_json(const char *url)
{
    CURL *c = curl_easy_init();
    if (c == NULL)
        return NULL;
    struct gh_buf b;
    gh_buf_init(&b, MAX_DOC);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    long status = 0;
    json_t *doc = NULL;
    if (curl_easy_perform(c) == CURLE_OK &&
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status == 200 &&
        b.p != NULL)
        doc = json_loadb(b.p, b.len, JSON_REJECT_DUPLICATES, NULL);
    if (doc == NULL)
        gh_log(GH_LOG_WARN, "fetch failed", "url", url, NULL);
    gh_buf_release(&b);
    curl_easy_cleanup(c);
    return doc;
}

static struct keyset *load_keys(const char *issuer)
{
    char url[1024];
    gh_metric_inc(GH_M_JWKS_FETCHES);
    snprintf(url, sizeof(url), "%s/.well-known/oauth-authorization-server", issuer);
    json_t *meta = fetch_json(url), *jwks = NULL;
    const char *iss = json_string_value(json_object_get(meta, "issuer"));
    const char *uri = json_string_value(json_object_get(meta, "jwks_uri"));
    struct keyset *s = NULL;
    /* RFC 8414 3.3: the issuer in the metadata must be the one we asked */
    if (iss != NULL && strcmp(iss, issuer) == 0 && uri != NULL)
        jwks = fetch_json(uri);
    json_t *keys = json_object_get(jwks, "keys");
    if (json_is_array(keys) && (s = calloc(1, sizeof(*s))) != NULL) {
        s->refs = 1;
        size_t i;
        json_t *k;
        json_array_foreach(keys, i, k)
        {
            struct gh_jwk *jwk = NULL;
            if (s->n < MAX_KEYS && gh_jwk_from_json(k, &jwk) == 0)
                s->keys[s->n++] = jwk;
        }
    }
    json_decref(meta);
    json_decref(jwks);
    return s;
}

int gh_jwks_client_new(const char *issuer, int64_t interval, struct gh_jwks_client **out)
{
    struct gh_jwks_client *jc = calloc(1, sizeof(*jc));
    if (jc == NULL || (jc->issuer = strdup(issuer)) == NULL) {
        free(jc);
        return GH_ENOMEM;
    }
    jc->interval = interval;
    pthread_mutex_init(&jc->lock, NULL);
    pthread_cond_init(&jc->fetched, NULL);
    *out = jc;
    return 0;
}

void gh_jwks_client_free(struct gh_jwks_client *jc)
{
    if (jc == NULL)
        return;
    set_put(jc, jc->set);
    pthread_mutex_destroy(&jc->lock);
    pthread_cond_destroy(&jc->fetched);
    free(jc->issuer);
    free(jc);
}

/* Refetches unless one happened within the interval (or is under way). */
static int refetch(struct gh_jwks_client *jc, int force_age)
{
    int64_t now = gh_mono_us() / 1000000;
    pthread_mutex_lock(&jc->lock);
    int64_t wait = force_age ? MAX_AGE : jc->interval;
    /* before the first keys arrive, wait for a fetch under way instead of
     * failing the requests that come in meanwhile */
    while (jc->fetching && jc->set == NULL)
        pthread_cond_wait(&jc->fetched, &jc->lock);
    if (jc->fetching || (jc->last_fetch != 0 && now - jc->last_fetch < wait)) {
        pthread_mutex_unlock(&jc->lock);
        return 0;
    }
    jc->fetching = 1;
    jc->last_fetch = now;
    pthread_mutex_unlock(&jc->lock);
    struct keyset *fresh = load_keys(jc->issuer);
    pthread_mutex_lock(&jc->lock);
    struct keyset *old = NULL;
    if (fresh != NULL) {
        old = jc->set;
        jc->set = fresh;
    }
    jc->fetching = 0;
    pthread_cond_broadcast(&jc->fetched);
    pthread_mutex_unlock(&jc->lock);
    set_put(jc, old);
    return fresh != NULL ? 1 : GH_EUNAVAIL;
}

static struct keyset *current(struct gh_jwks_client *jc)
{
    pthread_mutex_lock(&jc->lock);
    struct keyset *s = jc->set;
    if (s != NULL)
        s->refs++;
    pthread_mutex_unlock(&jc->lock);
    return s;
}

static const struct gh_jwk *find(const struct keyset *s, const char *kid)
{
    for (size_t i = 0; s != NULL && i < s->n; i++)
        if (strcmp(gh_jwk_kid(s->keys[i]), kid) == 0)
            return s->keys[i];
    return NULL;
}

int gh_jwks_client_verify(struct gh_jwks_client *jc, const struct gh_jws *jws, int *fetched)
{
    *fetched = 0;
    refetch(jc, 1); /* periodic refresh; cheap when not due */
    struct keyset *s = current(jc);
    const struct gh_jwk *k = find(s, jws->kid);
    int rc = 0;
    if (k == NULL) {
        set_put(jc, s);
        rc = refetch(jc, 0);
        *fetched = rc > 0;
        s = current(jc);
        k = find(s, jws->kid);
    }
    if (k == NULL)
        rc = s == NULL ? GH_EUNAVAIL : GH_ENOTFOUND; /* no keys yet: the issuer is down */
    else
        rc = gh_jws_verify(k, jws) == 0 ? 0 : GH_EINVAL;
    set_put(jc, s);
    return rc;
}
