/*
 * HTTP server adapter over libmicrohttpd: an internal epoll thread pool,
 * keep-alive, a route table {method, path, handler}, request bodies
 * collected into a per-request arena under a size cap, and responses built
 * in the arena. Unknown path → 404 JSON, wrong method → 405 with Allow,
 * body over the cap → 413. Handlers never see libmicrohttpd directly.
 */
#ifndef GH_HTTP_H
#define GH_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "http/addr.h"
#include "http/form.h"

enum gh_method {
    GH_GET = 1,
    GH_POST = 2,
    GH_OPTIONS = 4,
    GH_HEAD = 8,
    GH_PUT = 16,
    GH_DELETE = 32
};

#define GH_MAX_HEADERS 16

struct gh_req {
    void *ctx; /* the server's context, from gh_http_opts.ctx */
    struct gh_arena *arena;
    enum gh_method method;
    const char *path;
    const char *route;     /* the matched route's path (static), NULL if none */
    const char *listener;  /* gh_http_opts.name */
    const char *client_id; /* set by handlers that know it, for the access log */
    const char *body;
    size_t body_len;
    struct gh_form query;   /* decoded query parameters */
    int query_invalid;      /* the query string could not be decoded */
    char addr[GH_ADDR_LEN]; /* client address, no port (behind trusted proxies: theirs) */
    char peer[GH_ADDR_LEN]; /* TCP peer address */
    int64_t start_us;       /* monotonic, for latency */
    void *conn;             /* borrowed libmicrohttpd connection */
    /* response, filled by the handler */
    int status;
    const char *content_type;
    const char *resp;
    size_t resp_len;
    int n_headers;
    const char *hdr_name[GH_MAX_HEADERS], *hdr_value[GH_MAX_HEADERS];
    /* deferred answer (gh_req_defer) */
    void (*defer_start)(struct gh_req *r);
    void (*defer_finish)(struct gh_req *r);
    void *defer_arg; /* the handler's state across the deferral */
};

typedef void (*gh_handler)(struct gh_req *r);

/* Deferred answers, for work that completes on another thread (a commit
 * in the store's writer). The handler fills r->defer_arg, calls
 * gh_req_defer(r, start, finish) and returns without an answer. The
 * adapter takes the connection out of its event loop, then calls start(r),
 * which must make gh_req_resume(r) happen exactly once, from any thread;
 * finish(r) then runs on a connection thread and gives the answer. No
 * thread waits meanwhile, so a few threads serve many waiting requests and
 * they all join one group commit. */
void gh_req_defer(struct gh_req *r, gh_handler start, gh_handler finish);
/* (finish may call gh_req_defer again: the request waits once more; it
 * runs with r->defer_start cleared, so it can tell.) */
void gh_req_resume(struct gh_req *r);

struct gh_route {
    unsigned methods; /* enum gh_method bits */
    const char *path; /* exact path; a trailing '*' matches a prefix */
    gh_handler fn;
};

struct gh_http_opts {
    const char *name;   /* listener name for logs and metrics ("as", "api", ...) */
    const char *listen; /* "HOST:PORT" */
    const struct gh_route *routes;
    size_t n_routes;
    void *ctx;
    unsigned threads;   /* epoll threads (0: 2) */
    size_t max_body;    /* bytes */
    unsigned max_conns; /* global connection limit */
    unsigned max_conns_per_ip;
    unsigned conn_timeout; /* seconds of inactivity */
    /* libmicrohttpd's per-connection pool, bytes (0: 64 KiB): it holds the
     * request's and the response's headers, and MHD zeroes all of it after
     * each request, so an idle keep-alive connection keeps all of it resident */
    size_t conn_memory;
    const char *tls_cert_pem, *tls_key_pem; /* NULL: plain HTTP */
    /* peers whose X-Forwarded-For / Forwarded name the client (addr.h);
     * NULL or empty: none, the client is the TCP peer */
    const struct gh_cidrs *trusted_proxies;
    /* called after each response, e.g. for access logs; may be NULL */
    void (*after)(struct gh_req *r);
};

struct gh_http;

/* Starts serving; err names the problem on failure (e.g. port in use).
 * The bound port is available through gh_http_port. */
int gh_http_start(const struct gh_http_opts *o, struct gh_http **out, char *err, size_t errlen);
unsigned gh_http_port(const struct gh_http *h);
/* Stop accepting new connections (first step of a graceful stop). */
void gh_http_quiesce(struct gh_http *h);
/* Number of requests in progress (received, not yet completed). Idle
 * keep-alive connections do not count: a graceful stop waits for these
 * requests only, and MHD closes the idle connections when it stops. */
unsigned gh_http_connections(const struct gh_http *h);
void gh_http_stop(struct gh_http *h);

/* Request helpers. Header lookup is case-insensitive; NULL when absent. */
const char *gh_req_header(struct gh_req *r, const char *name);
/* How many request header fields are named name (case-insensitive). */
int gh_req_header_count(struct gh_req *r, const char *name);
/* Value of a cookie, or NULL. */
const char *gh_req_cookie(struct gh_req *r, const char *name);

/* Response helpers: the body is copied into the arena when needed. */
void gh_resp_header(struct gh_req *r, const char *name, const char *value);
void gh_resp_body(struct gh_req *r, int status, const char *content_type, const char *body,
                  size_t len);
void gh_resp_json(struct gh_req *r, int status, const char *json);
/* {"error":code,"error_description":desc} with Cache-Control: no-store. */
void gh_resp_error(struct gh_req *r, int status, const char *code, const char *desc);
void gh_resp_redirect(struct gh_req *r, const char *location);

#endif
