-- The resource agents installed on each node (decision 0017): what a node runtime finds when it starts (its OCF agents,
-- its fence agents, its built-in devices), each with a stamp of the agent's file (its size and modification time; the
-- built-in devices: their meta-data's checksum) and the agent's meta-data XML as the agent prints it, read by the node
-- (null until read; `error` says why when it could not be). Machine inventory, not news of the cluster: rows, not events.
-- A node replaces its own rows at each start and reads the meta-data of an agent only when no row of any node holds it
-- for the same stamp. The API's agent list and the console's primitive form read it.
CREATE TABLE IF NOT EXISTS cib.ha_node_agents (
    node        text        NOT NULL,
    agent       text        NOT NULL,
    stamp       text        NOT NULL,
    metadata    text,
    error       text,
    reported_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (node, agent)
);
CREATE INDEX IF NOT EXISTS ha_node_agents_agent ON cib.ha_node_agents (agent, stamp);
