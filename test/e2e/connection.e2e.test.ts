import { testConnection } from '../../connection/test-connection.js';
import { test as workspaceObjectTest } from '../../connection/tripletex-connection.js';
import { makeCredentials } from '../../connection/credentials.js';
import { SessionPool } from '../../connection/session-pool.js';
import { resolveConnectionProperties } from '../../connection/resolved-connection.js';
import { createSession } from '../../connection/session-create.js';
import { setSharedSessionPool, TripletexClient } from '../../connection/tripletex-client.js';
import { newRequestStats } from '../../client/request-stats.js';
import { AuthenticationError, TripletexApiError } from '../../contract/errors.js';
import type { RunningSimulator } from '../../tooling/simulator/index.js';
import { recordingContext, startE2eSimulator, freshProcessState } from './support.js';

describe('Tripletex Connection against the simulator', () => {
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startE2eSimulator({ size: 200 });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    freshProcessState();
    sim.setFaults([]);
    sim.setSessionCreatePost('enabled');
    sim.setRevokeSessionAfterCalls(undefined);
  });

  const prod = () => sim.tokens.production;
  const testEnv = () => sim.tokens.test;
  const props = (consumerToken: string, employeeToken: string, extra: Record<string, unknown> = {}) => ({ name: 'E2E', consumerToken, employeeToken, ...extra });

  it('tests green for the demo employee and names company, employee and environment', async () => {
    const result = await workspaceObjectTest(props(prod().consumerToken, prod().employeeTokens.employee), recordingContext());
    expect(result.ok).toBe(true);
    expect(result.reason).toBe('connected');
    expect(result.company?.id).toBe(sim.companies.production.demoCompanyId);
    expect(result.message).toContain('Tripletex production');
    expect(result.message).toContain(result.company?.name ?? 'no company name');
    expect(result.message).toContain(result.employee?.name ?? 'no employee name');
    expect(result.label).toMatch(/\(production\)$/);
  });

  it('tests green in the test environment with test tokens and the switch on', async () => {
    const result = await testConnection(props(testEnv().consumerToken, testEnv().employeeTokens.employee, { useTestEnvironment: true }), recordingContext());
    expect(result).toMatchObject({ ok: true, environment: 'test' });
    expect(result.message).toContain('Tripletex test environment');
  });

  it('spots test tokens used against production, and production tokens against test', async () => {
    const wrongWay = await testConnection(props(testEnv().consumerToken, testEnv().employeeTokens.employee), recordingContext());
    expect(wrongWay).toMatchObject({ ok: false, reason: 'wrong-environment' });
    expect(wrongWay.message).toMatch(/To use them there, turn on "Use Tripletex test environment"/);
    expect(wrongWay.message).toMatch(/request id/);
    const otherWay = await testConnection(props(prod().consumerToken, prod().employeeTokens.employee, { useTestEnvironment: true }), recordingContext());
    expect(otherWay).toMatchObject({ ok: false, reason: 'wrong-environment' });
    expect(otherWay.message).toMatch(/To use them there, turn off "Use Tripletex test environment"/);
  });

  it('says which token is invalid', async () => {
    const consumer = await testConnection(props('not-a-real-consumer-token', prod().employeeTokens.employee), recordingContext());
    expect(consumer).toMatchObject({ ok: false, reason: 'consumer-token-invalid' });
    const employee = await testConnection(props(prod().consumerToken, 'not-a-real-employee-token'), recordingContext());
    expect(employee).toMatchObject({ ok: false, reason: 'employee-token-invalid' });
    expect(employee.message).toMatch(/employee token is invalid/i);
  });

  it('says the user has no API access', async () => {
    const result = await testConnection(props(prod().consumerToken, prod().employeeTokens.noApiAccess), recordingContext());
    expect(result).toMatchObject({ ok: false, reason: 'no-api-access' });
    expect(result.message).toMatch(/no API access/);
  });

  it('recognises the accountant token and lists the client ids the simulator gives it', async () => {
    const result = await testConnection(props(prod().consumerToken, prod().employeeTokens.accountant), recordingContext());
    expect(result).toMatchObject({ ok: false, reason: 'accountant-token' });
    const ids = sim.companies.production.clientCompanyIds;
    expect(result.clients?.map((c) => c.id).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(result.message).toContain(`(id ${id})`);

    const chosen = ids[0]!;
    const asClient = await testConnection(props(prod().consumerToken, prod().employeeTokens.accountant, { defaultCompanyId: chosen }), recordingContext());
    expect(asClient).toMatchObject({ ok: true, company: { id: chosen } });
    expect(asClient.message).toMatch(/accountant access/);

    const unknown = await testConnection(props(prod().consumerToken, prod().employeeTokens.accountant, { defaultCompanyId: 999999 }), recordingContext());
    expect(unknown).toMatchObject({ ok: false, reason: 'company-not-reachable' });
  });

  it("gives the accountant verdict when Default Company Id is the accounting office's own id, which reaches no more than 0", async () => {
    const office = sim.companies.production.accountantCompanyId;
    const result = await testConnection(props(prod().consumerToken, prod().employeeTokens.accountant, { defaultCompanyId: office }), recordingContext());
    expect(result).toMatchObject({ ok: false, reason: 'accountant-token' });
    expect(result.message).toContain(`with "Default Company Id" set to the accounting office's own id (${office}), the same as empty`);
    const ids = sim.companies.production.clientCompanyIds;
    expect(result.clients?.map((c) => c.id).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(result.message).toContain(`(id ${id})`);
    // The simulator does refuse that company as Tripletex does: the verdict is not a guess.
    const connection = resolveConnectionProperties(props(prod().consumerToken, prod().employeeTokens.accountant, { defaultCompanyId: office }));
    const refused = await new TripletexClient(connection).request({ method: 'GET', path: '/customer' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 403 });
    expect((refused as Error).message).toMatch(new RegExp(`These are an accountant's tokens, which in the accounting office's own company \\(${office}, the same as 0\\) may only list their client companies: give the client company's id as "Company Id"`));
  });

  it('says which token belongs where when the two come from different environments', async () => {
    // A test-environment consumer token with a production employee token, on production.
    const testConsumer = await testConnection(props(testEnv().consumerToken, prod().employeeTokens.employee), recordingContext());
    expect(testConsumer).toMatchObject({ ok: false, reason: 'mixed-environments', environment: 'production' });
    expect(testConsumer.message).toMatch(/^The two tokens come from different Tripletex environments: the consumer token belongs to the Tripletex test environment \(which knows it; Tripletex production does not\), while the employee token looks made for Tripletex production/);
    expect(testConsumer.message).not.toMatch(/neither Tripletex environment/i);
    // On production already: the way out with the production consumer token needs no switch.
    expect(testConsumer.message).toMatch(/use an employee token made in the Tripletex test environment for this integration and turn on "Use Tripletex test environment", or the consumer token Tripletex production issued for it with this employee token\. /);
    expect(testConsumer.hints?.map((h) => h.template)).toEqual(['{on:useTestEnvironment}']);
    // A production consumer token with a test-environment employee token, on production.
    const testEmployee = await testConnection(props(prod().consumerToken, testEnv().employeeTokens.employee), recordingContext());
    expect(testEmployee).toMatchObject({ ok: false, reason: 'mixed-environments', environment: 'production' });
    expect(testEmployee.message).toMatch(/the consumer token belongs to Tripletex production \(which knows it; the Tripletex test environment does not\), while the employee token looks made for the Tripletex test environment \(by its form: test tokens carry Tripletex's test- marker\)/);
    expect(testEmployee.message).toMatch(/use an employee token made in Tripletex production for this integration, or the consumer token the Tripletex test environment issued for it with this employee token and turn on "Use Tripletex test environment"/);
    expect(testEmployee.message).not.toMatch(/Ask a Tripletex administrator for a new employee token/);
    // A production employee token that production refuses with its own consumer token is plainly invalid.
    const invalid = await testConnection(props(prod().consumerToken, Buffer.from(JSON.stringify({ tokenId: 1, token: 'revoked' })).toString('base64')), recordingContext());
    expect(invalid).toMatchObject({ ok: false, reason: 'employee-token-invalid' });
    expect(invalid.message).toMatch(/The employee token is invalid: Tripletex production knows the consumer token but not this employee token with it .*, and it does not look made for the Tripletex test environment\. Ask a Tripletex administrator/);
  });

  it('says the service cannot be reached when nothing listens', async () => {
    const saved = process.env.TRIPLETEX_PRODUCTION_URL;
    process.env.TRIPLETEX_PRODUCTION_URL = 'http://127.0.0.1:9/v2';
    try {
      const result = await testConnection(props(prod().consumerToken, prod().employeeTokens.employee), recordingContext());
      expect(result).toMatchObject({ ok: false, reason: 'unreachable' });
      expect(result.message).toContain('http://127.0.0.1:9/v2');
    } finally {
      process.env.TRIPLETEX_PRODUCTION_URL = saved;
    }
  });

  it('creates sessions with the POST form, tokens never in a URL', async () => {
    sim.resetRequests();
    await testConnection(props(prod().consumerToken, prod().employeeTokens.employee), recordingContext());
    const creates = sim.requests.filter((r) => r.path === '/token/session/:create');
    expect(creates.map((r) => r.method)).toEqual(['POST']);
    expect(sim.requests.every((r) => !Object.keys(r.query).some((k) => /token/i.test(k)))).toBe(true);
  });

  it('falls back to the legacy PUT only when POST is not served, and remembers it', async () => {
    for (const mode of ['not-found', 'method-not-allowed'] as const) {
      freshProcessState();
      sim.setSessionCreatePost(mode);
      sim.resetRequests();
      const connection = resolveConnectionProperties(props(prod().consumerToken, prod().employeeTokens.employee));
      const pool = new SessionPool({ create: (c, d) => createSession(c, d) });
      await pool.get(connection.credentials);
      await pool.refresh(connection.credentials);
      const creates = sim.requests.filter((r) => r.path === '/token/session/:create').map((r) => r.method);
      expect(creates).toEqual(['POST', 'PUT', 'PUT']);
    }
  });

  it('shares one session among concurrent requests and runs (single flight)', async () => {
    const before = sim.stats().sessionsCreated;
    const connection = resolveConnectionProperties(props(prod().consumerToken, prod().employeeTokens.employee));
    const clients = [new TripletexClient(connection), new TripletexClient(connection)];
    await Promise.all(Array.from({ length: 30 }, (_, i) => clients[i % 2]!.request({ method: 'GET', path: '/currency', query: { count: 1 } })));
    expect(sim.stats().sessionsCreated - before).toBe(1);
  });

  it('replaces a session that Tripletex ended, once, and sends the request again', async () => {
    const connection = resolveConnectionProperties(props(prod().consumerToken, prod().employeeTokens.employee));
    const stats = newRequestStats();
    const client = new TripletexClient(connection, { stats });
    await client.request({ method: 'GET', path: '/customer', query: { count: 1 } });
    const before = sim.stats();
    sim.expireAllSessions();
    const results = await Promise.all(Array.from({ length: 8 }, () => client.request({ method: 'GET', path: '/customer', query: { count: 1 } })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(sim.stats().sessionsCreated - before.sessionsCreated).toBe(1);
    expect(sim.stats().unauthorized - before.unauthorized).toBe(8);
  });

  it('reports a second 401 instead of looping', async () => {
    sim.setRevokeSessionAfterCalls(0);
    const connection = resolveConnectionProperties(props(prod().consumerToken, prod().employeeTokens.employee));
    const error = await new TripletexClient(connection).request({ method: 'GET', path: '/customer' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TripletexApiError);
    expect((error as TripletexApiError).status).toBe(401);
    expect((error as Error).message).toMatch(/still refused/);
  });

  it('turns refused tokens at run time into an authentication error a person can act on', async () => {
    const connection = resolveConnectionProperties(props(prod().consumerToken, 'revoked-employee-token'));
    const error = await new TripletexClient(connection).request({ method: 'GET', path: '/customer' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).reason).toBe('employee-token-invalid');
    expect((error as Error).message).toMatch(/Could not sign in to Tripletex for connection "E2E": Tripletex production does not accept the employee token/);
  });

  it('renews before Oslo midnight of the expiry date on a clock that runs for days', async () => {
    let now = Date.UTC(2026, 10, 22, 10, 0);
    const clock = { now: () => now };
    const timed = await startE2eSimulator({ size: 50, now: clock.now });
    try {
      const pool = new SessionPool({ create: (c, d) => createSession(c, d), clock });
      setSharedSessionPool(pool);
      const connection = resolveConnectionProperties(props(timed.tokens.production.consumerToken, timed.tokens.production.employeeTokens.employee));
      const client = new TripletexClient(connection);
      // Every two hours for five days: never a 401, a new session about once a day.
      for (let hour = 0; hour < 5 * 24; hour += 2) {
        now = Date.UTC(2026, 10, 22, 10 + hour, 0);
        const response = await client.request({ method: 'GET', path: '/currency', query: { count: 1 } });
        expect(response.status).toBe(200);
      }
      expect(timed.stats().unauthorized).toBe(0);
      expect(timed.stats().sessionsCreated).toBeGreaterThanOrEqual(4);
      expect(timed.stats().sessionsCreated).toBeLessThanOrEqual(6);
    } finally {
      await timed.close();
      process.env.TRIPLETEX_PRODUCTION_URL = sim.env.TRIPLETEX_PRODUCTION_URL;
      process.env.TRIPLETEX_TEST_URL = sim.env.TRIPLETEX_TEST_URL;
      setSharedSessionPool(undefined);
    }
  });

  it('sends the company id: request first, then the connection default, then 0', async () => {
    const accountant = prod().employeeTokens.accountant;
    const [first, second] = sim.companies.production.clientCompanyIds;
    const connection = resolveConnectionProperties(props(prod().consumerToken, accountant, { defaultCompanyId: first }));
    const client = new TripletexClient(connection);
    sim.resetRequests();
    await client.request({ method: 'GET', path: '/customer', query: { count: 1 } });
    await client.request({ method: 'GET', path: '/customer', query: { count: 1 }, companyId: second });
    const zero = resolveConnectionProperties(props(prod().consumerToken, accountant));
    await new TripletexClient(zero).request({ method: 'GET', path: '/token/session/>whoAmI' });
    expect(sim.requests.filter((r) => r.companyId !== undefined).map((r) => r.companyId)).toEqual([first, second, 0]);
  });

  it('keeps credentials apart: the same tokens in another environment get their own session', async () => {
    const a = makeCredentials('production', prod().consumerToken, prod().employeeTokens.employee);
    const b = makeCredentials('test', prod().consumerToken, prod().employeeTokens.employee);
    expect(a.fingerprint).not.toBe(b.fingerprint);
  });
});
