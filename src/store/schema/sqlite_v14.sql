-- gatehouse schema version 14 (SQLite), applied after version 13.
-- Indexes for the purge, so that it never scans a table: with millions of
-- live families, each purge pass read every family and every refresh token
-- inside the writer's transaction (one full scan of each, every
-- purge-interval), and every rotation waited for it. Spent tokens
-- (rotated or revoked) by idle expiry, revoked families by revocation time
-- (partial: live rows are not indexed), and the expiry of browser
-- sessions, revoked access-token ids, login-failure counters and initial
-- access tokens.
CREATE INDEX refresh_token_spent ON refresh_token(idle_expires_at) WHERE state <> 0;
CREATE INDEX family_revoked ON family(revoked_at) WHERE revoked_at <> 0;
CREATE INDEX browser_session_expires ON browser_session(expires_at);
CREATE INDEX revoked_jti_expires ON revoked_jti(expires_at);
CREATE INDEX login_failure_last ON login_failure(last_at);
CREATE INDEX initial_access_token_expires ON initial_access_token(expires_at);
