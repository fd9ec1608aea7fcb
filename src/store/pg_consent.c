/* Remembered consent on PostgreSQL (store.h consent_get, consent_put). */
#include <stdio.h>
#include <string.h>

#include "store/pg_int.h"
#include "core/err.h"

static const char SQL_CONSENT_GET[] = "SELECT scope FROM consent WHERE sub = $1 AND client_id = $2";
static const char SQL_CONSENT_PUT[] =
    "INSERT INTO consent(sub, client_id, scope, granted_at) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (sub, client_id) DO UPDATE SET scope = excluded.scope, "
    "granted_at = excluded.granted_at";

int pgs_consent_get(struct gh_store *gs, const char *sub, const char *client_id, char *scope,
                    size_t len)
{
    int rc;
    scope[0] = '\0';
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_CONSENT_GET, &rc, "tt", sub, client_id);
    if (r == NULL)
        return rc;
    rc = PQntuples(r) == 1 ? 0 : GH_ENOTFOUND;
    if (rc == 0)
        pgs_text(r, 0, 0, scope, len);
    PQclear(r);
    return rc;
}

struct consent_job {
    const char *sub, *client_id, *scope;
    int64_t now;
};

static int consent_put_fn(struct pgs_conn *c, void *arg)
{
    const struct consent_job *j = arg;
    int rc = pgs_exec(c, SQL_CONSENT_PUT, "ttti", j->sub, j->client_id, j->scope, j->now);
    return rc < 0 ? rc : 0;
}

int pgs_consent_put(struct gh_store *gs, const char *sub, const char *client_id, const char *scope,
                    int64_t now)
{
    struct consent_job j = {sub, client_id, scope, now};
    return pgs_write((struct pgs_store *)gs, consent_put_fn, &j);
}
