/*
 * SQLite store: what the CLI administers and servers cache — settings and
 * the revision counter, signing keys, clients and users. Every change here
 * bumps the revision in the same transaction so running servers reload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "core/err.h"

static const char SQL_BUMP[] =
    "UPDATE setting SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'";

static int bump(struct sq_conn *c)
{
    int rc = sq_exec(c, SQL_BUMP, "");
    return rc < 0 ? rc : 0;
}

/* ---- settings ---- */

static const char SQL_SETTING_GET[] = "SELECT value FROM setting WHERE key = ?";

int sq_setting_get(struct gh_store *gs, const char *key, char *out, size_t outlen)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_SETTING_GET) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "t", key);
    int s = sqlite3_step(st);
    int rc = s == SQLITE_ROW ? 0 : s == SQLITE_DONE ? GH_ENOTFOUND : sq_err(s);
    if (rc == 0)
        sq_text(st, 0, out, outlen);
    sqlite3_reset(st);
    return rc;
}

struct kv {
    const char *key, *value;
};

static const char SQL_SETTING_SET[] =
    "INSERT INTO setting(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = "
    "excluded.value";

static int setting_set_fn(struct sq_conn *c, void *arg)
{
    struct kv *kv = arg;
    int rc = sq_exec(c, SQL_SETTING_SET, "tt", kv->key, kv->value);
    return rc < 0 ? rc : bump(c);
}

int sq_setting_set(struct gh_store *gs, const char *key, const char *value)
{
    struct kv kv = {key, value};
    return sq_write((struct sq_store *)gs, setting_set_fn, &kv);
}

int sq_revision(struct gh_store *gs, int64_t *out)
{
    char buf[32];
    int rc = sq_setting_get(gs, "revision", buf, sizeof(buf));
    if (rc == 0)
        *out = strtoll(buf, NULL, 10);
    return rc;
}

/* ---- signing keys ---- */

static const char SQL_KEY_RETIRE_ACTIVE[] =
    "UPDATE signing_key SET active = 0, retired_at = ?, publish_until = ? WHERE active = 1";
static const char SQL_KEY_INSERT[] = "INSERT INTO signing_key(kid, alg, pem, created_at, active) "
                                     "VALUES (?, ?, ?, ?, ?)";

static int key_add_fn(struct sq_conn *c, void *arg)
{
    const struct gh_key_row *k = arg;
    int rc = 0;
    if (k->active)
        rc = sq_exec(c, SQL_KEY_RETIRE_ACTIVE, "ii", k->created_at, k->publish_until);
    if (rc >= 0)
        rc = sq_exec(c, SQL_KEY_INSERT, "tttii", k->kid, k->alg, k->pem, k->created_at,
                     (int64_t)k->active);
    return rc < 0 ? rc : bump(c);
}

int sq_key_add(struct gh_store *gs, const struct gh_key_row *k)
{
    return sq_write((struct sq_store *)gs, key_add_fn, (void *)k);
}

static const char SQL_KEY_LIST[] = "SELECT kid, alg, pem, created_at, active, retired_at, "
                                   "publish_until FROM signing_key ORDER BY created_at, kid";

static int key_row(sqlite3_stmt *st, void *out)
{
    struct gh_key_row *k = out;
    sq_text(st, 0, k->kid, sizeof(k->kid));
    sq_text(st, 1, k->alg, sizeof(k->alg));
    k->pem = strdup((const char *)sqlite3_column_text(st, 2));
    k->created_at = sqlite3_column_int64(st, 3);
    k->active = sqlite3_column_int(st, 4);
    k->retired_at = sqlite3_column_int64(st, 5);
    k->publish_until = sqlite3_column_int64(st, 6);
    return k->pem != NULL ? 0 : GH_ENOMEM;
}

static void key_rows_release(void *rows, size_t n)
{
    gh_key_rows_free(rows, n);
}

int sq_key_list(struct gh_store *gs, struct gh_key_row **rows, size_t *n)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_KEY_LIST) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    return sq_collect(st, sizeof(**rows), key_row, key_rows_release, (void **)rows, n);
}

struct key_retire_job {
    const char *kid;
    int64_t now;
};

static const char SQL_KEY_RETIRE[] = "UPDATE signing_key SET publish_until = ?, retired_at = "
                                     "CASE WHEN retired_at = 0 THEN ? ELSE retired_at END "
                                     "WHERE kid = ? AND active = 0";

static int key_retire_fn(struct sq_conn *c, void *arg)
{
    struct key_retire_job *j = arg;
    int rc = sq_exec(c, SQL_KEY_RETIRE, "iit", j->now, j->now, j->kid);
    if (rc == 0)
        return GH_ENOTFOUND;
    return rc < 0 ? rc : bump(c);
}

int sq_key_retire(struct gh_store *gs, const char *kid, int64_t now)
{
    struct key_retire_job j = {kid, now};
    return sq_write((struct sq_store *)gs, key_retire_fn, &j);
}

/* ---- clients ---- */

static void join(char out[], size_t outlen, char items[][GH_URI_MAX], int n)
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
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_CLIENT_UPDATE[] =
    "UPDATE client SET is_public = ?2, trusted = ?3, secret_hash = ?4, scope = ?5, "
    "redirect_uris = ?6, origins = ?7, grant_types = ?8, post_logout_uris = ?9, "
    "backchannel_logout_uri = ?10, dpop_bound = ?11, require_mfa = ?12 WHERE id = ?1";

static int client_write(struct sq_conn *c, const struct gh_client *cl, const char *sql)
{
    char *uris = malloc(URIS_TEXT), *origins = malloc(URIS_TEXT), *logout = malloc(URIS_TEXT);
    int rc = GH_ENOMEM;
    if (uris == NULL || origins == NULL || logout == NULL)
        goto out;
    join(uris, URIS_TEXT, (char(*)[GH_URI_MAX])cl->redirect, cl->n_redirect);
    join(origins, URIS_TEXT, (char(*)[GH_URI_MAX])cl->origin, cl->n_origin);
    join(logout, URIS_TEXT, (char(*)[GH_URI_MAX])cl->post_logout, cl->n_post_logout);
    sqlite3_stmt *st = sq_prep(c, sql);
    rc = GH_ESTORE;
    if (st == NULL)
        goto out;
    sq_bind(st, "tii", cl->id, (int64_t)cl->is_public, (int64_t)cl->trusted);
    if (cl->is_public)
        sqlite3_bind_null(st, 4);
    else
        sqlite3_bind_blob(st, 4, cl->secret_hash, GH_SHA256_LEN, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, cl->scope, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, uris, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, origins, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, cl->grant_types, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 9, logout, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 10, cl->backchannel_uri, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 11, cl->dpop_bound);
    sqlite3_bind_int64(st, 12, cl->require_mfa);
    if (sql == SQL_CLIENT_INSERT)
        sqlite3_bind_int64(st, 13, cl->created_at);
    int s = sqlite3_step(st);
    rc = s == SQLITE_DONE ? 0 : sq_err(s);
    if (rc == 0 && sqlite3_changes(c->db) == 0)
        rc = GH_ENOTFOUND;
    sqlite3_reset(st);
    if (rc == 0)
        rc = bump(c);
out:
    free(uris);
    free(origins);
    free(logout);
    return rc;
}

int sq_client_write(struct sq_conn *c, const struct gh_client *cl, int insert)
{
    return client_write(c, cl, insert ? SQL_CLIENT_INSERT : SQL_CLIENT_UPDATE);
}

static int client_add_fn(struct sq_conn *c, void *arg)
{
    return client_write(c, arg, SQL_CLIENT_INSERT);
}

static int client_update_fn(struct sq_conn *c, void *arg)
{
    return client_write(c, arg, SQL_CLIENT_UPDATE);
}

int sq_client_add(struct gh_store *gs, const struct gh_client *cl)
{
    return sq_write((struct sq_store *)gs, client_add_fn, (void *)cl);
}

int sq_client_update(struct gh_store *gs, const struct gh_client *cl)
{
    return sq_write((struct sq_store *)gs, client_update_fn, (void *)cl);
}

static void client_row(sqlite3_stmt *st, struct gh_client *cl)
{
    memset(cl, 0, sizeof(*cl));
    sq_text(st, 0, cl->id, sizeof(cl->id));
    cl->is_public = sqlite3_column_int(st, 1);
    cl->trusted = sqlite3_column_int(st, 2);
    if (sqlite3_column_bytes(st, 3) == GH_SHA256_LEN)
        memcpy(cl->secret_hash, sqlite3_column_blob(st, 3), GH_SHA256_LEN);
    sq_text(st, 4, cl->scope, sizeof(cl->scope));
    const unsigned char *u = sqlite3_column_text(st, 5), *o = sqlite3_column_text(st, 6);
    cl->n_redirect = split(u ? (const char *)u : "", cl->redirect, GH_URIS_MAX);
    cl->n_origin = split(o ? (const char *)o : "", cl->origin, GH_URIS_MAX);
    cl->created_at = sqlite3_column_int64(st, 7);
    sq_text(st, 8, cl->grant_types, sizeof(cl->grant_types));
    const unsigned char *l = sqlite3_column_text(st, 9);
    cl->n_post_logout = split(l ? (const char *)l : "", cl->post_logout, GH_URIS_MAX);
    sq_text(st, 10, cl->backchannel_uri, sizeof(cl->backchannel_uri));
    cl->dpop_bound = sqlite3_column_int(st, 11);
    cl->require_mfa = sqlite3_column_int(st, 12);
}

#define CLIENT_COLS                                                                                \
    "SELECT id, is_public, trusted, secret_hash, scope, redirect_uris, origins, created_at, "      \
    "grant_types, post_logout_uris, backchannel_logout_uri, dpop_bound, require_mfa FROM client"
static const char SQL_CLIENT_GET[] = CLIENT_COLS " WHERE id = ?";
static const char SQL_CLIENT_LIST[] = CLIENT_COLS " ORDER BY id";

int sq_client_get(struct gh_store *gs, const char *id, struct gh_client *out)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_CLIENT_GET) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "t", id);
    int s = sqlite3_step(st);
    int rc = s == SQLITE_ROW ? 0 : s == SQLITE_DONE ? GH_ENOTFOUND : sq_err(s);
    if (rc == 0)
        client_row(st, out);
    sqlite3_reset(st);
    return rc;
}

static int client_row_into(sqlite3_stmt *st, void *out)
{
    client_row(st, out);
    return 0;
}

int sq_client_list(struct gh_store *gs, struct gh_client **rows, size_t *n)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_CLIENT_LIST) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    return sq_collect(st, sizeof(**rows), client_row_into, NULL, (void **)rows, n);
}

static const char SQL_CLIENT_DELETE[] = "DELETE FROM client WHERE id = ?";

/* rc of a delete (rows removed), unless the delete of what went with it
 * failed (its error) */
static int gone_too(int rc, int rc2)
{
    return rc2 < 0 ? rc2 : rc;
}

static const char SQL_CONSENT_DELETE_CLIENT[] = "DELETE FROM consent WHERE client_id = ?";
static const char SQL_CONSENT_DELETE_USER[] = "DELETE FROM consent WHERE sub = ?";

static int client_remove_fn(struct sq_conn *c, void *arg)
{
    int rc = sq_exec(c, SQL_CLIENT_DELETE, "t", (const char *)arg);
    if (rc > 0) /* a client registered later under this id inherits no consent */
        rc = gone_too(rc, sq_exec(c, SQL_CONSENT_DELETE_CLIENT, "t", (const char *)arg));
    if (rc > 0) /* nor registration, and what it was granted stops working */
        rc = gone_too(rc, sq_client_forget(c, (const char *)arg));
    if (rc == 0)
        return GH_ENOTFOUND;
    return rc < 0 ? rc : bump(c);
}

int sq_client_remove(struct gh_store *gs, const char *id)
{
    return sq_write((struct sq_store *)gs, client_remove_fn, (void *)id);
}

/* ---- users ---- */

/* The argon2 columns are the hash's parameters (0 when it has none), so
 * that the costliest can be found without reading any hash. */
static const char SQL_USER_INSERT[] =
    "INSERT INTO user(username, pwhash, created_at, email, email_verified, name, given_name, "
    "family_name, argon2_t, argon2_m, argon2_p) VALUES (?, ?, strftime('%s','now'), ?, ?, ?, ?, ?, "
    "?, ?, ?)";
static const char SQL_USER_CLAIMS[] =
    "UPDATE user SET email = ?2, email_verified = ?3, name = ?4, given_name = ?5, "
    "family_name = ?6 WHERE username = ?1";
static const char SQL_USER_PASSWD[] =
    "UPDATE user SET pwhash = ?2, argon2_t = ?3, argon2_m = ?4, argon2_p = ?5 WHERE username = ?1";
static const char SQL_USER_DELETE[] = "DELETE FROM user WHERE username = ?";
static const char SQL_USER_COSTLIEST[] =
    "SELECT argon2_t, argon2_m, argon2_p FROM user ORDER BY argon2_t * argon2_m DESC LIMIT 1";

struct user_job {
    const char *sql, *username, *pwhash;
};

/* Users are cached by servers only through the dummy hash's parameters,
 * but a change bumps the revision like any other (core/password.h). */
static int user_fn(struct sq_conn *c, void *arg)
{
    struct user_job *j = arg;
    struct gh_argon2_params p = {0, 0, 0};
    int rc;
    if (j->pwhash != NULL) {
        gh_password_params(j->pwhash, &p);
        rc = sq_exec(c, j->sql, "ttiii", j->username, j->pwhash, (int64_t)p.t_cost,
                     (int64_t)p.m_cost, (int64_t)p.threads);
    } else {
        rc = sq_exec(c, j->sql, "t", j->username);
        /* the user's consent and one-time code setup go with it */
        if (rc > 0 && j->sql == SQL_USER_DELETE) {
            rc = gone_too(rc, sq_exec(c, SQL_CONSENT_DELETE_USER, "t", j->username));
            if (rc > 0)
                rc = gone_too(rc, sq_mfa_forget(c, j->username));
            if (rc > 0) /* and the passkeys */
                rc = gone_too(rc, sq_webauthn_forget(c, j->username));
        }
    }
    if (rc == 0)
        return GH_ENOTFOUND;
    return rc < 0 ? rc : bump(c);
}

int sq_user_costliest(struct gh_store *gs, struct gh_argon2_params *out)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_USER_COSTLIEST) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    int s = sqlite3_step(st);
    int rc = s == SQLITE_ROW ? 0 : s == SQLITE_DONE ? GH_ENOTFOUND : sq_err(s);
    if (rc == 0) {
        out->t_cost = (uint32_t)sqlite3_column_int64(st, 0);
        out->m_cost = (uint32_t)sqlite3_column_int64(st, 1);
        out->threads = (uint32_t)sqlite3_column_int64(st, 2);
        if (out->t_cost == 0)
            rc = GH_ENOTFOUND; /* no user has an argon2id hash */
    }
    sqlite3_reset(st);
    return rc;
}

static int user_add_fn(struct sq_conn *c, void *arg)
{
    const struct gh_user *u = arg;
    struct gh_argon2_params p = {0, 0, 0};
    gh_password_params(u->pwhash, &p);
    int rc = sq_exec(c, SQL_USER_INSERT, "tttitttiii", u->username, u->pwhash, u->email,
                     (int64_t)u->email_verified, u->name, u->given_name, u->family_name,
                     (int64_t)p.t_cost, (int64_t)p.m_cost, (int64_t)p.threads);
    return rc < 0 ? rc : bump(c);
}

static int user_update_fn(struct sq_conn *c, void *arg)
{
    const struct gh_user *u = arg;
    int rc = sq_exec(c, SQL_USER_CLAIMS, "ttittt", u->username, u->email,
                     (int64_t)u->email_verified, u->name, u->given_name, u->family_name);
    if (rc == 0)
        return GH_ENOTFOUND;
    return rc < 0 ? rc : 0;
}

int sq_user_add(struct gh_store *gs, const struct gh_user *u)
{
    return sq_write((struct sq_store *)gs, user_add_fn, (void *)u);
}

int sq_user_update(struct gh_store *gs, const struct gh_user *u)
{
    return sq_write((struct sq_store *)gs, user_update_fn, (void *)u);
}

int sq_user_set_password(struct gh_store *gs, const char *username, const char *pwhash)
{
    struct user_job j = {SQL_USER_PASSWD, username, pwhash};
    return sq_write((struct sq_store *)gs, user_fn, &j);
}

int sq_user_remove(struct gh_store *gs, const char *username)
{
    struct user_job j = {SQL_USER_DELETE, username, NULL};
    return sq_write((struct sq_store *)gs, user_fn, &j);
}

#define USER_CLAIM_COLS "email, email_verified, name, given_name, family_name"
static const char SQL_USER_GET[] =
    "SELECT id, username, pwhash, created_at, " USER_CLAIM_COLS " FROM user WHERE username = ?";
static const char SQL_USER_LIST[] =
    "SELECT id, username, '', created_at, " USER_CLAIM_COLS " FROM user ORDER BY username";

static void user_row(sqlite3_stmt *st, struct gh_user *u)
{
    memset(u, 0, sizeof(*u));
    u->id = sqlite3_column_int64(st, 0);
    sq_text(st, 1, u->username, sizeof(u->username));
    sq_text(st, 2, u->pwhash, sizeof(u->pwhash));
    u->created_at = sqlite3_column_int64(st, 3);
    sq_text(st, 4, u->email, sizeof(u->email));
    u->email_verified = sqlite3_column_int(st, 5);
    sq_text(st, 6, u->name, sizeof(u->name));
    sq_text(st, 7, u->given_name, sizeof(u->given_name));
    sq_text(st, 8, u->family_name, sizeof(u->family_name));
}

int sq_user_get(struct gh_store *gs, const char *username, struct gh_user *out)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_USER_GET) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    sq_bind(st, "t", username);
    int s = sqlite3_step(st);
    int rc = s == SQLITE_ROW ? 0 : s == SQLITE_DONE ? GH_ENOTFOUND : sq_err(s);
    if (rc == 0)
        user_row(st, out);
    sqlite3_reset(st);
    return rc;
}

static int user_row_into(sqlite3_stmt *st, void *out)
{
    user_row(st, out);
    return 0;
}

int sq_user_list(struct gh_store *gs, struct gh_user **rows, size_t *n)
{
    struct sq_conn *c = sq_reader((struct sq_store *)gs);
    sqlite3_stmt *st = c ? sq_prep(c, SQL_USER_LIST) : NULL;
    if (st == NULL)
        return GH_EUNAVAIL;
    return sq_collect(st, sizeof(**rows), user_row_into, NULL, (void **)rows, n);
}
