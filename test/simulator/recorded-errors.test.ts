import { startSimulator, type RunningSimulator } from '../../tooling/simulator/index.js';
import { call, createSession, osloInDays } from './helpers.js';

// Error bodies worded the way answers recorded from the real API (March 2026) are: partly
// English, partly Norwegian, Tripletex's documentation link, validation messages with path and
// rootId, and a 500 whose message is null.

const LINK = 'https://tripletex.no/v2-docs/';

describe('simulator: error bodies as recorded', () => {
  let sim: RunningSimulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator({ size: 40 });
    token = await createSession(sim);
  });
  afterAll(() => sim.close());
  afterEach(() => sim.setFaults([]));

  it('401/3000: "Unauthorized", with the recorded developer message whatever the cause', async () => {
    const answers = [await call(sim, '/customer'), await call(sim, '/customer', { token: 'not-a-session' }), await call(sim, '/customer', { token, companyId: 12345 })];
    for (const r of answers) {
      expect(r.status).toBe(401);
      expect(r.body).toEqual({
        status: 401,
        code: 3000,
        message: 'Unauthorized',
        link: LINK,
        developerMessage: 'Could not log in. Check login info in Authorization header.',
        validationMessages: null,
        requestId: r.headers.get('x-tlx-request-id'),
      });
    }
  });

  it('403/9000 and 404/6000 in English', async () => {
    const restricted = await createSession(sim, { kind: 'restricted' });
    const forbidden = await call(sim, '/ledger/account', { token: restricted });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ code: 9000, message: 'You do not have permission to access this feature.', link: LINK });
    const missing = await call(sim, '/customer/1', { token });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 6000, message: 'Object not found', link: LINK });
  });

  it('missing required dates: 422/15000 "Validation failed", one "Kan ikke være null." per parameter, with path and rootId', async () => {
    const lists: [string, string, string][] = [
      ['/invoice', 'invoiceDateFrom', 'invoiceDateTo'],
      ['/order', 'orderDateFrom', 'orderDateTo'],
      ['/ledger/voucher', 'dateFrom', 'dateTo'],
      ['/ledger/posting', 'dateFrom', 'dateTo'],
    ];
    for (const [path, from, to] of lists) {
      const r = await call(sim, path, { token });
      expect({ path, status: r.status }).toEqual({ path, status: 422 });
      expect(r.body).toMatchObject({ status: 422, code: 15000, message: 'Validation failed', link: LINK });
      expect(r.body.validationMessages).toEqual([
        { field: from, message: 'Kan ikke være null.', path: from, rootId: null },
        { field: to, message: 'Kan ikke være null.', path: to, rootId: null },
      ]);
    }
  });

  it('422/18000 in Norwegian with developerMessage VALIDATION_ERROR', async () => {
    const noName = await call(sim, '/customer', { token, method: 'POST', body: { email: 'post@navnlos.no' } });
    expect(noName.status).toBe(422);
    expect(noName.body).toMatchObject({ code: 18000, message: 'Validering feilet.', developerMessage: 'VALIDATION_ERROR', link: LINK });
    expect(noName.body.validationMessages).toEqual([{ field: 'name', message: expect.any(String), path: 'name', rootId: null }]);
    const t = sim.tokens.production;
    const badConsumer = await call(sim, '/token/session/:create', { method: 'POST', body: { consumerToken: 'nope', employeeToken: t.employeeTokens.employee, expirationDate: osloInDays(2) } });
    expect(badConsumer.body).toMatchObject({ code: 18000, message: 'Validering feilet.', developerMessage: 'VALIDATION_ERROR' });
    expect(badConsumer.body.validationMessages[0]).toMatchObject({ field: 'arg:consumerToken', rootId: null });
  });

  it('422/17000 for an unknown sort field carries an empty validationMessages list', async () => {
    const r = await call(sim, '/customer?sorting=shoeSize', { token });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ code: 17000, link: LINK });
    expect(r.body.validationMessages).toEqual([]);
  });

  it('400/11000 names the illegal field the way Tripletex does', async () => {
    const r = await call(sim, '/customer?fields=shoeSize', { token });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe(11000);
    expect(r.body.message).toMatch(/^Illegal field in fields filter: shoeSize\./);
  });

  it('a 500 is JSON with code 1000 and a null message', async () => {
    sim.setFaults([{ path: '/customer', status: 500 }]);
    const r = await call(sim, '/customer', { token });
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ status: 500, code: 1000, message: null, link: LINK });
  });
});
