/* Strict x-www-form-urlencoded parser; see form.h. */
#include <string.h>

#include "core/urldecode.h"
#include "http/form.h"
#include "core/err.h"

int gh_form_parse(struct gh_arena *a, const char *s, size_t n, struct gh_form *f)
{
    f->n = 0;
    size_t i = 0;
    while (i < n) {
        size_t end = i;
        while (end < n && s[end] != '&')
            end++;
        if (end > i) {
            const char *eq = memchr(s + i, '=', end - i);
            size_t klen = eq ? (size_t)(eq - (s + i)) : end - i;
            const char *v = eq ? eq + 1 : s + end;
            size_t vlen = eq ? (size_t)(s + end - v) : 0;
            if (f->n >= GH_FORM_MAX_PARAMS)
                return GH_EINVAL;
            struct gh_param *p = &f->p[f->n];
            char *k, *val;
            long kl = gh_url_decode(a, s + i, klen, &k);
            if (kl < 0)
                return (int)kl;
            long vl = gh_url_decode(a, v, vlen, &val);
            if (vl < 0)
                return (int)vl;
            p->key = k;
            p->key_len = (size_t)kl;
            p->value = val;
            p->value_len = (size_t)vl;
            f->n++;
        }
        i = end + 1;
    }
    return 0;
}

int gh_form_add(struct gh_arena *a, struct gh_form *f, const char *key, size_t key_len,
                const char *value, size_t value_len)
{
    if (f->n >= GH_FORM_MAX_PARAMS)
        return GH_EINVAL;
    if (memchr(key, '\0', key_len) != NULL || memchr(value, '\0', value_len) != NULL)
        return GH_EINVAL;
    struct gh_param *p = &f->p[f->n];
    p->key = gh_arena_strndup(a, key, key_len);
    p->value = gh_arena_strndup(a, value, value_len);
    if (p->key == NULL || p->value == NULL)
        return GH_ENOMEM;
    p->key_len = key_len;
    p->value_len = value_len;
    f->n++;
    return 0;
}

int gh_form_count(const struct gh_form *f, const char *key)
{
    int c = 0;
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->p[i].key, key) == 0)
            c++;
    return c;
}

const char *gh_form_get(const struct gh_form *f, const char *key, int *dup)
{
    const char *found = NULL;
    int count = 0;
    for (int i = 0; i < f->n; i++) {
        if (strcmp(f->p[i].key, key) == 0) {
            count++;
            found = f->p[i].value;
        }
    }
    if (dup != NULL)
        *dup = count > 1;
    if (count != 1 || found[0] == '\0')
        return NULL;
    return found;
}
