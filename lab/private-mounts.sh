# private-mounts.sh (sourced by node-init.sh and store-member.sh): a lab machine's private tmpfs on /run, /tmp and
# /dev/shm, with the checkout still visible at its own path when it lives under one of them (issue 14 item 5: a clone
# under /tmp was hidden by the node's /tmp, and with it ha-node, the store URL and the lab's state).
#
# private_mounts PATH...: PATH (the checkout, the lab's state) stays reachable: a directory file descriptor is
# opened on it before the tmpfs hide it, then bound back at the same path inside the tmpfs.
private_mounts() {
  local hidden=(/run /tmp /dev/shm) keep=() p h fd
  for p in "$@"; do
    p=$(realpath -e "$p")
    for h in "${hidden[@]}"; do
      if [[ $p == "$h"/* ]]; then keep+=("$p"); break; fi
    done
  done
  local fds=()
  for p in "${keep[@]}"; do
    exec {fd}<"$p"
    fds+=("$fd")
  done
  mount -t tmpfs -o mode=755 tmpfs /run
  mount -t tmpfs -o mode=1777 tmpfs /tmp
  mount -t tmpfs -o mode=1777 tmpfs /dev/shm
  local i
  for i in "${!keep[@]}"; do
    mkdir -p "${keep[$i]}"
    # --no-canonicalize: mount would resolve /proc/self/fd/N to the path, which now names the empty tmpfs directory.
    mount --no-canonicalize --bind "/proc/self/fd/${fds[$i]}" "${keep[$i]}"
    exec {fds[$i]}<&-
  done
}
