#!/bin/bash
# The first process under a lab node's tini (PID 1): makes the node's private state, then becomes
# the node's boot command. Runs inside the node's network, PID, mount and UTS namespaces.
set -euo pipefail
hostname "$HA_NODE"
# Agents and daemons keep pid files and state here; every node needs its own. The checkout (ha-node, the lab's state,
# the store's password files) stays visible even when it lives under /tmp or /run.
# shellcheck source=private-mounts.sh
source "$(dirname "${BASH_SOURCE[0]}")/private-mounts.sh"
private_mounts "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" "$HA_LAB_STATE"
mkdir -p /run/lock /run/resource-agents /run/apache2 /run/ha-lab /run/sshd
chmod 1777 /run/lock
# The same path on every node, this node's own file (logs and names differ per node).
ln -s "$HA_LAB_STATE/apache/$HA_NODE.conf" /run/ha-lab/apache.conf
cp "$HA_LAB_STATE/store-url" /run/ha-lab/store-url
# On the replicated store, the node's own route to its primary (lab/store.sh write_router_config) runs before anything
# that connects, and dies with the node.
if [[ $(cat "$HA_LAB_STATE/store-kind" 2>/dev/null) == replicated && -s $HA_LAB_STATE/store/haproxy.cfg ]]; then
  haproxy -D -f "$HA_LAB_STATE/store/haproxy.cfg" -p /run/ha-lab/haproxy.pid 2>>"$HA_LAB_NODE_DIR/haproxy.log"
fi
touch "$HA_LAB_NODE_DIR/booted"
echo "$(date -u +%FT%T.%3NZ) $HA_NODE booting: $(cat "$HA_LAB_NODE_DIR/boot-command")"
# The boot command (the node's API and runtime) runs as this init's child, not in its place: a machine whose cluster
# runtime dies keeps running, with whatever resources it had (`./ha lab runtime kill NODE`), as a real one does when
# its cluster stack crashes. Only the machine's crash or power-off (`kill`, a fence's destroy) ends everything on it.
/bin/bash -c "$(cat "$HA_LAB_NODE_DIR/boot-command")" &
wait $! || true
echo "$(date -u +%FT%T.%3NZ) $HA_NODE: its runtime ended; the machine runs on"
exec sleep infinity
