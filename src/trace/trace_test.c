/*
 * Unit tests for the flow exporters. The "seed" flow is a fixed recording
 * of a real authorization code + PKCE flow (login, code exchange, API
 * call, a refresh rotation loop and an expired-refresh alt path); it is
 * exported in all four formats and compared with tests/golden/seed.*
 * (GH_UPDATE_GOLDEN=1 rewrites them, as it does tests/golden/hostile.*,
 * the hostile-text flow that tests/diagram/check.mjs feeds to the real
 * parsers). Also: determinism, labels in order, hostile text that must not
 * break any format, timings, bad steps, and layout invariants.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/test.h"
#include "trace/layout.h"
#include "trace/export.h"

#define B GH_P_BROWSER
#define APP GH_P_APP
#define AS GH_P_AS
#define API GH_P_API

static const struct {
    enum gh_trace_format fmt;
    const char *ext;
} fmts[] = {
    {GH_FMT_MERMAID, "mmd"},
    {GH_FMT_PLANTUML, "puml"},
    {GH_FMT_SVG, "svg"},
    {GH_FMT_DRAWIO, "drawio"},
};

static const struct seed {
    uint8_t from, to, kind, group_kind;
    int16_t status;
    const char *label, *note, *group;
} seed[] = {
    {B, APP, GH_STEP_CALL, 0, 0, "open app", "", ""},
    {APP, B, GH_STEP_REPLY, 0, 302, "302 → AS /authorize (S256 challenge, state)",
     "authorization request (S256 challenge)", ""},
    {B, AS, GH_STEP_CALL, 0, 0, "GET /authorize?response_type=code&code_challenge=…", "", ""},
    {AS, B, GH_STEP_REPLY, 0, 200, "200 login page", "", ""},
    {B, AS, GH_STEP_CALL, 0, 0, "POST /login", "user signs in", ""},
    {AS, B, GH_STEP_REPLY, 0, 302, "302 → /callback?code=Ab3d…&state=…&iss=…",
     "authorization response (RFC 9207 iss)", ""},
    {B, APP, GH_STEP_CALL, 0, 0, "GET /callback?code=Ab3d…", "state and iss checked", ""},
    {APP, AS, GH_STEP_CALL, 0, 0,
     "POST /token (authorization_code, code=Ab3d…, code_verifier=dBjf…)",
     "code exchange (code + code_verifier)", ""},
    {AS, APP, GH_STEP_REPLY, 0, 200, "200 access_token eyJh…, refresh_token Rt1a…",
     "PKCE verified, tokens issued", ""},
    {APP, API, GH_STEP_CALL, 0, 0, "GET /api/me (Bearer eyJh…)", "", ""},
    {API, API, GH_STEP_SELF, 0, 0, "validate JWT: signature, typ, iss, aud, exp", "", ""},
    {API, APP, GH_STEP_REPLY, 0, 200, "200 {sub, client_id, scope}", "", ""},
    {APP, AS, GH_STEP_CALL, GH_GROUP_LOOP, 0, "POST /token (refresh_token Rt1a…)",
     "refresh_token grant", "refresh token rotation"},
    {AS, APP, GH_STEP_REPLY, GH_GROUP_LOOP, 200, "200 new pair (Rt1a… → Rt2b…)",
     "refresh token rotation (Rt1a… → Rt2b…)", "refresh token rotation"},
    {APP, AS, GH_STEP_CALL, GH_GROUP_ALT, 0, "POST /token (refresh_token Rt2b…)", "",
     "refresh token expired"},
    {AS, APP, GH_STEP_REPLY, GH_GROUP_ALT, 400, "400 invalid_grant: refresh token expired", "",
     "refresh token expired"},
    {APP, APP, GH_STEP_NOTE, GH_GROUP_ALT, 0, "session expired — sign in again", "",
     "refresh token expired"},
    {APP, B, GH_STEP_REPLY, GH_GROUP_ALT, 302, "302 → AS /authorize", "new authorization request",
     "refresh token expired"},
};

#define SEED_N (sizeof(seed) / sizeof(seed[0]))
#define SEED_TITLE "gatehouse: authorization code + PKCE, refresh rotation"

static const char hostile[] = "<script>alert(\"x\")</script> & ; # %date() -->> end\n"
                              "@enduml \\n //x// **y** [[http://e]] #59; <br/> \xff\xc3 \x01\n"
                              "%%{init: {\"theme\": \"dark\"}}%% wrap: ok";

/* Fills steps[] from the seed table; t0 shifts every timestamp. */
static void seed_steps(struct gh_trace_step *steps, int64_t t0)
{
    memset(steps, 0, SEED_N * sizeof(*steps));
    for (size_t i = 0; i < SEED_N; i++) {
        struct gh_trace_step *s = &steps[i];
        s->t_us = t0 + (int64_t)i * 12345;
        s->dur_us = 3400 + (int32_t)i * 100;
        s->from = seed[i].from;
        s->to = seed[i].to;
        s->kind = seed[i].kind;
        s->group_kind = seed[i].group_kind;
        s->status = seed[i].status;
        snprintf(s->label, sizeof(s->label), "%s", seed[i].label);
        snprintf(s->note, sizeof(s->note), "%s", seed[i].note);
        snprintf(s->group, sizeof(s->group), "%s", seed[i].group);
    }
}

/* Copies src into dst[0..cap), cut to fit (possibly inside a UTF-8
 * sequence, which the exporters must then sanitise). */
static void put_field(char *dst, size_t cap, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    na = na < cap - 1 ? na : cap - 1;
    nb = nb < cap - 1 - na ? nb : cap - 1 - na;
    memcpy(dst, a, na);
    memcpy(dst + na, b, nb);
    dst[na + nb] = '\0';
}

/* A short flow whose every text field is hostile. */
static size_t hostile_steps(struct gh_trace_step *steps)
{
    static const uint8_t kinds[] = {GH_STEP_CALL, GH_STEP_REPLY, GH_STEP_SELF, GH_STEP_NOTE};
    memset(steps, 0, 4 * sizeof(*steps));
    for (size_t i = 0; i < 4; i++) {
        steps[i].from = (uint8_t)(i == 1 ? AS : APP);
        steps[i].to = (uint8_t)(i == 1 ? APP : AS);
        steps[i].kind = kinds[i];
        steps[i].status = (int16_t)(i == 1 ? 400 : 0);
        steps[i].group_kind = (uint8_t)(i >= 2 ? GH_GROUP_ALT : GH_GROUP_NONE);
        put_field(steps[i].label, sizeof(steps[i].label), i == 2 ? "wrap:" : "", hostile);
        put_field(steps[i].note, sizeof(steps[i].note), "", i % 2 ? hostile : "");
        put_field(steps[i].group, sizeof(steps[i].group), "", i >= 2 ? "end & <b>;#" : "");
    }
    /* a note that fills its array with no NUL: a corrupt stored row */
    memset(steps[0].note, 'n', sizeof(steps[0].note));
    return 4;
}

static int read_file(const char *path, struct gh_buf *b)
{
    char chunk[4096];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return GH_EIO;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        gh_buf_append(b, chunk, n);
    fclose(f);
    return 0;
}

static int write_file(const char *path, const struct gh_buf *b)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return GH_EIO;
    size_t n = fwrite(b->p, 1, b->len, f);
    return fclose(f) == 0 && n == b->len ? 0 : GH_EIO;
}

/* 0 when out matches tests/golden/<name>.<ext>, or rewrites it when
 * GH_UPDATE_GOLDEN=1. Prints the first differing line otherwise. */
static int golden(const char *name, const char *ext, const struct gh_buf *out)
{
    char path[256];
    struct gh_buf want;
    int rc = -1;
    snprintf(path, sizeof(path), "tests/golden/%s.%s", name, ext);
    const char *update = getenv("GH_UPDATE_GOLDEN");
    if (update != NULL && strcmp(update, "1") == 0)
        return write_file(path, out);
    gh_buf_init(&want, 1 << 22);
    if (read_file(path, &want) < 0) {
        fprintf(stderr,
                "  cannot read '%s' (run from the repository root; "
                "GH_UPDATE_GOLDEN=1 creates it)\n",
                path);
        goto out;
    }
    if (want.len == out->len && memcmp(want.p, out->p, out->len) == 0) {
        rc = 0;
        goto out;
    }
    size_t i = 0, line = 1;
    while (i < want.len && i < out->len && want.p[i] == out->p[i])
        line += want.p[i++] == '\n';
    fprintf(stderr, "  '%s' differs at line %zu (GH_UPDATE_GOLDEN=1 rewrites it)\n", path, line);
out:
    gh_buf_release(&want);
    return rc;
}

static int export(const struct gh_trace_step *steps, size_t n, enum gh_trace_format fmt,
                  const char *title, int timings, struct gh_buf *out)
{
    struct gh_export_opts opts = {title, timings, NULL, 0};
    gh_buf_reset(out);
    return gh_trace_export(steps, n, fmt, &opts, out);
}

GH_TEST(trace_golden_seed)
{
    struct gh_trace_step steps[SEED_N], bad[4];
    struct gh_buf out;
    gh_buf_init(&out, 1 << 22);
    seed_steps(steps, 1700000000000000);
    size_t nbad = hostile_steps(bad);
    for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
        ASSERT_INT_EQ(export(steps, SEED_N, fmts[f].fmt, SEED_TITLE, 0, &out), 0);
        ASSERT_INT_EQ(golden("seed", fmts[f].ext, &out), 0);
        ASSERT_INT_EQ(export(bad, nbad, fmts[f].fmt, hostile, 0, &out), 0);
        ASSERT_INT_EQ(golden("hostile", fmts[f].ext, &out), 0);
    }
    gh_buf_release(&out);
}

GH_TEST(trace_deterministic_without_timings)
{
    struct gh_trace_step a[SEED_N], b[SEED_N];
    struct gh_buf x, y;
    gh_buf_init(&x, 1 << 22);
    gh_buf_init(&y, 1 << 22);
    seed_steps(a, 1700000000000000);
    seed_steps(b, 1800000000000000); /* another day, same flow */
    b[3].dur_us = 987654;
    for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
        ASSERT_INT_EQ(export(a, SEED_N, fmts[f].fmt, NULL, 0, &x), 0);
        ASSERT_INT_EQ(export(a, SEED_N, fmts[f].fmt, NULL, 0, &y), 0);
        ASSERT_INT_EQ(x.len, y.len);
        ASSERT_MEM_EQ(x.p, y.p, x.len);
        ASSERT_INT_EQ(export(b, SEED_N, fmts[f].fmt, NULL, 0, &y), 0);
        ASSERT_INT_EQ(x.len, y.len);
        ASSERT_MEM_EQ(x.p, y.p, x.len);
        ASSERT_TRUE(strstr(x.p, " ms") == NULL);
    }
    gh_buf_release(&x);
    gh_buf_release(&y);
}

/* The part of a label no format escapes: up to the first special byte. */
static size_t plain_prefix(const char *s)
{
    return strcspn(s, "&<>\"';#%~\\_-/*");
}

GH_TEST(trace_labels_in_order)
{
    struct gh_trace_step steps[SEED_N];
    struct gh_buf out;
    gh_buf_init(&out, 1 << 22);
    seed_steps(steps, 0);
    for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
        ASSERT_INT_EQ(export(steps, SEED_N, fmts[f].fmt, NULL, 0, &out), 0);
        const char *at = out.p;
        for (size_t p = 0; p < GH_P_COUNT; p++)
            ASSERT_NOT_NULL(strstr(out.p, gh_part_name((enum gh_part)p)));
        for (size_t i = 0; i < SEED_N; i++) {
            char want[GH_TRACE_LABEL_MAX];
            snprintf(want, sizeof(want), "%.*s", (int)plain_prefix(seed[i].label), seed[i].label);
            const char *hit = strstr(at, want);
            if (hit == NULL)
                fprintf(stderr, "  %s: label %zu '%s' missing or out of order\n", fmts[f].ext, i,
                        want);
            ASSERT_NOT_NULL(hit);
            at = hit + strlen(want);
        }
        ASSERT_NOT_NULL(strstr(out.p, "refresh token rotation"));
        ASSERT_NOT_NULL(strstr(out.p, "code exchange (code + code"));
    }
    gh_buf_release(&out);
}

/* "&amp;" "&lt;" "&gt;" "&quot;" "&apos;" "&#39;" "&#x27;": length or 0. */
static size_t entity_len(const char *p)
{
    static const char *const named[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        if (strncmp(p, named[i], strlen(named[i])) == 0)
            return strlen(named[i]);
    }
    size_t d = p[1] == '#' ? strspn(p + 2, "0123456789") : 0;
    if (d == 0 && p[1] == '#' && p[2] == 'x')
        d = 1 + strspn(p + 3, "0123456789abcdefABCDEF");
    return d > 0 && p[2 + d] == ';' ? 3 + d : 0;
}

/* One tag at p (just past '<'): pushes, pops or skips. NULL when broken. */
static const char *xml_tag(const char *p, const char **stack, size_t *lens, int *depth)
{
    static const char name_chars[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:-_.0123456789";
    int closing = *p == '/';
    p += closing;
    size_t nl = strspn(p, name_chars);
    const char *name = p;
    if (nl == 0)
        return NULL;
    p += nl;
    if (closing) {
        if (*depth == 0 || lens[*depth - 1] != nl || strncmp(stack[*depth - 1], name, nl) != 0)
            return NULL;
        (*depth)--;
        p += strspn(p, " \n");
        return *p == '>' ? p + 1 : NULL;
    }
    for (;;) {
        p += strspn(p, " \n\t");
        if (p[0] == '/' && p[1] == '>')
            return p + 2;
        if (*p == '>') {
            if (*depth == 64)
                return NULL;
            stack[*depth] = name;
            lens[(*depth)++] = nl;
            return p + 1;
        }
        size_t an = strspn(p, name_chars);
        if (an == 0 || p[an] != '=' || (p[an + 1] != '"' && p[an + 1] != '\''))
            return NULL;
        char q = p[an + 1];
        for (p += an + 2; *p != q; p++) {
            if (*p == '\0' || *p == '<' || (*p == '&' && entity_len(p) == 0))
                return NULL;
        }
        p++;
    }
}

/* Well-formed XML: one root, tags balance, attribute values quoted with
 * no '<', every '&' an entity, valid UTF-8, no control characters. */
static int xml_ok(const char *s)
{
    const char *stack[64];
    size_t lens[64];
    int depth = 0, roots = 0;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t at = i;
        if (gh_trace_next_cp(s, n, &i) == 0xfffd && memcmp(s + at, "\xef\xbf\xbd", 3) != 0)
            return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
            return 0;
    }
    const char *p = s;
    if (strncmp(p, "<?xml", 5) == 0 && (p = strstr(p, "?>")) != NULL)
        p += 2;
    while (p != NULL && *p != '\0') {
        if (*p == '&' && entity_len(p) == 0)
            return 0;
        if (*p++ != '<')
            continue;
        roots += depth == 0;
        p = xml_tag(p, stack, lens, &depth);
    }
    return p != NULL && depth == 0 && roots == 1;
}

GH_TEST(trace_xml_checker_self_test)
{
    ASSERT_TRUE(xml_ok("<a x=\"1 &amp; 2\"><b/>t &lt; &#59;</a>\n"));
    ASSERT_TRUE(!xml_ok("<a><b></a></b>"));
    ASSERT_TRUE(!xml_ok("<a x=\"<\"/>"));
    ASSERT_TRUE(!xml_ok("<a>&</a>"));
    ASSERT_TRUE(!xml_ok("<a></a><a></a>"));
    ASSERT_TRUE(!xml_ok("<a>\xff</a>"));
}

/* Mermaid message text: ';' and '#' only inside entity codes "#name;",
 * '<' only in "<br/>", no '>' or '&' at all. */
static int mermaid_text_ok(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '#') {
            size_t k = strspn(t + i + 1, "abcdefghijklmnopqrstuvwxyz0123456789");
            if (k == 0 || i + 1 + k >= n || t[i + 1 + k] != ';')
                return 0;
            i += k + 1;
        } else if (t[i] == '<') {
            if (strncmp(t + i, "<br/>", 5) != 0)
                return 0;
            i += 4;
        } else if (t[i] == ';' || t[i] == '>' || t[i] == '&') {
            return 0;
        }
    }
    return 1;
}

static size_t id_len(const char *p)
{
    static const char *const ids[] = {"Browser", "App", "AS", "API"};
    for (size_t i = 0; i < 4; i++) {
        if (strncmp(p, ids[i], strlen(ids[i])) == 0)
            return strlen(ids[i]);
    }
    return 0;
}

/* Length of a Mermaid statement head ("App->>AS: ", "Note over App: ",
 * "alt "); *msg = 1 for a message or note; 0 when l starts with none. */
static size_t mermaid_head(const char *l, int *msg)
{
    static const char *const kw[] = {"title ", "alt ", "opt ", "loop "};
    size_t a, b, arrow;
    *msg = 0;
    for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
        if (strncmp(l, kw[i], strlen(kw[i])) == 0)
            return strlen(kw[i]);
    }
    if (strncmp(l, "Note over ", 10) == 0 && (a = id_len(l + 10)) > 0 &&
        strncmp(l + 10 + a, ": ", 2) == 0) {
        *msg = 1;
        return 12 + a;
    }
    if ((a = id_len(l)) == 0)
        return 0;
    arrow = strncmp(l + a, "-->>", 4) == 0 ? 4 : strncmp(l + a, "->>", 3) == 0 ? 3 : 0;
    if (arrow == 0 || (b = id_len(l + a + arrow)) == 0 || strncmp(l + a + arrow + b, ": ", 2) != 0)
        return 0;
    *msg = 1;
    return a + arrow + b + 2;
}

/* Each line of a Mermaid export must be a statement we write, its text
 * escaped; returns the number of messages and notes, -1 on a stray line. */
static int mermaid_lines(const char *s)
{
    int msgs = 0;
    for (const char *line = s; *line != '\0';) {
        size_t n = strcspn(line, "\n"), ind = strspn(line, " ");
        const char *l = line + ind;
        int msg = 0;
        if (line == s) {
            if (strncmp(line, "sequenceDiagram\n", 16) != 0)
                return -1;
        } else if (strncmp(l, "participant ", 12) != 0 && strncmp(l, "end\n", 4) != 0) {
            size_t h = mermaid_head(l, &msg);
            if (ind == 0 || h == 0 || !mermaid_text_ok(l + h, n - ind - h))
                return -1;
            msgs += msg;
        }
        line += n + (line[n] == '\n');
    }
    return msgs;
}

/* PlantUML label text: '<' only in the tags we write, '&' only "&#NN;",
 * '\' only our "\n", no '%' or '~', no doubled creole marker. */
static int plantuml_text_ok(const char *t, size_t n)
{
    static const char *const tags[] = {"<i>", "</i>", "<U+005C>", "<color:#7b8794>", "</color>"};
    for (size_t i = 0; i < n; i++) {
        size_t k = 0, e = t[i] == '&' && t[i + 1] == '#' ? entity_len(t + i) : 0;
        if (t[i] == '<') {
            while (k < 5 && strncmp(t + i, tags[k], strlen(tags[k])) != 0)
                k++;
            if (k == 5)
                return 0;
            i += strlen(tags[k]) - 1;
        } else if (t[i] == '&') {
            if (e == 0)
                return 0;
            i += e - 1;
        } else if (t[i] == '\\') {
            if (t[++i] != 'n')
                return 0;
        } else if (t[i] == '%' || t[i] == '~' ||
                   (i + 1 < n && t[i + 1] == t[i] && strchr("*/\"_-=^,[|", t[i]) != NULL)) {
            return 0;
        }
    }
    return 1;
}

/* Length of a PlantUML statement head ("App -> AS : ", "alt "...); *msg = 1
 * for a message or note; 0 when l starts with none. */
static size_t plantuml_head(const char *l, int *msg)
{
    static const char *const kw[] = {"title ", "alt ", "opt ", "loop "};
    static const char *const arrows[] = {" -> ", " --> ", " -[#b42318]> ", " -[#b42318]-> "};
    size_t a, b;
    *msg = 0;
    for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
        if (strncmp(l, kw[i], strlen(kw[i])) == 0)
            return strlen(kw[i]);
    }
    if (strncmp(l, "note over ", 10) == 0 && (a = id_len(l + 10)) > 0 &&
        strncmp(l + 10 + a, " : ", 3) == 0) {
        *msg = 1;
        return 13 + a;
    }
    if ((a = id_len(l)) == 0)
        return 0;
    for (size_t i = 0; i < sizeof(arrows) / sizeof(arrows[0]); i++) {
        size_t w = strlen(arrows[i]);
        if (strncmp(l + a, arrows[i], w) == 0 && (b = id_len(l + a + w)) > 0 &&
            strncmp(l + a + w + b, " : ", 3) == 0) {
            *msg = 1;
            return a + w + b + 3;
        }
    }
    return 0;
}

/* Each line of a PlantUML export must be a statement we write, its text
 * escaped; returns the number of messages and notes, -1 on a stray line. */
static int plantuml_lines(const char *s)
{
    int msgs = 0;
    if (strncmp(s, "@startuml\n", 10) != 0 || strlen(s) < 18 ||
        strcmp(s + strlen(s) - 9, "\n@enduml\n") != 0)
        return -1;
    for (const char *line = s + 10; *line != '\0';) {
        size_t n = strcspn(line, "\n"), ind = strspn(line, " ");
        const char *l = line + ind;
        int msg = 0;
        if (strncmp(l, "skinparam ", 10) != 0 && strncmp(l, "participant ", 12) != 0 &&
            strncmp(l, "end\n", 4) != 0 && strcmp(l, "@enduml\n") != 0) {
            size_t h = plantuml_head(l, &msg);
            if (h == 0 || !plantuml_text_ok(l + h, n - ind - h))
                return -1;
            msgs += msg;
        }
        line += n + (line[n] == '\n');
    }
    return msgs;
}

GH_TEST(trace_hostile_text)
{
    struct gh_trace_step steps[4];
    struct gh_buf out;
    size_t n = hostile_steps(steps);
    gh_buf_init(&out, 1 << 22);
    ASSERT_INT_EQ(export(steps, n, GH_FMT_SVG, hostile, 0, &out), 0);
    ASSERT_TRUE(xml_ok(out.p));
    ASSERT_TRUE(strstr(out.p, "<script") == NULL);
    ASSERT_NOT_NULL(strstr(out.p, "&lt;script&gt;alert(&quot;x&quot;)"));
    ASSERT_INT_EQ(export(steps, n, GH_FMT_DRAWIO, hostile, 0, &out), 0);
    ASSERT_TRUE(xml_ok(out.p));
    ASSERT_TRUE(strstr(out.p, "<script") == NULL);
    /* html=1 labels: escaped for HTML, then for XML */
    ASSERT_NOT_NULL(strstr(out.p, "&amp;lt;script&amp;gt;alert(&amp;quot;x&amp;quot;)"));
    ASSERT_INT_EQ(export(steps, n, GH_FMT_MERMAID, hostile, 0, &out), 0);
    ASSERT_INT_EQ(mermaid_lines(out.p), (int)n);
    ASSERT_NOT_NULL(strstr(out.p, "#lt;script#gt;alert(\"x\")"));
    ASSERT_NOT_NULL(strstr(out.p, "\n    alt end #amp; #lt;b#gt;#59;#35;\n"));
    ASSERT_NOT_NULL(strstr(out.p, "\n        App->>App: #119;rap:#lt;script"));
    ASSERT_TRUE(strstr(out.p, "%") == NULL);
    ASSERT_INT_EQ(export(steps, n, GH_FMT_PLANTUML, hostile, 0, &out), 0);
    ASSERT_INT_EQ(plantuml_lines(out.p), (int)n);
    ASSERT_NOT_NULL(strstr(out.p, "&#60;script>alert(\"x\")"));
    ASSERT_NOT_NULL(strstr(out.p, " &#37;date() "));
    gh_buf_release(&out);
}

GH_TEST(trace_seed_statements)
{
    struct gh_trace_step steps[SEED_N];
    struct gh_buf out;
    seed_steps(steps, 0);
    gh_buf_init(&out, 1 << 22);
    ASSERT_INT_EQ(export(steps, SEED_N, GH_FMT_MERMAID, SEED_TITLE, 0, &out), 0);
    ASSERT_INT_EQ(mermaid_lines(out.p), (int)SEED_N);
    ASSERT_NOT_NULL(strstr(out.p, "\n    participant AS as Authorization Server\n"));
    ASSERT_NOT_NULL(strstr(out.p, "\n    loop refresh token rotation\n        App->>AS: "));
    ASSERT_NOT_NULL(strstr(out.p, "\n        Note over App: session expired — sign in again\n"));
    ASSERT_NOT_NULL(
        strstr(out.p, "\n    API->>API: validate JWT: signature, typ, iss, aud, exp\n"));
    ASSERT_INT_EQ(export(steps, SEED_N, GH_FMT_PLANTUML, SEED_TITLE, 0, &out), 0);
    ASSERT_INT_EQ(plantuml_lines(out.p), (int)SEED_N);
    ASSERT_NOT_NULL(strstr(out.p, "\nparticipant \"Frontend App\" as App\n"));
    ASSERT_NOT_NULL(strstr(out.p, "\nalt refresh token expired\n"));
    ASSERT_NOT_NULL(strstr(out.p, "\n  AS -[#b42318]-> App : 400 invalid_grant"));
    for (size_t f = 2; f < 4; f++) {
        ASSERT_INT_EQ(export(steps, SEED_N, fmts[f].fmt, SEED_TITLE, 0, &out), 0);
        ASSERT_TRUE(xml_ok(out.p));
    }
    gh_buf_release(&out);
}

GH_TEST(trace_timings)
{
    struct gh_trace_step steps[SEED_N];
    struct gh_buf out;
    char t[40];
    seed_steps(steps, 1700000000000000);
    gh_buf_init(&out, 1 << 22);
    gh_trace_timing(&steps[1], steps[0].t_us, t, sizeof(t));
    ASSERT_STR_EQ(t, "+12 ms (3.5 ms)");
    gh_trace_timing(&steps[0], steps[0].t_us, t, sizeof(t));
    ASSERT_STR_EQ(t, "+0.0 ms (3.4 ms)");
    steps[5].t_us = steps[0].t_us + 12300000;
    steps[5].dur_us = 0;
    gh_trace_timing(&steps[5], steps[0].t_us, t, sizeof(t));
    ASSERT_STR_EQ(t, "+12.3 s");
    steps[5].t_us = steps[0].t_us - 700;
    gh_trace_timing(&steps[5], steps[0].t_us, t, sizeof(t));
    ASSERT_STR_EQ(t, "-0.7 ms");
    steps[5].t_us = INT64_MIN;
    gh_trace_timing(&steps[5], INT64_MAX, t, sizeof(t)); /* overflow: no crash */
    for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
        ASSERT_INT_EQ(export(steps, SEED_N, fmts[f].fmt, NULL, 1, &out), 0);
        ASSERT_NOT_NULL(strstr(out.p, "+12 ms (3.5 ms)"));
        ASSERT_NOT_NULL(strstr(out.p, "+24 ms (3.6 ms)"));
        if (fmts[f].fmt == GH_FMT_SVG || fmts[f].fmt == GH_FMT_DRAWIO)
            ASSERT_TRUE(xml_ok(out.p));
    }
    ASSERT_INT_EQ(export(steps, SEED_N, GH_FMT_MERMAID, NULL, 1, &out), 0);
    ASSERT_INT_EQ(mermaid_lines(out.p), (int)SEED_N);
    ASSERT_INT_EQ(export(steps, SEED_N, GH_FMT_PLANTUML, NULL, 1, &out), 0);
    ASSERT_INT_EQ(plantuml_lines(out.p), (int)SEED_N);
    gh_buf_release(&out);
}

GH_TEST(trace_bad_input)
{
    struct gh_trace_step steps[SEED_N];
    struct gh_buf out;
    enum gh_trace_format fmt = GH_FMT_SVG;
    seed_steps(steps, 0);
    gh_buf_init(&out, 1 << 22);
    gh_buf_puts(&out, "kept");
    steps[4].to = GH_P_COUNT;
    ASSERT_INT_EQ(gh_trace_export(steps, SEED_N, GH_FMT_SVG, NULL, &out), GH_EINVAL);
    steps[4].to = AS;
    steps[6].kind = 9;
    ASSERT_INT_EQ(gh_trace_export(steps, SEED_N, GH_FMT_MERMAID, NULL, &out), GH_EINVAL);
    steps[6].kind = GH_STEP_CALL;
    steps[7].group_kind = 7;
    ASSERT_INT_EQ(gh_trace_export(steps, SEED_N, GH_FMT_DRAWIO, NULL, &out), GH_EINVAL);
    steps[7].group_kind = 0;
    ASSERT_INT_EQ(gh_trace_export(steps, SEED_N, (enum gh_trace_format)42, NULL, &out), GH_EINVAL);
    ASSERT_INT_EQ(gh_trace_export(NULL, 1, GH_FMT_SVG, NULL, &out), GH_EINVAL);
    ASSERT_INT_EQ(gh_trace_export(steps, GH_TRACE_EXPORT_MAX + 1, GH_FMT_SVG, NULL, &out),
                  GH_EINVAL);
    ASSERT_STR_EQ(out.p, "kept");
    /* a cap too small for the output: GH_ENOMEM and the buffer as it was */
    for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
        struct gh_buf small;
        gh_buf_init(&small, 600);
        gh_buf_puts(&small, "kept");
        ASSERT_INT_EQ(gh_trace_export(steps, SEED_N, fmts[f].fmt, NULL, &small), GH_ENOMEM);
        ASSERT_STR_EQ(small.p, "kept");
        gh_buf_release(&small);
    }
    /* no steps at all: the four participants and nothing else */
    ASSERT_INT_EQ(gh_trace_export(steps, 0, GH_FMT_SVG, NULL, &out), 0);
    ASSERT_NOT_NULL(strstr(out.p, "Resource API"));
    ASSERT_INT_EQ(gh_trace_format_parse("plantuml", &fmt), 0);
    ASSERT_INT_EQ(fmt, GH_FMT_PLANTUML);
    ASSERT_INT_EQ(gh_trace_format_parse("drawio", &fmt), 0);
    ASSERT_INT_EQ(fmt, GH_FMT_DRAWIO);
    ASSERT_INT_EQ(gh_trace_format_parse("png", &fmt), GH_EINVAL);
    ASSERT_INT_EQ(gh_trace_format_parse(NULL, &fmt), GH_EINVAL);
    ASSERT_STR_EQ(gh_part_name(GH_P_AS), "Authorization Server");
    ASSERT_STR_EQ(gh_part_name(GH_P_COUNT), "?");
    gh_buf_release(&out);
}

GH_TEST(trace_utf8_sanitising)
{
    static const struct {
        const char *in, *out;
    } v[] = {
        {"a→b", "a→b"},
        {"\xff", "\xef\xbf\xbd"},
        {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},                 /* overlong '/' */
        {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
        {"\xe2\x86", "\xef\xbf\xbd\xef\xbf\xbd"},                 /* truncated */
        {"t\x01\x7f\xc2\x85", "t   "},                            /* C0, DEL, C1 */
        {"<&\"'>\n", "&lt;&amp;&quot;&#39;&gt; "},
    };
    struct gh_buf b;
    gh_buf_init(&b, 256);
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        gh_buf_reset(&b);
        ASSERT_INT_EQ(gh_trace_put_xml(&b, v[i].in, strlen(v[i].in), 0), 0);
        ASSERT_STR_EQ(b.p, v[i].out);
    }
    gh_buf_reset(&b);
    gh_trace_put_xml(&b, "<b>\nx", 5, 1);
    ASSERT_STR_EQ(b.p, "&amp;lt;b&amp;gt;&lt;br&gt;x");
    gh_buf_release(&b);
}

/* Layout invariants: labels fit between their lifelines, rows do not
 * overlap, fragments enclose their rows and stay inside the picture. */
GH_TEST(trace_layout_invariants)
{
    struct gh_trace_step steps[SEED_N];
    struct gh_export_opts opts = {SEED_TITLE, 1, NULL, 0};
    struct gh_layout l;
    seed_steps(steps, 0);
    ASSERT_INT_EQ(gh_layout_build(steps, SEED_N, &opts, &l), 0);
    for (int p = 0; p + 1 < GH_P_COUNT; p++)
        ASSERT_TRUE(l.col_x[p + 1] - l.col_x[p] >= (l.box_w[p] + l.box_w[p + 1]) / 2 + 10);
    for (size_t i = 0; i < l.nrows; i++) {
        const struct gh_layout_row *r = &l.rows[i];
        int span = l.col_x[r->to] - l.col_x[r->from];
        if (r->kind == GH_STEP_CALL || r->kind == GH_STEP_REPLY)
            ASSERT_TRUE((span < 0 ? -span : span) >= r->text_w + 20);
        if (r->kind == GH_STEP_SELF && r->from + 1 < GH_P_COUNT)
            ASSERT_TRUE(r->right + 10 <= l.col_x[r->from + 1]);
        ASSERT_TRUE(r->top < r->bottom && r->left >= l.gutter_x && r->right <= l.width);
        if (i > 0)
            ASSERT_TRUE(r->top >= l.rows[i - 1].bottom);
    }
    ASSERT_INT_EQ(l.nfrags, 2);
    for (size_t k = 0; k < l.nfrags; k++) {
        const struct gh_layout_frag *f = &l.frags[k];
        for (size_t i = f->first; i <= f->last; i++) {
            ASSERT_TRUE(f->x < l.rows[i].left && f->x + f->w > l.rows[i].right);
            ASSERT_TRUE(f->y + f->tab_h < l.rows[i].top && f->y + f->h > l.rows[i].bottom);
        }
        ASSERT_TRUE(f->x + f->w <= l.width && f->y + f->h < l.foot_y);
    }
    ASSERT_STR_EQ(l.frags[0].word, "loop");
    ASSERT_INT_EQ(l.frags[1].first, 14);
    ASSERT_INT_EQ(l.frags[1].last, 17);
    gh_layout_release(&l);
}
