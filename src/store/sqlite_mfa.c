/* One-time code setup and recovery codes on SQLite (store.h mfa_*,
 * recovery_use; RFC 6238). */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "store/sqlite_int.h"

static const char SQL_MFA_GET[] =
    "SELECT secret_sealed, enabled, last_step, updated_at FROM user_mfa WHERE sub = ?";
static const char SQL_MFA_PUT[] =
    "INSERT INTO user_mfa(sub, secret_sealed, enabled, last_step, updated_at) "
    "VALUES (?1, ?2, ?3, -1, ?4) ON CONFLICT(sub) DO UPDATE SET secret_sealed = ?2, "
    "enabled = ?3, last_step = -1, updated_at = ?4";
static const char SQL_MFA_ENABLE[] = "UPDATE user_mfa SET enabled = 1, last_step = ?2, "
                                     "updated_at = ?3 WHERE sub = ?1 AND last_step < ?2";
static const char SQL_MFA_STEP[] =
    "UPDATE user_mfa SET last_step = ?2 WHERE sub = ?1 AND enabled = 1 AND last_step < ?2";
static const char SQL_MFA_DELETE[] = "DELETE FROM user_mfa WHERE sub = ?";
static const char SQL_RECOVERY_CLEAR[] = "DELETE FROM recovery_code WHERE sub = ?";
static const char SQL_RECOVERY_ADD[] =
    "INSERT OR IGNORE INTO recovery_code(sub, hash) VALUES (?, ?)";
static const char SQL_RECOVERY_USE[] = "DELETE FROM recovery_code WHERE sub = ? AND hash = ?";
static const char SQL_RECOVERY_COUNT[] = "SELECT COUNT(*) FROM recovery_code WHERE sub = ?";
static const char SQL_MFA_ENABLED[] = "SELECT 1 FROM user_mfa WHERE sub = ? AND enabled = 1";

int sq_mfa_get(struct gh_store *gs, const char *sub, struct gh_mfa *out)
{
    memset(out, 0, sizeof(*out));
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_MFA_GET) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "t", sub);
    int s = sqlite3_step(st);
    int rc = s == SQLITE_ROW ? 0 : s == SQLITE_DONE ? GH_ENOTFOUND : sq_err(s);
    if (rc == 0) {
        snprintf(out->sub, sizeof(out->sub), "%s", sub);
        sq_text(st, 0, out->secret_sealed, sizeof(out->secret_sealed));
        out->enabled = sqlite3_column_int64(st, 1) != 0;
        out->last_step = sqlite3_column_int64(st, 2);
        out->updated_at = sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    return rc;
}

/* Removes sub's setup and recovery codes inside the caller's write;
 * rows removed from user_mfa, or a gh_err. */
int sq_mfa_forget(struct sq_conn *c, const char *sub)
{
    int rc = sq_exec(c, SQL_RECOVERY_CLEAR, "t", sub);
    return rc < 0 ? rc : sq_exec(c, SQL_MFA_DELETE, "t", sub);
}

static int put_fn(struct sq_conn *c, void *arg)
{
    const struct gh_mfa *m = arg;
    int rc = m->enabled ? 0 : sq_exec(c, SQL_RECOVERY_CLEAR, "t", m->sub);
    if (rc >= 0)
        rc = sq_exec(c, SQL_MFA_PUT, "ttii", m->sub, m->secret_sealed, (int64_t)(m->enabled != 0),
                     m->updated_at);
    return rc < 0 ? rc : 0;
}

int sq_mfa_put(struct gh_store *gs, const struct gh_mfa *m)
{
    return sq_write((struct sq_store *)gs, put_fn, (void *)m);
}

struct enable_job {
    const char *sub;
    int64_t step, now;
    const unsigned char *hashes;
    size_t n;
};

static int enable_fn(struct sq_conn *c, void *arg)
{
    const struct enable_job *j = arg;
    int rc = sq_exec(c, SQL_MFA_ENABLE, "tii", j->sub, j->step, j->now);
    if (rc == 0)
        return GH_ECONFLICT;
    if (rc >= 0)
        rc = sq_exec(c, SQL_RECOVERY_CLEAR, "t", j->sub);
    for (size_t i = 0; rc >= 0 && i < j->n; i++)
        rc = sq_exec(c, SQL_RECOVERY_ADD, "th", j->sub, j->hashes + i * GH_SHA256_LEN);
    return rc < 0 ? rc : 0;
}

int sq_mfa_enable(struct gh_store *gs, const char *sub, int64_t step, const unsigned char *hashes,
                  size_t n, int64_t now)
{
    struct enable_job j = {sub, step, now, hashes, n};
    return sq_write((struct sq_store *)gs, enable_fn, &j);
}

struct step_job {
    const char *sub;
    int64_t step;
};

static int step_fn(struct sq_conn *c, void *arg)
{
    const struct step_job *j = arg;
    int rc = sq_exec(c, SQL_MFA_STEP, "ti", j->sub, j->step);
    return rc == 0 ? GH_ECONFLICT : rc < 0 ? rc : 0;
}

int sq_mfa_use_step(struct gh_store *gs, const char *sub, int64_t step)
{
    struct step_job j = {sub, step};
    return sq_write((struct sq_store *)gs, step_fn, &j);
}

static int remove_fn(struct sq_conn *c, void *arg)
{
    int rc = sq_mfa_forget(c, arg);
    return rc == 0 ? GH_ENOTFOUND : rc < 0 ? rc : 0;
}

int sq_mfa_remove(struct gh_store *gs, const char *sub)
{
    return sq_write((struct sq_store *)gs, remove_fn, (void *)sub);
}

struct recovery_job {
    const char *sub;
    const unsigned char *hash;
};

static int recovery_fn(struct sq_conn *c, void *arg)
{
    const struct recovery_job *j = arg;
    int rc = sq_exec(c, SQL_RECOVERY_USE, "th", j->sub, j->hash);
    return rc == 0 ? GH_ENOTFOUND : rc < 0 ? rc : 0;
}

int sq_recovery_use(struct gh_store *gs, const char *sub, const unsigned char hash[GH_SHA256_LEN])
{
    struct recovery_job j = {sub, hash};
    return sq_write((struct sq_store *)gs, recovery_fn, &j);
}

int sq_recovery_count(struct gh_store *gs, const char *sub, int *n)
{
    *n = 0;
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_RECOVERY_COUNT) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "t", sub);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        *n = (int)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return s == SQLITE_ROW ? 0 : sq_err(s);
}

struct replace_job {
    const char *sub;
    const unsigned char *hashes;
    size_t n;
};

static int replace_fn(struct sq_conn *c, void *arg)
{
    const struct replace_job *j = arg;
    sqlite3_stmt *st = sq_prep(c, SQL_MFA_ENABLED);
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "t", j->sub);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_ROW)
        return s == SQLITE_DONE ? GH_ENOTFOUND : sq_err(s);
    int rc = sq_exec(c, SQL_RECOVERY_CLEAR, "t", j->sub);
    for (size_t i = 0; rc >= 0 && i < j->n; i++)
        rc = sq_exec(c, SQL_RECOVERY_ADD, "th", j->sub, j->hashes + i * GH_SHA256_LEN);
    return rc < 0 ? rc : 0;
}

int sq_recovery_replace(struct gh_store *gs, const char *sub, const unsigned char *hashes, size_t n)
{
    struct replace_job j = {sub, hashes, n};
    return sq_write((struct sq_store *)gs, replace_fn, &j);
}
