-- gatehouse schema version 1 (PostgreSQL): the same tables and meaning as
-- sqlite_v1.sql. Secrets are stored only as SHA-256 hashes (codes, refresh
-- tokens, sessions, client secrets) or argon2id (passwords). Times are
-- seconds since the epoch unless named *_us. gh_schema marks the database
-- as gatehouse's and holds the schema version (written by the migrator).
CREATE TABLE gh_schema (
    id INTEGER PRIMARY KEY CHECK (id = 1), app TEXT NOT NULL, version INTEGER NOT NULL);
CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE signing_key (
    kid TEXT PRIMARY KEY, alg TEXT NOT NULL, pem TEXT NOT NULL,
    created_at BIGINT NOT NULL, active INTEGER NOT NULL DEFAULT 0,
    retired_at BIGINT NOT NULL DEFAULT 0, publish_until BIGINT NOT NULL DEFAULT 0);
CREATE TABLE client (
    id TEXT PRIMARY KEY, is_public INTEGER NOT NULL, trusted INTEGER NOT NULL,
    secret_hash BYTEA, scope TEXT NOT NULL, redirect_uris TEXT NOT NULL,
    origins TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE "user" (
    id BIGSERIAL PRIMARY KEY, username TEXT NOT NULL UNIQUE, pwhash TEXT NOT NULL,
    created_at BIGINT NOT NULL);
CREATE TABLE auth_code (
    hash BYTEA PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,
    challenge TEXT NOT NULL, sub TEXT NOT NULL, scope TEXT NOT NULL, flow_id TEXT NOT NULL,
    auth_time BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT NOT NULL DEFAULT 0);
CREATE INDEX auth_code_expires ON auth_code(expires_at);
CREATE TABLE family (
    id TEXT PRIMARY KEY, client_id TEXT NOT NULL, sub TEXT NOT NULL, scope TEXT NOT NULL,
    flow_id TEXT NOT NULL, code_hash BYTEA, created_at BIGINT NOT NULL,
    abs_expires_at BIGINT NOT NULL, revoked_at BIGINT NOT NULL DEFAULT 0,
    last_used_at BIGINT NOT NULL);
CREATE INDEX family_code ON family(code_hash);
CREATE INDEX family_sub ON family(sub);
CREATE INDEX family_expires ON family(abs_expires_at);
CREATE TABLE refresh_token (
    hash BYTEA PRIMARY KEY, family_id TEXT NOT NULL REFERENCES family(id) ON DELETE CASCADE,
    state INTEGER NOT NULL, created_at BIGINT NOT NULL, rotated_at BIGINT NOT NULL DEFAULT 0,
    idle_expires_at BIGINT NOT NULL);
CREATE INDEX refresh_token_family ON refresh_token(family_id);
CREATE TABLE revoked_jti (jti TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
CREATE INDEX revoked_jti_expires ON revoked_jti(expires_at);
CREATE TABLE browser_session (
    hash BYTEA PRIMARY KEY, sub TEXT NOT NULL, created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL);
CREATE INDEX browser_session_expires ON browser_session(expires_at);
CREATE TABLE login_failure (key TEXT PRIMARY KEY, count INTEGER NOT NULL, last_at BIGINT NOT NULL);
CREATE TABLE trace_flow (
    id TEXT PRIMARY KEY, started_us BIGINT NOT NULL, client_id TEXT NOT NULL,
    sub TEXT NOT NULL DEFAULT '', outcome TEXT NOT NULL DEFAULT '');
CREATE INDEX trace_flow_started ON trace_flow(started_us);
CREATE TABLE trace_step (
    id BIGSERIAL PRIMARY KEY,
    flow_id TEXT NOT NULL REFERENCES trace_flow(id) ON DELETE CASCADE,
    t_us BIGINT NOT NULL, dur_us INTEGER NOT NULL, src INTEGER NOT NULL, dst INTEGER NOT NULL,
    kind INTEGER NOT NULL, group_kind INTEGER NOT NULL, status INTEGER NOT NULL,
    label TEXT NOT NULL, note TEXT NOT NULL, grp TEXT NOT NULL);
CREATE INDEX trace_step_flow ON trace_step(flow_id, t_us);
INSERT INTO setting(key, value) VALUES ('revision', '1');
