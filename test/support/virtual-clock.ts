import { CancelledError } from '../../contract/errors.js';
import { RateLimiter, rateLimiterFor, type Permit, type RateLimitHeaders } from '../../client/rate-limiter.js';

// Virtual time for the rate limiter: it gets now() and sleep() from VirtualClock, and tests
// move the clock. Nothing waits on a real timer; settle() only lets promise chains run.

export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Timer {
  at: number;
  seq: number;
  resolve(): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class VirtualClock {
  now: number;
  #timers: Timer[] = [];
  #seq = 0;

  constructor(start = 0) {
    this.now = start;
  }

  readonly read = () => this.now;

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise<void>((resolve, reject) => {
      const timer: Timer = { at: this.now + Math.max(0, ms), seq: this.#seq++, resolve, signal, onAbort: undefined };
      if (signal) {
        timer.onAbort = () => {
          this.#timers = this.#timers.filter((t) => t !== timer);
          reject(new CancelledError());
        };
        signal.addEventListener('abort', timer.onAbort, { once: true });
      }
      this.#timers.push(timer);
    });
  };

  get pendingTimers(): number {
    return this.#timers.length;
  }

  #fireNext(limit: number): boolean {
    let next: Timer | undefined;
    for (const t of this.#timers) if (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t;
    if (!next || next.at > limit) return false;
    this.#timers = this.#timers.filter((t) => t !== next);
    if (next.signal && next.onAbort) next.signal.removeEventListener('abort', next.onAbort);
    this.now = Math.max(this.now, next.at);
    next.resolve();
    return true;
  }

  /** Moves time forward by ms, firing due timers in order and letting everything settle. */
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    await settle();
    while (this.#fireNext(target)) await settle();
    this.now = target;
    await settle();
  }

  /** Fires timers in order until `done()` holds; fails on a deadlock instead of hanging. */
  async runUntil(done: () => boolean, maxMs = 10_000_000): Promise<void> {
    for (;;) {
      await settle();
      if (done()) return;
      if (!this.#fireNext(maxMs)) throw new Error(`stuck at t=${this.now}: nothing left to run`);
    }
  }
}

/** Tracks an acquire without awaiting it. */
export function track(promise: Promise<Permit>) {
  const state: { permit?: Permit; error?: unknown } = {};
  promise.then(
    (permit) => (state.permit = permit),
    (error: unknown) => (state.error = error),
  );
  return state;
}

export function limiterOn(clock: VirtualClock, extra: Partial<ConstructorParameters<typeof RateLimiter>[0]> = {}) {
  return new RateLimiter({ now: clock.read, sleep: clock.sleep, random: () => 0.5, ...extra });
}

/** Gets a limiter out of its cold start: one request answered with these headers at `clock.now + latency`. */
export async function warm(clock: VirtualClock, limiter: RateLimiter, headers: RateLimitHeaders, latency = 100): Promise<void> {
  const permit = await limiter.acquire();
  await clock.advance(latency);
  permit.release(headers, false);
}


/**
 * For end-to-end runs against the simulator: one fake clock for the simulator's windows (pass
 * `now` to it) and for the limiter a run will use (`limiterFor` its key, made before the run;
 * see rateLimiterFor). The clock moves only when the limiter sleeps, and only once every request
 * it let through has been answered, so each window holds exactly the requests the limiter
 * planned for it, however slowly a busy machine delivers them.
 */
export function answerPacedClock(): { now: () => number; limiterFor(key: string): RateLimiter } {
  let now = Date.now();
  return {
    now: () => now,
    limiterFor(key) {
      const limiter: RateLimiter = rateLimiterFor(key, {
        now: () => now,
        sleep: (ms, signal) =>
          new Promise<void>((resolve, reject) => {
            const wakeAt = now + ms;
            const wake = () => {
              if (signal?.aborted) reject(new CancelledError());
              else if (limiter.snapshot().inFlight > 0) setTimeout(wake, 1);
              else {
                now = Math.max(now, wakeAt);
                resolve();
              }
            };
            setImmediate(wake);
          }),
      });
      return limiter;
    },
  };
}
