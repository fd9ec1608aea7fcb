-- gatehouse schema version 3 (SQLite), applied after version 2.
-- Browser sessions are bound to their user: user_stamp is the SHA-256 of the
-- user's password hash at sign-in (new salt at every user add and passwd), so
-- a session ends with a password change or the user's removal, and a user
-- created later under the same name inherits nothing. Sessions from before
-- have no stamp: their users sign in again once.
ALTER TABLE browser_session ADD COLUMN user_stamp BLOB;
CREATE INDEX browser_session_sub ON browser_session(sub);
