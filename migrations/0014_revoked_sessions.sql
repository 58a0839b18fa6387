-- Sessions and bearer tokens ended before they expire: a logout (DELETE /api/v1/auth/session, DELETE /api/v1/auth/token,
-- hactl logout) records the credential's session id here, and every node's API refuses a credential whose id is here
-- (a token from one node's API is valid at every node's, so its end must be too). Rows past their credential's expiry
-- mean nothing and may be deleted. Readable and writable by the API's role only, like the token keys.
CREATE TABLE IF NOT EXISTS cib.ha_revoked_sessions (
    sid        text        PRIMARY KEY,
    revoked_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    expires_at timestamptz NOT NULL
);
