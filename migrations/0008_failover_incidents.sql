-- Failover incidents (decision 0012), a table of the stored history (decision 0011), folded with it by the active
-- controller: one row per incident, opened by its trigger (node lost, monitor failure, fence of any origin, admin
-- move), followed along the causation chain (its transitions, fence, recovery actions), closed when every affected
-- resource runs again or is given up. The history's state changes shape (version 2): the stored history is folded
-- again from 0 at the controller's next round, this table with it.
CREATE TABLE IF NOT EXISTS cib.ha_failover_incidents (
    incident_id         text        PRIMARY KEY,
    seq                 bigint      NOT NULL,
    last_seq            bigint      NOT NULL,
    trigger             text        NOT NULL,
    subject             text        NOT NULL,
    node                text        NULL,
    actor               text        NOT NULL,
    reason              text        NULL,
    detected_at         timestamptz NOT NULL,
    detection_ms        bigint      NULL,
    resources           text[]      NOT NULL,
    transitions         text[]      NOT NULL,
    fence_request_id    text        NULL,
    fence_target        text        NULL,
    fence_device        text        NULL,
    fence_executor      text        NULL,
    fence_result        text        NULL,
    fence_duration_ms   bigint      NULL,
    recovery            jsonb       NOT NULL,
    status              text        NOT NULL,
    closed_at           timestamptz NULL,
    time_to_recovery_ms bigint      NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ix_ha_failover_incidents_seq ON cib.ha_failover_incidents (seq);
CREATE INDEX IF NOT EXISTS ix_ha_failover_incidents_resources ON cib.ha_failover_incidents USING gin (resources);
CREATE INDEX IF NOT EXISTS ix_ha_failover_incidents_detected_at ON cib.ha_failover_incidents (detected_at, seq);
