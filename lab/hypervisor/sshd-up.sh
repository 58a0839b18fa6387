#!/bin/bash
# Starts a stand-in hypervisor: an OpenSSH sshd on ADDRESS:PORT with its own host keys, key-only
# root login for the keys in AUTHORIZED_KEYS, and a ForceCommand wrapper that puts the stand-in
# virsh first in PATH and then runs the client's command (or a login shell). Using a wrapper rather
# than a fixed command keeps interactive clients working: fence_virsh asks for a bash prompt.
#   sshd-up.sh DIR ADDRESS[,ADDRESS...] PORT AUTHORIZED_KEYS
# Writes DIR/sshd_config, DIR/ssh_host_ed25519_key(.pub), DIR/known_hosts, DIR/sshd.pid, and keeps
# domain state in DIR/domains. Stop with sshd-down.sh DIR.
set -euo pipefail
dir="$1"; address="$2"; port="$3"; authorized="$4"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$dir" /run/sshd
dir="$(cd "$dir" && pwd)"
[ -f "$dir/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/ssh_host_ed25519_key" -C hypervisor-standin
cat > "$dir/force-command" <<WRAP
#!/bin/bash
export PATH="$here:\$PATH"
export VIRSH_STATE="$dir"
if [ -n "\${SSH_ORIGINAL_COMMAND:-}" ]; then exec /bin/bash -c "\$SSH_ORIGINAL_COMMAND"; fi
exec /bin/bash --noprofile --norc -i
WRAP
chmod +x "$dir/force-command"
IFS=, read -r -a addresses <<< "$address"
{ for a in "${addresses[@]}"; do echo "ListenAddress $a:$port"; done; } > "$dir/sshd_config"
cat >> "$dir/sshd_config" <<CONF
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $authorized
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
PrintLastLog no
AllowTcpForwarding no
X11Forwarding no
MaxStartups 100:30:200
ForceCommand $dir/force-command
# sshd runs the command through the user's shell; Debian's bash then sources ~/.bashrc when it is the first
# shell level (SSH_SOURCE_BASHRC). The host's rc files are not the hypervisor's business (root's here spends
# ~0.3 s in pyenv init per command): a shell level of 1 to start from keeps bash from reading them.
SetEnv SHLVL=1
CONF
: > "$dir/known_hosts"
for a in "${addresses[@]}"; do
  if [ "$port" = 22 ]; then host="$a"; else host="[$a]:$port"; fi
  echo "$host $(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")" >> "$dir/known_hosts"
done
/usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
# sshd daemonises; wait until it accepts connections on every address.
for _ in $(seq 1 100); do
  up=1
  for a in "${addresses[@]}"; do (exec 3<>"/dev/tcp/$a/$port") 2>/dev/null || up=""; done
  if [ -s "$dir/sshd.pid" ] && [ -n "$up" ]; then exit 0; fi
  sleep 0.02
done
echo "sshd-up: sshd did not start on $address:$port (see $dir/sshd.log)" >&2
exit 1
