// The concertd API over fetch. Errors are thrown as ApiError carrying the problem+json `code`
// (docs/errors.md), or NETWORK when no answer came back.

export class ApiError extends Error {
  constructor(status, code, detail, retryAfter) {
    super(`${code}: ${detail}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }

  // Whether the outcome is unknown or transient, so that the same request may be sent again.
  get retryable() {
    return this.code === 'NETWORK' || this.code === 'UNAVAILABLE' || this.code === 'INTERNAL';
  }
}

let clockOffsetMs = 0;

// The server's clock estimated from the Date headers (only corrected when clearly off).
export function serverNow() { return Date.now() + clockOffsetMs; }

function learnClock(response, sentAt) {
  const header = response.headers.get('date');
  if (!header) return;
  const server = Date.parse(header);
  if (Number.isNaN(server)) return;
  const local = (sentAt + Date.now()) / 2;
  // Date has whole seconds: only a skew beyond that resolution is worth correcting.
  const offset = server + 500 - local;
  clockOffsetMs = Math.abs(offset) > 2000 ? offset : 0;
}

// A random UUID v4; crypto.randomUUID needs a secure context, getRandomValues does not.
export function newKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export async function api(method, path, { body, token, adminKey, idempotencyKey } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  if (adminKey) headers['X-Admin-Key'] = adminKey;
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  const sentAt = Date.now();
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', String(e && e.message ? e.message : e), 0);
  }
  learnClock(response, sentAt);
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after')) || 0;
    const fallback = response.status === 404 ? 'NOT_FOUND'
      : response.status >= 500 ? (response.status === 503 ? 'UNAVAILABLE' : 'INTERNAL') : 'UNKNOWN';
    const code = data && typeof data.code === 'string' ? data.code : fallback;
    throw new ApiError(response.status, code, data && data.detail ? data.detail : response.statusText,
      retryAfter);
  }
  return data;
}
