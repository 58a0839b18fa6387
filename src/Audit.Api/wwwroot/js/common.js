// What every page shares: the session (from the page's meta elements), the API client (the session cookie, the
// antiforgery token on every request that changes something), a DOM builder that never parses data as HTML, the live
// status stream with its lost/back banner, and the command buttons (disabled for those whose role may not).

const meta = name => document.querySelector(`meta[name="${name}"]`)?.content ?? '';

export const session = {
  user: meta('ha-user'),
  role: meta('ha-role'),
  csrf: meta('ha-csrf'),
};
session.canOperate = session.role === 'Operator' || session.role === 'Admin';
session.canAdmin = session.role === 'Admin';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

/** Calls the API as the logged-in user; a JSON body or crm text; throws ApiError with the problem+json. */
export async function api(path, { method = 'GET', body, headers = {}, accept } = {}) {
  const h = { ...headers };
  if (method !== 'GET' && method !== 'HEAD') h['X-CSRF-TOKEN'] = session.csrf;
  let payload;
  if (typeof body === 'string') { payload = body; h['Content-Type'] ??= 'text/plain'; }
  else if (body !== undefined) { payload = JSON.stringify(body); h['Content-Type'] = 'application/json'; }
  if (accept) h.Accept = accept;
  const response = await fetch('/api/v1' + path, { method, headers: h, body: payload, credentials: 'same-origin' });
  if (response.status === 401) {
    location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
    throw new ApiError(401, { detail: 'the session has ended' });
  }
  const type = response.headers.get('content-type') || '';
  const data = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, typeof data === 'object' ? data : { detail: data });
  return { data, etag: response.headers.get('ETag'), response };
}

/** An element: h('td', {class: 'x', onclick: f}, 'text', child...). Text is always text. */
export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** The message area of a page (an aria-live region): what a command did, or why it was refused. */
export function say(text, kind = 'ok', where = $('#messages')) {
  if (!where) return;
  put(where, h('div', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text));
}

export function problemText(e) {
  if (!(e instanceof ApiError)) return String(e);
  const p = e.problem;
  let text = `${e.status} ${p.code ?? ''}: ${p.detail ?? p.title ?? ''}`;
  if (Array.isArray(p.errors)) text += '\n' + p.errors.map(x => (x.line ? `line ${x.line}, column ${x.column}: ` : '') + (x.message ?? JSON.stringify(x))).join('\n');
  return text;
}

/**
 * A command button: only enabled when the user's role may send it (the server checks again); on click it sends the
 * command and says what was appended and what the cluster now calls for.
 */
export function commandButton(label, path, { body, needs = 'operate', describe } = {}) {
  const allowed = needs === 'admin' ? session.canAdmin : session.canOperate;
  return h('button', {
    type: 'button', class: 'command', disabled: !allowed,
    title: allowed ? undefined : `your role (${session.role}) may not do this`,
    'aria-label': describe,
    dataset: { key: `${path} ${label}` },
    onclick: async event => {
      const button = event.currentTarget;
      button.disabled = true;
      try {
        const payload = typeof body === 'function' ? body() : body;
        // One key per click: a request the network repeats is carried out once (the API's Idempotency-Key).
        const key = globalThis.crypto?.randomUUID?.();
        const { data } = await api(path, { method: 'POST', body: payload, headers: key ? { 'Idempotency-Key': key } : {} });
        const events = (data.events ?? []).map(e => e.type).join(', ') || 'nothing (already so)';
        const transition = (data.transition ?? []).join('\n');
        say(`${describe ?? label}: done. Appended: ${events}${transition ? '\nThe cluster now calls for:\n' + transition : ''}`);
      } catch (e) {
        say(`${describe ?? label}: refused. ${problemText(e)}`, 'error');
      } finally {
        button.disabled = false;
      }
    },
  }, label);
}

/** The header: the pages, who is logged in and with which role (an auditor's is marked read-only), and log out. */
export function header(current) {
  const pages = [['/', 'Dashboard'], ['/resources', 'Resources'], ['/history', 'History'], ['/replay', 'Replay']];
  const logout = async () => {
    await fetch('/api/v1/auth/session', { method: 'DELETE', credentials: 'same-origin', headers: { 'X-CSRF-TOKEN': session.csrf } });
    location.assign('/login');
  };
  const top = h('header', { class: 'top' },
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h('span', { class: 'brand' }, 'Ha.EventSourced'),
    h('nav', { 'aria-label': 'Pages' }, h('ul', {}, pages.map(([href, text]) =>
      h('li', {}, h('a', { href, 'aria-current': href === current ? 'page' : undefined }, text))))),
    h('div', { class: 'who' },
      h('span', {}, session.user, ' ', h('span', { class: 'badge', id: 'role' }, session.role)),
      session.canOperate ? null : h('span', { class: 'badge readonly', id: 'read-only' }, 'read-only: you can see everything and change nothing'),
      h('button', { type: 'button', onclick: logout }, 'Log out')));
  document.body.prepend(top);
}

/** Runs a redraw; a keyboard user's focus stays on the same button or field (by its data-key) when the tables are redrawn. */
export function keepingFocus(redraw) {
  const key = document.activeElement?.dataset?.key;
  redraw();
  if (key && document.activeElement === document.body) document.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

/**
 * Follows GET /status/stream: each new status to onStatus, no reload; the banner says when the stream is lost and when
 * it is back (EventSource reconnects with Last-Event-ID; a closed stream is opened again).
 */
export function followStatus(onStatus, banner = $('#stream-banner')) {
  let lost = false;
  let source;
  let hideTimer;
  const dot = $('#live');
  const show = (text, kind) => {
    clearTimeout(hideTimer);
    banner.hidden = false;
    banner.className = `banner ${kind}`;
    banner.textContent = text;
  };
  const open = () => {
    source = new EventSource('/api/v1/status/stream');
    source.addEventListener('status', e => keepingFocus(() => onStatus(JSON.parse(e.data))));
    source.onopen = () => {
      dot?.classList.remove('off');
      if (dot) dot.title = 'live';
      if (lost) {
        lost = false;
        show('Live status is back.', 'back');
        hideTimer = setTimeout(() => { banner.hidden = true; }, 8000);
      }
    };
    source.onerror = () => {
      dot?.classList.add('off');
      if (dot) dot.title = 'not live';
      if (!lost) show('Live status lost: the page shows the last status it had; reconnecting…', 'lost');
      lost = true;
      if (source.readyState === EventSource.CLOSED) {
        // A refused stream (the session ended: the API call sends to the login page) or the server gone: try again.
        setTimeout(async () => { try { await api('/status'); } catch { /* the next attempt says */ } open(); }, 2000);
      }
    };
  };
  open();
  return { close: () => source.close() };
}

export const fmtTime = t => t ? new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
export const fmtMs = ms => ms === null || ms === undefined ? '' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;

/** Replaces an element's children, leaving out the nulls of optional parts. */
export function put(element, ...children) {
  element.replaceChildren(...children.flat(Infinity).filter(c => c !== null && c !== undefined && c !== false));
}
