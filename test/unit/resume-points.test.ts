import nock from 'nock';
import { guardNetworkWithNock } from '../support/nock-guard.js';
import { run, type PortPage } from '../../actions/rest-api-request-with-paging.js';
import { TripletexApiError } from '../../contract/errors.js';
import { resetRateLimiters } from '../../client/rate-limiter.js';
import { Secret } from '../../contract/secret.js';
import { setSharedSessionPool } from '../../connection/tripletex-client.js';
import { SessionPool } from '../../connection/session-pool.js';
import type { ResumePoint } from '../../client/window-paging.js';
import { recordingContext } from '../e2e/support.js';

// Every page carries `resume`, the point to continue from after it. A host that stores a page's
// rows and its resume together, stops anywhere, and starts again from the stored point must get
// exactly the rows after that page: none twice, none missing, in order. Here a fake Tripletex
// answers from data the test holds (and changes between runs): a customer list, and a ledger
// with a low result-set limit so that a year is paged in date windows.

const BASE = 'https://tripletex.no';
const LIMIT = 600;
const connection = { name: 'Resume', consumerToken: 'CANARY-resume-consumer-1', employeeToken: 'CANARY-resume-employee-2' };

interface Posting {
  id: number;
  date: string;
  amount: number;
}

const dayOf = (day: number, year = 2025) => new Date(Date.UTC(year, 0, 1 + day)).toISOString().slice(0, 10);

/** A year of postings, several on each day (so a day spans pages), a burst every tenth day; ids follow the dates. */
function ledger(): Posting[] {
  const out: Posting[] = [];
  for (let day = 0; day < 365; day++) {
    const n = 4 + (day % 10 === 3 ? 90 : 0);
    for (let i = 0; i < n; i++) out.push({ id: out.length + 1, date: dayOf(day), amount: (out.length * 37) % 1000 });
  }
  return out;
}

interface Seen {
  query: Record<string, string>;
  status: number;
}

/**
 * GET /ledger/posting as Tripletex answers it: 23000 when the range matches more than LIMIT rows,
 * rows sorted as asked (by date then id, or by id, Tripletex's default order), `fields` honoured.
 */
function serveLedger(data: { rows: Posting[] }, seen: Seen[] = []) {
  nock(BASE)
    .persist()
    .get('/v2/ledger/posting')
    .query(true)
    .reply((uri) => {
      const q = Object.fromEntries(new URL(uri, BASE).searchParams);
      const record = { query: q, status: 200 };
      seen.push(record);
      const matched = data.rows.filter((p) => p.date >= q.dateFrom! && p.date < q.dateTo!);
      if (matched.length > LIMIT) {
        record.status = 422;
        return [422, { status: 422, code: 23000, message: 'Result set too large. Limit of 10.000 reached.', validationMessages: [] }];
      }
      const byDate = (q.sorting ?? '').split(',')[0] === 'date';
      matched.sort((a, b) => (byDate && a.date !== b.date ? (a.date < b.date ? -1 : 1) : a.id - b.id));
      const from = Number(q.from);
      const fields = q.fields?.split(',');
      const values = matched.slice(from, from + Number(q.count)).map((row) => (fields ? Object.fromEntries(fields.map((f) => [f, row[f as keyof Posting]])) : row));
      return [200, { fullResultSize: matched.length, from, count: values.length, versionDigest: 'Checksum not yet supported for this endpoint', values }];
    });
}

function serveCustomers(total: number) {
  const customers = Array.from({ length: total }, (_, i) => ({ id: 1000 + i, name: `Kunde ${i}` }));
  nock(BASE)
    .persist()
    .get('/v2/customer')
    .query(true)
    .reply((uri) => {
      const q = new URL(uri, BASE).searchParams;
      const from = Number(q.get('from'));
      const values = customers.slice(from, from + Number(q.get('count')));
      return [200, { fullResultSize: total, from, count: values.length, values }];
    });
  return customers;
}

const year = { dateFrom: '2025-01-01', dateTo: '2026-01-01' };
const rowsOf = (pages: unknown[]) => (pages as PortPage[]).flatMap((p) => p.values as Record<string, unknown>[]);
const idsOf = (pages: unknown[]) => rowsOf(pages).map((r) => r.id as number);
const inDateOrder = (rows: Posting[]) => [...rows].sort((a, b) => (a.date !== b.date ? (a.date < b.date ? -1 : 1) : a.id - b.id));

describe('every page carries the point to continue from after it (nock)', () => {
  guardNetworkWithNock();
  beforeEach(() => {
    delete process.env.TRIPLETEX_PRODUCTION_URL;
    resetRateLimiters();
    setSharedSessionPool(new SessionPool({ create: async (_c, expirationDate) => ({ token: new Secret('CANARY-resume-session-3'), expirationDate }) }));
  });
  afterAll(() => setSharedSessionPool(undefined));

  it('a list: restarting from page k\'s resume gives exactly the rows after page k, for every k', async () => {
    const customers = serveCustomers(230);
    const whole = recordingContext();
    await run({ connection, path: '/customer', itemsPerPage: 50 }, whole);
    const pages = whole.pages as PortPage[];
    expect(pages).toHaveLength(5);
    expect(pages.map((p) => p.resume)).toEqual([{ index: 50 }, { index: 100 }, { index: 150 }, { index: 200 }, { index: 230 }]);
    for (let k = 0; k < pages.length; k++) {
      const rest = recordingContext();
      const summary = await run({ connection, path: '/customer', itemsPerPage: 50, resume: pages[k]!.resume }, rest);
      expect([...idsOf(pages.slice(0, k + 1)), ...idsOf(rest.pages)]).toEqual(customers.map((c) => c.id));
      expect(summary.stoppedEarly).toBe(false);
    }
  });

  it('a host that stops after page k (its emit throws) and restarts from the stored resume gets every row once', async () => {
    const customers = serveCustomers(230);
    const stored: { rows: unknown[]; resume?: ResumePoint } = { rows: [] };
    const crashing = recordingContext((page) => {
      const p = page as PortPage;
      if (p.index === 2) throw new Error('the host went down while storing page 3');
      // One transaction: the page's rows and its resume point.
      stored.rows.push(...p.values);
      stored.resume = p.resume;
    });
    await expect(run({ connection, path: '/customer', itemsPerPage: 50 }, crashing)).rejects.toThrow('the host went down');
    const again = recordingContext((page) => {
      stored.rows.push(...(page as PortPage).values);
    });
    await run({ connection, path: '/customer', itemsPerPage: 50, resume: stored.resume }, again);
    expect(stored.rows.map((r) => (r as { id: number }).id)).toEqual(customers.map((c) => c.id));
  });

  describe('a year paged in date windows', () => {
    it('pages carry the date reached; restarting from any page gives exactly the rest, rows sharing a date included', async () => {
      const data = { rows: ledger() };
      const seen: Seen[] = [];
      serveLedger(data, seen);
      const whole = recordingContext();
      const summary = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 60 }, whole);
      const pages = whole.pages as PortPage[];
      expect(summary.splits).toBeGreaterThan(0);
      expect(idsOf(pages)).toEqual(data.rows.map((p) => p.id));
      // Read in date order, asked for: by the rows' date, then id.
      expect(seen.every((s) => s.query.sorting === 'date,id')).toBe(true);
      for (const page of pages) {
        const last = (page.values as Posting[]).at(-1)!;
        expect(page.resume).toEqual({ window: page.window, date: last.date, index: (page.values as Posting[]).filter((r) => r.date === last.date).length + countBefore(pages, page, last.date) });
      }
      // Pages that end a window, pages whose last day goes on in the next page, the first and the last.
      const endsWindow = pages.map((p, k) => k).filter((k) => k + 1 < pages.length && pages[k + 1]!.window!.from !== pages[k]!.window!.from);
      const splitsDay = pages.map((p, k) => k).filter((k) => k + 1 < pages.length && (pages[k + 1]!.values as Posting[])[0]!.date === (pages[k]!.values as Posting[]).at(-1)!.date);
      expect(endsWindow.length).toBeGreaterThan(2);
      expect(splitsDay.length).toBeGreaterThan(2);
      for (const k of new Set([0, ...endsWindow.slice(0, 3), ...splitsDay.slice(0, 3), pages.length - 1])) {
        const rest = recordingContext();
        await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 60, resume: pages[k]!.resume }, rest);
        expect([...idsOf(pages.slice(0, k + 1)), ...idsOf(rest.pages)]).toEqual(data.rows.map((p) => p.id));
      }
    });

    it('a window that grew past the limit before the resume is split again: no row handed on twice, new rows after the point delivered', async () => {
      const data = { rows: ledger() };
      serveLedger(data);
      const first = recordingContext();
      const a = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 60, maxPageCount: 9 }, first);
      expect(a.stoppedEarly).toBe(true);
      const resume = a.resume!;
      expect(resume.date).toBeDefined();
      const window = resume.window!;
      // Rows are entered while the run is stopped: before the date reached, on it, and after it,
      // enough that the window is now refused whole.
      expect(window.from < resume.date!).toBe(true);
      let nextId = data.rows.length + 1;
      const added: Posting[] = [];
      for (let i = 0; i < 40; i++) added.push({ id: nextId++, date: window.from, amount: 1 });
      const days = [resume.date!, dayOf(daysBetween('2025-01-01', window.to) - 1)];
      for (let i = 0; i < LIMIT; i++) added.push({ id: nextId++, date: days[i % 2]!, amount: 1 });
      data.rows.push(...added);
      const second = recordingContext();
      const b = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 60, resume }, second);
      expect(b.splits).toBeGreaterThan(0);
      const handedOn = [...idsOf(first.pages), ...idsOf(second.pages)];
      expect(new Set(handedOn).size).toBe(handedOn.length);
      // Everything except rows entered on a day the first run had already passed.
      const missed = added.filter((p) => p.date < resume.date!).map((p) => p.id);
      expect(missed.length).toBeGreaterThan(0);
      expect(new Set(handedOn)).toEqual(new Set(data.rows.map((p) => p.id).filter((id) => !missed.includes(id))));
      // The second run reads in date order from the date reached.
      expect(rowsOf(second.pages).map((r) => r.id)).toEqual(inDateOrder(data.rows.filter((p) => !missed.includes(p.id) && !idsOf(first.pages).includes(p.id))).map((p) => p.id));
    });

    it('a window that grew, read in an order not by date, fails clearly instead of handing rows on twice', async () => {
      const data = { rows: ledger() };
      serveLedger(data);
      const first = recordingContext();
      const a = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 60, maxPageCount: 2, sorting: 'id' }, first);
      expect(a.resume).toEqual({ window: a.resume!.window, index: 120 });
      const window = a.resume!.window!;
      for (let i = 0; i < LIMIT; i++) data.rows.push({ id: 100_000 + i, date: window.from, amount: 2 });
      const second = recordingContext();
      const error = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 60, sorting: 'id', resume: a.resume }, second).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TripletexApiError);
      expect((error as Error).message).toMatch(/has grown since the run stopped in it\. The 120 rows already handed on from it were counted in the order of "id", not by date, so the window cannot be split/);
      expect(second.pages).toEqual([]);
    });

    it('refuses startIndex once the range is split, pointing at resume, before handing any row on', async () => {
      serveLedger({ rows: ledger() });
      const ctx = recordingContext();
      const error = await run({ connection, path: '/ledger/posting', query: year, startIndex: 658 }, ctx).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/paged in date windows, where startIndex 658 \(a row number in the whole range\) points at no particular row\. Nothing was handed on\. To continue a run that stopped, give its resume point/);
      expect(ctx.pages).toEqual([]);
    });

    it('reads the date it needs even when fields leave it out, and hands the rows on as asked', async () => {
      const data = { rows: ledger() };
      const seen: Seen[] = [];
      serveLedger(data, seen);
      const first = recordingContext();
      const a = await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 60, maxPageCount: 4, fields: 'id,amount' }, first);
      expect(seen.filter((s) => s.status === 200).every((s) => s.query.fields === 'id,amount,date')).toBe(true);
      expect(rowsOf(first.pages).every((r) => Object.keys(r).join() === 'id,amount')).toBe(true);
      expect(a.resume!.date).toBeDefined();
      const second = recordingContext();
      await run({ connection, path: '/ledger/posting', query: year, itemsPerPage: 60, fields: 'id,amount', resume: a.resume }, second);
      expect([...idsOf(first.pages), ...idsOf(second.pages)]).toEqual(data.rows.map((p) => p.id));
    });

    it('refuses a date-based resume for a run that sorts otherwise, by name', async () => {
      const error = await run(
        { connection, path: '/ledger/posting', query: year, sorting: '-amount', resume: { index: 3, window: { from: '2025-01-01', to: '2025-03-01' }, date: '2025-02-02' } },
        recordingContext(),
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'input', field: 'resume.date' });
      expect((error as Error).message).toMatch(/read its rows in date order, but this run sorts by "-amount"/);
    });
  });
});

/** Rows dated `date` on the pages of the same window before `page`. */
function countBefore(pages: PortPage[], page: PortPage, date: string): number {
  let n = 0;
  for (const p of pages) {
    if (p === page) break;
    if (p.window?.from !== page.window?.from) continue;
    n += (p.values as Posting[]).filter((r) => r.date === date).length;
  }
  return n;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
}
