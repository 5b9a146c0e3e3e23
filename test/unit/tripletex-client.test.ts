import nock from 'nock';
import { guardNetworkWithNock } from '../support/nock-guard.js';
import { resolveConnectionProperties } from '../../connection/resolved-connection.js';
import { SessionPool } from '../../connection/session-pool.js';
import { TripletexClient } from '../../connection/tripletex-client.js';
import { isReplaySafe, type RetryPolicy } from '../../client/dispatch.js';
import { resetRateLimiters } from '../../client/rate-limiter.js';
import { newRequestStats } from '../../client/request-stats.js';
import { Secret } from '../../contract/secret.js';
import { TripletexApiError, TripletexNetworkError } from '../../contract/errors.js';

// The one place that talks HTTP, seen from the wire: what is sent, what is resent, what is not.

const BASE = 'https://tripletex.no';
const SESSION = 'CANARY-unit-session-0c9e';
const FAST: RetryPolicy = { maxRetries: 3, max429Retries: 5, minRetryDelayMs: 1, maxRetryDelayMs: 5 };

function client(extra: Record<string, unknown> = {}) {
  const connection = resolveConnectionProperties({ name: 'Unit', consumerToken: 'CANARY-unit-consumer', employeeToken: 'CANARY-unit-employee', ...extra });
  let created = 0;
  const sessionPool = new SessionPool({
    // The date the pool asks for (today + 2 in Oslo), as Tripletex would echo it: alive whatever the date.
    create: async (_credentials, expirationDate) => ({ token: new Secret(`${SESSION}-${++created}`), expirationDate }),
  });
  const stats = newRequestStats();
  return { api: new TripletexClient(connection, { sessionPool, stats, policy: FAST }), stats, created: () => created };
}

const basic = (companyId: number, token: string) => 'Basic ' + Buffer.from(`${companyId}:${token}`).toString('base64');

describe('TripletexClient on the wire (nock)', () => {
  guardNetworkWithNock();
  beforeEach(() => {
    delete process.env.TRIPLETEX_PRODUCTION_URL;
    resetRateLimiters();
  });

  it('sends Basic companyId:session, encodes > as %3E and keeps the query', async () => {
    nock(BASE, { reqheaders: { authorization: basic(0, `${SESSION}-1`) } })
      .get('/v2/company/%3EwithLoginAccess')
      .query({ from: '0', count: '10', fields: 'id,name' })
      .reply(200, { values: [] });
    const { api } = client();
    const response = await api.request({ method: 'GET', path: '/company/>withLoginAccess', query: { from: 0, count: 10, fields: 'id,name' } });
    expect(response.status).toBe(200);
  });

  it('uses the request company, else the default company, for the Basic user name', async () => {
    nock(BASE, { reqheaders: { authorization: basic(77, `${SESSION}-1`) } }).get('/v2/customer').reply(200, { values: [] });
    nock(BASE, { reqheaders: { authorization: basic(55, `${SESSION}-1`) } }).get('/v2/customer').reply(200, { values: [] });
    const { api } = client({ defaultCompanyId: 55 });
    await api.request({ method: 'GET', path: '/customer', companyId: 77 });
    await api.request({ method: 'GET', path: '/customer' });
  });

  it('retries a GET after 5xx and a reset connection, bounded', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    nock(BASE).get('/v2/customer').reply(502, { status: 502 }).get('/v2/customer').replyWithError(reset).get('/v2/customer').reply(200, { values: [{ id: 1 }] });
    const { api, stats } = client();
    const response = await api.request({ method: 'GET', path: '/customer' });
    expect(response.body).toEqual({ values: [{ id: 1 }] });
    // Requests are counted once handed to the network; nock fails the reset one before that
    // (as a connection dropped before the request was written), so it never reached a server.
    expect(stats).toMatchObject({ requests: 2, retries: 2 });

    nock(BASE).get('/v2/customer').times(4).reply(503, { status: 503, code: 1000, message: 'Busy', requestId: 'r-503' });
    const error = await api.request({ method: 'GET', path: '/customer' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TripletexApiError);
    expect(error).toMatchObject({ status: 503, code: 1000, requestId: 'r-503', mayHaveBeenApplied: false });
  });

  it('never resends a POST or a PUT action after a 5xx or a reset, and says it may have been applied', async () => {
    nock(BASE).post('/v2/customer').reply(500, { status: 500, code: 1000, requestId: 'r-post' });
    const { api } = client();
    const post = await api.request({ method: 'POST', path: '/customer', body: { name: 'A' } }).catch((e: unknown) => e);
    expect(post).toMatchObject({ status: 500, mayHaveBeenApplied: true });

    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    nock(BASE).put('/v2/order/5/:invoice').replyWithError(reset);
    const action = await api.request({ method: 'PUT', path: '/order/5/:invoice' }).catch((e: unknown) => e);
    expect(action).toBeInstanceOf(TripletexNetworkError);
    expect(action).toMatchObject({ mayHaveBeenApplied: true });
    expect((action as Error).message).toMatch(/not sent again/);
  });

  it('resends a POST that was refused before it was sent (connection refused)', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    nock(BASE).post('/v2/customer').replyWithError(refused).post('/v2/customer').reply(201, { value: { id: 9 } });
    const { api } = client();
    const response = await api.request({ method: 'POST', path: '/customer', body: { name: 'A' } });
    expect(response.status).toBe(201);
  });

  it('waits out a 429 for any method, using Retry-After when there is no Reset header', async () => {
    nock(BASE).post('/v2/customer').reply(429, {}, { 'retry-after': '0' }).post('/v2/customer').reply(201, { value: { id: 3 } });
    const { api, stats } = client();
    const response = await api.request({ method: 'POST', path: '/customer', body: { name: 'A' } });
    expect(response.status).toBe(201);
    expect(stats.rateLimited).toBe(1);
  });

  it('replaces the session once after a 401 and resends; a second 401 is reported', async () => {
    nock(BASE).get('/v2/customer').reply(401, { status: 401, code: 3000 }).get('/v2/customer').reply(200, { values: [] });
    const c = client();
    await c.api.request({ method: 'GET', path: '/customer' });
    expect(c.created()).toBe(2);

    nock(BASE).get('/v2/customer').times(2).reply(401, { status: 401, code: 3000, requestId: 'r-401' });
    const error = await c.api.request({ method: 'GET', path: '/customer' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, requestId: 'r-401' });
    expect((error as Error).message).toMatch(/still refused/);
    expect(c.created()).toBe(3);
  });

  it('turns a body that is not JSON into a clear network error, never a crash', async () => {
    nock(BASE).get('/v2/customer').times(4).reply(200, '<html>oops', { 'content-type': 'application/json' });
    const { api } = client();
    const error = await api.request({ method: 'GET', path: '/customer' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TripletexNetworkError);
    expect(error).toMatchObject({ failure: 'malformed-response' });
  });

  it('judges which requests are safe to send twice', () => {
    expect(isReplaySafe('GET', '/customer')).toBe(true);
    expect(isReplaySafe('POST', '/customer')).toBe(false);
    expect(isReplaySafe('PUT', '/customer/5')).toBe(true);
    expect(isReplaySafe('DELETE', '/customer/5')).toBe(true);
    expect(isReplaySafe('PUT', '/invoice/5/:payment')).toBe(false);
    expect(isReplaySafe('PUT', '/invoice/5/%3Apayment')).toBe(false);
  });
});
