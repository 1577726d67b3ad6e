// How long the booking page's proof-of-work search (web/static/pow.js, its Web Worker) takes in
// headless Chromium: TRIALS searches at each BITS on random challenges, against a concertd on a
// temp database (the page must come from it: same origin, secure context).
//
//   node bench/pow-solve.mjs [BITS,BITS,...] [TRIALS]     (default 16,18,20 and 10)
//
// Prints, per BITS: the median and mean time, and hashes per second over all trials. A search
// takes 2^BITS hashes on average (exponentially distributed), so the mean is the one to pick
// --join-pow by; the median is about 0.69 of it.

import { randomBytes } from 'node:crypto';
import { startConcertd, launchBrowser } from '../tests/browser/support.mjs';

const bitsList = (process.argv[2] ?? '16,18,20').split(',').map(Number);
const trials = Number(process.argv[3] ?? 10);

const server = await startConcertd();
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  await page.goto(server.url);
  for (const bits of bitsList) {
    const runs = [];
    for (let i = 0; i < trials; i += 1) {
      const challenge = randomBytes(56).toString('base64url');
      runs.push(await page.evaluate(async ([c, b]) => {
        const { solve } = await import('/static/pow.js');
        return solve(c, b);
      }, [challenge, bits]));
    }
    const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
    const total = ms.reduce((a, b) => a + b, 0);
    const hashes = runs.reduce((a, r) => a + r.hashes, 0);
    console.log(`bits ${bits}: median ${ms[Math.floor(ms.length / 2)].toFixed(0)} ms, mean ${(total / ms.length).toFixed(0)} ms, ` +
      `${Math.round(hashes / (total / 1000))} hashes/s (${trials} trials; expected 2^${bits} = ${2 ** bits} hashes each)`);
  }
} finally {
  await browser.close();
  await server.stop();
}
