// The proof of work of --join-pow (docs/contract.md, "Waiting room"), off the page's thread:
// the first decimal nonce n such that SHA-256(challenge || n), over their ASCII bytes, has at
// least `bits` leading zero bits. crypto.subtle answers one promise per hash, so hashes go in
// batches: one await per batch, not per hash.
//
// In:  {challenge, bits}
// Out: {type: 'progress', hashes} about every 100 ms, then {type: 'found', nonce, hashes, ms},
//      or {type: 'error', message}.

const kBatch = 512;
const kProgressMs = 100;

function hasZeroBits(digest, bits) {
  let i = 0;
  for (; bits >= 8; bits -= 8, i += 1) if (digest[i] !== 0) return false;
  return bits === 0 || digest[i] >> (8 - bits) === 0;
}

async function solve(challenge, bits) {
  if (!self.crypto || !self.crypto.subtle) {
    throw new Error('crypto.subtle is unavailable: the page must be served over HTTPS');
  }
  const prefix = new TextEncoder().encode(challenge);
  // digest() copies its input when called, so one buffer serves every hash.
  const input = new Uint8Array(prefix.length + 20);
  input.set(prefix);
  const started = performance.now();
  let reported = started;
  for (let base = 0; ; base += kBatch) {
    const pending = [];
    for (let i = 0; i < kBatch; i += 1) {
      const digits = String(base + i);
      for (let k = 0; k < digits.length; k += 1) input[prefix.length + k] = digits.charCodeAt(k);
      pending.push(crypto.subtle.digest('SHA-256', input.subarray(0, prefix.length + digits.length)));
    }
    const digests = await Promise.all(pending);
    for (let i = 0; i < kBatch; i += 1) {
      if (hasZeroBits(new Uint8Array(digests[i]), bits)) {
        return { nonce: String(base + i), hashes: base + i + 1, ms: performance.now() - started };
      }
    }
    const now = performance.now();
    if (now - reported >= kProgressMs) {
      reported = now;
      postMessage({ type: 'progress', hashes: base + kBatch });
    }
  }
}

self.onmessage = async ({ data }) => {
  try {
    postMessage({ type: 'found', ...(await solve(data.challenge, data.bits)) });
  } catch (e) {
    postMessage({ type: 'error', message: String(e && e.message ? e.message : e) });
  }
};
