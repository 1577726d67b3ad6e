// Extending a hold once (concertd with --hold-ttl 60): "Extend hold" next to the countdown
// adds the hold TTL to it, then stays disabled as "Extended", also after a reload.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser, openPage, shot, signUp, joinAndWaitForSeats, seat, hold, fanName,
  assertNoProblems, dismissToasts,
} from './support.mjs';

const env = useServerAndBrowser(['--hold-ttl', '60']);

// "M:SS" to seconds.
function seconds(clock) {
  const [m, s] = clock.split(':').map(Number);
  return m * 60 + s;
}

test('a hold is extended once from the cart', async () => {
  const { page, context, problems } = await openPage(env.browser, env.server.url);
  await signUp(page, fanName());
  await joinAndWaitForSeats(page);

  await seat(page, 7).click();
  const held = hold(page, 7);
  await held.waitFor();
  const countdown = held.locator('[data-testid="countdown"]');
  const extend = held.locator('[data-testid="extend"]');
  await extend.filter({ hasText: 'Extend hold' }).waitFor();
  assert.equal(await extend.isEnabled(), true);
  const before = seconds(await countdown.textContent());
  assert.ok(before <= 60, `countdown before: ${before}`);
  await dismissToasts(page);
  await shot(page, 'extension-01-offered');

  await extend.click();
  await extend.filter({ hasText: 'Extended' }).waitFor();
  assert.equal(await extend.isDisabled(), true);
  const after = seconds(await countdown.textContent());
  assert.ok(after > 60 && after <= 120, `countdown after: ${after}`);
  assert.ok(after >= before + 55, `from ${before} to ${after}`);
  await page.locator('.toast').filter({ hasText: 'extended only once' }).waitFor();
  await shot(page, 'extension-02-extended');
  await dismissToasts(page);

  // After a reload the hold is still extended, and the button still disabled.
  await page.reload();
  await held.waitFor();
  await extend.filter({ hasText: 'Extended' }).waitFor();
  assert.equal(await extend.isDisabled(), true);
  assert.ok(seconds(await countdown.textContent()) > 60);

  assertNoProblems(problems);
  await context.close();
});
