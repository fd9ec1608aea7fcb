-- gatehouse schema version 6 (PostgreSQL), applied after version 4; the same
-- change as sqlite_v5.sql. Remembered consent (OpenID Connect Core 3.1.2.4):
-- the scope a user granted a client, so that a second sign-in for the same
-- scopes asks no more. Removing the user or the client deletes its rows.
CREATE TABLE consent (
    sub TEXT NOT NULL,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (sub, client_id)
);
CREATE INDEX consent_client ON consent(client_id);
