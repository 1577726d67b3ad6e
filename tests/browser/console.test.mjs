// The operator console: a wrong key is refused (FORBIDDEN); a concert created through the form;
// pausing admission keeps a fan WAITING with a "paused" note and resuming admits them; the
// limits, the sales table and the holds/sales chart.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startConcertd, launchBrowser, openPage, shot, signUp, charge, seat, hold, fanName, waitUntil,
  apiCall, adminKey, assertNoProblems,
} from './support.mjs';

let server;
let browser;
let queueApi = true;

before(async () => {
  server = await startConcertd();
  browser = await launchBrowser();
  // The admin queue endpoints arrived after the console; an older concertd answers 404.
  const probe = await apiCall(server.url, 'GET', '/admin/queue', { admin: true });
  queueApi = probe.status !== 404;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openConsole(key = adminKey) {
  const op = await openPage(browser, `${server.url}/admin`);
  await op.page.locator('#admin-key').fill(key);
  await op.page.locator('#key-submit').click();
  return op;
}

test('a wrong admin key is refused; the right one opens the console and creates a concert', async () => {
  const op = await openConsole('not-the-admin-key');
  const page = op.page;
  await page.locator('#key-error').filter({ hasText: 'FORBIDDEN' }).waitFor();
  assert.equal(await page.locator('#view-console').isVisible(), false);
  await shot(page, 'console-01-wrong-key');

  await page.locator('#admin-key').fill(adminKey);
  await page.locator('#key-submit').click();
  await page.locator('#view-console').waitFor();

  await page.locator('#c-name').fill('NewJeans Fan Meeting');
  await page.locator('#c-seats').fill('50');
  await page.locator('#c-price').fill('77000');
  await page.getByRole('button', { name: 'Create concert' }).click();
  await page.locator('#created').filter({ hasText: /Created “NewJeans Fan Meeting”/ }).waitFor();
  const concerts = await apiCall(server.url, 'GET', '/concerts');
  const created = concerts.body.find((c) => c.concertName === 'NewJeans Fan Meeting');
  assert.ok(created, 'the new concert is listed');
  assert.equal(created.availableSeats, 50);

  // A bad form answer is shown, not swallowed: a concert needs at least one seat.
  await page.locator('#c-name').fill('Empty hall');
  await page.locator('#c-seats').fill('0');
  await page.getByRole('button', { name: 'Create concert' }).click();
  await page.locator('#create-error').filter({ hasText: /could not process/ }).waitFor();

  assertNoProblems(op.problems);
  await op.context.close();
});

test('the operator pauses and resumes admission while a fan waits', async (t) => {
  if (!queueApi) {
    t.skip('this concertd has no /api/v1/admin/queue yet (404)');
    return;
  }
  const op = await openConsole();
  const console_ = op.page;
  const admission = console_.locator('[data-testid="admission-state"]');
  await admission.filter({ hasText: 'Running' }).waitFor();

  await console_.getByRole('button', { name: 'Pause admission' }).click();
  await admission.filter({ hasText: 'Paused' }).waitFor();
  await console_.locator('[data-testid="applied"]').filter({ hasText: /admission Paused/ }).waitFor();

  // A fan joins while admission is paused: WAITING, with the organiser's note.
  const fan = await openPage(browser, server.url);
  await signUp(fan.page, fanName('paused'));
  await charge(fan.page, 300000);
  await fan.page.locator('[data-testid="concert"] button').first().click();
  await fan.page.locator('#queue-state[data-status="WAITING"]').waitFor();
  await fan.page.locator('[data-testid="queue-paused"]').filter({ hasText: /Paused by the organiser/ }).waitFor();
  assert.match(await fan.page.locator('[data-testid="queue-position"]').textContent(), /^#1$/);
  await shot(fan.page, 'console-02-fan-waiting-paused');
  await console_.locator('[data-testid="waiting"]').filter({ hasText: /^[1-9]/ }).waitFor();

  // New limits, with the server's answer shown back.
  await console_.locator('#admit-rate').fill('50');
  await console_.locator('#max-active').fill('500');
  await console_.getByRole('button', { name: 'Apply' }).click();
  await console_.locator('[data-testid="applied"]').filter({ hasText: /admit rate 50\/s, max active 500/ }).waitFor();
  await shot(console_, 'console-03-paused');

  await console_.getByRole('button', { name: 'Resume admission' }).click();
  await admission.filter({ hasText: 'Running' }).waitFor();
  await fan.page.locator('#seat-map .seat--available').first().waitFor({ timeout: 15000 });
  await console_.locator('[data-testid="active"]').filter({ hasText: /^[1-9]/ }).waitFor();

  // A hold and a sale show up in the sales table and the chart.
  await seat(fan.page, 3).click();
  await hold(fan.page, 3).getByRole('button', { name: /^Pay/ }).click();
  await fan.page.locator('#confirm-dialog').waitFor();
  const row = console_.locator('#sales-body tr').first();
  await row.locator('[data-testid="sold"]').filter({ hasText: /^1$/ }).waitFor();
  await waitUntil(async () => (await console_.locator('#chart polyline').count()) === 2, { message: 'the chart lines' });
  await waitUntil(async () => Number(await console_.locator('#chart').getAttribute('data-peak-sales')) > 0, { message: 'a sale on the chart' });
  await shot(console_, 'console-04-live');

  assertNoProblems(op.problems);
  assertNoProblems(fan.problems);
  await fan.context.close();
  await op.context.close();
});
