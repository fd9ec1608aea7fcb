-- gatehouse schema version 13 (SQLite), applied after version 12.
-- Passkeys (WebAuthn Level 2). A user's credentials: the credential id
-- (primary key: one credential belongs to one user, WebAuthn 7.1 step 22),
-- the user's label, the credential public key as the authenticator encoded
-- it (a COSE_Key; public, never a secret), its COSE algorithm, the
-- signature counter last accepted (7.2 step 21), the backup flags (BE, BS)
-- and when it was added and last used. Challenges of ceremonies under way:
-- only the SHA-256 of each, what it is for ("create" or "get"), the user it
-- was issued to ("" for a sign-in that names no user) and when it expires;
-- each is taken, and so deleted, once.
CREATE TABLE webauthn_credential (
    cred_id BLOB PRIMARY KEY,
    sub TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    cose_key BLOB NOT NULL,
    alg INTEGER NOT NULL,
    sign_count INTEGER NOT NULL DEFAULT 0,
    backup_eligible INTEGER NOT NULL DEFAULT 0,
    backup_state INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX webauthn_credential_sub ON webauthn_credential(sub);
CREATE TABLE webauthn_challenge (
    hash BLOB PRIMARY KEY,
    purpose TEXT NOT NULL,
    sub TEXT NOT NULL DEFAULT '',
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX webauthn_challenge_expires ON webauthn_challenge(expires_at);
