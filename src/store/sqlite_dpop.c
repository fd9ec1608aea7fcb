/* The DPoP replay table on SQLite (store.h dpop_jti_use, RFC 9449 11.1):
 * insert-or-fail on (jti hash, key thumbprint), through the group-commit
 * writer, so the answer leaves only after the row is durable. */
#include "core/err.h"
#include "store/sqlite_int.h"

static const char SQL_DPOP_JTI[] = "INSERT INTO dpop_jti(jti_hash, jkt, expires_at) VALUES (?, ?, "
                                   "?) ON CONFLICT(jti_hash, jkt) DO NOTHING";

struct dpop_job {
    const unsigned char *jti;
    const char *jkt;
    int64_t expires_at;
};

static int dpop_fn(struct sq_conn *c, void *arg)
{
    const struct dpop_job *j = arg;
    int rc = sq_exec(c, SQL_DPOP_JTI, "hti", j->jti, j->jkt, j->expires_at);
    return rc < 0 ? rc : rc == 0 ? GH_EEXIST : 0;
}

int sq_dpop_jti_use(struct gh_store *gs, const unsigned char jti[GH_SHA256_LEN], const char *jkt,
                    int64_t expires_at)
{
    struct dpop_job j = {jti, jkt, expires_at};
    return sq_write((struct sq_store *)gs, dpop_fn, &j);
}
