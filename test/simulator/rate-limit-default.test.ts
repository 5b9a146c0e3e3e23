import { startSimulator, type RunningSimulator } from '../../tooling/simulator/index.js';
import { call, createSession, manualClock } from './helpers.js';

// The rate limit is on by default at Tripletex's observed figures (100 requests per window of
// about 10 s per token pair), with the headers on every answer, errors included. The clock is
// moved by hand, so nothing here depends on how fast the machine is.

describe('simulator: the rate limit is on by default at Tripletex\'s figures', () => {
  const clock = manualClock('2030-03-04T10:00:00Z');
  let sim: RunningSimulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator({ size: 20, now: clock.now });
    token = await createSession(sim, { now: clock.now() });
  });
  afterAll(() => sim.close());

  it('allows 100 requests per 10 s window, then answers 429 until the window ends', async () => {
    clock.advance(60_000);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 101; i++) {
      last = await call(sim, '/currency?count=1', { token });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 100).every((s) => s === 200)).toBe(true);
    expect(statuses[100]).toBe(429);
    expect(last!.headers.get('x-rate-limit-limit')).toBe('100');
    expect(last!.headers.get('x-rate-limit-remaining')).toBe('0');
    expect(last!.headers.get('x-rate-limit-reset')).toBe('10');
    clock.advance(9_999);
    expect((await call(sim, '/currency?count=1', { token })).status).toBe(429);
    clock.advance(1);
    const fresh = await call(sim, '/currency?count=1', { token });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('x-rate-limit-remaining')).toBe('99');
  });

  it('sends the headers on error answers too', async () => {
    clock.advance(60_000);
    const errors = [
      await call(sim, '/customer'),
      await call(sim, '/customer/1', { token }),
      await call(sim, '/invoice', { token }),
      await call(sim, '/customer?fields=shoeSize', { token }),
      await call(sim, '/customer', { token, method: 'DELETE' }),
      await call(sim, '/nowhere', { token }),
    ];
    expect(errors.map((e) => e.status)).toEqual([401, 404, 422, 400, 405, 404]);
    for (const e of errors) {
      expect(e.headers.get('x-rate-limit-limit')).toBe('100');
      expect(e.headers.get('x-rate-limit-remaining')).toMatch(/^\d+$/);
      expect(e.headers.get('x-rate-limit-reset')).toMatch(/^\d+$/);
    }
  });
});
