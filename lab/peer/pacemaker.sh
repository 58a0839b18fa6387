#!/usr/bin/env bash
# The peer: Debian's corosync 3 + pacemaker 2.1 in the same lab, for `./ha bench failover --peer pacemaker`.
#
#   pacemaker.sh up [N] [--group vip|apache]
#                                        N lab nodes (default 3) running corosync (knet, token 1000 ms) and
#                                        pacemaker, fence_virsh to the lab's stand-in hypervisor, and either one
#                                        IPaddr2 VIP (default) or the Apache group (VIP, shared disk, apache)
#   pacemaker.sh failover [--runs N] [--crash destroy|cut]
#                                        N times: crash the VIP's node (virsh destroy = power off, or cut its
#                                        link), time until the VIP answers again from the root namespace
#                                        (group apache: until the page is served again),
#                                        boot the node back; prints each run and the median
#   pacemaker.sh status                  crm_mon of the first live node
#   pacemaker.sh down                    ./ha lab down
set -Eeuo pipefail
PEER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_DIR="$(cd "$PEER_DIR/.." && pwd)"
ROOT="$(cd "$LAB_DIR/.." && pwd)"
STATE="${HA_LAB_STATE:-$ROOT/.ha/lab}"
VIP="${HA_LAB_VIP:-10.77.0.100}"
LAB="$LAB_DIR/lab.sh"

say() { printf '%s\n' "$*" >&2; }
die() { say "peer: $*"; exit 1; }
now_ms() { date +%s%3N; }
node_count() { cat "$STATE/nodes.count" 2>/dev/null || echo 0; }
alive() { "$LAB" pid "$1" >/dev/null 2>&1; }

first_alive() {
  local i
  for i in $(seq 1 "$(node_count)"); do alive "node$i" && { echo "node$i"; return 0; }; done
  return 1
}

crm() { local n; n=$(first_alive) || return 1; "$LAB" exec "$n" "$@"; }

write_corosync_configs() {
  local n=$1 i j
  mkdir -p "$STATE/peer"
  for i in $(seq 1 "$n"); do
    {
      cat <<CONF
totem {
  version: 2
  cluster_name: halab
  transport: knet
  token: 1000
  crypto_cipher: none
  crypto_hash: none
}
nodelist {
CONF
      for j in $(seq 1 "$n"); do printf '  node {\n    ring0_addr: 10.77.0.%s\n    name: node%s\n    nodeid: %s\n  }\n' "$j" "$j" "$j"; done
      cat <<CONF
}
quorum {
  provider: corosync_votequorum
$( [[ $n -eq 2 ]] && echo "  two_node: 1" )
}
logging {
  to_logfile: yes
  logfile: $STATE/nodes/node$i/corosync.log
  to_stderr: no
  to_syslog: no
  timestamp: on
}
CONF
    } > "$STATE/peer/node$i.corosync.conf"
  done
}

online_count() {
  crm crm_mon -1 --output-as=xml 2>/dev/null | grep -c '<node name=.* online="true"' || true
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local limit=$1 what=$2; shift 2
  local t0
  t0=$(now_ms)
  while ! "$@"; do
    (( $(now_ms) - t0 < limit * 1000 )) || die "timed out after ${limit}s waiting for $what"
    sleep 0.2
  done
}

all_online() { [[ $(online_count) -eq $(node_count) ]]; }

# The node holding the VIP (a live node whose namespace has it).
vip_holder() {
  local i
  for i in $(seq 1 "$(node_count)"); do
    alive "node$i" || continue
    ip -n "ha-n$i" -4 -o addr show dev eth0 2>/dev/null | grep -q " $VIP/" && { echo "node$i"; return 0; }
  done
  return 1
}

# The VIP answers when a TCP connection to it is accepted or refused (IPaddr2 only: nothing listens).
vip_answers() {
  local out rc=0
  out=$(timeout 0.1 bash -c "exec 3<>/dev/tcp/$VIP/80" 2>&1) || rc=$?
  [[ $rc -eq 0 || $out == *refused* ]]
}

# The Apache group serves the page from the shared disk.
page_served() { curl -s --noproxy '*' -m 0.2 "http://$VIP/" 2>/dev/null | grep -q 'served from the shared disk'; }

group() { cat "$STATE/peer/group" 2>/dev/null || echo vip; }

# What counts as "the service is back" for the configured group.
service_answers() { if [[ $(group) == apache ]]; then page_served; else vip_answers; fi; }

vip_started() { vip_holder >/dev/null && service_answers; }

cmd_up() {
  local n=3 grp=vip t0
  while [[ $# -gt 0 ]]; do
    case $1 in
      --group) grp=$2; shift 2 ;;
      [0-9]*) n=$1; shift ;;
      *) die "usage: pacemaker.sh up [N] [--group vip|apache]" ;;
    esac
  done
  [[ $grp == vip || $grp == apache ]] || die "--group is vip or apache"
  t0=$(now_ms)
  command -v corosync >/dev/null && command -v pacemakerd >/dev/null || die "corosync and pacemaker are not installed (./ha deps)"
  mkdir -p "$STATE"
  "$LAB" down 2>/dev/null
  mkdir -p "$STATE/nodes"
  for i in $(seq 1 "$n"); do mkdir -p "$STATE/nodes/node$i"; done
  write_corosync_configs "$n"
  echo "$grp" > "$STATE/peer/group"
  HA_LAB_BOOT="exec $PEER_DIR/pacemaker-node.sh" "$LAB" up "$n"
  wait_for 90 "all $n nodes online" all_online
  local t1
  t1=$(now_ms)
  say "peer: all $n nodes online $((t1 - t0)) ms after lab up started"
  local key="$STATE/client_key" known="$STATE/known_hosts" hosts
  hosts=$(seq -f 'node%g' 1 "$n" | paste -sd' ' -)
  crm crm_attribute -t crm_config -n stonith-enabled -v true >/dev/null
  crm crm_attribute -t crm_config -n stonith-timeout -v 30s >/dev/null
  crm crm_attribute -t rsc_defaults -n resource-stickiness -v 100 >/dev/null
  crm cibadmin -C -o resources -X "<primitive id=\"fence-virsh\" class=\"stonith\" type=\"fence_virsh\">
    <instance_attributes id=\"fence-virsh-ia\">
      <nvpair id=\"fv-ip\" name=\"ip\" value=\"10.77.0.254\"/>
      <nvpair id=\"fv-port\" name=\"ipport\" value=\"${HA_LAB_SSH_PORT:-2222}\"/>
      <nvpair id=\"fv-user\" name=\"username\" value=\"root\"/>
      <nvpair id=\"fv-key\" name=\"identity_file\" value=\"$key\"/>
      <nvpair id=\"fv-ssh\" name=\"ssh_options\" value=\"-o UserKnownHostsFile=$known -o StrictHostKeyChecking=yes -o BatchMode=yes -t '/bin/bash -c &quot;PS1=\\[EXPECT\\]# /bin/bash --noprofile --norc&quot;'\"/>
      <nvpair id=\"fv-hosts\" name=\"pcmk_host_list\" value=\"$hosts\"/>
    </instance_attributes>
    <operations><op id=\"fv-monitor\" name=\"monitor\" interval=\"60s\"/></operations>
  </primitive>"
  local vip_xml
  vip_xml="<primitive id=\"vip\" class=\"ocf\" provider=\"heartbeat\" type=\"IPaddr2\">
    <instance_attributes id=\"vip-ia\">
      <nvpair id=\"vip-ip\" name=\"ip\" value=\"$VIP\"/>
      <nvpair id=\"vip-mask\" name=\"cidr_netmask\" value=\"24\"/>
      <nvpair id=\"vip-nic\" name=\"nic\" value=\"eth0\"/>
    </instance_attributes>
    <operations><op id=\"vip-monitor\" name=\"monitor\" interval=\"10s\"/></operations>
  </primitive>"
  if [[ $grp == vip ]]; then
    crm cibadmin -C -o resources -X "$vip_xml"
  else
    crm cibadmin -C -o resources -X "<group id=\"apache-group\">$vip_xml
    <primitive id=\"fs\" class=\"ocf\" provider=\"heartbeat\" type=\"Filesystem\">
      <instance_attributes id=\"fs-ia\">
        <nvpair id=\"fs-device\" name=\"device\" value=\"$(cat "$STATE/disk/device")\"/>
        <nvpair id=\"fs-dir\" name=\"directory\" value=\"/mnt/ha-shared\"/>
        <nvpair id=\"fs-type\" name=\"fstype\" value=\"ext4\"/>
      </instance_attributes>
      <operations><op id=\"fs-monitor\" name=\"monitor\" interval=\"20s\"/></operations>
    </primitive>
    <primitive id=\"web\" class=\"ocf\" provider=\"heartbeat\" type=\"apache\">
      <instance_attributes id=\"web-ia\">
        <nvpair id=\"web-conf\" name=\"configfile\" value=\"/run/ha-lab/apache.conf\"/>
        <nvpair id=\"web-status\" name=\"statusurl\" value=\"http://$VIP/server-status\"/>
      </instance_attributes>
      <operations><op id=\"web-monitor\" name=\"monitor\" interval=\"10s\"/></operations>
    </primitive>
  </group>"
  fi
  wait_for 60 "the $grp group to start" vip_started
  say "peer: group $grp up on $(vip_holder) (VIP $VIP), $(( $(now_ms) - t0 )) ms after lab up started"
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }

cmd_failover() {
  local runs=5 crash=destroy
  while [[ $# -gt 0 ]]; do
    case $1 in
      --runs) runs=$2; shift 2 ;;
      --crash) crash=$2; shift 2 ;;
      *) die "usage: pacemaker.sh failover [--runs N] [--crash destroy|cut]" ;;
    esac
  done
  [[ $crash == destroy || $crash == cut ]] || die "--crash is destroy or cut"
  [[ -e $STATE/peer/node1.corosync.conf && -e $STATE/up ]] || die "the peer is not up (pacemaker.sh up)"
  local results=() r
  for r in $(seq 1 "$runs"); do
    wait_for 120 "all nodes online" all_online
    wait_for 60 "the VIP" vip_started
    local holder t0 t1
    holder=$(vip_holder)
    local old_pid
    old_pid=$("$LAB" pid "$holder")
    t0=$(now_ms)
    if [[ $crash == destroy ]]; then "$LAB" poweroff "$holder"; else "$LAB" cut "$holder" 2>/dev/null; fi
    # The VIP answers again (group apache: the page is served) from a live node other than the crashed one.
    while true; do
      if service_answers; then
        local now_holder
        now_holder=$(vip_holder || true)
        [[ -n $now_holder && $now_holder != "$holder" ]] && break
      fi
      (( $(now_ms) - t0 < 120000 )) || die "run $r: the VIP did not come back within 120 s"
      sleep 0.05
    done
    t1=$(now_ms)
    results+=($((t1 - t0)))
    echo "run $r: $crash $holder at $(date -u -d "@${t0:0:-3}.${t0: -3}" +%T.%3N) -> $(group) back on $(vip_holder) after $((t1 - t0)) ms"
    # Bring the node back: the cluster fences it (stonith-action reboot: fence_virsh off, then on, which
    # boots it); after that, or if it stays off, boot it ourselves.
    wait_for 60 "$holder to be fenced" bash -c "[[ \$('$LAB' pid '$holder' 2>/dev/null) != '$old_pid' ]]"
    if ! alive "$holder"; then
      "$LAB" heal "$holder" 2>/dev/null || true
      "$LAB" boot "$holder" 2>/dev/null
    fi
  done
  local sorted
  sorted=$(printf '%s\n' "${results[@]}" | sort -n)
  echo "peer: pacemaker group=$(group) crash=$crash runs=$runs median_ms=$(printf '%s\n' "${results[@]}" | median) min_ms=$(head -n1 <<<"$sorted") max_ms=$(tail -n1 <<<"$sorted")"
}

main() {
  local sub=${1:-status}
  shift || true
  case $sub in
    up) cmd_up "$@" ;;
    failover) cmd_failover "$@" ;;
    status) crm crm_mon -1 ;;
    down) "$LAB" down; rm -rf "$STATE/peer" ;;
    *) die "usage: pacemaker.sh up [N] [--group vip|apache]|failover [--runs N] [--crash destroy|cut]|status|down" ;;
  esac
}
main "$@"
