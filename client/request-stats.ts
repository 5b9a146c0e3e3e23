/** Counters one run reports in its summary and progress. */
export interface RequestStats {
  requests: number;
  retries: number;
  /** 429 answers received. */
  rateLimited: number;
  /** Pauses for the rate-limit window (planned by the limiter, or after a 429). */
  rateLimitWaits: number;
  /** Time during which at least one request was held for the window: waits that overlap (pages fetched ahead wait together) count once, so it never exceeds the run's own time. */
  rateLimitWaitMs: number;
  sessionRenewals: number;
}

export function newRequestStats(): RequestStats {
  return { requests: 0, retries: 0, rateLimited: 0, rateLimitWaits: 0, rateLimitWaitMs: 0, sessionRenewals: 0 };
}

// Where the latest counted wait ended, per stats object, kept outside it so that the counters
// stay plain numbers to copy into a summary.
const heldUntil = new WeakMap<RequestStats, number>();

/** Adds the time from `fromMs` to `toMs` (the limiter's clock) that a request was held for the window, less what an overlapping wait already counted. */
export function countHeldTime(stats: RequestStats, fromMs: number, toMs: number): void {
  const covered = heldUntil.get(stats) ?? -Infinity;
  stats.rateLimitWaitMs += Math.round(Math.max(0, toMs - Math.max(fromMs, covered)));
  if (toMs > covered) heldUntil.set(stats, toMs);
}
