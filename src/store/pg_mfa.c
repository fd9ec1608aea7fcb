/* One-time code setup and recovery codes on PostgreSQL (store.h mfa_*,
 * recovery_use; RFC 6238). */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "store/pg_int.h"

static const char SQL_MFA_GET[] =
    "SELECT secret_sealed, enabled, last_step, updated_at FROM user_mfa WHERE sub = $1";
static const char SQL_MFA_PUT[] =
    "INSERT INTO user_mfa(sub, secret_sealed, enabled, last_step, updated_at) "
    "VALUES ($1, $2, $3, -1, $4) ON CONFLICT (sub) DO UPDATE SET "
    "secret_sealed = excluded.secret_sealed, enabled = excluded.enabled, last_step = -1, "
    "updated_at = excluded.updated_at";
static const char SQL_MFA_ENABLE[] = "UPDATE user_mfa SET enabled = 1, last_step = $2, "
                                     "updated_at = $3 WHERE sub = $1 AND last_step < $2";
static const char SQL_MFA_STEP[] =
    "UPDATE user_mfa SET last_step = $2 WHERE sub = $1 AND enabled = 1 AND last_step < $2";
static const char SQL_MFA_DELETE[] = "DELETE FROM user_mfa WHERE sub = $1";
static const char SQL_RECOVERY_CLEAR[] = "DELETE FROM recovery_code WHERE sub = $1";
static const char SQL_RECOVERY_ADD[] =
    "INSERT INTO recovery_code(sub, hash) VALUES ($1, $2) ON CONFLICT DO NOTHING";
static const char SQL_RECOVERY_USE[] = "DELETE FROM recovery_code WHERE sub = $1 AND hash = $2";
static const char SQL_RECOVERY_COUNT[] = "SELECT COUNT(*) FROM recovery_code WHERE sub = $1";
/* the row locked: a concurrent removal or new enrolment waits for us */
static const char SQL_MFA_ENABLED[] =
    "SELECT 1 FROM user_mfa WHERE sub = $1 AND enabled = 1 FOR UPDATE";

int pgs_mfa_get(struct gh_store *gs, const char *sub, struct gh_mfa *out)
{
    int rc;
    memset(out, 0, sizeof(*out));
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_MFA_GET, &rc, "t", sub);
    if (r == NULL)
        return rc;
    rc = PQntuples(r) == 1 ? 0 : GH_ENOTFOUND;
    if (rc == 0) {
        snprintf(out->sub, sizeof(out->sub), "%s", sub);
        pgs_text(r, 0, 0, out->secret_sealed, sizeof(out->secret_sealed));
        out->enabled = pgs_int(r, 0, 1) != 0;
        out->last_step = pgs_int(r, 0, 2);
        out->updated_at = pgs_int(r, 0, 3);
    }
    PQclear(r);
    return rc;
}

/* Removes sub's setup and recovery codes inside the caller's write;
 * rows removed from user_mfa, or a gh_err. */
int pgs_mfa_forget(struct pgs_conn *c, const char *sub)
{
    int rc = pgs_exec(c, SQL_RECOVERY_CLEAR, "t", sub);
    return rc < 0 ? rc : pgs_exec(c, SQL_MFA_DELETE, "t", sub);
}

static int put_fn(struct pgs_conn *c, void *arg)
{
    const struct gh_mfa *m = arg;
    int rc = m->enabled ? 0 : pgs_exec(c, SQL_RECOVERY_CLEAR, "t", m->sub);
    if (rc >= 0)
        rc = pgs_exec(c, SQL_MFA_PUT, "ttii", m->sub, m->secret_sealed, (int64_t)(m->enabled != 0),
                      m->updated_at);
    return rc < 0 ? rc : 0;
}

int pgs_mfa_put(struct gh_store *gs, const struct gh_mfa *m)
{
    return pgs_write((struct pgs_store *)gs, put_fn, (void *)m);
}

struct enable_job {
    const char *sub;
    int64_t step, now;
    const unsigned char *hashes;
    size_t n;
};

static int enable_fn(struct pgs_conn *c, void *arg)
{
    const struct enable_job *j = arg;
    int rc = pgs_exec(c, SQL_MFA_ENABLE, "tii", j->sub, j->step, j->now);
    if (rc == 0)
        return GH_ECONFLICT;
    if (rc >= 0)
        rc = pgs_exec(c, SQL_RECOVERY_CLEAR, "t", j->sub);
    for (size_t i = 0; rc >= 0 && i < j->n; i++)
        rc = pgs_exec(c, SQL_RECOVERY_ADD, "th", j->sub, j->hashes + i * GH_SHA256_LEN);
    return rc < 0 ? rc : 0;
}

int pgs_mfa_enable(struct gh_store *gs, const char *sub, int64_t step, const unsigned char *hashes,
                   size_t n, int64_t now)
{
    struct enable_job j = {sub, step, now, hashes, n};
    return pgs_write((struct pgs_store *)gs, enable_fn, &j);
}

struct step_job {
    const char *sub;
    int64_t step;
};

static int step_fn(struct pgs_conn *c, void *arg)
{
    const struct step_job *j = arg;
    int rc = pgs_exec(c, SQL_MFA_STEP, "ti", j->sub, j->step);
    return rc == 0 ? GH_ECONFLICT : rc < 0 ? rc : 0;
}

int pgs_mfa_use_step(struct gh_store *gs, const char *sub, int64_t step)
{
    struct step_job j = {sub, step};
    return pgs_write((struct pgs_store *)gs, step_fn, &j);
}

static int remove_fn(struct pgs_conn *c, void *arg)
{
    int rc = pgs_mfa_forget(c, arg);
    return rc == 0 ? GH_ENOTFOUND : rc < 0 ? rc : 0;
}

int pgs_mfa_remove(struct gh_store *gs, const char *sub)
{
    return pgs_write((struct pgs_store *)gs, remove_fn, (void *)sub);
}

struct recovery_job {
    const char *sub;
    const unsigned char *hash;
};

static int recovery_fn(struct pgs_conn *c, void *arg)
{
    const struct recovery_job *j = arg;
    int rc = pgs_exec(c, SQL_RECOVERY_USE, "th", j->sub, j->hash);
    return rc == 0 ? GH_ENOTFOUND : rc < 0 ? rc : 0;
}

int pgs_recovery_use(struct gh_store *gs, const char *sub, const unsigned char hash[GH_SHA256_LEN])
{
    struct recovery_job j = {sub, hash};
    return pgs_write((struct pgs_store *)gs, recovery_fn, &j);
}

int pgs_recovery_count(struct gh_store *gs, const char *sub, int *n)
{
    int rc;
    *n = 0;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_RECOVERY_COUNT, &rc, "t", sub);
    if (r == NULL)
        return rc;
    if (PQntuples(r) == 1)
        *n = (int)pgs_int(r, 0, 0);
    PQclear(r);
    return 0;
}

struct replace_job {
    const char *sub;
    const unsigned char *hashes;
    size_t n;
};

static int replace_fn(struct pgs_conn *c, void *arg)
{
    const struct replace_job *j = arg;
    int rc;
    PGresult *r = pgs_run(c, SQL_MFA_ENABLED, &rc, "t", j->sub);
    if (r == NULL)
        return rc;
    int enabled = PQntuples(r) == 1;
    PQclear(r);
    if (!enabled)
        return GH_ENOTFOUND;
    rc = pgs_exec(c, SQL_RECOVERY_CLEAR, "t", j->sub);
    for (size_t i = 0; rc >= 0 && i < j->n; i++)
        rc = pgs_exec(c, SQL_RECOVERY_ADD, "th", j->sub, j->hashes + i * GH_SHA256_LEN);
    return rc < 0 ? rc : 0;
}

int pgs_recovery_replace(struct gh_store *gs, const char *sub, const unsigned char *hashes,
                         size_t n)
{
    struct replace_job j = {sub, hashes, n};
    return pgs_write((struct pgs_store *)gs, replace_fn, &j);
}
