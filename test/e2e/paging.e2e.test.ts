import { run, type PortPage } from '../../actions/rest-api-request-with-paging.js';
import { CancelledError, InputError, TripletexApiError, TripletexNetworkError } from '../../contract/errors.js';
import { makeCredentials } from '../../connection/credentials.js';
import type { RunningSimulator } from '../../tooling/simulator/index.js';
import { freshProcessState, outcome, recordClientRequests, recordingContext, startE2eSimulator } from './support.js';
import { answerPacedClock } from '../support/virtual-clock.js';

// REST API Request with paging against the simulator over real HTTP: every row once, whatever
// the server does. Rows are identified by id, so a lost or repeated row fails the test.

const CUSTOMERS = 12_345;

interface Row {
  id: number;
}

function idsOf(pages: unknown[]): number[] {
  return (pages as PortPage[]).flatMap((page) => (page.values as Row[]).map((row) => row.id));
}

type Employee = keyof RunningSimulator['tokens']['production']['employeeTokens'];

/** A connection's properties for one of the simulator's demo employees in production. */
function connectionFor(sim: RunningSimulator, employee: Employee = 'employee', extra: Record<string, unknown> = {}) {
  return { name: 'E2E', consumerToken: sim.tokens.production.consumerToken, employeeToken: sim.tokens.production.employeeTokens[employee], ...extra };
}

function expectEachOnce(ids: number[], expected: number): void {
  expect(ids).toHaveLength(expected);
  expect(new Set(ids).size).toBe(expected);
}

describe('REST API Request with paging against the simulator', () => {
  let sim: RunningSimulator;

  // A simulator of its own for every test. Pages fetched ahead past the end are aborted when a
  // run ends, but one already sent can still reach its server after the test is over; on a
  // shared server it could spend the next test's fault rules or count among its requests,
  // sooner or later depending on the machine's load.
  beforeEach(async () => {
    sim = await startE2eSimulator({ size: CUSTOMERS, inexactFullResultSize: false });
  });
  afterEach(async () => {
    await sim.close();
  });

  const connection = (employee?: Employee, extra?: Record<string, unknown>) => connectionFor(sim, employee, extra);
  const customerRequests = () => sim.requests.filter((r) => r.method === 'GET' && r.path === '/customer');

  it('pages 10,000+ customers exactly once although fullResultSize is inexact', async () => {
    sim.setInexactFullResultSize(true);
    const ctx = recordingContext();
    const summary = await run({ connection: connection(), path: '/customer', itemsPerPage: 1000 }, ctx);

    expectEachOnce(idsOf(ctx.pages), CUSTOMERS);
    const pages = ctx.pages as PortPage[];
    // The simulator really did lie, so the run cannot have stopped on fullResultSize.
    expect(pages.some((page) => page.fullResultSize !== CUSTOMERS)).toBe(true);
    expect(pages.map((page) => page.index)).toEqual(pages.map((_, i) => i));
    expect(pages.map((page) => page.from)).toEqual(pages.map((_, i) => i * 1000));
    expect(summary).toMatchObject({ pages: 13, items: CUSTOMERS, stoppedEarly: false, stopReason: 'end-of-results', nextIndex: CUSTOMERS, status: 200 });
    // Fetch-ahead may ask for pages past the end; they are never emitted, and never more than the window.
    expect(summary.requests).toBeGreaterThanOrEqual(14);
    expect(summary.requests).toBeLessThanOrEqual(14 + 4);
    expect(ctx.progressed.at(-1)).toMatchObject({ pages: 13, items: CUSTOMERS });
  });

  it('keeps pages in order and holds back while For each page is busy', async () => {
    // Requests the client starts, not those the simulator sees: one sent before the hold but
    // delivered during it (a busy machine) must not count as sent during it.
    const started = recordClientRequests('/v2/customer');
    try {
      let startedWhileHeld = -1;
      const ctx = recordingContext(async (page) => {
        if ((page as PortPage).index === 2) {
          const before = started.requests.length;
          await new Promise((resolve) => setTimeout(resolve, 200));
          startedWhileHeld = started.requests.length - before;
        }
      });
      const summary = await run({ connection: connection(), path: '/customer', itemsPerPage: 500, prefetchPages: 3 }, ctx);
      expectEachOnce(idsOf(ctx.pages), CUSTOMERS);
      expect(summary.pages).toBe(25);
      // While page 2 is held, only pages of the prefetch window beyond it (3 to 5) may still be
      // started: back-pressure. A slow machine may start fewer in the time, never more.
      expect(startedWhileHeld).toBeGreaterThanOrEqual(0);
      expect(startedWhileHeld).toBeLessThanOrEqual(3);
    } finally {
      started.stop();
    }
  });

  it('continues from nextIndex after maxPageCount, losing and repeating nothing', async () => {
    const first = recordingContext();
    const a = await run({ connection: connection(), path: '/customer', itemsPerPage: 1000, maxPageCount: 5 }, first);
    expect(a).toMatchObject({ pages: 5, stoppedEarly: true, stopReason: 'max-page-count', nextIndex: 5000 });
    const second = recordingContext();
    const b = await run({ connection: connection(), path: '/customer', itemsPerPage: 1000, startIndex: a.nextIndex }, second);
    expect(b).toMatchObject({ stoppedEarly: false, nextIndex: CUSTOMERS });
    expectEachOnce([...idsOf(first.pages), ...idsOf(second.pages)], CUSTOMERS);
  });

  it('stops with a warning on an endpoint that ignores paging, emitting each row once', async () => {
    const ctx = recordingContext();
    // Tripletex's spec requires includeNonApproved here.
    const summary = await run({ connection: connection(), path: '/ledger/voucher/>nonPosted', query: { includeNonApproved: true }, itemsPerPage: 10 }, ctx);
    const ids = idsOf(ctx.pages);
    expect(ids.length).toBeGreaterThan(10);
    expectEachOnce(ids, ids.length);
    expect(summary).toMatchObject({ pages: 1, stopReason: 'repeated-page', stoppedEarly: false });
    expect(summary.warnings.join(' ')).toMatch(/ignores paging/);
    expect(ctx.lines.some((line) => line.startsWith('warn') && /ignores paging/.test(line))).toBe(true);
  });

  it('survives a session revoked mid-run: one new session, the page sent again, nothing lost', async () => {
    sim.setRevokeSessionAfterCalls(5);
    const before = sim.stats().sessionsCreated;
    const ctx = recordingContext();
    // Pages in flight together all see the 401; they share one new session.
    const summary = await run({ connection: connection(), path: '/customer', itemsPerPage: 1000 }, ctx);
    expectEachOnce(idsOf(ctx.pages), CUSTOMERS);
    expect(sim.stats().sessionsCreated - before).toBeGreaterThanOrEqual(2);
    expect(sim.requests.some((r) => r.status === 401)).toBe(true);
    expect(summary.items).toBe(CUSTOMERS);
  });

  it('waits out injected 429s that carry X-Rate-Limit-Reset and resends', async () => {
    sim.setFaults([{ path: '/customer', method: 'GET', status: 429, times: 3, skip: 2 }]);
    // A short window keeps the wait short; the Reset header still decides how long it is.
    sim.setRateLimit({ limit: 10_000, windowMs: 1000 });
    const ctx = recordingContext();
    const summary = await run({ connection: connection(), path: '/customer', itemsPerPage: 2000 }, ctx);
    expectEachOnce(idsOf(ctx.pages), CUSTOMERS);
    expect(summary.rateLimited).toBe(3);
    expect(customerRequests().filter((r) => r.status === 429)).toHaveLength(3);
  });

  it('waits out 429s without a Reset header (Retry-After, then backoff) and resends', async () => {
    sim.setFaults([
      { path: '/customer', method: 'GET', status: 429, times: 1, skip: 1, retryAfterSeconds: 1 },
      { path: '/customer', method: 'GET', status: 429, times: 2, skip: 3 },
    ]);
    sim.setRateLimit({ limit: 10_000, windowMs: 1000, omitResetHeader: true });
    const ctx = recordingContext();
    // One request at a time, so the rules fire on known requests.
    const summary = await run({ connection: connection(), path: '/customer', itemsPerPage: 1000, prefetchPages: 0 }, ctx);
    expectEachOnce(idsOf(ctx.pages), CUSTOMERS);
    expect(summary.rateLimited).toBe(3);
    expect(sim.requests.filter((r) => r.status === 429)).toHaveLength(3);
  });

  it('retries injected 5xx and dropped connections on GET, emitting every row once', async () => {
    sim.setFaults([
      { path: '/customer', method: 'GET', status: 503, times: 2, skip: 1 },
      { path: '/customer', method: 'GET', status: 500, times: 1, skip: 4 },
      { path: '/customer', method: 'GET', drop: true, times: 2, skip: 6 },
    ]);
    const faultsBefore = sim.stats().faultsApplied;
    const ctx = recordingContext();
    const summary = await run({ connection: connection(), path: '/customer', itemsPerPage: 1000 }, ctx);
    expectEachOnce(idsOf(ctx.pages), CUSTOMERS);
    expect(summary.retries).toBe(5);
    expect(sim.stats().faultsApplied - faultsBefore).toBe(5);
  });

  it('gives up on a GET that keeps failing, with status, code, message and request id', async () => {
    sim.setFaults([{ path: '/customer', method: 'GET', status: 503 }]);
    const ctx = recordingContext();
    const { error } = await outcome(run({ connection: connection(), path: '/customer' }, ctx));
    expect(error).toBeInstanceOf(TripletexApiError);
    const api = error as TripletexApiError;
    expect(api.status).toBe(503);
    expect(api.requestId).toBeTruthy();
    expect(api.message).toContain('503');
    expect(api.message).toContain(api.requestId ?? 'no request id');
    expect(ctx.pages).toHaveLength(0);
    // Bounded: the first try and four retries, of the first page only (nothing is fetched
    // ahead before the first page has come back).
    expect(customerRequests().map((r) => r.query.from)).toEqual(['0', '0', '0', '0', '0']);
  });

  it('sends a POST that failed after being applied exactly once, and says it may have been applied', async () => {
    sim.setFaults([{ path: '/customer', method: 'POST', status: 500, afterApply: true, times: 1 }]);
    const created = sim.stats().customersCreated;
    const { error } = await outcome(run({ connection: connection(), method: 'POST', path: '/customer', body: { name: 'Once AS' } }, recordingContext()));
    expect(error).toBeInstanceOf(TripletexApiError);
    expect((error as TripletexApiError).mayHaveBeenApplied).toBe(true);
    expect((error as Error).message).toMatch(/not sent again because Tripletex may already have applied it/);
    expect(sim.requests.filter((r) => r.method === 'POST' && r.path === '/customer')).toHaveLength(1);
    expect(sim.stats().customersCreated - created).toBe(1);
  });

  it('does not resend a POST whose connection dropped after it was applied', async () => {
    sim.setFaults([{ path: '/customer', method: 'POST', drop: true, afterApply: true, times: 1 }]);
    const created = sim.stats().customersCreated;
    const { error } = await outcome(run({ connection: connection(), method: 'POST', path: '/customer', body: { name: 'Dropped AS' } }, recordingContext()));
    expect(error).toBeInstanceOf(TripletexNetworkError);
    expect((error as TripletexNetworkError).mayHaveBeenApplied).toBe(true);
    expect(sim.requests.filter((r) => r.method === 'POST' && r.path === '/customer')).toHaveLength(1);
    expect(sim.stats().customersCreated - created).toBe(1);
  });

  it('resends a POST that got a 429, since Tripletex did not process it', async () => {
    sim.setFaults([{ path: '/customer', method: 'POST', status: 429, times: 1 }]);
    sim.setRateLimit({ limit: 10_000, windowMs: 1000 });
    const created = sim.stats().customersCreated;
    const ctx = recordingContext();
    const summary = await run({ connection: connection(), method: 'POST', path: '/customer', body: { name: 'Patient AS' } }, ctx);
    expect(summary).toMatchObject({ pages: 1, items: 1, stopReason: 'single-response', status: 201, rateLimited: 1 });
    expect(sim.stats().customersCreated - created).toBe(1);
    expect((ctx.pages[0] as PortPage).value).toMatchObject({ name: 'Patient AS' });
  });

  it('stops promptly when cancelled: in-flight requests aborted, none started afterwards', async () => {
    // Counted as the client starts them: a request sent before the abort but delivered after
    // it (a busy machine) is not one started afterwards.
    const started = recordClientRequests('/v2/customer');
    try {
      let startedBeforeAbort = -1;
      const ctx = recordingContext(async (page) => {
        if ((page as PortPage).index !== 1) return;
        // From here every answer takes 20 s: a run that waited for one would time this test out.
        sim.setLatency(20_000);
        // Gives the page fetched ahead a moment to go out, so that there is one to abort.
        await new Promise((resolve) => setTimeout(resolve, 50));
        startedBeforeAbort = started.requests.length;
        ctx.controller.abort();
      });
      const { error } = await outcome(run({ connection: connection(), path: '/customer', itemsPerPage: 500, prefetchPages: 2 }, ctx));
      expect(error).toBeInstanceOf(CancelledError);
      expect(ctx.pages).toHaveLength(2);
      // Every request is answered or aborted by the time the run has ended.
      expect(started.open()).toEqual([]);
      // Anything a run still started after the abort would show up here.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(started.requests.length).toBe(startedBeforeAbort);
    } finally {
      started.stop();
    }
  }, 15_000);

  it('refuses each bad input by name, sending nothing at all', async () => {
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ path: '/customer' }, /connection/],
      [{ connection: { name: 'x', consumerToken: 'c' }, path: '/customer' }, /employeeToken/],
      [{ connection: connection(), path: '/customer', method: 'PATCH' }, /method/],
      [{ connection: connection(), path: 'https://elsewhere.example/v2/customer' }, /path/],
      [{ connection: connection(), path: '//elsewhere.example/customer' }, /path/],
      [{ connection: connection(), path: '/customer/../../admin' }, /path.*\.\./],
      [{ connection: connection(), path: '/v2/customer' }, /path.*\/v2/],
      [{ connection: connection(), path: '/customer?from=5' }, /path/],
      [{ connection: connection(), path: '/customer', query: { from: 5 } }, /query\.from.*startIndex/],
      [{ connection: connection(), path: '/customer', query: { count: 5 } }, /query\.count.*itemsPerPage/],
      [{ connection: connection(), path: '/customer', query: { nested: { a: 1 } } }, /query/],
      [{ connection: connection(), path: '/customer', body: { name: 'x' } }, /body.*POST or PUT/],
      [{ connection: connection(), path: '/customer', companyId: -1 }, /companyId/],
      [{ connection: connection(), path: '/customer', companyId: 'acme' }, /companyId/],
      [{ connection: connection(), path: '/customer', startIndex: -1 }, /startIndex/],
      [{ connection: connection(), path: '/customer', itemsPerPage: 0 }, /itemsPerPage/],
      [{ connection: connection(), path: '/customer', itemsPerPage: 5001 }, /itemsPerPage/],
      [{ connection: connection(), path: '/customer', maxPageCount: 0 }, /maxPageCount/],
      [{ connection: connection(), path: '/customer', prefetchPages: 17 }, /prefetchPages/],
      [{ connection: connection(), path: '/customer', fields: 7 }, /fields/],
      [{ connection: connection(), path: '/invoice', inclusiveEndDates: true, query: { invoiceDateFrom: '2025-01-01', invoiceDateTo: '31.01.2025' } }, /query\.invoiceDateTo.*YYYY-MM-DD/],
      [{ connection: connection(), path: '/customer', pageSize: 10 }, /pageSize/],
    ];
    for (const [inputs, field] of refusals) {
      const { error } = await outcome(run(inputs, recordingContext()));
      expect([JSON.stringify(inputs), error]).toEqual([JSON.stringify(inputs), expect.any(InputError)]);
      expect([JSON.stringify(inputs), (error as Error).message]).toEqual([JSON.stringify(inputs), expect.stringMatching(field)]);
    }
    expect(sim.requests).toEqual([]);
  });
});

describe('REST API Request with paging under a tight rate limit', () => {
  let sim: RunningSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  it('paces itself under a tight real rate limit instead of running into it', async () => {
    // One fake clock runs the simulator's windows and the pack's limiter alike. The clock moves
    // only when the limiter sleeps, and only once every request it let through has been
    // answered, so each window holds exactly the requests the limiter planned for it, however
    // slowly a busy machine delivers them.
    const clock = answerPacedClock();
    sim = await startE2eSimulator({ size: CUSTOMERS, inexactFullResultSize: false, now: clock.now, rateLimit: { limit: 4, windowMs: 250 } });
    const props = connectionFor(sim);
    const credentials = makeCredentials('production', props.consumerToken, props.employeeToken);
    // The limiter the run will use for this token pair (see limiterFor), made first with the fake clock.
    const limiter = clock.limiterFor(`production:${credentials.fingerprint}`);
    const ctx = recordingContext();
    const summary = await run({ connection: props, path: '/customer', itemsPerPage: 1000 }, ctx);
    expectEachOnce(idsOf(ctx.pages), CUSTOMERS);
    // The limiter learns the window from the first answer's headers; after that it waits, not collides.
    expect(sim.stats().rateLimited).toBe(0);
    expect(summary.rateLimited).toBe(0);
    expect(summary.rateLimitWaits).toBeGreaterThan(0);
    // The run did use the limiter on the fake clock.
    expect(limiter.snapshot().waits).toBeGreaterThan(0);
    expect(ctx.progressed.some((p) => (p.rateLimitWaitMs ?? 0) > 0)).toBe(true);
  });
});

describe('REST API Request with paging: date ranges, companies and entitlements', () => {
  let sim: RunningSimulator;
  let allInvoices: { id: number; invoiceDate: string }[] = [];

  beforeAll(async () => {
    sim = await startE2eSimulator({ size: 400, dataYear: 2025 });
    const ctx = recordingContext();
    await run({ connection: connection(), path: '/invoice', query: { invoiceDateFrom: sim.dataPeriod.from, invoiceDateTo: sim.dataPeriod.to } }, ctx);
    allInvoices = (ctx.pages as PortPage[]).flatMap((page) => page.values as { id: number; invoiceDate: string }[]);
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    freshProcessState();
    sim.resetRequests();
  });

  const connection = (employee?: Employee, extra?: Record<string, unknown>) => connectionFor(sim, employee, extra);
  const invoicesBetween = (from: string, toInclusive: string) => allInvoices.filter((i) => i.invoiceDate >= from && i.invoiceDate <= toInclusive).map((i) => i.id).sort((a, b) => a - b);
  const sortedIds = (pages: unknown[]) => idsOf(pages).sort((a, b) => a - b);

  it('reads the seeded invoices (the fixture the other tests compare against)', () => {
    expect(allInvoices).toHaveLength(800);
    expect(new Set(allInvoices.map((i) => i.id)).size).toBe(800);
  });

  it('treats invoiceDateTo as exclusive, as Tripletex does: the last day is not included', async () => {
    const lastDay = '2025-03-31';
    expect(invoicesBetween(lastDay, lastDay).length).toBeGreaterThan(0);
    const ctx = recordingContext();
    await run({ connection: connection(), path: '/invoice', query: { invoiceDateFrom: '2025-03-01', invoiceDateTo: lastDay } }, ctx);
    expect(sortedIds(ctx.pages)).toEqual(invoicesBetween('2025-03-01', '2025-03-30'));
  });

  it('includes the last day when end dates are inclusive, and sends the day after', async () => {
    const ctx = recordingContext();
    await run({ connection: connection(), path: '/invoice', inclusiveEndDates: true, query: { invoiceDateFrom: '2025-03-01', invoiceDateTo: '2025-03-31' } }, ctx);
    expect(sortedIds(ctx.pages)).toEqual(invoicesBetween('2025-03-01', '2025-03-31'));
    expect(sim.requests.find((r) => r.path === '/invoice')?.query).toMatchObject({ invoiceDateTo: '2025-04-01' });
  });

  it('explains the 422 for a one-day range with equal dates, and offers the inclusive switch', async () => {
    const { error } = await outcome(run({ connection: connection(), path: '/invoice', query: { invoiceDateFrom: '2025-03-31', invoiceDateTo: '2025-03-31' } }, recordingContext()));
    expect(error).toBeInstanceOf(TripletexApiError);
    expect((error as TripletexApiError).status).toBe(422);
    expect((error as Error).message).toMatch(/exclusive.*invoiceDateFrom\/invoiceDateTo.*End dates are inclusive/);
    const ctx = recordingContext();
    await run({ connection: connection(), path: '/invoice', inclusiveEndDates: true, query: { invoiceDateFrom: '2025-03-31', invoiceDateTo: '2025-03-31' } }, ctx);
    expect(sortedIds(ctx.pages)).toEqual(invoicesBetween('2025-03-31', '2025-03-31'));
  });

  it("reaches an accountant's client company with companyId, and says why company 0 is refused", async () => {
    const [client] = sim.companies.production.clientCompanyIds;
    expect(client).toBeDefined();
    const ctx = recordingContext();
    const summary = await run({ connection: connection('accountant'), path: '/customer', companyId: client }, ctx);
    expect(summary.items).toBeGreaterThan(0);
    expect(sim.requests.filter((r) => r.path === '/customer').every((r) => r.companyId === client)).toBe(true);

    const { error } = await outcome(run({ connection: connection('accountant'), path: '/customer' }, recordingContext()));
    expect(error).toBeInstanceOf(TripletexApiError);
    expect(error).toMatchObject({ status: 403 });
    expect((error as Error).message).toMatch(/These are an accountant's tokens, which in your own company \(0\) may only list their client companies: give the client company's id as "Company Id"/);
  });

  it("uses the connection's Default Company Id when the request gives none", async () => {
    const [, second] = sim.companies.production.clientCompanyIds;
    const summary = await run({ connection: connection('accountant', { defaultCompanyId: second }), path: '/customer' }, recordingContext());
    expect(summary.items).toBeGreaterThan(0);
    expect(sim.requests.filter((r) => r.path === '/customer').every((r) => r.companyId === second)).toBe(true);
  });

  it('says which entitlement is missing when the employee may not read invoices (403)', async () => {
    const { error } = await outcome(run({ connection: connection('restricted'), path: '/invoice', query: { invoiceDateFrom: '2025-01-01', invoiceDateTo: '2025-02-01' } }, recordingContext()));
    expect(error).toBeInstanceOf(TripletexApiError);
    const api = error as TripletexApiError;
    expect(api).toMatchObject({ status: 403, code: 9000 });
    expect(api.message).toMatch(/entitlement/);
    expect(api.message).not.toMatch(/\.\./);
    expect(api.requestId).toBeTruthy();
  });

  it('answers an unchanged list with 304 and no pages when given its versionDigest', async () => {
    const first = await run({ connection: connection(), path: '/customer', ifNoneMatch: '*' }, recordingContext());
    expect(first.versionDigest).toEqual(expect.any(String));
    const ctx = recordingContext();
    const second = await run({ connection: connection(), path: '/customer', ifNoneMatch: first.versionDigest ?? undefined }, ctx);
    expect(second).toMatchObject({ pages: 0, items: 0, status: 304, stopReason: 'not-modified', stoppedEarly: false });
    expect(ctx.pages).toHaveLength(0);
  });
});
