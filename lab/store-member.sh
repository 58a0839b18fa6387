#!/bin/bash
# The first process under a store member's tini (PID 1), in the member's network, PID, mount and UTS namespaces
# (lab/store.sh): private /run (PostgreSQL's socket), /tmp and /dev/shm, then etcd in the background and Patroni,
# which runs PostgreSQL, in its place. kill -9 of the tini ends all three.
set -euo pipefail
hostname "$HA_STORE_MEMBER"
# shellcheck source=private-mounts.sh
source "$(dirname "${BASH_SOURCE[0]}")/private-mounts.sh"
private_mounts "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" "$HA_LAB_STATE"
install -d -o postgres -g postgres -m 2775 /run/postgresql
echo "$(date -u +%FT%T.%3NZ) $HA_STORE_MEMBER booting: etcd, patroni"
(
  set -a
  # shellcheck disable=SC1091
  source "$HA_STORE_DIR/etcd.env"
  set +a
  exec etcd
) >>"$HA_STORE_DIR/etcd.log" 2>&1 &
# Patroni as postgres, exec'd in place (runuser would fork); PostgreSQL refuses root.
cd "$HA_STORE_DIR"
export HOME=/var/lib/postgresql
exec setpriv --reuid=postgres --regid=postgres --init-groups -- patroni "$HA_STORE_DIR/patroni.yml" >>"$HA_STORE_DIR/patroni.log" 2>&1
