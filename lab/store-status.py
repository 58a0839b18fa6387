"""The lab's replicated store, one line per member (lab/store.sh status).

stdin: one tab-separated line per member: index, process, link, its own GET /patroni (JSON), its etcd endpoint
status (JSON), its etcd health word. CLUSTER: `patronictl list -f json` (the view kept in etcd).
"""
import json
import os
import sys

ROLES = {"Leader": "leader", "Sync Standby": "sync-standby", "Replica": "replica"}
OWN_ROLES = {"master": "primary", "primary": "primary", "replica": "replica", "standby_leader": "standby-leader"}


def load(text, default):
    try:
        return json.loads(text) if text.strip() else default
    except ValueError:
        return default


cluster = {m.get("Member"): m for m in load(os.environ.get("CLUSTER", ""), [])}
prefix = os.environ["SUBNET_PREFIX"]
members = []
for line in sys.stdin:
    index, process, link, own, etcd_status, etcd_health = line.rstrip("\n").split("\t")
    own = load(own, {})
    status = load(etcd_status, [])
    status = status[0].get("Status") if status else None
    name = "s" + index
    dcs = cluster.get(name, {})
    role = ROLES.get(dcs.get("Role"), "-")
    own_role = OWN_ROLES.get(own.get("role"), "-")
    lag = dcs.get("Lag in MB")
    lag = "-" if lag in (None, "") else f"{lag}MB"
    etcd = etcd_health or "unreachable"
    if status:
        if status.get("leader") == status.get("header", {}).get("member_id"):
            etcd += ",leader"
        etcd += f",term={status.get('raftTerm')}"
    members.append((name, role, own_role))
    print(f"{name}: address={prefix}.2{index} member={process.replace(' ', '-')} link={link} role={role} "
          f"own_role={own_role} state={own.get('state', 'unreachable')} timeline={own.get('timeline') or dcs.get('TL') or '-'} "
          f"lag={lag} etcd={etcd}")


def names(pick):
    return ",".join(n for n, r, o in members if pick(r, o)) or "none"


print(f"store: leader={names(lambda r, o: r == 'leader')} sync_standby={names(lambda r, o: r == 'sync-standby')} "
      f"primaries_by_own_view={names(lambda r, o: o == 'primary')}")
