-- The project's own tables beside Marten's: node leases (renewals are not events) and the push
-- of every append to listeners (the controller and node runtimes wake on NOTIFY cib_events).

CREATE TABLE IF NOT EXISTS cib.ha_leases (
    node        text        PRIMARY KEY,
    incarnation text        NOT NULL,
    renewed_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE OR REPLACE FUNCTION cib.ha_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cib_events', '');
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS ha_notify_events ON cib.mt_events;
CREATE TRIGGER ha_notify_events AFTER INSERT ON cib.mt_events
    FOR EACH STATEMENT EXECUTE FUNCTION cib.ha_notify_events();
