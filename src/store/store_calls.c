/* The gh_store_* wrappers: one per operation of struct gh_store_ops, so
 * callers never reach into the ops table and checks or metrics around a
 * store call have one place. Made from store.h by a script; keep them in
 * step with the table when adding an operation (docs/internals/layers.md). */
#include "store/store.h"

int gh_store_migrate(struct gh_store *s, int *from, int *to)
{
    return s->ops->migrate(s, from, to);
}

int gh_store_check_schema(struct gh_store *s)
{
    return s->ops->check_schema(s);
}

int gh_store_setting_get(struct gh_store *s, const char *key, char *out, size_t outlen)
{
    return s->ops->setting_get(s, key, out, outlen);
}

int gh_store_setting_set(struct gh_store *s, const char *key, const char *value)
{
    return s->ops->setting_set(s, key, value);
}

int gh_store_revision(struct gh_store *s, int64_t *out)
{
    return s->ops->revision(s, out);
}

int gh_store_key_add(struct gh_store *s, const struct gh_key_row *k)
{
    return s->ops->key_add(s, k);
}

int gh_store_key_list(struct gh_store *s, struct gh_key_row **rows, size_t *n)
{
    return s->ops->key_list(s, rows, n);
}

int gh_store_key_retire(struct gh_store *s, const char *kid, int64_t now)
{
    return s->ops->key_retire(s, kid, now);
}

int gh_store_client_add(struct gh_store *s, const struct gh_client *c)
{
    return s->ops->client_add(s, c);
}

int gh_store_client_update(struct gh_store *s, const struct gh_client *c)
{
    return s->ops->client_update(s, c);
}

int gh_store_client_get(struct gh_store *s, const char *id, struct gh_client *out)
{
    return s->ops->client_get(s, id, out);
}

int gh_store_client_list(struct gh_store *s, struct gh_client **rows, size_t *n)
{
    return s->ops->client_list(s, rows, n);
}

int gh_store_client_remove(struct gh_store *s, const char *id)
{
    return s->ops->client_remove(s, id);
}

int gh_store_user_add(struct gh_store *s, const struct gh_user *u)
{
    return s->ops->user_add(s, u);
}

int gh_store_user_update(struct gh_store *s, const struct gh_user *u)
{
    return s->ops->user_update(s, u);
}

int gh_store_user_get(struct gh_store *s, const char *username, struct gh_user *out)
{
    return s->ops->user_get(s, username, out);
}

int gh_store_user_list(struct gh_store *s, struct gh_user **rows, size_t *n)
{
    return s->ops->user_list(s, rows, n);
}

int gh_store_user_remove(struct gh_store *s, const char *username)
{
    return s->ops->user_remove(s, username);
}

int gh_store_user_set_password(struct gh_store *s, const char *username, const char *pwhash)
{
    return s->ops->user_set_password(s, username, pwhash);
}

int gh_store_user_costliest(struct gh_store *s, struct gh_argon2_params *out)
{
    return s->ops->user_costliest(s, out);
}

int gh_store_code_put(struct gh_store *s, const struct gh_code *c)
{
    return s->ops->code_put(s, c);
}

int gh_store_code_get(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                      struct gh_code *out)
{
    return s->ops->code_get(s, hash, out);
}

int gh_store_code_redeem(struct gh_store *s, const struct gh_redeem *r, enum gh_redeem_result *out)
{
    return s->ops->code_redeem(s, r, out);
}

int gh_store_refresh_get(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                         struct gh_refresh *out)
{
    return s->ops->refresh_get(s, hash, out);
}

int gh_store_refresh_rotate(struct gh_store *s, const struct gh_rotate *r, struct gh_rotated *out)
{
    return s->ops->refresh_rotate(s, r, out);
}

int gh_store_family_revoke(struct gh_store *s, const char *family_id, int64_t now)
{
    return s->ops->family_revoke(s, family_id, now);
}

int gh_store_family_revoked(struct gh_store *s, const char *family_id, int *revoked)
{
    return s->ops->family_revoked(s, family_id, revoked);
}

int gh_store_families_revoke_user(struct gh_store *s, const char *sub, int64_t now, int *n)
{
    return s->ops->families_revoke_user(s, sub, now, n);
}

int gh_store_jti_revoke(struct gh_store *s, const char *jti, int64_t expires_at)
{
    return s->ops->jti_revoke(s, jti, expires_at);
}

int gh_store_jti_revoked(struct gh_store *s, const char *jti, int *revoked)
{
    return s->ops->jti_revoked(s, jti, revoked);
}

int gh_store_dpop_jti_use(struct gh_store *s, const unsigned char jti[GH_SHA256_LEN],
                          const char *jkt, int64_t expires_at)
{
    return s->ops->dpop_jti_use(s, jti, jkt, expires_at);
}

int gh_store_session_put(struct gh_store *s, const struct gh_session *sess)
{
    return s->ops->session_put(s, sess);
}

int gh_store_session_get(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                         struct gh_session *out)
{
    return s->ops->session_get(s, hash, out);
}

int gh_store_session_delete(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN])
{
    return s->ops->session_delete(s, hash);
}

int gh_store_session_amr_add(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN], int amr)
{
    return s->ops->session_amr_add(s, hash, amr);
}

int gh_store_session_delete_user(struct gh_store *s, const char *sub, int *n)
{
    return s->ops->session_delete_user(s, sub, n);
}

int gh_store_session_list_user(struct gh_store *s, const char *sub, int64_t now,
                               struct gh_session **rows, size_t *n)
{
    return s->ops->session_list_user(s, sub, now, rows, n);
}

int gh_store_logout_session(struct gh_store *s, const struct gh_logout_req *req,
                            struct gh_logout *out)
{
    return s->ops->logout_session(s, req, out);
}

int gh_store_bcl_enqueue_user(struct gh_store *s, const char *sub, int64_t now_ms, int *n)
{
    return s->ops->bcl_enqueue_user(s, sub, now_ms, n);
}

int gh_store_bcl_claim(struct gh_store *s, int64_t now_ms, int64_t lease_until_ms, int max,
                       struct gh_bcl **rows, size_t *n)
{
    return s->ops->bcl_claim(s, now_ms, lease_until_ms, max, rows, n);
}

int gh_store_bcl_settle(struct gh_store *s, int64_t id, int64_t next_at_ms)
{
    return s->ops->bcl_settle(s, id, next_at_ms);
}

int gh_store_consent_get(struct gh_store *s, const char *sub, const char *client_id, char *scope,
                         size_t len)
{
    return s->ops->consent_get(s, sub, client_id, scope, len);
}

int gh_store_consent_put(struct gh_store *s, const char *sub, const char *client_id,
                         const char *scope, int64_t now)
{
    return s->ops->consent_put(s, sub, client_id, scope, now);
}

int gh_store_client_register(struct gh_store *s, const struct gh_client *c,
                             const struct gh_client_reg *m)
{
    return s->ops->client_register(s, c, m);
}

int gh_store_client_reregister(struct gh_store *s, const struct gh_client *c,
                               const struct gh_client_reg *m)
{
    return s->ops->client_reregister(s, c, m);
}

int gh_store_client_reg_get(struct gh_store *s, const char *id, struct gh_client_reg *out)
{
    return s->ops->client_reg_get(s, id, out);
}

int gh_store_client_reg_list(struct gh_store *s, struct gh_client_reg **rows, size_t *n)
{
    return s->ops->client_reg_list(s, rows, n);
}

int gh_store_iat_add(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                     int64_t expires_at, int64_t uses, int64_t now)
{
    return s->ops->iat_add(s, hash, expires_at, uses, now);
}

int gh_store_iat_use(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN], int64_t now)
{
    return s->ops->iat_use(s, hash, now);
}

int gh_store_resource_add(struct gh_store *s, const struct gh_resource *r)
{
    return s->ops->resource_add(s, r);
}

int gh_store_resource_get(struct gh_store *s, const char *uri, struct gh_resource *out)
{
    return s->ops->resource_get(s, uri, out);
}

int gh_store_resource_list(struct gh_store *s, struct gh_resource **rows, size_t *n)
{
    return s->ops->resource_list(s, rows, n);
}

int gh_store_resource_remove(struct gh_store *s, const char *uri)
{
    return s->ops->resource_remove(s, uri);
}

int gh_store_grant_resource_put(struct gh_store *s, const unsigned char code_hash[GH_SHA256_LEN],
                                const char *resources, int64_t expires_at)
{
    return s->ops->grant_resource_put(s, code_hash, resources, expires_at);
}

int gh_store_grant_resource_of_code(struct gh_store *s,
                                    const unsigned char code_hash[GH_SHA256_LEN], char *out,
                                    size_t len)
{
    return s->ops->grant_resource_of_code(s, code_hash, out, len);
}

int gh_store_grant_resource_of_family(struct gh_store *s, const char *family_id, char *out,
                                      size_t len)
{
    return s->ops->grant_resource_of_family(s, family_id, out, len);
}

int gh_store_webauthn_cred_add(struct gh_store *s, const struct gh_webauthn_cred *c)
{
    return s->ops->webauthn_cred_add(s, c);
}

int gh_store_webauthn_cred_list(struct gh_store *s, const char *sub, struct gh_webauthn_cred **rows,
                                size_t *n)
{
    return s->ops->webauthn_cred_list(s, sub, rows, n);
}

int gh_store_webauthn_cred_get(struct gh_store *s, const unsigned char *id, size_t id_len,
                               struct gh_webauthn_cred *out)
{
    return s->ops->webauthn_cred_get(s, id, id_len, out);
}

int gh_store_webauthn_cred_use(struct gh_store *s, const unsigned char *id, size_t id_len,
                               int64_t sign_count, int backup_state, int64_t now)
{
    return s->ops->webauthn_cred_use(s, id, id_len, sign_count, backup_state, now);
}

int gh_store_webauthn_cred_rename(struct gh_store *s, const char *sub, const unsigned char *id,
                                  size_t id_len, const char *name)
{
    return s->ops->webauthn_cred_rename(s, sub, id, id_len, name);
}

int gh_store_webauthn_cred_remove(struct gh_store *s, const char *sub, const unsigned char *id,
                                  size_t id_len)
{
    return s->ops->webauthn_cred_remove(s, sub, id, id_len);
}

int gh_store_webauthn_cred_remove_user(struct gh_store *s, const char *sub, int *n)
{
    return s->ops->webauthn_cred_remove_user(s, sub, n);
}

int gh_store_webauthn_challenge_put(struct gh_store *s, const struct gh_webauthn_challenge *c)
{
    return s->ops->webauthn_challenge_put(s, c);
}

int gh_store_webauthn_challenge_take(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                                     int64_t now, struct gh_webauthn_challenge *out)
{
    return s->ops->webauthn_challenge_take(s, hash, now, out);
}

int gh_store_login_fail_get(struct gh_store *s, const char *key, int *count, int64_t *last_at)
{
    return s->ops->login_fail_get(s, key, count, last_at);
}

int gh_store_login_fail_add(struct gh_store *s, const char *key, int64_t now, int *count)
{
    return s->ops->login_fail_add(s, key, now, count);
}

int gh_store_login_fail_clear(struct gh_store *s, const char *key)
{
    return s->ops->login_fail_clear(s, key);
}

int gh_store_trace_append(struct gh_store *s, const char *flow_id,
                          const struct gh_trace_step *steps, size_t n)
{
    return s->ops->trace_append(s, flow_id, steps, n);
}

int gh_store_trace_flow_start(struct gh_store *s, const struct gh_flow_info *f)
{
    return s->ops->trace_flow_start(s, f);
}

int gh_store_trace_flow_update(struct gh_store *s, const char *flow_id, const char *sub,
                               const char *outcome)
{
    return s->ops->trace_flow_update(s, flow_id, sub, outcome);
}

int gh_store_trace_flows(struct gh_store *s, struct gh_flow_info **rows, size_t *n)
{
    return s->ops->trace_flows(s, rows, n);
}

int gh_store_trace_steps(struct gh_store *s, const char *flow_id, struct gh_trace_step **rows,
                         size_t *n)
{
    return s->ops->trace_steps(s, flow_id, rows, n);
}

int gh_store_trace_flow_of_refresh(struct gh_store *s, const unsigned char hash[GH_SHA256_LEN],
                                   char *flow_id, size_t len)
{
    return s->ops->trace_flow_of_refresh(s, hash, flow_id, len);
}

int gh_store_trace_flow_of_family(struct gh_store *s, const char *family_id, char *flow_id,
                                  size_t len)
{
    return s->ops->trace_flow_of_family(s, family_id, flow_id, len);
}

int gh_store_trace_prune(struct gh_store *s, int keep_flows)
{
    return s->ops->trace_prune(s, keep_flows);
}

int gh_store_purge(struct gh_store *s, int64_t now, int batch, int *deleted)
{
    return s->ops->purge(s, now, batch, deleted);
}

void gh_store_purge_pace(const struct gh_store *s, int *batch, int *rest)
{
    *batch = s->ops->purge_batch;
    *rest = s->ops->purge_rest;
}

int gh_store_mfa_get(struct gh_store *s, const char *sub, struct gh_mfa *out)
{
    return s->ops->mfa_get(s, sub, out);
}

int gh_store_mfa_put(struct gh_store *s, const struct gh_mfa *m)
{
    return s->ops->mfa_put(s, m);
}

int gh_store_mfa_enable(struct gh_store *s, const char *sub, int64_t step,
                        const unsigned char *hashes, size_t n, int64_t now)
{
    return s->ops->mfa_enable(s, sub, step, hashes, n, now);
}

int gh_store_mfa_use_step(struct gh_store *s, const char *sub, int64_t step)
{
    return s->ops->mfa_use_step(s, sub, step);
}

int gh_store_mfa_remove(struct gh_store *s, const char *sub)
{
    return s->ops->mfa_remove(s, sub);
}

int gh_store_recovery_use(struct gh_store *s, const char *sub,
                          const unsigned char hash[GH_SHA256_LEN])
{
    return s->ops->recovery_use(s, sub, hash);
}

int gh_store_recovery_count(struct gh_store *s, const char *sub, int *n)
{
    return s->ops->recovery_count(s, sub, n);
}

int gh_store_recovery_replace(struct gh_store *s, const char *sub, const unsigned char *hashes,
                              size_t n)
{
    return s->ops->recovery_replace(s, sub, hashes, n);
}
