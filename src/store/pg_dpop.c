/* The DPoP replay table on PostgreSQL (store.h dpop_jti_use, RFC 9449
 * 11.1): insert-or-fail on (jti hash, key thumbprint). The primary key
 * decides between processes: of two racing inserts of one proof, one
 * inserts and the other finds the row. */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/pg_int.h"

static const char SQL_DPOP_JTI[] = "INSERT INTO dpop_jti(jti_hash, jkt, expires_at) VALUES ($1, "
                                   "$2, $3) ON CONFLICT (jti_hash, jkt) DO NOTHING";

/* One use; the asynchronous form owns a copy of its inputs. */
struct dpop_job {
    unsigned char jti[GH_SHA256_LEN];
    char jkt[GH_JKT_MAX];
    int64_t expires_at;
    gh_store_done done;
    void *arg;
};

static int dpop_fn(struct pgs_conn *c, void *arg)
{
    const struct dpop_job *j = arg;
    int rc = pgs_exec(c, SQL_DPOP_JTI, "hti", j->jti, j->jkt, j->expires_at);
    return rc < 0 ? rc : rc == 0 ? GH_EEXIST : 0;
}

static int job_init(struct dpop_job *j, const unsigned char jti[GH_SHA256_LEN], const char *jkt,
                    int64_t expires_at)
{
    size_t n = strlen(jkt);
    if (n >= sizeof(j->jkt))
        return GH_EINVAL;
    memcpy(j->jti, jti, GH_SHA256_LEN);
    memcpy(j->jkt, jkt, n + 1);
    j->expires_at = expires_at;
    return 0;
}

int pgs_dpop_jti_use(struct gh_store *gs, const unsigned char jti[GH_SHA256_LEN], const char *jkt,
                     int64_t expires_at)
{
    struct dpop_job j;
    int rc = job_init(&j, jti, jkt, expires_at);
    return rc < 0 ? rc : pgs_write((struct pgs_store *)gs, dpop_fn, &j);
}

static int dpop_op(struct pgs_store *s, void *arg)
{
    return pgs_write(s, dpop_fn, arg);
}

static void dpop_done(void *arg, int rc)
{
    struct dpop_job *j = arg;
    gh_store_done done = j->done;
    void *done_arg = j->arg;
    free(j);
    done(done_arg, rc);
}

int pgs_dpop_jti_use_async(struct gh_store *gs, const unsigned char jti[GH_SHA256_LEN],
                           const char *jkt, int64_t expires_at, gh_store_done done, void *arg)
{
    struct dpop_job *j = malloc(sizeof(*j));
    if (j == NULL)
        return GH_ENOMEM;
    int rc = job_init(j, jti, jkt, expires_at);
    j->done = done;
    j->arg = arg;
    if (rc == 0)
        rc = pgs_async((struct pgs_store *)gs, dpop_op, j, dpop_done, j);
    if (rc < 0)
        free(j);
    return rc;
}
