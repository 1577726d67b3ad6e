// The waiting room's estimate as a range (concertd with --max-active 1 --admit-rate 1): another
// fan holds the one ACTIVE place, so nobody is admitted while the page's fan waits; the pace
// the server measures falls from the admit rate, and the page shows the wait's p10..p90 as
// "about L–H min", the same range the status answer carries.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser, openPage, shot, signUp, fanName, apiCall, apiAdmittedFan, assertNoProblems,
  dismissToasts,
} from './support.mjs';

const env = useServerAndBrowser(['--max-active', '1', '--admit-rate', '1']);

test('a waiting fan sees the estimated wait as a range', async () => {
  await apiAdmittedFan(env.server.url);

  const { page, context, problems } = await openPage(env.browser, env.server.url);
  await signUp(page, fanName('waiting'));
  await page.locator('[data-testid="concert"] button').first().click();
  await page.locator('#queue-state[data-status="WAITING"]').waitFor();
  const eta = page.locator('#queue-eta');
  await eta.filter({ hasText: /^about \d+–\d+ min$/ }).waitFor({ timeout: 20000 });

  // The page shows the server's range: read the same answer with the page's queue token.
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('concertd.queue')).token);
  const status = (await apiCall(env.server.url, 'GET', '/queue/status', { token })).body;
  assert.equal(status.status, 'WAITING');
  const [low, high] = status.remainingTimeRange;
  assert.ok(low <= status.remainingTime && status.remainingTime <= high, JSON.stringify(status));
  const [, shownLow, shownHigh] = (await eta.textContent()).match(/^about (\d+)–(\d+) min$/).map(Number);
  assert.ok(shownLow <= Math.max(1, Math.ceil(low / 60)) + 1, `${shownLow} vs ${low} s`);
  assert.ok(Math.abs(shownHigh - Math.ceil(high / 60)) <= 1, `${shownHigh} vs ${high} s`);
  await dismissToasts(page);
  await shot(page, 'wait-01-range');

  assertNoProblems(problems);
  await context.close();
});
