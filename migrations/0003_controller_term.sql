-- The controller's fencing token. Every append of the controller names its term (the Term of the ControllerElected
-- it appended when it took the role); the store refuses it, in the same transaction as the append, unless that term
-- is still the latest. A controller that lost its session without knowing (a store restart, a cut link) and was
-- replaced can then append nothing, whatever it still believes.

CREATE OR REPLACE FUNCTION cib.ha_require_controller_term(expected bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    latest bigint;
BEGIN
    -- Share-lock the controller stream's row: appending a ControllerElected updates that row, so a new term waits
    -- for this transaction to end, and this transaction, if it comes second, sees the new term.
    PERFORM 1 FROM cib.mt_streams WHERE id = 'controller' FOR SHARE;
    SELECT max((data ->> 'term')::bigint) INTO latest
      FROM cib.mt_events WHERE stream_id = 'controller' AND type = 'cib.controller_elected.v1';
    IF latest IS DISTINCT FROM expected THEN
        RAISE EXCEPTION 'controller term % is not the latest (%): this controller was deposed', expected, coalesce(latest::text, 'none')
            USING ERRCODE = 'HA001';
    END IF;
END
$$;
