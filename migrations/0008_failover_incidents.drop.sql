DROP TABLE IF EXISTS cib.ha_failover_incidents;
-- The history's state (version 2) knows of incidents: fold it again from 0 without them.
DELETE FROM cib.ha_read_models WHERE name = 'history';
