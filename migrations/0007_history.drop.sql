DROP TABLE IF EXISTS cib.ha_configuration_changes;
DROP TABLE IF EXISTS cib.ha_operation_history;
DROP TABLE IF EXISTS cib.ha_fencing_history;
DELETE FROM cib.ha_read_models WHERE name = 'history';
DROP INDEX IF EXISTS cib.ix_mt_events_timestamp;
DROP INDEX IF EXISTS cib.ix_mt_events_correlation_seq;
DROP INDEX IF EXISTS cib.ix_mt_events_user_seq;
DROP INDEX IF EXISTS cib.ix_mt_events_stream_seq;
DROP INDEX IF EXISTS cib.ix_mt_events_type_seq;
