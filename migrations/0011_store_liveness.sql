-- Riding out an outage of the store (docs/safety.md): when did the store last come back, after how long away? One row,
-- written by every lease renewal in the renewal's own statement: the time of the latest renewal of any node, the first
-- renewal after the latest gap longer than three quarters of the renewing node's lease timeout (every node renews four
-- times per lease timeout: no renewal of anyone's for three of those intervals means the store, not the nodes, was
-- away), and how long that gap was (`outage`). Replicated with the leases, so a store member promoted after a failover
-- knows it too. The controller gives every lease a lease timeout plus as long as the outage lasted (at most the
-- store-outage bound) from `up_since` before it declares the node lost (LeaseLoss.LeaseHolds).
CREATE TABLE IF NOT EXISTS cib.ha_store_liveness (
    id         int         PRIMARY KEY CHECK (id = 1),
    last_write timestamptz NOT NULL,
    up_since   timestamptz NOT NULL,
    outage     interval    NOT NULL DEFAULT '0'
);
