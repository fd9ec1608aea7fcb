/* Remembered consent on SQLite (store.h consent_get, consent_put). */
#include <string.h>

#include "core/err.h"
#include "store/sqlite_int.h"

static const char SQL_CONSENT_GET[] = "SELECT scope FROM consent WHERE sub = ? AND client_id = ?";
static const char SQL_CONSENT_PUT[] =
    "INSERT INTO consent(sub, client_id, scope, granted_at) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT(sub, client_id) DO UPDATE SET scope = ?3, granted_at = ?4";

int sq_consent_get(struct gh_store *gs, const char *sub, const char *client_id, char *scope,
                   size_t len)
{
    scope[0] = '\0';
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_CONSENT_GET) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "tt", sub, client_id);
    int s = sqlite3_step(st);
    int rc = s == SQLITE_ROW ? 0 : s == SQLITE_DONE ? GH_ENOTFOUND : sq_err(s);
    if (rc == 0)
        sq_text(st, 0, scope, len);
    sqlite3_reset(st);
    return rc;
}

struct consent_job {
    const char *sub, *client_id, *scope;
    int64_t now;
};

static int consent_put_fn(struct sq_conn *c, void *arg)
{
    const struct consent_job *j = arg;
    int rc = sq_exec(c, SQL_CONSENT_PUT, "ttti", j->sub, j->client_id, j->scope, j->now);
    return rc < 0 ? rc : 0;
}

int sq_consent_put(struct gh_store *gs, const char *sub, const char *client_id, const char *scope,
                   int64_t now)
{
    struct consent_job j = {sub, client_id, scope, now};
    return sq_write((struct sq_store *)gs, consent_put_fn, &j);
}
