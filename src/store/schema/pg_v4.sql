-- gatehouse schema version 4 (PostgreSQL), applied after version 3; the same
-- change as sqlite_v4.sql. Browser sessions are bound to their user:
-- user_stamp is the SHA-256 of the user's password hash at sign-in (new salt
-- at every user add and passwd), so a session ends with a password change or
-- the user's removal, and a user created later under the same name inherits
-- nothing. Sessions from before have no stamp: their users sign in again once.
ALTER TABLE browser_session ADD COLUMN user_stamp BYTEA;
CREATE INDEX browser_session_sub ON browser_session(sub);
-- Each user's argon2id parameters, read from the hash ("$argon2id$v=19$m=M,
-- t=T,p=P$..."; 0 when it has none), so that servers find the costliest one
-- for the dummy hash of unknown user names without reading any hash.
ALTER TABLE "user" ADD COLUMN argon2_t BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN argon2_m BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN argon2_p BIGINT NOT NULL DEFAULT 0;
UPDATE "user" SET
    argon2_m = COALESCE(substring(pwhash FROM '^\$argon2id\$v=[0-9]+\$m=([0-9]+),')::bigint, 0),
    argon2_t = COALESCE(substring(pwhash FROM '^\$argon2id\$v=[0-9]+\$m=[0-9]+,t=([0-9]+),')::bigint, 0),
    argon2_p = COALESCE(substring(pwhash FROM '^\$argon2id\$v=[0-9]+\$m=[0-9]+,t=[0-9]+,p=([0-9]+)\$')::bigint, 0);
CREATE INDEX user_cost ON "user" ((argon2_t * argon2_m));
