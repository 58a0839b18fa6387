-- Appends of many events to many streams in one statement (decision 0015), for the node runtimes' outboxes, the
-- controller and the store benchmark (CibEventLog). What Marten's mt_quick_append_events does for one stream, set-based
-- for a batch: each stream's row is created or moved on by its count of events (row locks taken in stream order, so two
-- batches never deadlock), each event gets the next version of its stream, and the log positions follow the order of
-- the arrays: the function scan returns the arrays' elements in order and each takes nextval as it is read (a
-- materialized CTE, evaluated once). Events written here are ordinary Marten events. The statement trigger that notifies
-- the event feed fires once per batch.
CREATE OR REPLACE FUNCTION cib.ha_append_events(streams varchar[], event_ids uuid[], event_types varchar[], dotnet_types varchar[],
    bodies jsonb[], causation_ids varchar[], correlation_ids varchar[], headers jsonb[], user_names varchar[], at timestamptz)
RETURNS void LANGUAGE sql AS $$
    WITH input AS MATERIALIZED (
        SELECT nextval('cib.mt_events_sequence') AS seq, u.*
          FROM unnest(streams, event_ids, event_types, dotnet_types, bodies, causation_ids, correlation_ids, headers, user_names)
               WITH ORDINALITY AS u(stream, id, type, dotnet_type, body, causation_id, correlation_id, header, user_name, ord)),
    counts AS (SELECT stream, count(*) AS n FROM input GROUP BY stream),
    moved AS (
        INSERT INTO cib.mt_streams AS s (id, type, version, timestamp, created, tenant_id)
        SELECT stream, NULL, n, at, at, '*DEFAULT*' FROM counts ORDER BY stream
        ON CONFLICT (id) DO UPDATE SET version = s.version + excluded.version, timestamp = excluded.timestamp
        RETURNING s.id, s.version)
    INSERT INTO cib.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, correlation_id,
                               causation_id, headers, user_name, is_archived)
    SELECT i.seq, i.id, i.stream, m.version - c.n + row_number() OVER (PARTITION BY i.stream ORDER BY i.ord), i.body, i.type, at,
           '*DEFAULT*', i.dotnet_type, i.correlation_id, i.causation_id, i.header, i.user_name, FALSE
      FROM input i JOIN moved m ON m.id = i.stream JOIN counts c ON c.stream = i.stream
     ORDER BY i.seq;
$$;
