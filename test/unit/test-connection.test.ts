import nock from 'nock';
import { guardNetworkWithNock } from '../support/nock-guard.js';
import { inspect } from 'node:util';
import { testConnection } from '../../connection/test-connection.js';
import { setSharedSessionPool } from '../../connection/tripletex-client.js';
import { resetRateLimiters } from '../../client/rate-limiter.js';

const PROD = 'https://tripletex.no';
const TEST = 'https://api-test.tripletex.tech';
const CONSUMER = 'CANARY-consumer-4d1f8e2a';
const EMPLOYEE = 'CANARY-employee-9b7c3d10';
const SESSION = 'CANARY-session-77aa55cc';

const props = (extra: Record<string, unknown> = {}) => ({ name: 'Acme', consumerToken: CONSUMER, employeeToken: EMPLOYEE, ...extra });
const logs: string[] = [];
const ctx = () => ({
  signal: new AbortController().signal,
  log: {
    debug: (m: string, d?: unknown) => logs.push(m + inspect(d)),
    info: (m: string, d?: unknown) => logs.push(m + inspect(d)),
    warn: (m: string, d?: unknown) => logs.push(m + inspect(d)),
    error: (m: string, d?: unknown) => logs.push(m + inspect(d)),
  },
});

function tokenInvalid(field: 'consumerToken' | 'employeeToken', requestId = 'req-422') {
  return {
    status: 422,
    code: 18000,
    message: 'Validering feilet.',
    developerMessage: 'VALIDATION_ERROR',
    validationMessages: [{ field: `arg:${field}`, message: `Token ${field} is invalid or does not exist.` }],
    requestId,
  };
}

function whoAmI(companyId = 1, company = { id: 1, name: 'Demo AS', organizationNumber: '910000001' }) {
  return { value: { employeeId: 11, actualEmployeeId: 11, companyId, employee: { id: 11, firstName: 'Ola', lastName: 'Nordmann', email: 'ola@example.no' }, company } };
}

// Tripletex echoes the expirationDate it was asked for. Echoing it here keeps the session alive
// whatever today's date is; a fixed date goes stale, and the pool then takes the session for dead.
function createdSession(_uri: string, body: nock.Body) {
  const { expirationDate } = body as { expirationDate: string };
  return { value: { id: 1, version: 0, token: SESSION, expirationDate } };
}

function assertNoCanary(value: unknown): void {
  const text = JSON.stringify(value) + inspect(value, { depth: 10 }) + logs.join('\n');
  for (const canary of [CONSUMER, EMPLOYEE, SESSION]) expect(text).not.toContain(canary);
}

describe('Test connection (nock)', () => {
  guardNetworkWithNock();
  beforeEach(() => {
    delete process.env.TRIPLETEX_PRODUCTION_URL;
    delete process.env.TRIPLETEX_TEST_URL;
    setSharedSessionPool(undefined);
    resetRateLimiters();
    logs.length = 0;
  });

  it('passes, naming company, employee and environment, with tokens only in the session body', async () => {
    let body: Record<string, unknown> = {};
    nock(PROD)
      .post('/v2/token/session/:create', (b) => ((body = b), true))
      .reply(201, createdSession)
      .get('/v2/token/session/%3EwhoAmI')
      .query({ fields: '*,company(*),employee(*)' })
      .basicAuth({ user: '0', pass: SESSION })
      .reply(200, whoAmI())
      .get('/v2/company/%3EwithLoginAccess')
      .query(true)
      .reply(200, { fullResultSize: 0, from: 0, count: 0, values: [] });
    const result = await testConnection(props(), ctx());
    expect(result).toMatchObject({ ok: true, reason: 'connected', environment: 'production', company: { id: 1, name: 'Demo AS' }, employee: { name: 'Ola Nordmann' } });
    expect(result.message).toMatch(/Tripletex production.*Demo AS \(company id 1\).*Ola Nordmann/);
    expect(result.label).toBe('Demo AS – Ola Nordmann (production)');
    expect(body).toMatchObject({ consumerToken: CONSUMER, employeeToken: EMPLOYEE, expirationDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    assertNoCanary(result);
  });

  it('names each bad property before sending anything', async () => {
    const result = await testConnection({ name: ' ', consumerToken: 'tok en', defaultCompanyId: -1 }, ctx());
    expect(result.ok).toBe(false);
    expect(result.reason).toBe('invalid-properties');
    expect(result.message).toMatch(/"Employee token" is required/);
    expect(result.message).toMatch(/"Consumer token" must not contain spaces or line breaks/);
    expect(result.message).toMatch(/"Default Company Id" must be >= 0/);
    expect(result.message).toMatch(/"Name" must not be blank/);
    expect(result.message).not.toContain('tok en');
  });

  it('accepts an empty Default Company Id from a form as company 0', async () => {
    nock(PROD).post('/v2/token/session/:create').reply(201, createdSession).get('/v2/token/session/%3EwhoAmI').query(true).basicAuth({ user: '0', pass: SESSION }).reply(200, whoAmI()).get('/v2/company/%3EwithLoginAccess').query(true).reply(200, { values: [] });
    await expect(testConnection(props({ defaultCompanyId: '' }), ctx())).resolves.toMatchObject({ ok: true });
  });

  it('says the tokens belong to the test environment and which switch to flip', async () => {
    nock(PROD).post('/v2/token/session/:create').reply(422, tokenInvalid('consumerToken', 'req-prod-1'));
    nock(TEST).post('/v2/token/session/:create').reply(201, createdSession);
    const result = await testConnection(props(), ctx());
    expect(result).toMatchObject({ ok: false, reason: 'wrong-environment' });
    expect(result.message).toMatch(/belong to the Tripletex test environment/);
    expect(result.message).toMatch(/To use them there, turn on "Use Tripletex test environment"\./);
    // The advice is also handed over as a template, for a host that names the switch its own way.
    expect(result.hints).toEqual([{ template: '{on:useTestEnvironment}', text: 'turn on "Use Tripletex test environment"' }]);
    expect(result.message).toContain('req-prod-1');
    assertNoCanary(result);
  });

  it('says the tokens belong to production when the test switch is on', async () => {
    nock(TEST).post('/v2/token/session/:create').reply(422, tokenInvalid('consumerToken'));
    nock(PROD).post('/v2/token/session/:create').reply(201, createdSession);
    const result = await testConnection(props({ useTestEnvironment: true }), ctx());
    expect(result.reason).toBe('wrong-environment');
    expect(result.message).toMatch(/turn off "Use Tripletex test environment"/);
  });

  it.each([
    ['production', 'TRIPLETEX_PRODUCTION_URL', false],
    ['the test environment', 'TRIPLETEX_TEST_URL', true],
  ])('never sends the tokens to the other environment at Tripletex when only %s is pointed elsewhere (%s)', async (_where, variable, useTestEnvironment) => {
    // Only one environment moved to a local server: the other is Tripletex's real host, and
    // tokens meant for the local one must not go there. Nock refuses any connection it has no
    // answer for, and every attempt is recorded, answered or not.
    const LOCAL = 'http://127.0.0.1:47321';
    process.env[variable] = `${LOCAL}/v2`;
    const attempts: string[] = [];
    const onRequest = (req: { options: { host?: string; hostname?: string } }) => attempts.push(String(req.options.hostname ?? req.options.host));
    nock.emitter.on('no match', onRequest);
    try {
      nock(LOCAL).post('/v2/token/session/:create').reply(422, tokenInvalid('consumerToken', 'req-local'));
      const result = await testConnection(props({ useTestEnvironment }), ctx());
      expect(result).toMatchObject({ ok: false, reason: 'consumer-token-invalid', unchecked: ['other-environment'] });
      const other = useTestEnvironment ? 'Tripletex production' : 'the Tripletex test environment';
      const unset = useTestEnvironment ? 'TRIPLETEX_PRODUCTION_URL' : 'TRIPLETEX_TEST_URL';
      expect(result.message).toContain(`Whether the tokens belong to ${other} instead was not checked: ${variable} points`);
      expect(result.message).toContain(`at another server while ${unset} is not set, so the tokens were not sent to ${other}.`);
      expect(attempts).toEqual([]);
    } finally {
      nock.emitter.removeListener('no match', onRequest);
      delete process.env[variable];
    }
  });

  it('asks the other environment when both are pointed elsewhere together (a simulator)', async () => {
    process.env.TRIPLETEX_PRODUCTION_URL = 'http://127.0.0.1:47322/v2';
    process.env.TRIPLETEX_TEST_URL = 'http://127.0.0.1:47323/v2';
    nock('http://127.0.0.1:47322').post('/v2/token/session/:create').reply(422, tokenInvalid('consumerToken'));
    nock('http://127.0.0.1:47323').post('/v2/token/session/:create').reply(201, createdSession);
    const result = await testConnection(props(), ctx());
    expect(result.reason).toBe('wrong-environment');
  });

  it('says the consumer token is invalid, with Tripletex’s words and request id', async () => {
    nock(PROD).post('/v2/token/session/:create').reply(422, tokenInvalid('consumerToken', 'req-abc'));
    nock(TEST).post('/v2/token/session/:create').reply(422, tokenInvalid('consumerToken'));
    const result = await testConnection(props(), ctx());
    expect(result.reason).toBe('consumer-token-invalid');
    expect(result.message).toMatch(/consumer token is invalid/i);
    expect(result.message).toContain('Validering feilet.');
    expect(result.message).toContain('req-abc');
    assertNoCanary(result);
  });

  it('says the employee token is invalid', async () => {
    nock(PROD).post('/v2/token/session/:create').reply(422, tokenInvalid('employeeToken'));
    nock(TEST).post('/v2/token/session/:create').reply(422, tokenInvalid('consumerToken'));
    const result = await testConnection(props(), ctx());
    expect(result.reason).toBe('employee-token-invalid');
    expect(result.message).toMatch(/employee token is invalid/i);
  });

  it('says the user has no API access when the tokens work but whoAmI is forbidden', async () => {
    nock(PROD)
      .post('/v2/token/session/:create')
      .reply(201, createdSession)
      .get('/v2/token/session/%3EwhoAmI')
      .query(true)
      .reply(403, { status: 403, code: 9000, message: 'Brukeren har ikke tilgang til API.', requestId: 'req-403' });
    const result = await testConnection(props(), ctx());
    expect(result).toMatchObject({ ok: false, reason: 'no-api-access' });
    expect(result.message).toMatch(/no API access/);
    expect(result.message).toContain('req-403');
  });

  const clients = { fullResultSize: 2, from: 0, count: 2, values: [{ id: 2001, name: 'Fjord Regnskap AS', organizationNumber: '920000001' }, { id: 2002, name: 'Vidde Bygg AS' }] };

  it('recognises an accountant token and lists the client ids to use', async () => {
    nock(PROD).post('/v2/token/session/:create').reply(201, createdSession).get('/v2/token/session/%3EwhoAmI').query(true).reply(200, whoAmI(500, { id: 500, name: 'Revisor AS', organizationNumber: '930000001' })).get('/v2/company/%3EwithLoginAccess').query(true).reply(200, clients);
    const result = await testConnection(props(), ctx());
    expect(result).toMatchObject({ ok: false, reason: 'accountant-token' });
    expect(result.message).toMatch(/accountant/);
    expect(result.message).toContain('Fjord Regnskap AS (id 2001)');
    expect(result.message).toContain('Vidde Bygg AS (id 2002)');
    expect(result.clients).toEqual([expect.objectContaining({ id: 2001 }), expect.objectContaining({ id: 2002 })]);
  });

  it('passes an accountant token set to one of its clients, checking that company', async () => {
    nock(PROD)
      .post('/v2/token/session/:create')
      .reply(201, createdSession)
      .get('/v2/token/session/%3EwhoAmI')
      .query(true)
      .basicAuth({ user: '0', pass: SESSION })
      .reply(200, whoAmI(500, { id: 500, name: 'Revisor AS', organizationNumber: '1' }))
      .get('/v2/company/%3EwithLoginAccess')
      .query(true)
      .reply(200, clients)
      .get('/v2/token/session/%3EwhoAmI')
      .query(true)
      .basicAuth({ user: '2002', pass: SESSION })
      .reply(200, whoAmI(2002, { id: 2002, name: 'Vidde Bygg AS', organizationNumber: '2' }));
    const result = await testConnection(props({ defaultCompanyId: 2002 }), ctx());
    expect(result).toMatchObject({ ok: true, company: { id: 2002, name: 'Vidde Bygg AS' } });
    expect(result.message).toMatch(/client Vidde Bygg AS \(company id 2002\)/);
  });

  it('refuses a Default Company Id the token cannot reach', async () => {
    nock(PROD).post('/v2/token/session/:create').reply(201, createdSession).get('/v2/token/session/%3EwhoAmI').query(true).basicAuth({ user: '0', pass: SESSION }).reply(200, whoAmI()).get('/v2/company/%3EwithLoginAccess').query(true).reply(200, { values: [] });
    // Asked directly as company 77, Tripletex answers 401; the client renews the session once and is refused again.
    const refused = { status: 401, code: 3000, message: 'No access to company 77', requestId: 'req-401-77' };
    nock(PROD).post('/v2/token/session/:create').reply(201, createdSession).get('/v2/token/session/%3EwhoAmI').query(true).basicAuth({ user: '77', pass: SESSION }).times(2).reply(401, refused);
    const result = await testConnection(props({ defaultCompanyId: 77 }), ctx());
    expect(result).toMatchObject({ ok: false, reason: 'company-not-reachable' });
    expect(result.message).toMatch(/"Default Company Id" is 77/);
  });

  it('says Tripletex cannot be reached, without throwing', async () => {
    // nock 14 needs a real Error here; a plain object leaves got waiting forever (nock#2789).
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    nock(PROD).post('/v2/token/session/:create').times(3).replyWithError(refused);
    const result = await testConnection(props(), ctx());
    expect(result).toMatchObject({ ok: false, reason: 'unreachable' });
    expect(result.message).toMatch(/Could not reach Tripletex production at https:\/\/tripletex.no\/v2/);
  });

  it('says so when Tripletex does not answer in time', async () => {
    nock(PROD).post('/v2/token/session/:create').times(3).delay(300).reply(201, createdSession);
    const result = await testConnection(props(), ctx(), { timeoutMs: 50 });
    expect(result).toMatchObject({ ok: false, reason: 'unreachable' });
    expect(result.message).toMatch(/timed out/);
    nock.abortPendingRequests();
  });

  it('never throws, whatever it is given', async () => {
    for (const bad of [null, undefined, 42, 'x', [], { name: 'a' }]) {
      const result = await testConnection(bad, ctx());
      expect(result.ok).toBe(false);
      expect(typeof result.message).toBe('string');
    }
  });
});
