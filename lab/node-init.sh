#!/bin/bash
# The first process under a lab node's tini (PID 1): makes the node's private state, then becomes
# the node's boot command. Runs inside the node's network, PID, mount and UTS namespaces.
set -euo pipefail
hostname "$HA_NODE"
# Agents and daemons keep pid files and state here; every node needs its own.
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mkdir -p /run/lock /run/resource-agents /run/apache2 /run/ha-lab /run/sshd
chmod 1777 /run/lock
# The same path on every node, this node's own file (logs and names differ per node).
ln -s "$HA_LAB_STATE/apache/$HA_NODE.conf" /run/ha-lab/apache.conf
cp "$HA_LAB_STATE/store-url" /run/ha-lab/store-url
touch "$HA_LAB_NODE_DIR/booted"
echo "$(date -u +%FT%T.%3NZ) $HA_NODE booting: $(cat "$HA_LAB_NODE_DIR/boot-command")"
exec /bin/bash -c "$(cat "$HA_LAB_NODE_DIR/boot-command")"
