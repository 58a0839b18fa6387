DROP FUNCTION IF EXISTS cib.ha_require_next_controller_term(bigint);
