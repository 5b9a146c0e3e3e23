import nock from 'nock';
import { guardNetworkWithNock } from '../support/nock-guard.js';
import { run } from '../../actions/rest-api-request-with-paging.js';
import { CancelledError, InputError, TripletexApiError } from '../../contract/errors.js';
import { resetRateLimiters } from '../../client/rate-limiter.js';
import { Secret } from '../../contract/secret.js';
import { setSharedSessionPool } from '../../connection/tripletex-client.js';
import { SessionPool } from '../../connection/session-pool.js';
import { recordingContext } from '../e2e/support.js';

// REST API Request with paging at its edges, seen from the wire: which dates it shifts, how it
// reports a resend whose first attempt may have been applied, what it makes of versionDigest
// sentences, and what cancelling means while the flow holds a page.

const BASE = 'https://tripletex.no';
const connection = { name: 'Edges', consumerToken: 'CANARY-edges-consumer-1', employeeToken: 'CANARY-edges-employee-2' };

describe('REST API Request with paging at the edges (nock)', () => {
  guardNetworkWithNock();
  beforeEach(() => {
    delete process.env.TRIPLETEX_PRODUCTION_URL;
    resetRateLimiters();
    setSharedSessionPool(new SessionPool({ create: async (_c, expirationDate) => ({ token: new Secret('CANARY-edges-session-3'), expirationDate }) }));
  });
  afterAll(() => setSharedSessionPool(undefined));

  const empty = { fullResultSize: 0, from: 0, count: 0, values: [] };

  describe('inclusive end dates, by what Tripletex documents', () => {
    it('shifts an exclusive end ("To and excluding") and says so in the summary', async () => {
      nock(BASE).get('/v2/invoice').query({ invoiceDateFrom: '2025-03-01', invoiceDateTo: '2025-04-01', from: 0, count: 1000, sorting: 'invoiceDate,id' }).reply(200, empty);
      const summary = await run({ connection, path: '/invoice', inclusiveEndDates: true, query: { invoiceDateFrom: '2025-03-01', invoiceDateTo: '2025-03-31' } }, recordingContext());
      expect(summary.shiftedEndDates).toEqual(['invoiceDateTo']);
    });

    it.each([
      // The last: a list whose rows carry the range's date, so it is also read in date order.
      ['/product/productPrice', 'fromDate', 'toDate', { productId: '5' }],
      ['/timesheet/entry/>totalHours', 'startDate', 'endDate', {}],
      ['/project/resourcePlanBudget', 'periodStart', 'periodEnd', { periodType: 'MONTH' }],
      ['/asset/7/postings', 'dateFrom', 'dateToExclusive', { sorting: 'date,id' }],
    ])('shifts an exclusive end whatever its name: %s %s/%s', async (path, start, end, sent) => {
      const { sorting, ...required } = sent as Record<string, string>;
      nock(BASE)
        .get(`/v2${path.replace('>', '%3E')}`)
        .query({ ...required, [start]: '2025-03-01', [end]: '2025-04-01', from: 0, count: 1000, ...(sorting ? { sorting } : {}) })
        .reply(200, empty);
      const summary = await run({ connection, path, inclusiveEndDates: true, query: { ...required, [start]: '2025-03-01', [end]: '2025-03-31' } }, recordingContext());
      expect(summary.shiftedEndDates).toEqual([end]);
    });

    it('shifts an exclusive end that has no start (/ledger/openPost date, "to and excl.")', async () => {
      nock(BASE).get('/v2/ledger/openPost').query({ date: '2025-04-01', from: 0, count: 1000 }).reply(200, empty);
      const summary = await run({ connection, path: '/ledger/openPost', inclusiveEndDates: true, query: { date: '2025-03-31' } }, recordingContext());
      expect(summary.shiftedEndDates).toEqual(['date']);
    });

    it('sends an end Tripletex already includes ("to and incl.") as given', async () => {
      nock(BASE).get('/v2/purchaseOrder').query({ deliveryDateFrom: '2025-03-01', deliveryDateTo: '2025-03-31', from: 0, count: 1000 }).reply(200, empty);
      const summary = await run({ connection, path: '/purchaseOrder', inclusiveEndDates: true, query: { deliveryDateFrom: '2025-03-01', deliveryDateTo: '2025-03-31' } }, recordingContext());
      expect(summary.shiftedEndDates).toBeUndefined();
      expect(summary.warnings.join(' ')).toMatch(/deliveryDateTo was sent as given: Tripletex already includes that day/);
    });

    it('leaves a numeric range alone (accountNumberTo is not a date) and still shifts the date', async () => {
      nock(BASE).get('/v2/ledger/posting').query({ dateFrom: '2025-01-01', dateTo: '2025-02-01', accountNumberFrom: 3000, accountNumberTo: 3999, from: 0, count: 1000, sorting: 'date,id' }).reply(200, empty);
      const summary = await run(
        { connection, path: '/ledger/posting', inclusiveEndDates: true, query: { dateFrom: '2025-01-01', dateTo: '2025-01-31', accountNumberFrom: 3000, accountNumberTo: 3999 } },
        recordingContext(),
      );
      expect(summary.shiftedEndDates).toEqual(['dateTo']);
    });

    it('shifts nothing on an endpoint the spec does not know, and says why', async () => {
      nock(BASE).get('/v2/brand/new/endpoint').query({ dateTo: '2025-01-31', from: 0, count: 1000 }).reply(200, empty);
      const summary = await run({ connection, path: '/brand/new/endpoint', inclusiveEndDates: true, query: { dateTo: '2025-01-31' } }, recordingContext());
      expect(summary.shiftedEndDates).toBeUndefined();
      expect(summary.warnings.join(' ')).toMatch(/not in Tripletex's spec as this pack knows it .* nothing was shifted/);
    });

    it('still refuses an exclusive end that is not a date, naming it', async () => {
      const error = await run({ connection, path: '/invoice', inclusiveEndDates: true, query: { invoiceDateFrom: '2025-01-01', invoiceDateTo: '31.01.2025' } }, recordingContext()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).field).toBe('query.invoiceDateTo');
    });
  });

  describe('a resend whose first attempt may have been applied', () => {
    it('reports a DELETE that failed with 500 and then found nothing as done, with a warning', async () => {
      nock(BASE).delete('/v2/customer/5').reply(500, { status: 500, code: 1000 }).delete('/v2/customer/5').reply(404, { status: 404, code: 6000, message: 'Object not found' });
      const summary = await run({ connection, method: 'DELETE', path: '/customer/5' }, recordingContext());
      expect(summary).toMatchObject({ pages: 1, status: 404, retries: 1 });
      expect(summary.warnings.join(' ')).toMatch(/DELETE \/customer\/5: An earlier attempt of this DELETE got no clear answer \(Tripletex answered 500.*\) and may have been applied; the resend was answered 404 \(not found\), so the object is gone/);
    });

    it('reads a GET resent after a 500 that then meets 404 as a plain 404: a GET changes nothing', async () => {
      nock(BASE).get('/v2/customer/8').query(true).reply(500, { status: 500, code: 1000 }).get('/v2/customer/8').query(true).reply(404, { status: 404, code: 6000, message: 'Object not found' });
      const error = await run({ connection, path: '/customer/8' }, recordingContext()).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 404, mayHaveBeenApplied: false });
      expect((error as Error).message).not.toMatch(/earlier attempt/);
    });

    it('still fails a DELETE that found nothing on its first and only attempt', async () => {
      nock(BASE).delete('/v2/customer/6').reply(404, { status: 404, code: 6000, message: 'Object not found' });
      const error = await run({ connection, method: 'DELETE', path: '/customer/6' }, recordingContext()).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 404, mayHaveBeenApplied: false });
    });

    it('reports a PUT whose resend met 409 as possibly applied, without claiming either way', async () => {
      nock(BASE)
        .put('/v2/customer/7')
        .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
        .put('/v2/customer/7')
        .reply(409, { status: 409, code: 8000, message: 'Object has been changed since it was read (version)' });
      const error = await run({ connection, method: 'PUT', path: '/customer/7', body: { id: 7, version: 3, name: 'Ny AS' } }, recordingContext()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TripletexApiError);
      expect(error).toMatchObject({ status: 409, mayHaveBeenApplied: true });
      expect((error as Error).message).toMatch(/An earlier attempt of this PUT got no clear answer .* may have been applied, so this 409 may be its result .*check the object in Tripletex before sending it again/);
    });
  });

  describe('versionDigest as Tripletex really sends it', () => {
    const page = (from: number, n: number, digest: string) => ({ fullResultSize: 0, from, count: n, versionDigest: digest, values: Array.from({ length: n }, (_, i) => ({ id: from + i + 1 })) });
    const vatTypes = () =>
      nock(BASE)
        .get('/v2/ledger/vatType')
        .query((q) => q.from === '0')
        .reply(200, page(0, 2, 'Checksum not yet supported for this endpoint'))
        .get('/v2/ledger/vatType')
        .query((q) => q.from === '2')
        .reply(200, page(2, 1, 'Checksum not yet supported for this endpoint'));

    it('hands on no digest when versionDigest is a sentence, and warns once, to a run that sent If-None-Match, that the endpoint has no change detection', async () => {
      vatTypes();
      const ctx = recordingContext();
      const summary = await run({ connection, path: '/ledger/vatType', itemsPerPage: 2, prefetchPages: 0, ifNoneMatch: 'first-run' }, ctx);
      expect(summary.versionDigest).toBeNull();
      expect(ctx.pages.every((p) => (p as { versionDigest: unknown }).versionDigest === null)).toBe(true);
      expect(summary.warnings.filter((w) => /has no change detection/.test(w))).toHaveLength(1);
    });

    it('says nothing about change detection to a run that did not ask for it', async () => {
      vatTypes();
      const summary = await run({ connection, path: '/ledger/vatType', itemsPerPage: 2, prefetchPages: 0 }, recordingContext());
      expect(summary.versionDigest).toBeNull();
      expect(summary.warnings).toEqual([]);
    });

    it("does not take \"'If-None-Match' header not specified\" for a digest", async () => {
      nock(BASE).get('/v2/customer').query(true).reply(200, { fullResultSize: 1, from: 0, count: 1, versionDigest: "'If-None-Match' header not specified", values: [{ id: 1 }] });
      const summary = await run({ connection, path: '/customer' }, recordingContext());
      expect(summary.versionDigest).toBeNull();
      expect(summary.warnings).toEqual([]);
    });
  });

  describe('cancelling while the flow holds a page', () => {
    it('ends as Cancelled when the host never settles emit after cancelling', async () => {
      nock(BASE).get('/v2/customer').query(true).reply(200, { fullResultSize: 1, from: 0, count: 1, values: [{ id: 1 }] });
      const ctx = recordingContext();
      ctx.emit = () => {
        ctx.controller.abort();
        return new Promise<void>(() => undefined);
      };
      await expect(run({ connection, path: '/customer' }, ctx)).rejects.toBeInstanceOf(CancelledError);
    });

    it('ends as Cancelled, not with a summary, when cancelled during the last page', async () => {
      nock(BASE).get('/v2/customer').query(true).reply(200, { fullResultSize: 1, from: 0, count: 1, values: [{ id: 1 }] });
      const ctx = recordingContext(() => ctx.controller.abort());
      await expect(run({ connection, path: '/customer' }, ctx)).rejects.toBeInstanceOf(CancelledError);
      expect(ctx.pages).toHaveLength(1);
    });
  });
});
