// Shared fixtures for the browser tests: a real concertd on a temp SQLite file, headless
// Chromium through playwright-core, screenshots, and condition waits (no fixed sleeps).

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const binary = process.env.CONCERTD_BINARY || path.join(repoRoot, 'build/release/src/concertd');
export const screenshotDir = process.env.SCREENSHOT_DIR || path.join(repoRoot, 'build/screenshots');
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
    '--web-root', path.join(repoRoot, 'web'), '--threads', '2', ...extraArgs,
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

let shotCount = 0;
// Saves a screenshot of the viewport (or the full page) as SCREENSHOT_DIR/<name>.png.
export async function shot(page, name, { fullPage = false } = {}) {
  mkdirSync(screenshotDir, { recursive: true });
  shotCount += 1;
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage, animations: 'disabled' });
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
