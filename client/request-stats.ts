/** Counters one run reports in its summary and progress. */
export interface RequestStats {
  requests: number;
  retries: number;
  /** 429 answers received. */
  rateLimited: number;
  /** Pauses for the rate-limit window (planned by the limiter, or after a 429). */
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  sessionRenewals: number;
}

export function newRequestStats(): RequestStats {
  return { requests: 0, retries: 0, rateLimited: 0, rateLimitWaits: 0, rateLimitWaitMs: 0, sessionRenewals: 0 };
}
