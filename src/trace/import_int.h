/*
 * Private to src/trace/import*.c: the importer's state between reading the
 * HAR's entries (import.c, one entry at a time) and building the flow
 * (import_build.c, once all are read), and the URL and parameter helpers
 * (import_url.c). Nothing here holds a secret in clear after the entry it
 * came from is released.
 */
#ifndef GH_TRACE_IMPORT_INT_H
#define GH_TRACE_IMPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "trace/import.h"
#include "trace/vocab.h"

#define IMP_ORIGIN_MAX 128
#define IMP_URL_MAX 256
#define IMP_ORIGINS 16
#define IMP_FP_LEN 11 /* base64url characters of a fingerprint in attrs */
/* three notes, and per message a call, a reply and perhaps a redirect */
#define IMP_MSGS_MAX ((GH_IMPORT_STEPS_MAX - 3) / 3)

/* One kept message: a request and its response, secret-free. */
struct imp_msg {
    int64_t t_us;
    int32_t dur_us;
    size_t seq; /* entry order, for a stable sort */
    enum gh_meaning m;
    int16_t status;
    uint8_t from, to; /* set when the flow is built */
    uint8_t no_reply;
    uint8_t routed; /* from and to set by the classifier already */
    char origin[IMP_ORIGIN_MAX];
    char label[GH_TRACE_LABEL_MAX];
    char reply[GH_TRACE_LABEL_MAX];
    char attrs[GH_TRACE_ATTRS_MAX];  /* of the request */
    char rattrs[GH_TRACE_ATTRS_MAX]; /* of the response */
};

struct imp_endpoints {
    char authz[IMP_URL_MAX], token[IMP_URL_MAX], userinfo[IMP_URL_MAX], revocation[IMP_URL_MAX],
        end_session[IMP_URL_MAX], jwks[IMP_URL_MAX], par[IMP_URL_MAX];
};

struct imp {
    unsigned char key[32]; /* fingerprint key: random, wiped when done */
    int keep_claims;
    struct imp_msg *msgs;
    size_t n, cap, seq;
    char issuer[256];
    int iss_supported; /* RFC 9207: -1 unknown, 0, 1 */
    struct imp_endpoints ep;
    char as_origins[IMP_ORIGINS][IMP_ORIGIN_MAX];
    size_t n_as;
    char api_origins[IMP_ORIGINS][IMP_ORIGIN_MAX];
    size_t n_api;
    char app_origin[IMP_ORIGIN_MAX];
    char redirect_uri[IMP_URL_MAX]; /* of the first authorization request */
    char client_id[128];
    char par_attrs[GH_TRACE_ATTRS_MAX]; /* facts of the last pushed request */
    char err[200];
};

/* A parsed absolute URL; query and fragment point into the string parsed. */
struct imp_url {
    char origin[IMP_ORIGIN_MAX]; /* "https://host:port", lower-case scheme and host */
    char path[512];              /* as sent, "/" when empty */
    const char *query, *frag;    /* without '?' / '#'; NULL when absent */
    size_t qlen, flen;
    int https, loopback;
};

/* Decoded name=value pairs (application/x-www-form-urlencoded). */
struct imp_kv {
    char **name, **value; /* owned; values are wiped when released */
    size_t n;
};

/* 0, or GH_EINVAL for a URL that is not absolute http(s). base (may be
 * NULL) resolves a relative reference (a Location "/x?y"). */
int imp_url_parse(const char *s, const struct imp_url *base, struct imp_url *u /* OUT */);
/* 1 when url (its origin and path, query ignored) is endpoint. */
int imp_url_is(const struct imp_url *u, const char *endpoint);
/* Parses s[0..n) ("a=b&c=d", '+' a space, bad escapes kept) onto kv. */
int imp_kv_parse(const char *s, size_t n, struct imp_kv *kv);
const char *imp_kv_get(const struct imp_kv *kv, const char *name);
void imp_kv_release(struct imp_kv *kv);

/* Fingerprint of v in attrs form (IMP_FP_LEN + 1 bytes). */
void imp_fp(const struct imp *imp, const char *v, char *out);
/* "#" and the first 4 characters: the form labels show. */
void imp_fp_short(const struct imp *imp, const char *v, char out[8]);
/* Appends the path for a label: printable ASCII, id-like segments (long
 * random-looking ones, which may be handles to a session) fingerprinted,
 * at most max bytes. */
void imp_path_label(const struct imp *imp, const char *path, char *dst, size_t cap, size_t max);
/* Adds origin to the set (no duplicates); 1 when it is in it. */
void imp_origin_add(char set[][IMP_ORIGIN_MAX], size_t *n, const char *origin);
int imp_origin_in(char set[][IMP_ORIGIN_MAX], size_t n, const char *origin);

/* One HAR entry, borrowed from its JSON (valid while the entry is). */
struct imp_entry {
    const char *method, *url;
    int status;
    int64_t t_us;
    int32_t dur_us;
    const char *authz, *req_ctype, *fetch_mode, *rtype;
    const char *location, *cache_control, *acao, *www_auth, *resp_ctype;
    struct imp_url u;
    struct imp_kv query, frag, form;
    json_t *body; /* the response as JSON, owned; NULL when it is not */
    int nav, page_password, page_consent;
};

/* Reads entry index (e, a JSON object) into en. 0, or GH_EINVAL with
 * imp->err for an entry HAR 1.2 says cannot be. Release en in any case. */
int imp_entry_read(struct imp *imp, size_t index, json_t *e, struct imp_entry *en /* OUT */);
void imp_entry_release(struct imp_entry *en);
/* json_string_value of o[key]; NULL-safe. */
const char *imp_str(json_t *o, const char *key);
/* The claims of a JWT, unverified (only nonce and sub are read), or NULL. */
json_t *imp_jwt_claims(const char *jwt);

/* Appends printf text to dst[0..cap), cut to fit. */
void imp_cat(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Builds imp's messages into steps (import_build.c). */
int imp_build(struct imp *imp, struct gh_import *out);

#endif
