// "Leave the queue" (concertd with --max-active 1): a waiting fan leaves and is back on the
// concert list, and the fan behind them gets the slot; an admitted fan leaves from the seat
// map and their slot goes to the next in line. The server reads both entries EXPIRED.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser, openPage, shot, signUp, fanName, assertNoProblems, apiCall, apiFan,
  apiJoin, expectStatus, waitUntil, dismissToasts,
} from './support.mjs';

const env = useServerAndBrowser(['--max-active', '1']);

async function statusOf(token) {
  return expectStatus(await apiCall(env.server.url, 'GET', '/queue/status', { token }), 200, 'status').status;
}

async function leaveApi(token) {
  expectStatus(await apiCall(env.server.url, 'DELETE', '/queue/entry', { token }), 204, 'leaving');
}

// Clicks `button` and returns the queue token the page's DELETE /queue/entry carried.
async function leaveThrough(page, button) {
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/queue/entry')
    && r.request().method() === 'DELETE');
  await button.click();
  const response = await answer;
  assert.equal(response.status(), 204);
  const auth = await response.request().headerValue('authorization');
  return auth.replace(/^Bearer /, '');
}

test('a waiting fan and an admitted fan leave the queue and their places go on', async () => {
  const base = env.server.url;
  const first = await apiFan(base, { prefix: 'first' });
  const firstEntry = await apiJoin(base, first);
  await waitUntil(async () => (await statusOf(firstEntry.token)) === 'ACTIVE', { message: 'first fan admitted' });

  const { page, context, problems } = await openPage(env.browser, base);
  await signUp(page, fanName());
  await page.locator('[data-testid="concert"] button').first().click();
  await page.locator('[data-testid="queue-state"][data-status="WAITING"]').waitFor();
  const behind = await apiFan(base, { prefix: 'behind' });
  const behindEntry = await apiJoin(base, behind);
  const leave = page.locator('[data-testid="queue-leave"]');
  await leave.waitFor();
  await shot(page, 'leave-01-waiting');

  const waitingToken = await leaveThrough(page, leave);
  await page.locator('#concerts-h').waitFor();
  await page.locator('#notices').filter({ hasText: 'You left the queue' }).waitFor();
  await shot(page, 'leave-02-left');
  assert.equal(await statusOf(waitingToken), 'EXPIRED');

  // The slot frees: the fan behind is admitted, not the one who left.
  await leaveApi(firstEntry.token);
  await waitUntil(async () => (await statusOf(behindEntry.token)) === 'ACTIVE', { message: 'the fan behind admitted' });
  assert.equal(await statusOf(waitingToken), 'EXPIRED');

  // Back in line at the back; admitted once the fan ahead leaves; then leaves from the seats.
  await page.locator('[data-testid="concert"] button').first().click();
  await page.locator('[data-testid="queue-state"][data-status="WAITING"]').waitFor();
  await leaveApi(behindEntry.token);
  const seatsLeave = page.locator('[data-testid="seats-leave"]');
  await seatsLeave.waitFor({ timeout: 15000 });
  await dismissToasts(page);
  await shot(page, 'leave-03-active');
  const next = await apiFan(base, { prefix: 'next' });
  const nextEntry = await apiJoin(base, next);
  assert.equal(nextEntry.status, 'WAITING');
  const activeToken = await leaveThrough(page, seatsLeave);
  await page.locator('#concerts-h').waitFor();
  assert.equal(await statusOf(activeToken), 'EXPIRED');
  await waitUntil(async () => (await statusOf(nextEntry.token)) === 'ACTIVE', { message: 'the next fan admitted' });

  assertNoProblems(problems);
  await context.close();
});
