// Replay: a slider over the log; at each position the cluster as crm_mon showed it then (GET /replay?at=N) and the
// transition the engine plans for that state (POST /simulate with at=N and nothing injected), scores on demand. The
// what-if panel injects nodes lost, operations failing and standby into the current state. Nothing is ever appended.
import { api, h, $, put, header, problemText, fmtTime } from './common.js';
import { summary, nodesTable, resourcesTable, primitives } from './status.js';

header('/replay');

const slider = $('#position-slider');
const number = $('#position-number');
let head = 1;
let request = 0;
let lastScores = [];

function scoresTable(scores) {
  if (!scores?.length) return h('p', { class: 'muted' }, 'No scores.');
  return h('table', { class: 'scores' }, h('thead', {}, h('tr', {}, h('th', {}, 'Resource'), h('th', {}, 'Node'), h('th', {}, 'Score'), h('th', {}, 'Stage'), h('th', {}, 'Because'))),
    h('tbody', {}, scores.map(s => h('tr', {}, h('td', {}, s.resource ?? ''), h('td', {}, s.node ?? ''), h('td', {}, String(s.score ?? '')), h('td', {}, s.stage ?? ''), h('td', {}, (s.factors ?? []).join('; '))))));
}

function showScores() {
  put($('#replay-scores-slot'), $('#replay-scores').checked ? scoresTable(lastScores) : '');
}

async function show(position) {
  const mine = ++request;
  slider.value = String(position);
  number.value = String(position);
  history.replaceState(null, '', `?at=${position}`);
  try {
    const [{ data: view }, { data: planned }, { data: events }] = await Promise.all([
      api(`/replay?at=${position}`),
      api('/simulate', { method: 'POST', body: { at: String(position) } }),
      api(`/history/events?after=${position - 1}&limit=1`)]);
    if (mine !== request) return; // a later move of the slider won
    const e = events.items[0];
    $('#event-at').textContent = e ? `Position ${e.seq}: ${e.type} on ${e.stream} by ${e.actor ?? '?'} at ${fmtTime(e.timestamp)}` : `Position ${position}`;
    put($('#replay-summary'), summary(view));
    put($('#replay-nodes'), nodesTable(view));
    put($('#replay-resources'), resourcesTable(view));
    put($('#replay-transition'), h('pre', { id: 'planned' }, planned.summary.length ? planned.summary.join('\n') : 'Nothing to do.'));
    lastScores = planned.scores;
    showScores();
    document.body.dataset.replayed = String(position);
  } catch (err) {
    put($('#messages'), h('div', { class: 'message error', role: 'alert' }, problemText(err)));
  }
}

let timer;
const soon = position => { clearTimeout(timer); timer = setTimeout(() => show(position), 150); };
const clamp = v => Math.max(1, Math.min(head, Number(v) || 1));
slider.addEventListener('input', () => { number.value = slider.value; soon(Number(slider.value)); });
number.addEventListener('change', () => show(clamp(number.value)));
$('#earlier').addEventListener('click', () => show(clamp(Number(slider.value) - 1)));
$('#later').addEventListener('click', () => show(clamp(Number(slider.value) + 1)));
$('#to-now').addEventListener('click', async () => { await readHead(); show(head); });
$('#replay-scores').addEventListener('change', showScores);

async function readHead() {
  const { data } = await api('/status');
  head = Math.max(1, data.position);
  slider.max = String(head);
  number.max = String(head);
  return data;
}

// ---------------------------------------------------------------- what-if on the current state
function whatIf(current) {
  const nodes = current.nodes.map(n => n.name);
  const resources = primitives(current).map(r => r.id);
  const result = h('div', { id: 'whatif-result', 'aria-live': 'polite' });
  const checks = (name, items) => h('fieldset', {}, h('legend', {}, name),
    items.length ? items.map(i => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: i, dataset: { group: name } }), ` ${i} `)) : h('span', { class: 'muted' }, 'none'));
  const failResource = h('select', { id: 'fail-resource' }, h('option', { value: '' }, '(none)'), resources.map(r => h('option', { value: r }, r)));
  const failOp = h('select', { id: 'fail-op' }, ['monitor', 'start', 'stop'].map(o => h('option', { value: o }, o)));
  const failNode = h('select', { id: 'fail-node' }, h('option', { value: '' }, '(where it runs)'), nodes.map(n => h('option', { value: n }, n)));
  const scores = h('input', { type: 'checkbox', id: 'whatif-scores' });
  const run = async () => {
    const picked = group => [...document.querySelectorAll(`[data-group="${group}"]:checked`)].map(c => c.value);
    const body = { nodeLost: picked('Nodes lost'), standby: picked('Standby'), resourceFailed: [] };
    if (failResource.value) body.resourceFailed.push(`${failResource.value}:${failOp.value}${failNode.value ? `:${failNode.value}` : ''}`);
    try {
      const { data } = await api('/simulate', { method: 'POST', body });
      put(result,
        h('p', {}, data.applied.length ? `Applied: ${data.applied.join('; ')}` : 'Nothing injected: what the cluster plans now.'),
        h('pre', { id: 'whatif-summary' }, data.summary.length ? data.summary.join('\n') : 'Nothing to do.'),
        scores.checked ? scoresTable(data.scores) : null);
    } catch (e) { put(result, h('div', { class: 'message error', role: 'alert' }, problemText(e))); }
  };
  put($('#whatif-slot'),
    checks('Nodes lost', nodes), checks('Standby', nodes),
    h('fieldset', {}, h('legend', {}, 'An operation fails'),
      h('div', { class: 'row' }, h('div', {}, h('label', { for: 'fail-resource' }, 'Resource'), failResource),
        h('div', {}, h('label', { for: 'fail-op' }, 'Operation'), failOp), h('div', {}, h('label', { for: 'fail-node' }, 'Node'), failNode))),
    h('div', { class: 'row' }, h('label', {}, scores, ' Show scores'), h('button', { type: 'button', class: 'primary', id: 'whatif-run', onclick: run }, 'Simulate')),
    h('p', { class: 'hint' }, 'A simulation appends nothing: any role may run one.'),
    result);
}

(async () => {
  try {
    const current = await readHead();
    whatIf(current);
    const asked = Number(new URLSearchParams(location.search).get('at'));
    await show(asked >= 1 ? clamp(asked) : head);
  } catch (e) {
    put($('#messages'), h('div', { class: 'message error', role: 'alert' }, problemText(e)));
  }
})();
