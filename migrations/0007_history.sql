-- History (decision 0011): the raw log queried in SQL, and three stored history read models built from it.
--
-- The log's own indexes, for paged and filtered reads of cib.mt_events (keyset paging by seq_id, never OFFSET):
-- each filter an index that yields its events in sequence order, so a page is an index range scan that stops
-- after LIMIT rows however long the log.
CREATE INDEX IF NOT EXISTS ix_mt_events_type_seq ON cib.mt_events (type, seq_id);
CREATE INDEX IF NOT EXISTS ix_mt_events_stream_seq ON cib.mt_events (stream_id text_pattern_ops, seq_id);
CREATE INDEX IF NOT EXISTS ix_mt_events_user_seq ON cib.mt_events (user_name, seq_id);
CREATE INDEX IF NOT EXISTS ix_mt_events_correlation_seq ON cib.mt_events (correlation_id, seq_id);
CREATE INDEX IF NOT EXISTS ix_mt_events_timestamp ON cib.mt_events (timestamp, seq_id);

-- Fencing history, as stonith_admin --history shows it: one row per fence request (the controller's
-- FencingRequested and its result: NodeFenced, FencingFailed, FencedNodePowerOnFailed), and one per operator's
-- request to fence (NodeTerminationRequested, request_id 'terminate/SEQ').
CREATE TABLE IF NOT EXISTS cib.ha_fencing_history (
    request_id     text        PRIMARY KEY,
    seq            bigint      NOT NULL,
    last_seq       bigint      NOT NULL,
    requested_at   timestamptz NOT NULL,
    completed_at   timestamptz NULL,
    target         text        NOT NULL,
    action         text        NULL,
    device         text        NULL,
    executor       text        NULL,
    origin         text        NOT NULL,
    result         text        NOT NULL,
    reason         text        NULL,
    error          text        NULL,
    attempt        integer     NOT NULL,
    duration_ms    bigint      NULL,
    transition_id  text        NULL,
    correlation_id text        NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ix_ha_fencing_history_seq ON cib.ha_fencing_history (seq);
CREATE INDEX IF NOT EXISTS ix_ha_fencing_history_target ON cib.ha_fencing_history (target, seq);
CREATE INDEX IF NOT EXISTS ix_ha_fencing_history_requested_at ON cib.ha_fencing_history (requested_at, seq);

-- Operation history per resource and node: every result (rc, status, exit reason, duration) with the fail count
-- after it, and every clean-up (fail counts cleared, history forgotten) with its actor. One row per event.
CREATE TABLE IF NOT EXISTS cib.ha_operation_history (
    seq            bigint      PRIMARY KEY,
    at             timestamptz NOT NULL,
    resource       text        NOT NULL,
    node           text        NULL,
    kind           text        NOT NULL,
    operation      text        NULL,
    interval_ms    bigint      NULL,
    rc             integer     NULL,
    rc_text        text        NULL,
    status         text        NULL,
    exit_reason    text        NULL,
    duration_ms    bigint      NULL,
    fail_count     integer     NOT NULL,
    actor          text        NULL,
    transition_id  text        NULL,
    correlation_id text        NULL
);
CREATE INDEX IF NOT EXISTS ix_ha_operation_history_resource ON cib.ha_operation_history (resource, node, seq);
CREATE INDEX IF NOT EXISTS ix_ha_operation_history_node ON cib.ha_operation_history (node, seq);
CREATE INDEX IF NOT EXISTS ix_ha_operation_history_at ON cib.ha_operation_history (at, seq);

-- Configuration changes: one row per change (the events of one append), with the readable diff.
CREATE TABLE IF NOT EXISTS cib.ha_configuration_changes (
    change_id      text        PRIMARY KEY,
    seq            bigint      NOT NULL,
    last_seq       bigint      NOT NULL,
    from_version   bigint      NOT NULL,
    to_version     bigint      NOT NULL,
    actor          text        NOT NULL,
    at             timestamptz NOT NULL,
    reason         text        NULL,
    correlation_id text        NULL,
    commands       text[]      NOT NULL,
    diff           text[]      NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ix_ha_configuration_changes_seq ON cib.ha_configuration_changes (seq);
CREATE INDEX IF NOT EXISTS ix_ha_configuration_changes_actor ON cib.ha_configuration_changes (actor, seq);
CREATE INDEX IF NOT EXISTS ix_ha_configuration_changes_at ON cib.ha_configuration_changes (at, seq);

-- The log's clock, folded with the history: per bucket of 4,096 positions (bucket b: positions 4096*b+1 to
-- 4096*(b+1)), the earliest and latest timestamp of its events folded so far. Appenders stamp with their own clocks,
-- so timestamps are not ordered by position; these bounds let a time-bounded read of the log skip, exactly, the
-- positions whose events all lie before `since` (or at or after `until`) instead of filtering the whole log.
CREATE TABLE IF NOT EXISTS cib.ha_log_clock (
    bucket bigint      PRIMARY KEY,
    min_ts timestamptz NOT NULL,
    max_ts timestamptz NOT NULL
);
