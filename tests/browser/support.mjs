// Shared fixtures for the browser tests: a real concertd on a temp SQLite file, headless
// Chromium through playwright-core, screenshots, and condition waits (no fixed sleeps).

import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const binary = process.env.CONCERTD_BINARY || path.join(repoRoot, 'build/release/src/concertd');
export const screenshotDir = process.env.SCREENSHOT_DIR || path.join(repoRoot, 'build/screenshots');
// With DOC_SCREENSHOTS=1, the shots given a `doc` name are also written to docs/screenshots.
const docDir = process.env.DOC_SCREENSHOTS === '1' ? path.join(repoRoot, 'docs/screenshots') : null;
export const adminKey = 'test-admin-key';
export const phone = { width: 375, height: 812 };
export const desktop = { width: 1280, height: 860 };

const kStartupMs = 15000;
const kStopMs = 5000;

// Starts concertd on 127.0.0.1:0 with demo concerts; resolves once its startup line names the port.
export async function startConcertd(extraArgs = []) {
  const dir = mkdtempSync(path.join(tmpdir(), 'concertd-browser-'));
  const args = [
    '--listen', '127.0.0.1:0', '--database', `sqlite:${dir}/concert.db`, '--demo',
    '--admin-key', adminKey, '--jwt-secret', 'browser-tests-jwt-secret-0123456789',
    '--web-root', path.join(repoRoot, 'web'), '--threads', '2',
    // Every fan of these tests comes from 127.0.0.1: one address, no per-address limits.
    '--rate-limits', 'off', ...extraArgs,
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const log = [];
  const url = await new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`concertd did not start in ${kStartupMs} ms:\n${log.join('\n')}`)), kStartupMs);
    child.stderr.on('data', (chunk) => {
      buffered += chunk.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        log.push(line);
        if (log.length > 200) log.shift();
        const m = line.match(/"event":"startup".*"listen":"([^"]+)"/);
        if (m) { clearTimeout(timer); resolve(`http://${m[1]}`); }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`concertd exited with ${code} before listening:\n${log.join('\n')}`));
    });
  });
  return {
    url,
    log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), kStopMs);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true });
}

// A fresh browser context (its own cookies and storage: one fan) and a page on `url`.
// Page errors and CSP violations fail the test through `problems`.
export async function openPage(browser, url, { viewport = desktop, locale = 'en-US', mobile = false } = {}) {
  const context = await browser.newContext({
    viewport, locale, isMobile: mobile, hasTouch: mobile, deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // A 4xx answer is logged by Chromium as a failed resource; those are expected outcomes.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.setDefaultTimeout(10000);
  await page.goto(url);
  return { context, page, problems };
}

// Saves a screenshot of the viewport (or the full page) as SCREENSHOT_DIR/<name>.png, and as
// docs/screenshots/<doc>.png when asked for (DOC_SCREENSHOTS=1).
export async function shot(page, name, { fullPage = false, doc = null } = {}) {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage, animations: 'disabled' });
  if (doc && docDir) copyFileSync(file, path.join(docDir, `${doc}.png`));
}

// Closes every toast through its × button, so that a picture shows what is under them.
export async function dismissToasts(page) {
  await page.locator('.toast-close').evaluateAll((buttons) => buttons.forEach((b) => b.click()));
  await page.locator('.toast').first().waitFor({ state: 'detached' });
}

// What in the "Your holds" card sticks out: a hold outside the card's padding, a button outside
// its hold's padding (so touching its edge), or a label wider than its button. [] when all fit.
export async function holdsOverflow(page) {
  return page.locator('#cart').evaluate((cart) => {
    const problems = [];
    const content = (node) => {
      const r = node.getBoundingClientRect();
      const s = getComputedStyle(node);
      const px = (v) => parseFloat(v) || 0;
      return {
        left: r.left + px(s.borderLeftWidth) + px(s.paddingLeft),
        right: r.right - px(s.borderRightWidth) - px(s.paddingRight),
      };
    };
    const outside = (r, box) => r.left < box.left - 0.5 || r.right > box.right + 0.5;
    const card = cart.getBoundingClientRect();
    if (card.left < 0 || card.right > document.documentElement.clientWidth) problems.push('the card leaves the window');
    for (const li of cart.querySelectorAll('[data-testid="hold"]')) {
      const seat = li.dataset.seat;
      if (outside(li.getBoundingClientRect(), content(cart))) problems.push(`hold ${seat} leaves the card`);
      if (li.scrollWidth > li.clientWidth + 1) problems.push(`hold ${seat} scrolls sideways`);
      const box = content(li);
      for (const b of li.querySelectorAll('button')) {
        if (!b.offsetParent) continue;
        const r = b.getBoundingClientRect();
        if (outside(r, box)) problems.push(`"${b.textContent}" of hold ${seat} at ${r.left}..${r.right} is outside ${box.left}..${box.right}`);
        if (b.scrollWidth > b.clientWidth + 1) problems.push(`"${b.textContent}" of hold ${seat} is wider than its button`);
      }
    }
    return problems;
  });
}

// Polls `fn` until it returns a truthy value; returns it. Throws `message` after `timeout` ms.
export async function waitUntil(fn, { timeout = 10000, interval = 100, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${message} (last: ${last})`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

// The document is no wider than the viewport (no horizontal scrolling).
export async function documentFits(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

let fanCount = 0;
export function fanName(prefix = 'fan') {
  fanCount += 1;
  return `${prefix}${Date.now().toString(36)}${fanCount}`;
}

// Signs a new fan up through the page (which logs them in).
export async function signUp(page, username, password = 'correct horse battery') {
  await page.locator('#mode-signup').click();
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('#auth-submit').click();
  await page.locator('#concerts-h').waitFor();
  await page.locator('[data-testid="concert"]').first().waitFor();
}

export async function charge(page, amount) {
  await page.locator('#open-charge').click();
  await page.locator('#charge-amount').fill(String(amount));
  await page.locator('#charge-submit').click();
  await page.locator('#charge-dialog').waitFor({ state: 'hidden' });
}

// Joins the waiting room for the n-th concert and waits until the seat map is usable.
export async function joinAndWaitForSeats(page, index = 0, timeout = 15000) {
  await page.locator('[data-testid="concert"] button').nth(index).click();
  await page.locator('#seat-map .seat--available').first().waitFor({ timeout });
}

export function seat(page, n) { return page.locator(`#seat-map .seat[data-seat="${n}"]`); }
export function hold(page, n) { return page.locator(`#cart-list [data-testid="hold"][data-seat="${n}"]`); }

// An API call from the test itself (setup and checks).
export async function apiCall(base, method, route, { body, token, admin } = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (admin) headers['X-Admin-Key'] = adminKey;
  const r = await fetch(`${base}/api/v1${route}`, { method, headers, body: body && JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

export function assertNoProblems(problems) {
  if (problems.length) throw new Error(`the page reported problems:\n${problems.join('\n')}`);
}

// Throws unless the API answered `status`; returns the body.
export function expectStatus(answer, status, what = 'the API call') {
  if (answer.status !== status) {
    throw new Error(`${what} answered ${answer.status}, not ${status}: ${JSON.stringify(answer.body)}`);
  }
  return answer.body;
}

// A fan made through the API alone: signed up, logged in and charged `balance` won.
export async function apiFan(base, { balance = 0, prefix = 'api' } = {}) {
  const creds = { username: fanName(prefix), password: 'correct horse battery' };
  expectStatus(await apiCall(base, 'POST', '/users', { body: creds }), 201, 'sign-up');
  const login = expectStatus(await apiCall(base, 'POST', '/auth/login', { body: creds }), 200, 'login');
  const fan = { ...creds, userId: login.userId, accessToken: login.accessToken };
  if (balance) {
    expectStatus(await apiCall(base, 'POST', `/users/${fan.userId}/balance`,
      { token: fan.accessToken, body: { userId: fan.userId, amount: balance } }), 200, 'a charge');
  }
  return fan;
}

// The fan's place in the waiting room (POST /tokens): {token, status, queuePosition, ...}.
export async function apiJoin(base, fan) {
  const r = await apiCall(base, 'POST', '/tokens', { token: fan.accessToken, body: { userId: fan.userId } });
  if (r.status !== 200 && r.status !== 201) expectStatus(r, 201, 'joining the queue');
  return r.body;
}

// A fan made through the API who joined the queue and was admitted: `{...fan, queue}`, where
// `queue` is the answer of POST /tokens.
export async function apiAdmittedFan(base, { prefix = 'first' } = {}) {
  const fan = await apiFan(base, { prefix });
  const queue = await apiJoin(base, fan);
  await waitUntil(async () => (await apiCall(base, 'GET', '/queue/status', { token: queue.token })).body.status === 'ACTIVE',
    { message: `${fan.username} to be admitted` });
  return { ...fan, queue };
}

// One concertd (with `extraArgs`) and one headless Chromium for a whole test file: started
// before its first test, stopped after its last. Their handles are on the returned object.
export function useServerAndBrowser(extraArgs = []) {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startConcertd(extraArgs);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}
