import nock from 'nock';
import { guardNetworkWithNock } from '../support/nock-guard.js';
import { run, type PortPage } from '../../actions/rest-api-request-with-paging.js';
import { resetRateLimiters } from '../../client/rate-limiter.js';
import { Secret } from '../../contract/secret.js';
import { setSharedSessionPool } from '../../connection/tripletex-client.js';
import { SessionPool } from '../../connection/session-pool.js';
import { recordingContext } from '../e2e/support.js';

// Items per page left empty: the action starts at Tripletex's 1000 and, once the rate limit
// holds a request back, asks for the largest page the endpoint serves. A fake Tripletex with a
// small budget per window makes the rate limit bind; it counts requests per window the way
// Tripletex does, so a run that overspent would see 429s.

const BASE = 'https://tripletex.no';
const connection = { name: 'Sizes', consumerToken: 'CANARY-sizes-consumer-1', employeeToken: 'CANARY-sizes-employee-2' };

interface Asked {
  from: number;
  count: number;
  status: number;
}

/** A fixed window of `limit` requests per `windowMs`, with X-Rate-Limit-* headers and 429 once spent. */
function windowOf(limit: number, windowMs: number) {
  let start = -Infinity;
  let used = 0;
  return () => {
    const now = Date.now();
    if (now >= start + windowMs) {
      start = now;
      used = 0;
    }
    used += 1;
    const headers = { 'x-rate-limit-limit': String(limit), 'x-rate-limit-remaining': String(Math.max(0, limit - used)), 'x-rate-limit-reset': String(Math.ceil((start + windowMs - now) / 1000)) };
    return { allowed: used <= limit, headers };
  };
}

/** A list of `total` customers; counts above `largest` are refused the way Tripletex refuses a page size (23000 naming its limit). */
function serveCustomers(total: number, options: { limit: number; windowMs: number; largest?: number; path?: string }, asked: Asked[]) {
  const take = windowOf(options.limit, options.windowMs);
  nock(BASE)
    .persist()
    .get(`/v2${options.path ?? '/customer'}`)
    .query(true)
    .reply((uri) => {
      const q = new URL(uri, BASE).searchParams;
      const from = Number(q.get('from'));
      const count = Number(q.get('count'));
      const record = { from, count, status: 200 };
      asked.push(record);
      const { allowed, headers } = take();
      if (!allowed) {
        record.status = 429;
        return [429, { status: 429, message: 'Too many requests' }, headers];
      }
      if (options.largest !== undefined && count > options.largest) {
        record.status = 422;
        const limit = String(options.largest).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
        return [422, { status: 422, code: 23000, message: `Result set too large. Limit of ${limit} reached.`, validationMessages: [] }, headers];
      }
      const values = Array.from({ length: Math.max(0, Math.min(count, total - from)) }, (_, i) => ({ id: 1 + from + i }));
      // Tripletex's inexact total: one more than the request reaches while more rows exist.
      return [200, { fullResultSize: from + count < total ? from + count + 1 : total, from, count: values.length, values }, headers];
    });
}

const idsOf = (pages: unknown[]) => (pages as PortPage[]).flatMap((p) => (p.values as { id: number }[]).map((r) => r.id));
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('Items per page left empty: pages grow while the rate limit sets the pace (nock)', () => {
  guardNetworkWithNock();
  beforeEach(() => {
    delete process.env.TRIPLETEX_PRODUCTION_URL;
    resetRateLimiters();
    setSharedSessionPool(new SessionPool({ create: async (_c, expirationDate) => ({ token: new Secret('CANARY-sizes-session-3'), expirationDate }) }));
  });
  afterAll(() => setSharedSessionPool(undefined));

  it('starts at 1000 and, once the rate limit sets the pace, asks 5000 at a time; every row once, in order', async () => {
    const asked: Asked[] = [];
    serveCustomers(16_500, { limit: 4, windowMs: 1000 }, asked);
    const ctx = recordingContext();
    const summary = await run({ connection, path: '/customer', sorting: 'id' }, ctx);
    expect(idsOf(ctx.pages)).toEqual(upTo(16_500));
    // (A loaded machine may see a 429 here, resent like any: the sizes are read from the answers served.)
    const sizes = asked.filter((a) => a.status === 200).map((a) => a.count);
    // No more than the window's budget at 1000; then only 5000.
    expect(sizes.slice(0, sizes.indexOf(5000)).every((c) => c === 1000)).toBe(true);
    expect(sizes.indexOf(5000)).toBeGreaterThan(0);
    expect(sizes.indexOf(5000)).toBeLessThanOrEqual(4);
    expect(sizes.slice(sizes.indexOf(5000))).toEqual(sizes.slice(sizes.indexOf(5000)).map(() => 5000));
    expect(summary).toMatchObject({ pageSizes: [1000, 5000], items: 16_500, stoppedEarly: false });
    expect(summary.warnings).toEqual([]);
    // Each page's resume counts rows handed on, whatever the page sizes.
    let rows = 0;
    for (const page of ctx.pages as PortPage[]) {
      rows += page.values.length;
      expect(page.resume).toEqual({ index: rows });
    }
  });

  it('obeys a page size typed by the user, however long it waits', async () => {
    const asked: Asked[] = [];
    serveCustomers(6_500, { limit: 4, windowMs: 1000 }, asked);
    const ctx = recordingContext();
    const summary = await run({ connection, path: '/customer', sorting: 'id', itemsPerPage: 1000 }, ctx);
    expect(idsOf(ctx.pages)).toEqual(upTo(6_500));
    expect(new Set(asked.map((a) => a.count))).toEqual(new Set([1000]));
    expect(summary.pageSizes).toEqual([1000]);
    expect(summary.rateLimitWaits).toBeGreaterThan(1);
    // Pages fetched ahead wait for the same window together: that time counts once, so the
    // time waiting is part of the run's time, never more (summed per request it was about 2×).
    expect(summary.rateLimitWaitMs).toBeGreaterThan(0);
    expect(summary.rateLimitWaitMs).toBeLessThanOrEqual(summary.durationMs);
  });

  it('keeps to the size an endpoint names when it refuses a larger one, without a warning: the action chose the size', async () => {
    const asked: Asked[] = [];
    serveCustomers(9_000, { limit: 3, windowMs: 1000, largest: 2000 }, asked);
    const ctx = recordingContext();
    const summary = await run({ connection, path: '/customer', sorting: 'id' }, ctx);
    expect(idsOf(ctx.pages)).toEqual(upTo(9_000));
    expect(asked.filter((a) => a.status === 422).map((a) => a.count)).toEqual([5000]);
    expect(asked.filter((a) => a.status === 200 && a.count !== 1000).every((a) => a.count === 2000)).toBe(true);
    expect(summary.pageSizes).toEqual([1000, 2000]);
    expect(summary.warnings).toEqual([]);
  });

  it('grows to 10000 on /ledger/posting', async () => {
    const asked: Asked[] = [];
    serveCustomers(25_000, { limit: 3, windowMs: 1000, path: '/ledger/posting' }, asked);
    const ctx = recordingContext();
    const summary = await run({ connection, path: '/ledger/posting', query: { dateFrom: '2025-01-01', dateTo: '2025-02-01' }, sorting: 'id' }, ctx);
    expect(idsOf(ctx.pages)).toEqual(upTo(25_000));
    expect(summary.pageSizes).toEqual([1000, 10_000]);
  });

  it('a run continued from the resume of any page after the size changed gets exactly the rest', async () => {
    const asked: Asked[] = [];
    serveCustomers(12_345, { limit: 3, windowMs: 1000 }, asked);
    const whole = recordingContext();
    await run({ connection, path: '/customer', sorting: 'id' }, whole);
    const pages = whole.pages as PortPage[];
    const grown = pages.findIndex((p) => p.count === 5000);
    expect(grown).toBeGreaterThan(0);
    for (const k of [grown - 1, grown]) {
      resetRateLimiters();
      const rest = recordingContext();
      await run({ connection, path: '/customer', sorting: 'id', resume: pages[k]!.resume }, rest);
      expect([...idsOf(pages.slice(0, k + 1)), ...idsOf(rest.pages)]).toEqual(upTo(12_345));
    }
  });
});
