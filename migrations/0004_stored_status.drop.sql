DROP TABLE IF EXISTS cib.ha_read_models;
