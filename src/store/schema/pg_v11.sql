-- gatehouse schema version 11 (PostgreSQL), applied after version 10.
-- One-time codes (RFC 6238): a user's TOTP secret, sealed with AES-256-GCM
-- under a key derived (HKDF) from the database's csrf_key (hex of nonce,
-- ciphertext and tag; never the secret itself), whether it is enabled (a
-- row with enabled 0 is an enrolment awaiting its first code), and the last
-- time step accepted, so that each code works once. Recovery codes: only
-- their SHA-256, one row each, removed when used.
CREATE TABLE user_mfa (
    sub TEXT PRIMARY KEY,
    secret_sealed TEXT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 0,
    last_step BIGINT NOT NULL DEFAULT -1,
    updated_at BIGINT NOT NULL
);
CREATE TABLE recovery_code (
    sub TEXT NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (sub, hash)
);
