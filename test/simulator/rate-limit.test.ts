import { startSimulator, type RunningSimulator } from '../../tooling/simulator/index.js';
import { basic, call, createSession, manualClock } from './helpers.js';

describe('simulator: rate limits', () => {
  const clock = manualClock('2026-05-04T08:00:00Z');
  let sim: RunningSimulator;
  let token: string;
  let restricted: string;
  beforeAll(async () => {
    sim = await startSimulator({ size: 20, now: clock.now });
    token = await createSession(sim, { now: clock.now() });
    restricted = await createSession(sim, { kind: 'restricted', now: clock.now() });
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.setRateLimit({ limit: 3, windowMs: 10_000 }));

  const whoAmI = (t = token) => call(sim, '/token/session/>whoAmI', { token: t });

  it('counts down X-Rate-Limit-Remaining and reports the seconds left in X-Rate-Limit-Reset', async () => {
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const r = await whoAmI();
      expect(r.status).toBe(200);
      seen.push([r.headers.get('x-rate-limit-limit'), r.headers.get('x-rate-limit-remaining'), r.headers.get('x-rate-limit-reset')]);
      clock.advance(1000);
    }
    expect(seen).toEqual([
      ['3', '2', '10'],
      ['3', '1', '9'],
      ['3', '0', '8'],
    ]);
  });

  it('answers 429 without a code once the window is spent, until the window ends, then recovers', async () => {
    for (let i = 0; i < 3; i++) expect((await whoAmI()).status).toBe(200);
    const limited = await whoAmI();
    expect(limited.status).toBe(429);
    expect(limited.body.status).toBe(429);
    expect(limited.body.code).toBeUndefined();
    expect(limited.body.requestId).toBe(limited.headers.get('x-tlx-request-id'));
    expect(limited.headers.get('x-rate-limit-remaining')).toBe('0');
    expect(limited.headers.get('x-rate-limit-reset')).toBe('10');
    expect(limited.headers.get('retry-after')).toBeNull();
    clock.advance(6_500);
    const still = await whoAmI();
    expect(still.status).toBe(429);
    expect(still.headers.get('x-rate-limit-reset')).toBe('4');
    clock.advance(3_500);
    const recovered = await whoAmI();
    expect(recovered.status).toBe(200);
    expect(recovered.headers.get('x-rate-limit-remaining')).toBe('2');
    expect(sim.stats().rateLimited).toBeGreaterThanOrEqual(2);
  });

  it('keeps one window per (consumer, employee) token pair; unauthenticated calls share their own', async () => {
    for (let i = 0; i < 4; i++) await whoAmI();
    expect((await whoAmI()).status).toBe(429);
    expect((await whoAmI(restricted)).status).toBe(200);
    // A second session of the same employee token shares the pair's window.
    sim.setRateLimit({ limit: 100, windowMs: 10_000 });
    const second = await createSession(sim, { now: clock.now() });
    sim.setRateLimit({ limit: 3, windowMs: 10_000 });
    for (let i = 0; i < 3; i++) await whoAmI();
    expect((await whoAmI(second)).status).toBe(429);
    for (let i = 0; i < 3; i++) expect((await call(sim, '/customer')).status).toBe(401);
    const anonymous = await call(sim, '/customer');
    expect(anonymous.status).toBe(429);
  });

  it('never processes a call it answers with 429', async () => {
    for (let i = 0; i < 3; i++) await whoAmI();
    const before = sim.stats().customersCreated;
    const r = await call(sim, '/customer', { token, method: 'POST', body: { name: 'Skal ikke finnes AS' } });
    expect(r.status).toBe(429);
    expect(sim.stats().customersCreated).toBe(before);
  });

  it('omitResetHeader leaves X-Rate-Limit-Reset out of 429s only', async () => {
    sim.setRateLimit({ limit: 1, windowMs: 10_000, omitResetHeader: true });
    const ok = await whoAmI();
    expect(ok.headers.get('x-rate-limit-reset')).toBe('10');
    const limited = await whoAmI();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-rate-limit-reset')).toBeNull();
    expect(limited.headers.get('x-rate-limit-limit')).toBe('1');
  });

  it('reportResetSeconds says the same X-Rate-Limit-Reset on every answer, as a proxy rewriting it would, while the window runs on', async () => {
    sim.setRateLimit({ limit: 2, windowMs: 10_000, reportResetSeconds: 1 });
    const first = await whoAmI();
    expect(first.headers.get('x-rate-limit-reset')).toBe('1');
    await whoAmI();
    clock.advance(5_000);
    // Five seconds after "1 s left", the window is still spent.
    const refused = await whoAmI();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-rate-limit-reset')).toBe('1');
    clock.advance(5_000);
    expect((await whoAmI()).status).toBe(200);
    expect(() => sim.setRateLimit({ limit: 2, windowMs: 10_000, reportResetSeconds: -1 })).toThrow(/reportResetSeconds must be a whole number/);
  });

  it('the default limit is Tripletex\'s: 100 requests per 10 s window', async () => {
    const other = await startSimulator({ size: 10 });
    try {
      const r = await call(other, '/token/session/>whoAmI');
      expect(r.headers.get('x-rate-limit-limit')).toBe('100');
      expect(r.headers.get('x-rate-limit-reset')).toBe('10');
    } finally {
      await other.close();
    }
  });
});

describe('simulator: x-tlx-request-id on every kind of answer', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ size: 20, rateLimit: { limit: 1000, windowMs: 60_000 } });
  });
  afterAll(() => sim.close());

  it('is present and unique on 200, 201, 204, 304, 400, 401, 403, 404, 405, 422, 429 and fault answers', async () => {
    const token = await createSession(sim);
    const restricted = await createSession(sim, { kind: 'restricted' });
    const digest = (await call(sim, '/currency', { token, headers: { 'if-none-match': '*' } })).body.versionDigest;
    const answers = [
      await call(sim, '/currency', { token }),
      await call(sim, '/customer', { token, method: 'POST', body: { name: 'Id AS' } }),
      await call(sim, `/token/session/${encodeURIComponent(await createSession(sim))}`, { token, method: 'DELETE' }),
      await call(sim, '/currency', { token, headers: { 'if-none-match': digest } }),
      await call(sim, '/customer?fields=nope', { token }),
      await call(sim, '/customer'),
      await call(sim, '/ledger/account', { token: restricted }),
      await call(sim, '/nope', { token }),
      await call(sim, '/currency', { token, method: 'PUT' }),
      await call(sim, '/invoice', { token }),
    ];
    sim.setFaults([{ path: '/employee', status: 503 }, { path: '/product', malformed: true }]);
    answers.push(await call(sim, '/employee', { token }), await call(sim, '/product', { token }));
    sim.setFaults([]);
    sim.setRateLimit({ limit: 0, windowMs: 60_000 });
    answers.push(await call(sim, '/currency', { token }));
    expect(answers.map((a) => a.status)).toEqual([200, 201, 204, 304, 400, 401, 403, 404, 405, 422, 503, 200, 429]);
    const ids = answers.map((a) => a.headers.get('x-tlx-request-id'));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(ids.length);
    for (const a of answers) {
      if (a.body && typeof a.body === 'object' && 'status' in a.body) expect(a.body.requestId).toBe(a.headers.get('x-tlx-request-id'));
      expect(a.headers.get('x-rate-limit-limit')).not.toBeNull();
    }
    // The request log carries the same ids, and no Authorization value.
    const logged = sim.requests.map((r) => r.requestId);
    for (const id of ids) expect(logged).toContain(id);
    expect(JSON.stringify(sim.requests)).not.toContain(basic(0, token).slice(6));
  });
});
