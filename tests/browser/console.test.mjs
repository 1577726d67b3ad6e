// The operator console: a wrong key is refused (FORBIDDEN); a concert created through the form;
// pausing admission keeps a fan WAITING with a "paused" note and resuming admits them; the
// limits; then holds and sales driven through the API fill the holds/sales chart and the sales
// table, on a desktop console and on a 375 px one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser, openPage, shot, signUp, charge, seat, hold, fanName, waitUntil,
  apiCall, apiFan, apiJoin, expectStatus, adminKey, assertNoProblems, documentFits, desktop, phone,
} from './support.mjs';

const env = useServerAndBrowser();

async function openConsole(key = adminKey, options = {}) {
  const op = await openPage(env.browser, `${env.server.url}/admin`, options);
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
  const concerts = await apiCall(env.server.url, 'GET', '/concerts');
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

test('the operator pauses and resumes admission while a fan waits', async () => {
  const op = await openConsole();
  const console_ = op.page;
  const admission = console_.locator('[data-testid="admission-state"]');
  await admission.filter({ hasText: 'Running' }).waitFor();

  await console_.getByRole('button', { name: 'Pause admission' }).click();
  await admission.filter({ hasText: 'Paused' }).waitFor();
  await console_.locator('[data-testid="applied"]').filter({ hasText: /admission Paused/ }).waitFor();
  assert.equal(expectStatus(await apiCall(env.server.url, 'GET', '/admin/queue', { admin: true }), 200).paused, true);

  // A fan joins while admission is paused: WAITING, with the organiser's note.
  const fan = await openPage(env.browser, env.server.url);
  await signUp(fan.page, fanName('paused'));
  await charge(fan.page, 300000);
  await fan.page.locator('[data-testid="concert"] button').first().click();
  await fan.page.locator('#queue-state[data-status="WAITING"]').waitFor();
  await fan.page.locator('[data-testid="queue-paused"]').filter({ hasText: /Paused by the organiser/ }).waitFor();
  assert.match(await fan.page.locator('[data-testid="queue-position"]').textContent(), /^#1$/);
  // The server says the same to the fan's queue token.
  const queueToken = await fan.page.evaluate(() => JSON.parse(sessionStorage.getItem('concertd.queue')).token);
  const status = expectStatus(await apiCall(env.server.url, 'GET', '/queue/status', { token: queueToken }), 200);
  assert.equal(status.status, 'WAITING');
  assert.equal(status.paused, true);
  await shot(fan.page, 'console-02-fan-waiting-paused');
  await console_.locator('[data-testid="waiting"]').filter({ hasText: /^[1-9]/ }).waitFor();

  // New limits, with the server's answer shown back and stored.
  await console_.locator('#admit-rate').fill('50');
  await console_.locator('#max-active').fill('500');
  await console_.getByRole('button', { name: 'Apply' }).click();
  await console_.locator('[data-testid="applied"]').filter({ hasText: /admit rate 50\/s, max active 500/ }).waitFor();
  const settings = expectStatus(await apiCall(env.server.url, 'GET', '/admin/queue', { admin: true }), 200);
  assert.deepEqual([settings.paused, settings.admitRate, settings.maxActive], [true, 50, 500]);
  await console_.locator('#q-rate').filter({ hasText: '50/s' }).waitFor();
  await console_.locator('#q-max').filter({ hasText: /^500$/ }).waitFor();
  // Still paused: nobody was admitted in the meantime.
  assert.equal(expectStatus(await apiCall(env.server.url, 'GET', '/queue/status', { token: queueToken }), 200).status, 'WAITING');
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

  assertNoProblems(op.problems);
  assertNoProblems(fan.problems);
  await fan.context.close();
  await op.context.close();
});

test('holds and sales fill the chart and the sales table, on a desktop and on a phone', async () => {
  const wide = await openConsole(adminKey, { viewport: desktop });
  const narrow = await openConsole(adminKey, { viewport: phone, mobile: true });
  const consoles = [wide, narrow];
  for (const { page } of consoles) await page.locator('#view-console').waitFor();
  const points = async (page) => Number(await page.locator('#chart').getAttribute('data-points') || 0);
  // Waits for each console's next sales poll (a new point on its chart).
  const nextPoint = async () => {
    const before = await Promise.all(consoles.map(({ page }) => points(page)));
    await Promise.all(consoles.map(({ page }, i) =>
      waitUntil(async () => (await points(page)) > before[i], { message: 'a new point on the chart' })));
  };

  const concerts = expectStatus(await apiCall(env.server.url, 'GET', '/concerts'), 200);
  const seatsOf = new Map();
  for (const c of concerts.slice(0, 2)) {
    const seats = expectStatus(await apiCall(env.server.url, 'GET', `/concerts/${c.concertId}/seats`), 200);
    seatsOf.set(c.concertId, seats.filter((s) => s.available));
  }
  // Eight fans admitted: six hold and pay, two (6 and 7) are still choosing; three more join
  // later, while admission is paused.
  const [fans, late] = await Promise.all([
    Promise.all(Array.from({ length: 8 }, () => apiFan(env.server.url, { balance: 1000000, prefix: 'load' }))),
    Promise.all(Array.from({ length: 3 }, () => apiFan(env.server.url, { prefix: 'late' }))),
  ]);
  for (const f of fans) {
    f.queue = await apiJoin(env.server.url, f);
    f.holds = [];
  }
  await waitUntil(async () => {
    const all = await Promise.all(fans.map((f) => apiCall(env.server.url, 'GET', '/queue/status', { token: f.queue.token })));
    return all.every((r) => r.body.status === 'ACTIVE');
  }, { message: 'the load fans to be admitted' });

  const holdSeats = async (f, n, concertIndex = 0) => {
    const concertId = concerts[concertIndex].concertId;
    for (let i = 0; i < n; i += 1) {
      const s = seatsOf.get(concertId).shift();
      const r = expectStatus(await apiCall(env.server.url, 'POST', '/reservations',
        { token: f.queue.token, body: { concertId, seatNumber: s.seatNumber } }), 201, 'a hold');
      f.holds.push({ reservationId: r.reservationId, price: s.price });
    }
  };
  // Paying ends the fan's turn, so each fan pays once, last.
  const pay = async (f) => {
    const h = f.holds[0];
    expectStatus(await apiCall(env.server.url, 'POST', '/payments',
      { token: f.queue.token, body: { reservationId: h.reservationId, amount: h.price } }), 201, 'a payment');
  };
  // Three rounds, one per poll: holds rise first, sales follow.
  await Promise.all(fans.slice(0, 4).map((f, i) => holdSeats(f, 2, i % 2)));
  await nextPoint();
  await Promise.all([...fans.slice(0, 4).map(pay), ...fans.slice(4, 6).map((f) => holdSeats(f, 3, 1))]);
  await nextPoint();
  await Promise.all(fans.slice(4, 6).map(pay));

  // Fans queue while the operator pauses admission: the waiting figure rises.
  const page = wide.page;
  await page.getByRole('button', { name: 'Pause admission' }).click();
  await page.locator('[data-testid="admission-state"]').filter({ hasText: 'Paused' }).waitFor();
  for (const f of late) assert.equal((await apiJoin(env.server.url, f)).status, 'WAITING');
  await nextPoint();

  const sales = expectStatus(await apiCall(env.server.url, 'GET', '/admin/sales', { admin: true }), 200);
  const sold = sales.reduce((n, c) => n + c.sold, 0);
  const revenue = sales.reduce((n, c) => n + c.revenue, 0);
  assert.ok(sold >= 7, `${sold} seats sold`);
  for (const { page: p } of consoles) {
    await p.locator('[data-testid="admission-state"]').filter({ hasText: 'Paused' }).waitFor();
    await p.locator('[data-testid="waiting"]').filter({ hasText: /^([3-9]|\d\d+)$/ }).waitFor();
    await p.locator('[data-testid="active"]').filter({ hasText: /^([2-9]|\d\d+)$/ }).waitFor();
    await p.locator('[data-testid="total-sold"]').filter({ hasText: new RegExp(`^${sold}$`) }).waitFor({ state: 'attached' });
    await waitUntil(async () => Number(await p.locator('#chart').getAttribute('data-peak-holds')) > 0
      && Number(await p.locator('#chart').getAttribute('data-peak-sales')) > 0, { message: 'holds and sales on the chart' });
    assert.equal(await p.locator('#chart polyline').count(), 2);
  }
  // The table's total revenue is the server's, in won.
  await page.locator('#sales-foot .money-full').filter({ hasText: revenue.toLocaleString('en-US') }).waitFor();
  for (const row of sales) {
    const tr = page.locator(`#sales-body tr[data-concert="${row.concertId}"]`);
    assert.equal(await tr.locator('[data-testid="sold"]').textContent(), String(row.sold));
    assert.equal(await tr.locator('[data-testid="held"]').textContent(), String(row.held));
  }
  await shot(page, 'console-04-live', { fullPage: true, doc: 'console-desktop' });
  assert.ok(await documentFits(narrow.page), 'the phone console fits its width');
  await shot(narrow.page, 'console-05-phone', { fullPage: true, doc: 'console-phone' });

  for (const op of consoles) {
    assertNoProblems(op.problems);
    await op.context.close();
  }
});
