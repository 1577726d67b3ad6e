// A hold's countdown lapsing (concertd with --hold-ttl 3): the countdown reaches "Expired",
// and paying then shows the HOLD_EXPIRED message; nothing is charged; my reservations reads
// it as expired.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser, openPage, shot, signUp, charge, joinAndWaitForSeats, seat, hold,
  fanName, assertNoProblems,
} from './support.mjs';

const env = useServerAndBrowser(['--hold-ttl', '3']);

test('a lapsed hold counts down to expired and cannot be paid', async () => {
  const { page, context, problems } = await openPage(env.browser, env.server.url);
  await signUp(page, fanName());
  await charge(page, 200000);
  await page.locator('[data-testid="balance"]').filter({ hasText: '200,000' }).waitFor();
  await joinAndWaitForSeats(page);

  await seat(page, 5).click();
  const held = hold(page, 5);
  await held.waitFor();
  const countdown = held.locator('[data-testid="countdown"]');
  assert.match(await countdown.textContent(), /^0:0[0-3]$/);
  await countdown.filter({ hasText: 'Expired' }).waitFor({ timeout: 8000 });
  assert.equal(await countdown.getAttribute('data-state'), 'expired');
  // The server agrees once the seat is free again on its map: then paying must fail.
  await seat(page, 5).and(page.locator('.seat--available')).waitFor({ timeout: 8000 });
  await shot(page, 'expiry-01-expired');

  // The page leaves paying to the server, which says the hold lapsed.
  await held.getByRole('button', { name: /^Pay/ }).click();
  const error = page.locator('#errors [data-code="HOLD_EXPIRED"]');
  await error.waitFor();
  assert.match(await error.textContent(), /hold on seat 5 has expired, so nothing was charged/);
  await held.getByRole('button', { name: /^Pay/ }).waitFor({ state: 'hidden' });
  await shot(page, 'expiry-02-hold-expired');
  assert.match(await page.locator('[data-testid="balance"]').textContent(), /200,000/);

  // The lapsed hold can be removed.
  await held.getByRole('button', { name: 'Remove' }).click();
  await held.waitFor({ state: 'detached' });

  // The server lists the lapsed hold as EXPIRED, and so does the page.
  await page.locator('#nav-reservations').click();
  const row = page.locator('[data-testid="reservation"]');
  await row.first().waitFor();
  assert.equal(await row.count(), 1);
  assert.equal(await row.getAttribute('data-status'), 'EXPIRED');
  assert.equal(await row.locator('[data-testid="res-seat"]').textContent(), '5');
  assert.equal(await row.locator('[data-testid="res-status"]').textContent(), 'Expired');

  assertNoProblems(problems);
  await context.close();
});
