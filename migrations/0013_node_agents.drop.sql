DROP TABLE IF EXISTS cib.ha_node_agents;
