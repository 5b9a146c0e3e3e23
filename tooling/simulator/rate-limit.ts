import type { RateLimitSetting } from './types.js';

// Tripletex counts requests per (consumer token, employee token) in fixed windows; once the
// window's budget is spent every call answers 429 until the window ends. The window starts at
// the first request after the previous one ended. Time comes from the simulator's now(), so a
// test can move the clock instead of sleeping.

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds left in the window, rounded up (Tripletex's X-Rate-Limit-Reset). */
  resetSeconds: number;
}

export const ANONYMOUS_BUCKET = 'anonymous';

export class RateLimiter {
  private windows = new Map<string, { start: number; used: number }>();

  constructor(
    private setting: RateLimitSetting,
    private readonly now: () => number,
  ) {}

  configure(setting: RateLimitSetting): void {
    this.setting = setting;
    this.windows = new Map();
  }

  get omitResetHeader(): boolean {
    return this.setting.omitResetHeader === true;
  }

  take(bucket: string): RateDecision {
    const now = this.now();
    const { limit, windowMs } = this.setting;
    let window = this.windows.get(bucket);
    if (!window || now >= window.start + windowMs) {
      window = { start: now, used: 0 };
      this.windows.set(bucket, window);
    }
    window.used++;
    // A proxy that rewrites the header says the same whatever the window (reportResetSeconds).
    const resetSeconds = this.setting.reportResetSeconds ?? Math.max(0, Math.ceil((window.start + windowMs - now) / 1000));
    return { allowed: window.used <= limit, limit, remaining: Math.max(0, limit - window.used), resetSeconds };
  }
}
