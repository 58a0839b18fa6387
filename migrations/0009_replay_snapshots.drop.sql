DROP TABLE IF EXISTS cib.ha_replay_snapshots;
-- The history's state (version 3) knows of replay snapshots: fold it again from 0 without them.
DELETE FROM cib.ha_read_models WHERE name = 'history';
