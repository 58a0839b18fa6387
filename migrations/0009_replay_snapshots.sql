-- Replay snapshots (decision 0013), a table of the stored history (decision 0011), folded with it by the active
-- controller: the cluster status (the status read model, in the stored status's JSON shape) as of every multiple of
-- 100,000 log positions, so that replaying a past state (replay, explain, what-if at a position, the report) restores
-- the latest snapshot at or before the position and folds only the log after it, not the log from sequence 0. Each
-- row is a pure function of the log up to its position. The history's state changes version (3): the stored history
-- is folded again from 0 at the controller's next round, this table with it.
CREATE TABLE IF NOT EXISTS cib.ha_replay_snapshots (
    position   bigint      PRIMARY KEY,
    data       jsonb       NOT NULL,
    written_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
