DROP TRIGGER IF EXISTS ha_notify_events ON cib.mt_events;
DROP FUNCTION IF EXISTS cib.ha_notify_events();
DROP TABLE IF EXISTS cib.ha_leases;
