-- gatehouse schema version 3 (PostgreSQL): the same columns and meaning as
-- sqlite_v2.sql. A rotated token's row names its successor (next_hash) and,
-- with a grace window, keeps it encrypted under a key only the rotated
-- token yields (next_wrap), so every presentation inside the window leads
-- to the same successor.
ALTER TABLE refresh_token ADD COLUMN next_hash BYTEA, ADD COLUMN next_wrap BYTEA;
CREATE INDEX refresh_token_wrapped ON refresh_token(rotated_at) WHERE next_wrap IS NOT NULL;
