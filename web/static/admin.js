// The operator console: the waiting room's live figures and controls, holds and sales per
// second, sales per concert, and new concerts, over /api/v1/admin/* (X-Admin-Key).

import { api } from './api.js';
import * as i18n from './i18n.js';
import { byId, el, formMessage } from './ui.js';

const { t } = i18n;

const kQueuePollMs = 1000;
const kSalesPollMs = 2000;
const kWindowMs = 5 * 60 * 1000;  // the chart's longest span
const kMinSpanMs = 30 * 1000;     // its shortest: a console opened just now shows its first 30 s
const kTickSteps = [10, 15, 30, 60, 120]; // seconds between time labels
const kChart = { width: 800, height: 240, left: 44, right: 12, top: 14, bottom: 26 };

const keyStore = {
  get() { try { return sessionStorage.getItem('concertd.adminKey'); } catch { return null; } },
  set(value) {
    try {
      if (value) sessionStorage.setItem('concertd.adminKey', value);
      else sessionStorage.removeItem('concertd.adminKey');
    } catch { /* storage disabled: the key lasts as long as the page */ }
  },
};

const state = {
  key: keyStore.get(),
  queue: null,
  sales: null,
  samples: [],       // {at, holds, sold}: sums over concerts
  rates: [],         // {at, holds, sales}: per second between consecutive samples
  lastApplied: null, // {at, body}
  updatedAt: null,
};

// ---------------------------------------------------------------------------------------------
// Key

function showKeyForm() {
  stopPolling();
  byId('view-key').hidden = false;
  byId('view-console').hidden = true;
  byId('forget').hidden = true;
  byId('live').hidden = true;
  byId('admin-key').focus();
}

function showConsole() {
  byId('view-key').hidden = true;
  byId('view-console').hidden = false;
  byId('forget').hidden = false;
  byId('live').hidden = false;
  if (!byId('c-date').value) byId('c-date').value = isoDate(new Date(Date.now() + 30 * 86400000));
}

function isoDate(d) { return d.toISOString().slice(0, 10); }

// The admin API answers FORBIDDEN to a wrong key: back to the key form with the reason.
function rejectKey(error) {
  state.key = null;
  keyStore.set(null);
  showKeyForm();
  formMessage('key-error', () => i18n.errorText(error, {}, 'admin'));
}

async function submitKey(event) {
  event.preventDefault();
  const key = byId('admin-key').value.trim();
  formMessage('key-error', null);
  if (!key) { formMessage('key-error', () => t('error.FORBIDDEN.admin')); return; }
  byId('key-submit').disabled = true;
  try {
    // The admin API answers FORBIDDEN to a wrong key.
    await api('GET', '/admin/queue', { adminKey: key });
    state.key = key;
    keyStore.set(key);
    byId('admin-key').value = '';
    showConsole();
    byId('console-h').focus();
    startPolling();
  } catch (e) {
    formMessage('key-error', () => i18n.errorText(e, {}, 'admin'));
  } finally {
    byId('key-submit').disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Polling

let queueTimer = null;
let salesTimer = null;

function stopPolling() {
  clearTimeout(queueTimer);
  clearTimeout(salesTimer);
  queueTimer = null;
  salesTimer = null;
}

function startPolling() {
  stopPolling();
  pollQueue();
  pollSales();
}

// Bumped by every queue read and change: an answer older than the newest one is dropped (a
// read sent before a PATCH must not show the settings from before it).
let queueSeq = 0;

async function pollQueue() {
  queueTimer = null;
  if (!state.key) return;
  const seq = ++queueSeq;
  try {
    const queue = await api('GET', '/admin/queue', { adminKey: state.key });
    if (seq === queueSeq) state.queue = queue;
    touch();
    formMessage('console-error', null);
  } catch (e) {
    if (e.code === 'FORBIDDEN') { rejectKey(e); return; }
    formMessage('console-error', () => i18n.errorText(e));
  }
  renderQueue();
  clearTimeout(queueTimer); // one timer, even when two polls overlapped
  if (state.key) queueTimer = setTimeout(pollQueue, kQueuePollMs);
}

async function pollSales() {
  salesTimer = null;
  if (!state.key) return;
  try {
    const sales = await api('GET', '/admin/sales', { adminKey: state.key });
    state.sales = sales;
    addSample(sales);
    touch();
  } catch (e) {
    if (e.code === 'FORBIDDEN') { rejectKey(e); return; }
    formMessage('console-error', () => i18n.errorText(e));
  }
  renderSales();
  renderChart();
  clearTimeout(salesTimer);
  if (state.key) salesTimer = setTimeout(pollSales, kSalesPollMs);
}

function touch() {
  state.updatedAt = new Date();
  byId('updated').textContent = t('admin.updated', { time: i18n.formatTime(state.updatedAt) });
}

// ---------------------------------------------------------------------------------------------
// Queue figures and controls

function renderQueue() {
  const q = state.queue;
  const toggle = byId('toggle-pause');
  toggle.disabled = !q;
  if (!q) { toggle.textContent = t('admin.pause'); return; }
  const stateTile = byId('q-state');
  stateTile.textContent = q.paused ? t('admin.state.paused') : t('admin.state.running');
  stateTile.parentElement.dataset.paused = String(q.paused);
  byId('q-waiting').textContent = i18n.number(q.waiting);
  byId('q-active').textContent = i18n.number(q.active);
  // Adaptive admission: the rate in force, under the operator's admit rate.
  byId('q-rate').textContent = q.admission === 'adaptive'
    ? t('admin.adaptiveRate', { n: i18n.number(q.currentAdmitRate), max: i18n.number(q.admitRate) })
    : t('admin.perSec', { n: i18n.number(q.admitRate) });
  byId('q-max').textContent = i18n.number(q.maxActive);
  byId('q-admitted').textContent = i18n.number(q.admittedTotal);
  toggle.textContent = q.paused ? t('admin.resume') : t('admin.pause');
  toggle.classList.toggle('btn-primary', q.paused);
  toggle.classList.toggle('btn-warn', !q.paused);
  // Fills the limits from the server, unless the operator is editing them.
  for (const [id, value] of [['admit-rate', q.admitRate], ['max-active', q.maxActive]]) {
    const input = byId(id);
    if (document.activeElement !== input && !input.dataset.dirty) input.value = String(value);
  }
  renderApplied();
}

function renderApplied() {
  const a = state.lastApplied;
  if (!a) return;
  formMessage('applied', () => t('admin.applied', {
    time: i18n.formatTime(a.at),
    state: a.body.paused ? t('admin.state.paused') : t('admin.state.running'),
    rate: i18n.number(a.body.admitRate),
    max: i18n.number(a.body.maxActive),
  }));
}

async function patchQueue(change, button) {
  formMessage('controls-error', null);
  formMessage('applied', null);
  button.disabled = true;
  try {
    const body = await api('PATCH', '/admin/queue', { adminKey: state.key, body: change });
    queueSeq += 1;
    state.queue = body;
    state.lastApplied = { at: new Date(), body };
    for (const id of ['admit-rate', 'max-active']) delete byId(id).dataset.dirty;
    renderQueue();
  } catch (e) {
    if (e.code === 'FORBIDDEN') { rejectKey(e); return; }
    formMessage('controls-error', () => i18n.errorText(e));
  } finally {
    button.disabled = false;
  }
}

function submitLimits(event) {
  event.preventDefault();
  const rate = Number(byId('admit-rate').value);
  const max = Number(byId('max-active').value);
  if (!Number.isInteger(rate) || rate < 0 || !Number.isInteger(max) || max < 0
      || byId('admit-rate').value === '' || byId('max-active').value === '') {
    formMessage('controls-error', () => t('error.BAD_REQUEST'));
    return;
  }
  patchQueue({ admitRate: rate, maxActive: max }, byId('apply'));
}

// ---------------------------------------------------------------------------------------------
// Sales and the chart

function addSample(sales) {
  const now = Date.now();
  const holds = sales.reduce((sum, c) => sum + (c.holdsTotal || 0), 0);
  const sold = sales.reduce((sum, c) => sum + (c.sold || 0), 0);
  const prev = state.samples[state.samples.length - 1];
  state.samples.push({ at: now, holds, sold });
  if (prev) {
    const seconds = Math.max(0.001, (now - prev.at) / 1000);
    // Counters only grow; a drop (a restarted or different server) counts as zero.
    state.rates.push({
      at: now,
      holds: Math.max(0, holds - prev.holds) / seconds,
      sales: Math.max(0, sold - prev.sold) / seconds,
    });
  }
  const cutoff = now - kWindowMs;
  while (state.samples.length > 2 && state.samples[0].at < cutoff) state.samples.shift();
  while (state.rates.length && state.rates[0].at < cutoff) state.rates.shift();
}

function renderSales() {
  const body = byId('sales-body');
  const foot = byId('sales-foot');
  const rows = state.sales || [];
  if (!rows.length) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: '8', class: 'muted' }, t('admin.sales.empty'))));
    foot.replaceChildren();
    return;
  }
  body.replaceChildren(...rows.map((c) => {
    const soldShare = c.seatCount ? c.sold / c.seatCount : 0;
    const heldShare = c.seatCount ? c.held / c.seatCount : 0;
    const sold = el('span', { class: 'bar-sold' });
    const held = el('span', { class: 'bar-held' });
    sold.style.width = `${soldShare * 100}%`;
    held.style.width = `${heldShare * 100}%`;
    return el('tr', { 'data-concert': c.concertId },
      el('th', { scope: 'row' }, c.concertName),
      el('td', { class: 'nowrap date-col' }, i18n.formatDate(c.date)),
      el('td', { class: 'num wide-col', 'data-testid': 'sold' }, i18n.number(c.sold)),
      el('td', { class: 'num wide-col', 'data-testid': 'held' }, i18n.number(c.held)),
      el('td', { class: 'num wide-col' }, i18n.number(c.seatCount)),
      el('td', { class: 'num narrow-col' }, combined(c.sold, c.held, c.seatCount)),
      el('td', { class: 'bar-col' }, el('span', { class: 'bar', 'aria-hidden': 'true' }, sold, held),
        el('span', { class: 'small muted' }, `${Math.round(soldShare * 100)}%`)),
      el('td', { class: 'num' }, revenue(c.revenue)));
  }));
  const total = (field) => rows.reduce((sum, c) => sum + (c[field] || 0), 0);
  foot.replaceChildren(el('tr', {},
    el('th', { scope: 'row' }, t('admin.sales.total')),
    el('td', { class: 'date-col' }),
    el('td', { class: 'num wide-col', 'data-testid': 'total-sold' }, i18n.number(total('sold'))),
    el('td', { class: 'num wide-col' }, i18n.number(total('held'))),
    el('td', { class: 'num wide-col' }, i18n.number(total('seatCount'))),
    el('td', { class: 'num narrow-col' }, combined(total('sold'), total('held'), total('seatCount'))),
    el('td', { class: 'bar-col' }),
    el('td', { class: 'num' }, revenue(total('revenue')))));
}

// Sold, held and seats in one cell, for narrow screens.
function combined(sold, held, seats) {
  return `${i18n.number(sold)} · ${i18n.number(held)} / ${i18n.number(seats)}`;
}

// The full amount, and a compact one (₩24M, ₩2,364만) that narrow screens show instead.
function revenue(won) {
  const short = new Intl.NumberFormat(i18n.locale(), {
    style: 'currency', currency: 'KRW', notation: 'compact', maximumFractionDigits: 1,
  }).format(won);
  return el('span', {}, el('span', { class: 'money-full' }, i18n.money(won)),
    el('span', { class: 'money-short' }, short));
}

const svgNs = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  return node;
}

function niceMax(value) {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

function fmtRate(n) { return n >= 10 ? String(Math.round(n)) : String(Math.round(n * 10) / 10); }

function renderChart() {
  const chart = byId('chart');
  // Drawn in the element's own pixels, so that text and lines are never stretched.
  const width = Math.round(chart.clientWidth) || kChart.width;
  const height = Math.round(chart.clientHeight) || kChart.height;
  const { left, right, top, bottom } = kChart;
  chart.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const now = Date.now();
  const rates = state.rates;
  const first = state.samples.length ? state.samples[0].at : now;
  const spanMs = Math.min(kWindowMs, Math.max(kMinSpanMs, now - first));
  const peakHolds = Math.max(0, ...rates.map((r) => r.holds));
  const peakSales = Math.max(0, ...rates.map((r) => r.sales));
  const yMax = niceMax(Math.max(peakHolds, peakSales));
  const x = (at) => left + plotW * (1 - (now - at) / spanMs);
  const y = (v) => top + plotH * (1 - v / yMax);
  const nodes = [];
  for (const f of [0, 0.5, 1]) {
    nodes.push(svg('line', { x1: left, x2: width - right, y1: y(yMax * f), y2: y(yMax * f), class: 'grid' }));
    nodes.push(svg('text', { x: left - 8, y: y(yMax * f) + 4, class: 'axis', 'text-anchor': 'end' }, fmtRate(yMax * f)));
  }
  const maxTicks = width < 560 ? 2 : 6;
  const spanS = spanMs / 1000;
  const step = kTickSteps.find((s) => spanS / s <= maxTicks) || kTickSteps[kTickSteps.length - 1];
  for (let ago = 0; ago <= spanS + 0.001; ago += step) {
    const tx = x(now - ago * 1000);
    const label = ago === 0 ? t('admin.chart.now')
      : ago < 60 ? t('admin.chart.agoSec', { n: ago }) : t('admin.chart.ago', { n: ago / 60 });
    const anchor = ago === 0 ? 'end' : tx - left < 40 ? 'start' : 'middle';
    nodes.push(svg('text', { x: tx, y: height - 6, class: 'axis', 'text-anchor': anchor }, label));
  }
  for (const [field, cls] of [['holds', 'holds'], ['sales', 'sales']]) {
    if (rates.length < 1) break;
    const points = rates.map((r) => `${x(r.at).toFixed(1)},${y(r[field]).toFixed(1)}`);
    const firstX = x(rates[0].at).toFixed(1);
    const lastX = x(rates[rates.length - 1].at).toFixed(1);
    nodes.push(svg('path', { d: `M${firstX},${y(0)} L${points.join(' L')} L${lastX},${y(0)} Z`, class: `area area-${cls}` }));
    nodes.push(svg('polyline', { points: points.join(' '), class: `line line-${cls}` }));
  }
  if (rates.length < 1) {
    const middle = { x: left + plotW / 2, y: top + plotH / 2, class: 'axis', 'text-anchor': 'middle' };
    nodes.push(svg('text', middle, t('admin.chart.waiting')));
  }
  chart.replaceChildren(...nodes);
  chart.dataset.peakHolds = String(peakHolds);
  chart.dataset.peakSales = String(peakSales);
  chart.dataset.points = String(rates.length);
  const latest = rates[rates.length - 1] || { holds: 0, sales: 0 };
  byId('now-holds').textContent = fmtRate(latest.holds);
  byId('now-sales').textContent = fmtRate(latest.sales);
  byId('chart-summary').textContent = t('admin.chart.summary', {
    holds: fmtRate(latest.holds), sales: fmtRate(latest.sales), peakHolds: fmtRate(peakHolds), peakSales: fmtRate(peakSales),
  });
}

// ---------------------------------------------------------------------------------------------
// New concerts

async function submitCreate(event) {
  event.preventDefault();
  formMessage('create-error', null);
  formMessage('created', null);
  const concertName = byId('c-name').value.trim();
  const date = byId('c-date').value;
  const seatCount = Number(byId('c-seats').value);
  const price = Number(byId('c-price').value);
  if (!concertName || !/^\d{4}-\d\d-\d\d$/.test(date) || !Number.isInteger(seatCount) || seatCount < 1
      || !Number.isInteger(price) || price < 0 || byId('c-price').value === '') {
    formMessage('create-error', () => t('error.BAD_REQUEST'));
    return;
  }
  const button = byId('c-submit');
  button.disabled = true;
  try {
    const r = await api('POST', '/admin/concerts', { adminKey: state.key, body: { concertName, date, seatCount, price } });
    formMessage('created', () => t('admin.create.done', { name: concertName, id: r.concertId }));
    byId('c-name').value = '';
    pollSales();
  } catch (e) {
    if (e.code === 'FORBIDDEN') { rejectKey(e); return; }
    formMessage('create-error', () => `${i18n.errorText(e)}${e.detail ? ` (${e.detail})` : ''}`);
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------

function start() {
  i18n.installToggle();
  i18n.onLangChange(() => { renderQueue(); renderSales(); renderChart(); if (state.updatedAt) touch(); });
  byId('key-form').addEventListener('submit', submitKey);
  byId('forget').addEventListener('click', () => { state.key = null; keyStore.set(null); showKeyForm(); });
  byId('toggle-pause').addEventListener('click', (e) => {
    if (state.queue) patchQueue({ paused: !state.queue.paused }, e.currentTarget);
  });
  byId('limits-form').addEventListener('submit', submitLimits);
  for (const id of ['admit-rate', 'max-active']) {
    byId(id).addEventListener('input', () => { byId(id).dataset.dirty = '1'; });
  }
  byId('create-form').addEventListener('submit', submitCreate);
  setInterval(() => { if (!byId('view-console').hidden) renderChart(); }, 1000);
  if (state.key) {
    showConsole();
    startPolling();
  } else {
    showKeyForm();
  }
}

start();
