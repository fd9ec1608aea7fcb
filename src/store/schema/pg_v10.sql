-- gatehouse schema version 10 (PostgreSQL), applied after version 9.
-- Dynamic client registration (RFC 7591, RFC 7592): how a client came
-- ("registration"; clients without a row came from the CLI), the SHA-256 of
-- its registration access token and the metadata it registered. Initial
-- access tokens (hash, expiry, uses left). Resource indicators (RFC 8707):
-- the registered resources, and the resources granted with an
-- authorization code (kept as long as the family it starts may live).
CREATE TABLE client_reg (
    client_id TEXT PRIMARY KEY,
    via TEXT NOT NULL,
    token_hash BYTEA NOT NULL,
    client_name TEXT NOT NULL DEFAULT '',
    client_uri TEXT NOT NULL DEFAULT '',
    logo_uri TEXT NOT NULL DEFAULT '',
    contacts TEXT NOT NULL DEFAULT '',
    grant_types TEXT NOT NULL,
    response_types TEXT NOT NULL,
    auth_method TEXT NOT NULL,
    post_logout_uris TEXT NOT NULL DEFAULT '',
    dpop_bound BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE TABLE initial_access_token (
    hash BYTEA PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    uses_left BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE resource (
    uri TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    scope TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE TABLE grant_resource (
    code_hash BYTEA PRIMARY KEY,
    resources TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX grant_resource_expires ON grant_resource(expires_at);
