/*
 * CBOR (RFC 8949) for WebAuthn through libcbor: a bounded load and typed
 * accessors. libcbor's cbor_load allocates an array for the number of
 * entries a container announces and frees nested items recursively, so
 * hostile input is first walked with libcbor's streaming decoder, which
 * builds nothing: an item nested deeper than GH_WA_CBOR_DEPTH, or a
 * container announcing more entries than bytes remain (each entry needs at
 * least one), is refused before cbor_load sees it.
 */
#include <string.h>

#include "webauthn/webauthn_int.h"
#include "core/err.h"

/* The walk: one level per open array, map, tag or indefinite string, with
 * the entries it still expects (-1: indefinite, until its break). */
struct walk {
    int64_t left[GH_WA_CBOR_DEPTH];
    int depth;
    int bad;          /* refused */
    int done;         /* the top-level item is complete */
    size_t remaining; /* bytes after the current header */
};

/* An item ended at the current level: count it, closing every definite
 * container it completes. */
static void item_end(struct walk *w)
{
    while (w->depth > 0) {
        int64_t *left = &w->left[w->depth - 1];
        if (*left < 0)
            return; /* inside an indefinite container */
        if (--*left > 0)
            return;
        w->depth--; /* that container is complete too */
    }
    w->done = 1;
}

static void open_level(struct walk *w, int64_t entries)
{
    if (w->depth == GH_WA_CBOR_DEPTH) {
        w->bad = 1;
        return;
    }
    w->left[w->depth++] = entries;
}

static void on_scalar(void *ctx)
{
    item_end(ctx);
}
static void on_u8(void *ctx, uint8_t v)
{
    (void)v;
    item_end(ctx);
}
static void on_u16(void *ctx, uint16_t v)
{
    (void)v;
    item_end(ctx);
}
static void on_u32(void *ctx, uint32_t v)
{
    (void)v;
    item_end(ctx);
}
static void on_u64(void *ctx, uint64_t v)
{
    (void)v;
    item_end(ctx);
}
static void on_string(void *ctx, cbor_data p, size_t n)
{
    (void)p;
    (void)n;
    item_end(ctx);
}
static void on_float(void *ctx, float v)
{
    (void)v;
    item_end(ctx);
}
static void on_double(void *ctx, double v)
{
    (void)v;
    item_end(ctx);
}
static void on_bool(void *ctx, bool v)
{
    (void)v;
    item_end(ctx);
}
static void on_indef(void *ctx)
{
    open_level(ctx, -1);
}
static void on_tag(void *ctx, uint64_t v)
{
    (void)v;
    open_level(ctx, 1); /* a tag wraps the one item after it */
}
static void on_array(void *ctx, size_t n)
{
    struct walk *w = ctx;
    if (n > w->remaining)
        w->bad = 1;
    else if (n == 0)
        item_end(w);
    else
        open_level(w, (int64_t)n);
}
static void on_map(void *ctx, size_t n)
{
    struct walk *w = ctx;
    if (n > w->remaining / 2)
        w->bad = 1;
    else if (n == 0)
        item_end(w);
    else
        open_level(w, 2 * (int64_t)n);
}
static void on_break(void *ctx)
{
    struct walk *w = ctx;
    if (w->depth == 0 || w->left[w->depth - 1] >= 0) {
        w->bad = 1;
        return;
    }
    w->depth--;
    item_end(w);
}

static const struct cbor_callbacks walker = {
    .uint8 = on_u8,
    .uint16 = on_u16,
    .uint32 = on_u32,
    .uint64 = on_u64,
    .negint8 = on_u8,
    .negint16 = on_u16,
    .negint32 = on_u32,
    .negint64 = on_u64,
    .byte_string_start = on_indef,
    .byte_string = on_string,
    .string = on_string,
    .string_start = on_indef,
    .indef_array_start = on_indef,
    .array_start = on_array,
    .indef_map_start = on_indef,
    .map_start = on_map,
    .tag = on_tag,
    .float2 = on_float,
    .float4 = on_float,
    .float8 = on_double,
    .undefined = on_scalar,
    .null = on_scalar,
    .boolean = on_bool,
    .indef_break = on_break,
};

/* The encoded length of the first item of data[0..len), within the
 * bounds above; 0 when refused. */
static size_t walk_item(const unsigned char *data, size_t len)
{
    struct walk w;
    memset(&w, 0, sizeof(w));
    size_t pos = 0;
    while (!w.done && !w.bad && pos < len) {
        /* what follows this header, for the entry-count bound: the
         * header itself is at least one byte */
        w.remaining = len - pos - 1;
        struct cbor_decoder_result r = cbor_stream_decode(data + pos, len - pos, &walker, &w);
        if (r.status != CBOR_DECODER_FINISHED || r.read == 0)
            return 0;
        pos += r.read;
    }
    return w.done && !w.bad ? pos : 0;
}

int gh_wa_cbor_load(const unsigned char *data, size_t len, cbor_item_t **item, size_t *used)
{
    *item = NULL;
    *used = 0;
    size_t n = walk_item(data, len);
    if (n == 0)
        return GH_WA_ECBOR;
    struct cbor_load_result res;
    cbor_item_t *it = cbor_load(data, n, &res);
    if (it == NULL || res.error.code != CBOR_ERR_NONE || res.read != n) {
        if (it != NULL)
            cbor_decref(&it);
        return res.error.code == CBOR_ERR_MEMERROR ? GH_WA_ENOMEM : GH_WA_ECBOR;
    }
    *item = it;
    *used = n;
    return 0;
}

int gh_wa_cbor_int(const cbor_item_t *it, int64_t *out)
{
    if (!cbor_isa_uint(it) && !cbor_isa_negint(it))
        return GH_WA_ECBOR;
    uint64_t v = cbor_get_int(it);
    if (v > (uint64_t)INT64_MAX)
        return GH_WA_ECBOR;
    /* RFC 8949 3.1: major type 1 encodes -1 - v */
    *out = cbor_isa_uint(it) ? (int64_t)v : -1 - (int64_t)v;
    return 0;
}

int gh_wa_cbor_bytes(const cbor_item_t *it, const unsigned char **p, size_t *n)
{
    if (!cbor_isa_bytestring(it) || !cbor_bytestring_is_definite(it))
        return GH_WA_ECBOR;
    *p = cbor_bytestring_handle(it);
    *n = cbor_bytestring_length(it);
    return 0;
}

int gh_wa_cbor_text(const cbor_item_t *it, const char **p, size_t *n)
{
    if (!cbor_isa_string(it) || !cbor_string_is_definite(it))
        return GH_WA_ECBOR;
    *p = (const char *)cbor_string_handle(it);
    *n = cbor_string_length(it);
    return 0;
}

/* 1 when the map key k is the text key (key_text != NULL) or the integer
 * key_int. */
static int key_is(const cbor_item_t *k, const char *key_text, int64_t key_int)
{
    if (key_text != NULL) {
        const char *p;
        size_t n;
        return gh_wa_cbor_text(k, &p, &n) == 0 && n == strlen(key_text) &&
               (n == 0 || memcmp(p, key_text, n) == 0);
    }
    int64_t v;
    return gh_wa_cbor_int(k, &v) == 0 && v == key_int;
}

static int map_get(const cbor_item_t *map, const char *key_text, int64_t key_int, cbor_item_t **out)
{
    *out = NULL;
    if (!cbor_isa_map(map) || !cbor_map_is_definite(map))
        return GH_WA_ECBOR;
    struct cbor_pair *pairs = cbor_map_handle(map);
    size_t n = cbor_map_size(map);
    for (size_t i = 0; i < n; i++) {
        if (pairs[i].key == NULL || pairs[i].value == NULL)
            return GH_WA_ECBOR;
        if (!key_is(pairs[i].key, key_text, key_int))
            continue;
        if (*out != NULL)
            return GH_WA_ECBOR; /* RFC 8949 5.6: a duplicate key */
        *out = pairs[i].value;
    }
    return *out != NULL;
}

int gh_wa_cbor_get_text(const cbor_item_t *map, const char *key, cbor_item_t **out)
{
    return map_get(map, key, 0, out);
}

int gh_wa_cbor_get_int(const cbor_item_t *map, int64_t key, cbor_item_t **out)
{
    return map_get(map, NULL, key, out);
}
