DROP INDEX IF EXISTS cib.ix_mt_events_id;
