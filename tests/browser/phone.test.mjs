// The phone-sized layout (375x812): no horizontal scrolling on any step, a seat grid that
// fits and takes taps, and the operator console on the same screen. With --max-active 1 and
// another fan admitted first, the phone fan waits in line until that fan pays.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser, openPage, shot, signUp, charge, seat, hold,
  fanName, documentFits, adminKey, phone, apiCall, apiAdmittedFan, assertNoProblems, dismissToasts,
  holdsOverflow,
} from './support.mjs';

const env = useServerAndBrowser(['--max-active', '1']);

test('on a 375 px phone every step fits the width and the seat grid is usable', async () => {
  const { page, context, problems } = await openPage(env.browser, env.server.url, { viewport: phone, mobile: true });
  assert.ok(await documentFits(page), 'login fits');
  await shot(page, 'phone-01-login');

  await signUp(page, fanName('phone'));
  assert.ok(await documentFits(page), 'concert list fits');
  await shot(page, 'phone-02-concerts');
  await charge(page, 500000);

  // Another fan takes the one ACTIVE place first.
  const login = await apiAdmittedFan(env.server.url);
  const first = login.queue;

  await page.locator('[data-testid="concert"] button').first().tap();
  await page.locator('#queue-state[data-status="WAITING"]').waitFor();
  assert.match(await page.locator('[data-testid="queue-position"]').textContent(), /^#1$/);
  assert.ok(await documentFits(page), 'waiting room fits');
  await dismissToasts(page);
  await shot(page, 'phone-03-waiting', { doc: 'booking-phone-waiting' });

  // The first fan buys a seat, which ends their turn: the phone fan is admitted.
  await apiCall(env.server.url, 'POST', `/users/${login.userId}/balance`, { token: login.accessToken, body: { userId: login.userId, amount: 200000 } });
  const concerts = (await apiCall(env.server.url, 'GET', '/concerts')).body;
  const held = (await apiCall(env.server.url, 'POST', '/reservations', { token: first.token, body: { concertId: concerts[0].concertId, seatNumber: 1 } })).body;
  const paid = await apiCall(env.server.url, 'POST', '/payments', { token: first.token, body: { reservationId: held.reservationId, amount: 154000 } });
  assert.equal(paid.status, 201);
  await page.locator('#seat-map .seat--available').first().waitFor({ timeout: 15000 });
  assert.ok(await documentFits(page), 'seat map fits');
  // Every seat lies inside the viewport's width and is big enough to tap.
  const boxes = await page.locator('#seat-map .seat').evaluateAll((seats) => seats.map((s) => {
    const r = s.getBoundingClientRect();
    return { left: r.left, right: r.right, width: r.width, height: r.height };
  }));
  assert.ok(boxes.length >= 100);
  for (const b of boxes) {
    assert.ok(b.left >= 0 && b.right <= phone.width, `a seat at ${b.left}..${b.right} is off screen`);
    assert.ok(b.width >= 32 && b.height >= 32, 'seats are at least 32 px');
  }
  await seat(page, 62).scrollIntoViewIfNeeded();
  await shot(page, 'phone-04-seats');

  await seat(page, 62).tap();
  await hold(page, 62).waitFor();
  await page.locator('#cart-bar').waitFor();
  assert.ok(await documentFits(page), 'holds fit');
  await dismissToasts(page);
  await shot(page, 'phone-05-hold-bar', { doc: 'booking-phone-seats' });
  await page.locator('#cart-bar-go').tap();
  assert.deepEqual(await holdsOverflow(page), [], 'the hold fits its card');
  await shot(page, 'phone-05-holds', { doc: 'booking-phone-holds' });
  await hold(page, 62).getByRole('button', { name: /^Pay/ }).tap();
  await page.locator('#confirm-dialog').waitFor();
  assert.ok(await documentFits(page), 'confirmation fits');
  await shot(page, 'phone-06-confirmation');
  await page.locator('#confirm-res').tap();
  await page.locator('[data-testid="reservation"]').first().waitFor();
  assert.ok(await documentFits(page), 'my reservations fit');
  await shot(page, 'phone-07-reservations');

  // The operator console on the same screen.
  await page.goto(`${env.server.url}/admin`);
  await page.locator('#admin-key').fill(adminKey);
  await page.locator('#key-submit').tap();
  await page.locator('#view-console').waitFor();
  await page.locator('#chart-summary').filter({ hasText: /\S/ }).waitFor();
  assert.ok(await documentFits(page), 'console fits');
  await shot(page, 'phone-08-console');

  assertNoProblems(problems);
  await context.close();
});
