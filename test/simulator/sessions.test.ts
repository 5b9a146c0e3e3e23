import { startSimulator, type RunningSimulator } from '../../tooling/simulator/index.js';
import { basic, call, createSession, manualClock, osloInDays, rawGet } from './helpers.js';

describe('simulator: session create', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ size: 30 });
  });
  afterAll(() => sim.close());
  afterEach(() => sim.setSessionCreatePost('enabled'));

  const t = () => sim.tokens.production;

  it('POST with a JSON body answers 201 with the session envelope', async () => {
    const date = osloInDays(3);
    const r = await call(sim, '/token/session/:create', { method: 'POST', body: { consumerToken: t().consumerToken, employeeToken: t().employeeTokens.employee, expirationDate: date } });
    expect(r.status).toBe(201);
    expect(r.headers.get('x-tlx-request-id')).toBeTruthy();
    const v = r.body.value;
    expect(v).toEqual({
      id: expect.any(Number),
      version: expect.any(Number),
      url: expect.stringContaining('/v2/token/session/'),
      consumerToken: { id: expect.any(Number), url: expect.any(String) },
      employeeToken: { id: expect.any(Number), url: expect.any(String) },
      expirationDate: date,
      token: expect.any(String),
    });
    const who = await call(sim, '/token/session/>whoAmI', { token: v.token });
    expect(who.status).toBe(200);
  });

  it('the legacy PUT with query parameters answers 200 with the same body (tokens URL-encoded)', async () => {
    const q = new URLSearchParams({ consumerToken: t().consumerToken, employeeToken: t().employeeTokens.employee, expirationDate: osloInDays(2) });
    const r = await call(sim, `/token/session/:create?${q}`, { method: 'PUT' });
    expect(r.status).toBe(200);
    expect(typeof r.body.value.token).toBe('string');
    expect(r.body.value.expirationDate).toBe(osloInDays(2));
  });

  it('the session and its token look opaque, and test tokens carry the test- prefix', async () => {
    for (const token of [t().consumerToken, ...Object.values(t().employeeTokens)]) {
      expect(token).not.toMatch(/^test-/);
      expect(token.length).toBeGreaterThan(40);
    }
    for (const token of [sim.tokens.test.consumerToken, ...Object.values(sim.tokens.test.employeeTokens)]) expect(token).toMatch(/^test-/);
    const session = await createSession(sim, { environment: 'test' });
    expect(session).toMatch(/^test-/);
  });

  it('refuses a missing or invalid expirationDate with 422', async () => {
    for (const expirationDate of [undefined, '', '2026-02-30', '17.05.2027']) {
      const r = await call(sim, '/token/session/:create', { method: 'POST', body: { consumerToken: t().consumerToken, employeeToken: t().employeeTokens.employee, expirationDate } });
      expect(r.status).toBe(422);
      expect(r.body.validationMessages[0].field).toBe('arg:expirationDate');
      expect(r.body.requestId).toBe(r.headers.get('x-tlx-request-id'));
    }
    const legacy = await call(sim, `/token/session/:create?${new URLSearchParams({ consumerToken: t().consumerToken, employeeToken: t().employeeTokens.employee })}`, { method: 'PUT' });
    expect(legacy.status).toBe(422);
  });

  it('refuses a bad consumer token, including the other environment\'s, with 422/18000 naming arg:consumerToken', async () => {
    const date = osloInDays(2);
    for (const [consumerToken, employeeToken] of [
      ['not-a-token', t().employeeTokens.employee],
      [sim.tokens.test.consumerToken, sim.tokens.test.employeeTokens.employee],
    ]) {
      const r = await call(sim, '/token/session/:create', { method: 'POST', body: { consumerToken, employeeToken, expirationDate: date } });
      expect(r.status).toBe(422);
      expect(r.body).toMatchObject({ status: 422, code: 18000, message: 'Validering feilet.' });
      expect(r.body.validationMessages).toEqual([{ field: 'arg:consumerToken', message: expect.stringMatching(/invalid or does not exist/), path: 'arg:consumerToken', rootId: null }]);
      expect(r.text).not.toContain(String(consumerToken));
    }
    // And the other way round: production tokens on the test instance.
    const r = await call(sim, '/token/session/:create', { environment: 'test', method: 'POST', body: { consumerToken: t().consumerToken, employeeToken: t().employeeTokens.employee, expirationDate: date } });
    expect(r.status).toBe(422);
    expect(r.body.validationMessages[0].field).toBe('arg:consumerToken');
  });

  it('refuses a bad employee token, or one made for another consumer, with 422/18000 naming arg:employeeToken', async () => {
    const date = osloInDays(2);
    sim.registerConsumer('production', 'other-consumer-token-0123456789');
    sim.registerEmployee('production', { token: 'other-employee-token-0123456789', consumerToken: 'other-consumer-token-0123456789', kind: 'employee' });
    for (const employeeToken of ['nope', 'other-employee-token-0123456789', sim.tokens.test.employeeTokens.employee]) {
      const r = await call(sim, '/token/session/:create', { method: 'POST', body: { consumerToken: t().consumerToken, employeeToken, expirationDate: date } });
      expect(r.status).toBe(422);
      expect(r.body.code).toBe(18000);
      expect(r.body.validationMessages[0].field).toBe('arg:employeeToken');
    }
    // The registered pair itself works: canary tokens for leak tests.
    const ok = await call(sim, '/token/session/:create', { method: 'POST', body: { consumerToken: 'other-consumer-token-0123456789', employeeToken: 'other-employee-token-0123456789', expirationDate: date } });
    expect(ok.status).toBe(201);
  });

  it('malformed JSON on the POST form answers 422/22000', async () => {
    const r = await call(sim, '/token/session/:create', { method: 'POST', body: '{"consumerToken": ' });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe(22000);
  });

  it('can pretend the POST form does not exist (404) or is not allowed (405), leaving PUT working', async () => {
    const body = { consumerToken: t().consumerToken, employeeToken: t().employeeTokens.employee, expirationDate: osloInDays(2) };
    sim.setSessionCreatePost('not-found');
    const missing = await call(sim, '/token/session/:create', { method: 'POST', body });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe(6000);
    sim.setSessionCreatePost('method-not-allowed');
    const refused = await call(sim, '/token/session/:create', { method: 'POST', body });
    expect(refused.status).toBe(405);
    const legacy = await call(sim, `/token/session/:create?${new URLSearchParams(body)}`, { method: 'PUT' });
    expect(legacy.status).toBe(200);
  });

  it('never records token values in the request log', async () => {
    await call(sim, `/token/session/:create?${new URLSearchParams({ consumerToken: t().consumerToken, employeeToken: t().employeeTokens.employee, expirationDate: osloInDays(2) })}`, { method: 'PUT' });
    const token = await createSession(sim);
    await call(sim, `/token/session/${encodeURIComponent(token)}`, { method: 'DELETE', token });
    const log = JSON.stringify(sim.requests);
    for (const secret of [t().consumerToken, t().employeeTokens.employee, token, encodeURIComponent(t().consumerToken), basic(0, token)]) expect(log).not.toContain(secret);
    expect(log).toContain('[redacted]');
  });
});

describe('simulator: session expiry at 00:00 Europe/Oslo', () => {
  const clock = manualClock('2026-06-10T10:00:00Z');
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ size: 20, now: clock.now });
  });
  afterAll(() => sim.close());

  async function alive(token: string): Promise<number> {
    return (await call(sim, '/token/session/>whoAmI', { token })).status;
  }

  it('a summer date dies at 22:00 UTC the evening before (CEST, UTC+2)', async () => {
    clock.set('2026-06-10T10:00:00Z');
    const token = await createSession(sim, { expirationDate: '2026-06-12', now: clock.now() });
    clock.set('2026-06-11T21:59:59.999Z');
    expect(await alive(token)).toBe(200);
    clock.set('2026-06-11T22:00:00.000Z');
    expect(await alive(token)).toBe(401);
  });

  it('a winter date dies at 23:00 UTC the evening before (CET, UTC+1)', async () => {
    clock.set('2026-01-10T10:00:00Z');
    const token = await createSession(sim, { expirationDate: '2026-01-15', now: clock.now() });
    clock.set('2026-01-14T22:59:59.999Z');
    expect(await alive(token)).toBe(200);
    clock.set('2026-01-14T23:00:00Z');
    expect(await alive(token)).toBe(401);
  });

  it('on the DST change days the boundary follows the offset in force at Oslo midnight', async () => {
    // 2026-03-29: clocks go forward at 02:00, so midnight is still CET.
    clock.set('2026-03-27T12:00:00Z');
    const spring = await createSession(sim, { expirationDate: '2026-03-29', now: clock.now() });
    clock.set('2026-03-28T22:59:59Z');
    expect(await alive(spring)).toBe(200);
    clock.set('2026-03-28T23:00:00Z');
    expect(await alive(spring)).toBe(401);
    // 2026-10-25: clocks go back at 03:00, so midnight is still CEST.
    clock.set('2026-10-23T12:00:00Z');
    const autumn = await createSession(sim, { expirationDate: '2026-10-25', now: clock.now() });
    clock.set('2026-10-24T21:59:59Z');
    expect(await alive(autumn)).toBe(200);
    clock.set('2026-10-24T22:00:00Z');
    expect(await alive(autumn)).toBe(401);
  });

  it('a date of today is accepted, but the first real call answers 401', async () => {
    clock.set('2026-06-10T10:00:00Z');
    const token = await createSession(sim, { expirationDate: '2026-06-10', now: clock.now() });
    const r = await call(sim, '/token/session/>whoAmI', { token });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe(3000);
  });

  it('"UTC today + 1" is dead in the last hours of the UTC day, when Oslo is already on that date', async () => {
    clock.set('2026-06-10T22:30:00Z'); // Oslo: 2026-06-11 00:30
    const token = await createSession(sim, { expirationDate: '2026-06-11', now: clock.now() });
    expect(await alive(token)).toBe(401);
  });

  it('a date before Oslo today is refused with 422', async () => {
    clock.set('2026-06-10T22:30:00Z');
    const r = await call(sim, '/token/session/:create', {
      method: 'POST',
      body: { consumerToken: sim.tokens.production.consumerToken, employeeToken: sim.tokens.production.employeeTokens.employee, expirationDate: '2026-06-10' },
    });
    expect(r.status).toBe(422);
    expect(r.body.validationMessages[0].field).toBe('arg:expirationDate');
  });
});

describe('simulator: authentication and who is calling', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ size: 40 });
  });
  afterAll(() => sim.close());
  afterEach(() => sim.setRevokeSessionAfterCalls(undefined));

  it('answers 401/3000 without Authorization, with a broken header, an unknown token, or another environment\'s session', async () => {
    const testSession = await createSession(sim, { environment: 'test' });
    const cases: Record<string, string>[] = [
      {},
      { authorization: 'Bearer abc' },
      { authorization: 'Basic ' + Buffer.from('no-colon').toString('base64') },
      { authorization: 'Basic ' + Buffer.from('abc:token').toString('base64') },
      { authorization: basic(0, 'unknown-session') },
      { authorization: basic(0, testSession) },
    ];
    for (const headers of cases) {
      const r = await call(sim, '/customer', { headers });
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ status: 401, code: 3000 });
      expect(r.body.requestId).toBe(r.headers.get('x-tlx-request-id'));
    }
  });

  it('blank company id means the employee\'s own company, like 0', async () => {
    const token = await createSession(sim);
    const blank = await call(sim, '/token/session/>whoAmI', { token, companyId: '' });
    expect(blank.status).toBe(200);
    expect(blank.body.value.companyId).toBe(sim.companies.production.demoCompanyId);
  });

  it('>whoAmI answers with > or %3E, and expands company and employee on request', async () => {
    const token = await createSession(sim);
    const raw = await rawGet(sim.production.url, '/v2/token/session/>whoAmI', { authorization: basic(0, token) });
    const encoded = await rawGet(sim.production.url, '/v2/token/session/%3EwhoAmI', { authorization: basic(0, token) });
    expect(raw.status).toBe(200);
    expect(encoded.status).toBe(200);
    expect(encoded.body.value).toEqual(raw.body.value);
    const v = raw.body.value;
    expect(v).toEqual({
      employeeId: expect.any(Number),
      // Recorded: the login's own employee differs from the one it acts as, without a proxy.
      actualEmployeeId: expect.any(Number),
      employee: { id: v.employeeId, url: expect.stringContaining('/employee/') },
      companyId: sim.companies.production.demoCompanyId,
      company: { id: sim.companies.production.demoCompanyId, url: expect.stringContaining('/company/') },
      language: 'no',
      loggedInWithConnect: false,
      employeeIsProxy: false,
    });
    const full = await call(sim, `/token/session/%3EwhoAmI?fields=${encodeURIComponent('*,company(*),employee(*)')}`, { token });
    expect(full.body.value.company).toMatchObject({ id: v.companyId, name: expect.any(String), organizationNumber: expect.stringMatching(/^\d{9}$/) });
    expect(full.body.value.employee).toMatchObject({ id: v.employeeId, firstName: expect.any(String), lastName: expect.any(String), email: expect.stringContaining('@') });
    const narrow = await call(sim, '/token/session/>whoAmI?fields=companyId,company(name)', { token });
    expect(narrow.body.value).toEqual({ companyId: v.companyId, company: { name: full.body.value.company.name } });
  });

  it('an accountant with company 0 reaches only >whoAmI and >withLoginAccess', async () => {
    const token = await createSession(sim, { kind: 'accountant' });
    const who = await call(sim, '/token/session/>whoAmI', { token });
    expect(who.status).toBe(200);
    expect(who.body.value.companyId).toBe(sim.companies.production.accountantCompanyId);
    const clients = await call(sim, '/company/%3EwithLoginAccess', { token });
    expect(clients.status).toBe(200);
    expect(clients.body.values.map((c: { id: number }) => c.id).sort()).toEqual([...sim.companies.production.clientCompanyIds].sort());
    for (const client of clients.body.values) {
      expect(client).toMatchObject({ name: expect.any(String), organizationNumber: expect.stringMatching(/^\d{9}$/), customerCompanyId: client.id });
    }
    for (const path of ['/customer', '/ledger/account', `/company/${sim.companies.production.accountantCompanyId}`]) {
      const r = await call(sim, path, { token });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe(9000);
    }
    // Its own office's id named explicitly is the same as 0.
    expect((await call(sim, '/customer', { token, companyId: sim.companies.production.accountantCompanyId })).status).toBe(403);
  });

  it('an accountant works in its client companies, each with its own data, and is refused elsewhere', async () => {
    const token = await createSession(sim, { kind: 'accountant' });
    const [first, second] = sim.companies.production.clientCompanyIds;
    const a = await call(sim, '/customer?count=5&fields=id,name', { token, companyId: first! });
    const b = await call(sim, '/customer?count=5&fields=id,name', { token, companyId: second! });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.body.values).not.toEqual(b.body.values);
    const who = await call(sim, '/token/session/>whoAmI', { token, companyId: first! });
    expect(who.body.value).toMatchObject({ companyId: first, employeeIsProxy: true });
    expect(who.body.value.actualEmployeeId).not.toBe(who.body.value.employeeId);
    // The session token stays the same across companies; only the user name changes.
    const elsewhere = await call(sim, '/customer', { token, companyId: sim.companies.production.demoCompanyId });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body.code).toBe(3000);
  });

  it('a normal employee sees an empty >withLoginAccess and cannot switch company', async () => {
    const token = await createSession(sim);
    const clients = await call(sim, '/company/>withLoginAccess', { token });
    expect(clients.status).toBe(200);
    expect(clients.body.values).toEqual([]);
    expect((await call(sim, '/customer', { token, companyId: sim.companies.production.clientCompanyIds[0]! })).status).toBe(401);
    const own = await call(sim, `/company/${sim.companies.production.demoCompanyId}`, { token });
    expect(own.status).toBe(200);
    expect(own.body.value.id).toBe(sim.companies.production.demoCompanyId);
  });

  it('a restricted employee gets 403/9000 on /ledger/*, /invoice and writes, but reads the rest', async () => {
    const token = await createSession(sim, { kind: 'restricted' });
    expect((await call(sim, '/customer?count=1', { token })).status).toBe(200);
    expect((await call(sim, '/token/session/>whoAmI', { token })).status).toBe(200);
    const dates = `${sim.dataPeriod.from}`;
    for (const path of ['/ledger/account', '/ledger/voucher/>nonPosted', `/ledger/voucher?dateFrom=${dates}&dateTo=${sim.dataPeriod.to}`, `/invoice?invoiceDateFrom=${dates}&invoiceDateTo=${sim.dataPeriod.to}`]) {
      const r = await call(sim, path, { token });
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ status: 403, code: 9000 });
    }
    const write = await call(sim, '/customer', { token, method: 'POST', body: { name: 'Skal ikke lages AS' } });
    expect(write.status).toBe(403);
    expect(sim.stats().customersCreated).toBe(0);
    // Ending its own session is not an entitlement matter.
    expect((await call(sim, `/token/session/${encodeURIComponent(token)}`, { token, method: 'DELETE' })).status).toBe(204);
  });

  it('an employee without API access gets a session, then 403/9000 on every call, >whoAmI included', async () => {
    const token = await createSession(sim, { kind: 'noApiAccess' });
    for (const path of ['/token/session/>whoAmI', '/customer', '/company/>withLoginAccess']) {
      const r = await call(sim, path, { token });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe(9000);
      expect(r.body.developerMessage).toMatch(/no API access/);
    }
  });

  it('DELETE /token/session/{token} answers 204 and the session is gone', async () => {
    const token = await createSession(sim);
    const r = await call(sim, `/token/session/${encodeURIComponent(token)}`, { method: 'DELETE', token });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect((await call(sim, '/token/session/>whoAmI', { token })).status).toBe(401);
    const other = await createSession(sim);
    expect((await call(sim, `/token/session/${encodeURIComponent(token)}`, { method: 'DELETE', token: other })).status).toBe(404);
  });

  it('revokes a session after N authenticated calls, counted from when the setting changed', async () => {
    const token = await createSession(sim);
    await call(sim, '/token/session/>whoAmI', { token });
    sim.setRevokeSessionAfterCalls(2);
    expect((await call(sim, '/token/session/>whoAmI', { token })).status).toBe(200);
    expect((await call(sim, '/customer?count=1', { token })).status).toBe(200);
    const third = await call(sim, '/token/session/>whoAmI', { token });
    expect(third.status).toBe(401);
    expect(third.body.code).toBe(3000);
    // A fresh session gets its own N calls.
    const fresh = await createSession(sim);
    expect((await call(sim, '/token/session/>whoAmI', { token: fresh })).status).toBe(200);
  });

  it('revokeSessionAfterCalls from the options applies from the start', async () => {
    const other = await startSimulator({ size: 10, revokeSessionAfterCalls: 1 });
    try {
      const token = await createSession(other);
      expect((await call(other, '/token/session/>whoAmI', { token })).status).toBe(200);
      expect((await call(other, '/token/session/>whoAmI', { token })).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('expireAllSessions() kills every live session in both environments', async () => {
    const prod = await createSession(sim);
    const test = await createSession(sim, { environment: 'test' });
    sim.expireAllSessions();
    expect((await call(sim, '/token/session/>whoAmI', { token: prod })).status).toBe(401);
    expect((await call(sim, '/token/session/>whoAmI', { token: test, environment: 'test' })).status).toBe(401);
  });

  it('registered accountants reach the client companies they were given', async () => {
    sim.registerConsumer('test', 'test-canary-consumer-4f2a9');
    sim.registerEmployee('test', { token: 'test-canary-accountant-77c1', consumerToken: 'test-canary-consumer-4f2a9', kind: 'accountant', companyId: 7_000_001, clientCompanyIds: [7_000_002] });
    const r = await call(sim, '/token/session/:create', {
      environment: 'test',
      method: 'POST',
      body: { consumerToken: 'test-canary-consumer-4f2a9', employeeToken: 'test-canary-accountant-77c1', expirationDate: osloInDays(2) },
    });
    const token = r.body.value.token as string;
    const clients = await call(sim, '/company/>withLoginAccess', { environment: 'test', token });
    expect(clients.body.values.map((c: { id: number }) => c.id)).toEqual([7_000_002]);
    expect((await call(sim, '/customer?count=1', { environment: 'test', token, companyId: 7_000_002 })).status).toBe(200);
  });
});
