-- Idempotent appends (decision 0015): every event's id is unique in the log. A node runtime's outbox chooses an
-- event's id when it queues the event, so an append whose outcome it could not learn (its deadline passed, the
-- connection broke) is recognised when the outbox delivers again: it asks whether the id is stored, and should it send
-- the event again anyway, the store refuses the repeat (a unique violation on this index) instead of appending it twice.
-- The outboxes' ids are version 7 (time-ordered), so this index grows at its end as the log does.
CREATE UNIQUE INDEX IF NOT EXISTS ix_mt_events_id ON cib.mt_events (id);
