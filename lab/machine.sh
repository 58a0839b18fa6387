# lab/machine.sh, sourced by lab.sh and store.sh: what the lab's nodes and store members share.

# machine_namespace NAME: network namespace NAME with eth0, the peer of veth NAME-h on the host in the lab's bridge
# ($BRIDGE), both up (addresses are the caller's).
machine_namespace() {
  local ns=$1
  ip netns add "$ns"
  ip link add "$ns-h" type veth peer name "$ns-c"
  ip link set "$ns-c" netns "$ns"
  ip -n "$ns" link set "$ns-c" name eth0
  ip link set "$ns-h" master "$BRIDGE"
  ip link set "$ns-h" up
  ip -n "$ns" link set lo up
}

# tini_of UNSHARE_PID: the pid of the tini that `unshare --fork ... tini` started (unshare's child), waiting up to 2 s
# for it to appear; fails when it does not.
tini_of() {
  local outer=$1 pid _
  for _ in $(seq 1 200); do
    pid=$(cat "/proc/$outer/task/$outer/children" 2>/dev/null | awk '{print $1}') || true
    if [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == tini ]]; then echo "$pid"; return 0; fi
    sleep 0.01
  done
  return 1
}
