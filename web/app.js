// The Hexagone console (docs/console.md): a small single-page app on the server's API with the
// user's token. Hash routes (#/jobs/42); every page re-reads what it shows every 5 s while the
// tab is visible. Text from the API goes into the page as text nodes only (never as HTML).
'use strict';

const POLL_MS = 5000;
const state = { token: sessionStorage.getItem('hexa.token') || '', who: null, timer: 0, page: null };
try { state.who = JSON.parse(sessionStorage.getItem('hexa.who') || 'null'); } catch (e) { state.who = null; }

// --- DOM helpers -----------------------------------------------------------------------------
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}
function svg(tag, attrs) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  return el;
}
function table(headers, rows) {
  return h('table', {},
    h('thead', {}, h('tr', {}, headers.map((c) => h('th', { class: c.endsWith(' #') ? 'num' : null }, c.replace(/ #$/, ''))))),
    h('tbody', {}, rows));
}
const td = (v, cls) => h('td', { class: cls || null }, v);
const num = (v) => td(v, 'num');
const badge = (s) => h('span', { class: 'state ' + s }, s);
const card = (title, ...kids) => h('section', { class: 'card' }, title ? h('h2', {}, title) : null, kids);

// --- formatting ------------------------------------------------------------------------------
const fmtTime = (ms) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—');
const fmtShort = (ms) => (ms ? new Date(ms).toISOString().slice(5, 19).replace('T', ' ') : '—');
const fmtCredits = (micro) => (micro === null || micro === undefined ? '—' : (micro / 1e6).toLocaleString('en', { maximumFractionDigits: 2 }));
function fmtAge(ms) {
  if (ms === null || ms === undefined) return '—';
  const s = Math.round(ms / 1000);
  if (s < 120) return s + ' s';
  if (s < 7200) return Math.round(s / 60) + ' min';
  return (s / 3600).toFixed(1) + ' h';
}
const pct = (v) => (v === null || v === undefined ? '—' : v.toFixed(1) + ' %');

// --- the API ---------------------------------------------------------------------------------
class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}
async function api(path, opts) {
  const r = await fetch(path, Object.assign({ headers: { Authorization: 'Bearer ' + state.token } }, opts || {}));
  if (r.status === 401) { logout(); throw new ApiError(401, 'your token was refused; log in again'); }
  if (!r.ok) {
    let detail = r.statusText;
    try { detail = (await r.json()).detail || detail; } catch (e) { /* not JSON */ }
    throw new ApiError(r.status, detail);
  }
  return r;
}
const getJson = async (path) => (await api(path)).json();
const role = () => (state.who ? state.who.role : '');
const isOperator = () => role() === 'admin' || role() === 'operator';

// A page's answer to an error: 404 reads "not found", 403 "not allowed", anything else as said.
function errorBox(e) {
  if (e.status === 404) return h('div', { class: 'card notfound', id: 'not-found' }, h('h1', {}, 'Not found'), h('p', { class: 'muted' }, e.message));
  if (e.status === 403) return h('div', { class: 'card notfound', id: 'forbidden' }, h('h1', {}, 'Not allowed'), h('p', { class: 'muted' }, e.message));
  return h('div', { class: 'error' }, String(e.message || e));
}

// --- login -----------------------------------------------------------------------------------
function loginPage() {
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', placeholder: 'hexa_…' });
  const msg = h('p', { class: 'muted', id: 'login-message' }, 'Paste your API token (hexa token create …). It stays in this tab only.');
  const form = h('form', { class: 'card login', id: 'login' }, h('h1', {}, 'Log in'), msg, input,
    h('button', { type: 'submit', id: 'login-button' }, 'Log in'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    if (!/^hexa_[0-9a-f]{64}$/.test(token)) { msg.textContent = 'A token is hexa_ followed by 64 hex digits.'; msg.className = 'error'; return; }
    const r = await fetch('/v1/whoami', { headers: { Authorization: 'Bearer ' + token } });
    if (!r.ok) { msg.textContent = 'The server refused this token.'; msg.className = 'error'; return; }
    state.token = token;
    state.who = await r.json();
    sessionStorage.setItem('hexa.token', token);
    sessionStorage.setItem('hexa.who', JSON.stringify(state.who));
    location.hash = '#/overview';
  });
  return { title: 'Log in', render: async () => form, poll: false };
}
function logout() {
  sessionStorage.removeItem('hexa.token');
  sessionStorage.removeItem('hexa.who');
  state.token = '';
  state.who = null;
  location.hash = '#/login';
}

// --- overview --------------------------------------------------------------------------------
const KINDS = ['busy', 'free', 'reserved', 'down', 'draining'];
// Power and carbon rate; "unknown" where the server has none (watts or intensity not configured).
function fmtKw(kw) { return kw === null || kw === undefined ? 'unknown' : kw.toFixed(kw < 10 ? 2 : 1) + ' kW'; }
function fmtKgH(kg) { return kg === null || kg === undefined ? 'unknown' : kg.toFixed(kg < 10 ? 2 : 1) + ' kgCO2e/h'; }
function siteBar(s) {
  const bar = h('div', { class: 'bar', title: KINDS.map((k) => k + ' ' + s[k]).join(', ') });
  for (const k of KINDS) {
    if (!s[k] || !s.gpus) continue;
    const part = h('span', { class: k });
    part.style.width = (100 * Math.min(s[k], s.gpus) / s.gpus) + '%';
    bar.append(part);
  }
  return bar;
}
function historyChart(history) {
  if (history.length < 2) return h('p', { class: 'muted' }, 'The server samples once a minute; the chart fills in as it runs (' + history.length + ' sample so far).');
  const W = 800, H = 170, L = 40, B = 20;
  const t0 = history[0].at_ms, t1 = history[history.length - 1].at_ms;
  const maxQ = Math.max(1, ...history.map((s) => s.pending_jobs));
  const x = (t) => L + (W - L - 10) * (t - t0) / Math.max(1, t1 - t0);
  const y = (v) => 10 + (H - B - 10) * (1 - v);
  const line = (f) => history.map((s, i) => (i ? 'L' : 'M') + x(s.at_ms).toFixed(1) + ' ' + y(f(s)).toFixed(1)).join(' ');
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img' });
  chart.append(svg('line', { class: 'axis', x1: L, y1: y(0), x2: W - 10, y2: y(0) }), svg('line', { class: 'axis', x1: L, y1: y(1), x2: W - 10, y2: y(1) }));
  chart.append(svg('path', { class: 'util', d: line((s) => (s.total_gpus ? s.busy_gpus / s.total_gpus : 0)) }));
  chart.append(svg('path', { class: 'queue', d: line((s) => s.pending_jobs / maxQ) }));
  const powered = history.filter((s) => s.power_kw !== null && s.power_kw !== undefined);
  const maxP = Math.max(0, ...powered.map((s) => s.power_kw));
  if (powered.length >= 2 && maxP > 0) {
    const pline = powered.map((s, i) => (i ? 'L' : 'M') + x(s.at_ms).toFixed(1) + ' ' + y(s.power_kw / maxP).toFixed(1)).join(' ');
    chart.append(svg('path', { class: 'power', d: pline }));
  }
  const label = (tx, ty, text) => { const el = svg('text', { x: tx, y: ty }); el.textContent = text; return el; };
  chart.append(label(2, y(1) + 4, '100%'), label(2, y(0), '0'), label(L, H - 4, fmtTime(t0).slice(11, 16)), label(W - 50, H - 4, fmtTime(t1).slice(11, 16)));
  return h('div', {}, chart, h('p', { class: 'legend muted' }, h('span', { class: 'busy' }), 'GPUs busy (% of all)', h('span', { class: 'draining' }), 'jobs waiting (max ' + maxQ + ')',
    maxP > 0 ? [h('span', { class: 'power' }), 'power (max ' + fmtKw(maxP) + ')'] : null));
}
function overviewPage() {
  return {
    title: 'Overview',
    render: async () => {
      const o = await getJson('/v1/overview');
      const total = o.sites.reduce((a, s) => { for (const k of ['gpus'].concat(KINDS)) a[k] = (a[k] || 0) + s[k]; return a; }, {});
      const sites = table(['Site', 'GPUs #', 'Busy #', 'Free #', 'Reserved #', 'Down #', 'Draining #', 'Power #', 'Carbon #', ''],
        o.sites.map((s) => h('tr', {}, td(s.name), num(s.gpus), num(s.busy), num(s.free), num(s.reserved), num(s.down), num(s.draining),
          num(fmtKw(s.power && s.power.kw)), num(fmtKgH(s.power && s.power.carbon_kg_per_h)), td(siteBar(s)))));
      const queue = o.queue.length
        ? table(['Tenant class', 'Waiting jobs #', 'Waiting GPUs #', 'Running jobs #', 'Running GPUs #'],
          o.queue.map((q) => h('tr', {}, td(q.kind), num(q.pending_jobs), num(q.pending_gpus), num(q.running_jobs), num(q.running_gpus))))
        : h('p', { class: 'muted' }, 'Nothing waits or runs.');
      const alerts = o.alerts.length ? o.alerts.map((a) => h('div', { class: 'alert ' + a.kind }, a.text, a.at_ms ? h('span', { class: 'muted' }, ' · ' + fmtTime(a.at_ms)) : null))
        : h('p', { class: 'muted' }, 'No alerts.');
      return h('div', { id: 'overview' },
        h('h1', {}, 'Overview'),
        h('div', { class: 'card stats' },
          h('div', {}, h('div', { class: 'big' }, total.busy + ' / ' + total.gpus), h('div', { class: 'muted' }, 'GPUs busy')),
          h('div', {}, h('div', { class: 'big' }, String(total.free)), h('div', { class: 'muted' }, 'GPUs free')),
          h('div', {}, h('div', { class: 'big' }, String(total.down)), h('div', { class: 'muted' }, 'GPUs down')),
          h('div', {}, h('div', { class: 'big' }, String(o.queue.reduce((a, q) => a + q.pending_jobs, 0))), h('div', { class: 'muted' }, 'jobs waiting')),
          h('div', { id: 'power-now', title: (o.power && o.power.note) || '' }, h('div', { class: 'big' }, fmtKw(o.power && o.power.kw)), h('div', { class: 'muted' }, 'power now (PUE included)')),
          h('div', { id: 'carbon-now', title: (o.power && o.power.note) || '' }, h('div', { class: 'big' }, fmtKgH(o.power && o.power.carbon_kg_per_h)), h('div', { class: 'muted' }, 'carbon now'))),
        card('Sites', sites, h('p', { class: 'legend muted' }, KINDS.map((k) => [h('span', { class: k }), k]))),
        h('div', { class: 'grid' }, card('Queue by tenant class', queue), card('Alerts', alerts)),
        card('Utilisation and queue, last hours', historyChart(o.history)));
    },
  };
}

// --- jobs ------------------------------------------------------------------------------------
const STATES = ['', 'pending', 'running', 'finished', 'failed', 'cancelled', 'timeout', 'rejected'];
function jobsPage(params) {
  const q = new URLSearchParams(params);
  const go = (changes) => {
    const next = new URLSearchParams(q);
    for (const [k, v] of Object.entries(changes)) { if (v) next.set(k, v); else next.delete(k); }
    location.hash = '#/jobs' + (next.toString() ? '?' + next.toString() : '');
  };
  return {
    title: 'Jobs',
    render: async () => {
      const apiq = new URLSearchParams({ limit: '50' });
      for (const k of ['state', 'tenant', 'cursor']) if (q.get(k)) apiq.set(k, q.get(k));
      const list = await getJson('/v1/jobs?' + apiq.toString());
      const stateSel = h('select', { id: 'filter-state' }, STATES.map((s) => h('option', { value: s, selected: s === (q.get('state') || '') }, s || 'any')));
      const tenantIn = h('input', { id: 'filter-tenant', value: q.get('tenant') || '', placeholder: 'any' });
      const form = h('form', { class: 'filters' }, h('label', {}, 'State', stateSel), h('label', {}, 'Tenant (and its sub-tenants)', tenantIn),
        h('button', { type: 'submit' }, 'Filter'));
      form.addEventListener('submit', (ev) => { ev.preventDefault(); go({ state: stateSel.value, tenant: tenantIn.value.trim(), cursor: '' }); });
      const rows = list.jobs.map((j) => h('tr', { 'data-job': j.id },
        td(h('a', { href: '#/jobs/' + j.id }, String(j.id))), td(j.name), td(j.tenant), td(badge(j.state)), num(j.gpus),
        td(fmtShort(j.submitted_ms)), td(fmtShort(j.ended_ms)), td(j.reason, 'muted')));
      const pager = h('div', { class: 'pager' },
        q.get('cursor') ? h('button', { class: 'secondary', type: 'button', onclick: () => go({ cursor: '' }) }, 'First page') : null,
        list.next_cursor ? h('button', { class: 'secondary', type: 'button', id: 'next-page', onclick: () => go({ cursor: list.next_cursor }) }, 'Next page') : null,
        h('span', { class: 'muted' }, list.jobs.length + ' jobs on this page, newest first'));
      return h('div', { id: 'jobs' }, h('h1', {}, 'Jobs'), card(null, form,
        list.jobs.length ? table(['Id', 'Name', 'Tenant', 'State', 'GPUs #', 'Submitted (UTC)', 'Ended (UTC)', 'Reason'], rows) : h('p', { class: 'muted' }, 'No jobs.'), pager));
    },
  };
}

async function logTail(id) {
  const first = await api(`/v1/jobs/${id}/logs?offset=0`);
  const size = Number(first.headers.get('X-Hexa-Log-Size') || 0);
  const TAIL = 8192;
  const text = size > TAIL ? await (await api(`/v1/jobs/${id}/logs?offset=${size - TAIL}`)).text() : await first.text();
  return text || '(no output yet)';
}

// Submitted, then each run segment (the server keeps the last 50) with its start, its end and how
// it ended, on which nodes; then ended or what it does now.
function timeline(j) {
  const items = [['Submitted', j.submitted_ms]];
  const segs = j.segments || [];
  if (segs.length) {
    for (const s of segs) {
      const on = s.nodes.length ? ' on ' + s.nodes.join(', ') : '';
      items.push([(s.segment > 1 ? 'Resumed' : 'Started') + ' (segment ' + s.segment + ')' + on, s.started_ms]);
      if (s.ended_ms) items.push([cap(s.how) + ' (segment ' + s.segment + ')', s.ended_ms]);
    }
  } else {
    if (j.started_ms) items.push(['Started', j.started_ms]);
    if (j.restarts > 0) items.push(['Preempted and resumed ' + j.restarts + ' time' + (j.restarts > 1 ? 's' : '') + ' (run segment ' + j.segment + ')', null]);
  }
  if (j.ended_ms) items.push(['Ended: ' + j.state, j.ended_ms]);
  else items.push([j.state === 'running' ? 'Running' : 'Waiting', null]);
  return h('ol', { class: 'timeline' }, items.map(([what, at]) => h('li', {}, what, at ? h('span', { class: 'muted' }, ' · ' + fmtTime(at)) : null)));
}

function cap(text) { return text ? text[0].toUpperCase() + text.slice(1) : ''; }

function jobPage(id) {
  return {
    title: 'Job ' + id,
    render: async () => {
      let j;
      try { j = await getJson('/v1/jobs/' + encodeURIComponent(id)); } catch (e) {
        if (e.status === 404) return errorBox(new ApiError(404, 'No job ' + id + ' that you may see.'));
        throw e;
      }
      const live = j.state === 'pending' || j.state === 'running';
      const cancel = live ? h('button', { class: 'danger', type: 'button', id: 'cancel-job' }, 'Cancel job') : null;
      if (cancel) cancel.addEventListener('click', async () => {
        cancel.disabled = true;
        try { await api('/v1/jobs/' + j.id, { method: 'DELETE' }); } catch (e) { cancel.replaceWith(errorBox(e)); return; }
        refresh();
      });
      const facts = [['Tenant', j.tenant], ['State', badge(j.state)], ['Reason', j.reason], ['GPUs', j.gpus + (j.gpu_type ? ' × ' + j.gpu_type : '') + (j.slice ? ' (' + j.slice + ')' : '')],
        ['Site asked', j.site || 'any'], ['Nodes', (j.nodes || []).join(', ') || '—'],
        ['GPU indices', (j.gpu_indices || []).map((g) => '[' + g.join(',') + ']').join(' ') || '—'],
        ['Priority', j.priority + (j.preemptible ? ', preemptible' : '')], ['Time limit', fmtAge(j.time_limit_s * 1000)],
        ['Command', (j.command || []).join(' ')], ['Credits so far', fmtCredits(j.credits_micro)], ['Run time', fmtAge(j.run_ms)]];
      if (j.state === 'pending' && ('estimated_start_ms' in j || 'estimated_start_note' in j))
        facts.splice(3, 0, ['Estimated start', (j.estimated_start_ms ? fmtTime(j.estimated_start_ms) : 'unknown') + (j.estimated_start_note ? ' — ' + j.estimated_start_note : '')]);
      if (j.exit_code !== null && j.exit_code !== undefined) facts.push(['Exit code', String(j.exit_code)]);
      let log;
      try { log = await logTail(j.id); } catch (e) { log = 'Log unavailable: ' + e.message; }
      return h('div', { id: 'job', 'data-state': j.state },
        h('h1', {}, 'Job ' + j.id + ' · ' + j.name + ' ', badge(j.state)),
        h('div', { class: 'grid' },
          card('Details', h('dl', { class: 'kv' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])), cancel ? h('p', {}, cancel) : null),
          card('Timeline', timeline(j))),
        card('Log tail (stdout, rank 0)', h('pre', { class: 'log', id: 'log' }, log)));
    },
  };
}

// --- tenants ---------------------------------------------------------------------------------
function quotaText(qs) {
  if (!qs || !qs.length) return '—';
  return qs.map((q) => (q.gpu_type ? q.gpu_type + ': ' : '') + [q.max_gpus !== null ? 'max ' + q.max_gpus + ' GPUs' : null,
    q.guaranteed_gpus !== null ? q.guaranteed_gpus + ' guaranteed' : null, q.max_running !== null ? q.max_running + ' running' : null,
    q.max_queued !== null ? q.max_queued + ' queued' : null].filter(Boolean).join(', ')).join('; ');
}
function tenantsPage() {
  return {
    title: 'Tenants',
    render: async () => {
      const [list, o] = await Promise.all([getJson('/v1/tenants'), getJson('/v1/overview')]);
      const share = Object.fromEntries(o.fair_share.map((f) => [f.tenant, f]));
      const byParent = {};
      const names = new Set(list.tenants.map((t) => t.name));
      for (const t of list.tenants) { const p = names.has(t.parent) ? t.parent : ''; (byParent[p] = byParent[p] || []).push(t); }
      const rows = [];
      const walk = (parent, depth) => {
        for (const t of (byParent[parent] || []).sort((a, b) => a.name.localeCompare(b.name))) {
          const f = share[t.name] || {};
          const over = f.usage_pct > f.share_pct * 1.1, under = f.usage_pct < f.share_pct * 0.9;
          rows.push(h('tr', {}, td(h('span', { class: 'tree-pad-' + Math.min(depth, 4) }, t.name)), td(t.kind), num(t.weight), num(t.running_gpus), num(t.running_jobs), num(t.pending_jobs),
            td(quotaText(t.quotas), 'muted'), num(pct(f.share_pct)), num(pct(f.usage_pct)),
            td(f.share_pct === undefined ? '—' : !f.usage_gpu_h ? 'no recent use' : over ? 'above its share' : under ? 'below its share' : 'at its share')));
          walk(t.name, depth + 1);
        }
      };
      walk('', 0);
      return h('div', { id: 'tenants' }, h('h1', {}, 'Tenants'), card(null,
        table(['Tenant', 'Class', 'Weight #', 'Running GPUs #', 'Running jobs #', 'Waiting jobs #', 'Quotas', 'Share #', 'Recent use #', 'Fair share'], rows),
        h('p', { class: 'muted' }, 'Share: the tenant\'s weight among its siblings. Recent use: its share of their GPU time, decayed by the fair-share half-life.')));
    },
  };
}

// --- credits ---------------------------------------------------------------------------------
async function downloadCsv(tenant) {
  const r = await api('/v1/tenants/' + encodeURIComponent(tenant) + '/statement?format=csv');
  const url = URL.createObjectURL(await r.blob());
  const a = h('a', { href: url, download: 'statement-' + tenant + '.csv' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
function creditsPage(params) {
  const q = new URLSearchParams(params);
  return {
    title: 'Credits',
    render: async () => {
      if (role() === 'operator') return h('div', { id: 'credits' }, h('h1', {}, 'Credits'), card(null, h('p', { class: 'muted' }, 'Money is shown to admins and to tenants\' members, not to operators.')));
      const tenants = (await getJson('/v1/tenants')).tenants.map((t) => t.name);
      const tenant = q.get('tenant') || (state.who && state.who.tenant) || tenants[0];
      if (!tenant) return h('p', { class: 'muted' }, 'No tenants.');
      let b, c, st;
      try {
        [b, c, st] = await Promise.all([getJson(`/v1/tenants/${encodeURIComponent(tenant)}/balance`), getJson(`/v1/tenants/${encodeURIComponent(tenant)}/credits`),
          getJson(`/v1/tenants/${encodeURIComponent(tenant)}/statement`)]);
      } catch (e) { return errorBox(e); }
      const pick = h('select', { id: 'credits-tenant' }, tenants.map((t) => h('option', { value: t, selected: t === tenant }, t)));
      pick.addEventListener('change', () => { location.hash = '#/credits?tenant=' + encodeURIComponent(pick.value); });
      const grants = c.grants.length ? table(['Grant', 'Programme', 'Granted #', 'Left #', 'Starts (UTC)', 'Expires (UTC)', ''],
        c.grants.map((g) => h('tr', {}, td(g.id), td(g.programme), num(fmtCredits(g.credits_micro)), num(fmtCredits(g.left_micro)), td(fmtShort(g.starts_ms)), td(fmtShort(g.expires_ms)), td(g.live ? 'live' : 'not live', 'muted'))))
        : h('p', { class: 'muted' }, 'No grants.');
      const bu = c.budget;
      const budget = bu ? h('dl', { class: 'kv' },
        h('dt', {}, 'Period'), h('dd', {}, fmtAge(bu.period_s * 1000) + ', ends ' + fmtTime(bu.period_ends_ms)),
        h('dt', {}, 'Credits'), h('dd', {}, fmtCredits(bu.used_micro) + (bu.limit_micro !== null ? ' of ' + fmtCredits(bu.limit_micro) : '')),
        h('dt', {}, 'GPU-hours'), h('dd', {}, bu.used_gpu_hours.toFixed(1) + (bu.gpu_hours !== null ? ' of ' + bu.gpu_hours : '')),
        h('dt', {}, 'Kind'), h('dd', {}, bu.hard ? 'hard: starts beyond it are refused' : 'soft: alerts only'))
        : h('p', { class: 'muted' }, 'No budget.');
      const recent = (st.jobs || []).slice(-15).reverse();
      const csv = h('button', { type: 'button', class: 'secondary', id: 'download-csv' }, 'Download CSV');
      csv.addEventListener('click', () => downloadCsv(tenant).catch((e) => csv.replaceWith(errorBox(e))));
      const totals = st.totals || {};
      return h('div', { id: 'credits' }, h('h1', {}, 'Credits'), h('form', { class: 'filters' }, h('label', {}, 'Tenant', pick)),
        h('div', { class: 'card stats' },
          h('div', {}, h('div', { class: 'big' }, fmtCredits(b.spendable_micro)), h('div', { class: 'muted' }, 'spendable credits')),
          h('div', {}, h('div', { class: 'big' }, fmtCredits(b.balance_micro)), h('div', { class: 'muted' }, 'balance (held included)')),
          h('div', {}, h('div', { class: 'big' }, fmtCredits(b.burn_rate_micro_per_h) + ' /h'), h('div', { class: 'muted' }, 'burn rate now')),
          h('div', {}, h('div', { class: 'big' }, b.runway_h === null ? '—' : b.runway_h >= 48 ? (b.runway_h / 24).toFixed(1) + ' days' : b.runway_h + ' h'), h('div', { class: 'muted' }, 'runway')),
          h('div', {}, h('div', { class: 'big' }, fmtCredits(b.consumed_micro)), h('div', { class: 'muted' }, 'consumed'))),
        h('div', { class: 'grid' }, card('Grants', grants), card('Budget', budget)),
        card('Statement', h('p', {}, 'Opening ' + st.opening + ' · grants ' + totals.grants + ' · top-ups ' + totals.topups + ' · usage ' + totals.usage +
          ' · refunds ' + totals.refunds + ' · expiries ' + totals.expiries + ' · closing ' + st.closing + ' ', csv),
        recent.length ? table(['At', 'Job', 'GPU type', 'Site', 'Amount #'], recent.map((l) => h('tr', {}, td(fmtTime(l.at)), td(String(l.job || '')), td(l.gpu_type || ''), td(l.site || ''), num(l.amount))))
          : h('p', { class: 'muted' }, 'No usage in this period.')));
    },
  };
}

// --- nodes -----------------------------------------------------------------------------------
// A sliced node's GPUs: "GPU 0: 1g.10gb, 2g.20gb (5 of 8 slots free)"; "—" for whole GPUs.
function sliceText(n) {
  if (!n.slices) return '—';
  const busy = n.slices.filter((g) => g.in_use.length);
  if (!busy.length) return 'none (' + n.slices.length + ' GPU' + (n.slices.length === 1 ? '' : 's') + ' free)';
  return busy.map((g) => h('div', {}, 'GPU ' + g.gpu + ': ' + g.in_use.join(', ') + ' (' + g.free_slots + ' of 8 slots free)'));
}
function nodesPage() {
  const act = async (name, what, body) => {
    await api(`/v1/nodes/${encodeURIComponent(name)}/${what}`, { method: 'POST', body: body ? JSON.stringify(body) : undefined, headers: { Authorization: 'Bearer ' + state.token, 'Content-Type': 'application/json' } });
    refresh();
  };
  return {
    title: 'Nodes',
    render: async () => {
      const list = await getJson('/v1/nodes');
      const rows = list.nodes.map((n) => {
        let actions = null;
        if (isOperator()) {
          if (n.state === 'up') {
            const reason = h('input', { placeholder: 'reason', class: 'drain-reason' });
            actions = h('span', {}, reason, ' ', h('button', { type: 'button', class: 'secondary', 'data-drain': n.name, onclick: () => act(n.name, 'drain', reason.value ? { reason: reason.value } : null).catch(showError) }, 'Drain'));
          } else if (n.state === 'draining') {
            actions = h('button', { type: 'button', class: 'secondary', 'data-resume': n.name, onclick: () => act(n.name, 'resume').catch(showError) }, 'Resume');
          }
        }
        return h('tr', { 'data-node': n.name }, td(n.name), td(n.site), td(n.block), td(n.gpu_type + (n.sliced ? ' (sliced)' : '')), td(badge(n.state)),
          td(sliceText(n), 'slices'),
          num(n.free_gpus + ' / ' + n.gpus), num(fmtAge(n.heartbeat_age_ms)), num(n.jobs ? String(n.jobs.length) : '—'),
          td(n.drain_reason ? n.drain_reason + (n.drain_deadline_ms ? ' (until ' + fmtShort(n.drain_deadline_ms) + ' UTC)' : '') : '', 'muted'), td(actions, 'actions'));
      });
      return h('div', { id: 'nodes' }, h('h1', {}, 'Nodes'), card(null,
        table(['Node', 'Site', 'Block', 'GPU type', 'State', 'Slices in use', 'Free GPUs #', 'Heartbeat #', 'Jobs #', 'Drain', ''], rows)));
    },
  };
}

// --- the router and the poll -----------------------------------------------------------------
function pageFor(hash) {
  const [path, query] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  if (!state.token || parts[0] === 'login') return loginPage();
  switch (parts[0]) {
    case 'jobs': return parts[1] ? jobPage(parts[1]) : jobsPage(query || '');
    case 'tenants': return tenantsPage();
    case 'credits': return creditsPage(query || '');
    case 'nodes': return nodesPage();
    case 'overview': case undefined: return overviewPage();
    default: return { title: 'Not found', render: async () => errorBox(new ApiError(404, 'No page ' + path)), poll: false };
  }
}
function showError(e) {
  document.getElementById('status').textContent = String(e.message || e);
}
let rendering = 0;
async function refresh() {
  const page = state.page;
  const mine = ++rendering;
  try {
    const view = await page.render();
    if (mine !== rendering || page !== state.page) return;  // a newer page or refresh took over
    // Keep what the user is typing: a poll does not replace a page with a focused input.
    const focused = document.activeElement;
    if (focused && ['INPUT', 'SELECT', 'TEXTAREA'].includes(focused.tagName) && document.getElementById('view').contains(focused) && page.shown) return;
    document.getElementById('view').replaceChildren(view);
    page.shown = true;
    document.getElementById('status').textContent = page.poll === false ? '' : 'Updated ' + new Date().toLocaleTimeString('en-GB') + ' · every 5 s while this tab is visible';
  } catch (e) {
    if (mine !== rendering || e.status === 401) return;
    document.getElementById('view').replaceChildren(errorBox(e));
  }
}
function route() {
  state.page = pageFor(location.hash || '#/overview');
  document.title = state.page.title + ' · Hexagone';
  const name = (location.hash.replace(/^#\/?/, '').split(/[/?]/)[0]) || 'overview';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === name);
  document.getElementById('who').textContent = state.who ? state.who.role + (state.who.tenant ? ' of ' + state.who.tenant : '') : '';
  document.getElementById('logout').hidden = !state.token;
  document.getElementById('nav').hidden = !state.token;
  refresh();
}
function poll() {
  clearInterval(state.timer);
  state.timer = setInterval(() => {
    if (document.visibilityState === 'visible' && state.page && state.page.poll !== false) refresh();
  }, POLL_MS);
}
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible' && state.page && state.page.poll !== false) refresh(); });
window.addEventListener('hashchange', route);
document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('logout').addEventListener('click', logout);
  route();
  poll();
});
