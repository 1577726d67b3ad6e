// The booking page: accounts, balance, concerts, the waiting room, the seat map, holds,
// payments and my reservations, over the concertd API (docs/contract.md).

import { api, ApiError, newKey, serverNow } from './api.js';
import * as i18n from './i18n.js';
import { proveWork } from './pow.js';
import { toast, clearErrors, clearNotices, formMessage, byId, el } from './ui.js';

const { t } = i18n;

const kHoldLimit = 4;
const kPollMs = 1000;          // a waiting fan's status poll, unless the answer says refreshAfter
const kMaxStreamFailures = 3;  // event stream failures for one entry before polling alone
const kActivePollMs = 3000;    // while ACTIVE: keeps the booking window's countdown honest
const kFirstBackoffMs = 2000;
const kMaxBackoffMs = 16000;
const kSeatRefreshMs = 5000;
const kLiveEveryMs = 10000;    // at most one screen reader announcement of the position per 10 s

// ---------------------------------------------------------------------------------------------
// State, kept in sessionStorage so that a reload keeps the session, the queue place and holds.

const storage = {
  get(key) {
    try { return JSON.parse(sessionStorage.getItem(`concertd.${key}`)); } catch { return null; }
  },
  set(key, value) {
    try {
      if (value === null || value === undefined) sessionStorage.removeItem(`concertd.${key}`);
      else sessionStorage.setItem(`concertd.${key}`, JSON.stringify(value));
    } catch { /* storage disabled: the page still works, without surviving a reload */ }
  },
};

const state = {
  session: storage.get('session'),   // {accessToken, userId, username, expiresAt}
  balance: null,
  concerts: [],
  concertId: storage.get('concertId'),
  queue: storage.get('queue'),       // {token, status, position, remaining, paused, initial, at}
  seats: null,                       // the seat list of state.concertId
  seatsFor: null,
  holds: new Map((storage.get('holds') || []).map((h) => [h.reservationId, h])),
  reservations: null,                // GET /users/{userId}/reservations, newest first
  paid: new Set(storage.get('paid') || []), // "concertId:seat" the fan bought
  pending: new Set(),                // seats with a hold request in flight
  justPaid: false,
  view: null,
  chargeAttempt: null,               // {key, amount} of the charge being retried
};

function saveHolds() {
  storage.set('holds', [...state.holds.values()].map(({ busy, ...h }) => h));
  storage.set('paid', [...state.paid]);
}
function saveQueue() { storage.set('queue', state.queue); }

const access = () => state.session && state.session.accessToken;

// ---------------------------------------------------------------------------------------------
// Errors

// Shows the human message for an error. `context` fills {seat}/{price}.
function report(error, context = {}, variant = '') {
  if (!(error instanceof ApiError)) console.error(error);
  const action = error && error.code === 'INSUFFICIENT_BALANCE'
    ? { label: () => t('balance.charge'), run: openCharge } : null;
  toast('error', () => i18n.errorText(error, context, variant), error && error.code, action);
}

// Handles what an access-token request's failure means for the session; true if handled.
function sessionLost(error) {
  if (!(error instanceof ApiError)) return false;
  if (error.code === 'INVALID_TOKEN' || error.code === 'USER_NOT_FOUND') {
    logOut();
    toast('error', () => i18n.errorText(error), error.code);
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Views

function showView(name, focus = true) {
  state.view = name;
  for (const view of ['auth', 'home', 'booking']) byId(`view-${view}`).hidden = view !== name;
  byId('nav').hidden = name === 'auth';
  byId('account').hidden = name === 'auth';
  if (name !== 'booking') stopSeatRefresh();
  if (focus) {
    const heading = { auth: 'auth-h', home: 'concerts-h', booking: 'booking-title' }[name];
    byId(heading).focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
}

function renderAccount() {
  const s = state.session;
  const who = byId('who');
  who.textContent = s ? s.username : '';
  if (s) who.title = t('auth.user', { name: s.username });
  const text = state.balance === null ? '—' : i18n.money(state.balance);
  byId('balance').textContent = text;
  byId('cart-balance').textContent = text;
  byId('charge-balance').textContent = text;
}

// ---------------------------------------------------------------------------------------------
// Accounts

let authMode = 'login';

function setAuthMode(mode) {
  authMode = mode;
  byId('mode-login').setAttribute('aria-pressed', String(mode === 'login'));
  byId('mode-signup').setAttribute('aria-pressed', String(mode === 'signup'));
  const submit = byId('auth-submit');
  submit.dataset.i18n = mode === 'login' ? 'auth.submit.login' : 'auth.submit.signup';
  submit.textContent = t(submit.dataset.i18n);
  byId('password').autocomplete = mode === 'login' ? 'current-password' : 'new-password';
  // The rules matter when choosing a name and password, not when typing known ones.
  byId('username-hint').hidden = mode === 'login';
  byId('password-hint').hidden = mode === 'login';
}

async function submitAuth(event) {
  event.preventDefault();
  const username = byId('username').value.trim();
  const password = byId('password').value;
  formMessage('auth-error', null);
  if (authMode === 'signup') {
    // The server's rules (docs/errors.md, BAD_REQUEST), checked before asking it.
    const bad = !/^[A-Za-z0-9_.-]{3,32}$/.test(username) ? 'username'
      : password.length < 8 || password.length > 128 ? 'password' : null;
    if (bad) {
      formMessage('auth-error', () => t(`auth.bad.${bad}`));
      byId(bad).focus();
      return;
    }
  } else if (!username || !password) {
    formMessage('auth-error', () => t('error.BAD_CREDENTIALS'));
    return;
  }
  const submit = byId('auth-submit');
  submit.disabled = true;
  try {
    if (authMode === 'signup') await api('POST', '/users', { body: { username, password } });
    const login = await api('POST', '/auth/login', { body: { username, password } });
    state.session = {
      accessToken: login.accessToken,
      userId: login.userId,
      username,
      expiresAt: Date.now() + (login.expiresIn || 3600) * 1000,
    };
    storage.set('session', state.session);
    byId('password').value = '';
    if (authMode === 'signup') toast('notice', () => t('auth.signedup'));
    await enterHome();
  } catch (e) {
    // The server's username and password rules, when it rejects a sign-up as malformed.
    const signup = authMode === 'signup';
    formMessage('auth-error', () => (e.code === 'BAD_REQUEST' && signup
      ? `${t('auth.bad.username')} ${t('auth.bad.password')}` : i18n.errorText(e)));
  } finally {
    submit.disabled = false;
  }
}

function logOut(message = false) {
  stopPolling();
  stopSeatRefresh();
  state.session = null;
  state.balance = null;
  state.queue = null;
  state.holds.clear();
  state.paid.clear();
  state.reservations = null;
  state.seats = null;
  state.seatsFor = null;
  byId('seat-map').replaceChildren();
  delete byId('seat-map').dataset.key;
  for (const key of ['session', 'queue', 'holds', 'paid', 'concertId']) storage.set(key, null);
  clearErrors();
  renderAccount();
  formMessage('auth-error', null);
  setAuthMode('login');
  showView('auth');
  if (message) toast('notice', () => t('auth.loggedout'));
}

// ---------------------------------------------------------------------------------------------
// Balance

async function refreshBalance() {
  if (!access()) return;
  try {
    const r = await api('GET', `/users/${state.session.userId}/balance`, { token: access() });
    state.balance = r.currentBalance;
    renderAccount();
  } catch (e) {
    if (!sessionLost(e)) report(e);
  }
}

function openCharge() {
  const dialog = byId('charge-dialog');
  formMessage('charge-error', null);
  renderAccount();
  if (!dialog.open) dialog.showModal();
  byId('charge-amount').focus();
}

async function submitCharge(event) {
  event.preventDefault();
  const input = byId('charge-amount');
  formMessage('charge-error', null);
  const raw = input.value.trim();
  if (raw === '' || Number.isNaN(Number(raw))) {
    formMessage('charge-error', () => t('error.INVALID_AMOUNT'));
    input.focus();
    return;
  }
  const amount = Number(raw);
  // A retry of the same charge (same amount) after an unknown outcome reuses its key.
  if (!state.chargeAttempt || state.chargeAttempt.amount !== amount) {
    state.chargeAttempt = { key: newKey(), amount };
  }
  const submit = byId('charge-submit');
  submit.disabled = true;
  try {
    const r = await api('POST', `/users/${state.session.userId}/balance`, {
      token: access(),
      idempotencyKey: state.chargeAttempt.key,
      body: { userId: state.session.userId, amount },
    });
    state.chargeAttempt = null;
    state.balance = r.newBalance;
    renderAccount();
    byId('charge-dialog').close();
    input.value = '';
    toast('notice', () => t('balance.done', { amount: i18n.money(amount), balance: i18n.money(r.newBalance) }));
    renderCart();
  } catch (e) {
    if (!e.retryable) state.chargeAttempt = null;
    if (e.code === 'INVALID_TOKEN') { byId('charge-dialog').close(); sessionLost(e); return; }
    formMessage('charge-error', () => i18n.errorText(e));
    if (e.retryable) submit.textContent = t('balance.retry');
  } finally {
    submit.disabled = false;
    if (!state.chargeAttempt) submit.textContent = t('balance.submit');
  }
}

function renderQuickAmounts() {
  for (const b of byId('charge-quick').querySelectorAll('[data-amount]')) {
    b.textContent = `+${i18n.money(Number(b.dataset.amount))}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Concerts

async function loadConcerts() {
  const list = byId('concert-list');
  try {
    state.concerts = await api('GET', '/concerts');
  } catch (e) {
    report(e);
    return;
  } finally {
    list.setAttribute('aria-busy', 'false');
  }
  renderConcerts();
  renderBookingHead();
}

function concertById(id) { return state.concerts.find((c) => c.concertId === id); }

function hue(text) {
  let h = 0;
  for (const ch of String(text)) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return h;
}

function renderConcerts() {
  const list = byId('concert-list');
  if (!state.concerts.length) {
    list.replaceChildren(el('p', { class: 'muted' }, t('concerts.empty')));
    return;
  }
  const active = state.queue && state.queue.status === 'ACTIVE';
  list.replaceChildren(...state.concerts.map((c) => {
    const [, month, day] = String(c.date).split('-');
    const soldOut = c.availableSeats <= 0;
    const art = el('div', { class: 'concert-art', 'aria-hidden': 'true' },
      el('span', { class: 'art-day' }, String(Number(day) || '')),
      el('span', { class: 'art-month' }, monthName(Number(month))));
    art.style.setProperty('--hue', hue(c.concertName));
    const button = el('button', { type: 'button', class: 'btn btn-primary', 'data-concert': c.concertId },
      active ? t('concerts.enter') : t('concerts.join'));
    button.disabled = soldOut;
    button.addEventListener('click', () => openBooking(c.concertId));
    return el('article', { class: 'concert-card', 'data-testid': 'concert' },
      art,
      el('div', { class: 'concert-body' },
        el('h3', {}, c.concertName),
        el('p', { class: 'muted' }, i18n.formatDate(c.date)),
        el('p', { class: soldOut ? 'left left--none' : 'left' },
          soldOut ? t('concerts.soldout') : t('concerts.left', { n: i18n.number(c.availableSeats) })),
        button));
  }));
}

function monthName(m) {
  if (!m) return '';
  return new Intl.DateTimeFormat(i18n.locale(), { month: 'short', timeZone: 'UTC' })
    .format(new Date(Date.UTC(2000, m - 1, 1)));
}

async function enterHome(focus = true) {
  showView('home', focus);
  renderAccount();
  await Promise.all([refreshBalance(), loadConcerts(), loadReservations()]);
}

// ---------------------------------------------------------------------------------------------
// Booking: the waiting room, then the seat map

function renderBookingHead() {
  const c = concertById(state.concertId);
  byId('booking-title').textContent = c ? c.concertName : '';
  byId('booking-date').textContent = c ? i18n.formatDate(c.date) : '';
}

async function openBooking(concertId) {
  clearErrors();
  if (state.concertId !== concertId) {
    state.concertId = concertId;
    state.seats = null;
    state.seatsFor = null;
  }
  storage.set('concertId', concertId);
  state.justPaid = false;
  renderBookingHead();
  showView('booking');
  const q = state.queue;
  if (!q || q.status === 'EXPIRED') await joinQueue();
  else schedulePoll(0);
  renderBooking();
}

// The page's record of a POST /tokens answer; `initial` is the position the progress bar
// measures from.
function queueEntry(r) {
  return {
    token: r.token,
    status: r.status,
    position: r.queuePosition,
    remaining: r.remainingTime,
    range: r.remainingTimeRange,
    paused: r.paused === true,
    refreshAfter: r.refreshAfter,
    initial: r.status === 'WAITING' ? r.queuePosition : 0,
    at: Date.now(),
  };
}

// POST /tokens with the proof of work the server asks for (none at --join-pow 0). A refused
// proof (its challenge expired while the tab slept, say) is solved afresh, once.
// `onChecking(fraction)` follows the search.
async function requestQueueEntry(onChecking = () => {}) {
  const userId = state.session.userId;
  for (let attempt = 0; ; attempt += 1) {
    const body = { userId, ...(await proveWork(userId, onChecking)) };
    try {
      return await api('POST', '/tokens', { token: access(), body });
    } catch (e) {
      if (attempt > 0 || (e.code !== 'POW_INVALID' && e.code !== 'POW_REQUIRED')) throw e;
    }
  }
}

async function joinQueue() {
  stopPolling();
  const joining = { token: null, status: 'JOINING', position: 0, remaining: 0, paused: false, initial: 0, at: Date.now() };
  state.queue = joining;
  renderBooking();
  // "Checking your browser…" while the proof of work is searched for.
  const onChecking = (fraction, found) => {
    if (state.queue !== joining) return;
    joining.status = fraction < 1 ? 'CHECKING' : 'JOINING';
    joining.checked = fraction;
    if (found) byId('queue-panel').dataset.powMs = String(Math.round(found.ms));
    renderBooking();
  };
  try {
    const r = await requestQueueEntry(onChecking);
    state.queue = queueEntry(r);
    saveQueue();
    state.justPaid = false;
    renderBooking();
    followQueue();
    if (r.status === 'ACTIVE') enterSeats();
  } catch (e) {
    state.queue = null;
    saveQueue();
    renderBooking();
    if (!sessionLost(e)) report(e);
  }
}

// DELETE /queue/entry: the fan gives their place, or their ACTIVE slot, to the next in line
// and the page returns to the concert list. Idempotent on the server: a retry is harmless.
async function leaveQueue() {
  const q = state.queue;
  if (!q || !q.token) return;
  stopPolling();
  stopSeatRefresh();
  try {
    await api('DELETE', '/queue/entry', { token: q.token });
  } catch (e) {
    if (sessionLost(e)) return;
    if (e.code !== 'INVALID_TOKEN') {
      report(e);
      schedulePoll(0);
      return;
    }
  }
  if (state.queue !== q) return;
  state.queue = null;
  saveQueue();
  toast('notice', () => t('queue.left'));
  await enterHome();
}

let pollTimer = null;
let backoffMs = 0;
let lastLive = 0;
let stream = null;  // the EventSource of the wait, while open
let streamFailures = 0;
let streamFor = null;  // the token streamFailures counts for

function stopPolling() {
  clearTimeout(pollTimer);
  pollTimer = null;
  if (stream) stream.close();
  stream = null;
}

// Waits for the entry's next change: WAITING, over GET /queue/events while that works (the
// server pushes each change), else by polling after the answer's refreshAfter; ACTIVE, by
// polling (the booking window's countdown).
function followQueue() {
  const q = state.queue;
  if (!q || !q.token || q.status === 'EXPIRED') return;
  if (streamFor !== q.token) {
    streamFor = q.token;
    streamFailures = 0;
  }
  const panel = byId('queue-panel');
  if (q.status === 'WAITING' && streamFailures < kMaxStreamFailures && typeof EventSource === 'function') {
    if (!stream) openStream(q);
    panel.dataset.live = 'stream';
    return;
  }
  panel.dataset.live = 'poll';
  const wait = q.status === 'ACTIVE' ? kActivePollMs : Math.max(kPollMs, (q.refreshAfter || 0) * 1000);
  schedulePoll(wait);
}

function openStream(q) {
  stopPolling();
  const es = new EventSource(`/api/v1/queue/events?token=${encodeURIComponent(q.token)}`);
  stream = es;
  const onEvent = (e) => {
    if (stream !== es || state.queue !== q) return;
    const r = JSON.parse(e.data);
    // The last event: the server closes the stream, and EventSource must not reconnect.
    if (r.status !== 'WAITING') stopPolling();
    applyQueueAnswer(q, r);
  };
  for (const name of ['status', 'admitted', 'expired']) es.addEventListener(name, onEvent);
  // Every seat of every upcoming concert is sold: nothing left to wait for.
  es.addEventListener('soldout', () => {
    if (stream !== es || state.queue !== q) return;
    stopPolling();
    byId('queue-panel').dataset.live = 'soldout';
    toast('notice', () => t('concerts.soldout'));
    loadConcerts();
  });
  // A failed or dropped stream: poll (whose answer tries the stream again, a few times).
  es.onerror = () => {
    if (stream !== es) return;
    stopPolling();
    streamFailures += 1;
    byId('queue-panel').dataset.live = 'poll';
    schedulePoll(Math.max(kPollMs, (q.refreshAfter || 0) * 1000));
  };
}

function schedulePoll(delay) {
  stopPolling();
  pollTimer = setTimeout(pollQueue, delay);
}

async function pollQueue() {
  pollTimer = null;
  const q = state.queue;
  if (!q || !q.token || !access()) return;
  let r;
  try {
    r = await api('GET', '/queue/status', { token: q.token });
  } catch (e) {
    if (state.queue !== q) return;
    if (e.code === 'INVALID_TOKEN') {
      toast('notice', () => i18n.errorText(e, {}, 'queue'));
      await joinQueue();
      return;
    }
    backoffMs = Math.min(kMaxBackoffMs, backoffMs ? backoffMs * 2 : kFirstBackoffMs);
    const wait = Math.max(backoffMs, (e.retryAfter || 0) * 1000);
    const note = byId('queue-retry');
    note.hidden = false;
    note.textContent = `${i18n.errorText(e)} ${t('queue.retrying', { n: Math.round(wait / 1000) })}`;
    schedulePoll(wait);
    return;
  }
  if (state.queue !== q) return;
  backoffMs = 0;
  byId('queue-retry').hidden = true;
  applyQueueAnswer(q, r);
}

// A status answer or a stream event's data.
function applyQueueAnswer(q, r) {
  const was = q.status;
  Object.assign(q, {
    status: r.status,
    position: r.queuePosition,
    remaining: r.remainingTime,
    range: r.remainingTimeRange,
    paused: r.paused === true,
    refreshAfter: r.refreshAfter,
    at: Date.now(),
  });
  if (q.status === 'WAITING' && (!q.initial || q.position > q.initial)) q.initial = q.position;
  saveQueue();
  renderBooking();
  if (q.status === 'ACTIVE' && was !== 'ACTIVE') enterSeats();
  if (q.status === 'EXPIRED') {
    stopSeatRefresh();
    return; // a fresh entry only on the fan's request
  }
  followQueue();
}

function currentStep() {
  const q = state.queue;
  if (state.justPaid && !heldHere().length) return 'done';
  if (heldHere().length) return 'pay';
  if (q && q.status === 'ACTIVE') return 'seats';
  return 'queue';
}

function renderStepper() {
  const order = ['concert', 'queue', 'seats', 'pay', 'done'];
  const current = order.indexOf(currentStep());
  for (const li of byId('stepper').children) {
    const i = order.indexOf(li.dataset.step);
    li.classList.toggle('done', i < current);
    li.classList.toggle('current', i === current);
    if (i === current) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
  }
}

function renderBooking() {
  if (state.view !== 'booking') return;
  const q = state.queue;
  const active = q && q.status === 'ACTIVE';
  byId('queue-panel').hidden = Boolean(active);
  byId('seat-panel').hidden = !active;
  byId('cart').hidden = !active && !heldHere().length;
  renderQueue();
  renderActiveBanner();
  renderStepper();
  renderCart();
}

function renderQueue() {
  const q = state.queue;
  const stateText = byId('queue-state');
  const pos = byId('queue-pos');
  const etaText = byId('queue-eta');
  const bar = byId('queue-bar');
  const paused = byId('queue-paused');
  const rejoin = byId('queue-rejoin');
  let progress = 0;
  rejoin.hidden = true;
  byId('queue-leave').hidden = !q || q.status !== 'WAITING';
  paused.hidden = !(q && q.paused && q.status === 'WAITING');
  byId('queue-note').hidden = !q || q.status === 'EXPIRED';
  if (!q || q.status === 'JOINING') {
    stateText.textContent = t('queue.joining');
    stateText.dataset.status = 'JOINING';
    pos.textContent = '—';
    etaText.textContent = '—';
  } else if (q.status === 'CHECKING') {
    stateText.textContent = t('queue.checking');
    stateText.dataset.status = 'CHECKING';
    pos.textContent = '—';
    etaText.textContent = '—';
    progress = q.checked;
  } else if (q.status === 'WAITING') {
    stateText.textContent = q.paused ? t('queue.waiting.paused') : t('queue.waiting');
    stateText.dataset.status = 'WAITING';
    pos.textContent = t('queue.ahead', { n: i18n.number(q.position) });
    const waitText = i18n.etaRange(q.remaining, q.range);
    etaText.textContent = q.paused ? t('queue.eta.resume', { eta: waitText }) : waitText;
    progress = q.initial > 0 ? (q.initial - q.position) / q.initial : 0;
    const now = Date.now();
    if (now - lastLive > kLiveEveryMs) {
      lastLive = now;
      byId('queue-live').textContent = t('queue.live.position', { n: q.position, eta: waitText });
    }
  } else if (q.status === 'EXPIRED') {
    stateText.textContent = state.justPaid ? t('queue.expired.paid') : t('queue.expired');
    stateText.dataset.status = 'EXPIRED';
    pos.textContent = '—';
    etaText.textContent = '—';
    rejoin.hidden = false;
  } else {
    stateText.dataset.status = q.status;
    progress = 1;
  }
  const percent = Math.round(Math.max(0.02, Math.min(1, progress)) * 100);
  bar.setAttribute('aria-valuenow', String(percent));
  bar.firstElementChild.style.width = `${percent}%`;
}

function activeSecondsLeft() {
  const q = state.queue;
  if (!q || q.status !== 'ACTIVE') return 0;
  return q.remaining - (Date.now() - q.at) / 1000;
}

function renderActiveBanner() {
  const q = state.queue;
  const banner = byId('active-banner');
  if (!q || q.status !== 'ACTIVE') return;
  banner.textContent = `${t('queue.active')} ${t('queue.active.left', { time: i18n.clock(activeSecondsLeft()) })}`;
}

// ---------------------------------------------------------------------------------------------
// The seat map

let seatTimer = null;

function stopSeatRefresh() {
  clearInterval(seatTimer);
  seatTimer = null;
}

function enterSeats() {
  renderBooking();
  loadSeats();
  stopSeatRefresh();
  seatTimer = setInterval(() => {
    if (document.visibilityState === 'visible') loadSeats();
  }, kSeatRefreshMs);
}

async function loadSeats() {
  const concertId = state.concertId;
  if (!concertId) return;
  try {
    const seats = await api('GET', `/concerts/${concertId}/seats`);
    if (state.concertId !== concertId) return;
    state.seats = seats;
    state.seatsFor = concertId;
    renderSeatMap();
  } catch (e) {
    if (e.code === 'CONCERT_NOT_FOUND') {
      report(e);
      await enterHome();
      return;
    }
    report(e);
  }
}

// Seats of this concert held by this fan (not yet known to have lapsed on the server).
function heldHere() {
  return [...state.holds.values()].filter((h) => h.concertId === state.concertId && h.status === 'HELD');
}

function seatStatus(seat) {
  const key = `${state.concertId}:${seat.seatNumber}`;
  if (state.paid.has(key)) return 'bought';
  if (heldHere().some((h) => h.seatNumber === seat.seatNumber && h.expiresAt > serverNow())) return 'yours';
  return seat.available ? 'available' : 'taken';
}

let seatButtons = new Map();
let focusSeat = null;

function buildSeatMap() {
  const map = byId('seat-map');
  seatButtons = new Map();
  const tiers = new Map();
  for (const seat of state.seats) {
    if (!tiers.has(seat.price)) tiers.set(seat.price, []);
    tiers.get(seat.price).push(seat);
  }
  const sections = [];
  let index = 0;
  for (const [price, seats] of tiers) {
    const grid = el('div', { class: 'seat-grid' });
    for (const seat of seats) {
      const button = el('button', {
        type: 'button', class: 'seat', 'data-seat': String(seat.seatNumber), tabindex: '-1',
      }, el('span', { class: 'seat-num' }, String(seat.seatNumber)),
      el('span', { class: 'seat-price' }, i18n.shortMoney(price)));
      seatButtons.set(seat.seatNumber, button);
      grid.append(button);
    }
    const head = el('h4', { class: 'tier-head' }, el('span', { class: `tier-mark tier-${index % 4}` }),
      el('span', { class: 'tier-text' }));
    const section = el('section', { class: `tier tier-${index % 4}`, 'data-price': String(price) }, head, grid);
    sections.push(section);
    index += 1;
  }
  map.replaceChildren(el('div', { class: 'stage', 'aria-hidden': 'true' }, t('seats.stage')), ...sections);
}

function renderSeatMap() {
  const map = byId('seat-map');
  if (!state.seats || state.seatsFor !== state.concertId) {
    map.replaceChildren(el('p', { class: 'muted' }, t('seats.loading')));
    delete map.dataset.key;
    return;
  }
  const key = `${state.concertId}:${state.seats.length}:${i18n.getLang()}`;
  const hadFocus = map.contains(document.activeElement);
  if (map.dataset.key !== key) {
    buildSeatMap();
    map.dataset.key = key;
  }
  const counts = new Map();
  for (const seat of state.seats) {
    const button = seatButtons.get(seat.seatNumber);
    let status = seatStatus(seat);
    if (state.pending.has(seat.seatNumber)) status = 'pending';
    const tally = counts.get(seat.price) || { free: 0, total: 0 };
    tally.total += 1;
    if (status === 'available') tally.free += 1;
    counts.set(seat.price, tally);
    if (button.dataset.status === status) continue;
    button.dataset.status = status;
    button.className = `seat seat--${status}`;
    const labelKey = status === 'pending' ? 'seats.label.available' : `seats.label.${status}`;
    const label = t(labelKey, { n: seat.seatNumber, price: i18n.money(seat.price) });
    button.setAttribute('aria-label', label);
    button.title = label;
    button.setAttribute('aria-disabled', String(status === 'taken' || status === 'bought'));
    if (status === 'pending') button.setAttribute('aria-busy', 'true'); else button.removeAttribute('aria-busy');
  }
  for (const section of map.querySelectorAll('.tier')) {
    const price = Number(section.dataset.price);
    const tally = counts.get(price) || { free: 0, total: 0 };
    section.querySelector('.tier-text').textContent =
      t('seats.tier', { price: i18n.money(price), n: i18n.number(tally.free), total: i18n.number(tally.total) });
  }
  // Roving tabindex: one seat in the tab order, arrow keys move within the map.
  if (!seatButtons.has(focusSeat)) {
    const first = state.seats.find((s) => seatStatus(s) === 'available') || state.seats[0];
    focusSeat = first ? first.seatNumber : null;
  }
  for (const [n, button] of seatButtons) button.tabIndex = n === focusSeat ? 0 : -1;
  if (hadFocus && seatButtons.has(focusSeat) && !map.contains(document.activeElement)) {
    seatButtons.get(focusSeat).focus();
  }
}

function moveSeatFocus(button, key) {
  const all = [...seatButtons.values()];
  const i = all.indexOf(button);
  let target = null;
  if (key === 'ArrowRight') target = all[i + 1];
  else if (key === 'ArrowLeft') target = all[i - 1];
  else if (key === 'Home') target = all[0];
  else if (key === 'End') target = all[all.length - 1];
  else if (key === 'ArrowDown' || key === 'ArrowUp') {
    // The seat in the next (or previous) visual row nearest to this column.
    const step = key === 'ArrowDown' ? 1 : -1;
    const left = button.getBoundingClientRect().left;
    const rowTop = (b) => b.getBoundingClientRect().top;
    const myTop = rowTop(button);
    let j = i + step;
    while (all[j] && Math.abs(rowTop(all[j]) - myTop) < 2) j += step;
    if (all[j]) {
      const row = rowTop(all[j]);
      let best = all[j];
      for (let k = j; all[k] && Math.abs(rowTop(all[k]) - row) < 2; k += step) {
        const distance = (b) => Math.abs(b.getBoundingClientRect().left - left);
        if (distance(all[k]) < distance(best)) best = all[k];
      }
      target = best;
    }
  }
  if (!target) return false;
  focusSeat = Number(target.dataset.seat);
  for (const b of all) b.tabIndex = b === target ? 0 : -1;
  target.focus();
  return true;
}

function onSeatKey(event) {
  const button = event.target.closest('.seat');
  if (!button) return;
  if (['ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowDown', 'Home', 'End'].includes(event.key)) {
    if (moveSeatFocus(button, event.key)) event.preventDefault();
  }
}

function onSeatClick(event) {
  const button = event.target.closest('.seat');
  if (!button) return;
  const n = Number(button.dataset.seat);
  focusSeat = n;
  for (const b of seatButtons.values()) b.tabIndex = b === button ? 0 : -1;
  const status = button.dataset.status;
  if (status === 'available') holdSeat(n);
  else if (status === 'taken') toast('error', () => t('seats.taken.click', { n }), 'SEAT_UNAVAILABLE');
  else if (status === 'yours') {
    const item = byId('cart-list').querySelector(`[data-seat="${n}"] .pay`);
    toast('notice', () => t('seats.yours.click', { n }));
    if (item) item.focus();
  }
}

async function holdSeat(seatNumber) {
  const q = state.queue;
  if (!q || !q.token || state.pending.has(seatNumber)) return;
  const concertId = state.concertId;
  const seat = state.seats.find((s) => s.seatNumber === seatNumber);
  state.pending.add(seatNumber);
  renderSeatMap();
  try {
    const r = await api('POST', '/reservations', { token: q.token, body: { concertId, seatNumber } });
    const concert = concertById(concertId);
    const hold = {
      reservationId: r.reservationId,
      concertId,
      concertName: concert ? concert.concertName : '',
      date: concert ? concert.date : '',
      seatNumber,
      price: seat.price,
      expiresAt: Date.parse(r.expiresAt),
      heldAt: serverNow(),
      status: 'HELD',
      attempt: null,
      extended: false,
    };
    state.holds.set(hold.reservationId, hold);
    saveHolds();
    seat.available = false;
    clearErrors();
    toast('notice', () => t('seats.held', { n: seatNumber, time: i18n.clock((hold.expiresAt - serverNow()) / 1000) }));
  } catch (e) {
    if (e.code === 'SEAT_UNAVAILABLE') seat.available = false;
    report(e, { seat: seatNumber, price: i18n.money(seat.price) });
    if (e.code === 'INVALID_TOKEN') await joinQueue();
    else if (e.code === 'QUEUE_NOT_ACTIVE') schedulePoll(0);
    else if (e.code === 'CONCERT_NOT_FOUND') { await enterHome(); return; }
  } finally {
    state.pending.delete(seatNumber);
  }
  renderBooking();
  renderSeatMap();
  loadSeats();
}

// ---------------------------------------------------------------------------------------------
// Holds: countdowns, cancel, pay

function secondsLeft(hold) { return (hold.expiresAt - serverNow()) / 1000; }

function renderCart() {
  const list = byId('cart-list');
  const holds = [...state.holds.values()]
    .filter((h) => h.concertId === state.concertId && (h.status === 'HELD' || h.status === 'LAPSED'))
    .sort((a, b) => a.expiresAt - b.expiresAt);
  const live = holds.filter((h) => h.status === 'HELD' && secondsLeft(h) > 0);
  byId('cart-empty').hidden = holds.length > 0;
  byId('cart-count').textContent = t('cart.count', { n: live.length, max: kHoldLimit });
  const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
  const items = holds.map((h) => {
    let li = existing.get(h.reservationId);
    if (!li) li = buildHold(h);
    updateHold(li, h);
    return li;
  });
  // Keeps focused items in place (no replaceChildren), so focus survives a re-render.
  for (const [id, li] of existing) if (!holds.some((h) => h.reservationId === id)) li.remove();
  items.forEach((li, i) => { if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null); });
  renderCartBar(live);
}

function buildHold(h) {
  const pay = el('button', { type: 'button', class: 'btn btn-primary pay' });
  const extend = el('button', { type: 'button', class: 'btn btn-small extend', 'data-testid': 'extend' });
  const cancel = el('button', { type: 'button', class: 'btn cancel' });
  pay.addEventListener('click', () => payHold(h.reservationId));
  extend.addEventListener('click', () => extendHold(h.reservationId));
  cancel.addEventListener('click', () => cancelHold(h.reservationId));
  return el('li', { class: 'hold', 'data-id': h.reservationId, 'data-seat': String(h.seatNumber), 'data-testid': 'hold' },
    el('div', { class: 'hold-top' },
      el('strong', { class: 'hold-seat' }),
      el('span', { class: 'hold-price' })),
    el('div', { class: 'hold-timer' },
      el('span', { class: 'hold-timer-label' }),
      el('span', { class: 'hold-clock' },
        el('span', { class: 'countdown', role: 'timer', 'data-testid': 'countdown' }), extend)),
    el('div', { class: 'timer-bar', 'aria-hidden': 'true' }, el('div')),
    el('p', { class: 'hold-note small' }),
    el('div', { class: 'hold-actions' }, pay, cancel));
}

function updateHold(li, h) {
  const left = secondsLeft(h);
  const lapsed = h.status === 'LAPSED' || left <= 0;
  li.classList.toggle('expired', lapsed);
  li.querySelector('.hold-seat').textContent = t('cart.seat', { n: h.seatNumber });
  li.querySelector('.hold-price').textContent = i18n.money(h.price);
  li.querySelector('.hold-timer-label').textContent = lapsed ? '' : t('cart.expires');
  const countdown = li.querySelector('.countdown');
  countdown.textContent = lapsed ? t('cart.expired') : i18n.clock(left);
  countdown.dataset.state = lapsed ? 'expired' : 'running';
  const total = Math.max(1, (h.expiresAt - (h.heldAt || h.expiresAt - 300000)) / 1000);
  const bar = li.querySelector('.timer-bar > div');
  bar.style.width = `${Math.max(0, Math.min(100, (left / total) * 100))}%`;
  li.classList.toggle('urgent', !lapsed && left < 60);
  const pay = li.querySelector('.pay');
  const cancel = li.querySelector('.cancel');
  // The server decides whether a hold lapsed: paying stays possible until it says so.
  pay.hidden = h.status === 'LAPSED';
  pay.disabled = Boolean(h.busy);
  pay.textContent = h.busy ? t('cart.paying') : h.attempt ? t('cart.retry') : t('cart.pay', { price: i18n.money(h.price) });
  // Once only: after the extension the button stays, disabled, saying so.
  const extend = li.querySelector('.extend');
  extend.hidden = lapsed;
  extend.disabled = Boolean(h.busy) || Boolean(h.extended);
  extend.textContent = h.extended ? t('cart.extended') : t('cart.extend');
  extend.setAttribute('aria-label', t(h.extended ? 'cart.extended.label' : 'cart.extend.label', { n: h.seatNumber }));
  cancel.textContent = lapsed ? t('cart.remove') : t('cart.cancel');
  cancel.setAttribute('aria-label', t(lapsed ? 'cart.remove.label' : 'cart.cancel.label', { n: h.seatNumber }));
  cancel.disabled = Boolean(h.busy);
  li.querySelector('.hold-note').textContent = h.attempt ? t('cart.uncertain') : '';
}

function renderCartBar(live) {
  const bar = byId('cart-bar');
  bar.hidden = state.view !== 'booking' || live.length === 0;
  if (bar.hidden) return;
  const next = Math.min(...live.map(secondsLeft));
  byId('cart-bar-text').textContent = `${t('cart.count', { n: live.length, max: kHoldLimit })} · ${i18n.clock(next)}`;
}

async function ensureQueueToken() {
  if (state.queue && state.queue.token) return state.queue.token;
  const r = await requestQueueEntry();
  state.queue = queueEntry(r);
  saveQueue();
  return r.token;
}

async function payHold(id) {
  const h = state.holds.get(id);
  if (!h || h.busy) return;
  clearErrors();
  const context = { seat: h.seatNumber, price: i18n.money(h.price) };
  // One Idempotency-Key per payment attempt; a retry of an attempt whose outcome is unknown
  // sends the same key and body, so it can not pay twice.
  if (!h.attempt) h.attempt = { key: newKey(), amount: h.price };
  h.busy = true;
  renderCart();
  let result;
  try {
    const token = await ensureQueueToken();
    result = await api('POST', '/payments', {
      token,
      idempotencyKey: h.attempt.key,
      body: { reservationId: id, amount: h.attempt.amount },
    });
  } catch (e) {
    h.busy = false;
    if (!e.retryable) h.attempt = null;
    report(e, context);
    switch (e.code) {
      case 'HOLD_EXPIRED': h.status = 'LAPSED'; loadSeats(); break;
      case 'ALREADY_PAID': markPaid(h); loadReservations(); break;
      case 'RESERVATION_NOT_FOUND': case 'FORBIDDEN': state.holds.delete(id); break;
      case 'AMOUNT_MISMATCH': await refreshHold(h); break;
      case 'INSUFFICIENT_BALANCE': refreshBalance(); break;
      case 'INVALID_TOKEN': state.queue = null; saveQueue(); break;
      default: break;
    }
    saveHolds();
    renderBooking();
    renderSeatMap();
    return;
  }
  h.busy = false;
  h.attempt = null;
  clearNotices();
  markPaid(h);
  state.justPaid = true;
  saveHolds();
  await refreshBalance();
  showConfirmation(h, result);
  renderBooking();
  renderSeatMap();
  loadReservations();
  loadSeats();
  schedulePoll(0);
}

function markPaid(h) {
  h.status = 'CONFIRMED';
  state.paid.add(`${h.concertId}:${h.seatNumber}`);
  state.holds.delete(h.reservationId);
}

async function refreshHold(h) {
  try {
    const r = await api('GET', `/reservations/${h.reservationId}`, { token: access() });
    h.price = r.price;
    h.expiresAt = Date.parse(r.expiresAt);
    h.extended = r.extended;
    if (r.status !== 'HELD') h.status = r.status === 'CONFIRMED' ? 'CONFIRMED' : 'LAPSED';
  } catch (e) {
    if (!sessionLost(e)) report(e);
  }
}

async function cancelHold(id) {
  const h = state.holds.get(id);
  if (!h || h.busy) return;
  if (h.status === 'LAPSED') {
    state.holds.delete(id);
    saveHolds();
    renderBooking();
    renderSeatMap();
    return;
  }
  h.busy = true;
  renderCart();
  try {
    await api('DELETE', `/reservations/${id}`, { token: access() });
    state.holds.delete(id);
    toast('notice', () => t('cart.cancelled', { n: h.seatNumber }));
  } catch (e) {
    h.busy = false;
    if (sessionLost(e)) return;
    if (e.code === 'ALREADY_PAID') { markPaid(h); report(e); }
    else if (e.code === 'HOLD_EXPIRED' || e.code === 'RESERVATION_NOT_FOUND') state.holds.delete(id);
    else report(e, { seat: h.seatNumber, price: i18n.money(h.price) });
  }
  saveHolds();
  renderBooking();
  renderSeatMap();
  loadSeats();
  byId('cart-h').focus();
}

// Once per hold, while the queue entry is ACTIVE: the hold TTL is added to the expiry.
async function extendHold(id) {
  const h = state.holds.get(id);
  if (!h || h.busy || h.extended) return;
  clearErrors();
  h.busy = true;
  renderCart();
  try {
    const token = await ensureQueueToken();
    const r = await api('POST', `/reservations/${id}/extend`, { token, body: {} });
    h.expiresAt = Date.parse(r.expiresAt);
    h.extended = true;
    toast('notice', () => t('cart.extended.toast', { n: h.seatNumber, time: i18n.clock(secondsLeft(h)) }));
  } catch (e) {
    switch (e.code) {
      case 'ALREADY_EXTENDED': h.extended = true; await refreshHold(h); break;
      case 'HOLD_EXPIRED': h.status = 'LAPSED'; loadSeats(); break;
      case 'ALREADY_PAID': markPaid(h); break;
      case 'RESERVATION_NOT_FOUND': case 'FORBIDDEN': state.holds.delete(id); break;
      case 'INVALID_TOKEN': state.queue = null; saveQueue(); break;
      case 'QUEUE_NOT_ACTIVE': schedulePoll(0); break;
      default: break;
    }
    if (e.code !== 'ALREADY_EXTENDED') report(e, { seat: h.seatNumber, price: i18n.money(h.price) });
  } finally {
    h.busy = false;
  }
  saveHolds();
  renderBooking();
  renderSeatMap();
}

function showConfirmation(h, result) {
  const dialog = byId('confirm-dialog');
  byId('confirm-body').textContent = t('confirm.body', {
    seat: h.seatNumber, concert: h.concertName, date: h.date ? i18n.formatDate(h.date) : '',
  });
  byId('confirm-paid').textContent = i18n.money(h.price);
  byId('confirm-balance').textContent = state.balance === null ? '—' : i18n.money(state.balance);
  byId('confirm-ref').textContent = result && result.paymentId ? result.paymentId : '';
  renderStepper();
  if (!dialog.open) dialog.showModal();
  byId('confirm-close').focus();
}

// ---------------------------------------------------------------------------------------------
// My reservations

async function loadReservations() {
  if (!access()) return;
  try {
    state.reservations = await api('GET', `/users/${state.session.userId}/reservations`, { token: access() });
  } catch (e) {
    if (!sessionLost(e)) report(e);
    return;
  }
  for (const r of state.reservations) {
    if (r.status === 'CONFIRMED') state.paid.add(`${r.concertId}:${r.seatNumber}`);
    // Holds made in another tab (or before a reload that lost them) join the cart.
    if (r.status === 'HELD' && !state.holds.has(r.reservationId) && Date.parse(r.expiresAt) > serverNow()) {
      state.holds.set(r.reservationId, {
        reservationId: r.reservationId, concertId: r.concertId, concertName: r.concertName, date: r.date,
        seatNumber: r.seatNumber, price: r.price, expiresAt: Date.parse(r.expiresAt), heldAt: null,
        status: 'HELD', attempt: null, extended: r.extended,
      });
    }
  }
  saveHolds();
  renderReservations();
  renderBooking();
}

function renderReservations() {
  const list = byId('res-list');
  const rows = state.reservations || [];
  if (!rows.length) {
    list.replaceChildren(el('li', { class: 'muted res-empty' }, t('res.empty')));
    return;
  }
  list.replaceChildren(...rows.map((r) => {
    // A live hold says until when it can be paid; the other states are final.
    const until = r.status === 'HELD' && r.expiresAt
      ? t('res.until', { time: i18n.formatTime(new Date(r.expiresAt)) }) : null;
    return el('li', { class: `res res--${String(r.status).toLowerCase()}`, 'data-testid': 'reservation', 'data-status': r.status, 'data-id': r.reservationId },
      el('div', { class: 'res-seat' },
        el('span', { class: 'label' }, t('res.seat')),
        el('strong', { 'data-testid': 'res-seat' }, String(r.seatNumber))),
      el('div', { class: 'res-main' },
        el('strong', { 'data-testid': 'res-concert' }, r.concertName),
        el('span', { class: 'muted', 'data-testid': 'res-date' }, i18n.formatDate(r.date))),
      el('span', { class: 'res-price', 'data-testid': 'res-price' }, i18n.money(r.price)),
      el('span', { class: 'res-status' },
        el('span', { class: `badge badge--${String(r.status).toLowerCase()}`, 'data-testid': 'res-status' }, t(`res.status.${r.status}`)),
        until && el('span', { class: 'muted small' }, until)));
  }));
}

// ---------------------------------------------------------------------------------------------
// The clock: countdowns of holds and of the booking window

function tick() {
  if (state.view !== 'booking') return;
  renderActiveBanner();
  renderCart();
  // A hold that lapsed locally frees its seat on the map at once; the server confirms later.
  for (const h of heldHere()) {
    if (secondsLeft(h) > 0 || h.lapseSeen) continue;
    h.lapseSeen = true;
    renderSeatMap();
    loadSeats();
    // The server's clock decides; a second read picks up its verdict soon after ours.
    setTimeout(loadSeats, 1200);
  }
}

// ---------------------------------------------------------------------------------------------
// Wiring

function rerenderAll() {
  renderAccount();
  renderQuickAmounts();
  renderConcerts();
  renderBookingHead();
  renderReservations();
  byId('cart-list').replaceChildren();
  renderBooking();
  renderSeatMap();
  setAuthMode(authMode);
}

function start() {
  i18n.installToggle();
  i18n.onLangChange(rerenderAll);
  renderQuickAmounts();
  for (const mode of ['login', 'signup']) {
    byId(`mode-${mode}`).addEventListener('click', () => { formMessage('auth-error', null); setAuthMode(mode); });
  }
  byId('auth-form').addEventListener('submit', submitAuth);
  byId('logout').addEventListener('click', () => logOut(true));
  byId('open-charge').addEventListener('click', openCharge);
  byId('cart-charge').addEventListener('click', openCharge);
  byId('charge-form').addEventListener('submit', submitCharge);
  byId('charge-close').addEventListener('click', () => byId('charge-dialog').close());
  byId('charge-quick').addEventListener('click', (e) => {
    const b = e.target.closest('[data-amount]');
    if (b) { byId('charge-amount').value = b.dataset.amount; byId('charge-amount').focus(); }
  });
  byId('nav-concerts').addEventListener('click', () => enterHome());
  byId('nav-reservations').addEventListener('click', async () => {
    await enterHome(false);
    byId('reservations').scrollIntoView();
    byId('res-h').focus({ preventScroll: true });
  });
  byId('back').addEventListener('click', () => enterHome());
  byId('res-refresh').addEventListener('click', loadReservations);
  byId('seats-refresh').addEventListener('click', loadSeats);
  byId('queue-rejoin').addEventListener('click', joinQueue);
  byId('queue-leave').addEventListener('click', leaveQueue);
  byId('seats-leave').addEventListener('click', leaveQueue);
  byId('seat-map').addEventListener('click', onSeatClick);
  byId('seat-map').addEventListener('keydown', onSeatKey);
  byId('cart-bar-go').addEventListener('click', () => {
    byId('cart').scrollIntoView({ block: 'start' });
    byId('cart-h').focus({ preventScroll: true });
  });
  byId('confirm-close').addEventListener('click', () => { byId('confirm-dialog').close(); renderStepper(); });
  byId('confirm-res').addEventListener('click', async () => {
    byId('confirm-dialog').close();
    await enterHome(false);
    byId('reservations').scrollIntoView();
    byId('res-h').focus({ preventScroll: true });
  });
  setInterval(tick, 250);

  if (state.session && state.session.expiresAt > Date.now()) {
    if (state.concertId && state.queue && state.queue.token) {
      renderAccount();
      refreshBalance();
      loadConcerts().then(() => openBooking(state.concertId));
      loadReservations();
    } else {
      enterHome();
    }
  } else {
    if (state.session) logOut();
    showView('auth', false);
  }
}

start();
