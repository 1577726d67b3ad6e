// The proof of work a queue join may need (--join-pow; docs/contract.md, "Waiting room"):
// GET /tokens/challenge, then a Web Worker (pow-worker.js) searches for the nonce so that the
// page stays responsive. About a second at the 17 bits docs/design.md suggests.

import { api, ApiError } from './api.js';

// Solves `challenge` at `bits`; `onProgress(fraction)` hears how likely a solution was to be
// found by now (1 - e^(-hashes / 2^bits)), about every 100 ms. Resolves {nonce, hashes, ms}.
export function solve(challenge, bits, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    const worker = new Worker('/static/pow-worker.js');
    const fail = (message) => {
      worker.terminate();
      reject(new ApiError(0, 'POW_UNSUPPORTED', message, 0));
    };
    worker.onmessage = ({ data }) => {
      if (data.type === 'progress') {
        onProgress(1 - Math.exp(-data.hashes / 2 ** bits));
      } else if (data.type === 'found') {
        worker.terminate();
        resolve(data);
      } else {
        fail(data.message);
      }
    };
    worker.onerror = (e) => fail(e.message || 'the proof-of-work worker failed');
    worker.postMessage({ challenge, bits });
  });
}

// The fields a join of `userId` must add to its body: {} when the server asks for no proof
// of work (bits 0), else {powChallenge, powNonce}. `onChecking(fraction)` is called from the
// start of a search (with 0) until it ends.
export async function proveWork(userId, onChecking) {
  const c = await api('GET', `/tokens/challenge?userId=${encodeURIComponent(userId)}`);
  if (!c.bits) return {};
  onChecking(0);
  const found = await solve(c.challenge, c.bits, onChecking);
  onChecking(1, found);
  return { powChallenge: c.challenge, powNonce: found.nonce };
}
