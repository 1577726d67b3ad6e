// Proof of work on joins (concertd with --join-pow 8): the page fetches a challenge, solves it
// in a Web Worker while it shows "Checking your browser…", then joins; the server counts the
// solution; a join without one is refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser, openPage, shot, signUp, joinAndWaitForSeats, fanName, assertNoProblems,
  apiFan, apiCall, waitUntil,
} from './support.mjs';

const kBits = 8;
// The first join's challenge is answered with more bits than the server asks for: a solution
// of those is one of 8 bits too, and the search lasts long enough (a second or so) to be seen.
const kShownBits = 18;

const env = useServerAndBrowser(['--join-pow', String(kBits)]);

async function metric(name) {
  const text = await (await fetch(`${env.server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

test('the page solves the join challenge in a worker, shows it, and joins', async () => {
  const { page, context, problems } = await openPage(env.browser, env.server.url);
  await signUp(page, fanName('pow'));
  const accepted = await metric('concertd_join_pow_accepted_total');

  const joins = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/api/v1/tokens')) joins.push(r.postDataJSON());
  });
  await page.route('**/api/v1/tokens/challenge?*', async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    assert.equal(body.bits, kBits);
    await route.fulfill({ response, json: { ...body, bits: kShownBits } });
  }, { times: 1 });

  await page.locator('[data-testid="concert"] button').first().click();
  const checking = page.locator('#queue-state[data-status="CHECKING"]');
  await checking.waitFor({ timeout: 5000 });
  assert.equal(await checking.textContent(), 'Checking your browser…');
  // Some progress on the bar first, unless the search is over sooner (then no picture).
  await waitUntil(async () => !(await checking.count())
    || Number(await page.locator('#queue-bar').getAttribute('aria-valuenow')) >= 20, { interval: 20 });
  if (await checking.count()) await shot(page, 'pow-01-checking');

  await page.locator('#seat-map .seat--available').first().waitFor({ timeout: 60000 });
  await shot(page, 'pow-02-seats');
  assert.equal(joins.length, 1);
  assert.match(joins[0].powChallenge, /^[A-Za-z0-9_-]{75}$/);
  assert.match(joins[0].powNonce, /^[0-9]+$/);
  const ms = Number(await page.locator('#queue-panel').getAttribute('data-pow-ms'));
  console.log(`# solved ${kShownBits} bits in ${ms} ms`);
  assert.equal(await metric('concertd_join_pow_accepted_total'), accepted + 1);
  assertNoProblems(problems);
  await context.close();
});

test('at the server\'s own bits the join is quick, and one without a proof is refused', async () => {
  const { page, context, problems } = await openPage(env.browser, env.server.url);
  await signUp(page, fanName('pow'));
  await joinAndWaitForSeats(page);
  assertNoProblems(problems);
  await context.close();

  const fan = await apiFan(env.server.url, { prefix: 'powapi' });
  const r = await apiCall(env.server.url, 'POST', '/tokens', { token: fan.accessToken, body: { userId: fan.userId } });
  assert.equal(r.status, 403);
  assert.equal(r.body.code, 'POW_REQUIRED');
});
