/* Opens the store named by a URL and dispatches to its implementation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "core/err.h"

int gh_store_open(const char *url, struct gh_store **out, char *err, size_t errlen)
{
    if (strncmp(url, "sqlite:", 7) == 0) {
        const char *path = url + 7;
        if (strncmp(path, "//", 2) == 0)
            path += 2;
        if (*path == '\0') {
            snprintf(err, errlen, "database URL '%s' has no file path", url);
            return GH_EINVAL;
        }
        return gh_sqlite_open(path, out, err, errlen);
    }
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
        return gh_pg_open(url, out, err, errlen);
    snprintf(err, errlen, "unsupported database URL '%s' (use sqlite:PATH or postgres://...)", url);
    return GH_EINVAL;
}

void gh_store_redact_url(const char *url, char *out, size_t outlen)
{
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
        pgs_redact(url, out, outlen);
    else
        snprintf(out, outlen, "%s", url);
}

void gh_store_close(struct gh_store *s)
{
    if (s != NULL)
        s->ops->close(s);
}

void gh_key_rows_free(struct gh_key_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (rows[i].pem != NULL) {
            memset(rows[i].pem, 0, strlen(rows[i].pem));
            free(rows[i].pem);
        }
    }
    free(rows);
}

/* The two asynchronous operations, for run_async. */
enum async_op { ASYNC_REDEEM, ASYNC_ROTATE };

/* One rule for both: the backend's asynchronous form when it has one and
 * takes the job (done then runs after its commit); otherwise the
 * synchronous operation here, then done. done always runs once. */
static void run_async(struct gh_store *s, enum async_op op, const void *req, void *out,
                      gh_store_done done, void *arg)
{
    const struct gh_store_ops *o = s->ops;
    int rc = GH_EUNAVAIL;
    if (op == ASYNC_REDEEM && o->code_redeem_async != NULL)
        rc = o->code_redeem_async(s, req, out, done, arg);
    else if (op == ASYNC_ROTATE && o->refresh_rotate_async != NULL)
        rc = o->refresh_rotate_async(s, req, out, done, arg);
    if (rc == 0)
        return;
    done(arg, op == ASYNC_REDEEM ? gh_store_code_redeem(s, req, out)
                                 : gh_store_refresh_rotate(s, req, out));
}

void gh_store_code_redeem_async(struct gh_store *s, const struct gh_redeem *r,
                                enum gh_redeem_result *out, gh_store_done done, void *arg)
{
    run_async(s, ASYNC_REDEEM, r, out, done, arg);
}

void gh_store_refresh_rotate_async(struct gh_store *s, const struct gh_rotate *r,
                                   struct gh_rotated *out, gh_store_done done, void *arg)
{
    run_async(s, ASYNC_ROTATE, r, out, done, arg);
}

void gh_store_dpop_jti_use_async(struct gh_store *s, const unsigned char jti[GH_SHA256_LEN],
                                 const char *jkt, int64_t expires_at, gh_store_done done, void *arg)
{
    if (s->ops->dpop_jti_use_async != NULL &&
        s->ops->dpop_jti_use_async(s, jti, jkt, expires_at, done, arg) == 0)
        return;
    done(arg, gh_store_dpop_jti_use(s, jti, jkt, expires_at));
}

struct gh_store_call *gh_store_call_new(const void *req, void *out, gh_store_done done, void *arg)
{
    struct gh_store_call *call = malloc(sizeof(*call));
    if (call != NULL)
        *call = (struct gh_store_call){req, out, done, arg};
    return call;
}

void gh_store_call_finish(void *arg, int rc)
{
    struct gh_store_call *call = arg;
    gh_store_done done = call->done;
    void *done_arg = call->arg;
    free(call);
    done(done_arg, rc);
}
