-- Users' password hashes, beside the log and never in it: the users and their roles are events (stream "users"),
-- readable by auditors; a hash is a secret an append-only log could never forget. Written in the same
-- transaction as the user's event.

CREATE TABLE IF NOT EXISTS cib.ha_credentials (
    name       text        PRIMARY KEY,
    hash       text        NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
