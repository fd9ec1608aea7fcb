/*
 * PostgreSQL store: what the CLI administers and servers cache — settings
 * and the revision counter, signing keys, clients and users. Every change
 * that servers cache bumps the revision first in its transaction: the row
 * lock on the counter also serialises concurrent admin changes (two
 * `keys rotate` at once still leave exactly one active key).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"
#include "core/err.h"

static const char SQL_BUMP[] =
    "UPDATE setting SET value = (value::bigint + 1)::text WHERE key = 'revision'";

static int bump(struct pgs_conn *c)
{
    int rc = pgs_exec(c, SQL_BUMP, "");
    return rc < 0 ? rc : 0;
}

/* ---- settings ---- */

static const char SQL_SETTING_GET[] = "SELECT value FROM setting WHERE key = $1";

int pgs_setting_get(struct gh_store *gs, const char *key, char *out, size_t outlen)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_SETTING_GET, &rc, "t", key);
    if (r == NULL)
        return rc;
    rc = PQntuples(r) == 1 ? 0 : GH_ENOTFOUND;
    if (rc == 0)
        pgs_text(r, 0, 0, out, outlen);
    PQclear(r);
    return rc;
}

struct kv {
    const char *key, *value;
};

static const char SQL_SETTING_SET[] =
    "INSERT INTO setting(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = "
    "excluded.value";

static int setting_set_fn(struct pgs_conn *c, void *arg)
{
    struct kv *kv = arg;
    int rc = bump(c);
    if (rc == 0)
        rc = pgs_exec(c, SQL_SETTING_SET, "tt", kv->key, kv->value);
    return rc < 0 ? rc : 0;
}

int pgs_setting_set(struct gh_store *gs, const char *key, const char *value)
{
    struct kv kv = {key, value};
    return pgs_write((struct pgs_store *)gs, setting_set_fn, &kv);
}

int pgs_revision(struct gh_store *gs, int64_t *out)
{
    char buf[32];
    int rc = pgs_setting_get(gs, "revision", buf, sizeof(buf));
    if (rc == 0)
        *out = strtoll(buf, NULL, 10);
    return rc;
}

/* ---- signing keys ---- */

static const char SQL_KEY_RETIRE_ACTIVE[] =
    "UPDATE signing_key SET active = 0, retired_at = $1, publish_until = $2 WHERE active = 1";
static const char SQL_KEY_INSERT[] = "INSERT INTO signing_key(kid, alg, pem, created_at, active) "
                                     "VALUES ($1, $2, $3, $4, $5)";

static int key_add_fn(struct pgs_conn *c, void *arg)
{
    const struct gh_key_row *k = arg;
    int rc = bump(c);
    if (rc >= 0 && k->active)
        rc = pgs_exec(c, SQL_KEY_RETIRE_ACTIVE, "ii", k->created_at, k->publish_until);
    if (rc >= 0)
        rc = pgs_exec(c, SQL_KEY_INSERT, "tttii", k->kid, k->alg, k->pem, k->created_at,
                      (int64_t)k->active);
    return rc < 0 ? rc : 0;
}

int pgs_key_add(struct gh_store *gs, const struct gh_key_row *k)
{
    return pgs_write((struct pgs_store *)gs, key_add_fn, (void *)k);
}

static const char SQL_KEY_LIST[] =
    "SELECT kid, alg, pem, created_at, active, retired_at, publish_until FROM signing_key "
    "ORDER BY created_at, kid COLLATE \"C\"";

int pgs_key_list(struct gh_store *gs, struct gh_key_row **rows, size_t *n)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_KEY_LIST, &rc, "");
    if (r == NULL)
        return rc;
    size_t len = (size_t)PQntuples(r);
    struct gh_key_row *v = calloc(len ? len : 1, sizeof(*v));
    rc = v ? 0 : GH_ENOMEM;
    for (size_t i = 0; rc == 0 && i < len; i++) {
        struct gh_key_row *k = &v[i];
        int row = (int)i;
        pgs_text(r, row, 0, k->kid, sizeof(k->kid));
        pgs_text(r, row, 1, k->alg, sizeof(k->alg));
        k->pem = strdup(PQgetvalue(r, row, 2));
        k->created_at = pgs_int(r, row, 3);
        k->active = (int)pgs_int(r, row, 4);
        k->retired_at = pgs_int(r, row, 5);
        k->publish_until = pgs_int(r, row, 6);
        if (k->pem == NULL)
            rc = GH_ENOMEM;
    }
    PQclear(r);
    if (rc < 0) {
        if (v != NULL)
            gh_key_rows_free(v, len);
        return rc;
    }
    *rows = v;
    *n = len;
    return 0;
}

struct key_retire_job {
    const char *kid;
    int64_t now;
};

static const char SQL_KEY_RETIRE[] = "UPDATE signing_key SET publish_until = $1, retired_at = "
                                     "CASE WHEN retired_at = 0 THEN $1 ELSE retired_at END "
                                     "WHERE kid = $2 AND active = 0";

static int key_retire_fn(struct pgs_conn *c, void *arg)
{
    struct key_retire_job *j = arg;
    int rc = bump(c);
    if (rc == 0)
        rc = pgs_exec(c, SQL_KEY_RETIRE, "it", j->now, j->kid);
    if (rc == 0)
        return GH_ENOTFOUND;
    return rc < 0 ? rc : 0;
}

int pgs_key_retire(struct gh_store *gs, const char *kid, int64_t now)
{
    struct key_retire_job j = {kid, now};
    return pgs_write((struct pgs_store *)gs, key_retire_fn, &j);
}

/* ---- clients ---- */

static void join(char out[], size_t outlen, const char items[][GH_URI_MAX], int n)
{
    size_t k = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++)
        k +=
            (size_t)snprintf(out + k, k < outlen ? outlen - k : 0, "%s%s", i ? "\n" : "", items[i]);
}

static int split(const char *s, char items[][GH_URI_MAX], int max)
{
    int n = 0;
    while (*s && n < max) {
        size_t len = strcspn(s, "\n");
        snprintf(items[n++], GH_URI_MAX, "%.*s", (int)len, s);
        s += len;
        if (*s == '\n')
            s++;
    }
    return n;
}

enum { URIS_TEXT = GH_URIS_MAX * GH_URI_MAX };

static const char SQL_CLIENT_INSERT[] =
    "INSERT INTO client(id, is_public, trusted, secret_hash, scope, redirect_uris, origins, "
    "grant_types, post_logout_uris, backchannel_logout_uri, dpop_bound, require_mfa, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
static const char SQL_CLIENT_UPDATE[] =
    "UPDATE client SET is_public = $2, trusted = $3, secret_hash = $4, scope = $5, "
    "redirect_uris = $6, origins = $7, grant_types = $8, post_logout_uris = $9, "
    "backchannel_logout_uri = $10, dpop_bound = $11, require_mfa = $12 WHERE id = $1";

struct client_job {
    const struct gh_client *cl;
    const char *sql, *fmt; /* the update takes no created_at, its last parameter */
};

static int client_write_fn(struct pgs_conn *c, void *arg)
{
    const struct client_job *j = arg;
    const struct gh_client *cl = j->cl;
    char *uris = malloc(URIS_TEXT), *origins = malloc(URIS_TEXT), *logout = malloc(URIS_TEXT);
    int rc = GH_ENOMEM;
    if (uris == NULL || origins == NULL || logout == NULL)
        goto out;
    join(uris, URIS_TEXT, cl->redirect, cl->n_redirect);
    join(origins, URIS_TEXT, cl->origin, cl->n_origin);
    join(logout, URIS_TEXT, cl->post_logout, cl->n_post_logout);
    rc = bump(c);
    if (rc == 0)
        rc = pgs_exec(c, j->sql, j->fmt, cl->id, (int64_t)cl->is_public, (int64_t)cl->trusted,
                      cl->is_public ? NULL : cl->secret_hash, cl->scope, uris, origins,
                      cl->grant_types, logout, cl->backchannel_uri, (int64_t)cl->dpop_bound,
                      (int64_t)cl->require_mfa, (int64_t)cl->created_at);
    if (rc == 0)
        rc = GH_ENOTFOUND;
    else if (rc > 0)
        rc = 0;
out:
    free(uris);
    free(origins);
    free(logout);
    return rc;
}

/* the parameters of SQL_CLIENT_INSERT and SQL_CLIENT_UPDATE (the update's
 * format stops before created_at) */
#define CLIENT_INSERT_FMT "tiihttttttiii"
#define CLIENT_UPDATE_FMT "tiihttttttii"

int pgs_client_add(struct gh_store *gs, const struct gh_client *cl)
{
    struct client_job j = {cl, SQL_CLIENT_INSERT, CLIENT_INSERT_FMT};
    return pgs_write((struct pgs_store *)gs, client_write_fn, &j);
}

int pgs_client_update(struct gh_store *gs, const struct gh_client *cl)
{
    struct client_job j = {cl, SQL_CLIENT_UPDATE, CLIENT_UPDATE_FMT};
    return pgs_write((struct pgs_store *)gs, client_write_fn, &j);
}

int pgs_client_write(struct pgs_conn *c, const struct gh_client *cl, int insert)
{
    struct client_job j = {cl, SQL_CLIENT_INSERT, CLIENT_INSERT_FMT};
    if (!insert)
        j = (struct client_job){cl, SQL_CLIENT_UPDATE, CLIENT_UPDATE_FMT};
    return client_write_fn(c, &j);
}

static void client_row(const PGresult *r, int row, struct gh_client *cl)
{
    memset(cl, 0, sizeof(*cl));
    pgs_text(r, row, 0, cl->id, sizeof(cl->id));
    cl->is_public = (int)pgs_int(r, row, 1);
    cl->trusted = (int)pgs_int(r, row, 2);
    pgs_hash(r, row, 3, cl->secret_hash);
    pgs_text(r, row, 4, cl->scope, sizeof(cl->scope));
    cl->n_redirect = split(PQgetvalue(r, row, 5), cl->redirect, GH_URIS_MAX);
    cl->n_origin = split(PQgetvalue(r, row, 6), cl->origin, GH_URIS_MAX);
    cl->created_at = pgs_int(r, row, 7);
    pgs_text(r, row, 8, cl->grant_types, sizeof(cl->grant_types));
    cl->n_post_logout = split(PQgetvalue(r, row, 9), cl->post_logout, GH_URIS_MAX);
    pgs_text(r, row, 10, cl->backchannel_uri, sizeof(cl->backchannel_uri));
    cl->dpop_bound = (int)pgs_int(r, row, 11);
    cl->require_mfa = (int)pgs_int(r, row, 12);
}

#define CLIENT_COLS                                                                                \
    "SELECT id, is_public, trusted, secret_hash, scope, redirect_uris, origins, created_at, "      \
    "grant_types, post_logout_uris, backchannel_logout_uri, dpop_bound, require_mfa FROM client"
static const char SQL_CLIENT_GET[] = CLIENT_COLS " WHERE id = $1";
static const char SQL_CLIENT_LIST[] = CLIENT_COLS " ORDER BY id COLLATE \"C\"";

int pgs_client_get(struct gh_store *gs, const char *id, struct gh_client *out)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_CLIENT_GET, &rc, "t", id);
    if (r == NULL)
        return rc;
    rc = PQntuples(r) == 1 ? 0 : GH_ENOTFOUND;
    if (rc == 0)
        client_row(r, 0, out);
    PQclear(r);
    return rc;
}

int pgs_client_list(struct gh_store *gs, struct gh_client **rows, size_t *n)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_CLIENT_LIST, &rc, "");
    if (r == NULL)
        return rc;
    size_t len = (size_t)PQntuples(r);
    struct gh_client *v = calloc(len ? len : 1, sizeof(*v));
    if (v != NULL)
        for (size_t i = 0; i < len; i++)
            client_row(r, (int)i, &v[i]);
    PQclear(r);
    if (v == NULL)
        return GH_ENOMEM;
    *rows = v;
    *n = len;
    return 0;
}

static const char SQL_CLIENT_DELETE[] = "DELETE FROM client WHERE id = $1";

/* rc of a delete (rows removed), unless the delete of what went with it
 * failed (its error) */
static int gone_too(int rc, int rc2)
{
    return rc2 < 0 ? rc2 : rc;
}

static const char SQL_CONSENT_DELETE_CLIENT[] = "DELETE FROM consent WHERE client_id = $1";
static const char SQL_CONSENT_DELETE_USER[] = "DELETE FROM consent WHERE sub = $1";

static int client_remove_fn(struct pgs_conn *c, void *arg)
{
    int rc = bump(c);
    if (rc == 0)
        rc = pgs_exec(c, SQL_CLIENT_DELETE, "t", (const char *)arg);
    if (rc > 0) /* a client registered later under this id inherits no consent */
        rc = gone_too(rc, pgs_exec(c, SQL_CONSENT_DELETE_CLIENT, "t", (const char *)arg));
    if (rc > 0) /* nor registration, and what it was granted stops working */
        rc = gone_too(rc, pgs_client_forget(c, (const char *)arg));
    if (rc == 0)
        return GH_ENOTFOUND;
    return rc < 0 ? rc : 0;
}

int pgs_client_remove(struct gh_store *gs, const char *id)
{
    return pgs_write((struct pgs_store *)gs, client_remove_fn, (void *)id);
}

/* ---- users ---- */

/* The argon2 columns are the hash's parameters (0 when it has none), so
 * that the costliest can be found without reading any hash. */
static const char SQL_USER_INSERT[] =
    "INSERT INTO \"user\"(username, pwhash, created_at, email, email_verified, name, given_name, "
    "family_name, argon2_t, argon2_m, argon2_p) VALUES ($1, $2, extract(epoch FROM now())::bigint, "
    "$3, $4, $5, $6, $7, $8, $9, $10)";
static const char SQL_USER_CLAIMS[] =
    "UPDATE \"user\" SET email = $2, email_verified = $3, name = $4, given_name = $5, "
    "family_name = $6 WHERE username = $1";
static const char SQL_USER_PASSWD[] = "UPDATE \"user\" SET pwhash = $2, argon2_t = $3, "
                                      "argon2_m = $4, argon2_p = $5 WHERE username = $1";
static const char SQL_USER_DELETE[] = "DELETE FROM \"user\" WHERE username = $1";
static const char SQL_USER_COSTLIEST[] = "SELECT argon2_t, argon2_m, argon2_p FROM \"user\" "
                                         "ORDER BY argon2_t * argon2_m DESC LIMIT 1";

struct user_job {
    const char *sql, *username, *pwhash;
};

/* Users are cached by servers only through the dummy hash's parameters,
 * but a change bumps the revision like any other (core/password.h). */
static int user_fn(struct pgs_conn *c, void *arg)
{
    struct user_job *j = arg;
    struct gh_argon2_params p = {0, 0, 0};
    int rc;
    if (j->pwhash != NULL) {
        gh_password_params(j->pwhash, &p);
        rc = pgs_exec(c, j->sql, "ttiii", j->username, j->pwhash, (int64_t)p.t_cost,
                      (int64_t)p.m_cost, (int64_t)p.threads);
    } else {
        rc = pgs_exec(c, j->sql, "t", j->username);
        /* the user's consent and one-time code setup go with it */
        if (rc > 0 && j->sql == SQL_USER_DELETE) {
            rc = gone_too(rc, pgs_exec(c, SQL_CONSENT_DELETE_USER, "t", j->username));
            if (rc > 0)
                rc = gone_too(rc, pgs_mfa_forget(c, j->username));
            if (rc > 0) /* and the passkeys */
                rc = gone_too(rc, pgs_webauthn_forget(c, j->username));
        }
    }
    if (rc == 0)
        return GH_ENOTFOUND;
    return rc < 0 ? rc : bump(c);
}

int pgs_user_costliest(struct gh_store *gs, struct gh_argon2_params *out)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_USER_COSTLIEST, &rc, "");
    if (r == NULL)
        return rc;
    rc = PQntuples(r) == 1 ? 0 : GH_ENOTFOUND;
    if (rc == 0) {
        out->t_cost = (uint32_t)pgs_int(r, 0, 0);
        out->m_cost = (uint32_t)pgs_int(r, 0, 1);
        out->threads = (uint32_t)pgs_int(r, 0, 2);
        if (out->t_cost == 0)
            rc = GH_ENOTFOUND; /* no user has an argon2id hash */
    }
    PQclear(r);
    return rc;
}

static int user_add_fn(struct pgs_conn *c, void *arg)
{
    const struct gh_user *u = arg;
    struct gh_argon2_params p = {0, 0, 0};
    gh_password_params(u->pwhash, &p);
    int rc = pgs_exec(c, SQL_USER_INSERT, "tttitttiii", u->username, u->pwhash, u->email,
                      (int64_t)u->email_verified, u->name, u->given_name, u->family_name,
                      (int64_t)p.t_cost, (int64_t)p.m_cost, (int64_t)p.threads);
    return rc < 0 ? rc : bump(c);
}

static int user_update_fn(struct pgs_conn *c, void *arg)
{
    const struct gh_user *u = arg;
    int rc = pgs_exec(c, SQL_USER_CLAIMS, "ttittt", u->username, u->email,
                      (int64_t)u->email_verified, u->name, u->given_name, u->family_name);
    if (rc == 0)
        return GH_ENOTFOUND;
    return rc < 0 ? rc : 0;
}

int pgs_user_add(struct gh_store *gs, const struct gh_user *u)
{
    return pgs_write((struct pgs_store *)gs, user_add_fn, (void *)u);
}

int pgs_user_update(struct gh_store *gs, const struct gh_user *u)
{
    return pgs_write((struct pgs_store *)gs, user_update_fn, (void *)u);
}

int pgs_user_set_password(struct gh_store *gs, const char *username, const char *pwhash)
{
    struct user_job j = {SQL_USER_PASSWD, username, pwhash};
    return pgs_write((struct pgs_store *)gs, user_fn, &j);
}

int pgs_user_remove(struct gh_store *gs, const char *username)
{
    struct user_job j = {SQL_USER_DELETE, username, NULL};
    return pgs_write((struct pgs_store *)gs, user_fn, &j);
}

#define USER_CLAIM_COLS "email, email_verified, name, given_name, family_name"
static const char SQL_USER_GET[] = "SELECT id, username, pwhash, created_at, " USER_CLAIM_COLS
                                   " FROM \"user\" WHERE username = $1";
static const char SQL_USER_LIST[] = "SELECT id, username, '', created_at, " USER_CLAIM_COLS
                                    " FROM \"user\" ORDER BY username COLLATE \"C\"";

static void user_row(const PGresult *r, int row, struct gh_user *u)
{
    memset(u, 0, sizeof(*u));
    u->id = pgs_int(r, row, 0);
    pgs_text(r, row, 1, u->username, sizeof(u->username));
    pgs_text(r, row, 2, u->pwhash, sizeof(u->pwhash));
    u->created_at = pgs_int(r, row, 3);
    pgs_text(r, row, 4, u->email, sizeof(u->email));
    u->email_verified = (int)pgs_int(r, row, 5);
    pgs_text(r, row, 6, u->name, sizeof(u->name));
    pgs_text(r, row, 7, u->given_name, sizeof(u->given_name));
    pgs_text(r, row, 8, u->family_name, sizeof(u->family_name));
}

int pgs_user_get(struct gh_store *gs, const char *username, struct gh_user *out)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_USER_GET, &rc, "t", username);
    if (r == NULL)
        return rc;
    rc = PQntuples(r) == 1 ? 0 : GH_ENOTFOUND;
    if (rc == 0)
        user_row(r, 0, out);
    PQclear(r);
    return rc;
}

int pgs_user_list(struct gh_store *gs, struct gh_user **rows, size_t *n)
{
    int rc;
    PGresult *r = pgs_query((struct pgs_store *)gs, SQL_USER_LIST, &rc, "");
    if (r == NULL)
        return rc;
    size_t len = (size_t)PQntuples(r);
    struct gh_user *v = calloc(len ? len : 1, sizeof(*v));
    if (v != NULL)
        for (size_t i = 0; i < len; i++)
            user_row(r, (int)i, &v[i]);
    PQclear(r);
    if (v == NULL)
        return GH_ENOMEM;
    *rows = v;
    *n = len;
    return 0;
}
