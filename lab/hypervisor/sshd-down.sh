#!/bin/bash
# Stops the stand-in hypervisor's sshd started by sshd-up.sh DIR (and the sessions it forked).
set -u
dir="$1"
[ -s "$dir/sshd.pid" ] || exit 0
pid="$(cat "$dir/sshd.pid")"
kill "$pid" 2>/dev/null || true
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
kill -9 "$pid" 2>/dev/null || true
rm -f "$dir/sshd.pid"
