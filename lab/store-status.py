"""The lab's replicated store, one line per member (lab/store.sh status).

stdin: one tab-separated line per member: index, address, process, link, its own GET /patroni (JSON), its etcd endpoint
status (JSON), its etcd health word. DCS: `GET /v2/keys/ha/SCOPE/?recursive=true` (Patroni's keys in etcd's v2 key
space, what `patronictl list` shows), empty when no etcd answered.
"""
import json
import os
import sys

OWN_ROLES = {"master": "primary", "primary": "primary", "replica": "replica", "standby_leader": "standby-leader"}


def load(text, default):
    try:
        return json.loads(text) if text.strip() else default
    except ValueError:
        return default


def dcs_keys(text, scope):
    """Patroni's keys under /ha/SCOPE/ as {relative key: value}, from etcd's v2 tree of nodes."""
    keys = {}
    pending = [load(text, {}).get("node", {})]
    while pending:
        node = pending.pop()
        pending.extend(node.get("nodes", []))
        if not node.get("dir") and "key" in node:
            keys[node["key"][len(f"/ha/{scope}/"):]] = node.get("value", "")
    return keys


dcs = dcs_keys(os.environ.get("DCS", ""), os.environ["SCOPE"])
leader = dcs.get("leader")
sync = load(dcs.get("sync", ""), {}).get("sync_standby")
dcs_members = {k.split("/", 1)[1]: load(v, {}) for k, v in dcs.items() if k.startswith("members/")}
leader_lsn = dcs_members.get(leader, {}).get("xlog_location")
members = []
for line in sys.stdin:
    index, address, process, link, own, etcd_status, etcd_health = line.rstrip("\n").split("\t")
    own = load(own, {})
    status = load(etcd_status, [])
    status = status[0].get("Status") if status else None
    name = "s" + index
    registered = dcs_members.get(name)
    if not dcs:
        role = "?"
    elif name == leader:
        role = "leader"
    elif registered is None:
        role = "-"
    elif sync and name in sync.split(","):
        role = "sync-standby"
    else:
        role = "replica"
    own_role = OWN_ROLES.get(own.get("role"), "-")
    lag = "-"
    if role in ("sync-standby", "replica") and leader_lsn is not None and registered.get("xlog_location") is not None:
        lag = f"{max(0, leader_lsn - registered['xlog_location']) // (1024 * 1024)}MB"
    etcd = etcd_health or "unreachable"
    if status:
        if status.get("leader") == status.get("header", {}).get("member_id"):
            etcd += ",leader"
        etcd += f",term={status.get('raftTerm')}"
    timeline = own.get("timeline") or (registered or {}).get("timeline") or "-"
    members.append((name, role, own_role))
    print(f"{name}: address={address} member={process.replace(' ', '-')} link={link} role={role} "
          f"own_role={own_role} state={own.get('state', 'unreachable')} timeline={timeline} lag={lag} etcd={etcd}")


def names(pick):
    return ",".join(n for n, r, o in members if pick(r, o)) or "none"


print(f"store: leader={names(lambda r, o: r == 'leader')} sync_standby={names(lambda r, o: r == 'sync-standby')} "
      f"primaries_by_own_view={names(lambda r, o: o == 'primary')}")
