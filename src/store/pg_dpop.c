/* The DPoP replay table on PostgreSQL (store.h dpop_jti_use, RFC 9449
 * 11.1): insert-or-fail on (jti hash, key thumbprint). The primary key
 * decides between processes: of two racing inserts of one proof, one
 * inserts and the other finds the row. */
#include "core/err.h"
#include "store/pg_int.h"

static const char SQL_DPOP_JTI[] = "INSERT INTO dpop_jti(jti_hash, jkt, expires_at) VALUES ($1, "
                                   "$2, $3) ON CONFLICT (jti_hash, jkt) DO NOTHING";

struct dpop_job {
    const unsigned char *jti;
    const char *jkt;
    int64_t expires_at;
};

static int dpop_fn(struct pg_conn *c, void *arg)
{
    const struct dpop_job *j = arg;
    int rc = pg_exec(c, SQL_DPOP_JTI, "hti", j->jti, j->jkt, j->expires_at);
    return rc < 0 ? rc : rc == 0 ? GH_EEXIST : 0;
}

int pg_dpop_jti_use(struct gh_store *gs, const unsigned char jti[GH_SHA256_LEN], const char *jkt,
                    int64_t expires_at)
{
    struct dpop_job j = {jti, jkt, expires_at};
    return pg_write((struct pg_store *)gs, dpop_fn, &j);
}
