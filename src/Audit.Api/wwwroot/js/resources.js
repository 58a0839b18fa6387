// Resources: the live list with its commands; a primitive created from the agent's meta-data; one object or the whole
// configuration edited as crm text. Every edit names the version it was based on (If-Match): when another change came
// first the API answers 412 and the page shows that change; nothing is overwritten and the user's text is kept.
import { api, h, $, put, say, session, header, followStatus, commandButton, problemText, ApiError, fmtTime } from './common.js';
import { resourcesTable, nodesTable, primitives } from './status.js';
import { diff } from './diff.js';

const enc = encodeURIComponent;
header('/resources');

// ---------------------------------------------------------------- the live list
const chosenNode = new Map();
let latest = null;

function actions(r, view) {
  const nodes = view.nodes.map(n => n.name);
  if (!chosenNode.has(r.id)) chosenNode.set(r.id, nodes.find(n => !r.nodes.includes(n)) ?? nodes[0] ?? '');
  const select = h('select', {
    'aria-label': `node to move ${r.id} to or ban it from`, dataset: { key: `node ${r.id}` }, disabled: !session.canOperate,
    onchange: e => chosenNode.set(r.id, e.target.value),
  }, nodes.map(n => h('option', { value: n, selected: n === chosenNode.get(r.id) }, n)));
  const node = () => ({ node: chosenNode.get(r.id) });
  const base = `/resources/${enc(r.id)}`;
  return [
    commandButton('Start', `${base}/start`, { describe: `start ${r.id}` }),
    commandButton('Stop', `${base}/stop`, { describe: `stop ${r.id}` }),
    commandButton('Restart', `${base}/restart`, { describe: `restart ${r.id}` }),
    commandButton('Cleanup', `${base}/cleanup`, { describe: `cleanup ${r.id}` }),
    select,
    commandButton('Move', `${base}/move`, { body: node, describe: `move ${r.id} to the node chosen` }),
    commandButton('Ban', `${base}/ban`, { body: node, describe: `ban ${r.id} from the node chosen` }),
    commandButton('Clear', `${base}/clear`, { describe: `clear ${r.id}: drop its move and ban constraints` }),
    r.agent && session.canAdmin ? h('button', { type: 'button', 'aria-label': `edit ${r.id} in the form`, dataset: { key: `edit ${r.id}` },
      onclick: () => editForm?.(r.id).catch(e => say(problemText(e), 'error')) }, 'Edit') : null,
    !r.agent && session.canAdmin ? h('button', { type: 'button', 'aria-label': `edit ${r.id} as crm text`, dataset: { key: `edit ${r.id}` },
      onclick: () => { $('#object-id').value = r.id; $('#object-load').click(); $('#object-text').focus(); } }, 'Edit') : null,
  ];
}

followStatus(view => {
  latest = view;
  put($('#resources-slot'), resourcesTable(view, actions));
  put($('#nodes-slot'), nodesTable(view, { commands: true }));
  const ids = $('#object-ids');
  if (ids) put(ids, ...view.resources.flatMap(r => [r, ...r.members]).map(r => h('option', { value: r.id })));
  refreshChoices(view);
});

/** The choices of the group and constraint forms follow the cluster: a resource created a moment ago can be chosen. */
function refreshChoices(view) {
  const lists = {
    primitives: primitives(view).map(r => r.id),
    all: view.resources.map(r => r.id).concat(view.resources.flatMap(r => r.members.map(m => m.id))),
    nodes: view.nodes.map(n => n.name),
  };
  for (const select of document.querySelectorAll('select[data-choices]')) {
    const items = lists[select.dataset.choices];
    if ([...select.options].slice(1).map(o => o.value).join('\n') === items.join('\n')) continue;
    const value = select.value;
    put(select, select.options[0].cloneNode(true), items.map(i => h('option', { value: i }, i)));
    select.value = items.includes(value) ? value : '';
  }
}

// ---------------------------------------------------------------- conflicts and errors
/** A stale edit (412): what changed since the version the edit was based on; the user's text stays where it is. */
async function showConflict(slot, baseVersion, error, createAgain) {
  const current = error.problem.currentVersion;
  const box = h('div', { class: 'message conflict', role: 'alert', id: 'conflict' },
    h('strong', {}, 'Conflict: nothing was changed. '),
    `Another change came first: you started from version ${baseVersion}, the configuration is now at version ${current ?? 'newer'}. `,
    'Your edit is kept; look at the other change, then apply yours again on the current version if it still holds.');
  put(slot, box);
  try {
    const { data } = await api('/history/changes?current=true&limit=10000');
    const newer = data.items.filter(c => c.toVersion > baseVersion);
    box.append(...newer.map(c => h('div', {},
      h('p', {}, `Version ${c.fromVersion} → ${c.toVersion} by ${c.actor} at ${fmtTime(c.at)}${c.reason ? ` (${c.reason})` : ''}:`),
      diff(c.diff))));
  } catch (e) {
    box.append(h('p', {}, `(the other change could not be read: ${problemText(e)})`));
  }
  // A new object overwrites nothing: having seen the other change, the user may create it on the current version.
  if (createAgain) box.append(h('button', { type: 'button', class: 'command', id: 'create-again', onclick: createAgain }, 'Create it on the current version'));
}

/**
 * Creates a new object on the configuration's current version, after a conflict the user has seen; refused when an
 * object of that ID appeared meanwhile (that would be overwriting it).
 */
async function createOnCurrent(id, text, result, done) {
  try {
    await api(`/configuration/objects/${enc(id)}`);
    put(result, h('div', { class: 'message error', role: 'alert' }, `'${id}' exists now (the other change made it): nothing was changed.`));
    return;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) { put(result, h('div', { class: 'message error', role: 'alert' }, problemText(e))); return; }
  }
  const { etag } = await api('/configuration');
  const version = etag?.replace(/"/g, '');
  try {
    const { data } = await api(`/configuration/objects/${enc(id)}`, { method: 'PUT', body: text, headers: { 'If-Match': `"${version}"` } });
    put(result, h('div', { class: 'message ok', role: 'status' }, `Saved ${id}: configuration version ${data.configurationVersion ?? ''}.`));
    done?.(String(data.configurationVersion ?? version));
  } catch (e) {
    if (e instanceof ApiError && e.status === 412) await showConflict(result, version, e, () => createOnCurrent(id, text, result, done));
    else put(result, h('div', { class: 'message error', role: 'alert' }, problemText(e)));
  }
}

/** Errors at line:column, each a button that puts the cursor there, and the lines themselves marked under the text. */
function showErrors(slot, errors, textarea) {
  const lines = textarea.value.split('\n');
  const at = (line, column) => lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, column - 1);
  const list = h('ol', { class: 'errors', id: 'crm-errors' }, errors.map(e => h('li', {},
    h('button', {
      type: 'button', onclick: () => { textarea.focus(); const p = at(e.line, e.column); textarea.setSelectionRange(p, p + Math.max(1, (e.token ?? '').length)); },
    }, `line ${e.line}, column ${e.column}`), `: ${e.message}${e.code ? ` (${e.code})` : ''}`)));
  const marked = [...new Set(errors.map(e => e.line))].sort((a, b) => a - b).flatMap(line => [
    h('span', { class: 'err' }, `${String(line).padStart(4)} | ${lines[line - 1] ?? ''}`, '\n'),
    ...errors.filter(e => e.line === line).map(e => h('span', { class: 'caret' }, `${' '.repeat(6 + Math.max(0, e.column - 1))}^ ${e.message}`, '\n')),
  ]);
  put(slot, h('div', { class: 'message error', role: 'alert' }, `${errors.length} error${errors.length === 1 ? '' : 's'}: nothing was changed.`, list),
    h('pre', { class: 'annotated', 'aria-label': 'the lines with errors' }, marked));
}

// ---------------------------------------------------------------- create a primitive from the agent's meta-data
const createSlot = $('#create-slot');
let agents = [];
/** The agents' listing as the API answered it: where it comes from (the nodes, or the API's host), per agent its nodes. */
let listing = null;
let metadata = null;
let formVersion = null;
/** Editing an existing primitive: its ID and what the form has no field for (kept as it is). */
let editing = null;
let editForm = null;

function quote(value) {
  return /^[A-Za-z0-9_.:\/@+,=-]+$/.test(value) ? value : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The agent's meta-data XML, read into parameters and actions (as the node runtime's AgentMetadata reads it). */
function parseMetadata(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const text = e => e?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
  const flag = v => v === '1' || v === 'true';
  const root = doc.querySelector('resource-agent');
  return {
    shortdesc: text(root?.querySelector(':scope > shortdesc')),
    longdesc: text(root?.querySelector(':scope > longdesc')),
    parameters: [...doc.querySelectorAll('parameters > parameter')].map(p => {
      const content = p.querySelector('content');
      return {
        name: p.getAttribute('name'), required: flag(p.getAttribute('required')), unique: flag(p.getAttribute('unique')),
        deprecated: flag(p.getAttribute('deprecated')) || !!p.querySelector('deprecated'),
        type: content?.getAttribute('type') ?? 'string', default: content?.getAttribute('default') ?? null,
        options: [...(content?.querySelectorAll('option') ?? [])].map(o => o.getAttribute('value')),
        shortdesc: text(p.querySelector('shortdesc')), longdesc: text(p.querySelector('longdesc')),
      };
    }),
    actions: [...doc.querySelectorAll('actions > action')].map(a => ({
      name: a.getAttribute('name'), timeout: a.getAttribute('timeout'), interval: a.getAttribute('interval'), role: a.getAttribute('role'),
    })),
  };
}

function field(p) {
  const id = `param-${p.name}`;
  const common = { id, name: p.name, dataset: { param: p.name }, 'aria-describedby': `${id}-desc`, required: p.required || undefined };
  const input = p.type === 'boolean'
    ? h('select', common, h('option', { value: '' }, p.default !== null ? `(default: ${p.default})` : '(not set)'), h('option', { value: 'true' }, 'true'), h('option', { value: 'false' }, 'false'))
    : p.type === 'select' && p.options.length
      ? h('select', common, h('option', { value: '' }, p.default !== null ? `(default: ${p.default})` : '(not set)'), p.options.map(o => h('option', { value: o }, o)))
      : h('input', { ...common, type: p.type === 'integer' ? 'number' : 'text', placeholder: p.default ?? '' });
  return h('div', { class: 'field' },
    h('label', { for: id }, p.name, p.required ? h('span', { class: 'required', title: 'required' }, ' * ', h('span', { class: 'visually-hidden' }, '(required)')) : null),
    input,
    h('div', { class: 'desc', id: `${id}-desc` },
      p.shortdesc || p.name, ` — type ${p.type}`, p.default !== null ? `, default ${p.default}` : '', p.unique ? ', unique' : '',
      p.longdesc && p.longdesc !== p.shortdesc ? h('details', {}, h('summary', {}, 'More'), p.longdesc) : null));
}

function operationRow(a) {
  const key = a.name + (a.role ? `-${a.role}` : '');
  return h('div', { class: 'row', dataset: { op: key } },
    h('div', {}, h('label', {}, h('input', { type: 'checkbox', class: 'op-on', checked: ['monitor', 'start', 'stop'].includes(a.name) && !a.role }), ` ${a.name}${a.role ? ` (${a.role})` : ''}`)),
    h('div', {}, h('label', { for: `op-${key}-interval` }, 'interval'), h('input', { id: `op-${key}-interval`, class: 'op-interval', value: a.interval ?? '0s', size: 6 })),
    h('div', {}, h('label', { for: `op-${key}-timeout` }, 'timeout'), h('input', { id: `op-${key}-timeout`, class: 'op-timeout', value: a.timeout ?? '', size: 6 })));
}

function crmOfForm() {
  const form = $('#create-form');
  const id = form.elements.id.value.trim();
  const agent = $('#agent-type').value;
  const params = [...form.querySelectorAll('[data-param]')].filter(e => e.value.trim() !== '').map(e => `${e.dataset.param}=${quote(e.value.trim())}`);
  const ops = [...form.querySelectorAll('[data-op]')].filter(r => r.querySelector('.op-on').checked).map(r => {
    const name = r.dataset.op.split('-')[0];
    const role = r.dataset.op.includes('-') ? ` role=${r.dataset.op.split('-')[1]}` : '';
    const timeout = r.querySelector('.op-timeout').value.trim();
    return `op ${name} interval=${r.querySelector('.op-interval').value.trim() || '0s'}${timeout ? ` timeout=${timeout}` : ''}${role}`;
  });
  if (editing) {
    params.push(...Object.entries(editing.params).filter(([k]) => !form.querySelector(`[data-param="${CSS.escape(k)}"]`)).map(([k, v]) => `${k}=${quote(v)}`));
    ops.push(...editing.otherOps);
  }
  const target = form.elements['target-role'].value;
  const meta = (target ? [`target-role=${target}`] : []).concat(Object.entries(editing?.meta ?? {}).filter(([k]) => k !== 'target-role').map(([k, v]) => `${k}=${quote(v)}`));
  let text = `primitive ${id || 'ID'} ${agent}`;
  if (params.length) text += ` \\\n\tparams ${params.join(' ')}`;
  if (meta.length) text += ` \\\n\tmeta ${meta.join(' ')}`;
  for (const op of ops) text += ` \\\n\t${op}`;
  return text + '\n';
}

async function chooseAgent(agent) {
  const slot = $('#agent-params');
  metadata = null;
  if (!agent) { put(slot); return; }
  put(slot, h('p', { class: 'muted' }, `Reading the meta-data of ${agent}…`));
  try {
    const { data } = await api(`/agents/${enc(agent)}`, { accept: 'application/xml' });
    metadata = parseMetadata(data);
  } catch (e) {
    put(slot, h('div', { class: 'message error' }, problemText(e)));
    return;
  }
  const current = metadata.parameters.filter(p => !p.deprecated);
  const deprecated = metadata.parameters.filter(p => p.deprecated);
  put(slot,
    h('p', {}, h('strong', {}, agent), ': ', metadata.shortdesc),
    listing?.source === 'nodes' ? h('p', { class: 'hint', id: 'agent-nodes' }, `Installed on ${(listing.installedOn[agent] ?? []).join(', ')}.`) : null,
    metadata.longdesc ? h('details', {}, h('summary', {}, 'About this agent'), h('p', {}, metadata.longdesc)) : null,
    h('fieldset', {}, h('legend', {}, 'Parameters (', h('span', { class: 'required' }, '*'), ' required)'),
      current.length ? current.map(field) : h('p', { class: 'muted' }, 'This agent takes no parameters.')),
    deprecated.length ? h('details', {}, h('summary', {}, `Deprecated parameters (${deprecated.length})`), deprecated.map(field)) : null,
    h('fieldset', {}, h('legend', {}, 'Operations (the agent\'s advised interval and timeout)'),
      metadata.actions.filter(a => !['meta-data', 'validate-all', 'usage', 'methods', 'reload', 'reload-agent', 'notify', 'migrate_to', 'migrate_from'].includes(a.name)).map(operationRow)));
  preview();
}

function preview() {
  if ($('#create-form')) $('#crm-preview').textContent = crmOfForm();
}

async function loadVersion() {
  const { etag } = await api('/configuration');
  formVersion = etag?.replace(/"/g, '');
  $('#form-version').textContent = `based on configuration version ${formVersion}`;
}

async function buildCreateForm() {
  try {
    listing = (await api('/agents')).data;
    agents = listing.agents;
  } catch (e) {
    put(createSlot, h('div', { class: 'message error' }, problemText(e)));
    return;
  }
  const parts = agents.map(a => a.split(':'));
  const classes = [...new Set(parts.map(p => p[0]))];
  const classSelect = h('select', { id: 'agent-class', name: 'class' }, h('option', { value: '' }, 'choose…'), classes.map(c => h('option', { value: c }, c)));
  const providerSelect = h('select', { id: 'agent-provider', name: 'provider' });
  const typeSelect = h('select', { id: 'agent-type', name: 'type' });
  const fillProviders = () => {
    const c = classSelect.value;
    const providers = [...new Set(parts.filter(p => p[0] === c && p.length === 3).map(p => p[1]))];
    put(providerSelect, ...(providers.length ? [h('option', { value: '' }, 'choose…'), ...providers.map(p => h('option', { value: p }, p))] : [h('option', { value: '' }, '(none)')]));
    providerSelect.disabled = providers.length === 0;
    fillTypes();
  };
  const fillTypes = () => {
    const c = classSelect.value;
    const p = providerSelect.value;
    const types = agents.filter(a => c === 'ocf' ? a.startsWith(`ocf:${p}:`) && p : a.startsWith(`${c}:`) && c);
    put(typeSelect, h('option', { value: '' }, types.length ? 'choose…' : '(choose the class and provider first)'), ...types.map(a => h('option', { value: a }, a.split(':').at(-1))));
    chooseAgent('');
  };
  const duration = ms => ms === null || ms === undefined ? '' : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
  /** Fills the form with a primitive of the configuration: its agent (fixed), parameters, target role and operations. */
  editForm = async id => {
    const { data: configuration } = await api('/configuration', { accept: 'application/json' });
    const p = configuration.resources.find(r => r.id === id && r.agent);
    if (!p) { say(`'${id}' is not a primitive of the configuration`, 'error'); return; }
    const agent = [p.agent.class, p.agent.provider, p.agent.type].filter(x => x).join(':');
    if (!agents.includes(agent)) { say(`${agent} is not among the agents ${listing.source === 'nodes' ? 'the nodes reported' : 'installed on this host'}: edit ${id} as crm text below.`, 'error'); return; }
    formVersion = String(configuration.version);
    $('#form-version').textContent = `based on configuration version ${formVersion}`;
    form.elements.id.value = id;
    form.elements.id.readOnly = true;
    classSelect.value = p.agent.class;
    fillProviders();
    providerSelect.value = p.agent.provider ?? '';
    fillTypes();
    typeSelect.value = agent;
    for (const select of [classSelect, providerSelect, typeSelect]) select.disabled = true;
    editing = null;
    await chooseAgent(agent);
    const known = new Set([...form.querySelectorAll('[data-op]')].map(r => r.dataset.op));
    const key = o => o.name + (o.attributes?.role ? `-${o.attributes.role}` : '');
    editing = {
      id, params: p.params ?? {}, meta: p.meta ?? {},
      otherOps: (p.operations ?? []).filter(o => !known.has(key(o))).map(o => `op ${o.name} interval=${duration(o.interval)}${o.timeout ? ` timeout=${duration(o.timeout)}` : ''}`),
    };
    for (const [k, v] of Object.entries(editing.params)) { const e = form.querySelector(`[data-param="${CSS.escape(k)}"]`); if (e) e.value = v; }
    form.elements['target-role'].value = editing.meta['target-role'] ?? '';
    for (const row of form.querySelectorAll('[data-op]')) {
      const op = (p.operations ?? []).find(o => key(o) === row.dataset.op);
      row.querySelector('.op-on').checked = !!op;
      if (op) { row.querySelector('.op-interval').value = duration(op.interval) || '0s'; row.querySelector('.op-timeout').value = duration(op.timeout); }
    }
    $('#h-create').textContent = `Edit primitive ${id}`;
    $('#create-button').textContent = 'Save changes';
    $('#cancel-edit').hidden = false;
    put(result);
    preview();
    form.elements.id.focus();
    form.scrollIntoView();
  };
  const endEdit = () => {
    editing = null;
    form.reset();
    form.elements.id.readOnly = false;
    for (const select of [classSelect, providerSelect, typeSelect]) select.disabled = false;
    fillProviders();
    $('#h-create').textContent = 'Create a primitive';
    $('#create-button').textContent = 'Create';
    $('#cancel-edit').hidden = true;
    loadVersion();
  };
  classSelect.addEventListener('change', fillProviders);
  providerSelect.addEventListener('change', fillTypes);
  typeSelect.addEventListener('change', () => chooseAgent(typeSelect.value));
  const result = h('div', { id: 'create-result', 'aria-live': 'polite' });
  const form = h('form', { id: 'create-form', novalidate: true, oninput: preview, onchange: preview },
    h('div', { class: 'row' },
      h('div', {}, h('label', { for: 'primitive-id' }, 'ID ', h('span', { class: 'required' }, '*')), h('input', { id: 'primitive-id', name: 'id', required: true, size: 18, autocomplete: 'off' })),
      h('div', {}, h('label', { for: 'agent-class' }, 'Class'), classSelect),
      h('div', {}, h('label', { for: 'agent-provider' }, 'Provider'), providerSelect),
      h('div', {}, h('label', { for: 'agent-type' }, 'Type'), typeSelect),
      h('div', {}, h('label', { for: 'target-role' }, 'Target role'),
        h('select', { id: 'target-role', name: 'target-role' }, h('option', { value: '' }, '(default: Started)'), h('option', { value: 'Stopped' }, 'Stopped'), h('option', { value: 'Started' }, 'Started')))),
    h('p', { class: 'hint', id: 'agent-source', dataset: { source: listing.source } },
      `Agents: ${listing.note}.`,
      Object.keys(listing.undescribed ?? {}).length ? ` ${Object.keys(listing.undescribed).length} more without meta-data (not offered).` : ''),
    h('div', { id: 'agent-params' }),
    h('details', {}, h('summary', {}, 'The crm text this creates'), h('pre', { id: 'crm-preview' })),
    h('p', { class: 'hint', id: 'form-version' }),
    h('button', { type: 'submit', class: 'primary command', id: 'create-button', disabled: !session.canAdmin,
      title: session.canAdmin ? undefined : 'only an admin changes the configuration' }, 'Create'),
    ' ', h('button', { type: 'button', id: 'cancel-edit', hidden: true, onclick: () => endEdit() }, 'Back to creating'),
    result);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const id = form.elements.id.value.trim();
    if (!id || !typeSelect.value) { put(result, h('div', { class: 'message error', role: 'alert' }, 'Give an ID and choose an agent (class, provider, type).')); return; }
    const missing = metadata?.parameters.filter(p => p.required && !form.querySelector(`[data-param="${CSS.escape(p.name)}"]`)?.value.trim()).map(p => p.name) ?? [];
    if (missing.length) { put(result, h('div', { class: 'message error', role: 'alert' }, `Required: ${missing.join(', ')}.`)); return; }
    if (editing) {
      try {
        const { data } = await api(`/configuration/objects/${enc(id)}`, { method: 'PUT', body: crmOfForm(), headers: { 'If-Match': `"${formVersion}"` } });
        put(result, h('div', { class: 'message ok', role: 'status' }, `Saved ${id}: configuration version ${data.configurationVersion ?? ''}.`));
        formVersion = String(data.configurationVersion ?? formVersion);
        $('#form-version').textContent = `based on configuration version ${formVersion}`;
      } catch (e) {
        if (e instanceof ApiError && e.status === 412) await showConflict(result, formVersion, e);
        else put(result, h('div', { class: 'message error', role: 'alert' }, problemText(e)));
      }
      return;
    }
    if (latest && primitives(latest).concat(latest.resources).some(r => r.id === id)) {
      put(result, h('div', { class: 'message error', role: 'alert' }, `'${id}' exists already: edit it below.`)); return;
    }
    try {
      const { data } = await api(`/configuration/objects/${enc(id)}`, { method: 'PUT', body: crmOfForm(), headers: { 'If-Match': `"${formVersion}"` } });
      put(result, h('div', { class: 'message ok', role: 'status' }, `Created ${id}: configuration version ${data.configurationVersion ?? ''}. It shows in the list above as the cluster places it.`));
      await loadVersion();
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        const text = crmOfForm();
        await showConflict(result, formVersion, e, () => createOnCurrent(id, text, result, v => { formVersion = v; $('#form-version').textContent = `based on configuration version ${v}`; }));
      }
      else if (e instanceof ApiError && Array.isArray(e.problem.errors) && e.problem.errors[0]?.line) {
        put(result, h('div', { class: 'message error', role: 'alert' }, problemText(e)));
      } else put(result, h('div', { class: 'message error', role: 'alert' }, problemText(e)));
    }
  });
  put(createSlot,
    session.canAdmin ? null : h('p', { class: 'message conflict' }, `Only an admin creates resources; your role is ${session.role}.`),
    form);
  await loadVersion();
}

// ---------------------------------------------------------------- one object as crm text
function buildObjectEditor() {
  const slot = $('#object-slot');
  let version = null;
  let loadedId = null;
  const idInput = h('input', { id: 'object-id', list: 'object-ids', size: 24, autocomplete: 'off' });
  const text = h('textarea', { id: 'object-text', rows: 6, 'aria-label': 'the object as crm text', readonly: !session.canAdmin });
  const result = h('div', { id: 'object-result', 'aria-live': 'polite' });
  const load = async () => {
    const id = idInput.value.trim();
    if (!id) return;
    try {
      const r = await api(`/configuration/objects/${enc(id)}`);
      text.value = r.data;
      version = r.etag?.replace(/"/g, '');
      loadedId = id;
      put(result, h('p', { class: 'hint' }, `${id} as of configuration version ${version}.`));
    } catch (e) { put(result, h('div', { class: 'message error', role: 'alert' }, problemText(e))); }
  };
  const save = async () => {
    if (!loadedId) return;
    try {
      const { data } = await api(`/configuration/objects/${enc(loadedId)}`, { method: 'PUT', body: text.value, headers: { 'If-Match': `"${version}"` } });
      put(result, h('div', { class: 'message ok', role: 'status' }, `Saved ${loadedId}: configuration version ${data.configurationVersion ?? ''}.`));
      await load();
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) await showConflict(result, version, e);
      else if (e instanceof ApiError && e.problem.errors?.[0]?.line) showErrors(result, e.problem.errors, text);
      else put(result, h('div', { class: 'message error', role: 'alert' }, problemText(e)));
    }
  };
  put(slot,
    h('div', { class: 'row' }, h('div', {}, h('label', { for: 'object-id' }, 'Resource, constraint or node ID'), idInput),
      h('button', { type: 'button', id: 'object-load', onclick: load }, 'Load')),
    h('datalist', { id: 'object-ids' }), text,
    h('div', { class: 'row' }, h('button', { type: 'button', class: 'primary command', id: 'object-save', onclick: save, disabled: !session.canAdmin }, 'Save')),
    result);
}

// ---------------------------------------------------------------- the whole configuration as crm text
function buildCrmEditor() {
  const slot = $('#crm-slot');
  let version = null;
  const text = h('textarea', { id: 'crm-text', rows: 18, spellcheck: 'false', 'aria-label': 'the configuration as crm text', readonly: !session.canAdmin });
  const result = h('div', { id: 'crm-result', 'aria-live': 'polite' });
  const versionNote = h('p', { class: 'hint', id: 'crm-version' });
  const load = async () => {
    const r = await api('/configuration');
    text.value = r.data;
    version = r.etag?.replace(/"/g, '');
    versionNote.textContent = `As of configuration version ${version}.`;
    put(result, );
  };
  const verify = async () => {
    try {
      const { data } = await api('/configuration/verify', { method: 'POST', body: text.value });
      if (!data.valid) { showErrors(result, data.errors, text); return; }
      put(result, h('div', { class: 'message ok', role: 'status' }, 'Valid. ',
        data.changes.length ? `Changes: ${data.changes.join('; ')}` : 'No changes.'),
        data.transition.length ? h('div', {}, h('p', {}, 'The cluster would then do:'), h('pre', {}, data.transition.join('\n'))) : null);
    } catch (e) { put(result, h('div', { class: 'message error', role: 'alert' }, problemText(e))); }
  };
  const apply = async () => {
    try {
      const { data } = await api('/configuration', { method: 'PUT', body: text.value, headers: { 'If-Match': `"${version}"` } });
      version = String(data.version);
      versionNote.textContent = `As of configuration version ${version}.`;
      put(result, h('div', { class: 'message ok', role: 'status' }, `Applied: version ${data.previousVersion} → ${data.version}.`,
        data.changes.length ? `\n${data.changes.join('\n')}` : ' Nothing changed.'));
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) await showConflict(result, version, e);
      else if (e instanceof ApiError && e.problem.errors?.[0]?.line) showErrors(result, e.problem.errors, text);
      else put(result, h('div', { class: 'message error', role: 'alert' }, problemText(e)));
    }
  };
  put(slot, versionNote, text,
    h('div', { class: 'row' },
      h('button', { type: 'button', id: 'crm-verify', onclick: verify }, 'Verify'),
      h('button', { type: 'button', class: 'primary command', id: 'crm-apply', onclick: apply, disabled: !session.canAdmin }, 'Apply'),
      h('button', { type: 'button', id: 'crm-reload', onclick: () => load().catch(e => say(problemText(e), 'error')) }, 'Reload (discard my text)')),
    result);
  load().catch(e => say(problemText(e), 'error'));
}

// ---------------------------------------------------------------- groups and constraints
/** Saves one new object (its crm text) based on the configuration version read when the section was drawn. */
const groupsVersionText = v => `Based on configuration version ${v}: a change that came in between is shown as a conflict, never overwritten.`;
function groupsVersion(version, v) {
  version.value = v;
  const note = $('#groups-version');
  if (note) note.textContent = groupsVersionText(v);
}

async function createObject(id, text, result, version) {
  try {
    const { data } = await api(`/configuration/objects/${enc(id)}`, { method: 'PUT', body: text, headers: { 'If-Match': `"${version.value}"` } });
    put(result, h('div', { class: 'message ok', role: 'status' }, `Saved ${id}: configuration version ${data.configurationVersion ?? ''}.`));
    groupsVersion(version, String(data.configurationVersion ?? version.value));
  } catch (e) {
    if (e instanceof ApiError && e.status === 412) await showConflict(result, version.value, e, () => createOnCurrent(id, text, result, v => groupsVersion(version, v)));
    else put(result, h('div', { class: 'message error', role: 'alert' }, problemText(e)));
  }
}

async function buildGroupsAndConstraints() {
  const slot = $('#groups-slot');
  let view;
  const version = { value: '' };
  try {
    const [{ data }, { etag }] = await Promise.all([api('/status'), api('/configuration')]);
    view = data;
    version.value = etag?.replace(/"/g, '') ?? '';
  } catch (e) { put(slot, h('div', { class: 'message error' }, problemText(e))); return; }
  const prims = primitives(view).map(r => r.id);
  const all = view.resources.map(r => r.id).concat(view.resources.flatMap(r => r.members.map(m => m.id)));
  const nodes = view.nodes.map(n => n.name);
  const options = (items, blank) => [blank ? h('option', { value: '' }, blank) : null, ...items.map(i => h('option', { value: i }, i))];
  const disabled = !session.canAdmin;
  const save = (label, id) => h('button', { type: 'submit', class: 'primary command', id, disabled }, label);

  // A group: its members in order, moved with Up and Down (keyboard: the buttons; the order is the start order).
  const members = [];
  const memberList = h('ol', { id: 'group-members', 'aria-label': 'members in start order' });
  const drawMembers = () => put(memberList, members.map((m, i) => h('li', { dataset: { member: m } }, `${m} `,
    h('button', { type: 'button', 'aria-label': `move ${m} up`, disabled: i === 0, onclick: () => { [members[i - 1], members[i]] = [members[i], members[i - 1]]; drawMembers(); } }, '↑'),
    h('button', { type: 'button', 'aria-label': `move ${m} down`, disabled: i === members.length - 1, onclick: () => { [members[i + 1], members[i]] = [members[i], members[i + 1]]; drawMembers(); } }, '↓'),
    h('button', { type: 'button', 'aria-label': `remove ${m}`, onclick: () => { members.splice(i, 1); drawMembers(); } }, 'Remove'))));
  const add = h('select', { id: 'group-add', dataset: { choices: 'primitives' } }, options(prims, 'choose a primitive…'));
  const groupResult = h('div', { 'aria-live': 'polite', id: 'group-result' });
  const groupForm = h('form', { id: 'group-form', novalidate: true },
    h('h3', {}, 'Group'),
    h('div', { class: 'row' }, h('div', {}, h('label', { for: 'group-id' }, 'ID'), h('input', { id: 'group-id', size: 18, autocomplete: 'off' })),
      h('div', {}, h('label', { for: 'group-add' }, 'Add a member'), add),
      h('button', { type: 'button', id: 'group-add-button', onclick: () => { if (add.value && !members.includes(add.value)) { members.push(add.value); drawMembers(); } } }, 'Add')),
    memberList, save('Save group', 'group-save'), groupResult);
  groupForm.addEventListener('submit', e => {
    e.preventDefault();
    const id = $('#group-id').value.trim();
    if (!id || members.length === 0) { put(groupResult, h('div', { class: 'message error', role: 'alert' }, 'A group needs an ID and at least one member.')); return; }
    createObject(id, `group ${id} ${members.join(' ')}\n`, groupResult, version);
  });

  const constraint = (kind, fields, text) => {
    const result = h('div', { 'aria-live': 'polite', id: `${kind}-result` });
    const form = h('form', { id: `${kind}-form`, novalidate: true }, h('h3', {}, kind[0].toUpperCase() + kind.slice(1)),
      h('div', { class: 'row' }, h('div', {}, h('label', { for: `${kind}-id` }, 'ID'), h('input', { id: `${kind}-id`, size: 18, autocomplete: 'off' })),
        fields.map(([name, label, control]) => h('div', {}, h('label', { for: `${kind}-${name}` }, label), control))),
      save(`Save ${kind}`, `${kind}-save`), result);
    form.addEventListener('submit', e => {
      e.preventDefault();
      const value = name => form.querySelector(`#${kind}-${name}`).value.trim();
      const id = value('id');
      if (!id || fields.some(([name]) => !value(name))) { put(result, h('div', { class: 'message error', role: 'alert' }, 'Fill in every field.')); return; }
      createObject(id, text(id, value) + '\n', result, version);
    });
    return form;
  };
  const select = (kind, name, items) => h('select', { id: `${kind}-${name}`, dataset: { choices: items === nodes ? 'nodes' : 'all' } }, options(items, 'choose…'));
  const score = (kind, initial) => h('input', { id: `${kind}-score`, value: initial, size: 10 });
  put(slot,
    session.canAdmin ? null : h('p', { class: 'message conflict' }, `Only an admin changes the configuration; your role is ${session.role}.`),
    h('div', { class: 'grid' },
      h('div', {}, groupForm),
      h('div', {},
        constraint('location', [['resource', 'Resource', select('location', 'resource', all)], ['node', 'Node', select('location', 'node', nodes)],
          ['score', 'Score (INFINITY, -INFINITY or a number)', score('location', '100')]], (id, v) => `location ${id} ${v('resource')} ${v('score')}: ${v('node')}`),
        constraint('colocation', [['resource', 'Resource', select('colocation', 'resource', all)], ['with', 'with', select('colocation', 'with', all)],
          ['score', 'Score', score('colocation', 'INFINITY')]], (id, v) => `colocation ${id} ${v('score')}: ${v('resource')} ${v('with')}`),
        constraint('order', [['first', 'First', select('order', 'first', all)], ['then', 'Then', select('order', 'then', all)],
          ['kind', 'Kind', h('select', { id: 'order-kind' }, ['Mandatory', 'Optional', 'Serialize'].map(k => h('option', { value: k }, k)))]],
          (id, v) => `order ${id} ${v('kind')}: ${v('first')} ${v('then')}`))),
    h('p', { class: 'hint', id: 'groups-version' }, groupsVersionText(version.value)));
}

buildCreateForm();
buildGroupsAndConstraints();
buildObjectEditor();
buildCrmEditor();
