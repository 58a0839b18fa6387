#!/usr/bin/env bash
# store.sh: the lab's replicated store (docs/lab.md "The replicated store", decision 0014). Called by lab.sh.
#
#   store.sh up                   three members s1..s3, each in its own namespace (ha-sN, 10.77.0.2N on ha-br0)
#                                 running etcd + Patroni + PostgreSQL 15 (synchronous_mode strict); waits for a
#                                 leader and a sync standby; prints the superuser's multi-host URL. With the placement
#                                 "nodes" (lab.sh up --store-placement nodes, kept in .ha/lab/store-placement), member
#                                 sN runs on node N's machine (namespace ha-nN, the node's address 10.77.0.N) for each
#                                 of the first three nodes, and the members left run in machines of their own (the
#                                 witnesses): a node's crash or cut is its member's too
#   store.sh down                 every member's processes, namespaces, links and .ha/lab/store/ removed
#   store.sh url [ROLE]           the multi-host connection string (postgres, or ha_node / ha_api)
#   store.sh node-url ROLE        the connection string a node's components use: the node's own HAProxy
#                                 (127.0.0.1:5433 in the node's namespace), which routes to the current primary
#   store.sh status               each member: process, link, role, state, timeline, lag, etcd health
#   store.sh kill MEMBER          crash: kill -9 the member's PID 1 (etcd, Patroni, PostgreSQL die together)
#   store.sh cut MEMBER           the member's link down (it keeps running, isolated)
#   store.sh heal MEMBER          the link up, and the member booted again if it was killed
#   store.sh promote MEMBER       patronictl switchover to MEMBER (failover when there is no leader)
#   store.sh wait [SECONDS]       until there is one leader and a streaming sync standby
#
# The bridge ha-br0 (10.77.0.254/24) is lab.sh's; members use 10.77.0.21-23, clear of nodes (.1-.9), the VIP (.100)
# and the host (.254). Ports on each member's address: PostgreSQL 5432, Patroni's REST API 8008, etcd 2379 (clients)
# and 2380 (peers).
set -Eeuo pipefail

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$LAB_DIR/.." && pwd)"
# shellcheck source=machine.sh
. "$LAB_DIR/machine.sh"
STATE="${HA_LAB_STATE:-$ROOT/.ha/lab}"
STORE="$STATE/store"
SECRETS="$ROOT/.ha/secrets"
BRIDGE=ha-br0
SUBNET_PREFIX=10.77.0
HOST_ADDRESS=$SUBNET_PREFIX.254
MEMBERS=3
PG_PORT=5432
REST_PORT=8008
ETCD_CLIENT_PORT=2379
ETCD_PEER_PORT=2380
SCOPE=ha-store
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)}
DATABASE=${HA_LAB_DATABASE:-ha}

say() { printf '%s\n' "$*" >&2; }
die() { say "lab store: $*"; exit 1; }
now_ms() { date +%s%3N; }

PLACEMENT=$(cat "$STATE/store-placement" 2>/dev/null || echo own)
NODE_COUNT=$(cat "$STATE/nodes.count" 2>/dev/null || echo 0)
# on_node I: member sI shares node I's machine (placement "nodes").
on_node() { [[ $PLACEMENT == nodes && $1 -le $NODE_COUNT ]]; }
member_ns() { if on_node "$1"; then echo "ha-n$1"; else echo "ha-s$1"; fi; }
address() { if on_node "$1"; then echo "$SUBNET_PREFIX.$1"; else echo "$SUBNET_PREFIX.2$1"; fi; }
all_indexes() { seq 1 "$MEMBERS"; }
hosts_csv() { local i; for i in $(all_indexes); do printf '%s%s' "$([[ $i -gt 1 ]] && echo ,)" "$(address "$i")"; done; }
etcd_endpoints() { local i; for i in $(all_indexes); do printf '%shttp://%s:%s' "$([[ $i -gt 1 ]] && echo ,)" "$(address "$i")" "$ETCD_CLIENT_PORT"; done; }

member_index() {
  [[ ${1:-} =~ ^s([0-9]+)$ ]] || die "no such store member '${1:-}' (members are s1..s$MEMBERS)"
  local i=${BASH_REMATCH[1]}
  [[ $i -ge 1 && $i -le $MEMBERS ]] || die "no such store member '$1' (members are s1..s$MEMBERS)"
  [[ -e /run/netns/$(member_ns "$i") ]] || die "store member '$1' is not in the lab (./ha lab up N --store replicated)"
  echo "$i"
}

# The member's PID 1 (tini) if it is alive and still the one in the member's network namespace (pids get reused).
tini_pid() {
  local i=$1 pid s
  pid=$(cat "$STORE/s$i/tini.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  s=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $s != Z && $s != X ]] || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == tini ]] || return 1
  [[ $(readlink "/proc/$pid/ns/net" 2>/dev/null) == "net:[$(stat -L -c %i "/run/netns/$(member_ns "$i")" 2>/dev/null)]" ]] || return 1
  echo "$pid"
}

# ------------------------------------------------------------------ secrets
# secret NAME: a password kept owner-only in .ha/secrets/lab-store-NAME.pgpass (the pgpass format, so that the
# root namespace's tools and the tests name the file in a connection string, never the password).
secret_file() { echo "$SECRETS/lab-store-$1.pgpass"; }
secret() {
  local name=$1 file pw
  file=$(secret_file "$name")
  (umask 077; mkdir -p "$SECRETS")
  if [[ ! -s $file ]]; then
    pw=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)
    (umask 077; printf '*:*:*:%s:%s\n' "$name" "$pw" > "$file")
  fi
  chmod 600 "$file"
  cut -d: -f5- "$file"
}

# ------------------------------------------------------------------ configuration
write_member_config() {
  local i=$1 dir="$STORE/s$1" me
  me=$(address "$i")
  local su_pw repl_pw
  su_pw=$(secret postgres)
  repl_pw=$(secret replicator)
  mkdir -p "$dir"
  local peers="" j
  for j in $(all_indexes); do peers+="${peers:+,}s$j=http://$(address "$j"):$ETCD_PEER_PORT"; done
  cat > "$dir/etcd.env" <<ENV
ETCD_NAME=s$i
ETCD_DATA_DIR=$dir/etcd
ETCD_LISTEN_CLIENT_URLS=http://$me:$ETCD_CLIENT_PORT,http://127.0.0.1:$ETCD_CLIENT_PORT
ETCD_ADVERTISE_CLIENT_URLS=http://$me:$ETCD_CLIENT_PORT
ETCD_LISTEN_PEER_URLS=http://$me:$ETCD_PEER_PORT
ETCD_INITIAL_ADVERTISE_PEER_URLS=http://$me:$ETCD_PEER_PORT
ETCD_INITIAL_CLUSTER=$peers
ETCD_INITIAL_CLUSTER_STATE=new
ETCD_INITIAL_CLUSTER_TOKEN=$SCOPE
ETCD_HEARTBEAT_INTERVAL=100
ETCD_ELECTION_TIMEOUT=500
ETCD_PRE_VOTE=true
ETCD_ENABLE_V2=true
ETCD_LOGGER=zap
ETCD_LOG_LEVEL=warn
ENV
  local hba="" a
  for j in $(all_indexes); do
    a=$(address "$j")
    hba+="    - host replication replicator $a/32 scram-sha-256"$'\n'
    hba+="    - host all postgres $a/32 scram-sha-256"$'\n'
  done
  # The file holds passwords: owner postgres, 0600, under the lab's state (never in a URL or on a command line).
  (umask 077; cat > "$dir/patroni.yml" <<YAML
# Written by lab/store.sh for store member s$i (decision 0014). Edits are replaced on the next up.
scope: $SCOPE
namespace: /ha/
name: s$i
log:
  level: INFO
  format: '%(asctime)s %(levelname)s: %(message)s'
restapi:
  listen: $me:$REST_PORT
  connect_address: $me:$REST_PORT
# Patroni talks to its own member's etcd only (use_proxies: no discovery of the others). Its view of the store is then
# its machine's: an isolated member's etcd has no quorum, so its Patroni cannot renew the leader key and demotes; and a
# healthy primary never spends its retry_timeout on another member's etcd that was just cut off (with retry_timeout 1,
# one dead endpoint tried first would cost it the leader key).
etcd:
  hosts: 127.0.0.1:$ETCD_CLIENT_PORT
  use_proxies: true
bootstrap:
  dcs:
    # The smallest whole seconds meeting Patroni's rule loop_wait + 2 * retry_timeout <= ttl (an isolated primary demotes
    # before its leader key expires). A dead primary's key expires 2-3 s after its last renewal (plus etcd's v2 expiry
    # tick, 0.5 s), a replica sees it on its next loop (1 s; with loop_wait 1 Patroni polls rather than watches), then
    # promotes. Measured (measurements.md, "Store failover"): ttl 5 / retry_timeout 2 promoted 6-7 s after a kill.
    ttl: 3
    loop_wait: 1
    retry_timeout: 1
    # An old primary whose shutdown hangs is SIGKILLed after 2 s (the split brain of lab-notes.md).
    primary_stop_timeout: 2
    # An acknowledged commit is on two members; only the sync standby may be promoted; no standby, no writes.
    synchronous_mode: true
    synchronous_mode_strict: true
    failsafe_mode: false
    postgresql:
      use_pg_rewind: true
      # No replication slots: a replica streams from a new primary as soon as Patroni points it there, instead of
      # waiting for the new primary's next loop to create its slot (measured: 1.2-2.2 s more before the first commit
      # in strict synchronous mode). The WAL a rejoining member needs is kept by wal_keep_size instead.
      use_slots: false
      parameters:
        wal_log_hints: 'on'
        max_connections: 300
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
        password_encryption: scram-sha-256
        # A replica that asked the new primary for its slot before Patroni made it retries after 250 ms, not the
        # default 5 s: in strict synchronous mode no write commits until a standby streams again.
        wal_retrieve_retry_interval: 250ms
        # As the embedded store: a session whose peer vanished ends within seconds.
        tcp_keepalives_idle: 1
        tcp_keepalives_interval: 1
        tcp_keepalives_count: 2
        tcp_user_timeout: 2000
  initdb:
    - encoding: UTF8
    - locale: C
postgresql:
  listen: $me,127.0.0.1:$PG_PORT
  connect_address: $me:$PG_PORT
  data_dir: $dir/pgdata
  bin_dir: $PG_BIN
  pgpass: $dir/patroni.pgpass
  use_unix_socket: true
  parameters:
    # The member's private /run (its own mount namespace).
    unix_socket_directories: /run/postgresql
  authentication:
    superuser:
      username: postgres
      password: '$su_pw'
    replication:
      username: replicator
      password: '$repl_pw'
  pg_hba:
    # Inside the member only (its own socket directory and loopback): Patroni and ./ha's tooling run there.
    - local all all trust
    - local replication all trust
    - host all postgres 127.0.0.1/32 trust
    - host replication replicator 127.0.0.1/32 scram-sha-256
    # The other members: streaming replication and pg_rewind.
${hba}    # ./ha and the lab tests from the host's address on the bridge, with the password of .ha/secrets.
    - host all postgres $HOST_ADDRESS/32 scram-sha-256
    # The components (decision 0010), from the lab's subnet.
    - host all ha_node,ha_api $SUBNET_PREFIX.0/24 scram-sha-256
YAML
  )
  chown -R postgres:postgres "$dir"
  chmod 700 "$dir"
}

# patronictl's view from the root namespace: etcd over the bridge.
write_ctl_config() {
  cat > "$STORE/patronictl.yml" <<YAML
scope: $SCOPE
namespace: /ha/
etcd:
  hosts: $(for j in $(all_indexes); do printf '%s%s:%s' "$([[ $j -gt 1 ]] && echo ,)" "$(address "$j")" "$ETCD_CLIENT_PORT"; done)
YAML
}

patronictl() { command patronictl -c "$STORE/patronictl.yml" "$@"; }

# ------------------------------------------------------------------ members
make_member_namespace() {
  local i=$1 ns=ha-s$1
  # On a node: the node's namespace, made and addressed by lab.sh.
  if on_node "$i"; then return 0; fi
  machine_namespace "$ns"
  ip -n "$ns" addr add "$(address "$i")/24" dev eth0
  ip -n "$ns" link set eth0 up
}

# Boot a member: its own PID and mount namespace under tini (kill -9 of tini ends etcd, Patroni and PostgreSQL at
# once, like a machine's power), in its network namespace.
start_member() {
  local i=$1 dir="$STORE/s$1"
  ip link set "$(member_ns "$i")-h" up
  : > "$dir/tini.pid"
  (
    export HA_STORE_MEMBER="s$i" HA_STORE_DIR="$dir" HA_LAB_STATE="$STATE"
    setsid ip netns exec "$(member_ns "$i")" unshare --pid --fork --kill-child --mount-proc --uts --mount \
      --propagation private tini -s -- "$LAB_DIR/store-member.sh" \
      </dev/null >>"$dir/console.log" 2>&1 &
    echo $! > "$dir/unshare.pid"
  )
  local pid
  pid=$(tini_of "$(cat "$dir/unshare.pid")") || die "store member s$i did not start (see $dir/console.log)"
  echo "$pid" > "$dir/tini.pid"
}

kill_member() {
  local i=$1 pid p _
  if pid=$(tini_pid "$i"); then
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do [[ -d /proc/$pid ]] && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || break; sleep 0.005; done
  fi
  # Anything else in a machine of its own (on a node, the node's processes are not the member's).
  on_node "$i" && return 0
  for p in $(ip netns pids "ha-s$i" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
}

# member_api I PATH: a member's own view over its REST API (empty when it does not answer within a second).
member_api() { curl -s --noproxy '*' -m 1 "http://$(address "$1"):$REST_PORT$2" 2>/dev/null || true; }

# ------------------------------------------------------------------ up / down
cmd_up() {
  local t0
  t0=$(now_ms)
  [[ -x $PG_BIN/postgres ]] || die "PostgreSQL server binaries not found (./ha deps)"
  command -v etcd >/dev/null && command -v patroni >/dev/null && command -v etcdctl >/dev/null ||
    die "etcd, etcdctl and patroni are needed (Debian etcd-server, etcd-client, patroni: ./ha deps)"
  ip link show "$BRIDGE" >/dev/null 2>&1 || die "the lab's bridge $BRIDGE is not up (lab.sh up makes it)"
  # PostgreSQL runs as postgres and must reach its data directory under the checkout.
  mkdir -p "$STORE"
  runuser -u postgres -- test -x "$STORE" 2>/dev/null ||
    die "the postgres user cannot reach $STORE (a directory above it is not searchable by others): move the checkout or chmod o+x its parents"
  write_ctl_config
  write_router_config
  local i
  for i in $(all_indexes); do
    make_member_namespace "$i"
    write_member_config "$i"
  done
  for i in $(all_indexes); do start_member "$i"; done
  cmd_wait 90 || { cmd_status >&2 || true; die "no leader with a streaming sync standby within 90 s (logs: $STORE/sN/console.log)"; }
  local leader
  leader=$(leader_index) || die "no leader"
  # The product's database and roles on the primary, by ./ha's own code (what ./ha db lab-listen does for the
  # embedded store), run inside the leader's namespaces where postgres may connect over loopback.
  ip netns exec "$(member_ns "$leader")" "$ROOT/ha" db lab-roles 127.0.0.1 "$PG_PORT" "$DATABASE" >/dev/null ||
    die "the database and roles could not be created on s$leader"
  say "lab store: up, leader s$leader ($(( $(now_ms) - t0 )) ms)"
  cmd_url
}

cmd_down() {
  local ns i p
  for i in $(all_indexes); do on_node "$i" && kill_member "$i"; done
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^ha-s[0-9]+$' || true); do
    kill_member "${ns#ha-s}" || true
  done
  # Member PID 1s recorded by an earlier lab whose namespaces are gone already.
  for p in "$STORE"/s*/tini.pid; do
    [[ -s $p ]] || continue
    local pid
    pid=$(cat "$p")
    [[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == tini ]] &&
      grep -qsE "ha-[sn]" <(ip netns identify "$pid" 2>/dev/null) && kill -KILL "$pid" 2>/dev/null || true
  done
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^ha-s[0-9]+$' || true); do
    ip netns delete "$ns" 2>/dev/null || true
  done
  for p in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^ha-s[0-9]+-[hc]$' || true); do
    ip link delete "$p" 2>/dev/null || true
  done
  rm -rf "$STORE"
}

# cmd_url [ROLE] [DATABASE]: the multi-host connection string, Npgsql syntax. Primary only; Npgsql asks a host it saw as
# a standby again after a second (its default is 10 s), and gives up on a host after 3 s.
cmd_url() {
  local role=${1:-postgres} db=${2:-$DATABASE} file
  case $role in
    postgres) file=$(secret_file postgres) ;;
    ha_node|ha_api) file=$SECRETS/$role.pgpass ;;
    *) die "no such role '$role' (postgres, ha_node, ha_api)" ;;
  esac
  [[ -s $file ]] || die "no password file for $role ($file)"
  local size=50
  [[ $role == postgres ]] || size=20
  echo "Host=$(hosts_csv);Port=$PG_PORT;Username=$role;Passfile=$file;Database=$db;Target Session Attributes=primary;Host Recheck Seconds=1;Timeout=3;Keepalive=1;Pooling=true;Maximum Pool Size=$size"
}

# cmd_node_url ROLE: what a node's runtime and API connect to. Every node runs its own HAProxy (started by
# node-init.sh from $STORE/haproxy.cfg) that sends each new session to the member whose Patroni answers GET /primary with
# 200 (OPTIONS /primary: the status line only) and shuts down the sessions to a member as soon as its checks fail. A node's connection never waits on a member
# that is gone: Npgsql's multi-host list is tried in order, and a member cut off (its packets dropped) holds each open
# for the whole connect timeout, longer than a lease renewal may take (decision 0014, "How the nodes reach the primary").
ROUTER_PORT=5433
cmd_node_url() {
  local role=${1:-} db=${2:-$DATABASE} file
  case $role in
    ha_node|ha_api) file=$SECRETS/$role.pgpass ;;
    *) die "no such role for a node '$role' (ha_node, ha_api)" ;;
  esac
  [[ -s $file ]] || die "no password file for $role ($file)"
  echo "Host=127.0.0.1;Port=$ROUTER_PORT;Username=$role;Passfile=$file;Database=$db;Timeout=3;Keepalive=1;Pooling=true;Maximum Pool Size=20"
}

# The nodes' HAProxy: TCP to PostgreSQL, health from Patroni's REST API. A check every 250 ms with a 500 ms limit, down
# after two failures: a member cut off is out of the rotation within about a second, and its sessions are closed then.
write_router_config() {
  local i
  {
    cat <<CFG
# Written by lab/store.sh (decision 0014): each lab node's route to the store's primary. Edits are replaced on the next up.
global
    maxconn 1000
defaults
    mode tcp
    timeout connect 1s
    timeout client 1h
    timeout server 1h
    timeout queue 1s
    timeout check 500ms
listen store-primary
    bind 127.0.0.1:$ROUTER_PORT
    option httpchk
    http-check send meth OPTIONS uri /primary
    http-check expect status 200
    default-server inter 250ms fastinter 250ms downinter 250ms fall 2 rise 1 on-marked-down shutdown-sessions
CFG
    for i in $(all_indexes); do
      echo "    server s$i $(address "$i"):$PG_PORT check port $REST_PORT"
    done
  } > "$STORE/haproxy.cfg"
}

# The leader as the members themselves say it (GET /primary answers 200 on the running primary only).
leader_index() {
  local i found=""
  for i in $(all_indexes); do
    if [[ $(curl -s --noproxy '*' -m 1 -o /dev/null -w '%{http_code}' "http://$(address "$i"):$REST_PORT/primary" 2>/dev/null) == 200 ]]; then
      [[ -z $found ]] || return 1
      found=$i
    fi
  done
  [[ -n $found ]] && echo "$found"
}

# The sync standby as etcd names it (GET /sync answers 200 on it only).
sync_standby_index() {
  local i
  for i in $(all_indexes); do
    [[ $(curl -s --noproxy '*' -m 1 -o /dev/null -w '%{http_code}' "http://$(address "$i"):$REST_PORT/sync" 2>/dev/null) == 200 ]] && { echo "$i"; return 0; }
  done
  return 1
}

# Ready: exactly one member is the running primary, and it reports a streaming sync standby.
store_ready() {
  local leader
  leader=$(leader_index) || return 1
  member_api "$leader" /patroni | python3 -c '
import json, sys
d = json.load(sys.stdin)
ok = d.get("state") == "running" and any(r.get("sync_state") in ("sync", "quorum") and r.get("state") == "streaming" for r in d.get("replication") or [])
sys.exit(0 if ok else 1)' 2>/dev/null || return 1
  # ... and the sync standby is named in etcd too: what a failover may promote.
  sync_standby_index >/dev/null
}

cmd_wait() {
  local seconds=${1:-60} deadline
  deadline=$(( $(now_ms) + seconds * 1000 ))
  while [[ $(now_ms) -lt $deadline ]]; do
    store_ready && return 0
    sleep 0.2
  done
  return 1
}

# ------------------------------------------------------------------ status
cmd_status() {
  [[ -d $STORE ]] || { echo "store: not replicated (the embedded store, ./ha db status)"; return 3; }
  local i lines=() pid link
  for i in $(all_indexes); do
    if pid=$(tini_pid "$i"); then pid="up pid $pid"; else pid=down; fi
    link=$(cat "/sys/class/net/$(member_ns "$i")-h/operstate" 2>/dev/null || echo missing)
    local own etcd_status etcd_health
    own=$(member_api "$i" /patroni)
    etcd_status=$(ETCDCTL_API=3 timeout 3 etcdctl --endpoints="http://$(address "$i"):$ETCD_CLIENT_PORT" --dial-timeout=1s --command-timeout=1s endpoint status -w json 2>/dev/null || true)
    etcd_health=$(ETCDCTL_API=3 timeout 3 etcdctl --endpoints="http://$(address "$i"):$ETCD_CLIENT_PORT" --dial-timeout=1s --command-timeout=1s endpoint health 2>&1 | grep -oE 'is (un)?healthy' | head -n 1 | sed 's/^is //' || true)
    lines+=("$i"$'\t'"$(address "$i")"$'\t'"$pid"$'\t'"$link"$'\t'"${own//[$'\t\n']/ }"$'\t'"${etcd_status//[$'\t\n']/ }"$'\t'"${etcd_health:-unreachable}")
  done
  # etcd's view (what patronictl list shows), read from the members whose etcd answered: patronictl itself would wait
  # on a cut member's etcd first.
  local healthy="" dcs=""
  for i in $(all_indexes); do
    [[ ${lines[$((i - 1))]##*$'\t'} == healthy ]] && healthy+="${healthy:+,}http://$(address "$i"):$ETCD_CLIENT_PORT"
  done
  # Patroni keeps its keys in etcd's v2 key space (decision 0014: compare-and-swap on the leader key).
  local endpoint
  for endpoint in ${healthy//,/ }; do
    dcs=$(curl -s --noproxy '*' -m 2 "$endpoint/v2/keys/ha/$SCOPE/?recursive=true&quorum=true" 2>/dev/null || true)
    [[ $dcs == *'"node"'* ]] && break
    dcs=""
  done
  printf '%s\n' "${lines[@]}" | DCS="$dcs" SCOPE="$SCOPE" python3 "$LAB_DIR/store-status.py"
  echo "store url (postgres): $(cmd_url postgres 2>/dev/null || echo none)"
}

# ------------------------------------------------------------------ faults
cmd_promote() {
  local i=$1 leader sync
  # Strict synchronous mode: only the sync standby holds every acknowledged commit, so Patroni refuses any other.
  sync=$(sync_standby_index || true)
  if leader=$(leader_index); then
    [[ $leader != "$i" ]] || { say "lab store: s$i is the leader already"; return 0; }
    if [[ $sync != "$i" ]]; then
      local who="there is none"
      [[ -z $sync ]] || who="s$sync is"
      die "s$i is not the sync standby ($who): in synchronous mode only the sync standby may become the leader (decision 0014)"
    fi
    patronictl switchover "$SCOPE" --leader "s$leader" --candidate "s$i" --force >&2 || die "the switchover to s$i failed"
  else
    patronictl failover "$SCOPE" --candidate "s$i" --force >&2 || die "the failover to s$i failed"
  fi
  local deadline
  deadline=$(( $(now_ms) + 30000 ))
  while [[ $(now_ms) -lt $deadline ]]; do
    [[ $(leader_index 2>/dev/null || true) == "$i" ]] && { say "lab store: s$i is the leader"; return 0; }
    sleep 0.2
  done
  die "s$i did not become the leader within 30 s"
}

main() {
  local sub=${1:-status}
  shift || true
  [[ $(id -u) -eq 0 || $sub == help ]] || die "the lab needs root"
  case $sub in
    up) cmd_up ;;
    down) cmd_down ;;
    url) cmd_url "$@" ;;
    node-url) cmd_node_url "$@" ;;
    status) cmd_status ;;
    wait) cmd_wait "${1:-60}" || die "no leader with a streaming sync standby within ${1:-60} s" ;;
    kill) local i; i=$(member_index "${1:-}"); kill_member "$i"; say "lab store: s$i crashed" ;;
    cut) local i; i=$(member_index "${1:-}"); ip link set "$(member_ns "$i")-h" down; say "lab store: s$i cut off" ;;
    heal) local i; i=$(member_index "${1:-}"); ip link set "$(member_ns "$i")-h" up
      if tini_pid "$i" >/dev/null; then say "lab store: s$i link back"
      else kill_member "$i"; start_member "$i"; say "lab store: s$i link back, booted again (pid $(tini_pid "$i"))"; fi ;;
    promote) local i; i=$(member_index "${1:-}"); cmd_promote "$i" ;;
    pid) local i; i=$(member_index "${1:-}"); tini_pid "$i" ;;
    help|-h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown store command '$sub' (status|kill|cut|heal|promote MEMBER|wait|url)" ;;
  esac
}

main "$@"
