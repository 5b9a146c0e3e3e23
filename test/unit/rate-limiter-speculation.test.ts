import { limiterOn, settle, track, VirtualClock, warm } from '../support/virtual-clock.js';

// Pages fetched ahead that no answer has proven necessary are sent only with budget the proven
// work does not need: the requests known to be needed, and one per round trip for the rest of
// the window (each answer can prove one more page). On a virtual clock.

/** A speculative request the test can prove needed, counting how often it heard that the rate limit sets its pace. */
function guess(speculative = true) {
  const state = { speculative, bound: 0 };
  return {
    state,
    speculation: {
      speculative: () => state.speculative,
      rateBound: () => void (state.bound += 1),
    },
  };
}

describe('RateLimiter and requests sent on speculation', () => {
  it('holds one back while requests sent one per round trip would spend the window, and sends it once it is proven needed', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    // 5 a second, 50 ms a round trip: one after another, the proven pages alone spend the budget.
    await warm(clock, limiter, { limit: 5, remaining: 3, resetSeconds: 1 }, 50);
    const needed = track(limiter.acquire());
    const ahead = guess();
    const speculative = track(limiter.acquire(undefined, undefined, Infinity, ahead.speculation));
    await settle();
    expect(needed.permit).toBeDefined();
    expect(speculative.permit).toBeUndefined();
    expect(ahead.state.bound).toBe(1);
    // An answer proves it needed: it goes at once, without waiting for the window.
    ahead.state.speculative = false;
    limiter.reconsider();
    await settle();
    expect(speculative.permit).toBeDefined();
    expect(clock.now).toBe(50);
    expect(ahead.state.bound).toBe(1);
  });

  it('sends as many as the window has beyond one request per round trip left in it', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    // 10 a second, 250 ms a round trip: 9 left, about 3 round trips left in the window.
    await warm(clock, limiter, { limit: 10, remaining: 9, resetSeconds: 1 }, 250);
    const guesses = Array.from({ length: 8 }, () => guess());
    const acquired = guesses.map((g) => track(limiter.acquire(undefined, undefined, Infinity, g.speculation)));
    await settle();
    expect(acquired.filter((a) => a.permit !== undefined)).toHaveLength(6);
    // Those held back hear that the rate limit sets the pace.
    expect(guesses.filter((g, i) => acquired[i]!.permit === undefined).map((g) => g.state.bound)).toEqual([1, 1]);
    for (const a of acquired) a.permit?.release({ limit: 10, remaining: 3, resetSeconds: 1 }, false);
  });

  it('tells requests it lets go, once half the budget is spent, when they go at a pace that will spend the rest before the window ends', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    // 100 per 10 s, 250 ms a round trip, 40 spent: one request at a time sends 4 a second, about 40 in the window.
    await warm(clock, limiter, { limit: 100, remaining: 59, resetSeconds: 10 }, 250);
    const alone = guess(false);
    const first = track(limiter.acquire(undefined, undefined, Infinity, alone.speculation));
    await settle();
    expect(first.permit).toBeDefined();
    expect(alone.state.bound).toBe(0);
    // Five at a time send 20 a second: what is left would be gone in about 3 s, but half the budget is not spent yet.
    const early = Array.from({ length: 4 }, () => guess(false));
    for (const g of early) track(limiter.acquire(undefined, undefined, Infinity, g.speculation));
    await settle();
    expect(early.every((g) => g.state.bound === 0)).toBe(true);
    // Past half the budget, at that pace: the rate limit sets it.
    const later = Array.from({ length: 10 }, () => guess(false));
    const acquired = later.map((g) => track(limiter.acquire(undefined, undefined, Infinity, g.speculation)));
    await settle();
    expect(acquired.every((a) => a.permit !== undefined)).toBe(true);
    expect(later.some((g) => g.state.bound === 1)).toBe(true);
  });

  it('lets a needed request pass speculative ones held back before it', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 5, remaining: 4, resetSeconds: 1 }, 50);
    const held = track(limiter.acquire(undefined, undefined, Infinity, guess().speculation));
    const needed = track(limiter.acquire());
    await settle();
    expect(held.permit).toBeUndefined();
    expect(needed.permit).toBeDefined();
  });

  it('sends held-back requests late in the window, when the round trips left no longer need its budget', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 5, remaining: 4, resetSeconds: 1 }, 50);
    const held = track(limiter.acquire(undefined, undefined, Infinity, guess().speculation));
    await settle();
    expect(held.permit).toBeUndefined();
    await clock.runUntil(() => held.permit !== undefined);
    // The window ends at 1000 ms; with 4 left and 50 ms a round trip, 3 can go on speculation in its last 150 ms.
    expect(clock.now).toBeGreaterThanOrEqual(850);
    expect(clock.now).toBeLessThan(1000);
  });

  it('holds nothing back from a server that sends no rate-limit headers', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, {}, 50);
    const guesses = Array.from({ length: 5 }, () => guess());
    const acquired = guesses.map((g) => track(limiter.acquire(undefined, undefined, Infinity, g.speculation)));
    await settle();
    expect(acquired.every((a) => a.permit !== undefined)).toBe(true);
    expect(guesses.every((g) => g.state.bound === 0)).toBe(true);
  });

  it('holds speculation back while the budget is unknown (cold), but not the request that finds it out', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    const held = track(limiter.acquire(undefined, undefined, Infinity, guess().speculation));
    const first = track(limiter.acquire());
    await settle();
    expect(held.permit).toBeUndefined();
    expect(first.permit).toBeDefined();
    await clock.advance(250);
    first.permit!.release({ limit: 100, remaining: 99, resetSeconds: 10 }, false);
    await settle();
    // 99 left, 10 s at 250 ms a round trip: about 40 for the proven pages, the rest to spare.
    expect(held.permit).toBeDefined();
  });
});
