-- gatehouse schema version 3 (SQLite): the reuse grace window never forks
-- a refresh-token family. A rotated token's row names the successor it was
-- rotated to (next_hash, the successor's key) and, while a grace window is
-- configured, keeps that successor encrypted under a key derived from the
-- rotated token itself (next_wrap: AES-256-GCM, HKDF-SHA256; see
-- docs/security.md 4.14), so that a presentation inside the window gets the
-- same successor back. The store alone cannot open it. Purge clears
-- next_wrap once no window can still need it; the partial index finds
-- those rows.
ALTER TABLE refresh_token ADD COLUMN next_hash BLOB;
ALTER TABLE refresh_token ADD COLUMN next_wrap BLOB;
CREATE INDEX refresh_token_wrapped ON refresh_token(rotated_at) WHERE next_wrap IS NOT NULL;
