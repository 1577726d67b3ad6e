// Two fans (two env.browser contexts, English and Korean) race for one seat: exactly one holds it;
// the other reads SEAT_UNAVAILABLE in their own language and holds another seat. The winner
// then meets HOLD_LIMIT and INSUFFICIENT_BALANCE, charges from the message and pays. At
// 1280 px every hold card keeps its buttons inside, in both languages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser, openPage, shot, signUp, joinAndWaitForSeats, seat, hold, fanName,
  waitUntil, apiCall, assertNoProblems, dismissToasts, holdsOverflow,
} from './support.mjs';

const env = useServerAndBrowser();

test('two fans race for one seat: one holds it, the other is told and picks another', async () => {
  const en = await openPage(env.browser, env.server.url, { locale: 'en-US' });
  const ko = await openPage(env.browser, env.server.url, { locale: 'ko-KR' });
  // The language follows navigator.language until the fan picks one.
  assert.equal(await en.page.locator('html').getAttribute('lang'), 'en');
  assert.equal(await ko.page.locator('html').getAttribute('lang'), 'ko');

  await Promise.all([signUp(en.page, fanName('en')), signUp(ko.page, fanName('ko'))]);
  await Promise.all([joinAndWaitForSeats(en.page), joinAndWaitForSeats(ko.page)]);
  const contested = 7;
  await seat(en.page, contested).and(en.page.locator('.seat--available')).waitFor();
  await seat(ko.page, contested).and(ko.page.locator('.seat--available')).waitFor();

  await Promise.all([seat(en.page, contested).click(), seat(ko.page, contested).click()]);

  const lost = (page) => page.locator('#errors [data-code="SEAT_UNAVAILABLE"]');
  const outcome = await waitUntil(async () => {
    const [enHolds, koHolds, enLost, koLost] = await Promise.all([
      hold(en.page, contested).count(), hold(ko.page, contested).count(),
      lost(en.page).count(), lost(ko.page).count(),
    ]);
    if (enHolds + koHolds === 1 && enLost + koLost === 1) return enHolds ? 'en' : 'ko';
    return null;
  }, { message: 'one hold and one SEAT_UNAVAILABLE' });

  const winner = outcome === 'en' ? en : ko;
  const loser = outcome === 'en' ? ko : en;
  const message = await lost(loser.page).textContent();
  if (loser === ko) assert.match(message, /7번 좌석은 방금 다른 분이 선택했습니다/);
  else assert.match(message, /seat 7 was just taken by someone else/);
  await seat(loser.page, contested).and(loser.page.locator('.seat--taken')).waitFor();
  await seat(winner.page, contested).and(winner.page.locator('.seat--yours')).waitFor();
  await shot(loser.page, `race-01-lost-${outcome === 'en' ? 'ko' : 'en'}`);

  // The loser picks the seat next to it.
  await seat(loser.page, contested + 1).click();
  await hold(loser.page, contested + 1).waitFor();
  assert.equal(await hold(loser.page, contested).count(), 0);
  await shot(loser.page, 'race-02-other-seat');
  // The Korean fan's booking page, whichever seat they got: the map and a hold in Korean.
  await seat(ko.page, contested).and(ko.page.locator('.seat--yours, .seat--taken')).waitFor();
  await dismissToasts(ko.page);
  assert.equal(await ko.page.locator('#cart-h').textContent(), '선점한 좌석');
  await ko.page.locator('#cart-list [data-testid="hold"] .pay').filter({ hasText: /결제$/ }).first().waitFor();
  await shot(ko.page, 'race-02-korean', { doc: 'booking-desktop-korean' });

  // The winner fills up to four holds; a fifth is refused with HOLD_LIMIT.
  for (const n of [20, 21, 22]) {
    await seat(winner.page, n).click();
    await hold(winner.page, n).waitFor();
  }
  await seat(winner.page, 23).click();
  const limit = winner.page.locator('#errors [data-code="HOLD_LIMIT"]');
  await limit.waitFor();
  assert.match(await limit.textContent(), winner === ko ? /최대 4석까지/ : /at most 4 seats/);
  assert.equal(await hold(winner.page, 23).count(), 0);
  assert.deepEqual(await holdsOverflow(winner.page), [], 'four holds fit their card');
  assert.deepEqual(await holdsOverflow(loser.page), [], 'one hold fits its card');
  // With no balance, paying is refused with INSUFFICIENT_BALANCE and the hold stays.
  await hold(winner.page, contested).locator('.pay').click();
  const broke = winner.page.locator('#errors [data-code="INSUFFICIENT_BALANCE"]');
  await broke.waitFor();
  assert.match(await broke.textContent(), winner === ko ? /잔액이 부족합니다/ : /balance does not cover/);
  await hold(winner.page, contested).locator('.pay').waitFor();
  await shot(winner.page, 'race-03-insufficient-balance');
  // The message offers the way out: charge, then pay the same hold.
  await broke.locator('.toast-action').click();
  await winner.page.locator('#charge-amount').fill('200000');
  await winner.page.locator('#charge-submit').click();
  await winner.page.locator('#charge-dialog').waitFor({ state: 'hidden' });
  await hold(winner.page, contested).locator('.pay').click();
  await winner.page.locator('#confirm-dialog').waitFor();

  // The server agrees: seat 7 is sold and seat 8 held.
  const concerts = await apiCall(env.server.url, 'GET', '/concerts');
  const seats = await apiCall(env.server.url, 'GET', `/concerts/${concerts.body[0].concertId}/seats`);
  const byNumber = new Map(seats.body.map((s) => [s.seatNumber, s]));
  assert.equal(byNumber.get(contested).available, false);
  assert.equal(byNumber.get(contested + 1).available, false);

  assertNoProblems(en.problems);
  assertNoProblems(ko.problems);
  await en.context.close();
  await ko.context.close();
});
