DROP TABLE IF EXISTS cib.ha_revoked_sessions;
