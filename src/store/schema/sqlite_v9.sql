-- gatehouse schema version 9 (SQLite), applied after version 8.
-- DPoP (RFC 9449): the replay table of proofs (jti hash and key thumbprint,
-- kept until the proof's iat window is over), the key an authorization code
-- is bound to by dpop_jkt, the key a refresh-token family is bound to, and
-- clients whose tokens must be DPoP-bound (dpop_bound_access_tokens).
CREATE TABLE dpop_jti (
    jti_hash BLOB NOT NULL,
    jkt TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (jti_hash, jkt)
) WITHOUT ROWID;
CREATE INDEX dpop_jti_expires ON dpop_jti(expires_at);
ALTER TABLE auth_code ADD COLUMN dpop_jkt TEXT NOT NULL DEFAULT '';
ALTER TABLE family ADD COLUMN dpop_jkt TEXT NOT NULL DEFAULT '';
ALTER TABLE client ADD COLUMN dpop_bound INTEGER NOT NULL DEFAULT 0;
