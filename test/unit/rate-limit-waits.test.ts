import { RateLimitWaitError } from '../../contract/errors.js';
import { MAX_PLAUSIBLE_WAIT_SECONDS, WaitTooLongError } from '../../client/rate-limiter.js';
import { limiterOn, settle, track, VirtualClock, warm } from '../support/virtual-clock.js';

// Waits have a ceiling: a request never waits longer than it may (maxWaitMs), and a wait
// nobody could mean (years) never holds the other requests on the same tokens.

describe('RateLimiter waits with a ceiling', () => {
  it('refuses at once a window wait longer than the caller may wait, and lets a patient caller wait', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 2, remaining: 0, resetSeconds: 30 });
    const hasty = track(limiter.acquire(undefined, undefined, 5_000));
    const patient = track(limiter.acquire(undefined, undefined, 60_000));
    await settle();
    expect(hasty.error).toBeInstanceOf(WaitTooLongError);
    expect((hasty.error as WaitTooLongError).waitMs).toBeGreaterThan(29_000);
    expect(patient.permit).toBeUndefined();
    await clock.runUntil(() => patient.permit !== undefined);
    expect(clock.now).toBeGreaterThanOrEqual(30_000);
  });

  it('does not hold anyone for a 429 wait longer than the caller may wait', async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 100, remaining: 50, resetSeconds: 5 });
    const refused = await limiter.acquire();
    refused.release({ limit: 100, remaining: 0, retryAfterSeconds: 99_999_999 }, true);
    const wait = limiter.backoffAfter429({ retryAfterSeconds: 99_999_999 }, 1, 300_000);
    expect(wait).toBeGreaterThan(99_999_999_000);
    const other = track(limiter.acquire());
    await settle();
    expect(other.permit).toBeDefined();
    expect(clock.now).toBe(100);
  });

  it(`ignores a Reset beyond ${MAX_PLAUSIBLE_WAIT_SECONDS} s when pacing, on 429s and on successful answers alike`, async () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock);
    await warm(clock, limiter, { limit: 100, remaining: 0, resetSeconds: 99_999_999 });
    // Nothing is known about the window, so the next request goes as a probe instead of waiting years.
    const next = track(limiter.acquire());
    await settle();
    expect(next.permit).toBeDefined();
    next.permit!.release({ limit: 100, remaining: 0, resetSeconds: 99_999_999 }, true);
    const probe = track(limiter.acquire());
    await settle();
    expect(probe.permit).toBeDefined();
    expect(clock.now).toBe(100);
  });

  it('backs off and grows when Retry-After says "now" (a date already past on a skewed clock)', () => {
    const clock = new VirtualClock();
    const limiter = limiterOn(clock, { minBackoffMs: 1000 });
    const first = limiter.backoffAfter429({ retryAfterSeconds: 0 }, 1);
    const third = limiter.backoffAfter429({ retryAfterSeconds: 0 }, 3);
    expect(first).toBeGreaterThanOrEqual(750);
    expect(third).toBeGreaterThanOrEqual(3000);
  });

  it('names the wait Tripletex asked for in words a person can weigh', () => {
    const error = new RateLimitWaitError({ method: 'GET', path: '/customer', waitMs: 99_999_999_000, maxWaitMs: 300_000, askedBy: 'tripletex' });
    expect(error.message).toBe(
      'Tripletex answered 429 (rate limit) to GET /customer and asked to wait 99999999 s (about 3 years), longer than the 300 s a request may wait. It was not sent again; try later, or raise "Longest rate-limit wait (seconds)" if such waits are expected.',
    );
    expect(error.toJSON()).toMatchObject({ kind: 'rate-limit-wait', waitMs: 99_999_999_000, maxWaitMs: 300_000, hints: [{ template: 'raise {input:maxWaitSeconds}' }] });
  });
});
