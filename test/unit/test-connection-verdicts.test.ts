import nock from 'nock';
import { guardNetworkWithNock } from '../support/nock-guard.js';
import { testConnection } from '../../connection/test-connection.js';
import { setSharedSessionPool } from '../../connection/tripletex-client.js';
import { resetRateLimiters } from '../../client/rate-limiter.js';

// Test connection never says more than Tripletex told it: a look-up that failed is reported as
// a failure to look, never read as "no clients", "not an accountant" or "unknown everywhere".

const PROD = 'https://tripletex.no';
const TEST = 'https://api-test.tripletex.tech';
const SESSION = 'CANARY-verdict-session-5d';
const ctx = () => ({ signal: new AbortController().signal, log: { debug() {}, info() {}, warn() {}, error() {} } });
const props = (extra: Record<string, unknown> = {}) => ({ name: 'Verdicts', consumerToken: 'CANARY-verdict-consumer-1', employeeToken: 'CANARY-verdict-employee-2', ...extra });
const own = { id: 500, name: 'Revisor AS' };
const whoAmI = (company = own) => ({ value: { employeeId: 11, companyId: company.id, employee: { id: 11, firstName: 'Kari', lastName: 'Revisor' }, company } });
const created = (_uri: string, body: Record<string, unknown>) => ({ value: { token: SESSION, expirationDate: body.expirationDate } });
// Tripletex's inexact total: one more than the page reaches while more rows exist, exact on the last page.
const clientsPage = (from: number, n: number) => ({ fullResultSize: n < 1000 ? from + n : from + n + 1, from, count: n, values: Array.from({ length: n }, (_, i) => ({ id: 3_000_000 + from + i, name: `Klient ${from + i}` })) });

describe('Test connection verdicts when a look-up fails', () => {
  guardNetworkWithNock();
  beforeEach(() => {
    delete process.env.TRIPLETEX_PRODUCTION_URL;
    delete process.env.TRIPLETEX_TEST_URL;
    setSharedSessionPool(undefined);
    resetRateLimiters();
  });

  it('passes, saying what was not checked, when the client list answers 500 under company 0', async () => {
    nock(PROD).post('/v2/token/session/:create').reply(201, created).get('/v2/token/session/%3EwhoAmI').query(true).reply(200, whoAmI()).get('/v2/company/%3EwithLoginAccess').query(true).times(2).reply(500, { status: 500, code: 1000, message: null });
    const result = await testConnection(props(), ctx());
    expect(result).toMatchObject({ ok: true, reason: 'connected', unchecked: ['client-companies'] });
    expect(result.message).toMatch(/Whether this is an accountant's token .* was not checked: the list of client companies could not be read \(Tripletex answered 500/);
  });

  it('checks a client id directly when the client list cannot be read, and never calls the token "not an accountant\'s"', async () => {
    nock(PROD)
      .post('/v2/token/session/:create')
      .times(2)
      .reply(201, created)
      .get('/v2/token/session/%3EwhoAmI')
      .query(true)
      .reply(200, whoAmI())
      .get('/v2/company/%3EwithLoginAccess')
      .query(true)
      .times(2)
      .replyWithError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))
      .get('/v2/token/session/%3EwhoAmI')
      .query(true)
      .times(2)
      .reply(401, { status: 401, code: 3000, message: 'Unauthorized' });
    const result = await testConnection(props({ defaultCompanyId: 777 }), ctx());
    expect(result).toMatchObject({ ok: false, reason: 'company-not-reachable' });
    expect(result.message).toMatch(/cannot reach "Default Company Id" 777: Tripletex answered 401 to a request for company 777/);
    expect(result.message).toMatch(/could not be read to suggest another/);
    expect(result.message).not.toMatch(/not an accountant's token|Leave "Default Company Id" empty/);
  });

  it('pages a client list longer than one page and finds a client on the second page', async () => {
    const wanted = 3_000_000 + 1003;
    nock(PROD)
      .post('/v2/token/session/:create')
      .reply(201, created)
      .get('/v2/token/session/%3EwhoAmI')
      .query((q) => q.fields !== undefined)
      .reply(200, whoAmI())
      .get('/v2/company/%3EwithLoginAccess')
      .query((q) => q.from === '0')
      .reply(200, clientsPage(0, 1000))
      .get('/v2/company/%3EwithLoginAccess')
      .query((q) => q.from === '1000')
      .reply(200, clientsPage(1000, 5))
      .get('/v2/token/session/%3EwhoAmI')
      .query(true)
      .basicAuth({ user: String(wanted), pass: SESSION })
      .reply(200, whoAmI({ id: wanted, name: 'Klient 1003' }));
    const result = await testConnection(props({ defaultCompanyId: wanted }), ctx());
    expect(result).toMatchObject({ ok: true, reason: 'connected', company: { id: wanted, name: 'Klient 1003' } });
    expect(result.clients).toHaveLength(1005);
  });

  it('says the other environment was not checked when its probe fails, instead of "unknown in either environment"', async () => {
    nock(PROD).post('/v2/token/session/:create').reply(422, { status: 422, code: 18000, message: 'Validering feilet.', validationMessages: [{ field: 'arg:consumerToken', message: 'Token consumerToken is invalid or does not exist.' }] });
    nock(TEST).post('/v2/token/session/:create').times(3).reply(503, { status: 503, message: 'Service unavailable' });
    const result = await testConnection(props(), ctx());
    expect(result).toMatchObject({ ok: false, reason: 'consumer-token-invalid', unchecked: ['other-environment'] });
    expect(result.message).toMatch(/Tripletex production does not accept the consumer token\. Whether the tokens belong to the Tripletex test environment instead could not be checked/);
    expect(result.message).not.toMatch(/either environment|neither/i);
  });

  it('reads a 500 from whoAmI as a server error, not as refused tokens', async () => {
    nock(PROD).post('/v2/token/session/:create').reply(201, created).get('/v2/token/session/%3EwhoAmI').query(true).times(2).reply(500, { status: 500, code: 1000 });
    const result = await testConnection(props(), ctx());
    expect(result).toMatchObject({ ok: false, reason: 'server-error' });
    expect(result.message).toMatch(/had an error of its own .*The tokens themselves were not judged/);
  });

  it('reads 429s from whoAmI as rate-limited, with the wait', async () => {
    nock(PROD)
      .post('/v2/token/session/:create')
      .reply(201, created)
      .get('/v2/token/session/%3EwhoAmI')
      .query(true)
      .times(4)
      .reply(429, { status: 429 }, { 'x-rate-limit-limit': '100', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '1' });
    const result = await testConnection(props(), ctx(), { timeoutMs: 5000 });
    expect(result).toMatchObject({ ok: false, reason: 'rate-limited' });
    expect(result.message).toMatch(/rate-limiting these tokens \(too many requests\); try again in about 1 s/);
    expect(result.retryAfterSeconds).toBe(1);
  }, 30_000);
});
