-- The keys that sign the API's bearer tokens (ASP.NET Core data protection's key ring, one XML element per key),
-- kept in the store that every node's API shares: a token from one node's API is valid at every node's, and the
-- keys survive the loss of any one machine as the store does. Readable by the API's role only.

CREATE TABLE IF NOT EXISTS cib.ha_api_keys (
    name       text        PRIMARY KEY,
    xml        text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
