// Exponential back-off with "full jitter" (AWS architecture blog): the n-th retry waits a random
// time in [base / 2, min(cap, base * 2^n)], so many browsers reconnecting after a server restart do
// not arrive all at once. The floor is half the base, not the base itself: otherwise the first
// retry's range would be [base, base], and every browser whose connection was stable would come
// back at exactly the same moment.

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Random source in [0, 1); injectable for tests. */
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 30_000 };

export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const random = options.random ?? Math.random;
  const floor = options.baseMs / 2;
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(floor + random() * Math.max(0, ceiling - floor));
}
