DROP FUNCTION IF EXISTS cib.ha_append_events(varchar[], uuid[], varchar[], varchar[], jsonb[], varchar[], varchar[], jsonb[], varchar[], timestamptz);
