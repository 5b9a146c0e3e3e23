import { parseFaultSpec, startSimulator, type RunningSimulator } from '../../tooling/simulator/index.js';
import { call, createSession } from './helpers.js';

// Fault answers that are not Tripletex's JSON envelope: the HTML error page Tripletex once sent
// with a 500, a gateway's RFC 7807 problem document, and a 429 with a chosen window end.

describe('simulator: fault bodies and chosen rate-limit resets', () => {
  let sim: RunningSimulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator({ size: 20 });
    token = await createSession(sim);
  });
  afterAll(() => sim.close());
  afterEach(() => sim.setFaults([]));

  it('answers a 500 with Tripletex\'s HTML error page, with Tripletex\'s headers', async () => {
    sim.setFaults([{ path: '/customer', status: 500, body: 'html' }]);
    const r = await call(sim, '/customer', { token });
    expect(r.status).toBe(500);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.text).toMatch(/^<!DOCTYPE html>/);
    expect(r.text).toContain('<title>Feilsituasjon - Tripletex</title>');
    expect(r.body).toBeUndefined();
    expect(r.headers.get('x-tlx-request-id')).toBeTruthy();
    expect(r.headers.get('x-rate-limit-limit')).toBe('100');
  });

  it('answers a gateway error with application/problem+json and none of Tripletex\'s headers', async () => {
    sim.setFaults([{ path: '/customer', status: 502, body: 'problem' }]);
    const r = await call(sim, '/customer', { token });
    expect(r.status).toBe(502);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.parse(r.text)).toEqual({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: expect.any(String) });
    expect(r.headers.get('x-tlx-request-id')).toBeNull();
    expect(r.headers.get('x-rate-limit-remaining')).toBeNull();
    expect(sim.requests.at(-1)).toMatchObject({ status: 502, fault: 'status' });
  });

  it('sends a chosen X-Rate-Limit-Reset (and Remaining 0) on a 429 fault', async () => {
    sim.setFaults([{ path: '/customer', status: 429, resetSeconds: 99_999_999, times: 1 }]);
    const limited = await call(sim, '/customer', { token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-rate-limit-reset')).toBe('99999999');
    expect(limited.headers.get('x-rate-limit-remaining')).toBe('0');
    expect(limited.headers.get('retry-after')).toBeNull();
    const next = await call(sim, '/customer', { token });
    expect(next.status).toBe(200);
    expect(Number(next.headers.get('x-rate-limit-reset'))).toBeLessThanOrEqual(10);
  });

  it('parses the new fault options and refuses combinations that mean nothing', () => {
    expect(parseFaultSpec('GET:/customer=500,body=html')).toEqual({ path: '/customer', method: 'GET', status: 500, body: 'html' });
    expect(parseFaultSpec('/invoice=503,body=problem')).toEqual({ path: '/invoice', status: 503, body: 'problem' });
    expect(parseFaultSpec('/customer=429,reset=99999999')).toEqual({ path: '/customer', status: 429, resetSeconds: 99_999_999 });
    expect(() => parseFaultSpec('/customer=500,body=xml')).toThrow(/body must be tripletex, html or problem/);
    expect(() => parseFaultSpec('/customer=drop,body=html')).toThrow(/body needs a status/);
    expect(() => parseFaultSpec('/customer=500,reset=5')).toThrow(/resetSeconds needs status 429/);
    expect(() => sim.setFaults([{ path: '/customer', status: 429, resetSeconds: -1 }])).toThrow(/resetSeconds must be a whole number/);
  });
});
