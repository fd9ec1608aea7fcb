/*
 * libmicrohttpd adapter; see http.h. An epoll thread pool serves every
 * listener. Handlers whose answer waits for the store's group commit defer
 * it (gh_req_defer): the connection is suspended, the thread goes on with
 * other connections, and the commit resumes it. So a few threads keep
 * many writes in flight, and 64 concurrent rotations share one fsync
 * (docs/internals/store.md, "Group commit") without 64 threads.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "core/clock.h"
#include "http/http.h"
#include "core/err.h"

struct gh_http {
    struct MHD_Daemon *d;
    struct gh_http_opts o;
    unsigned port;
    _Atomic unsigned inflight; /* requests between first callback and completion */
};

/* Per-request state, created on the first callback of a request. */
struct req_state {
    struct gh_req r; /* first member: gh_req_resume finds the state from it */
    struct gh_buf body;
    int too_large;
    int suspended;
};

static int split_listen(const char *listen, char *host, size_t hostlen, char *port, size_t portlen)
{
    const char *colon = strrchr(listen, ':');
    if (colon == NULL)
        return GH_EINVAL;
    const char *h = listen;
    size_t hl = (size_t)(colon - listen);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl == 0 || hl >= hostlen || strlen(colon + 1) >= portlen)
        return GH_EINVAL;
    memcpy(host, h, hl);
    host[hl] = '\0';
    snprintf(port, portlen, "%s", colon + 1);
    return 0;
}

static enum gh_method method_of(const char *m)
{
    if (strcmp(m, "GET") == 0)
        return GH_GET;
    if (strcmp(m, "POST") == 0)
        return GH_POST;
    if (strcmp(m, "OPTIONS") == 0)
        return GH_OPTIONS;
    if (strcmp(m, "HEAD") == 0)
        return GH_HEAD;
    if (strcmp(m, "PUT") == 0)
        return GH_PUT;
    if (strcmp(m, "DELETE") == 0)
        return GH_DELETE;
    return 0;
}

static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                 size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    struct gh_req *r = cls;
    if (gh_form_add(r->arena, &r->query, key, key_size, value ? value : "",
                    value ? value_size : 0) < 0)
        r->query_invalid = 1;
    return MHD_YES;
}

static int route_match(const struct gh_route *rt, const char *path)
{
    size_t n = strlen(rt->path);
    if (n > 0 && rt->path[n - 1] == '*')
        return strncmp(path, rt->path, n - 1) == 0;
    return strcmp(path, rt->path) == 0;
}

/* The route for (path, method); *allowed collects the methods the path has. */
static const struct gh_route *route_find(const struct gh_http *h, const char *path,
                                         enum gh_method method, unsigned *allowed)
{
    const struct gh_route *found = NULL;
    *allowed = 0;
    for (size_t i = 0; i < h->o.n_routes; i++) {
        const struct gh_route *rt = &h->o.routes[i];
        if (!route_match(rt, path))
            continue;
        *allowed |= rt->methods;
        /* HEAD is GET without the body (libmicrohttpd drops it) */
        unsigned want = method == GH_HEAD ? GH_GET | GH_HEAD : (unsigned)method;
        if (found == NULL && (rt->methods & want))
            found = rt;
    }
    return found;
}

static void method_not_allowed(struct gh_req *r, unsigned allowed)
{
    static const char *const names[] = {"GET", "POST", "OPTIONS", "HEAD", "PUT", "DELETE"};
    struct gh_buf b;
    gh_buf_init(&b, 64);
    for (unsigned i = 0; i < GH_ARRAY_LEN(names); i++)
        if (allowed & (1u << i))
            gh_buf_printf(&b, "%s%s", b.len ? ", " : "", names[i]);
    gh_resp_header(r, "Allow", gh_arena_strdup(r->arena, b.p ? b.p : ""));
    gh_buf_release(&b);
    gh_resp_error(r, 405, "invalid_request", "method not allowed");
}

static enum MHD_Result send_response(struct MHD_Connection *c, struct gh_req *r)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        r->resp_len, (void *)(r->resp ? r->resp : ""), MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    if (r->content_type != NULL)
        MHD_add_response_header(resp, "Content-Type", r->content_type);
    for (int i = 0; i < r->n_headers; i++)
        MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void dispatch(struct gh_http *h, struct req_state *st, const char *url)
{
    struct gh_req *r = &st->r;
    r->path = url;
    r->body = st->body.p ? st->body.p : "";
    r->body_len = st->body.len;
    unsigned allowed;
    const struct gh_route *rt = route_find(h, url, r->method, &allowed);
    if (st->too_large) {
        gh_resp_error(r, 413, "invalid_request", "request body too large");
    } else if (allowed == 0) {
        gh_resp_error(r, 404, "not_found", "no such endpoint");
    } else if (rt == NULL) {
        method_not_allowed(r, allowed);
    } else {
        r->route = rt->path;
        rt->fn(r);
    }
}

static void peer_addr(struct MHD_Connection *c, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (ci == NULL || ci->client_addr == NULL)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)len);
}

/* Every field line of X-Forwarded-For and of Forwarded, each joined with
 * "," (RFC 9110 5.3): a proxy may add its own line instead of appending. */
struct fwd_lines {
    struct gh_buf xff, fwd;
    int has_xff, has_fwd, too_long;
};

#define FWD_LINES_MAX 16384

static enum MHD_Result fwd_line(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    struct fwd_lines *l = cls;
    struct gh_buf *b = NULL;
    if (strcasecmp(key, "X-Forwarded-For") == 0) {
        b = &l->xff;
        l->has_xff = 1;
    } else if (strcasecmp(key, "Forwarded") == 0) {
        b = &l->fwd;
        l->has_fwd = 1;
    }
    if (b != NULL &&
        ((b->len > 0 && gh_buf_putc(b, ',') < 0) || gh_buf_puts(b, value ? value : "") < 0))
        l->too_long = 1;
    return MHD_YES;
}

/* r->peer is the TCP peer; r->addr the client (addr.h gh_client_addr). */
static void client_addr(const struct gh_http *h, struct MHD_Connection *c, struct gh_req *r)
{
    peer_addr(c, r->peer, sizeof(r->peer));
    const struct gh_cidrs *t = h->o.trusted_proxies;
    struct gh_ip ip;
    int ok = gh_ip_parse(r->peer, strlen(r->peer), &ip) == 0;
    if (ok)
        gh_ip_format(&ip, r->peer); /* ::ffff:a.b.c.d is a.b.c.d */
    if (!ok || t == NULL || t->n == 0 || !gh_cidrs_match(t, &ip)) {
        gh_client_addr(NULL, r->peer, NULL, NULL, r->addr);
        return;
    }
    struct fwd_lines l = {.has_xff = 0};
    gh_buf_init(&l.xff, FWD_LINES_MAX);
    gh_buf_init(&l.fwd, FWD_LINES_MAX);
    MHD_get_connection_values(c, MHD_HEADER_KIND, fwd_line, &l);
    if (l.too_long) /* ignored, like any header it cannot read */
        gh_client_addr(NULL, r->peer, NULL, NULL, r->addr);
    else
        gh_client_addr(t, r->peer, l.has_xff ? (l.xff.p ? l.xff.p : "") : NULL,
                       l.has_fwd ? (l.fwd.p ? l.fwd.p : "") : NULL, r->addr);
    gh_buf_release(&l.xff);
    gh_buf_release(&l.fwd);
}

static struct req_state *state_new(struct gh_http *h, struct MHD_Connection *c, const char *m)
{
    struct req_state *st = calloc(1, sizeof(*st));
    if (st == NULL)
        return NULL;
    size_t cap = h->o.max_body * 4 + 256 * 1024;
    st->r.arena = gh_arena_new(8192, cap);
    if (st->r.arena == NULL) {
        free(st);
        return NULL;
    }
    gh_buf_init(&st->body, h->o.max_body);
    st->r.ctx = h->o.ctx;
    st->r.listener = h->o.name;
    st->r.conn = c;
    st->r.method = method_of(m);
    st->r.start_us = gh_mono_us();
    client_addr(h, c, &st->r);
    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, add_query, &st->r);
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (cl != NULL && strtoull(cl, NULL, 10) > h->o.max_body)
        st->too_large = 1;
    return st;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct gh_http *h = cls;
    struct req_state *st = *con_cls;
    if (st == NULL) {
        st = state_new(h, c, method);
        if (st == NULL)
            return MHD_NO;
        atomic_fetch_add(&h->inflight, 1);
        *con_cls = st;
        /* A declared Content-Length over the limit is answered now: MHD
         * accepts a response only before the body is read, then discards
         * the body and closes the connection. */
        if (!st->too_large)
            return MHD_YES;
    } else if (*upload_data_size > 0) {
        /* A chunked body that outgrows the limit is read to its end and
         * dropped (never buffered), then answered with 413. */
        if (!st->too_large && gh_buf_append(&st->body, upload_data, *upload_data_size) < 0)
            st->too_large = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (st->suspended) {
        st->suspended = 0;
        gh_handler finish = st->r.defer_finish;
        /* a finish may defer once more (a second write after the first) */
        st->r.defer_start = st->r.defer_finish = NULL;
        finish(&st->r);
    } else {
        dispatch(h, st, url);
    }
    if (st->r.status == 0 && st->r.defer_start != NULL) {
        st->suspended = 1;
        MHD_suspend_connection(c); /* before start: the resume may come at once */
        st->r.defer_start(&st->r);
        return MHD_YES;
    }
    if (st->r.status == 0)
        gh_resp_error(&st->r, 500, "server_error", "no response");
    enum MHD_Result ret = send_response(c, &st->r);
    if (h->o.after != NULL)
        h->o.after(&st->r);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    (void)toe;
    struct gh_http *h = cls;
    struct req_state *st = *con_cls;
    if (st == NULL)
        return;
    atomic_fetch_sub(&h->inflight, 1);
    gh_buf_release(&st->body);
    gh_arena_free(st->r.arena);
    free(st);
    *con_cls = NULL;
}

int gh_http_start(const struct gh_http_opts *o, struct gh_http **out, char *err, size_t errlen)
{
    char host[128], port[16];
    if (split_listen(o->listen, host, sizeof(host), port, sizeof(port)) < 0) {
        snprintf(err, errlen, "bad listen address '%s' (want HOST:PORT)", o->listen);
        return GH_EINVAL;
    }
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    if (getaddrinfo(host, port, &hints, &ai) != 0) {
        snprintf(err, errlen, "bad listen address '%s' (want a numeric IP and port)", o->listen);
        return GH_EINVAL;
    }
    struct gh_http *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        freeaddrinfo(ai);
        return GH_ENOMEM;
    }
    h->o = *o;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (o->tls_cert_pem != NULL)
        flags |= MHD_USE_TLS;
    flags |= MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
    struct MHD_OptionItem ops[] = {
        {MHD_OPTION_SOCK_ADDR, 0, ai->ai_addr},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, h},
        {MHD_OPTION_CONNECTION_LIMIT, o->max_conns ? o->max_conns : 1000, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->max_conns_per_ip, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, o->conn_timeout ? o->conn_timeout : 30, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->conn_memory ? o->conn_memory : 64 * 1024, NULL},
        {MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL},
        {MHD_OPTION_THREAD_POOL_SIZE, o->threads ? o->threads : 2, NULL},
        {o->tls_cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)o->tls_cert_pem},
        {o->tls_key_pem ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, (void *)o->tls_key_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_ARRAY, ops,
                            MHD_OPTION_END);
    freeaddrinfo(ai);
    if (h->d == NULL) {
        snprintf(err, errlen, "cannot listen on '%s' (address in use or not available)", o->listen);
        free(h);
        return GH_EIO;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = di ? di->port : 0;
    *out = h;
    return 0;
}

unsigned gh_http_port(const struct gh_http *h)
{
    return h->port;
}

void gh_http_quiesce(struct gh_http *h)
{
    MHD_socket s = MHD_quiesce_daemon(h->d);
    if (s != MHD_INVALID_SOCKET)
        close(s);
}

unsigned gh_http_connections(const struct gh_http *h)
{
    return atomic_load(&h->inflight);
}

void gh_http_stop(struct gh_http *h)
{
    if (h == NULL)
        return;
    MHD_stop_daemon(h->d);
    free(h);
}

/* ---- deferred answers ---- */

void gh_req_defer(struct gh_req *r, gh_handler start, gh_handler finish)
{
    r->defer_start = start;
    r->defer_finish = finish;
}

void gh_req_resume(struct gh_req *r)
{
    MHD_resume_connection(r->conn);
}

/* ---- request and response helpers ---- */

const char *gh_req_header(struct gh_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

struct header_count {
    const char *name;
    int n;
};

static enum MHD_Result count_header(void *arg, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    struct header_count *hc = arg;
    (void)kind;
    (void)value;
    if (key != NULL && strcasecmp(key, hc->name) == 0)
        hc->n++;
    return MHD_YES;
}

int gh_req_header_count(struct gh_req *r, const char *name)
{
    struct header_count hc = {name, 0};
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, count_header, &hc);
    return hc.n;
}

const char *gh_req_cookie(struct gh_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

void gh_resp_header(struct gh_req *r, const char *name, const char *value)
{
    if (r->n_headers >= GH_MAX_HEADERS || value == NULL)
        return;
    r->hdr_name[r->n_headers] = name;
    r->hdr_value[r->n_headers] = value;
    r->n_headers++;
}

void gh_resp_body(struct gh_req *r, int status, const char *content_type, const char *body,
                  size_t len)
{
    r->status = status;
    r->content_type = content_type;
    r->resp = body;
    r->resp_len = len;
}

void gh_resp_json(struct gh_req *r, int status, const char *json)
{
    gh_resp_body(r, status, "application/json", json, strlen(json));
}

void gh_resp_error(struct gh_req *r, int status, const char *code, const char *desc)
{
    struct gh_buf b;
    gh_buf_init(&b, 1024);
    gh_buf_puts(&b, "{\"error\":");
    gh_buf_json_str(&b, code, strlen(code));
    if (desc != NULL) {
        gh_buf_puts(&b, ",\"error_description\":");
        gh_buf_json_str(&b, desc, strlen(desc));
    }
    gh_buf_putc(&b, '}');
    char *body = gh_arena_strndup(r->arena, b.p ? b.p : "{}", b.len);
    gh_buf_release(&b);
    gh_resp_header(r, "Cache-Control", "no-store");
    gh_resp_header(r, "Pragma", "no-cache");
    if (body == NULL)
        gh_resp_body(r, status, "application/json", "{\"error\":\"server_error\"}", 24);
    else
        gh_resp_json(r, status, body);
}

void gh_resp_redirect(struct gh_req *r, const char *location)
{
    gh_resp_header(r, "Location", location);
    gh_resp_header(r, "Cache-Control", "no-store");
    /* RFC 9700 4.12: after a form post, 303 so the browser does not re-post */
    gh_resp_body(r, r->method == GH_POST ? 303 : 302, "text/plain", "", 0);
}
