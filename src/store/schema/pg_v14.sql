-- gatehouse schema version 14 (PostgreSQL), applied after version 13.
-- Indexes for the purge, so that it never scans a table: with millions of
-- live families, each purge pass read every family and every refresh token
-- (sequential scans), every purge-interval. Spent tokens (rotated or
-- revoked) by idle expiry, revoked families by revocation time (partial:
-- live rows are not indexed), login-failure counters by last failure,
-- initial access tokens by expiry.
-- (browser_session and revoked_jti have had their expiry index since v1.)
CREATE INDEX refresh_token_spent ON refresh_token(idle_expires_at) WHERE state <> 0;
CREATE INDEX family_revoked ON family(revoked_at) WHERE revoked_at <> 0;
CREATE INDEX login_failure_last ON login_failure(last_at);
CREATE INDEX initial_access_token_expires ON initial_access_token(expires_at);
