// The inline stylesheet and script of the HTML report (report_html.h). Hand-written, no
// library: the page must open offline, years from now, in any browser. The script reads the
// report JSON from <script id="report-data"> and draws SVG charts (lines, CDFs, bars) with
// axes, labels and legends, and tables of the headline figures.
#include "sim/report_html_assets.h"

namespace hexa {

const char* const kReportCss = R"CSS(
:root { --ink: #1d2330; --muted: #5b6475; --line: #dde2ea; --bg: #f6f7f9; --card: #fff; --accent: #1f5fbf; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header { background: #12263f; color: #fff; padding: 22px 32px 18px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
header p { margin: 0; color: #c5d2e6; }
main { padding: 20px 32px 40px; max-width: 1240px; }
h2 { font-size: 17px; margin: 28px 0 10px; font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card .v { font-size: 22px; font-weight: 600; }
.card .k { color: var(--muted); font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 14px; }
figure { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px 4px; }
figcaption { font-weight: 600; margin: 2px 4px 0; }
figure .note { color: var(--muted); font-size: 12px; margin: 0 4px 4px; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart text { font: 11px system-ui, sans-serif; fill: var(--muted); }
svg.chart .grid { stroke: #eef1f5; }
svg.chart .axis { stroke: #9aa3b2; }
table { border-collapse: collapse; background: var(--card); border: 1px solid var(--line); margin-bottom: 8px; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #eef2f8; font-weight: 600; }
.muted { color: var(--muted); }
footer { color: var(--muted); font-size: 12px; margin-top: 30px; }
)CSS";

const char* const kReportScript = R"JS(
'use strict';
const errors = [];
function noteError(msg) {
  errors.push(String(msg));
  document.body.dataset.errors = JSON.stringify(errors);
}
window.onerror = function (msg, src, line) { noteError(msg + ' (line ' + line + ')'); };

const palette = ['#1f5fbf', '#d9582b', '#2a9d57', '#8e44ad', '#c9a227', '#17a2b8', '#e83e8c', '#6c757d'];
const SVG = 'http://www.w3.org/2000/svg';
let charts = 0;

function el(tag, attrs, parent, text) {
  const e = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

// Numbers and durations for people.
function num(x, d) {
  if (x === undefined || x === null || !isFinite(x)) return '–';
  return Number(x).toLocaleString('en-US', { maximumFractionDigits: d === undefined ? 1 : d, minimumFractionDigits: 0 });
}
function pct(x) { return num(100 * x, 1) + '%'; }
function dur(s) {
  if (s === undefined || s === null || !isFinite(s)) return '–';
  if (s < 60) return num(s, 0) + ' s';
  if (s < 3600) return num(s / 60, 1) + ' min';
  if (s < 86400 * 2) return num(s / 3600, 1) + ' h';
  return num(s / 86400, 1) + ' d';
}
function shortDur(s) {
  if (s < 60) return Math.round(s) + 's';
  if (s < 3600) return Math.round(s / 60) + 'm';
  if (s < 86400) return Math.round(s / 3600) + 'h';
  return Math.round(s / 86400) + 'd';
}

// Round axis ticks: about n steps of 1, 2 or 5 x 10^k.
function niceTicks(lo, hi, n) {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

function figure(parent, title, note) {
  const f = el('figure', {}, parent);
  el('figcaption', {}, f, title);
  if (note) el('div', { class: 'note' }, f, note);
  return f;
}

// A line chart. opt: {title, note, xlabel, ylabel, series: [{name, xs, ys, dash}], xlog, xfmt, yfmt, ymin, ymax}.
function lineChart(parent, opt) {
  const f = figure(parent, opt.title, opt.note);
  const W = 580, H = 300, L = 58, R = 14, T = 12, B = 62;
  const svg = el('svg:svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': opt.title }, f);
  const series = opt.series.filter(s => s.xs.length > 0);
  const fx = opt.xlog ? (x => Math.log10(Math.max(x, 1))) : (x => x);
  let x0 = Infinity, x1 = -Infinity, y0 = opt.ymin === undefined ? Infinity : opt.ymin, y1 = opt.ymax === undefined ? -Infinity : opt.ymax;
  for (const s of series) {
    for (const x of s.xs) { x0 = Math.min(x0, fx(x)); x1 = Math.max(x1, fx(x)); }
    if (opt.ymin === undefined) for (const y of s.ys) y0 = Math.min(y0, y);
    if (opt.ymax === undefined) for (const y of s.ys) y1 = Math.max(y1, y);
  }
  if (!isFinite(x0)) { x0 = 0; x1 = 1; }
  if (!isFinite(y0)) { y0 = 0; y1 = 1; }
  if (opt.ymin === undefined) y0 = Math.min(0, y0);
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + 1;
  const px = x => L + (fx(x) - x0) / (x1 - x0) * (W - L - R);
  const pxRaw = v => L + (v - x0) / (x1 - x0) * (W - L - R);
  const py = y => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  // Axes, grid and ticks.
  for (const v of niceTicks(y0, y1, 5)) {
    el('svg:line', { x1: L, x2: W - R, y1: py(v), y2: py(v), class: 'grid' }, svg);
    el('svg:text', { x: L - 6, y: py(v) + 4, 'text-anchor': 'end' }, svg, (opt.yfmt || num)(v));
  }
  const xt = opt.xlog ? [1, 10, 60, 600, 3600, 36000, 86400, 864000].filter(v => fx(v) >= x0 - 1e-9 && fx(v) <= x1 + 1e-9).map(fx)
                      : niceTicks(x0, x1, 6);
  for (const v of xt) {
    el('svg:line', { x1: pxRaw(v), x2: pxRaw(v), y1: T, y2: H - B, class: 'grid' }, svg);
    const label = opt.xlog ? shortDur(Math.pow(10, v)) : (opt.xfmt || num)(v);
    el('svg:text', { x: pxRaw(v), y: H - B + 15, 'text-anchor': 'middle' }, svg, label);
  }
  el('svg:line', { x1: L, x2: W - R, y1: H - B, y2: H - B, class: 'axis' }, svg);
  el('svg:line', { x1: L, x2: L, y1: T, y2: H - B, class: 'axis' }, svg);
  el('svg:text', { x: (L + W - R) / 2, y: H - B + 32, 'text-anchor': 'middle' }, svg, opt.xlabel);
  el('svg:text', { x: 14, y: (T + H - B) / 2, 'text-anchor': 'middle', transform: 'rotate(-90 14 ' + (T + H - B) / 2 + ')' }, svg, opt.ylabel);
  // Lines.
  series.forEach((s, i) => {
    const pts = s.xs.map((x, k) => px(x).toFixed(1) + ',' + py(s.ys[k]).toFixed(1)).join(' ');
    const attrs = { points: pts, fill: 'none', stroke: s.color || palette[i % palette.length], 'stroke-width': 1.8 };
    if (s.dash) attrs['stroke-dasharray'] = '5 3';
    el('svg:polyline', attrs, svg);
  });
  // Legend, under the x label.
  let lx = L;
  series.forEach((s, i) => {
    const c = s.color || palette[i % palette.length];
    el('svg:rect', { x: lx, y: H - 17, width: 12, height: 4, fill: c }, svg);
    const t = el('svg:text', { x: lx + 16, y: H - 12 }, svg, s.name);
    lx += 26 + 6.2 * s.name.length;
  });
  if (series.length === 0) el('svg:text', { x: (L + W) / 2, y: H / 2, 'text-anchor': 'middle' }, svg, 'no data');
  ++charts;
  return svg;
}

// Bars. opt: {title, note, ylabel, bars: [{label, value, color}], fmt}.
function barChart(parent, opt) {
  const f = figure(parent, opt.title, opt.note);
  const W = 580, H = 300, L = 64, R = 14, T = 18, B = 46;
  const svg = el('svg:svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': opt.title }, f);
  const top = Math.max(1e-9, ...opt.bars.map(b => b.value));
  const ticks = niceTicks(0, top * 1.1, 5), y1 = Math.max(ticks[ticks.length - 1] || 0, top * 1.1);  // room for labels
  const py = y => T + (1 - y / y1) * (H - T - B);
  for (const v of ticks) {
    el('svg:line', { x1: L, x2: W - R, y1: py(v), y2: py(v), class: 'grid' }, svg);
    el('svg:text', { x: L - 6, y: py(v) + 4, 'text-anchor': 'end' }, svg, num(v, 2));
  }
  const n = Math.max(1, opt.bars.length), slot = (W - L - R) / n, bw = Math.min(80, slot * 0.6);
  opt.bars.forEach((b, i) => {
    const x = L + slot * i + (slot - bw) / 2;
    el('svg:rect', { x: x, y: py(b.value), width: bw, height: Math.max(0, H - B - py(b.value)), fill: b.color || palette[i % palette.length] }, svg);
    el('svg:text', { x: x + bw / 2, y: py(b.value) - 4, 'text-anchor': 'middle' }, svg, (opt.fmt || num)(b.value));
    el('svg:text', { x: x + bw / 2, y: H - B + 16, 'text-anchor': 'middle' }, svg, b.label);
  });
  el('svg:line', { x1: L, x2: W - R, y1: H - B, y2: H - B, class: 'axis' }, svg);
  el('svg:text', { x: 14, y: (T + H - B) / 2, 'text-anchor': 'middle', transform: 'rotate(-90 14 ' + (T + H - B) / 2 + ')' }, svg, opt.ylabel);
  ++charts;
  return svg;
}

function table(parent, head, rows) {
  const t = el('table', {}, parent);
  const tr = el('tr', {}, el('thead', {}, t));
  for (const h of head) el('th', {}, tr, h);
  const tb = el('tbody', {}, t);
  for (const r of rows) {
    const row = el('tr', {}, tb);
    for (const c of r) el('td', {}, row, c);
  }
  return t;
}

function cards(parent, items) {
  const box = el('div', { class: 'cards' }, parent);
  for (const [k, v] of items) {
    const c = el('div', { class: 'card' }, box);
    el('div', { class: 'v' }, c, v);
    el('div', { class: 'k' }, c, k);
  }
}

function section(parent, title) {
  el('h2', {}, parent, title);
  return el('div', { class: 'charts' }, parent);
}

const days = (r, n) => Array.from({ length: n }, (_, i) => i * r.timeline.step_s / 86400);
const cdfSeries = (name, xs, pcts, extra) => Object.assign({ name: name, xs: xs, ys: pcts.slice(0, xs.length) }, extra || {});

// ---- one run ----------------------------------------------------------------------------------
function headline(r) {
  const items = [
    ['jobs finished of ' + num(r.jobs, 0), num(r.finished, 0)],
    ['GPU time busy (' + num(r.gpus, 0) + ' GPUs)', pct(r.utilization)],
    ['average completion time', dur(r.avg_jct_s)],
    ['p95 completion time', dur(r.p95_jct_s)],
    ['p95 wait before start', dur(r.p95_queue_s)],
  ];
  if (r.sessions) {
    items.push(['p95 session start delay', dur(r.sessions.start_delay_s.p95)]);
    items.push(['sessions started within target', pct(r.sessions.within_target_share)]);
  }
  if (r.credits) items.push(['credits consumed', num(r.credits.consumed, 0)]);
  if (r.energy) {
    items.push(['energy, PUE included', num(r.energy.kwh / 1000, 1) + ' MWh']);
    items.push(['carbon', num(r.energy.carbon_kg / 1000, 2) + ' t CO2e']);
  }
  if (r.unfinished || r.rejected) items.push(['rejected / unfinished', num(r.rejected, 0) + ' / ' + num(r.unfinished, 0)]);
  return items;
}

function drawRun(root, r) {
  cards(root, headline(r));
  const tl = r.timeline, n = r.utilization_timeline.values.length;
  let g = section(root, 'Capacity');
  const util = tl.sites.map(s => ({ name: s.name, xs: days(r, s.utilization.length), ys: s.utilization.map(v => 100 * v) }));
  if (tl.sites.length > 1) util.push({ name: 'all sites', xs: days(r, n), ys: r.utilization_timeline.values.map(v => 100 * v), dash: true, color: '#333' });
  lineChart(g, { title: 'GPU utilisation per site', note: 'busy share of each site\'s GPUs per ' + dur(tl.step_s) + ' step',
                 xlabel: 'day', ylabel: '% busy', series: util, ymin: 0, ymax: 100 });
  lineChart(g, { title: 'Queue length', note: 'jobs waiting to start (submitted or preempted), per step',
                 xlabel: 'day', ylabel: 'pending jobs',
                 series: [{ name: 'average', xs: days(r, tl.queue_avg.length), ys: tl.queue_avg },
                          { name: 'peak', xs: days(r, tl.queue_max.length), ys: tl.queue_max, dash: true }] });
  g = section(root, 'Service');
  const P = r.cdf.percentiles;
  const byClass = key => r.classes.map(c => cdfSeries(c['class'] + ' (' + num(c.jobs, 0) + ')', c[key], P));
  lineChart(g, { title: 'Job completion time by tenant class', note: 'CDF, submit to end, finished jobs', xlog: true,
                 xlabel: 'completion time (log scale)', ylabel: '% of jobs', series: byClass('jct_cdf_s'), ymin: 0, ymax: 100 });
  lineChart(g, { title: 'Queueing delay by tenant class', note: 'CDF, submit to first start', xlog: true,
                 xlabel: 'wait (log scale)', ylabel: '% of jobs', series: byClass('queue_cdf_s'), ymin: 0, ymax: 100 });
  if (r.sessions) {
    const s = r.sessions;
    lineChart(g, { title: 'Interactive session start delays',
                   note: num(s.jobs, 0) + ' sessions; p50 ' + dur(s.start_delay_s.p50) + ', p95 ' + dur(s.start_delay_s.p95) +
                         ', p99 ' + dur(s.start_delay_s.p99) + '; ' + pct(s.within_target_share) + ' within target',
                   xlog: true, xlabel: 'start delay (log scale)', ylabel: '% of sessions',
                   series: [cdfSeries('sessions', s.start_delay_cdf_s, P)], ymin: 0, ymax: 100 });
  }
  table(root, ['tenant class', 'jobs', 'finished', 'avg completion', 'p95 completion', 'avg wait', 'p95 wait'],
        r.classes.map(c => [c['class'], num(c.jobs, 0), num(c.finished, 0), dur(c.jct_s.avg), dur(c.jct_s.p95), dur(c.queue_s.avg), dur(c.queue_s.p95)]));
  if (r.fairness && r.fairness.rho.jobs > 0) {  // finish-time fairness: the 20 tenants with the largest rho
    const f = r.fairness.rho, worst = r.tenants.filter(t => t.rho.jobs > 0).sort((a, b) => b.rho.max - a.rho.max).slice(0, 20);
    table(root, ['tenant (finish-time fairness: completion / alone on a fair share; all: p50 ' + num(f.p50, 2) + ', p90 ' +
                 num(f.p90, 2) + ', max ' + num(f.max, 2) + ')', 'finished', 'rho p50', 'rho p90', 'rho max'],
          worst.map(t => [t.name, num(t.rho.jobs, 0), num(t.rho.p50, 2), num(t.rho.p90, 2), num(t.rho.max, 2)]));
  }
  if (tl.credits_burn) {
    g = section(root, 'Credits');
    const perHour = 3600 / tl.step_s;
    lineChart(g, { title: 'Credits burned by tenant class', note: 'usage less refunds, credits per hour',
                   xlabel: 'day', ylabel: 'credits / hour',
                   series: tl.credits_burn.map(b => ({ name: b['class'], xs: days(r, b.credits.length), ys: b.credits.map(v => v * perHour) })) });
    table(root, ['tenant class', 'tenants', 'consumed', 'left', 'ran out'],
          r.credits.classes.map(c => [c['class'], num(c.tenants, 0), num(c.consumed, 0), num(c.left, 0), num(c.ran_out, 0)]));
  }
  if (r.energy) {
    g = section(root, 'Energy and carbon');
    const sites = r.energy.sites;
    const big = (kilo, small, large) => Math.max(...sites.map(s => s[kilo])) >= 1000 ? [large, 1000] : [small, 1];
    const [eu, ed] = big('kwh', 'kWh', 'MWh'), [cu, cd] = big('carbon_kg', 'kg CO2e', 't CO2e');
    barChart(g, { title: 'Energy per site', note: 'GPU power x busy time x PUE', ylabel: eu,
                  bars: sites.map(s => ({ label: s.name, value: s.kwh / ed })), fmt: v => num(v, 1) });
    barChart(g, { title: 'Carbon per site', note: 'each hour\'s energy x the grid intensity of that hour', ylabel: cu,
                  bars: sites.map(s => ({ label: s.name, value: s.carbon_kg / cd })), fmt: v => num(v, 2) });
  }
  if (r.reservations) {
    const w = r.reservations;
    el('h2', {}, root, 'Workshops (advance reservations)');
    el('p', { class: 'muted' }, root, num(w.count, 0) + ' reservations set ' + num(w.reserved_gpu_hours, 0) +
       ' GPU-hours aside; their tenants used ' + num(w.used_gpu_hours, 0) + ': ' + pct(w.unused_share) +
       ' stood idle, the price of never delaying them');
    table(root, ['reservation', 'tenant', 'site', 'GPUs', 'from', 'to', 'reserved GPU-h', 'used GPU-h'],
          w.list.slice(0, 50).map(x => [x.name, x.tenant, x.site, num(x.gpus, 0) + (x.slices ? ' (' + num(x.slices.count, 0) + ' x ' + x.slices.profile + ')' : ''), 'day ' + num(x.from_s / 86400, 2),
                                        'day ' + num(x.to_s / 86400, 2), num(x.reserved_gpu_hours, 0), num(x.used_gpu_hours, 0)]));
  }
  el('h2', {}, root, 'Sites');
  table(root, ['site', 'GPUs', 'busy'].concat(r.energy ? ['provider', 'PUE', 'MWh', 't CO2e', 'g/kWh'] : []),
        r.sites.map((s, i) => [s.name, num(s.gpus, 0), pct(s.utilization)].concat(r.energy ? (e => [e.provider, num(e.pue, 2), num(e.kwh / 1000, 1), num(e.carbon_kg / 1000, 2), num(e.g_per_kwh, 0)])(r.energy.sites[i]) : [])));
  if (r.notes && r.notes.length) { el('h2', {}, root, 'Notes'); for (const t of r.notes) el('p', { class: 'muted' }, root, t); }
}

// ---- several variants side by side -------------------------------------------------------------
function compareRows(vs) {
  const R = vs.map(v => v.report);
  const rows = [
    ['jobs finished', r => num(r.finished, 0)],
    ['average completion time', r => dur(r.avg_jct_s)],
    ['p95 completion time', r => dur(r.p95_jct_s)],
    ['p95 wait before start', r => dur(r.p95_queue_s)],
    ['p95 session start delay', r => r.sessions ? dur(r.sessions.start_delay_s.p95) : '–'],
    ['GPU-hours served', r => num(r.gpu_hours, 0)],
    ['GPU time busy', r => pct(r.utilization)],
  ];
  R[0].sites.forEach((s, i) => rows.push(['  busy at ' + s.name, r => r.sites[i] ? pct(r.sites[i].utilization) : '–']));
  rows.push(['credits consumed', r => r.credits ? num(r.credits.consumed, 0) : '–']);
  rows.push(['workshop GPU-hours unused', r => r.reservations ? pct(r.reservations.unused_share) : '–']);
  rows.push(['energy (MWh)', r => r.energy ? num(r.energy.kwh / 1000, 1) : '–']);
  rows.push(['carbon (t CO2e)', r => r.energy ? num(r.energy.carbon_kg / 1000, 2) : '–']);
  return rows.map(([k, f]) => [k].concat(R.map(f)));
}

// Where each variant parts from the first, and why (sim/compare_explain.h): per class and for
// the tenants that moved most, each figure as "a -> b (+d)"; then the mechanisms, heaviest first.
function drawExplain(root, xs) {
  el('h2', {}, root, 'Where the variants part');
  const delta = (p, d) => num(p[0], d) + ' → ' + num(p[1], d) + ' (' + (p[1] >= p[0] ? '+' : '') + num(p[1] - p[0], d) + ')';
  const row = g => [g.name, g.class, delta(g.finished, 0), delta(g.gpu_hours, 0), dur(g.avg_wait_s[0]) + ' → ' + dur(g.avg_wait_s[1]),
                    delta(g.credits, 0), g.ran_out_s ? g.ran_out_s.map(s => s < 0 ? 'never' : 'day ' + num(s / 86400, 1)).join(' → ') : ''];
  const head = ['', 'class', 'jobs finished', 'GPU-hours', 'average wait', 'credits consumed', 'credits ran out'];
  for (const x of xs) {
    el('p', {}, root, x.variant + ' against ' + x.base + ': jobs finished ' + delta(x.finished, 0) + '.');
    table(root, head, x.classes.map(row));
    if (x.gainers.length) { el('p', { class: 'muted' }, root, 'Tenants that gain most'); table(root, head, x.gainers.map(row)); }
    if (x.losers.length) { el('p', { class: 'muted' }, root, 'Tenants that lose most'); table(root, head, x.losers.map(row)); }
    const ul = el('ul', {}, root);
    if (!x.mechanisms.length) el('li', {}, ul, 'no mechanism moved (credits, budgets, quotas, reservations, prices, capacity)');
    for (const m of x.mechanisms) el('li', {}, ul, m.name + ': ' + m.words);
  }
}

function drawCompare(root, c) {
  const vs = c.variants;
  el('p', {}, root, 'Variants of ' + c.compare + ': ' + vs.map(v => v.label).join(', ') + '.');
  table(root, ['figure'].concat(vs.map(v => v.label)), compareRows(vs));
  if (c.explain) drawExplain(root, c.explain);
  const series = (f, extra) => vs.map((v, i) => Object.assign({ name: v.label, color: palette[i % palette.length] }, f(v.report), extra || {}));
  let g = section(root, 'Capacity');
  lineChart(g, { title: 'GPU utilisation, all sites', xlabel: 'day', ylabel: '% busy', ymin: 0, ymax: 100,
                 series: series(r => ({ xs: days(r, r.utilization_timeline.values.length), ys: r.utilization_timeline.values.map(v => 100 * v) })) });
  lineChart(g, { title: 'Queue length (average per step)', xlabel: 'day', ylabel: 'pending jobs',
                 series: series(r => ({ xs: days(r, r.timeline.queue_avg.length), ys: r.timeline.queue_avg })) });
  g = section(root, 'Service');
  const P = vs[0].report.cdf.percentiles;
  lineChart(g, { title: 'Job completion time, all jobs', note: 'CDF, submit to end', xlog: true, xlabel: 'completion time (log scale)',
                 ylabel: '% of jobs', ymin: 0, ymax: 100, series: series(r => ({ xs: r.cdf.jct_s, ys: P.slice(0, r.cdf.jct_s.length) })) });
  lineChart(g, { title: 'Queueing delay, all jobs', note: 'CDF, submit to first start', xlog: true, xlabel: 'wait (log scale)',
                 ylabel: '% of jobs', ymin: 0, ymax: 100, series: series(r => ({ xs: r.cdf.queue_s, ys: P.slice(0, r.cdf.queue_s.length) })) });
  if (vs.some(v => v.report.sessions))
    lineChart(g, { title: 'Interactive session start delays', xlog: true, xlabel: 'start delay (log scale)', ylabel: '% of sessions',
                   ymin: 0, ymax: 100, series: series(r => r.sessions ? { xs: r.sessions.start_delay_cdf_s, ys: P.slice(0, r.sessions.start_delay_cdf_s.length) } : { xs: [], ys: [] }) });
  if (vs.some(v => v.report.credits) || vs.some(v => v.report.energy)) g = section(root, 'Money, energy and carbon');
  if (vs.some(v => v.report.credits))
    barChart(g, { title: 'Credits consumed', ylabel: 'credits', bars: vs.map((v, i) => ({ label: v.label, value: v.report.credits ? v.report.credits.consumed : 0 })), fmt: v => num(v, 0) });
  if (vs.some(v => v.report.energy)) {
    barChart(g, { title: 'Energy', ylabel: 'MWh', bars: vs.map(v => ({ label: v.label, value: v.report.energy ? v.report.energy.kwh / 1000 : 0 })), fmt: v => num(v, 1) });
    barChart(g, { title: 'Carbon', ylabel: 't CO2e', bars: vs.map(v => ({ label: v.label, value: v.report.energy ? v.report.energy.carbon_kg / 1000 : 0 })), fmt: v => num(v, 2) });
  }
}

function main() {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const root = document.getElementById('report');
  if (data.variants) drawCompare(root, data); else drawRun(root, data);
}

try { main(); } catch (e) { noteError(e && e.stack ? e.stack : e); }
document.body.dataset.charts = String(charts);
)JS";

}  // namespace hexa
