#!/bin/bash
# Stops the stand-in hypervisor's sshd started by sshd-up.sh DIR, and every session it forked:
# a hypervisor that goes down takes its open connections with it (stopping only the listener
# would leave established sessions working).
set -u
dir="$1"
[ -s "$dir/sshd.pid" ] || exit 0
pid="$(cat "$dir/sshd.pid")"
descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}
kill -STOP "$pid" 2>/dev/null || true   # no new sessions while we collect the old ones
for child in $(descendants "$pid"); do kill -KILL "$child" 2>/dev/null || true; done
kill -KILL "$pid" 2>/dev/null || true
# Gone or a zombie (its parent may be a PID 1 that reaps late): either way it serves nobody.
for _ in $(seq 1 50); do
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [ -n "$state" ] && [ "$state" != Z ] || break
  sleep 0.02
done
rm -f "$dir/sshd.pid"
