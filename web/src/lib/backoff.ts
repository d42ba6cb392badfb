// Exponential back-off with "full jitter" (AWS architecture blog): the n-th retry waits a random
// time in [base, min(cap, base * 2^n)], so many browsers reconnecting after a server restart do
// not arrive all at once.

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Random source in [0, 1); injectable for tests. */
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 30_000 };

export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const random = options.random ?? Math.random;
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(options.baseMs + random() * Math.max(0, ceiling - options.baseMs));
}
