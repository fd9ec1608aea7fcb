-- gatehouse schema version 4 (SQLite), applied after version 3.
-- Browser sessions are bound to their user: user_stamp is the SHA-256 of the
-- user's password hash at sign-in (new salt at every user add and passwd), so
-- a session ends with a password change or the user's removal, and a user
-- created later under the same name inherits nothing. Sessions from before
-- have no stamp: their users sign in again once.
ALTER TABLE browser_session ADD COLUMN user_stamp BLOB;
CREATE INDEX browser_session_sub ON browser_session(sub);
-- Each user's argon2id parameters, read from the hash ("$argon2id$v=19$m=M,
-- t=T,p=P$..."; 0 when it has none), so that servers find the costliest one
-- for the dummy hash of unknown user names without reading any hash.
ALTER TABLE user ADD COLUMN argon2_t INTEGER NOT NULL DEFAULT 0;
ALTER TABLE user ADD COLUMN argon2_m INTEGER NOT NULL DEFAULT 0;
ALTER TABLE user ADD COLUMN argon2_p INTEGER NOT NULL DEFAULT 0;
UPDATE user SET
    argon2_m = CAST(substr(pwhash, instr(pwhash, '$m=') + 3) AS INTEGER),
    argon2_t = CAST(substr(pwhash, instr(pwhash, ',t=') + 3) AS INTEGER),
    argon2_p = CAST(substr(pwhash, instr(pwhash, ',p=') + 3) AS INTEGER)
    WHERE pwhash LIKE '$argon2id$v=%$m=%,t=%,p=%$%';
CREATE INDEX user_cost ON user(argon2_t * argon2_m);
