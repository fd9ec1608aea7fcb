-- gatehouse schema version 12 (SQLite), applied after version 11.
-- How a user signed in (RFC 8176 methods as bits, proto/amr.h: 1 password,
-- 2 one-time code, 4 passkey, 8 user verified): kept by the browser
-- session, copied into each code issued in it and into the refresh-token
-- family started from that code, so that every token says it (amr, acr).
-- Rows from before are password sign-ins. Clients that require a second
-- factor (client add|update --require-mfa).
ALTER TABLE browser_session ADD COLUMN amr INTEGER NOT NULL DEFAULT 1;
ALTER TABLE auth_code ADD COLUMN amr INTEGER NOT NULL DEFAULT 1;
ALTER TABLE family ADD COLUMN amr INTEGER NOT NULL DEFAULT 1;
ALTER TABLE client ADD COLUMN require_mfa INTEGER NOT NULL DEFAULT 0;
