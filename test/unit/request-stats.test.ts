import { countHeldTime, newRequestStats } from '../../client/request-stats.js';

// The summary's "Time waiting for the rate limit" is wall time during which some request was
// held, so a person can set it against the run's duration: overlapping holds count once.

describe('time held for the rate limit', () => {
  it('counts overlapping holds once and separate holds each', () => {
    const stats = newRequestStats();
    countHeldTime(stats, 0, 1000); // a page held for a window
    countHeldTime(stats, 10, 1000); // the pages fetched ahead, held for the same window
    countHeldTime(stats, 20, 1000);
    expect(stats.rateLimitWaitMs).toBe(1000);
    countHeldTime(stats, 500, 1500); // a hold that goes on past the others
    expect(stats.rateLimitWaitMs).toBe(1500);
    countHeldTime(stats, 3000, 3200); // a later window
    expect(stats.rateLimitWaitMs).toBe(1700);
  });

  it('ignores a hold that ended before it began (a clock never goes back, but a caller may be wrong)', () => {
    const stats = newRequestStats();
    countHeldTime(stats, 100, 50);
    expect(stats.rateLimitWaitMs).toBe(0);
  });

  it('keeps each run its own: a second run starts at nothing', () => {
    const first = newRequestStats();
    countHeldTime(first, 0, 1000);
    const second = newRequestStats();
    countHeldTime(second, 500, 1000);
    expect(second.rateLimitWaitMs).toBe(500);
  });
});
