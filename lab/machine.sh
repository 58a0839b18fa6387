# lab/machine.sh, sourced by lab.sh and store.sh: what the lab's nodes and store members share.

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
