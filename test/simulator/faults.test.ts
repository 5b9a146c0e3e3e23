import { jest } from '@jest/globals';
import { parseFaultSpec, startSimulator, type FaultRule, type RunningSimulator } from '../../tooling/simulator/index.js';
import { call, createSession } from './helpers.js';

describe('simulator: fault injection', () => {
  let sim: RunningSimulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator({ size: 30, seed: 11 });
    token = await createSession(sim);
  });
  afterAll(() => sim.close());
  afterEach(() => {
    sim.setFaults([]);
    sim.setLatency(0);
  });

  const get = (path: string, environment: 'production' | 'test' = 'production') => call(sim, path, { token, environment });

  it('answers a status with Tripletex\'s envelope and code for it', async () => {
    sim.setFaults([{ path: '/customer', status: 500 }]);
    const r = await get('/customer');
    expect(r.status).toBe(500);
    // Recorded: a 500's message is null.
    expect(r.body).toMatchObject({ status: 500, code: 1000, message: null, validationMessages: null });
    expect(r.body.requestId).toBe(r.headers.get('x-tlx-request-id'));
    expect(r.headers.get('x-rate-limit-remaining')).not.toBeNull();
    sim.setFaults([{ path: '/customer', status: 503 }]);
    const unavailable = await get('/customer');
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.code).toBeUndefined();
    const last = sim.requests[sim.requests.length - 1]!;
    expect(last).toMatchObject({ status: 503, fault: 'status', path: '/customer' });
  });

  it('sends Retry-After with a 429 fault when asked', async () => {
    sim.setFaults([{ path: '/customer', status: 429, retryAfterSeconds: 3 }]);
    const r = await get('/customer');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('3');
    expect(r.body.code).toBeUndefined();
  });

  it('drops the connection without an answer', async () => {
    sim.setFaults([{ path: '/customer', drop: true }]);
    await expect(fetch(`${sim.production.url}/customer`)).rejects.toThrow();
    const last = sim.requests[sim.requests.length - 1]!;
    expect(last).toMatchObject({ status: 0, fault: 'drop' });
    sim.setFaults([]);
    expect((await get('/customer?count=1')).status).toBe(200);
  });

  it('answers 200 with a body that is not JSON', async () => {
    sim.setFaults([{ path: '/customer', malformed: true }]);
    const r = await get('/customer');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(() => JSON.parse(r.text)).toThrow();
  });

  it('afterApply performs the write, then fails or drops: the customer exists though the client saw an error', async () => {
    const before = sim.stats().customersCreated;
    sim.setFaults([{ path: '/customer', method: 'POST', status: 500, afterApply: true, times: 1 }]);
    const failed = await call(sim, '/customer', { token, method: 'POST', body: { name: 'Applied Men Feilet AS' } });
    expect(failed.status).toBe(500);
    sim.setFaults([{ path: '/customer', method: 'POST', drop: true, afterApply: true }]);
    await expect(fetch(`${sim.production.url}/customer`, { method: 'POST', headers: { authorization: 'Basic ' + Buffer.from(`0:${token}`).toString('base64'), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Applied Og Droppet AS' }) })).rejects.toThrow();
    sim.setFaults([]);
    expect(sim.stats().customersCreated).toBe(before + 2);
    const names = (await get('/customer?count=10000&fields=name')).body.values.map((c: { name: string }) => c.name);
    expect(names).toEqual(expect.arrayContaining(['Applied Men Feilet AS', 'Applied Og Droppet AS']));
    // A GET is untouched by a POST-only rule, and a refused write is not "applied".
    sim.setFaults([{ path: '/customer', method: 'POST', status: 500, afterApply: true }]);
    expect((await get('/customer?count=1')).status).toBe(200);
    expect((await call(sim, '/customer', { token, method: 'POST', body: {} })).status).toBe(422);
  });

  it('times: applies N times, then the rule is spent', async () => {
    sim.setFaults([{ path: '/currency', status: 500, times: 2 }]);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get('/currency')).status);
    expect(statuses).toEqual([500, 500, 200, 200]);
  });

  it('skip: lets the first N matching requests through', async () => {
    sim.setFaults([{ path: '/currency', status: 502, skip: 2, times: 1 }]);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get('/currency')).status);
    expect(statuses).toEqual([200, 200, 502, 200]);
  });

  it('rate: fires about that often, repeatably for the same seed', async () => {
    const run = async (s: RunningSimulator, t: string) => {
      s.setFaults([{ path: '/currency', status: 500, rate: 0.3 }]);
      const out: number[] = [];
      for (let i = 0; i < 60; i++) out.push((await call(s, '/currency?fields=id', { token: t })).status);
      return out;
    };
    const first = await run(sim, token);
    const failures = first.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(5);
    expect(failures).toBeLessThan(35);
    const twin = await startSimulator({ size: 30, seed: 11 });
    try {
      expect(await run(twin, await createSession(twin))).toEqual(first);
    } finally {
      await twin.close();
    }
  });

  it('matches by glob, method and environment', async () => {
    sim.setFaults([
      { path: '/ledger/*', status: 500 },
      { path: '/customer', method: 'DELETE', status: 500 },
      { path: '/employee', environment: 'test', status: 500 },
    ]);
    expect((await get('/ledger/account')).status).toBe(500);
    expect((await get('/ledger/voucher/>nonPosted')).status).toBe(500);
    expect((await get('/customer?count=1')).status).toBe(200);
    expect((await get('/employee?count=1')).status).toBe(200);
    const testSession = await createSession(sim, { environment: 'test' });
    expect((await call(sim, '/employee', { token: testSession, environment: 'test' })).status).toBe(500);
  });

  it('pause: holds answers until released, the request handled as usual', async () => {
    sim.setFaults([{ path: '/customer', pause: true, skip: 1 }]);
    // The first matching request goes through; the next two are held.
    expect((await get('/customer?count=2')).status).toBe(200);
    let answered = 0;
    const held = [get('/customer?count=2&from=2'), get('/customer?count=2&from=4')].map((p) => p.then((r) => (answered++, r)));
    await sim.untilPaused(2);
    expect(sim.pausedAnswers()).toBe(2);
    // Other paths are not held meanwhile.
    expect((await get('/currency?count=1')).status).toBe(200);
    expect(answered).toBe(0);
    sim.releasePaused();
    const answers = await Promise.all(held);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(answers.map((r) => (r.body.values as { id: number }[]).length)).toEqual([2, 2]);
    expect(sim.pausedAnswers()).toBe(0);
    expect(sim.requests.filter((r) => r.fault === 'pause')).toHaveLength(2);
    expect(parseFaultSpec('GET:/customer=pause,skip=3')).toEqual({ method: 'GET', path: '/customer', pause: true, skip: 3 });
    expect(() => sim.setFaults([{ path: '/customer', pause: true, status: 500 }])).toThrow(/exactly one of status, drop, malformed or pause/);
  });

  it('rejects rules that cannot mean anything', () => {
    const bad: FaultRule[] = [{ path: 'customer', status: 500 }, { path: '/customer' }, { path: '/customer', status: 500, drop: true }, { path: '/customer', status: 200 }, { path: '/customer', drop: true, rate: 2 }];
    for (const rule of bad) expect(() => sim.setFaults([rule])).toThrow();
  });

  it('adds latency to every answer', async () => {
    // On fake timers the answer waits for the clock the test moves, so this shows the delay
    // exactly, without timing anything on a machine that may be slow. (Sockets and fetch run
    // inside Node, on its own timers, so they keep working.)
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'Date', 'hrtime', 'performance'] });
    try {
      const heldBack = async (justShortMs: number, restMs: number) => {
        const seen = sim.requests.length;
        const answer = get('/currency');
        while (sim.requests.length === seen) await new Promise((resolve) => setImmediate(resolve));
        // The simulator has the request, and holds its answer on a timer.
        expect(jest.getTimerCount()).toBe(1);
        jest.advanceTimersByTime(justShortMs);
        expect(jest.getTimerCount()).toBe(1);
        jest.advanceTimersByTime(restMs);
        expect(jest.getTimerCount()).toBe(0);
        expect((await answer).status).toBe(200);
      };
      sim.setLatency(120);
      await heldBack(119, 1);
      sim.setLatency({ min: 60, max: 80 });
      await heldBack(59, 21);
    } finally {
      jest.useRealTimers();
    }
    expect(() => sim.setLatency({ min: 10, max: 5 })).toThrow();
  });
});

describe('parseFaultSpec (the CLI syntax)', () => {
  it('reads method, path, action, rate and options', () => {
    expect(parseFaultSpec('GET:/customer=500@0.1')).toEqual({ method: 'GET', path: '/customer', status: 500, rate: 0.1 });
    expect(parseFaultSpec('POST:/customer=drop,after-apply')).toEqual({ method: 'POST', path: '/customer', drop: true, afterApply: true });
    expect(parseFaultSpec('*:/ledger/*=malformed,times=3')).toEqual({ path: '/ledger/*', malformed: true, times: 3 });
    expect(parseFaultSpec('/invoice=429,retry-after=2,skip=1,env=test')).toEqual({ path: '/invoice', status: 429, retryAfterSeconds: 2, skip: 1, environment: 'test' });
  });

  it('refuses nonsense with a message', () => {
    for (const spec of ['', '/customer', 'GET:/customer=boom', '/customer=500@x', '/customer=500,color=red', 'customer=500', '/customer=500,env=staging']) {
      expect(() => parseFaultSpec(spec)).toThrow();
    }
  });
});
