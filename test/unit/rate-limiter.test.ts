import { abortableSleep } from '../../contract/abortable.js';
import { CancelledError } from '../../contract/errors.js';
import { parseRateLimitHeaders, rateLimiterFor, resetRateLimiters, RateLimiter, type Permit, type RateLimitHeaders } from '../../client/rate-limiter.js';
import { Rng } from '../../tooling/simulator/prng.js';

// Time is virtual: the limiter gets now() and sleep() from VirtualClock, and tests move the
// clock. Nothing here waits on a real timer; settle() only lets promise chains run.

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Timer {
  at: number;
  seq: number;
  resolve(): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

class VirtualClock {
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
function track(promise: Promise<Permit>) {
  const state: { permit?: Permit; error?: unknown } = {};
  promise.then(
    (permit) => (state.permit = permit),
    (error: unknown) => (state.error = error),
  );
  return state;
}

function limiterOn(clock: VirtualClock, extra: Partial<ConstructorParameters<typeof RateLimiter>[0]> = {}) {
  return new RateLimiter({ now: clock.read, sleep: clock.sleep, random: () => 0.5, ...extra });
}

/** Gets a limiter out of its cold start: one request answered with these headers at `clock.now + latency`. */
async function warm(clock: VirtualClock, limiter: RateLimiter, headers: RateLimitHeaders, latency = 100): Promise<void> {
  const permit = await limiter.acquire();
  await clock.advance(latency);
  permit.release(headers, false);
}

describe('abortableSleep', () => {
  it('rejects with CancelledError at once when the signal has already aborted', async () => {
    await expect(abortableSleep(60_000, AbortSignal.abort())).rejects.toBeInstanceOf(CancelledError);
  });

  it('rejects with CancelledError as soon as the signal aborts, long before the time is up', async () => {
    const controller = new AbortController();
    const sleeping = abortableSleep(3_600_000, controller.signal);
    let outcome: unknown = 'pending';
    sleeping.then(
      () => (outcome = 'resolved'),
      (error: unknown) => (outcome = error),
    );
    await settle();
    expect(outcome).toBe('pending');
    controller.abort();
    await settle();
    expect(outcome).toBeInstanceOf(CancelledError);
  });
});

describe('parseRateLimitHeaders', () => {
  it('reads the three X-Rate-Limit headers and Retry-After in seconds', () => {
    expect(
      parseRateLimitHeaders({ 'x-rate-limit-limit': '100', 'x-rate-limit-remaining': '42', 'x-rate-limit-reset': '7', 'retry-after': '3' }),
    ).toEqual({ limit: 100, remaining: 42, resetSeconds: 7, retryAfterSeconds: 3 });
  });

  it('tolerates other spellings, arrays and whitespace', () => {
    expect(parseRateLimitHeaders({ 'X-Rate-Limit-Limit': ' 100 ', 'x-rate-limit-remaining': ['5', '9'] })).toEqual({ limit: 100, remaining: 5 });
  });

  it('turns missing, negative and garbage values into absent fields', () => {
    expect(parseRateLimitHeaders({})).toEqual({});
    expect(
      parseRateLimitHeaders({ 'x-rate-limit-limit': '-1', 'x-rate-limit-remaining': 'lots', 'x-rate-limit-reset': '', 'retry-after': 'soon' }),
    ).toEqual({});
    expect(parseRateLimitHeaders({ 'x-rate-limit-reset': '1e3', 'x-rate-limit-remaining': '10abc', 'retry-after': '-5' })).toEqual({});
    expect(parseRateLimitHeaders({ 'x-rate-limit-reset': undefined, 'x-rate-limit-limit': [] })).toEqual({});
  });

  it('reads Retry-After as an HTTP date relative to now, never negative', () => {
    const now = Date.UTC(2026, 4, 4, 8, 0, 0);
    expect(parseRateLimitHeaders({ 'retry-after': 'Mon, 04 May 2026 08:00:12 GMT' }, now)).toEqual({ retryAfterSeconds: 12 });
    expect(parseRateLimitHeaders({ 'retry-after': 'Mon, 04 May 2026 07:59:00 GMT' }, now)).toEqual({ retryAfterSeconds: 0 });
  });
});

describe('RateLimiter', () => {
  it('lets only one request through before the first answer says what the budget is', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    const requests = Array.from({ length: 4 }, () => track(limiter.acquire()));
    await settle();
    expect(requests.filter((r) => r.permit).length).toBe(1);
    expect(limiter.snapshot().inFlight).toBe(1);

    await clock.advance(100);
    requests[0]!.permit!.release({ limit: 100, remaining: 99, resetSeconds: 10 }, false);
    await settle();
    expect(requests.every((r) => r.permit)).toBe(true);
    expect(limiter.snapshot()).toMatchObject({ limit: 100, remaining: 96, inFlight: 3, waits: 0 });
  });

  it('keeps probing one at a time after a network failure, and stops pacing for a server without rate-limit headers', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    const first = track(limiter.acquire());
    const second = track(limiter.acquire());
    const third = track(limiter.acquire());
    await settle();
    first.permit!.release(undefined, false);
    await settle();
    expect([!!second.permit, !!third.permit]).toEqual([true, false]);

    second.permit!.release({}, false); // answered, but says nothing about a limit
    await settle();
    expect(third.permit).toBeDefined();
    const more = Array.from({ length: 20 }, () => track(limiter.acquire()));
    await settle();
    expect(more.every((r) => r.permit)).toBe(true);
  });

  it('subtracts requests still in flight from the remaining count an answer reports', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 10, remaining: 9, resetSeconds: 10 });
    const permits = await Promise.all(Array.from({ length: 5 }, () => limiter.acquire()));
    expect(limiter.snapshot().remaining).toBe(4);
    // The server may have counted only the first of the five when it answered it.
    permits[0]!.release({ limit: 10, remaining: 8, resetSeconds: 10 }, false);
    expect(limiter.snapshot().remaining).toBe(4);
    // Another client used the same tokens: the server says 3 left after counting the second.
    permits[1]!.release({ limit: 10, remaining: 3, resetSeconds: 10 }, false);
    expect(limiter.snapshot().remaining).toBe(0); // 3 minus the three still in flight
    const blocked = track(limiter.acquire());
    await settle();
    expect(blocked.permit).toBeUndefined();
  });

  it('never raises its estimate on an answer that was overtaken by a newer one', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 10, remaining: 9, resetSeconds: 10 });
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    // The server counted a (8 left) then b (7 left), but b's answer arrives first.
    b.release({ limit: 10, remaining: 7, resetSeconds: 10 }, false);
    a.release({ limit: 10, remaining: 8, resetSeconds: 10 }, false);
    expect(limiter.snapshot().remaining).toBeLessThanOrEqual(7);
  });

  it('waits for the end of the window when the budget is spent, telling onWait, then starts a fresh window of limit', async () => {
    const clock = new VirtualClock(1_000);
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 3, remaining: 2, resetSeconds: 10 }); // answered at 1100: ends by 11100
    for (const permit of await Promise.all([limiter.acquire(), limiter.acquire()])) permit.release({ limit: 3, remaining: 0, resetSeconds: 10 }, false);
    const planned: number[] = [];
    const waiting = track(limiter.acquire(undefined, (ms) => planned.push(ms)));
    await settle();
    expect(waiting.permit).toBeUndefined();
    expect(planned).toHaveLength(1);
    expect(planned[0]).toBeGreaterThan(10_000 - 1);
    expect(planned[0]).toBeLessThanOrEqual(10_000 + 250); // the safety margin is small
    expect(limiter.snapshot().waits).toBe(1);

    await clock.advance(planned[0]! - 1);
    expect(waiting.permit).toBeUndefined();
    await clock.advance(1);
    expect(waiting.permit).toBeDefined();
    expect(waiting.permit!.waitedMs).toBe(planned[0]);
    expect(limiter.snapshot()).toMatchObject({ remaining: 2, waits: 1, waitedMs: planned[0] });
  });

  it('tells answers from the current, a later and an older window apart', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    // Someone else started the server's window at -900, so it really ends at 9100; all we know
    // from this answer (sent at 0, answered at 100, 10 s left when the server counted it, which
    // was no later than the answer less the shortest round trip seen, 100 ms) is that it ends
    // in [9000, 10000].
    await warm(clock, limiter, { limit: 10, remaining: 9, resetSeconds: 10 });
    expect(limiter.snapshot().windowEndsAt).toBe(10_000);
    const slow = await limiter.acquire(); // counted at 1500 (8 left), answered only at 9200
    for (let i = 0; i < 6; i++) (await limiter.acquire()).release({ limit: 10, remaining: 7 - i, resetSeconds: 10 }, false);
    expect(limiter.snapshot().remaining).toBe(1); // 2 left, less the slow one in flight

    await clock.advance(9_100);
    slow.release({ limit: 10, remaining: 8, resetSeconds: 8 }, false);
    expect(limiter.snapshot().remaining).toBe(2); // its stale 8 does not count; nothing in flight now

    // Sent at 9200: b is counted at 9050 in the old window, a at 9250 in a new one.
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    await clock.advance(100);
    // 10 s left for an answer sent at 9200: that window ends after 18200, so it is a later one.
    a.release({ limit: 10, remaining: 9, resetSeconds: 10 }, false);
    expect(limiter.snapshot()).toMatchObject({ remaining: 8, windowEndsAt: 19_300 });
    // b's answer (1 left, 1 s to go) can only belong to a window ending by 10400: ignored.
    b.release({ limit: 10, remaining: 1, resetSeconds: 1 }, false);
    expect(limiter.snapshot()).toMatchObject({ remaining: 9, windowEndsAt: 19_300 });
  });

  it('waits quietly for answers when only requests in flight hold the budget', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 10, remaining: 3, resetSeconds: 10 });
    const inFlight = await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    const planned: number[] = [];
    const next = track(limiter.acquire(undefined, (ms) => planned.push(ms)));
    await settle();
    expect(next.permit).toBeUndefined();
    // The server had already counted the first of them when it said 3 remained.
    inFlight[0]!.release({ limit: 10, remaining: 3, resetSeconds: 10 }, false);
    inFlight[1]!.release({ limit: 10, remaining: 2, resetSeconds: 10 }, false);
    inFlight[2]!.release({ limit: 10, remaining: 1, resetSeconds: 10 }, false);
    await settle();
    expect(next.permit).toBeDefined();
    expect(planned).toEqual([]);
    expect(limiter.snapshot()).toMatchObject({ waits: 0, remaining: 0 });
  });

  it('after a 429 with Reset, waits the reset out and makes every other caller wait too', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 100, remaining: 99, resetSeconds: 10 });
    const refused = await limiter.acquire();
    const other = await limiter.acquire();
    refused.release({ limit: 100, remaining: 0, resetSeconds: 4 }, true); // another client spent the window
    const wait = limiter.backoffAfter429({ limit: 100, remaining: 0, resetSeconds: 4 }, 1);
    expect(wait).toBeGreaterThanOrEqual(4_000);
    expect(wait).toBeLessThanOrEqual(4_250);
    other.release(undefined, false);

    const planned: number[] = [];
    const retry = track(limiter.acquire(undefined, (ms) => planned.push(ms)));
    const bystander = track(limiter.acquire(undefined, (ms) => planned.push(ms)));
    await settle();
    expect(planned).toEqual([wait, wait]);
    await clock.advance(wait - 1);
    expect(retry.permit ?? bystander.permit).toBeUndefined();
    await clock.advance(1);
    expect(retry.permit && bystander.permit).toBeDefined();
    expect(limiter.snapshot().waits).toBe(1);
  });

  it('after a 429 with only Retry-After, honours it and then probes one request at a time', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 100, remaining: 99, resetSeconds: 10 });
    const refused = await limiter.acquire();
    refused.release({ retryAfterSeconds: 2 }, true);
    const wait = limiter.backoffAfter429({ retryAfterSeconds: 2 }, 1);
    expect(wait).toBeGreaterThanOrEqual(2_000);
    expect(wait).toBeLessThanOrEqual(2_250);
    const next = [track(limiter.acquire()), track(limiter.acquire())];
    await clock.advance(wait);
    // What we knew about the window is worthless now: one request finds out.
    expect(next.map((r) => !!r.permit)).toEqual([true, false]);
    next[0]!.permit!.release({ limit: 100, remaining: 60, resetSeconds: 5 }, false);
    await settle();
    expect(next[1]!.permit).toBeDefined();
    expect(limiter.snapshot().remaining).toBe(59);
  });

  it('counts a request that failed without an answer against the window: the server may have counted it', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 10, remaining: 2, resetSeconds: 10 });
    const [a, b] = await Promise.all([limiter.acquire(), limiter.acquire()]);
    a!.release(undefined, false);
    b!.release({ limit: 10, remaining: 1, resetSeconds: 10 }, false); // may be stale: a could come after it
    const next = track(limiter.acquire());
    await settle();
    expect(next.permit).toBeUndefined();
    expect(limiter.snapshot().remaining).toBe(0);
  });

  it('after a 429 without Reset, ignores answers to requests sent before it', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 100, remaining: 99, resetSeconds: 10 });
    const [refused, earlier] = await Promise.all([limiter.acquire(), limiter.acquire()]);
    refused!.release({}, true);
    const wait = limiter.backoffAfter429({}, 1);
    // Counted before the refusal: its 50 says nothing about where the window stands now.
    earlier!.release({ limit: 100, remaining: 50, resetSeconds: 9 }, false);
    const next = [track(limiter.acquire()), track(limiter.acquire())];
    await clock.advance(wait);
    expect(next.map((r) => !!r.permit)).toEqual([true, false]);
  });

  it('after a 429 that says nothing, backs off exponentially with jitter, capped', async () => {
    const clock = new VirtualClock();
    const waitsFor = (random: number, maxBackoffMs?: number) => {
      const limiter = limiterOn(clock, { random: () => random, minBackoffMs: 1_000, ...(maxBackoffMs ? { maxBackoffMs } : {}) });
      return [1, 2, 3, 4, 5, 6].map((attempt) => {
        const wait = limiter.backoffAfter429({}, attempt);
        clock.now += wait; // each attempt comes after the previous wait
        return wait;
      });
    };
    expect(waitsFor(0.5)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 16_000]);
    expect(waitsFor(0.5, 5_000)).toEqual([1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
    const low = waitsFor(0);
    const high = waitsFor(0.999);
    expect(low[0]).toBe(750);
    expect(high[0]).toBeGreaterThan(1_240);
    expect(high[5]).toBe(16_000);
    expect(low[2]).toBeLessThan(high[2]!);
  });

  it('blocks callers during a backoff even before anything was known', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    const first = await limiter.acquire();
    first.release({}, true);
    const wait = limiter.backoffAfter429({}, 1);
    const next = track(limiter.acquire());
    await clock.advance(wait - 1);
    expect(next.permit).toBeUndefined();
    await clock.advance(1);
    expect(next.permit).toBeDefined();
  });

  it('rejects a waiting acquire with CancelledError as soon as its signal aborts, holding nothing', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 1, remaining: 0, resetSeconds: 10 });
    const controller = new AbortController();
    const cancelled = track(limiter.acquire(controller.signal));
    const patient = track(limiter.acquire());
    await settle();
    expect(clock.pendingTimers).toBe(1);
    controller.abort();
    await settle();
    expect(cancelled.error).toBeInstanceOf(CancelledError);
    expect(limiter.snapshot().inFlight).toBe(0);
    await clock.advance(11_000);
    expect(patient.permit).toBeDefined();
    expect(limiter.snapshot().inFlight).toBe(1);

    // Already aborted: rejected without queueing.
    await expect(limiter.acquire(AbortSignal.abort())).rejects.toBeInstanceOf(CancelledError);
  });

  it('drops its timer when the last waiter is cancelled, and cancels waits for a cold slot too', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    const first = await limiter.acquire(); // cold: the next one waits for this answer
    const controller = new AbortController();
    const queued = track(limiter.acquire(controller.signal));
    await settle();
    controller.abort();
    await settle();
    expect(queued.error).toBeInstanceOf(CancelledError);
    first.release({ limit: 1, remaining: 0, resetSeconds: 10 }, false);
    expect(limiter.snapshot().inFlight).toBe(0);

    const second = new AbortController();
    const waiting = track(limiter.acquire(second.signal));
    await settle();
    expect(clock.pendingTimers).toBe(1);
    second.abort();
    await settle();
    expect(waiting.error).toBeInstanceOf(CancelledError);
    expect(clock.pendingTimers).toBe(0);
  });

  it('ignores a second release of the same permit', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 10, remaining: 9, resetSeconds: 10 });
    const a = await limiter.acquire();
    await limiter.acquire();
    a.release(undefined, false);
    a.release(undefined, false);
    expect(limiter.snapshot().inFlight).toBe(1);
  });

  it('serves waiting callers in arrival order', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 2, remaining: 0, resetSeconds: 1 });
    const order: number[] = [];
    const all = [0, 1, 2, 3, 4].map((n) =>
      limiter.acquire().then((permit) => {
        order.push(n);
        permit.release({ limit: 2, remaining: 0, resetSeconds: 1 }, false);
      }),
    );
    await clock.runUntil(() => order.length === 5);
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps one limiter per key for the process, until reset', () => {
    resetRateLimiters();
    const a = rateLimiterFor('production:abc123');
    expect(rateLimiterFor('production:abc123')).toBe(a);
    expect(rateLimiterFor('test:abc123')).not.toBe(a);
    resetRateLimiters();
    expect(rateLimiterFor('production:abc123')).not.toBe(a);
  });
});

// A fixed-window server like Tripletex's: `limit` requests per window, 429 for the rest, and
// the seconds left in the window (rounded up, or down for the hostile variant) on every answer.
interface ServerModel {
  limit: number;
  windowMs: number;
  /** Windows on fixed clock boundaries instead of starting at the first request after the last ended. */
  aligned?: boolean;
  rounding?: 'ceil' | 'floor';
}

function fixedWindowServer(clock: VirtualClock, model: ServerModel) {
  let start = -Infinity;
  let used = 0;
  const stats = { ok: 0, refused: 0, refusedAt: [] as number[] };
  return {
    stats,
    handle(): { status: number; headers: RateLimitHeaders } {
      const now = clock.now;
      if (model.aligned) {
        const windowStart = Math.floor(now / model.windowMs) * model.windowMs;
        if (windowStart !== start) {
          start = windowStart;
          used = 0;
        }
      } else if (now >= start + model.windowMs) {
        start = now;
        used = 0;
      }
      used += 1;
      const left = (start + model.windowMs - now) / 1000;
      const resetSeconds = model.rounding === 'floor' ? Math.floor(left) : Math.ceil(left);
      const allowed = used <= model.limit;
      if (allowed) stats.ok += 1;
      else {
        stats.refused += 1;
        stats.refusedAt.push(now);
      }
      return { status: allowed ? 200 : 429, headers: { limit: model.limit, remaining: Math.max(0, model.limit - used), resetSeconds } };
    },
  };
}

/** `total` requests by `concurrency` workers with random latency, retrying 429s the way dispatch does. */
async function steadyDemand(model: ServerModel, total: number, concurrency: number, seed: number, startAt = 0, latency: [number, number] = [5, 120], thinkMs = 0) {
  const clock = new VirtualClock(startAt);
  const random = new Rng(seed);
  const limiter = new RateLimiter({ now: clock.read, sleep: clock.sleep, random: () => random.next() });
  const server = fixedWindowServer(clock, model);
  let started = 0;
  let completed = 0;
  let maxInFlight = 0;
  const worker = async () => {
    while (started < total) {
      started += 1;
      for (let attempt = 1; ; attempt++) {
        const permit = await limiter.acquire();
        maxInFlight = Math.max(maxInFlight, limiter.snapshot().inFlight);
        await clock.sleep(random.int(...latency)); // to the server
        const answer = server.handle();
        await clock.sleep(random.int(...latency)); // and back
        permit.release(answer.headers, answer.status === 429);
        if (answer.status !== 429) break;
        limiter.backoffAfter429(answer.headers, attempt);
      }
      completed += 1;
      if (thinkMs > 0) await clock.sleep(random.int(0, thinkMs));
    }
  };
  let finished = false;
  const workers = Promise.all(Array.from({ length: concurrency }, worker)).then(() => (finished = true));
  await clock.runUntil(() => finished);
  await workers;
  expect(completed).toBe(total);
  return { elapsedMs: clock.now - startAt, server: server.stats, limiter: limiter.snapshot(), maxInFlight };
}

describe('RateLimiter against a fixed-window server', () => {
  const limit = 100;
  const windowMs = 10_000;
  const total = 2_000;
  // Throughput over the windows after the first: the first window's budget is free.
  const perWindow = (elapsedMs: number) => ((total - limit) / elapsedMs) * windowMs;

  it.each([
    ['windows that start at the first request after the last one ended', false, 0, 1],
    ['windows on fixed clock boundaries, starting mid-window', true, 3_700, 2],
  ])('a long run above the limit never sees a 429 (%s) and stays near the bound', async (_name, aligned, startAt, seed) => {
    const run = await steadyDemand({ limit, windowMs, aligned }, total, 5, seed, startAt);
    expect(run.server.refused).toBe(0);
    expect(run.server.ok).toBe(total);
    expect(run.maxInFlight).toBe(5);
    expect(perWindow(run.elapsedMs)).toBeGreaterThanOrEqual(0.9 * limit);
    // About one pause per window, each announced once, not a flicker of short ones.
    expect(run.limiter.waits).toBeGreaterThanOrEqual(total / limit - 2);
    expect(run.limiter.waits).toBeLessThanOrEqual(total / limit);
    expect(run.limiter.inFlight).toBe(0);
  });

  it('never sees a 429 when demand hovers near the limit and slow answers straddle window ends', async () => {
    // 16 callers, up to 3 s round trips and pauses between requests: about the limit, with
    // windows rolling over while many answers are still on their way.
    for (const seed of [4, 5, 6]) {
      const run = await steadyDemand({ limit, windowMs }, 600, 16, seed, 0, [20, 1_500], 300);
      expect(run.server.refused).toBe(0);
      expect(run.server.ok).toBe(600);
    }
  });

  it('learns from the first refusals when the server rounds Reset down, and is not refused again', async () => {
    const run = await steadyDemand({ limit, windowMs, rounding: 'floor' }, total, 5, 3);
    expect(run.server.ok).toBe(total);
    // At most the requests in flight when the first early rollover was found out.
    expect(run.server.refused).toBeLessThanOrEqual(5);
    expect(Math.max(...run.server.refusedAt)).toBeLessThan(3 * windowMs);
    expect(perWindow(run.elapsedMs)).toBeGreaterThanOrEqual(0.85 * limit);
  });
});

