// The status view (GET /status, the stream, GET /replay all answer the same shape) as tables: crm_mon in the browser.
import { h, commandButton, fmtTime } from './common.js';

const enc = encodeURIComponent;

export function summary(view) {
  const t = view.transition;
  return h('dl', { class: 'summary', id: 'summary' },
    h('dt', {}, 'Controller (DC)'), h('dd', { id: 'controller' }, view.controller ?? 'none'),
    h('dt', {}, 'Quorum'), h('dd', { id: 'quorum', class: view.hasQuorum ? 'state-online' : 'state-offline' }, view.hasQuorum ? 'with quorum' : 'WITHOUT quorum'),
    h('dt', {}, 'Nodes'), h('dd', {}, `${view.nodes.filter(n => n.state === 'online').length} online of ${view.nodes.length} configured`),
    h('dt', {}, 'Transition'), h('dd', { id: 'transition' }, t ? `${t.id}${t.inProgress ? ' (in progress)' : ' (complete)'}` : 'none'),
    h('dt', {}, 'Maintenance mode'), h('dd', {}, view.maintenanceMode ? 'ON: the cluster manages nothing' : 'off'),
    h('dt', {}, 'Log position'), h('dd', { id: 'position' }, String(view.position)));
}

export function nodesTable(view, { commands = false } = {}) {
  return h('table', { id: 'nodes' },
    h('caption', { class: 'visually-hidden' }, 'Nodes'),
    h('thead', {}, h('tr', {}, h('th', {}, 'Node'), h('th', {}, 'State'), h('th', {}, 'Role'), commands ? h('th', {}, 'Actions') : null)),
    h('tbody', {}, view.nodes.map(n => h('tr', { dataset: { node: n.name } },
      h('td', {}, n.name),
      h('td', { class: `state state-${n.state}` }, n.state),
      h('td', {}, n.isController ? 'controller (DC)' : ''),
      commands ? h('td', { class: 'actions' },
        n.state === 'standby'
          ? commandButton('Online', `/nodes/${enc(n.name)}/online`, { describe: `online ${n.name}` })
          : commandButton('Standby', `/nodes/${enc(n.name)}/standby`, { describe: `standby ${n.name}` }),
        n.state === 'maintenance'
          ? commandButton('Ready', `/nodes/${enc(n.name)}/ready`, { describe: `ready ${n.name}` })
          : commandButton('Maintenance', `/nodes/${enc(n.name)}/maintenance`, { describe: `maintenance ${n.name}` })) : null))));
}

/** Resources, groups with their members nested; actions(resource, view) adds a row's buttons. */
export function resourcesTable(view, actions) {
  const rows = [];
  const row = (r, member) => h('tr', { class: member ? 'member' : undefined, dataset: { resource: r.id } },
    h('td', {}, r.id),
    h('td', {}, r.agent ?? ''),
    h('td', { class: `role role-${r.role}` }, r.role),
    h('td', { class: 'where' }, r.nodes.join(', ')),
    h('td', { class: 'target-role' }, r.targetRole ?? ''),
    h('td', {}, r.managed ? '' : 'unmanaged'),
    actions ? h('td', { class: 'actions' }, actions(r, view)) : null);
  for (const r of view.resources) {
    if (r.members.length === 0 && r.agent) { rows.push(row(r, false)); continue; }
    rows.push(h('tr', { class: 'group-row', dataset: { resource: r.id } },
      h('td', {}, `Group ${r.id}`), h('td', {}, ''), h('td', { class: `role role-${r.role}` }, r.role), h('td', { class: 'where' }, r.nodes.join(', ')),
      h('td', { class: 'target-role' }, r.targetRole ?? ''), h('td', {}, r.managed ? '' : 'unmanaged'),
      actions ? h('td', { class: 'actions' }, actions(r, view)) : null));
    for (const m of r.members) rows.push(row(m, true));
  }
  return h('table', { id: 'resources' },
    h('caption', { class: 'visually-hidden' }, 'Resources'),
    h('thead', {}, h('tr', {}, ['Resource', 'Agent', 'Role', 'Node', 'Target role', 'Managed'].map(t => h('th', {}, t)), actions ? h('th', {}, 'Actions') : null)),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 7 }, 'No resources configured'))));
}

export function failedTable(view, { commands = false } = {}) {
  if (view.failedOperations.length === 0) return h('p', { id: 'failed', class: 'muted' }, 'No failed operations.');
  return h('table', { id: 'failed' },
    h('caption', { class: 'visually-hidden' }, 'Failed operations'),
    h('thead', {}, h('tr', {}, ['Resource', 'Operation', 'Node', 'Result', 'Reason', 'When'].map(t => h('th', {}, t)), commands ? h('th', {}, 'Actions') : null)),
    h('tbody', {}, view.failedOperations.map(f => h('tr', { dataset: { resource: f.resource, node: f.node } },
      h('td', {}, f.resource), h('td', {}, `${f.operation}${f.intervalMs ? ` (${f.intervalMs / 1000}s)` : ''}`), h('td', {}, f.node),
      h('td', {}, `${f.rcText} (${f.rc}), ${f.status}`), h('td', {}, f.exitReason ?? ''), h('td', {}, fmtTime(f.at)),
      commands ? h('td', { class: 'actions' }, commandButton('Cleanup', `/resources/${enc(f.resource)}/cleanup?node=${enc(f.node)}`,
        { describe: `cleanup ${f.resource} on ${f.node}` })) : null))));
}

export function fencingTable(view) {
  if (view.fencing.length === 0) return h('p', { class: 'muted' }, 'No fencing recorded.');
  return h('table', { id: 'fencing' },
    h('thead', {}, h('tr', {}, ['Node', 'Outcome', 'Reason', 'Attempts', 'Error', 'When'].map(t => h('th', {}, t)))),
    h('tbody', {}, view.fencing.map(f => h('tr', {},
      h('td', {}, f.target), h('td', {}, f.outcome), h('td', {}, f.reason), h('td', {}, String(f.attempts)), h('td', {}, f.lastError ?? ''), h('td', {}, fmtTime(f.at))))));
}

/** Every primitive of the view (groups' members too). */
export function primitives(view) {
  return view.resources.flatMap(r => r.members.length ? r.members : [r]).filter(r => r.agent);
}
