import nock from 'nock';
import { guardNetworkWithNock } from '../support/nock-guard.js';
import { run, type PortPage } from '../../actions/rest-api-request-with-paging.js';
import { resetRateLimiters } from '../../client/rate-limiter.js';
import { Secret } from '../../contract/secret.js';
import { setSharedSessionPool } from '../../connection/tripletex-client.js';
import { SessionPool } from '../../connection/session-pool.js';
import { recordingContext } from '../e2e/support.js';

// A range Tripletex refuses whole is paged in date windows. The next window's first page is
// asked for while the current window is still paged, but its rows are handed on only after the
// current window's, and resume points move only with the rows handed on. Windows are sized by
// the rows per day earlier windows showed, so that few are refused. A fake ledger answers as
// Tripletex does, with a low result-set limit so the test stays small.

const BASE = 'https://tripletex.no';
const LIMIT = 600;
const connection = { name: 'Overlap', consumerToken: 'CANARY-overlap-consumer-1', employeeToken: 'CANARY-overlap-employee-2' };

interface Posting {
  id: number;
  date: string;
}

interface Seen {
  dateFrom: string;
  dateTo: string;
  from: number;
  count: number;
  matched: number;
  status: number;
}

const dayOf = (day: number) => new Date(Date.UTC(2025, 0, 1 + day)).toISOString().slice(0, 10);

function ledger(perDay: (day: number) => number): Posting[] {
  const out: Posting[] = [];
  for (let day = 0; day < 365; day++) for (let i = 0; i < perDay(day); i++) out.push({ id: out.length + 1, date: dayOf(day) });
  return out;
}

/** GET /ledger/posting as Tripletex answers it: 23000 over the limit, else the page asked for, sorted by date then id. */
function serve(postings: Posting[], seen: Seen[], largestCount = Infinity, inFlight?: { now: number; most: number }) {
  nock(BASE)
    .persist()
    .get('/v2/ledger/posting')
    .query(true)
    .reply((uri, _body, answer) => {
      // Answered a little later, so that requests sent side by side are seen side by side.
      if (inFlight) {
        inFlight.now += 1;
        inFlight.most = Math.max(inFlight.most, inFlight.now);
      }
      const callback: typeof answer = (error, reply) =>
        void setTimeout(() => {
          if (inFlight) inFlight.now -= 1;
          answer(error, reply);
        }, 2);
      const q = new URL(uri, BASE).searchParams;
      const dateFrom = q.get('dateFrom')!;
      const dateTo = q.get('dateTo')!;
      const from = Number(q.get('from'));
      const count = Number(q.get('count'));
      const matched = postings.filter((p) => p.date >= dateFrom && p.date < dateTo);
      const record = { dateFrom, dateTo, from, count, matched: matched.length, status: 200 };
      seen.push(record);
      if (matched.length > LIMIT) {
        record.status = 422;
        callback(null, [422, { status: 422, code: 23000, message: 'Result set too large. Limit of 600 reached.', validationMessages: [] }]);
        return;
      }
      if (count > largestCount) {
        // A page size the endpoint will not serve, refused the way Tripletex refuses it.
        record.status = 422;
        callback(null, [422, { status: 422, code: 23000, message: `Result set too large. Limit of ${largestCount} reached.`, validationMessages: [] }]);
        return;
      }
      const values = matched.slice(from, from + count);
      const more = from + count < matched.length;
      callback(null, [200, { fullResultSize: more ? from + count + 1 : matched.length, from, count: values.length, values }]);
    });
}

const year = { dateFrom: '2025-01-01', dateTo: '2026-01-01' };
const idsOf = (pages: unknown[]) => (pages as PortPage[]).flatMap((p) => (p.values as Posting[]).map((r) => r.id));
const windowsOf = (seen: Seen[]) => [...new Map(seen.filter((s) => s.status === 200).map((s) => [`${s.dateFrom}/${s.dateTo}`, s])).values()];

describe('date windows overlap in time, never in rows (nock)', () => {
  guardNetworkWithNock();
  beforeEach(() => {
    delete process.env.TRIPLETEX_PRODUCTION_URL;
    resetRateLimiters();
    setSharedSessionPool(new SessionPool({ create: async (_c, expirationDate) => ({ token: new Secret('CANARY-overlap-session-3'), expirationDate }) }));
  });
  afterAll(() => setSharedSessionPool(undefined));

  it("asks for the next window's first page while a window is paged, and hands its rows on only after that window's", async () => {
    const postings = ledger((day) => 20 + (day % 9 === 0 ? 40 : 0));
    const seen: Seen[] = [];
    serve(postings, seen);
    const ctx = recordingContext();
    const summary = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 50 }, ctx);
    const pages = ctx.pages as PortPage[];
    expect(idsOf(pages)).toEqual(postings.map((p) => p.id));
    expect(summary.windows).toBeGreaterThan(3);
    // For every window but the first, its first page was asked for before the window before it had ended.
    const windows = windowsOf(seen);
    let early = 0;
    for (let w = 1; w < windows.length; w++) {
      const before = windows[w - 1]!;
      const lastOfBefore = seen.findLastIndex((s) => s.dateFrom === before.dateFrom && s.dateTo === before.dateTo);
      const firstOfThis = seen.findIndex((s) => s.dateFrom === windows[w]!.dateFrom && s.dateTo === windows[w]!.dateTo);
      if (firstOfThis < lastOfBefore) early += 1;
    }
    expect(early).toBe(windows.length - 1);
    // Pages come window by window, each page's resume the date reached in its own window.
    for (let k = 1; k < pages.length; k++) expect(pages[k]!.window!.from >= pages[k - 1]!.window!.from).toBe(true);
    for (const page of pages) {
      const last = (page.values as Posting[]).at(-1)!;
      expect(page.resume).toMatchObject({ window: page.window, date: last.date });
    }
  });

  it('sizes windows by the rows per day earlier windows showed: after the first, none is refused', async () => {
    const postings = ledger(() => 31);
    const seen: Seen[] = [];
    serve(postings, seen);
    const ctx = recordingContext();
    const summary = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 100 }, ctx);
    expect(idsOf(ctx.pages)).toEqual(postings.map((p) => p.id));
    const firstAccepted = seen.findIndex((s) => s.status === 200);
    expect(seen.slice(firstAccepted).filter((s) => s.status === 422)).toEqual([]);
    // 31 a day against a limit of 600: about 17 days a window, where halving alone kept 12.
    expect(summary.windows).toBeLessThanOrEqual(Math.ceil(365 / 15));
    // And no page is asked for past a window's last one (the page that proves the end aside),
    // once a window's rows per day are known: the first window's first pages are asked for before.
    const first = seen[firstAccepted]!;
    expect(seen.filter((s) => s.status === 200 && s.from > s.matched && s.dateFrom !== first.dateFrom)).toEqual([]);
    expect(seen.filter((s) => s.status === 200 && s.from > s.matched).length).toBeLessThanOrEqual(4);
  });

  it('a refused next window is split while the one before is still paged; every row once, in date order', async () => {
    // A quiet first half of the year, then five times as busy: the window sized by the quiet days is refused.
    const postings = ledger((day) => (day < 150 ? 8 : 45));
    const seen: Seen[] = [];
    serve(postings, seen);
    const ctx = recordingContext();
    const summary = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 100 }, ctx);
    expect(idsOf(ctx.pages)).toEqual(postings.map((p) => p.id));
    expect(summary.splits).toBeGreaterThan(0);
    // Some window after the first accepted one was refused before the window before it had ended.
    const refusedEarly = seen.some((s, at) => {
      if (s.status !== 422 || at < seen.findIndex((r) => r.status === 200)) return false;
      const before = seen.slice(0, at).findLast((r) => r.status === 200 && r.dateTo === s.dateFrom);
      return before !== undefined && seen.slice(at).some((r) => r.status === 200 && r.dateFrom === before.dateFrom && r.dateTo === before.dateTo);
    });
    expect(refusedEarly).toBe(true);
    const dates = (ctx.pages as PortPage[]).flatMap((p) => (p.values as Posting[]).map((r) => r.date));
    expect(dates).toEqual([...dates].sort());
  });

  it('a page size the endpoint refused in one window is not asked for again in the next, even one asked for early', async () => {
    const postings = ledger(() => 31);
    const seen: Seen[] = [];
    serve(postings, seen, 40);
    const ctx = recordingContext();
    const summary = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 100 }, ctx);
    expect(idsOf(ctx.pages)).toEqual(postings.map((p) => p.id));
    expect(summary.windows).toBeGreaterThan(3);
    // Refusals of the size come only before any page was accepted (the first window and the
    // halves asked for at once with it); once one was, no window is asked for 100 a page again.
    const firstAccepted = seen.findIndex((s) => s.status === 200);
    expect(seen.slice(0, firstAccepted).some((s) => s.status === 422 && s.count > 40 && s.matched <= LIMIT)).toBe(true);
    expect(seen.slice(firstAccepted).filter((s) => s.count > 40)).toEqual([]);
    expect(summary.pageSizes).toEqual([40]);
  });

  it('prefetchPages 0 is one request after another on a range paged in windows too: no window and no half asked for early', async () => {
    const postings = ledger((day) => (day < 150 ? 8 : 45));
    const seen: Seen[] = [];
    const inFlight = { now: 0, most: 0 };
    serve(postings, seen, Infinity, inFlight);
    const ctx = recordingContext();
    const summary = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 100, prefetchPages: 0 }, ctx);
    expect(idsOf(ctx.pages)).toEqual(postings.map((p) => p.id));
    expect(summary.splits).toBeGreaterThan(0);
    expect(inFlight.most).toBe(1);
    // With fetch-ahead, windows do overlap (the same ledger, the same counter).
    const ahead = { now: 0, most: 0 };
    nock.cleanAll();
    serve(postings, [], Infinity, ahead);
    await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 100 }, recordingContext());
    expect(ahead.most).toBeGreaterThan(1);
  });

  it('a run stopped by its page count resumes exactly, whatever was asked for ahead', async () => {
    const postings = ledger((day) => 20 + (day % 5 === 0 ? 30 : 0));
    serve(postings, []);
    const first = recordingContext();
    const a = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 100, maxPageCount: 23 }, first);
    expect(a.stoppedEarly).toBe(true);
    const rest = recordingContext();
    await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 100, resume: a.resume }, rest);
    expect([...idsOf(first.pages), ...idsOf(rest.pages)]).toEqual(postings.map((p) => p.id));
  });
});
