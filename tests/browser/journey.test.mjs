// One fan's whole journey: sign up, log in, charge, queue, hold (by keyboard and by mouse),
// cancel, pay, the confirmation and "my reservations" as the server lists them (also in a
// fresh env.browser, in Korean); the language toggle on the way.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser, openPage, shot, signUp, charge, seat, hold, fanName,
  waitUntil, assertNoProblems, apiCall, expectStatus, dismissToasts, holdsOverflow,
} from './support.mjs';

const env = useServerAndBrowser();

test('a fan signs up, logs in, charges, queues, holds a seat, pays and finds it in my reservations', async () => {
  const { page, context, problems } = await openPage(env.browser, env.server.url);
  const username = fanName();
  const password = 'correct horse battery';

  await page.locator('#auth-form').waitFor();
  await shot(page, 'journey-01-login');
  await signUp(page, username, password);

  // Log out, then a wrong password in Korean, then log in for real in English.
  await page.locator('#logout').click();
  await page.locator('#auth-form').waitFor();
  await page.getByRole('button', { name: '한국어' }).click();
  assert.equal(await page.locator('html').getAttribute('lang'), 'ko');
  await page.locator('#username').fill(username);
  await page.locator('#password').fill('wrong password!');
  await page.locator('#auth-submit').click();
  await page.locator('#auth-error').filter({ hasText: '아이디 또는 비밀번호가 올바르지 않습니다' }).waitFor();
  await shot(page, 'journey-02-login-error-ko');
  await page.getByRole('button', { name: 'EN', exact: true }).click();
  await page.locator('#auth-error').filter({ hasText: /username and password do not match/ }).waitFor();
  await page.locator('#password').fill(password);
  await page.locator('#auth-submit').click();
  await page.locator('[data-testid="concert"]').first().waitFor();
  // The language choice is remembered across a reload.
  await page.reload();
  await page.locator('[data-testid="concert"]').first().waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');

  await charge(page, 300000);
  await page.locator('[data-testid="balance"]').filter({ hasText: '300,000' }).waitFor();
  await shot(page, 'journey-03-concerts');

  // The first concert: the waiting room, then the seat map once ACTIVE.
  const concert = page.locator('[data-testid="concert"]').first();
  const concertName = await concert.locator('h3').textContent();
  await concert.getByRole('button', { name: 'Join the waiting room' }).click();
  await page.locator('#booking-title').filter({ hasText: concertName }).waitFor();
  await page.locator('#seat-map .seat--available').first().waitFor({ timeout: 15000 });
  await page.locator('#active-banner').filter({ hasText: /your turn/ }).waitFor();
  const concertDate = (await page.locator('#booking-date').textContent()).trim();
  await shot(page, 'journey-04-seats');

  // Keyboard: Tab into the map lands on one seat; arrows move; Enter holds it.
  const first = Number(await page.locator('#seat-map .seat[tabindex="0"]').getAttribute('data-seat'));
  await page.locator('#seat-map .seat[tabindex="0"]').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  const focused = Number(await page.evaluate(() => document.activeElement.dataset.seat));
  assert.ok(focused > first + 2, `ArrowDown moves a row down (from ${first + 2} to ${focused})`);
  await page.keyboard.press('Enter');
  await hold(page, focused).waitFor();
  await seat(page, focused).and(page.locator('.seat--yours')).waitFor();
  await hold(page, focused).getByRole('button', { name: 'Cancel hold' }).click();
  await hold(page, focused).waitFor({ state: 'detached' });
  await seat(page, focused).and(page.locator('.seat--available')).waitFor();

  // Mouse: hold seats 100 and 101, watch a countdown run, pay for 100 and keep 101 held.
  await seat(page, 100).click();
  const held = hold(page, 100);
  await held.waitFor();
  await seat(page, 101).click();
  await hold(page, 101).waitFor();
  assert.deepEqual(await holdsOverflow(page), []);
  const countdown = held.locator('[data-testid="countdown"]');
  const before = await countdown.textContent();
  assert.match(before, /^\d+:\d\d$/);
  await waitUntil(async () => (await countdown.textContent()) !== before, { message: 'the countdown to tick' });
  const priceText = await held.locator('.hold-price').textContent();
  const price = Number(priceText.replace(/[^\d]/g, ''));
  assert.ok(price > 0);
  await page.evaluate(() => window.scrollTo(0, 0));
  await dismissToasts(page);
  await shot(page, 'journey-05-hold', { doc: 'booking-desktop-seats' });

  await held.getByRole('button', { name: /^Pay/ }).click();
  const dialog = page.locator('#confirm-dialog');
  await dialog.waitFor();
  await dialog.getByText(`Seat 100 for ${concertName}`).waitFor();
  const left = (300000 - price).toLocaleString('en-US');
  await page.locator('[data-testid="balance"]').filter({ hasText: left }).waitFor();
  await dismissToasts(page);
  await shot(page, 'journey-06-confirmation', { doc: 'booking-desktop-confirmation' });

  // My reservations lists what the server lists, newest first: 101 held, 100 paid, the
  // keyboard hold cancelled; each with its concert, date, price and status.
  await dialog.getByRole('button', { name: 'See my reservations' }).click();
  const login = expectStatus(await apiCall(env.server.url, 'POST', '/auth/login', { body: { username, password } }), 200);
  const listed = expectStatus(await apiCall(env.server.url, 'GET', `/users/${login.userId}/reservations`, { token: login.accessToken }), 200);
  assert.deepEqual(listed.map((r) => [r.seatNumber, r.status]), [[101, 'HELD'], [100, 'CONFIRMED'], [focused, 'CANCELLED']]);
  const rows = page.locator('[data-testid="reservation"]');
  await waitUntil(async () => (await rows.count()) === 3, { message: 'three reservations' });
  const shown = await readReservations(page);
  const label = { HELD: 'Held', CONFIRMED: 'Confirmed', CANCELLED: 'Cancelled' };
  assert.deepEqual(shown, listed.map((r) => ({
    id: r.reservationId, status: r.status, seat: String(r.seatNumber), concert: concertName, date: concertDate,
    price: `₩${r.price.toLocaleString('en-US')}`, label: label[r.status],
  })));
  assert.equal(listed[1].price, price);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'journey-07-reservations', { doc: 'booking-desktop-reservations' });

  // A fresh env.browser (no memory of this tab), in Korean: the same list, from the env.server.
  const other = await openPage(env.browser, env.server.url, { locale: 'ko-KR' });
  await other.page.locator('#username').fill(username);
  await other.page.locator('#password').fill(password);
  await other.page.locator('#auth-submit').click();
  const otherRows = other.page.locator('[data-testid="reservation"]');
  await waitUntil(async () => (await otherRows.count()) === 3, { message: 'three reservations in the other browser' });
  const shownKo = await readReservations(other.page);
  assert.deepEqual(shownKo.map((r) => [r.id, r.status, r.seat]), shown.map((r) => [r.id, r.status, r.seat]));
  assert.deepEqual(shownKo.map((r) => r.label), ['선점 중', '예매 완료', '취소']);
  assertNoProblems(other.problems);
  await other.context.close();

  // Paying closed the booking window; joining again shows seat 100 as this fan's.
  await page.locator('[data-testid="concert"]').first().getByRole('button', { name: 'Join the waiting room' }).click();
  await seat(page, 100).and(page.locator('.seat--bought')).waitFor({ timeout: 15000 });
  assert.equal(await seat(page, 100).getAttribute('aria-disabled'), 'true');

  assertNoProblems(problems);
  await context.close();
});

// The rows of "My reservations" as the fan reads them.
function readReservations(page) {
  return page.locator('[data-testid="reservation"]').evaluateAll((rows) => rows.map((li) => {
    const text = (id) => li.querySelector(`[data-testid="${id}"]`).textContent.trim();
    return {
      id: li.dataset.id, status: li.dataset.status, seat: text('res-seat'), concert: text('res-concert'),
      date: text('res-date'), price: text('res-price'), label: text('res-status'),
    };
  }));
}
