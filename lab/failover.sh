#!/usr/bin/env bash
# failover.sh: the Apache failover in the lab, for a person and as a benchmark. Called by ./ha.
#
#   failover.sh demo                   the main job: lab up, the example cluster, a crash, narrated with
#                                      timings and the failover timeline; leaves it running until Ctrl-C
#   failover.sh walkthrough            the how-to's steps through hactl and the API (resource start, group,
#                                      resource cleanup) on a fresh lab; checks the group runs once, cleanly; lab down
#   failover.sh bench [--runs N] [--group vip|apache] [--peer pacemaker] [--crash kill|cut] [--lease-timeout D]
#                                      crash -> recovery N times; per run and medians
#
# Times: detection = crash -> NodeLost, fence = crash -> NodeFenced, recovery = crash -> last start done,
# total = crash -> the service answers again from outside (the page, or the VIP for a VIP-only group).
set -Eeuo pipefail

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$LAB_DIR/.." && pwd)"
STATE="${HA_LAB_STATE:-$ROOT/.ha/lab}"
LAB="$LAB_DIR/lab.sh"
HACTL="$ROOT/src/HaCtl/bin/Release/net10.0/hactl"
VIP="${HA_LAB_VIP:-10.77.0.100}"
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)}

say() { printf '%s\n' "$*" >&2; }
die() { say "failover: $*"; exit 1; }
now_ms() { date +%s%3N; }

vip_answers() {
  local out rc=0
  out=$(timeout 0.1 bash -c "exec 3<>/dev/tcp/$VIP/80" 2>&1) || rc=$?
  [[ $rc -eq 0 || $out == *refused* ]]
}
page_served() { curl -s --noproxy '*' -m 0.2 "http://$VIP/" 2>/dev/null | grep -q 'served from the shared disk'; }
service_answers() { if [[ $GROUP == apache ]]; then page_served; else vip_answers; fi; }

vip_holder() {
  local i
  for i in $(seq 1 "$(cat "$STATE/nodes.count")"); do
    "$LAB" pid "node$i" >/dev/null 2>&1 || continue
    ip -n "ha-n$i" -4 -o addr show dev eth0 2>/dev/null | grep -q " $VIP/" && { echo "node$i"; return 0; }
  done
  return 1
}

wait_until() { # SECONDS WHAT COMMAND...
  local limit=$1 what=$2 t0
  shift 2
  t0=$(now_ms)
  until "$@"; do
    (( $(now_ms) - t0 < limit * 1000 )) || die "$what did not happen within $limit s (see ./ha hactl log --store, .ha/lab/nodes/*/console.log)"
    sleep 0.02
  done
}

# SQL on the lab's store, from the root namespace.
sql() {
  local url db port
  url=$(cat "$STATE/store-url.root")
  if [[ $url =~ Host=([^;]*,[^;]*)\; ]]; then
    # The replicated store: libpq's multi-host string finds the primary, with the postgres role's password file.
    local hosts=${BASH_REMATCH[1]} passfile
    [[ $url =~ Port=([0-9]+) ]] && port=${BASH_REMATCH[1]}
    [[ $url =~ Database=([A-Za-z0-9_]+) ]] && db=${BASH_REMATCH[1]}
    [[ $url =~ Passfile=([^;]+) ]] && passfile=${BASH_REMATCH[1]}
    "$PG_BIN/psql" "host=$hosts port=$port user=postgres dbname=$db passfile=$passfile target_session_attrs=read-write connect_timeout=2" -tAqc "$1"
    return
  fi
  [[ $url =~ Port=([0-9]+) ]] && port=${BASH_REMATCH[1]}
  [[ $url =~ Database=([A-Za-z0-9_]+) ]] && db=${BASH_REMATCH[1]}
  runuser -u postgres -- "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d "$db" -tAqc "$1"
}

# Epoch ms of the first event of TYPE after sequence SEQ whose data has "node"/"target" NODE (or any when empty).
event_ms() { # TYPE SEQ [JSONFIELD VALUE]
  local filter=""
  [[ -n ${3:-} ]] && filter="AND data->>'$3' = '$4'"
  sql "SELECT (extract(epoch FROM timestamp) * 1000)::bigint FROM cib.mt_events WHERE type = '$1' AND seq_id > $2 $filter ORDER BY seq_id LIMIT 1"
}

head_seq() { sql "SELECT coalesce(max(seq_id), 0) FROM cib.mt_events"; }

# The lab's configuration, reduced to the VIP for --group vip.
cluster_config() {
  local src="$STATE/apache-cluster.crm"
  if [[ $GROUP == apache ]]; then cat "$src"; return; fi
  awk '
    /^primitive apache-(fs|service) / { skip = 1; next }
    skip && /^\t/ { next }
    { skip = 0 }
    /^group apache-group / { print "group apache-group apache-ip"; next }
    { print }
  ' "$src"
}

lab_up() { # [how-to]: with "how-to", only what the store host configures first (seed_config); hactl does the rest
  [[ -n ${HA_LAB_SKIP_BUILD:-} ]] || "$ROOT/ha" build >/dev/null
  HA_LAB_DATABASE="ha_failover_$(date +%s)" "$LAB" up 2 ${STORE_KIND:+--store "$STORE_KIND"} >/dev/null
  export HA_CONNECTION
  HA_CONNECTION=$(cat "$STATE/store-url.root")
  "$HACTL" schema apply >/dev/null
  cluster_config > "$STATE/failover.crm"
  if [[ ${1:-} == how-to ]]; then
    seed_config base > "$STATE/seed-base.crm"
    seed_config apache > "$STATE/seed-apache.crm"
    "$HACTL" configure load replace "$STATE/seed-base.crm" --store >/dev/null
  else
    "$HACTL" configure load replace "$STATE/failover.crm" --store >/dev/null
  fi
}

# The lab's configuration in the how-to's two parts. base: the nodes, the cluster's properties and defaults, and the
# fence device created stopped (the how-to starts it with `crm resource start`); apache: the IP, file system and
# Apache primitives and their group, created stopped, for an admin to load through the API.
seed_config() { # base|apache
  awk -v part="$1" '
    function flush() {
      if (stmt == "") return
      split(stmt, w, /[ \t]+/)
      kind = w[1]
      if (kind == "primitive" && w[3] ~ /^stonith:/) { if (part == "base") print stmt " \\\n\tmeta target-role=Stopped" }
      else if (kind == "primitive") { if (part == "apache") print stmt }
      else if (kind == "group") { if (part == "apache") print stmt " \\\n\tmeta target-role=Stopped" }
      else if (part == "base") print stmt
      stmt = ""
    }
    /^[ \t]/ { stmt = stmt "\n" $0; next }
    { flush(); stmt = $0 }
    END { flush() }
  ' "$STATE/failover.crm"
}

# The how-to's steps, as an admin through the API on NODE: start the fence device, create the Apache primitives and
# their group, start the group, clean it up. Each command's answer (events appended, what the cluster now calls for)
# is shown indented.
seed_walkthrough() { # NODE
  local step
  for step in "resource start fence-virt" "configure load update $STATE/seed-apache.crm" "resource start apache-group"; do
    say "   \$ hactl $step"
    # shellcheck disable=SC2086
    "$HACTL" $step 2>&1 | sed 's/^/       /' >&2
  done
  wait_until 120 "the Apache group serving" service_answers
  say "   \$ hactl resource cleanup apache-group"
  "$HACTL" resource cleanup apache-group 2>&1 | sed 's/^/       /' >&2
}

# The group runs on exactly one node, and the status shows no failed operation and no fail count.
clean_status() {
  local json
  json=$("$HACTL" status --json) || return 1
  python3 - "$json" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
group = [r for r in s["resources"] if r["id"] == "apache-group"]
ok = len(group) == 1 and group[0]["role"] == "Started" and len(group[0]["nodes"]) == 1 \
    and all(m["role"] == "Started" and m["nodes"] == group[0]["nodes"] for m in group[0]["members"]) \
    and not s["failedOperations"] and not s["failCounts"] and not (s["transition"] or {}).get("inProgress", False)
sys.exit(0 if ok else 1)
PY
}

cmd_walkthrough() {
  GROUP=apache
  export HA_LAB_API=1
  trap '"$LAB" down >/dev/null 2>&1 || true' EXIT
  say "walkthrough: a 2-node lab; the store host loads the nodes, properties and the fence device (stopped)"
  lab_up how-to
  demo_user
  api_login node1
  say "walkthrough: the how-to through hactl, as admin 'demo' on node1's API:"
  seed_walkthrough node1
  wait_until 60 "a clean status (the group on one node, no failures, no transition in progress)" clean_status
  "$HACTL" status >&2
  echo "walkthrough: ok, apache-group on $(vip_holder)"
}

# One crash and recovery. Prints "detection fence recovery total" in ms.
one_failover() {
  local holder seq t0 t1 lost fenced started=""
  wait_until 120 "the $GROUP group serving" service_answers
  holder=$(vip_holder) || die "nobody holds the VIP"
  seq=$(head_seq)
  t0=$(now_ms)
  if [[ $CRASH == kill ]]; then "$LAB" kill "$holder" >/dev/null; else "$LAB" cut "$holder" >/dev/null; fi
  # Back from another node: it holds the VIP and the service answers. (A killed node's namespace keeps the VIP
  # and answers with resets, so "answers" alone is not enough; each check is one `ip` and one probe, ~10 ms.)
  until back_elsewhere "$holder"; do
    (( $(now_ms) - t0 < 120000 )) || die "the service did not come back within 120 s"
    sleep 0.01
  done
  t1=$(now_ms)
  lost=$(event_ms cib.node_lost.v1 "$seq" node "$holder")
  fenced=$(event_ms cib.node_fenced.v1 "$seq" target "$holder")
  local last_rsc=apache-ip
  [[ $GROUP == apache ]] && last_rsc=apache-service
  # The service can answer a moment before the start's result is in the log: wait for it.
  local tries=0
  while [[ -z ${started:-} && $tries -lt 250 ]]; do
    started=$(sql "SELECT (extract(epoch FROM timestamp) * 1000)::bigint FROM cib.mt_events WHERE type = 'cib.resource_operation_succeeded.v1' AND seq_id > $seq AND data->>'operation' = 'start' AND data->>'resource' = '$last_rsc' ORDER BY seq_id LIMIT 1")
    [[ -n $started ]] || { sleep 0.02; tries=$((tries + 1)); }
  done
  echo "$holder $((lost - t0)) $((fenced - t0)) $((started - t0)) $((t1 - t0))"
  if [[ $CRASH == cut ]]; then "$LAB" heal "$holder" >/dev/null 2>&1 || true; fi
  # The fence rebooted it: the next run starts from a settled two-node cluster, not from a node still booting
  # (a crash of the survivor while the other's runtime is starting is another scenario: a cluster starting).
  wait_until 60 "$holder back" "$LAB" pid "$holder"
  wait_until 60 "$holder rejoined" rejoined "$holder" "$seq"
  wait_until 60 "the cluster settled" settled
}

back_elsewhere() { # CRASHED_NODE
  local i
  for i in $(seq 1 "$(cat "$STATE/nodes.count")"); do
    [[ node$i == "$1" ]] && continue
    ip -n "ha-n$i" -4 -o addr show dev eth0 2>/dev/null | grep -q " $VIP/" && service_answers && return 0
  done
  return 1
}

rejoined() { [[ -n $(sql "SELECT 1 FROM cib.mt_events WHERE type = 'cib.node_joined.v1' AND seq_id > $2 AND data->>'node' = '$1' LIMIT 1") ]]; }

# No transition open, and none for the last second.
settled() {
  local last
  last=$(sql "SELECT type || ' ' || (extract(epoch FROM clock_timestamp() - timestamp) * 1000)::bigint FROM cib.mt_events
              WHERE type IN ('cib.transition_planned.v1', 'cib.transition_completed.v1', 'cib.transition_aborted.v1', 'cib.node_joined.v1')
              ORDER BY seq_id DESC LIMIT 1")
  [[ $last != cib.transition_planned.v1* && ${last##* } -ge 1000 ]]
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }

cmd_bench() {
  local runs=5 peer=""
  GROUP=apache CRASH=kill LEASE_TIMEOUT=""
  # The figures are the cluster's own, as the Pacemaker peer's are (no web UI there either).
  export HA_LAB_API=0
  while [[ $# -gt 0 ]]; do
    case $1 in
      --runs) runs=$2; shift 2 ;;
      --group) GROUP=$2; shift 2 ;;
      --crash) CRASH=$2; shift 2 ;;
      --peer) peer=$2; shift 2 ;;
      --lease-timeout) LEASE_TIMEOUT=$2; shift 2 ;;
      *) die "usage: ./ha bench failover [--runs N] [--group vip|apache] [--crash kill|cut] [--lease-timeout D] [--peer pacemaker]" ;;
    esac
  done
  [[ $GROUP == vip || $GROUP == apache ]] || die "--group is vip or apache"
  if [[ -n $LEASE_TIMEOUT ]]; then
    # The nodes' runtimes with another lease timeout (corosync's token): every boot, fenced reboots included.
    export HA_LAB_BOOT="exec \"$ROOT/src/NodeRuntime/bin/Release/net10.0/ha-node\" serve --node \"\$HA_NODE\" --lease-timeout $LEASE_TIMEOUT"
  fi
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg); lease timeout ${LEASE_TIMEOUT:-1s}; fencing: stonith:external/libvirt over SSH"
  lab_up
  local totals=() det=() fen=() rec=() r line
  for r in $(seq 1 "$runs"); do
    line=$(one_failover)
    read -r holder d f c t <<<"$line"
    det+=("$d"); fen+=("$f"); rec+=("$c"); totals+=("$t")
    echo "run $r: $CRASH $holder: detection_ms=$d fence_ms=$f recovery_ms=$c total_ms=$t"
  done
  "$LAB" down >/dev/null
  local med
  med=$(printf '%s\n' "${totals[@]}" | median)
  echo "medians: detection_ms=$(printf '%s\n' "${det[@]}" | median) fence_ms=$(printf '%s\n' "${fen[@]}" | median) recovery_ms=$(printf '%s\n' "${rec[@]}" | median) total_ms=$med"
  if [[ $peer == pacemaker ]]; then
    local crash=destroy peer_line peer_med
    [[ $CRASH == cut ]] && crash=cut
    "$LAB" peer pacemaker up 3 --group "$GROUP" >&2
    # (Not tee /dev/stderr: with both streams sent to one file, tee would truncate it.)
    local peer_out
    peer_out=$("$LAB" peer pacemaker failover --runs "$runs" --crash "$crash")
    printf '%s\n' "$peer_out"
    peer_line=$(tail -n 1 <<<"$peer_out")
    "$LAB" peer pacemaker down >/dev/null 2>&1 || "$LAB" down >/dev/null
    [[ $peer_line =~ median_ms=([0-9]+) ]] && peer_med=${BASH_REMATCH[1]}
    echo "$peer_line ratio=$(awk -v a="$peer_med" -v b="$med" 'BEGIN { printf "%.2f", a / b }')"
  fi
  local sorted
  sorted=$(printf '%s\n' "${totals[@]}" | sort -n)
  echo "failover: group=$GROUP runs=$runs median_ms=$med min_ms=$(head -n1 <<<"$sorted") max_ms=$(tail -n1 <<<"$sorted")"
}

node_address() { echo "10.77.0.${1#node}"; }

# The demo's admin, created on the store host as the first admin is (hactl user add); its password in the lab's state.
demo_user() {
  export HA_HACTL_CONFIG="$STATE/hactl.json"
  head -c 12 /dev/urandom | base64 | tr -d '/+=' > "$STATE/demo-password"
  chmod 600 "$STATE/demo-password"
  "$HACTL" user add demo --role admin --store < "$STATE/demo-password" >/dev/null
}

# hactl logs in to NODE's API, pinning the certificate the API printed when it started (in the node's api.log).
api_login() { # NODE
  local log="$STATE/nodes/$1/api.log" url fingerprint
  url="https://$(node_address "$1"):7630"
  wait_until 60 "the API on $1 starting" grep -q 'SHA-256' "$log"
  fingerprint=$(grep -o 'SHA-256 [0-9A-F:]*' "$log" | tail -n 1 | cut -d' ' -f2)
  wait_until 60 "the API on $1 answering" curl -sk -o /dev/null "$url/healthz"
  "$HACTL" login --url "$url" --user demo --fingerprint "$fingerprint" < "$STATE/demo-password" >/dev/null
}

cmd_demo() {
  GROUP=apache CRASH=kill STORE_KIND=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      --store) STORE_KIND=$2; shift 2 ;;
      *) die "usage: ./ha demo [--store embedded|replicated]" ;;
    esac
  done
  [[ -z $STORE_KIND || $STORE_KIND == embedded || $STORE_KIND == replicated ]] || die "--store is embedded or replicated"
  [[ $STORE_KIND == embedded ]] && STORE_KIND=""
  local t0 store_text="the embedded PostgreSQL"
  [[ $STORE_KIND == replicated ]] && store_text="the replicated store (three members: etcd + Patroni + PostgreSQL, decision 0014)"
  t0=$(now_ms)
  say "1. building, and bringing up the lab: 2 nodes (network + PID + mount namespaces), a bridge 10.77.0.0/24,"
  say "   a shared disk, a stand-in hypervisor over SSH, $store_text, ha-node and the API in each node;"
  say "   the store host loads the nodes, the properties and the fence device (stopped) and creates the admin 'demo'"
  lab_up how-to
  demo_user
  say "   cluster up in $(( $(now_ms) - t0 )) ms"
  t0=$(now_ms)
  say "2. the how-to through hactl, as 'demo' on node1's API (https://$(node_address node1):7630):"
  api_login node1
  seed_walkthrough node1
  local holder
  holder=$(vip_holder)
  say "   the Apache group (VIP $VIP, file system, apache) serves the page from $holder, $(( $(now_ms) - t0 )) ms after the first command"
  local survivor=node1
  [[ $holder == node1 ]] && survivor=node2
  say "   hactl status, through the API on $survivor (https://$(node_address "$survivor"):7630):"
  api_login "$survivor"
  "$HACTL" status | sed 's/^/     /' >&2
  say "3. crashing $holder (kill -9 of its PID 1: every process of the node dies at once)"
  local line
  line=$(one_failover)
  read -r holder d f c t <<<"$line"
  say "   lost after $d ms, fenced (SSH to the hypervisor) after $f ms, apache started on the survivor after $c ms,"
  say "   the page served again after $t ms"
  say "   hactl status after the failover ($holder fenced, rebooted and back):"
  "$HACTL" status | sed 's/^/     /' >&2
  say "4. the failover timeline, from the event log:"
  "$HACTL" log --since 0 | grep -E 'NodeLost|FencingRequested|NodeFenced|ControllerElected|start|TransitionPlanned' | cut -c1-180 | tail -n 25 >&2
  say "5. the failover as an auditor finds it: the stored incident (trigger, fence, recovery, time to recovery) and why the"
  say "   group went where it went (the transition's inputs planned again and compared with the record):"
  say "   hactl history failovers --resource apache-group --current"
  "$HACTL" history failovers --resource apache-group --current | sed 's/^/     /' >&2
  local transition
  transition=$("$HACTL" history failovers --resource apache-group --current --format json | grep -o '"t[0-9][0-9]*"' | tail -n 1 | tr -d '"')
  if [[ -n $transition ]]; then
    say "   hactl explain $transition --resource apache-group"
    "$HACTL" explain "$transition" --resource apache-group | sed 's/^/     /' >&2
  fi
  if [[ $STORE_KIND == replicated ]]; then demo_store_failover; fi
  say ""
  say "The cluster keeps running. Look around:"
  say "  curl http://$VIP/                  the page"
  say "  https://$(node_address node1):7630/    the web console (user demo, password in $STATE/demo-password; the certificate's"
  say "                                  SHA-256 is the first line of $STATE/nodes/node1/api.log)"
  say "  HA_HACTL_CONFIG=$HA_HACTL_CONFIG $HACTL log      every decision, in order (through the API; --store: the store directly)"
  say "  ./ha lab status | ./ha lab kill node1 | ./ha lab boot node1"
  say "  HA_HACTL_CONFIG=$HA_HACTL_CONFIG $HACTL status     the status (user demo, password in $STATE/demo-password)"
  say "  HA_HACTL_CONFIG=$HA_HACTL_CONFIG $HACTL history failovers|fencing|operations|changes   the stored history"
  say "  HA_HACTL_CONFIG=$HA_HACTL_CONFIG $HACTL report --format html -o report.html   the last day as one file an auditor can file"
  say "Ctrl-C stops and removes the lab."
  trap '"$LAB" down >/dev/null 2>&1; say "lab removed"; exit 0' INT TERM
  while true; do sleep 1; done
}

# The demo's last step on the replicated store: its primary killed while the page is probed and an admin's change waits.
demo_store_failover() {
  local leader t0 dir="$STATE/demo-store"
  mkdir -p "$dir"; rm -f "$STATE/bench-stop"
  wait_until 120 "the store settled" store_settled
  leader=$(store_leader)
  say "6. killing the store's primary $leader (kill -9 of its etcd, Patroni and PostgreSQL) while the page is probed every 50 ms:"
  "$LAB" store status | sed 's/^/     /' >&2
  local seq
  seq=$(head_seq)
  probe_loop "$dir/probes" & local probes=$!
  t0=$(now_ms)
  "$LAB" store kill "$leader" >/dev/null
  printf 'property demo-after-store-failover=true\n' > "$dir/change.crm"
  until timeout 20 "$HACTL" configure load update "$dir/change.crm" --store >/dev/null 2>&1; do sleep 0.2; done
  local resumed=$(( $(now_ms) - t0 ))
  sleep 5
  touch "$STATE/bench-stop"; wait "$probes" 2>/dev/null || true
  local failed total
  failed=$(awk -v t0="$t0" '$1 >= t0 && $2 == "fail"' "$dir/probes" | wc -l)
  total=$(awk -v t0="$t0" '$1 >= t0' "$dir/probes" | wc -l)
  say "   a new primary took the first admin change $resumed ms after the kill; the page failed $failed of $total probes since"
  # What the log says happened after the kill: nodes lost, fences asked for, resources stopped (none expected: the
  # nodes froze and rode the outage out, docs/safety.md).
  local lost fences stops
  lost=$(sql "SELECT count(*) FROM cib.mt_events WHERE seq_id > $seq AND type = 'cib.node_lost.v1'")
  fences=$(sql "SELECT count(*) FROM cib.mt_events WHERE seq_id > $seq AND type = 'cib.fencing_requested.v1'")
  stops=$(sql "SELECT count(*) FROM cib.mt_events WHERE seq_id > $seq AND type = 'cib.resource_operation_succeeded.v1' AND data->>'operation' = 'stop'")
  say "   since the kill the log holds: $lost nodes lost, $fences fences asked for, $stops resources stopped; the store now:"
  "$LAB" store status | sed 's/^/     /' >&2
  "$HACTL" log --store --since "$seq" | grep -E 'NodeLost|FencingRequested|ControllerElected|PropertySet' | cut -c1-160 | tail -n 4 | sed 's/^/     /' >&2
  "$LAB" store heal "$leader" >/dev/null
}

# ------------------------------------------------------------------ store failover (issue 14)
# ./ha bench store-failover [--runs N]: the Apache group served on two nodes over the replicated store (decision 0014),
# an admin's change appended in a loop by hactl on the node not serving the group, through that node's route to the
# primary (each acknowledged one kept in a ledger), the page probed every
# 50 ms and each node's addresses every 50 ms, from outside the product; then the store's primary killed (odd runs) or
# cut off (even runs). Per run: the time until appends are acknowledged again, the longest gap in the page being served
# after the crash, acknowledged appends missing from the log afterwards, samples with the VIP on both nodes. Then one
# more run in which the node serving the group and the store's primary are killed together.
store_leader() { "$LAB" store status 2>/dev/null | sed -n 's/^store: leader=\(s[0-9]\).*/\1/p'; }
# "LEADER SYNC_STANDBY" from one status (each status asks every member and its etcd: a second or more).
store_roles() { "$LAB" store status 2>/dev/null | sed -n 's/^store: leader=\(s[0-9]\) sync_standby=\([a-z0-9]*\).*/\1 \2/p'; }
# Settled: a leader with a sync standby, and every other member streaming from it too. A member still rejoining (pg_rewind
# after its own failover) is no standby yet: a fault then would be a second one, and strict synchronous mode takes no
# writes with one member alone.
store_settled() {
  local out; out=$("$LAB" store status 2>/dev/null) || true
  grep -Eq '^store: leader=s[0-9] sync_standby=s[0-9]' <<<"$out" || return 1
  (( $(sql "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null || echo 0) >= 2 ))
}

# Background loops of one run, each writing "MS ..." lines to a file of its own.
probe_loop() { # FILE
  while [[ ! -e $STATE/bench-stop ]]; do
    local t; t=$(now_ms)
    if page_served; then echo "$t ok"; else echo "$t fail"; fi
    sleep 0.05
  done > "$1"
}
vip_loop() { # FILE
  while [[ ! -e $STATE/bench-stop ]]; do
    local t n=0 i; t=$(now_ms)
    for i in 1 2; do ip -n "ha-n$i" -4 -o addr show dev eth0 2>/dev/null | grep -q " $VIP/" && n=$((n + 1)); done
    echo "$t $n"
    sleep 0.05
  done > "$1"
}
# An admin's changes as the nodes' API makes them: one long-lived client (hactl bench appends) in NODE's namespace, through
# its route to the primary (its HAProxy, with the API's role), each attempt given 10 s, 100 ms between attempts. A session
# open on the old primary when it fails is shut down by the route, so an attempt fails fast and the next one goes to the
# new primary. A fresh hactl process per attempt (before) added its own start, 1-2 s at a high load, to the time measured.
append_loop() { # FILE RUN NODE
  ip netns exec "ha-n${3#node}" env HA_CONNECTION="$(cat "$STATE/store-url.api")" "$HACTL" bench appends \
    --name "bench-append-$2" --ledger "$1" --stop-file "$STATE/bench-stop" 2>> "$1.err"
}

one_store_failover() { # RUN HOW(kill|cut|both|machine|machine-primary)
  local run=$1 how=$2 leader sync holder t0 dir="$STATE/bench-run-$1"
  mkdir -p "$dir"; rm -f "$STATE/bench-stop"
  wait_until 120 "the group serving" page_served
  wait_until 120 "the store settled" store_settled
  wait_until 60 "the cluster settled" settled
  holder=$(vip_holder)
  # Members on the nodes: the primary moved onto the group's machine first, when Patroni allows it (strict synchronous
  # mode lets only the sync standby take over; otherwise the run is a crash of a machine whose member is a standby).
  if [[ $how == machine-primary && $(store_leader) != "s${holder#node}" ]]; then
    "$LAB" store promote "s${holder#node}" >/dev/null 2>&1 || true
    wait_until 60 "the store settled after the switchover" store_settled
    wait_until 60 "the cluster settled after the switchover" settled
  fi
  read -r leader sync < <(store_roles) || true
  local admin=node1; [[ $holder == node1 ]] && admin=node2
  probe_loop "$dir/probes" & local p1=$!
  vip_loop "$dir/vip" & local p2=$!
  append_loop "$dir/appends" "$run" "$admin" & local p3=$!
  sleep 3
  local tf; tf=$(now_ms)
  case $how in
    kill) "$LAB" store kill "$leader" >/dev/null ;;
    cut) "$LAB" store cut "$leader" >/dev/null ;;
    both) "$LAB" kill "$holder" >/dev/null; "$LAB" store kill "$leader" >/dev/null ;;
    machine|machine-primary) "$LAB" kill "$holder" >/dev/null ;;
  esac
  # From when the fault is done: an append begun while the command was on its way (the lab's scripts take 0.1-0.2 s
  # to start) may still be acknowledged by the old primary.
  t0=$(now_ms)
  # Appends acknowledged again, then past the nodes' lease and the grace after the store's return (docs/safety.md).
  local until=$(( $(now_ms) + 60000 ))
  until awk -v t0="$t0" '$4 > t0 { found = 1 } END { exit !found }' "$dir/appends" 2>/dev/null; do
    (( $(now_ms) < until )) || break
    sleep 0.1
  done
  if [[ $how == both || $how == machine* ]]; then wait_until 120 "the group served again" page_served; fi
  sleep 20
  touch "$STATE/bench-stop"; wait "$p1" "$p2" "$p3" 2>/dev/null || true
  local resumed gap lost double acked
  resumed=$(awk -v t0="$t0" '$4 > t0 { print $1 - t0; exit }' "$dir/appends")
  gap=$(awk -v t0="$tf" '$1 < t0 { next } $2 == "fail" { if (!s) s = $1; e = $1 } $2 == "ok" { if (s && e - s + 50 > m) m = e - s + 50; s = 0 } END { if (s && e - s + 50 > m) m = e - s + 50; print m + 0 }' "$dir/probes")
  acked=$(awk '{ print $2 }' "$dir/appends" | sort -n | tr '\n' ' ')
  local stored
  stored=$(sql "SELECT data->>'value' FROM cib.mt_events WHERE stream_id = 'configuration' AND type = 'cib.cluster_property_set.v1' AND data->>'name' = 'bench-append-$run'" | sort -n | tr '\n' ' ')
  lost=$(comm -23 <(tr ' ' '\n' <<<"$acked" | grep . | sort) <(tr ' ' '\n' <<<"$stored" | grep . | sort) | wc -l)
  double=$(awk '$2 > 1' "$dir/vip" | wc -l)
  echo "${resumed:-none} $gap $lost $double $(wc -l < "$dir/appends") $leader $holder ${sync:-none}"
  # The member back (and the node, after a crash) before the next run.
  if [[ $how == machine* ]]; then
    wait_until 60 "$holder back" "$LAB" pid "$holder"
  else
    "$LAB" store heal "$leader" >/dev/null
    if [[ $how == both ]]; then wait_until 60 "$holder back" "$LAB" pid "$holder"; fi
  fi
  wait_until 120 "the store settled again" store_settled
}

cmd_store_bench() {
  local runs=20 placement=own
  GROUP=apache CRASH=kill
  export HA_LAB_API=0
  while [[ $# -gt 0 ]]; do
    case $1 in
      --runs) runs=$2; shift 2 ;;
      --placement) placement=$2; shift 2 ;;
      *) die "usage: ./ha bench store-failover [--runs N] [--placement own|nodes]" ;;
    esac
  done
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg); replicated store (Patroni + etcd, 3 members, Patroni ttl $(sed -n "s/^ *ttl: \([0-9]*\)$/\1/p" "$LAB_DIR/store.sh" 2>/dev/null || echo ?) s); lease timeout 1s; store-outage bound ha-node's default"
  [[ -n ${HA_LAB_SKIP_BUILD:-} ]] || "$ROOT/ha" build >/dev/null
  [[ $placement == own || $placement == nodes ]] || die "--placement is own or nodes"
  echo "placement: $placement"
  HA_LAB_DATABASE="ha_store_failover" "$LAB" up 2 --store replicated --store-placement "$placement" >/dev/null
  export HA_CONNECTION
  HA_CONNECTION=$(cat "$STATE/store-url.root")
  cluster_config > "$STATE/failover.crm"
  "$HACTL" configure load replace "$STATE/failover.crm" --store >/dev/null
  local res=() gaps=() lost=() dbl=() r how line
  for r in $(seq 1 "$runs"); do
    if [[ $placement == nodes ]]; then
      # Each run crashes the machine of the group's node, whose store member dies with it: odd runs with the primary
      # moved there first (where Patroni allows it), even runs as the store stands.
      how=machine; (( r % 2 == 1 )) && how=machine-primary
    else
      how=kill; (( r % 2 == 0 )) && how=cut
    fi
    line=$(one_store_failover "$r" "$how")
    read -r re ga lo db n leader holder sync <<<"$line"
    res+=("${re/none/999999}"); gaps+=("$ga"); lost+=("$lo"); dbl+=("$db")
    if [[ $placement == nodes ]]; then
      local role="asynchronous standby"; [[ $sync == "s${holder#node}" ]] && role="sync standby"; [[ $leader == "s${holder#node}" ]] && role=primary
      echo "run $r: crash of $holder's machine (the group's node; its store member s${holder#node} the $role; primary $leader, sync standby $sync): resumed_ms=$re service_gap_ms=$ga acked_lost=$lo double_active=$db acked=$n"
    else
      echo "run $r: $how store primary $leader (group on $holder): resumed_ms=$re service_gap_ms=$ga acked_lost=$lo double_active=$db acked=$n"
    fi
  done
  if [[ $placement == own ]]; then
    line=$(one_store_failover $((runs + 1)) both)
    read -r re ga lo db n leader holder sync <<<"$line"
    echo "run $((runs + 1)): kill store primary $leader and $holder (the group's node) together: resumed_ms=$re service_gap_ms=$ga acked_lost=$lo double_active=$db acked=$n"
  fi
  "$LAB" down >/dev/null
  local sum_lost=0 sum_dbl=0 x
  for x in "${lost[@]}"; do sum_lost=$((sum_lost + x)); done
  for x in "${dbl[@]}"; do sum_dbl=$((sum_dbl + x)); done
  echo "store-failover: runs=$runs resumed_ms=$(printf '%s\n' "${res[@]}" | median) service_gap_ms=$(printf '%s\n' "${gaps[@]}" | median) acked_lost=$sum_lost double_active=$sum_dbl"
}

case ${1:-} in
  store-bench) shift; cmd_store_bench "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  demo) shift; cmd_demo "$@" ;;
  walkthrough) shift; cmd_walkthrough "$@" ;;
  *) die "usage: failover.sh demo | bench [--runs N] [--group vip|apache] [--crash kill|cut] [--peer pacemaker]" ;;
esac
