// Live push (GET /queue/events): the booking page waits in the queue over an EventSource,
// without polling the status, and sees its admission the moment a slot frees; when the
// stream fails it polls instead, after the answers' refreshAfter.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser, openPage, shot, signUp, fanName, assertNoProblems, apiFan, apiJoin,
  apiCall, expectStatus, waitUntil,
} from './support.mjs';

// One ACTIVE slot, taken by a fan of the test's own: the page's fan waits until the
// operator makes room.
const env = useServerAndBrowser(['--max-active', '1', '--stream-keepalive', '1']);

async function setMaxActive(n) {
  expectStatus(await apiCall(env.server.url, 'PATCH', '/admin/queue', { admin: true, body: { maxActive: n } }),
    200, 'PATCH /admin/queue');
}

// With `slots` ACTIVE slots, all taken once a fan of the test's is admitted, the page's fan
// joins and waits; returns the paths of the requests the page made since.
async function waitBehindAnother(page, prefix, slots) {
  await setMaxActive(slots);
  const ahead = await apiFan(env.server.url, { prefix: `${prefix}-ahead` });
  const { token } = await apiJoin(env.server.url, ahead);
  await waitUntil(async () => (await apiCall(env.server.url, 'GET', '/queue/status', { token })).body.status === 'ACTIVE',
    { message: 'the fan ahead admitted' });
  await signUp(page, fanName(prefix));
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await page.locator('[data-testid="concert"] button').first().click();
  await page.locator('#queue-state[data-status="WAITING"]').waitFor();
  return requests;
}

test('the page waits over the event stream and sees its admission', async () => {
  const { page, context, problems } = await openPage(env.browser, env.server.url);
  const requests = await waitBehindAnother(page, 'stream', 1);
  await waitUntil(async () => (await page.locator('#queue-panel').getAttribute('data-live')) === 'stream');
  // Keep-alives pass (every second) and the page neither polls nor reconnects meanwhile.
  await page.waitForTimeout(2500);
  await shot(page, 'stream-01-waiting');
  assert.equal(requests.filter((p) => p === '/api/v1/queue/events').length, 1);
  assert.equal(requests.filter((p) => p === '/api/v1/queue/status').length, 0);
  assert.match(await page.locator('#queue-pos').textContent(), /1/);

  await setMaxActive(2);
  await page.locator('#seat-map .seat--available').first().waitFor({ timeout: 10000 });
  await shot(page, 'stream-02-admitted');
  assert.equal(requests.filter((p) => p === '/api/v1/queue/status').length, 0,
    'admitted by the stream, not by a poll');
  assertNoProblems(problems);
  await context.close();
});

test('when the stream fails the page polls the status instead', async () => {
  const { page, context, problems } = await openPage(env.browser, env.server.url);
  await page.route('**/api/v1/queue/events?*', (route) => route.abort());
  // The first test's two fans are ACTIVE still.
  const requests = await waitBehindAnother(page, 'poll', 3);
  // Each poll's answer tries the stream again, three times in all; after the third failure
  // the page only polls.
  const count = (path) => requests.filter((p) => p === path).length;
  await waitUntil(async () => count('/api/v1/queue/events') >= 3 && count('/api/v1/queue/status') >= 3,
    { timeout: 20000, message: 'three failed streams, each followed by a poll' });
  assert.equal(await page.locator('#queue-panel').getAttribute('data-live'), 'poll');
  assert.equal(count('/api/v1/queue/events'), 3);
  await setMaxActive(4);
  await page.locator('#seat-map .seat--available').first().waitFor({ timeout: 15000 });
  // The aborted streams show up as failed loads, which are not the page's problems.
  assertNoProblems(problems.filter((p) => !/queue\/events/.test(p)));
  await context.close();
});
