-- A controller's term is taken only as the next one. A node that takes the controller role appends ControllerElected
-- with the latest recorded term plus one; the store refuses it, in the same transaction as the append, when another
-- node appended that term (or a later one) meanwhile. Without it two nodes could each take the same term: each took the
-- advisory lock in turn while the store failed over, and read the latest term before the other's append (the soak saw
-- three elections of one term), and the fencing token (0003) told neither that it was deposed.

CREATE OR REPLACE FUNCTION cib.ha_require_next_controller_term(next bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    latest bigint;
BEGIN
    -- Elections take turns (also the first, when the controller stream has no row to lock yet): the second one
    -- waits for the first to commit and then sees its term.
    PERFORM pg_advisory_xact_lock(hashtext('cib.controller-election'));
    SELECT max((data ->> 'term')::bigint) INTO latest
      FROM cib.mt_events WHERE stream_id = 'controller' AND type = 'cib.controller_elected.v1';
    IF coalesce(latest, 0) <> next - 1 THEN
        RAISE EXCEPTION 'controller term % is not the next one (latest %): another node took the role', next, coalesce(latest::text, 'none')
            USING ERRCODE = 'HA001';
    END IF;
END
$$;
