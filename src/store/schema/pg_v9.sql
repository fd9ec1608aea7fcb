-- gatehouse schema version 9 (PostgreSQL), applied after version 8; the same
-- change as sqlite_v9.sql. DPoP (RFC 9449): the replay table of proofs, the
-- key an authorization code and a refresh-token family are bound to, and
-- clients whose tokens must be DPoP-bound.
CREATE TABLE dpop_jti (
    jti_hash BYTEA NOT NULL,
    jkt TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (jti_hash, jkt)
);
CREATE INDEX dpop_jti_expires ON dpop_jti(expires_at);
ALTER TABLE auth_code ADD COLUMN dpop_jkt TEXT NOT NULL DEFAULT '';
ALTER TABLE family ADD COLUMN dpop_jkt TEXT NOT NULL DEFAULT '';
ALTER TABLE client ADD COLUMN dpop_bound BIGINT NOT NULL DEFAULT 0;
