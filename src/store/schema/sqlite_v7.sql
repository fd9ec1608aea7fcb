-- gatehouse schema version 7 (SQLite), applied after version 6.
-- The grant types a client may use at the token endpoint (RFC 6749 5.2
-- unauthorized_client), space-separated. Existing clients keep what they
-- could do: public ones the authorization code and refresh grants,
-- confidential ones client_credentials too.
ALTER TABLE client ADD COLUMN grant_types TEXT NOT NULL DEFAULT '';
UPDATE client SET grant_types = CASE WHEN is_public <> 0
    THEN 'authorization_code refresh_token'
    ELSE 'authorization_code refresh_token client_credentials' END;
