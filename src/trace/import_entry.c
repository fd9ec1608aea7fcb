/*
 * HAR import: reading one entry of log.entries (HAR 1.2, as Chromium,
 * Firefox and Playwright write it) into struct imp_entry: method, URL and
 * its parameters, the headers the review needs, the form body (from
 * postData.text when there is one: Playwright leaves params empty for
 * "...; charset=UTF-8"), the response body when it is JSON, and whether a
 * page asks for a password. Everything read stays borrowed from, or owned
 * alongside, the entry, and goes when it is released.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/b64url.h"
#include "core/err.h"
#include "trace/har.h"
#include "trace/import_int.h"

/* The claims of a JWT (unverified: only nonce and sub are read), or NULL. */
json_t *imp_jwt_claims(const char *jwt)
{
    const char *p = jwt ? strchr(jwt, '.') : NULL, *q = p ? strchr(p + 1, '.') : NULL;
    unsigned char buf[16384];
    long n = q != NULL ? gh_b64url_decode(p + 1, (size_t)(q - p - 1), buf, sizeof(buf)) : -1;
    json_t *j = n > 0 ? json_loadb((const char *)buf, (size_t)n, 0, NULL) : NULL;
    OPENSSL_cleanse(buf, sizeof(buf));
    if (j != NULL && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

const char *imp_str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static const char *header(json_t *headers, const char *name)
{
    size_t i;
    json_t *h;
    json_array_foreach(headers, i, h)
    {
        const char *n = imp_str(h, "name");
        if (n != NULL && strcasecmp(n, name) == 0)
            return imp_str(h, "value");
    }
    return NULL;
}

/* ISO 8601 "2024-01-02T03:04:05.678Z" or "...+01:00", to microseconds. */
static int64_t parse_time(const char *s)
{
    struct tm tm;
    int y, mo, d, h, mi, sec, n = 0;
    memset(&tm, 0, sizeof(tm));
    if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
        return 0;
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
    tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec;
    int64_t us = (int64_t)timegm(&tm) * 1000000;
    s += n;
    if (*s == '.') {
        int64_t scale = 100000;
        for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
            us += (*s - '0') * scale;
    }
    int oh, om;
    if ((*s == '+' || *s == '-') && sscanf(s + 1, "%2d:%2d", &oh, &om) == 2)
        us -= (*s == '+' ? 1 : -1) * ((int64_t)oh * 3600 + om * 60) * 1000000;
    return us;
}

/* The response body as JSON, decoding base64 when the HAR says so. */
static json_t *body_json(json_t *content)
{
    const char *text = imp_str(content, "text"), *enc = imp_str(content, "encoding");
    const char *mime = imp_str(content, "mimeType");
    if (text == NULL)
        return NULL;
    size_t n = strlen(text);
    unsigned char *dec = NULL;
    if (enc != NULL && strcmp(enc, "base64") == 0) {
        if (n > GH_HAR_STRING_MAX || (dec = malloc(n / 4 * 3 + 4)) == NULL)
            return NULL;
        int k = EVP_DecodeBlock(dec, (const unsigned char *)text, (int)n);
        while (k > 0 && n > 0 && text[n - 1] == '=')
            k--, n--;
        text = (const char *)dec;
        n = k > 0 ? (size_t)k : 0;
    }
    const char *p = text;
    while (n > 0 && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++, n--;
    json_t *j = NULL;
    if (n > 0 && (*p == '{' || (mime != NULL && strstr(mime, "json") != NULL)))
        j = json_loadb(p, n, 0, NULL);
    if (dec != NULL) {
        OPENSSL_cleanse(dec, n);
        free(dec);
    }
    if (j != NULL && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

static void read_page(struct imp_entry *en, json_t *content)
{
    const char *text = imp_str(content, "text"), *enc = imp_str(content, "encoding");
    if (text == NULL || (enc != NULL && strcmp(enc, "base64") == 0) || en->resp_ctype == NULL ||
        strstr(en->resp_ctype, "html") == NULL)
        return;
    en->page_password = strstr(text, "type=\"password\"") != NULL ||
                        strstr(text, "type='password'") != NULL ||
                        strstr(text, "type=password") != NULL;
    en->page_consent = strstr(text, "name=\"decision\"") != NULL ||
                       strcasestr(text, "consent") != NULL || strcasestr(text, "authorize") != NULL;
}

static void read_form(struct imp_entry *en, json_t *post)
{
    const char *text = imp_str(post, "text"), *mime = imp_str(post, "mimeType");
    json_t *params = json_object_get(post, "params");
    if (text != NULL && text[0] != '\0' && text[0] != '{' &&
        (mime == NULL || mime[0] == '\0' || strstr(mime, "x-www-form-urlencoded") != NULL)) {
        imp_kv_parse(text, strlen(text), &en->form);
        return;
    }
    size_t i;
    json_t *p;
    json_array_foreach(params, i, p)
    {
        const char *n = imp_str(p, "name"), *v = imp_str(p, "value");
        if (n == NULL)
            continue;
        /* params hold the fields as sent: still percent-encoded */
        char *pair = NULL;
        if (asprintf(&pair, "%s=%s", n, v ? v : "") > 0)
            imp_kv_parse(pair, strlen(pair), &en->form);
        if (pair != NULL) {
            OPENSSL_cleanse(pair, strlen(pair));
            free(pair);
        }
    }
}

/* GH_EINVAL with imp->err for an entry HAR 1.2 says cannot be. */
int imp_entry_read(struct imp *imp, size_t index, json_t *e, struct imp_entry *en)
{
    json_t *req = json_object_get(e, "request"), *resp = json_object_get(e, "response");
    memset(en, 0, sizeof(*en));
    en->method = imp_str(req, "method");
    en->url = imp_str(req, "url");
    if (!json_is_object(e) || en->method == NULL || en->url == NULL || !json_is_object(resp)) {
        snprintf(imp->err, sizeof(imp->err),
                 "entry %zu lacks request.method, request.url or response (HAR 1.2)", index + 1);
        return GH_EINVAL;
    }
    en->status = (int)json_integer_value(json_object_get(resp, "status"));
    en->t_us = parse_time(imp_str(e, "startedDateTime"));
    double ms = json_number_value(json_object_get(e, "time"));
    en->dur_us = ms > 0 && ms < 2e6 ? (int32_t)(ms * 1000) : 0;
    json_t *rh = json_object_get(req, "headers"), *sh = json_object_get(resp, "headers");
    en->authz = header(rh, "Authorization");
    en->fetch_mode = header(rh, "Sec-Fetch-Mode");
    en->rtype = imp_str(e, "_resourceType");
    en->location = header(sh, "Location");
    if (en->location == NULL || en->location[0] == '\0')
        en->location = imp_str(resp, "redirectURL");
    en->cache_control = header(sh, "Cache-Control");
    en->acao = header(sh, "Access-Control-Allow-Origin");
    en->www_auth = header(sh, "WWW-Authenticate");
    json_t *content = json_object_get(resp, "content");
    en->resp_ctype = header(sh, "Content-Type");
    if (en->resp_ctype == NULL)
        en->resp_ctype = imp_str(content, "mimeType");
    en->nav = (en->fetch_mode != NULL && strcmp(en->fetch_mode, "navigate") == 0) ||
              (en->rtype != NULL && strcmp(en->rtype, "document") == 0);
    if (imp_url_parse(en->url, NULL, &en->u) < 0)
        return 0; /* not http(s): nothing OAuth can be learnt from it */
    imp_kv_parse(en->u.query, en->u.qlen, &en->query);
    imp_kv_parse(en->u.frag, en->u.flen, &en->frag);
    if (strcmp(en->method, "POST") == 0)
        read_form(en, json_object_get(req, "postData"));
    en->body = body_json(content);
    read_page(en, content);
    return 0;
}

void imp_entry_release(struct imp_entry *en)
{
    imp_kv_release(&en->query);
    imp_kv_release(&en->frag);
    imp_kv_release(&en->form);
    json_decref(en->body);
}
