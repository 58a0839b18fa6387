// History: the failover incidents as a timeline (one row per incident; detection, fencing and recovery as bars on a
// shared axis of time since the incident began), each opening its events and the explanation of its transitions; the
// fencing history; the configuration changes with who, when, why and the diff. Read-only: every role sees all of it.
import { api, h, $, put, header, problemText, fmtTime, fmtMs } from './common.js';
import { diff } from './diff.js';

header('/history');

const enc = encodeURIComponent;
const ms = t => new Date(t).getTime();

/** An incident's phases, in milliseconds from its start: detection (since last seen), fencing (request to result), recovery. */
function phases(incident, fences) {
  const detected = ms(incident.detectedAt);
  const start = detected - (incident.detectionMs ?? 0);
  const out = [];
  if (incident.detectionMs) out.push({ kind: 'detection', from: 0, to: incident.detectionMs, label: `detection ${fmtMs(incident.detectionMs)}` });
  const fence = incident.fenceRequestId ? fences.get(incident.fenceRequestId) : null;
  if (fence || incident.fenceDurationMs) {
    const from = fence ? ms(fence.requestedAt) - start : detected - start;
    const to = fence?.completedAt ? ms(fence.completedAt) - start : from + (incident.fenceDurationMs ?? 0);
    out.push({ kind: 'fencing', from, to, label: `fencing ${incident.fenceTarget ?? ''} ${incident.fenceResult ?? ''} ${fmtMs(to - from)}` });
  }
  const recovery = incident.recovery ?? [];
  if (recovery.length) {
    const from = Math.min(...recovery.map(r => ms(r.at) - (r.durationMs ?? 0))) - start;
    const to = Math.max(...recovery.map(r => ms(r.at))) - start;
    out.push({ kind: 'recovery', from, to, label: `recovery ${recovery.map(r => `${r.operation} ${r.resource} on ${r.node}`).join(', ')} ${fmtMs(to - from)}` });
  }
  return { start, phases: out, end: Math.max(0, ...out.map(p => p.to), incident.timeToRecoveryMs ? incident.timeToRecoveryMs + (incident.detectionMs ?? 0) : 0) };
}

function ticks(span) {
  const steps = [100, 250, 500, 1000, 2000, 5000, 10000, 30000, 60000, 120000, 300000, 600000, 1800000, 3600000];
  const step = steps.find(s => span / s <= 8) ?? 3600000;
  const out = [];
  for (let t = 0; t <= span; t += step) out.push(t);
  return out;
}

async function openIncident(incident, slot, button) {
  const open = button.getAttribute('aria-expanded') === 'true';
  button.setAttribute('aria-expanded', String(!open));
  slot.hidden = open;
  if (open || slot.dataset.loaded) return;
  slot.dataset.loaded = '1';
  put(slot, h('p', { class: 'muted' }, 'Loading its events and explanation…'));
  const limit = Math.min(10000, Math.max(1, incident.lastSeq - incident.seq + 1));
  const parts = [
    h('dl', { class: 'summary' },
      h('dt', {}, 'Trigger'), h('dd', {}, `${incident.trigger}: ${incident.subject ?? ''}${incident.reason ? ` (${incident.reason})` : ''}`),
      h('dt', {}, 'Detected'), h('dd', {}, `${fmtTime(incident.detectedAt)}${incident.detectionMs ? `, ${fmtMs(incident.detectionMs)} after last seen` : ''}`),
      h('dt', {}, 'Actor'), h('dd', {}, incident.actor ?? ''),
      h('dt', {}, 'Resources'), h('dd', {}, (incident.resources ?? []).join(', ') || 'none'),
      h('dt', {}, 'Fencing'), h('dd', {}, incident.fenceTarget ? `${incident.fenceTarget} by ${incident.fenceDevice ?? '?'} on ${incident.fenceExecutor ?? '?'}: ${incident.fenceResult ?? 'pending'} ${fmtMs(incident.fenceDurationMs)}` : 'none'),
      h('dt', {}, 'Status'), h('dd', {}, `${incident.status}${incident.timeToRecoveryMs !== null && incident.timeToRecoveryMs !== undefined ? `, recovered in ${fmtMs(incident.timeToRecoveryMs)}` : ''}`),
      h('dt', {}, 'Log positions'), h('dd', {}, `${incident.seq} to ${incident.lastSeq}`)),
  ];
  try {
    const { data } = await api(`/history/events?after=${incident.seq - 1}&limit=${limit}`);
    parts.push(h('h3', {}, 'Its events'), h('table', { class: 'incident-events' },
      h('thead', {}, h('tr', {}, ['Position', 'Time', 'Event', 'Stream', 'Actor'].map(t => h('th', {}, t)))),
      h('tbody', {}, data.items.map(e => h('tr', {}, h('td', {}, String(e.seq)), h('td', {}, fmtTime(e.timestamp)), h('td', {}, e.type), h('td', {}, e.stream), h('td', {}, e.actor ?? ''))))));
  } catch (e) { parts.push(h('p', { class: 'message error' }, problemText(e))); }
  for (const t of incident.transitions ?? []) {
    try {
      const { data } = await api(`/explain/${enc(t)}`);
      const chosen = data.placement.filter(p => p.chosen && (incident.resources ?? []).includes(p.resource));
      parts.push(h('div', { class: 'explanation' },
        h('h3', {}, `Why transition ${t}`),
        h('p', {}, data.same ? 'Planned again from its own inputs, it is the same.' : 'Planned again from its inputs, it DIFFERS from what was recorded.'),
        h('p', {}, 'Recorded:'), h('pre', {}, (data.recorded.length ? data.recorded : ['(nothing to do)']).join('\n')),
        data.same ? null : [h('p', {}, 'Planned again:'), h('pre', {}, (data.replayed.length ? data.replayed : ['(nothing to do)']).join('\n'))],
        chosen.length ? h('ul', {}, chosen.map(p => h('li', {}, `${p.resource} → ${p.node} (score ${p.score}): ${p.because.join('; ')}`))) : null));
    } catch (e) { parts.push(h('p', { class: 'muted' }, `Transition ${t}: ${problemText(e)}`)); }
  }
  put(slot, ...parts);
}

async function failovers() {
  const slot = $('#failovers-slot');
  try {
    const [{ data: incidents }, { data: fencing }] = await Promise.all([
      api('/history/failovers?current=true&limit=200'), api('/history/fencing?current=true&limit=1000')]);
    const fences = new Map(fencing.items.map(f => [f.requestId, f]));
    if (incidents.items.length === 0) { put(slot, h('p', { class: 'muted' }, 'No failover incidents.')); return; }
    const rows = incidents.items.map(i => ({ incident: i, ...phases(i, fences) }));
    const span = Math.max(1000, ...rows.map(r => r.end));
    const pct = v => `${(100 * v / span).toFixed(2)}%`;
    const axis = h('div', { class: 'axis', 'aria-hidden': 'true' }, h('span', {}, 'since the incident began'),
      h('div', { class: 'ticks' }, ticks(span).map(t => { const s = h('span', {}, fmtMs(t)); s.style.left = pct(t); return s; })));
    const list = h('div', { class: 'timeline', id: 'timeline' }, axis);
    for (const r of rows) {
      const i = r.incident;
      const details = h('div', { class: 'incident', hidden: true, id: `incident-${i.incidentId}` });
      const button = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': `incident-${i.incidentId}`, dataset: { incident: i.incidentId, trigger: i.trigger },
        onclick: e => openIncident(i, details, e.currentTarget) },
        h('strong', {}, `${i.trigger} ${i.subject ?? ''}`), h('br'), h('span', { class: 'muted' }, `${fmtTime(i.detectedAt)} · ${i.status}${i.timeToRecoveryMs ? ` in ${fmtMs(i.timeToRecoveryMs)}` : ''}`));
      const track = h('div', { class: 'track', role: 'img', 'aria-label': r.phases.map(p => p.label).join('; ') || 'no phases recorded' },
        r.phases.map(p => { const b = h('div', { class: `bar ${p.kind}`, title: p.label }); b.style.left = pct(p.from); b.style.width = pct(Math.max(0, p.to - p.from)); return b; }));
      list.append(h('div', { class: 'tl-row' }, button, track), details);
    }
    put(slot, h('div', { class: 'legend' }, h('span', { class: 'l-detection' }, 'detection'), h('span', { class: 'l-fencing' }, 'fencing'), h('span', { class: 'l-recovery' }, 'recovery')), list,
      incidents.next ? h('p', { class: 'hint' }, 'The first 200 incidents are shown (hactl history failovers pages through all).') : null);
  } catch (e) { put(slot, h('div', { class: 'message error' }, problemText(e))); }
}

async function fencing() {
  const slot = $('#fencing-slot');
  try {
    const { data } = await api('/history/fencing?current=true&limit=500');
    put(slot, data.items.length === 0 ? h('p', { class: 'muted' }, 'No fencing.') : h('table', { id: 'fencing-history' },
      h('thead', {}, h('tr', {}, ['Requested', 'Target', 'Action', 'Device', 'Executor', 'Origin', 'Result', 'Took', 'Reason'].map(t => h('th', {}, t)))),
      h('tbody', {}, data.items.map(f => h('tr', {}, h('td', {}, fmtTime(f.requestedAt)), h('td', {}, f.target), h('td', {}, f.action ?? ''), h('td', {}, f.device ?? ''),
        h('td', {}, f.executor ?? ''), h('td', {}, f.origin ?? ''), h('td', {}, f.result + (f.error ? `: ${f.error}` : '')), h('td', {}, fmtMs(f.durationMs)), h('td', {}, f.reason ?? ''))))));
  } catch (e) { put(slot, h('div', { class: 'message error' }, problemText(e))); }
}

async function changes() {
  const slot = $('#changes-slot');
  try {
    const { data } = await api('/history/changes?current=true&limit=500');
    put(slot, data.items.length === 0 ? h('p', { class: 'muted' }, 'No changes.') : h('table', { id: 'changes' },
      h('thead', {}, h('tr', {}, ['When', 'Who', 'Version', 'Why', 'Diff'].map(t => h('th', {}, t)))),
      h('tbody', {}, data.items.slice().reverse().map(c => h('tr', {}, h('td', {}, fmtTime(c.at)), h('td', {}, c.actor), h('td', {}, `${c.fromVersion} → ${c.toVersion}`),
        h('td', {}, c.reason ?? ''), h('td', {}, diff(c.diff)))))));
  } catch (e) { put(slot, h('div', { class: 'message error' }, problemText(e))); }
}

failovers();
fencing();
changes();
