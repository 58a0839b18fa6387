#!/bin/bash
# Boot command of a lab node in the Pacemaker peer (HA_LAB_BOOT): Debian's corosync 3 and pacemaker 2.1
# with the node's own /etc/corosync, /var/lib/{corosync,pacemaker} and logs, inside the node's namespaces.
set -euo pipefail
peer="$HA_LAB_STATE/peer"
for d in /etc/corosync /var/lib/corosync /var/lib/pacemaker /var/log/pacemaker; do
  mount -t tmpfs -o mode=755 tmpfs "$d"
done
cp "$peer/$HA_NODE.corosync.conf" /etc/corosync/corosync.conf
for d in cib pengine blackbox cores; do mkdir -p "/var/lib/pacemaker/$d"; done
chown -R hacluster:haclient /var/lib/pacemaker /var/log/pacemaker
chmod 750 /var/lib/pacemaker/* ; chmod 770 /var/log/pacemaker
mkdir -p /run/crm /run/pacemaker && chown hacluster:haclient /run/crm /run/pacemaker
log="$HA_LAB_NODE_DIR/pacemaker.log"
touch "$log" && chown hacluster:haclient "$log"
export PCMK_logfile="$log" PCMK_logfacility=none PCMK_debug=no
corosync -f >>"$HA_LAB_NODE_DIR/corosync.out" 2>&1 &
corosync_pid=$!
for _ in $(seq 1 100); do corosync-cfgtool -s >/dev/null 2>&1 && break; sleep 0.1; done
pacemakerd >>"$HA_LAB_NODE_DIR/pacemakerd.out" 2>&1 &
pacemaker_pid=$!
echo "$(date -u +%FT%T.%3NZ) corosync pid $corosync_pid, pacemakerd pid $pacemaker_pid"
# The node lives as long as both do.
wait -n "$corosync_pid" "$pacemaker_pid" || true
echo "$(date -u +%FT%T.%3NZ) corosync or pacemakerd exited: the node goes down"
