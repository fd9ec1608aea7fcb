-- gatehouse schema version 2 (PostgreSQL): OpenID Connect, the same
-- columns and meaning as sqlite_v2.sql. Users carry the standard profile
-- and email claims; a code carries the nonce and the browser session; a
-- family keeps the sign-in time and session for the id_tokens of refresh;
-- each browser session has a public random id (sid).
ALTER TABLE "user" ADD COLUMN email TEXT NOT NULL DEFAULT '',
    ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN name TEXT NOT NULL DEFAULT '',
    ADD COLUMN given_name TEXT NOT NULL DEFAULT '',
    ADD COLUMN family_name TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_code ADD COLUMN nonce TEXT NOT NULL DEFAULT '',
    ADD COLUMN sid TEXT NOT NULL DEFAULT '';
ALTER TABLE family ADD COLUMN auth_time BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN sid TEXT NOT NULL DEFAULT '';
ALTER TABLE browser_session ADD COLUMN sid TEXT NOT NULL DEFAULT '';
UPDATE browser_session SET sid = replace(gen_random_uuid()::text, '-', '');
UPDATE family SET auth_time = created_at, sid = replace(gen_random_uuid()::text, '-', '');
CREATE INDEX family_sid ON family(sid);
