DROP FUNCTION IF EXISTS cib.ha_require_controller_term(bigint);
