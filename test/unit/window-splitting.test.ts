import nock from 'nock';
import { guardNetworkWithNock } from '../support/nock-guard.js';
import { run, type PortPage } from '../../actions/rest-api-request-with-paging.js';
import { TripletexApiError } from '../../contract/errors.js';
import { resetRateLimiters } from '../../client/rate-limiter.js';
import { Secret } from '../../contract/secret.js';
import { setSharedSessionPool } from '../../connection/tripletex-client.js';
import { SessionPool } from '../../connection/session-pool.js';
import { recordingContext } from '../e2e/support.js';

// Tripletex refuses a list query that matches more than its limit (422, code 23000), whatever
// from/count say. A ledger for a year is then paged in date windows: halved until a window is
// accepted, each paged in order, every row delivered once. Here a fake ledger answers the way
// Tripletex does, with a lower limit so the test stays small.

const BASE = 'https://tripletex.no';
const LIMIT = 2000;
const connection = { name: 'Ledger', consumerToken: 'CANARY-window-consumer-1', employeeToken: 'CANARY-window-employee-2' };

interface Posting {
  id: number;
  date: string;
}

/** A year of postings: a few every day, a burst every seventh day. Ids follow the dates. */
function ledger(perDay: (day: number) => number, year = 2025): Posting[] {
  const out: Posting[] = [];
  for (let day = 0; day < 365; day++) {
    const date = new Date(Date.UTC(year, 0, 1 + day)).toISOString().slice(0, 10);
    for (let i = 0; i < perDay(day); i++) out.push({ id: out.length + 1, date });
  }
  return out;
}

/** Answers GET /ledger/posting like Tripletex: 23000 over the limit, else the page asked for. */
function serve(postings: Posting[], requests: { dateFrom: string; dateTo: string; from: number; status: number }[] = [], failAt?: (n: number) => boolean) {
  nock(BASE)
    .persist()
    .get('/v2/ledger/posting')
    .query(true)
    .reply((uri) => {
      const q = new URL(uri, BASE).searchParams;
      const dateFrom = q.get('dateFrom')!;
      const dateTo = q.get('dateTo')!;
      const from = Number(q.get('from'));
      const count = Number(q.get('count'));
      const matched = postings.filter((p) => p.date >= dateFrom && p.date < dateTo);
      const record = { dateFrom, dateTo, from, status: 200 };
      requests.push(record);
      if (failAt?.(requests.length)) {
        record.status = 403;
        return [403, { status: 403, code: 9000, message: 'Forbidden' }];
      }
      if (matched.length > LIMIT) {
        record.status = 422;
        return [422, { status: 422, code: 23000, message: 'Result set too large. Limit of 10.000 reached.', validationMessages: [] }];
      }
      const values = matched.slice(from, from + count);
      return [200, { fullResultSize: matched.length, from, count: values.length, versionDigest: "'If-None-Match' header not specified", values }];
    });
}

const year = { dateFrom: '2025-01-01', dateTo: '2026-01-01' };
const ids = (pages: unknown[]) => (pages as PortPage[]).flatMap((p) => (p.values as Posting[]).map((r) => r.id));

describe('a year of postings over the result limit, paged in date windows (nock)', () => {
  guardNetworkWithNock();
  beforeEach(() => {
    delete process.env.TRIPLETEX_PRODUCTION_URL;
    resetRateLimiters();
    setSharedSessionPool(new SessionPool({ create: async (_c, expirationDate) => ({ token: new Secret('CANARY-window-session-3'), expirationDate }) }));
  });
  afterAll(() => setSharedSessionPool(undefined));

  const postings = ledger((day) => 20 + (day % 7 === 0 ? 300 : 0));

  it('delivers every posting once, in date order, and reports windows and splits', async () => {
    const requests: Parameters<typeof serve>[1] = [];
    serve(postings, requests);
    const ctx = recordingContext();
    const summary = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 500 }, ctx);
    expect(ids(ctx.pages)).toEqual(postings.map((p) => p.id));
    expect(summary).toMatchObject({ items: postings.length, stoppedEarly: false, stopReason: 'end-of-results' });
    expect(summary.splits).toBeGreaterThan(0);
    expect(summary.windows).toBeGreaterThan(1);
    expect(summary.resume).toBeUndefined();
    // Windows follow each other without gap or overlap, and cover the year.
    const windows = [...new Map((ctx.pages as PortPage[]).map((p) => [p.window!.from, p.window!])).values()];
    expect(windows[0]!.from).toBe(year.dateFrom);
    expect(windows.at(-1)!.to).toBe(year.dateTo);
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.from).toBe(windows[i - 1]!.to);
    expect(windows).toHaveLength(summary.windows!);
    // No row of a refused window was ever handed on: refusals come before any page of it.
    expect(requests.filter((r) => r.status === 422).every((r) => r.from === 0)).toBe(true);
    expect((ctx.pages as PortPage[]).map((p) => p.index)).toEqual(ctx.pages.map((_, i) => i));
  });

  it('splits /ledger/posting/ (a trailing slash) like /ledger/posting: the path is read once, without it', async () => {
    serve(postings);
    const ctx = recordingContext();
    const summary = await run({ connection, path: '/ledger/posting/', query: year, itemsPerPage: 500 }, ctx);
    expect(ids(ctx.pages)).toEqual(postings.map((p) => p.id));
    expect(summary.splits).toBeGreaterThan(0);
  });

  it('stops after maxPageCount with a resume point, and the next run continues exactly there', async () => {
    serve(postings);
    const first = recordingContext();
    const a = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 500, maxPageCount: 7 }, first);
    expect(a).toMatchObject({ pages: 7, stoppedEarly: true });
    expect(a.resume).toBeDefined();
    const second = recordingContext();
    const b = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 500, resume: a.resume }, second);
    expect(b.stoppedEarly).toBe(false);
    expect([...ids(first.pages), ...ids(second.pages)]).toEqual(postings.map((p) => p.id));
  });

  it('carries a resume point on the error of a run that failed part-way', async () => {
    serve(postings, [], (n) => n === 12);
    const first = recordingContext();
    const error = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 500, prefetchPages: 0 }, first).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TripletexApiError);
    const resume = (error as TripletexApiError).resume!;
    expect(resume.window).toBeDefined();
    expect((error as TripletexApiError).toJSON().resume).toEqual(resume);
    nock.cleanAll();
    serve(postings);
    const second = recordingContext();
    await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 500, resume }, second);
    expect([...ids(first.pages), ...ids(second.pages)]).toEqual(postings.map((p) => p.id));
  });

  it('fails clearly when a single day still matches more than the limit', async () => {
    const busy = ledger((day) => (day === 40 ? LIMIT + 1 : 5));
    serve(busy);
    const ctx = recordingContext();
    const error = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 1000 }, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TripletexApiError);
    expect(error).toMatchObject({ status: 422, code: 23000 });
    expect((error as Error).message).toMatch(/refuses even a single day as too large: dateFrom 2025-02-10 to dateTo 2025-02-11 .*narrow the query with another filter/);
    // Every day before the busy one was delivered, once.
    expect(ids(ctx.pages)).toEqual(busy.filter((p) => p.date < '2025-02-10').map((p) => p.id));
  });

  it('splits a range that starts in the year 1 by the right dates, and ends (Date.UTC would read 0001 as 1901 and halve forever)', async () => {
    const requests: Parameters<typeof serve>[1] = [];
    serve(postings, requests);
    const ctx = recordingContext();
    const summary = await run({ connection, path: '/ledger/posting', query: { dateFrom: '0001-01-01', dateTo: '2026-01-01' }, itemsPerPage: 1000 }, ctx);
    expect(ids(ctx.pages)).toEqual(postings.map((p) => p.id));
    expect(summary.stoppedEarly).toBe(false);
    // The first half of the 2025 years starts in the year 1 and ends about a thousand years later, not in
    // 1901 (its own halves are asked for at the same time, while nothing says how many rows a day holds).
    expect(requests.filter((r) => r.dateFrom === '0001-01-01').map((r) => r.dateTo)).toEqual(expect.arrayContaining(['2026-01-01', '1013-07-03', '0507-04-03']));
    expect(requests.length).toBeLessThan(200);
  });

  it('refuses a resume window outside the query\'s range, by name', async () => {
    const error = await run({ connection, path: '/ledger/posting', query: year, resume: { index: 0, window: { from: '2024-12-01', to: '2025-01-15' } } }, recordingContext()).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'input', field: 'resume.window' });
  });

  it('says how to narrow a query that has no date range to split', async () => {
    nock(BASE).get('/v2/ledger/posting').query(true).reply(422, { status: 422, code: 23000, message: 'Result set too large. Limit of 10.000 reached.' });
    // Tripletex's spec requires the range; sent without it only when asked to.
    const error = await run({ connection, path: '/ledger/posting', query: { dateFrom: '2025-01-01' }, skipEndpointChecks: true }, recordingContext()).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/give a date range \(dateFrom\/dateTo\) and the action pages it in windows/);
  });
});
