-- gatehouse schema version 8 (PostgreSQL), applied after version 7; the same
-- change as sqlite_v8.sql. Logout (OpenID Connect RP-Initiated Logout 1.0,
-- Back-Channel Logout 1.0): a client's registered post_logout_redirect_uris
-- (newline-separated) and back-channel logout URI, and the durable queue of
-- back-channel logout deliveries (one row per client and browser session;
-- the logout token is signed when it is sent). next_at and lease_until are in
-- milliseconds: a server claims due rows (FOR UPDATE SKIP LOCKED) for
-- lease_until so no other process sends them.
ALTER TABLE client ADD COLUMN post_logout_uris TEXT NOT NULL DEFAULT '',
    ADD COLUMN backchannel_logout_uri TEXT NOT NULL DEFAULT '';
CREATE TABLE bcl_queue (
    id BIGSERIAL PRIMARY KEY,
    client_id TEXT NOT NULL,
    uri TEXT NOT NULL,
    sub TEXT NOT NULL,
    sid TEXT NOT NULL,
    flow_id TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    tries BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX bcl_queue_due ON bcl_queue(next_at);
-- a session is also found by its public id (logout with an id_token_hint
-- from a browser that sent no session cookie)
CREATE INDEX browser_session_sid ON browser_session(sid);
