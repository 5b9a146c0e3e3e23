import { runSharedWindow, type ClientModel, type ServerModel } from '../support/shared-window-server.js';
import { limiterOn, settle, track, VirtualClock, warm } from '../support/virtual-clock.js';

// Pacing to the window the headers describe, and sharing one token pair between processes that
// know nothing of each other but Tripletex's counters. Time is virtual (test/support): the
// elapsed times below are the virtual clock's, the same on any machine.

/** The fastest any client could be: every window's budget used from its first instant. */
function scheduleBound(server: ServerModel, requests: number, startMs: number): number {
  return startMs + (Math.ceil(requests / server.limit) - 1) * server.windowMs + server.latencyMs;
}

const shortWindows: ServerModel = { limit: 10, windowMs: 1000, latencyMs: 250, serviceMs: 5, oneWayMs: [0, 2] };
const tripletexLike: ServerModel = { limit: 100, windowMs: 10_000, latencyMs: 100, serviceMs: 3, oneWayMs: [0, 2] };
const pagingProcess = (requests: number, startAt: number): ClientModel => ({ requests, inFlight: 5, parseMs: 4, startAt });

describe('RateLimiter: where a window ends', () => {
  it('dates the end from the answer less the shortest round trip, so 1 s windows at 250 ms latency lose almost nothing', async () => {
    for (const seed of [1, 2, 3]) {
      // A session is created first (one round trip), then 31 pages: four windows.
      const run = await runSharedWindow(shortWindows, [{ requests: 31, inFlight: 5, parseMs: 12, startAt: 250 }], seed);
      expect(run.refused).toBe(0);
      expect(run.perWindow).toEqual([10, 10, 10, 1]);
      // Dated from the answer, each window would start a round trip late (0.73 of the bound).
      expect(scheduleBound(shortWindows, 31, 250) / run.elapsedMs).toBeGreaterThan(0.9);
    }
  });

  it('after a refusal just past the end it estimated, dates ends from answers; after one with Reset 0, waits a second longer', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 3, remaining: 2, resetSeconds: 1 }); // sent 0, answered 100: ends by 1000
    expect(limiter.snapshot().windowEndsAt).toBe(1_000);
    for (const permit of await Promise.all([limiter.acquire(), limiter.acquire()])) permit.release({ limit: 3, remaining: 0, resetSeconds: 1 }, false);

    // The window had in fact started late (the first request queued at the server): the first
    // request sent after the estimated end is refused.
    const planned: number[] = [];
    const opener = track(limiter.acquire(undefined, (ms) => planned.push(ms)));
    await clock.runUntil(() => opener.permit !== undefined);
    // The estimated end, and a margin of 3 % of a 1 s window.
    expect(clock.now).toBe(100 + planned[0]!);
    expect(clock.now).toBe(1_030);
    await clock.advance(100);
    opener.permit!.release({ limit: 3, remaining: 0, resetSeconds: 1 }, true);
    const wait = limiter.backoffAfter429({ limit: 3, remaining: 0, resetSeconds: 1 }, 1);
    const next = track(limiter.acquire());
    await clock.advance(wait);
    expect(next.permit).toBeDefined();
    await clock.advance(100);
    next.permit!.release({ limit: 3, remaining: 2, resetSeconds: 1 }, false);
    // From the answer now, not from the answer less the round trip.
    expect(limiter.snapshot().windowEndsAt).toBe(clock.now + 1_000);

    // A server that rounds Reset down says 0 on a request refused near the end of a window.
    for (const permit of await Promise.all([limiter.acquire(), limiter.acquire()])) permit.release({ limit: 3, remaining: 0, resetSeconds: 0 }, false);
    const early = track(limiter.acquire());
    await clock.runUntil(() => early.permit !== undefined);
    early.permit!.release({ limit: 3, remaining: 0, resetSeconds: 0 }, true);
    limiter.backoffAfter429({ limit: 3, remaining: 0, resetSeconds: 0 }, 1);
    const after = track(limiter.acquire());
    await clock.runUntil(() => after.permit !== undefined);
    await clock.advance(100);
    after.permit!.release({ limit: 3, remaining: 2, resetSeconds: 1 }, false);
    const windowEndsAt = limiter.snapshot().windowEndsAt!;
    for (const permit of await Promise.all([limiter.acquire(), limiter.acquire()])) permit.release({ limit: 3, remaining: 0, resetSeconds: 1 }, false);
    const waits: number[] = [];
    track(limiter.acquire(undefined, (ms) => waits.push(ms)));
    await settle();
    expect(clock.now + waits[0]!).toBeGreaterThanOrEqual(windowEndsAt + 1_000);
  });

  it('after a 429, waits until the end of the window it already knows rather than Reset counted from the answer', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 100, remaining: 99, resetSeconds: 10 }); // ends by 10000
    await clock.advance(5_890);
    const refused = await limiter.acquire(); // at 5990: 4.01 s left, which Reset rounds up to 5
    await clock.advance(100);
    refused.release({ limit: 100, remaining: 0, resetSeconds: 5 }, true);
    const wait = limiter.backoffAfter429({ limit: 100, remaining: 0, resetSeconds: 5 }, 1);
    expect(clock.now + wait).toBeLessThanOrEqual(10_000 + 150);
    expect(clock.now + wait).toBeGreaterThanOrEqual(10_000);
  });
});

describe('RateLimiter: several processes on one token pair', () => {
  it('notices the budget falling faster than it spends, and takes its share of what is left', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 100, remaining: 99, resetSeconds: 10 }); // the reference: sent 0, answered 100
    const [a, b] = await Promise.all([limiter.acquire(), limiter.acquire()]);
    await clock.advance(100);
    // Between the reference and a, the server counted 9 requests; this process sent only a.
    a!.release({ limit: 100, remaining: 90, resetSeconds: 10 }, false);
    const snapshot = limiter.snapshot();
    expect(snapshot.share).toBeCloseTo(1 / 9, 5);
    // Others sent 8 in the 100 ms before a was sent, so about 8 more since; of the 90 − 8 left,
    // b holds one, and this process's ninth of the rest is 9.
    expect(snapshot.remaining).toBe(Math.floor((90 - 8 - 1) / 9));
    b!.release({ limit: 100, remaining: 80, resetSeconds: 10 }, false);
  });

  it('what was spent before its first answer of a window is no evidence that anyone still spends', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 100, remaining: 40, resetSeconds: 10 });
    const permits = await Promise.all(Array.from({ length: 5 }, () => limiter.acquire()));
    await clock.advance(100);
    permits.forEach((permit, i) => permit.release({ limit: 100, remaining: 39 - i, resetSeconds: 10 }, false));
    expect(limiter.snapshot()).toMatchObject({ remaining: 35 });
    expect(limiter.snapshot().share).toBeUndefined();
  });

  it('four processes paging at once: no 429, the windows used to the full, and the run near the bound', async () => {
    for (const seed of [1, 2, 3]) {
      const run = await runSharedWindow(tripletexLike, [0, 1, 2, 3].map(() => pagingProcess(81, 100)), seed);
      // Each process kept its own count of the window: 45 of 369 requests were refused.
      expect(run.refused).toBe(0);
      expect(run.ok).toBe(4 * 81);
      expect(scheduleBound(tripletexLike, 4 * 81, 100) / run.elapsedMs).toBeGreaterThan(0.95);
      // Fair: they finish within a few hundred ms of each other.
      const finished = run.processes.map((p) => p.finishedAt);
      expect(Math.max(...finished) - Math.min(...finished)).toBeLessThan(1_000);
    }
  });

  it('with answers that take 0–30 ms each way and a busier server, still no 429', async () => {
    const server: ServerModel = { ...tripletexLike, serviceMs: 6, oneWayMs: [0, 30] };
    for (const seed of [4, 5]) {
      const run = await runSharedWindow(server, [0, 1, 2, 3].map(() => pagingProcess(81, 100)), seed);
      expect(run.refused).toBe(0);
      expect(run.ok).toBe(4 * 81);
    }
  });

  it('processes that join mid-window, and one heavy beside one light, stay under 1 % refused', async () => {
    for (const seed of [1, 2]) {
      const staggered = await runSharedWindow(tripletexLike, [0, 1, 2, 3].map((i) => pagingProcess(81, 100 + i * 3_700)), seed);
      expect(staggered.ok).toBe(4 * 81);
      expect(staggered.refused / (staggered.ok + staggered.refused)).toBeLessThanOrEqual(0.01);
      const unequal = await runSharedWindow(tripletexLike, [{ requests: 200, inFlight: 5, parseMs: 4 }, { requests: 30, inFlight: 1, parseMs: 4 }], seed);
      expect(unequal.refused).toBe(0);
    }
  });

  it('a window that shows it spending alone ends the sharing: the next window is used to the full', async () => {
    // Three processes stop after the first window; the fourth goes on alone.
    const run = await runSharedWindow(tripletexLike, [pagingProcess(300, 100), ...[0, 1, 2].map(() => pagingProcess(20, 100))], 1);
    expect(run.refused).toBe(0);
    const alone = run.processes[0]!;
    // The others spent their 60 in the first window. The second starts with the share the first
    // ended with, until its answers show the process alone; the third is all its own.
    expect(run.processes.slice(1).map((p) => p.okPerWindow)).toEqual([[20], [20], [20]]);
    expect(alone.okPerWindow[1]).toBeGreaterThanOrEqual(95);
    expect(alone.okPerWindow[2]).toBe(100);
    expect(alone.limiter.snapshot().share).toBeUndefined();
  });
});
