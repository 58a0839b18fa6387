DROP TABLE IF EXISTS cib.ha_credentials;
