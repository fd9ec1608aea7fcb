/*
 * HAR import, second half (import.h): once every entry is read, the kept
 * messages are put in time order, each is given its two participants (by
 * its meaning: the browser navigates, the app calls endpoints), and the
 * flow is written as steps: a note naming each participant's origin, then a
 * call and its reply per message, in the recorder's vocabulary and layout
 * (a successful refresh in a "refresh token rotation" loop, as recorded).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "trace/attrs.h"
#include "trace/import_int.h"

static int by_time(const void *pa, const void *pb)
{
    const struct imp_msg *a = pa, *b = pb;
    if (a->t_us != b->t_us)
        return a->t_us < b->t_us ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void route(struct imp *imp, struct imp_msg *m)
{
    if (m->m == GH_M_API && imp_origin_in(imp->as_origins, imp->n_as, m->origin))
        m->m = GH_M_USERINFO; /* a bearer call seen before the server was known */
    if (m->m == GH_M_API)
        imp_origin_add(imp->api_origins, &imp->n_api, m->origin);
    if (m->routed)
        return;
    switch (m->m) {
    case GH_M_DISCOVERY:
    case GH_M_JWKS:
    case GH_M_CODE_EXCHANGE:
    case GH_M_REFRESH:
    case GH_M_TOKEN:
    case GH_M_REVOCATION:
    case GH_M_USERINFO:
        m->from = GH_P_APP, m->to = GH_P_AS;
        break;
    case GH_M_API:
        m->from = GH_P_APP, m->to = GH_P_API;
        break;
    case GH_M_REDIRECT:
        m->from = GH_P_BROWSER, m->to = GH_P_APP;
        break;
    default:
        m->from = GH_P_BROWSER, m->to = GH_P_AS;
    }
}

static struct gh_trace_step *push(struct gh_import *out, uint8_t kind, uint8_t from, uint8_t to,
                                  int64_t t)
{
    struct gh_trace_step *s = &out->steps[out->n++];
    /* strictly increasing: the store reads steps back in time order */
    if (out->n > 1 && t <= s[-1].t_us)
        t = s[-1].t_us + 1;
    memset(s, 0, sizeof(*s));
    s->kind = kind, s->from = from, s->to = to, s->t_us = t;
    return s;
}

/* A note over participant p naming where it is. */
static void note(struct gh_import *out, uint8_t p, int64_t t, const char *what,
                 char set[][IMP_ORIGIN_MAX], size_t n)
{
    if (n == 0)
        return;
    struct gh_trace_step *s = push(out, GH_STEP_NOTE, p, p, t);
    snprintf(s->label, sizeof(s->label), "%s", what);
    for (size_t i = 0; i < n; i++)
        imp_cat(s->label, sizeof(s->label), "%s%s", i ? ", " : "", set[i]);
}

/* The redirect's facts (from a Location) as the app's step, when the HAR
 * has no request of the browser to the redirect_uri with that code. */
static void redirect_from_location(struct imp *imp, struct gh_import *out, size_t i)
{
    const struct imp_msg *m = &imp->msgs[i];
    char code[32], st[32], iss[128], err[48], key[32];
    if (!gh_attrs_has(m->rattrs, sizeof(m->rattrs), "rloc"))
        return;
    gh_attrs_get(m->rattrs, sizeof(m->rattrs), "code", code, sizeof(code));
    gh_attrs_get(m->rattrs, sizeof(m->rattrs), "st", st, sizeof(st));
    gh_attrs_get(m->rattrs, sizeof(m->rattrs), "iss", iss, sizeof(iss));
    gh_attrs_get(m->rattrs, sizeof(m->rattrs), "err", err, sizeof(err));
    for (size_t k = i + 1; k < imp->n; k++) {
        const struct imp_msg *o = &imp->msgs[k];
        if (o->m != GH_M_REDIRECT)
            continue;
        gh_attrs_get(o->attrs, sizeof(o->attrs), code[0] ? "code" : "st", key, sizeof(key));
        if (strcmp(key, code[0] ? code : st) == 0)
            return; /* the browser's own request comes */
    }
    struct gh_trace_step *s =
        push(out, GH_STEP_CALL, GH_P_BROWSER, GH_P_APP, m->t_us + m->dur_us + 1);
    snprintf(s->label, sizeof(s->label), "redirect_uri");
    if (code[0])
        imp_cat(s->label, sizeof(s->label), "?code=#%.4s", code);
    if (err[0])
        imp_cat(s->label, sizeof(s->label), "%serror=%s", code[0] ? "&" : "?", err);
    if (st[0])
        imp_cat(s->label, sizeof(s->label), "&state=#%.4s", st);
    if (iss[0])
        imp_cat(s->label, sizeof(s->label), "&iss");
    snprintf(s->note, sizeof(s->note), "%s", gh_meaning_name(GH_M_REDIRECT));
    gh_attrs_set(s->attrs, sizeof(s->attrs), "code", code);
    gh_attrs_set(s->attrs, sizeof(s->attrs), "st", st);
    gh_attrs_set(s->attrs, sizeof(s->attrs), "iss", iss);
    gh_attrs_set(s->attrs, sizeof(s->attrs), "err", err);
}

static void message(struct imp *imp, struct gh_import *out, size_t i)
{
    const struct imp_msg *m = &imp->msgs[i];
    int loop = m->m == GH_M_REFRESH && m->status == 200;
    struct gh_trace_step *c = push(out, GH_STEP_CALL, m->from, m->to, m->t_us);
    memcpy(c->label, m->label, sizeof(c->label));
    memcpy(c->attrs, m->attrs, sizeof(c->attrs));
    snprintf(c->note, sizeof(c->note), "%s", gh_meaning_name(m->m));
    if (loop) {
        snprintf(c->group, sizeof(c->group), "refresh token rotation");
        c->group_kind = GH_GROUP_LOOP;
    }
    if (m->no_reply)
        return;
    struct gh_trace_step *r = push(out, GH_STEP_REPLY, m->to, m->from, m->t_us + m->dur_us);
    r->dur_us = m->dur_us;
    r->status = m->status;
    memcpy(r->label, m->reply, sizeof(r->label));
    memcpy(r->attrs, m->rattrs, sizeof(r->attrs));
    memcpy(r->group, c->group, sizeof(r->group));
    r->group_kind = c->group_kind;
    redirect_from_location(imp, out, i);
}

int imp_build(struct imp *imp, struct gh_import *out)
{
    out->n = 0;
    snprintf(out->client_id, sizeof(out->client_id), "%s", imp->client_id);
    snprintf(out->issuer, sizeof(out->issuer), "%s",
             imp->issuer[0] ? imp->issuer
             : imp->n_as    ? imp->as_origins[0]
                            : "");
    if (imp->n == 0)
        return 0;
    qsort(imp->msgs, imp->n, sizeof(*imp->msgs), by_time);
    for (size_t i = 0; i < imp->n; i++)
        route(imp, &imp->msgs[i]);
    out->steps = calloc(3 + imp->n * 3, sizeof(*out->steps));
    if (out->steps == NULL)
        return GH_ENOMEM;
    int64_t t0 = imp->msgs[0].t_us - 1;
    char iss[1][IMP_ORIGIN_MAX];
    snprintf(iss[0], sizeof(iss[0]), "%.120s", out->issuer);
    note(out, GH_P_APP, t0, "", &imp->app_origin, imp->app_origin[0] != '\0');
    note(out, GH_P_AS, t0, imp->issuer[0] ? "issuer " : "", iss, iss[0][0] != '\0');
    note(out, GH_P_API, t0, "", imp->api_origins, imp->n_api);
    for (size_t i = 0; i < imp->n; i++)
        message(imp, out, i);
    return 0;
}
