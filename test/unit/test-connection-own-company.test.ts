import nock from 'nock';
import { guardNetworkWithNock } from '../support/nock-guard.js';
import { testConnection } from '../../connection/test-connection.js';
import { setSharedSessionPool } from '../../connection/tripletex-client.js';
import { resetRateLimiters } from '../../client/rate-limiter.js';

// /company/>withLoginAccess may list the token's own company beside (or instead of) clients.
// Only other companies make a token an accountant's.

const PROD = 'https://tripletex.no';
const SESSION = 'CANARY-own-company-session-31';
const ctx = () => ({ signal: new AbortController().signal, log: { debug() {}, info() {}, warn() {}, error() {} } });
const props = (extra: Record<string, unknown> = {}) => ({ name: 'Own', consumerToken: 'CANARY-own-consumer-1', employeeToken: 'CANARY-own-employee-2', ...extra });
const own = { id: 1, name: 'Demo AS', organizationNumber: '910000001' };

function answers(withLoginAccess: unknown[]) {
  nock(PROD)
    .post('/v2/token/session/:create')
    .reply(201, (_uri, body) => ({ value: { token: SESSION, expirationDate: (body as { expirationDate: string }).expirationDate } }))
    .get('/v2/token/session/%3EwhoAmI')
    .query(true)
    .reply(200, { value: { employeeId: 11, companyId: 1, employee: { id: 11, firstName: 'Ola', lastName: 'Nordmann' }, company: own } })
    .get('/v2/company/%3EwithLoginAccess')
    .query(true)
    .reply(200, { fullResultSize: withLoginAccess.length, from: 0, count: withLoginAccess.length, values: withLoginAccess });
}

describe('Test connection and the token\'s own company', () => {
  guardNetworkWithNock();
  beforeEach(() => {
    delete process.env.TRIPLETEX_PRODUCTION_URL;
    setSharedSessionPool(undefined);
    resetRateLimiters();
  });

  it('passes a plain employee token whose login list holds only its own company', async () => {
    answers([own]);
    const result = await testConnection(props(), ctx());
    expect(result).toMatchObject({ ok: true, reason: 'connected', company: { id: 1 } });
    expect(result.clients).toBeUndefined();
  });

  it('lists only the other companies as clients of an accountant token', async () => {
    answers([own, { id: 2001, name: 'Klient AS' }]);
    const result = await testConnection(props(), ctx());
    expect(result).toMatchObject({ ok: false, reason: 'accountant-token' });
    expect(result.clients).toEqual([{ id: 2001, name: 'Klient AS' }]);
    expect(result.message).not.toMatch(/Demo AS/);
  });
});
