/*
 * URL and parameter helpers of the HAR importer (import_int.h): absolute
 * http(s) URLs split into origin, path, query and fragment (RFC 3986 3),
 * form and query decoding (application/x-www-form-urlencoded, lenient: a
 * browser's HAR is what it is), keyed fingerprints and label-safe paths.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>

#include "core/b64url.h"
#include "core/err.h"
#include "trace/import_int.h"

void imp_cat(char *dst, size_t cap, const char *fmt, ...)
{
    size_t len = strnlen(dst, cap);
    if (len + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst + len, cap - len, fmt, ap);
    va_end(ap);
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* host[:port] of s[0..n) into origin with scheme; the default port dropped. */
static int make_origin(struct imp_url *u, const char *scheme, const char *s, size_t n)
{
    if (n == 0 || n >= IMP_ORIGIN_MAX - 16)
        return GH_EINVAL;
    const char *at = memchr(s, '@', n); /* userinfo is no part of the origin */
    if (at != NULL) {
        n -= (size_t)(at + 1 - s);
        s = at + 1;
    }
    snprintf(u->origin, sizeof(u->origin), "%s://%.*s", scheme, (int)n, s);
    lower(u->origin);
    size_t len = strlen(u->origin);
    const char *dflt = u->https ? ":443" : ":80";
    if (len > 4 && strcmp(u->origin + len - strlen(dflt), dflt) == 0)
        u->origin[len - strlen(dflt)] = '\0';
    const char *host = u->origin + strlen(scheme) + 3;
    u->loopback = strncmp(host, "127.", 4) == 0 || strncmp(host, "localhost", 9) == 0 ||
                  strncmp(host, "[::1]", 5) == 0;
    return 0;
}

static void split_rest(struct imp_url *u, const char *p)
{
    size_t plen = strcspn(p, "?#");
    snprintf(u->path, sizeof(u->path), "%.*s", (int)plen, plen ? p : "/");
    if (plen == 0)
        snprintf(u->path, sizeof(u->path), "/");
    p += plen;
    u->query = u->frag = NULL;
    u->qlen = u->flen = 0;
    if (*p == '?') {
        u->query = p + 1;
        u->qlen = strcspn(u->query, "#");
        p = u->query + u->qlen;
    }
    if (*p == '#') {
        u->frag = p + 1;
        u->flen = strlen(u->frag);
    }
}

int imp_url_parse(const char *s, const struct imp_url *base, struct imp_url *u)
{
    memset(u, 0, sizeof(*u));
    if (s == NULL)
        return GH_EINVAL;
    const char *scheme = NULL;
    if (strncasecmp(s, "https://", 8) == 0) {
        scheme = "https";
        u->https = 1;
        s += 8;
    } else if (strncasecmp(s, "http://", 7) == 0) {
        scheme = "http";
        s += 7;
    }
    if (scheme == NULL) {
        if (base == NULL || s[0] != '/' || s[1] == '/')
            return GH_EINVAL;
        memcpy(u->origin, base->origin, sizeof(u->origin));
        u->https = base->https;
        u->loopback = base->loopback;
        split_rest(u, s);
        return 0;
    }
    size_t hn = strcspn(s, "/?#");
    if (make_origin(u, scheme, s, hn) < 0)
        return GH_EINVAL;
    split_rest(u, s + hn);
    return 0;
}

int imp_url_is(const struct imp_url *u, const char *endpoint)
{
    struct imp_url e;
    if (endpoint == NULL || endpoint[0] == '\0' || imp_url_parse(endpoint, NULL, &e) < 0)
        return 0;
    return strcmp(u->origin, e.origin) == 0 && strcmp(u->path, e.path) == 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static char *decode(const char *s, size_t n)
{
    char *out = malloc(n + 1), *w = out;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '+') {
            *w++ = ' ';
        } else if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
                   (lo = hexval(s[i + 2])) >= 0 && (hi | lo) != 0) { /* %00 stays text */
            *w++ = (char)(hi << 4 | lo);
            i += 2;
        } else {
            *w++ = s[i];
        }
    }
    *w = '\0';
    return out;
}

int imp_kv_parse(const char *s, size_t n, struct imp_kv *kv)
{
    for (size_t i = 0; s != NULL && i < n && kv->n < 256;) {
        size_t end = i;
        while (end < n && s[end] != '&')
            end++;
        const char *eq = memchr(s + i, '=', end - i);
        size_t kn = eq ? (size_t)(eq - (s + i)) : end - i;
        if (kn > 0) {
            char **nn = realloc(kv->name, (kv->n + 1) * sizeof(*nn));
            if (nn != NULL)
                kv->name = nn;
            char **vv = realloc(kv->value, (kv->n + 1) * sizeof(*vv));
            if (vv != NULL)
                kv->value = vv;
            if (nn == NULL || vv == NULL)
                return GH_ENOMEM;
            char *k = decode(s + i, kn);
            char *v = eq ? decode(eq + 1, (size_t)(s + end - eq - 1)) : decode("", 0);
            if (k == NULL || v == NULL) {
                free(k);
                free(v);
                return GH_ENOMEM;
            }
            kv->name[kv->n] = k;
            kv->value[kv->n++] = v;
        }
        i = end + 1;
    }
    return 0;
}

const char *imp_kv_get(const struct imp_kv *kv, const char *name)
{
    for (size_t i = 0; i < kv->n; i++)
        if (strcmp(kv->name[i], name) == 0)
            return kv->value[i];
    return NULL;
}

void imp_kv_release(struct imp_kv *kv)
{
    for (size_t i = 0; i < kv->n; i++) {
        OPENSSL_cleanse(kv->value[i], strlen(kv->value[i]));
        free(kv->value[i]);
        free(kv->name[i]);
    }
    free(kv->name);
    free(kv->value);
    memset(kv, 0, sizeof(*kv));
}

void imp_fp(const struct imp *imp, const char *v, char *out)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    char b64[64];
    HMAC(EVP_sha256(), imp->key, sizeof(imp->key), (const unsigned char *)v, strlen(v), mac, &len);
    gh_b64url_encode(mac, 9, b64, sizeof(b64));
    memcpy(out, b64, IMP_FP_LEN);
    out[IMP_FP_LEN] = '\0';
    OPENSSL_cleanse(mac, sizeof(mac));
}

void imp_fp_short(const struct imp *imp, const char *v, char out[8])
{
    char fp[IMP_FP_LEN + 1];
    imp_fp(imp, v, fp);
    snprintf(out, 8, "#%.4s", fp);
}

/* A path segment that may be a handle: long, and random-looking. */
static int id_like(const char *s, size_t n)
{
    int digit = 0, upper = 0, lower_ = 0;
    if (n < 16)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '-' && c != '_' && c != '.' && c != '~' && c != '%')
            return 0;
        digit |= isdigit(c) != 0;
        upper |= isupper(c) != 0;
        lower_ |= islower(c) != 0;
    }
    return digit ? (upper || lower_) : (upper && lower_);
}

void imp_path_label(const struct imp *imp, const char *path, char *dst, size_t cap, size_t max)
{
    size_t start = strnlen(dst, cap), i = 0;
    while (path[i] != '\0' && strnlen(dst, cap) - start < max) {
        size_t seg = strcspn(path + i, "/");
        if (seg > 0 && id_like(path + i, seg)) {
            char *tmp = strndup(path + i, seg), fp[8];
            if (tmp == NULL)
                return;
            imp_fp_short(imp, tmp, fp);
            free(tmp);
            imp_cat(dst, cap, "%s", fp);
        } else {
            for (size_t k = 0; k < seg && strnlen(dst, cap) - start < max; k++) {
                unsigned char c = (unsigned char)path[i + k];
                imp_cat(dst, cap, "%c", c > ' ' && c < 0x7f ? (char)c : '?');
            }
        }
        i += seg;
        if (path[i] == '/') {
            imp_cat(dst, cap, "/");
            i++;
        }
    }
    if (path[i] != '\0')
        imp_cat(dst, cap, "…");
}

int imp_origin_in(char set[][IMP_ORIGIN_MAX], size_t n, const char *origin)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(set[i], origin) == 0)
            return 1;
    return 0;
}

void imp_origin_add(char set[][IMP_ORIGIN_MAX], size_t *n, const char *origin)
{
    if (origin[0] == '\0' || imp_origin_in(set, *n, origin) || *n >= IMP_ORIGINS)
        return;
    snprintf(set[(*n)++], IMP_ORIGIN_MAX, "%s", origin);
}
