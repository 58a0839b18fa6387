#!/usr/bin/env bash
# lab.sh: a real multi-node cluster on one machine (see docs/lab.md). Called by `./ha lab`.
#
#   lab.sh up [N] [--store embedded|replicated] [--store-placement own|nodes]
#                        N nodes (default 2), the bridge, the shared disk, the hypervisor, the store (the embedded
#                        PostgreSQL, or three members with etcd + Patroni + PostgreSQL: lab/store.sh), the members in
#                        machines of their own (own, the default) or on the first three nodes' machines, with
#                        witnesses of their own for the members left (nodes)
#   lab.sh down          remove everything the lab made (also after a crash or a half-finished up)
#   lab.sh status        nodes (power, pid, addresses, mounts), hypervisor, disk, store URL
#   lab.sh store status|kill|cut|heal|promote MEMBER   the replicated store's members s1..s3 (lab/store.sh)
#   lab.sh kill NODE     crash a node: kill -9 its PID 1 (the hypervisor still shows it running)
#   lab.sh cut NODE      take the node's link down (a dead cable); heal NODE brings it back
#   lab.sh boot NODE     boot a node that is off or crashed (reset its interface, start its runtime)
#   lab.sh exec NODE CMD...   run a command on a node (all its namespaces)
#   lab.sh runtime kill|start NODE   kill -9 the node's runtime (ha-node) alone, the machine and its resources running
#                        on; start it again on that machine (as its boot does)
#   lab.sh hypervisor refuse|accept   the hypervisor refuses every request (a fence device that fails) / serves again
#   lab.sh peer pacemaker up [N]|failover [--runs N] [--crash destroy|cut]|status|down
#                        the Pacemaker peer in the lab (lab/peer/pacemaker.sh)
#   lab.sh poweroff NODE / poweron NODE   what the hypervisor's destroy/start do (hooks)
#
# Only the private subnet 10.77.0.0/24 is used: no default route, IP forwarding untouched.
set -Eeuo pipefail

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$LAB_DIR/.." && pwd)"
# shellcheck source=machine.sh
. "$LAB_DIR/machine.sh"
STATE="${HA_LAB_STATE:-$ROOT/.ha/lab}"
BRIDGE=ha-br0
SUBNET_PREFIX=10.77.0
HOST_ADDRESS=$SUBNET_PREFIX.254
SSH_PORT="${HA_LAB_SSH_PORT:-2222}"
SHARED_MOUNT=/mnt/ha-shared
VIP="${HA_LAB_VIP:-$SUBNET_PREFIX.100}"
HV="$STATE/hypervisor"
HA_NODE_BIN="${HA_NODE_BIN:-$ROOT/src/NodeRuntime/bin/Release/net10.0/ha-node}"
API_BIN="${HA_API_BIN:-$ROOT/src/Audit.Api/bin/Release/net10.0/Audit.Api}"
# The components' password files, kept by ./ha (decision 0010): the nodes' runtimes connect as ha_node, their APIs as ha_api.
SECRETS="$ROOT/.ha/secrets"

say() { printf '%s\n' "$*" >&2; }
die() { say "lab: $*"; exit 1; }
now_ms() { date +%s%3N; }

require_root() { [[ $(id -u) -eq 0 ]] || die "the lab needs root (network, PID and mount namespaces, loop devices)"; }

node_index() {
  [[ ${1:-} =~ ^node([0-9]+)$ ]] || die "no such node '${1:-}' (nodes are node1..nodeN)"
  local i=${BASH_REMATCH[1]}
  [[ -d /run/netns && -e /run/netns/ha-n$i ]] || die "node '$1' is not in the lab (./ha lab status)"
  echo "$i"
}

# The node's PID 1 (tini), if it is alive.
tini_pid() {
  local i=$1 pid
  pid=$(cat "$STATE/nodes/node$i/tini.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  local s
  s=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $s != Z && $s != X ]] || return 1
  # The pid must still be a tini in the node's network namespace (pids get reused).
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == tini ]] || return 1
  [[ $(readlink "/proc/$pid/ns/net" 2>/dev/null) == "net:[$(stat -L -c %i "/run/netns/ha-n$i" 2>/dev/null)]" ]] || return 1
  echo "$pid"
}

power_state() { cat "$HV/domains/node$1" 2>/dev/null || echo "undefined"; }
set_power() { mkdir -p "$HV/domains"; echo "$2" > "$HV/domains/node$1"; }

# ------------------------------------------------------------------ network
make_bridge() {
  ip link add "$BRIDGE" type bridge
  ip addr add "$HOST_ADDRESS/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

make_namespace() { machine_namespace "ha-n$1"; }

# A booting node starts from a clean interface: addresses (a VIP) and firewall rules survive a kill.
reset_interface() {
  local i=$1 ns=ha-n$1
  ip -n "$ns" addr flush dev eth0
  ip netns exec "$ns" nft flush ruleset 2>/dev/null || true
  ip -n "$ns" link set eth0 down
  ip -n "$ns" link set eth0 up
  ip -n "$ns" addr add "$SUBNET_PREFIX.$i/24" dev eth0
  ip link set "ha-n$i-h" up
}

# ------------------------------------------------------------------ nodes
# The nodes' boot command, chosen at `up` and kept for later boots (the hypervisor's `virsh start` runs
# in an sshd session that knows nothing of the caller's HA_LAB_BOOT).
boot_command() {
  if [[ -n ${HA_LAB_BOOT:-} ]]; then echo "$HA_LAB_BOOT"; return; fi
  if [[ -s $STATE/boot-command ]]; then cat "$STATE/boot-command"; return; fi
  if [[ -x $HA_NODE_BIN ]] && "$HA_NODE_BIN" help 2>&1 | grep -Eq -- 'serve'; then
    # The API on every node, as Hawk runs on every node (HTTPS on the node's address, port 7630; its certificate and
    # token keys in the node's directory, kept across reboots); HA_LAB_API=0 leaves it out (the lab tests, the bench).
    # It connects with the API's role (HA_API_CONNECTION), the runtime with the node's (HA_CONNECTION).
    local api=""
    if [[ ${HA_LAB_API:-1} != 0 && -x $API_BIN ]]; then
      api="HA_CONNECTION=\"\$HA_API_CONNECTION\" \"$API_BIN\" --Api:DataDir=\"\$HA_LAB_NODE_DIR/api\" >>\"\$HA_LAB_NODE_DIR/api.log\" 2>&1 & "
    fi
    # HA_LAB_STORE_OUTAGE_BOUND: the nodes' store-outage bound (docs/safety.md; default ha-node's). Kept with the boot
    # command, so that a node booted again after a fence rides out a store outage as its peers do.
    local bound=""
    [[ -n ${HA_LAB_STORE_OUTAGE_BOUND:-} ]] && bound=" --store-outage-bound $HA_LAB_STORE_OUTAGE_BOUND"
    echo "${api}$(runtime_command)"
  else
    echo "exec sleep infinity"
  fi
}

# The runtime alone (the boot command without the API), for `runtime start`.
runtime_command() {
  if [[ -s $STATE/runtime-command ]]; then cat "$STATE/runtime-command"; return; fi
  local bound=""
  [[ -n ${HA_LAB_STORE_OUTAGE_BOUND:-} ]] && bound=" --store-outage-bound $HA_LAB_STORE_OUTAGE_BOUND"
  echo "exec \"$HA_NODE_BIN\" serve --node \"\$HA_NODE\"$bound"
}

# The node's runtime (ha-node, in the node's PID namespace), if one runs.
runtime_pids() { nsenter -t "$1" -p -m -- pgrep -x ha-node 2>/dev/null || true; }

runtime_kill() {
  local i=$1 pid pids
  pid=$(tini_pid "$i") || die "node$i is not running"
  pids=$(runtime_pids "$pid")
  [[ -n $pids ]] || die "node$i runs no runtime"
  # shellcheck disable=SC2086
  nsenter -t "$pid" -p -m -- kill -KILL $pids
}

runtime_start() {
  local i=$1 pid dir="$STATE/nodes/node$1"
  pid=$(tini_pid "$i") || die "node$i is not running"
  [[ -z $(runtime_pids "$pid") ]] || die "node$i runs its runtime already"
  [[ -s $STATE/runtime-command ]] || die "the lab keeps no runtime command (HA_LAB_BOOT replaced the runtime)"
  # On the machine, as its init started it at boot: the same environment, output to its console; the node's PID 1
  # adopts it.
  HA_NODE="node$i" HA_CONNECTION="$(cat "$STATE/store-url")" HA_API_CONNECTION="$(cat "$STATE/store-url.api")" HA_LAB_STATE="$STATE" \
    HA_LAB_NODE_DIR="$dir" HA_LAB_VIP="$VIP" HA_LAB_SHARED_MOUNT="$SHARED_MOUNT" \
    nsenter -t "$pid" -a -- setsid /bin/bash -c "$(cat "$STATE/runtime-command")" </dev/null >>"$dir/console.log" 2>&1 &
}

start_node() { # I [keep-interface]
  local i=$1 dir="$STATE/nodes/node$1"
  mkdir -p "$dir"
  # keep-interface: the first boot at `up` with store members on the nodes' machines, whose interfaces were set up
  # before the members started on them. Every other boot (after a crash or a fence) starts from a clean interface.
  [[ ${2:-} == keep-interface ]] || reset_interface "$i"
  boot_command > "$dir/boot-command"
  local store api_store
  store=$(cat "$STATE/store-url")
  api_store=$(cat "$STATE/store-url.api")
  : > "$dir/tini.pid"
  # Started from a subshell that exits at once, so that the node is nobody's child here (the
  # hypervisor's sshd session that runs `virsh start` must be able to end), with every fd on files.
  (
    export HA_NODE="node$i" HA_CONNECTION="$store" HA_API_CONNECTION="$api_store" HA_LAB_STATE="$STATE" HA_LAB_NODE_DIR="$dir" \
      HA_LAB_VIP="$VIP" HA_LAB_SHARED_MOUNT="$SHARED_MOUNT"
    setsid ip netns exec "ha-n$i" unshare --pid --fork --kill-child --mount-proc --uts --mount \
      --propagation private tini -s -- "$LAB_DIR/node-init.sh" \
      </dev/null >>"$dir/console.log" 2>&1 &
    echo $! > "$dir/unshare.pid"
  )
  local pid _
  pid=$(tini_of "$(cat "$dir/unshare.pid")") || die "node$i did not start (see $dir/console.log)"
  echo "$pid" > "$dir/tini.pid"
  # Ready when the node's init has set up its private mounts.
  for _ in $(seq 1 200); do
    grep -q " /run tmpfs " "/proc/$pid/mounts" 2>/dev/null && [[ -e $dir/booted ]] && break
    sleep 0.01
  done
  rm -f "$dir/booted"
  set_power "$i" running
}

kill_node() {
  local i=$1 pid
  if pid=$(tini_pid "$i"); then
    kill -KILL "$pid" 2>/dev/null || true
    local _
    for _ in $(seq 1 200); do [[ -d /proc/$pid ]] && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || break; sleep 0.005; done
  fi
  # Anything still in the node's network namespace (a command run with `ip netns exec`) goes too.
  local p
  for p in $(ip netns pids "ha-n$i" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
}

# The hypervisor's destroy: link down first (no last words on the wire), then the whole node.
power_off() {
  local i=$1
  ip link set "ha-n$i-h" down 2>/dev/null || true
  kill_node "$i"
  # A machine that is off holds no address: the VIP a crashed node had is gone with it, not left configured in its
  # namespace until the next boot (an observer counting addresses saw it beside the survivor's for one sample while the
  # fence's power-on was still on its way: the node is fenced once it is off).
  ip -n "ha-n$i" addr flush dev eth0 2>/dev/null || true
  set_power "$i" "shut off"
}

power_on() {
  local i=$1
  if tini_pid "$i" >/dev/null; then die "node$i is running"; fi
  kill_node "$i"
  start_node "$i"
  # The store member on this machine boots with it.
  if [[ $(cat "$STATE/store-placement" 2>/dev/null) == nodes && $i -le 3 && -e $STATE/store/s$i/patroni.yml ]]; then
    "$LAB_DIR/store.sh" heal "s$i" >/dev/null 2>&1 || say "lab: node$i's store member s$i did not boot (./ha lab store status)"
  fi
}

# ------------------------------------------------------------------ shared disk
make_disk() {
  mkdir -p "$STATE/disk" "$SHARED_MOUNT"
  local img="$STATE/disk/shared.img"
  rm -f "$img"
  truncate -s 64M "$img"
  mkfs.ext4 -q -F -L ha-shared "$img"
  local dev
  dev=$(losetup --find --show "$img")
  echo "$dev" > "$STATE/disk/device"
  # The page apache serves, written once through a short-lived private mount.
  local tmp
  tmp=$(mktemp -d /tmp/ha-lab-disk.XXXXXX)
  mount "$dev" "$tmp"
  mkdir -p "$tmp/www"
  printf '<html><head><title>ha lab</title></head><body><h1>Ha.EventSourced lab</h1><p>served from the shared disk</p></body></html>\n' > "$tmp/www/index.html"
  umount "$tmp"
  rmdir "$tmp"
}

write_apache_configs() {
  local n=$1 i
  mkdir -p "$STATE/apache"
  for i in $(seq 1 "$n"); do
    cat > "$STATE/apache/node$i.conf" <<CONF
# apache for lab node$i: listens on the VIP only, serves the shared disk, state under the node's /run.
ServerRoot /etc/apache2
ServerName node$i
PidFile /run/apache2/httpd.pid
Mutex file:/run/apache2
DefaultRuntimeDir /run/apache2
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_host_module /usr/lib/apache2/modules/mod_authz_host.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule status_module /usr/lib/apache2/modules/mod_status.so
User www-data
Group www-data
Listen $VIP:80
ErrorLog $STATE/nodes/node$i/apache-error.log
LogLevel warn
TypesConfig /etc/mime.types
DirectoryIndex index.html
StartServers 1
ServerLimit 2
ThreadsPerChild 8
MaxRequestWorkers 16
KeepAlive Off
DocumentRoot $SHARED_MOUNT/www
<Directory />
  Require all denied
  AllowOverride None
</Directory>
<Directory $SHARED_MOUNT/www>
  Require all granted
</Directory>
<Location /server-status>
  SetHandler server-status
  Require ip 127.0.0.1 $SUBNET_PREFIX.0/24
</Location>
CONF
  done
}

# The example Apache cluster (docs/examples/apache-cluster.crm) adapted to this lab.
write_cluster_config() {
  local n=$1 i hosts
  hosts=$(seq -f 'node%g' 1 "$n" | paste -sd' ' -)
  {
    for i in $(seq 1 "$n"); do echo "node node$i"; done
    cat <<CRM
primitive apache-fs ocf:heartbeat:Filesystem \\
	params device=$(cat "$STATE/disk/device") directory=$SHARED_MOUNT fstype=ext4 \\
	op monitor interval=20s timeout=40s
primitive apache-ip ocf:heartbeat:IPaddr2 \\
	params cidr_netmask=24 ip=$VIP nic=eth0 \\
	op monitor interval=10s timeout=20s
primitive apache-service ocf:heartbeat:apache \\
	params configfile=/run/ha-lab/apache.conf \\
		statusurl=http://$VIP/server-status \\
	op monitor interval=10s timeout=20s
primitive fence-virt stonith:external/libvirt \\
	params hostlist="$hosts" hypervisor_uri=qemu+ssh://root@$HOST_ADDRESS:$SSH_PORT/system \\
		identity_file=$STATE/client_key known_hosts_file=$STATE/known_hosts \\
	op monitor interval=60s timeout=20s
group apache-group apache-ip apache-fs apache-service
property no-quorum-policy=stop stonith-enabled=true
rsc_defaults migration-threshold=3 resource-stickiness=100
op_defaults timeout=20s
CRM
  } > "$STATE/apache-cluster.crm"
}

# ------------------------------------------------------------------ hypervisor
start_hypervisor() {
  mkdir -p "$HV/domains"
  [[ -f $STATE/client_key ]] || ssh-keygen -q -t ed25519 -N '' -f "$STATE/client_key" -C ha-lab-client
  (exec 3<>"/dev/tcp/127.0.0.1/$SSH_PORT") 2>/dev/null && die "port $SSH_PORT is taken on 127.0.0.1 (set HA_LAB_SSH_PORT)"
  cat > "$HV/on-destroy" <<HOOK
#!/bin/bash
exec "$LAB_DIR/lab.sh" poweroff "\$1"
HOOK
  cat > "$HV/on-start" <<HOOK
#!/bin/bash
exec "$LAB_DIR/lab.sh" poweron "\$1"
HOOK
  chmod +x "$HV/on-destroy" "$HV/on-start"
  "$LAB_DIR/hypervisor/sshd-up.sh" "$HV" "$HOST_ADDRESS,127.0.0.1" "$SSH_PORT" "$STATE/client_key.pub" </dev/null >/dev/null
  cp "$HV/known_hosts" "$STATE/known_hosts"
}

# ------------------------------------------------------------------ store
# store_url_for_nodes URL ROLE: what a node's component connects with: the same server on the bridge, its own role
# (ha_node, ha_api) over scram-sha-256, the password in its file (never in the URL, which status prints).
store_url_for_nodes() {
  local url=$1 role=$2 db=${HA_LAB_DATABASE:-ha}
  # ./ha db url gives Host=127.0.0.1;Port=P;...: the nodes reach the same server on the bridge.
  local port
  [[ $url =~ Port=([0-9]+) ]] || die "cannot read the store's port from '$url'"
  port=${BASH_REMATCH[1]}
  [[ -s $SECRETS/$role.pgpass ]] || die "no password file for the store's role $role ($SECRETS/$role.pgpass; ./ha db start makes it)"
  echo "Host=$HOST_ADDRESS;Port=$port;Username=$role;Passfile=$SECRETS/$role.pgpass;Database=$db;Pooling=true;Maximum Pool Size=20"
}

# ------------------------------------------------------------------ up / down
cmd_down() {
  local t0
  t0=$(now_ms)
  local ns i p
  # Nodes first: their PID 1s, then anything else in their namespaces.
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^ha-n[0-9]+$' || true); do
    i=${ns#ha-n}
    kill_node "$i" || true
  done
  # Node PID 1s recorded by an earlier lab whose namespaces are gone already.
  for p in "$STATE"/nodes/*/tini.pid; do
    [[ -s $p ]] || continue
    local pid
    pid=$(cat "$p")
    [[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == tini ]] && kill -KILL "$pid" 2>/dev/null || true
  done
  [[ -d $HV ]] && "$LAB_DIR/hypervisor/sshd-down.sh" "$HV" || true
  # The replicated store's members (namespaces ha-sN, their links, .ha/lab/store/), if any.
  "$LAB_DIR/store.sh" down || true
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^ha-n[0-9]+$' || true); do
    ip netns delete "$ns" 2>/dev/null || true
  done
  for p in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^ha-n[0-9]+-[hc]$' || true); do
    ip link delete "$p" 2>/dev/null || true
  done
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link delete "$BRIDGE" || true
  # Mounts of the shared disk left in the root namespace by hand, then the loop devices.
  if mountpoint -q "$SHARED_MOUNT" 2>/dev/null; then umount -l "$SHARED_MOUNT" || true; fi
  local dev
  for dev in $(losetup -j "$STATE/disk/shared.img" -O NAME -n 2>/dev/null || true); do
    losetup -d "$dev" 2>/dev/null || true
  done
  for dev in $(losetup -l -n -O NAME,BACK-FILE 2>/dev/null | awk '$2 ~ /\.ha\/lab\/disk\/shared\.img/ {print $1}' || true); do
    losetup -d "$dev" 2>/dev/null || true
  done
  if [[ -e $STATE/store-started-by-lab ]]; then
    "$ROOT/ha" db stop >/dev/null 2>&1 || true
    rm -f "$STATE/store-started-by-lab"
  fi
  rm -rf "$STATE/disk" "$STATE/nodes" "$STATE/store-kind" "$STATE/store-placement" "$STATE/store-url" "$STATE/store-url.api" "$STATE/store-url.root" "$STATE/nodes.count" "$STATE/up" "$STATE/boot-command" "$STATE/runtime-command" "$STATE/apache-cluster.crm"
  rmdir "$SHARED_MOUNT" 2>/dev/null || true
  say "lab: down ($(( $(now_ms) - t0 )) ms)"
}

cmd_up() {
  local n=2 store=embedded placement=own
  while [[ $# -gt 0 ]]; do
    case $1 in
      --store) store=${2:-}; shift 2 || die "--store needs embedded or replicated" ;;
      --store=*) store=${1#--store=}; shift ;;
      --store-placement) placement=${2:-}; shift 2 || die "--store-placement needs own or nodes" ;;
      --store-placement=*) placement=${1#--store-placement=}; shift ;;
      *) n=$1; shift ;;
    esac
  done
  [[ $n =~ ^[0-9]+$ && $n -ge 1 && $n -le 9 ]] || die "node count must be 1..9, not '$n'"
  [[ $store == embedded || $store == replicated ]] || die "--store must be embedded or replicated, not '$store'"
  [[ $placement == own || $placement == nodes ]] || die "--store-placement must be own or nodes, not '$placement'"
  [[ $placement == own || $store == replicated ]] || die "--store-placement is the replicated store's (--store replicated)"
  local t0
  t0=$(now_ms)
  cmd_down 2>/dev/null
  mkdir -p "$STATE/nodes"
  echo "$n" > "$STATE/nodes.count"
  rm -f "$STATE/boot-command" "$STATE/runtime-command"
  boot_command > "$STATE/boot-command.new"
  mv "$STATE/boot-command.new" "$STATE/boot-command"
  if [[ -z ${HA_LAB_BOOT:-} && $(cat "$STATE/boot-command") == *"$HA_NODE_BIN"* ]]; then runtime_command > "$STATE/runtime-command"; fi
  make_bridge
  local i
  for i in $(seq 1 "$n"); do make_namespace "$i"; done
  make_disk
  write_apache_configs "$n"
  write_cluster_config "$n"
  local url
  echo "$store" > "$STATE/store-kind"
  echo "$placement" > "$STATE/store-placement"
  # Members on the nodes' machines need the nodes' addresses before the nodes boot.
  if [[ $placement == nodes ]]; then for i in $(seq 1 "$n"); do reset_interface "$i"; done; fi
  if [[ $store == replicated ]]; then
    # Three members in namespaces of their own (decision 0014): the database and the roles on the primary; every
    # component connects with a multi-host connection string that finds the primary wherever it is.
    url=$("$LAB_DIR/store.sh" up) || die "the replicated store did not come up (./ha lab store status; .ha/lab/store/sN/*.log)"
  else
    # A store the lab had to start is stopped again by down; one that ran before is left running.
    "$ROOT/ha" db status >/dev/null 2>&1 || touch "$STATE/store-started-by-lab"
    url=$("$ROOT/ha" db lab-listen "$HOST_ADDRESS" "$SUBNET_PREFIX.0/24" "${HA_LAB_DATABASE:-ha}") || die "the store did not come up on $HOST_ADDRESS"
  fi
  # The schema and what the components' roles may do in it, as the superuser before any node starts: their roles
  # change no schema (decision 0010).
  HA_CONNECTION=$url "$ROOT/ha" hactl schema apply >/dev/null || die "the schema could not be applied to the lab's store"
  if [[ $store == replicated ]]; then
    "$LAB_DIR/store.sh" node-url ha_node > "$STATE/store-url"
    "$LAB_DIR/store.sh" node-url ha_api > "$STATE/store-url.api"
  else
    store_url_for_nodes "$url" ha_node > "$STATE/store-url"
    store_url_for_nodes "$url" ha_api > "$STATE/store-url.api"
  fi
  echo "$url" > "$STATE/store-url.root"
  start_hypervisor
  for i in $(seq 1 "$n"); do
    echo "running" > "$HV/domains/node$i"
    if [[ $placement == nodes ]]; then start_node "$i" keep-interface; else start_node "$i"; fi
  done
  touch "$STATE/up"
  say "lab: up, $n nodes, $store store ($(( $(now_ms) - t0 )) ms); boot: $(boot_command)"
  if [[ $(boot_command) == *"$API_BIN"* ]]; then announce_api "$n" "$url"; fi
}

# Where the API answers on every node, and the first admin: created on the store host (as on a fresh machine:
# hactl user add --store) with a one-time password printed here once and kept nowhere; change it with hactl user passwd.
announce_api() { # N ROOT_URL
  local n=$1 url=$2 i
  for i in $(seq 1 "$n"); do say "lab: API on node$i: https://$SUBNET_PREFIX.$i:7630 (its certificate's SHA-256 is in $STATE/nodes/node$i/api.log)"; done
  if HA_CONNECTION=$url "$ROOT/ha" hactl user list --store 2>/dev/null | grep -q $'^admin\t'; then
    say "lab: the first admin 'admin' exists already in this store"
    return
  fi
  local password
  password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  printf '%s\n' "$password" | HA_CONNECTION=$url "$ROOT/ha" hactl user add admin --role admin --store >/dev/null ||
    die "the first admin could not be created"
  say "lab: first admin: admin, one-time password $password (shown once; change it: hactl user passwd admin)"
  local fingerprint="" tries=0
  while [[ -z $fingerprint && $tries -lt 300 ]]; do
    fingerprint=$(grep -o 'SHA-256 [0-9A-F:]*' "$STATE/nodes/node1/api.log" 2>/dev/null | tail -n 1 | cut -d' ' -f2)
    [[ -n $fingerprint ]] || { sleep 0.1; tries=$((tries + 1)); }
  done
  say "lab:   hactl login --url https://$SUBNET_PREFIX.1:7630 --user admin --fingerprint ${fingerprint:-SHA256-FROM-api.log}   # the password on stdin"
}

node_count() { cat "$STATE/nodes.count" 2>/dev/null || echo 0; }

cmd_status() {
  if [[ ! -e $STATE/up ]]; then echo "lab: down"; return 3; fi
  local n i pid
  n=$(node_count)
  echo "lab: up, $n nodes, bridge $BRIDGE $HOST_ADDRESS/24"
  for i in $(seq 1 "$n"); do
    local alive=down addrs mounts link
    if pid=$(tini_pid "$i"); then alive="up pid $pid"; else pid=""; fi
    addrs=$(ip -n "ha-n$i" -o -4 addr show dev eth0 2>/dev/null | awk '{print $4}' | paste -sd, -)
    link=$(cat "/sys/class/net/ha-n$i-h/operstate" 2>/dev/null || echo missing)
    mounts=""
    [[ -n $pid ]] && mounts=$(awk '$1 ~ /^\/dev\/loop/ {print $1" on "$2}' "/proc/$pid/mounts" | paste -sd, -)
    printf 'node%s: power=%s node=%s link=%s addrs=%s mounts=%s\n' "$i" "$(power_state "$i")" "$alive" "$link" "${addrs:-none}" "${mounts:-none}"
  done
  local hv="down"
  [[ -s $HV/sshd.pid ]] && kill -0 "$(cat "$HV/sshd.pid")" 2>/dev/null && hv="sshd pid $(cat "$HV/sshd.pid")"
  echo "hypervisor: $hv on $HOST_ADDRESS:$SSH_PORT and 127.0.0.1:$SSH_PORT; client key $STATE/client_key; known_hosts $STATE/known_hosts"
  echo "disk: $(cat "$STATE/disk/device" 2>/dev/null || echo none) ($STATE/disk/shared.img, ext4, mount point $SHARED_MOUNT)"
  echo "store: $(cat "$STATE/store-kind" 2>/dev/null || echo embedded)$([[ $(cat "$STATE/store-placement" 2>/dev/null) == nodes ]] && echo ", members on the nodes' machines")"
  echo "store for nodes: $(cat "$STATE/store-url" 2>/dev/null || echo none)"
  echo "store for the nodes' APIs: $(cat "$STATE/store-url.api" 2>/dev/null || echo none)"
  echo "vip: $VIP; apache configs: $STATE/apache/nodeN.conf; cluster configuration: $STATE/apache-cluster.crm"
  if [[ $(cat "$STATE/store-kind" 2>/dev/null) == replicated ]]; then "$LAB_DIR/store.sh" status || true; fi
}

cmd_exec() {
  local i pid
  i=$(node_index "${1:-}"); shift
  [[ $# -gt 0 ]] || die "usage: lab exec NODE CMD..."
  pid=$(tini_pid "$i") || die "node$i is not running"
  exec nsenter -t "$pid" -a --wd="$PWD" -- "$@"
}

main() {
  local sub=${1:-status}
  shift || true
  case $sub in help|-h|--help) ;; *) require_root ;; esac
  case $sub in
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    kill) local i; i=$(node_index "${1:-}"); kill_node "$i"; say "lab: node$i crashed" ;;
    cut) local i; i=$(node_index "${1:-}"); ip link set "ha-n$i-h" down; say "lab: node$i cut off" ;;
    heal) local i; i=$(node_index "${1:-}"); ip link set "ha-n$i-h" up; say "lab: node$i link back" ;;
    boot) local i; i=$(node_index "${1:-}"); power_on "$i"; say "lab: node$i booted (pid $(tini_pid "$i"))" ;;
    poweroff) local i; i=$(node_index "${1:-}"); power_off "$i" ;;
    poweron) local i; i=$(node_index "${1:-}"); power_on "$i" ;;
    exec) cmd_exec "$@" ;;
    runtime) local i; i=$(node_index "${2:-}")
      case ${1:-} in
        kill) runtime_kill "$i"; say "lab: node$i's runtime killed (the machine runs on)" ;;
        start) runtime_start "$i"; say "lab: node$i's runtime started" ;;
        *) die "usage: lab runtime kill|start NODE" ;;
      esac ;;
    hypervisor) case ${1:-} in
        refuse) touch "$HV/refuse"; say "lab: the hypervisor refuses every request" ;;
        accept) rm -f "$HV/refuse"; say "lab: the hypervisor serves again" ;;
        *) die "usage: lab hypervisor refuse|accept" ;;
      esac ;;
    store) [[ $(cat "$STATE/store-kind" 2>/dev/null) == replicated ]] ||
        die "the lab's store is not replicated (./ha lab up N --store replicated)"
      exec "$LAB_DIR/store.sh" "$@" ;;
    peer) [[ ${1:-} == pacemaker ]] || die "usage: lab peer pacemaker up [N]|failover [--runs N] [--crash destroy|cut]|status|down"
      shift; exec "$LAB_DIR/peer/pacemaker.sh" "$@" ;;
    pid) local i; i=$(node_index "${1:-}"); tini_pid "$i" ;;
    help|-h|--help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown lab command '$sub' (up [N] [--store replicated [--store-placement nodes]]|down|status|kill|cut|heal|boot|exec NODE ...|store ...)" ;;
  esac
}

main "$@"
