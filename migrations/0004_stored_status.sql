-- Stored read models: each one row, its JSON and the log position it was folded to. The cluster status
-- (membership, operations, fail counts, fencing, the transition, and the controller's fold of the log) is written
-- by the active controller as it follows the log, fenced by its term like its appends, and never moved backwards;
-- a controller taking over starts from it and reads only the log after its position.

CREATE TABLE IF NOT EXISTS cib.ha_read_models (
    name       text        PRIMARY KEY,
    position   bigint      NOT NULL,
    data       jsonb       NOT NULL,
    written_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
