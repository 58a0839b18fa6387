DROP TABLE IF EXISTS cib.ha_store_liveness;
