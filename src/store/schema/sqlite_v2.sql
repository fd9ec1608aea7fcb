-- gatehouse schema version 2 (SQLite): OpenID Connect (OIDC Core 1.0).
-- Users carry the standard profile and email claims (OIDC Core 5.1); a code
-- carries the request's nonce (3.1.2.1) and the browser session it was
-- issued in; a refresh-token family keeps the time of the sign-in that
-- started it and that session, for the id_tokens of refresh (12.2); each
-- browser session has a public random id, the id_token's sid (Front- and
-- Back-Channel Logout). Sessions and families from version 1 get one too.
ALTER TABLE user ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE user ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE user ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE user ADD COLUMN given_name TEXT NOT NULL DEFAULT '';
ALTER TABLE user ADD COLUMN family_name TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_code ADD COLUMN nonce TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_code ADD COLUMN sid TEXT NOT NULL DEFAULT '';
ALTER TABLE family ADD COLUMN auth_time INTEGER NOT NULL DEFAULT 0;
ALTER TABLE family ADD COLUMN sid TEXT NOT NULL DEFAULT '';
ALTER TABLE browser_session ADD COLUMN sid TEXT NOT NULL DEFAULT '';
UPDATE browser_session SET sid = lower(hex(randomblob(16)));
UPDATE family SET auth_time = created_at, sid = lower(hex(randomblob(16)));
CREATE INDEX family_sid ON family(sid);
