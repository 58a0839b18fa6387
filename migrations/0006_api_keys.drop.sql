DROP TABLE IF EXISTS cib.ha_api_keys;
