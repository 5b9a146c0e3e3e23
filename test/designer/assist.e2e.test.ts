import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { startDesignerFixture, type DesignerFixture } from './support.js';

// What the designer offers while a panel is filled in, over its API against the simulator:
// the choices an input's x-load-options names (paths, query parameters, row fields, client
// companies), Test connection on a Create Tripletex Connection step with its variables read as
// a run reads them, and whether variables are set. No answer carries a token or a variable's
// value: each test holds every response against the simulator's tokens.

jest.setTimeout(120_000);

let fx: DesignerFixture;
let secrets: string[];

beforeAll(async () => {
  fx = await startDesignerFixture({ simulator: { size: 50 } });
  const production = fx.simulator.tokens.production;
  secrets = [production.consumerToken, ...Object.values(production.employeeTokens)];
});

afterAll(async () => {
  await fx?.stop();
});

/** The API as the page calls it; no answer may hold a token. */
async function call(path: string, body: unknown) {
  const response = await fx.call('POST', path, body);
  const text = JSON.stringify(response.body);
  for (const secret of secrets) expect(text).not.toContain(secret);
  return response;
}

const paging = (inputs: Record<string, unknown>) => ({ action: 'rest-api-request-with-paging', inputs });
const connect = (inputs: Record<string, unknown>) => ({ action: 'create-tripletex-connection', inputs });

describe('choices for a step', () => {
  test('Path: the documented paths for the Method, with what each requires', async () => {
    const get = await call('/api/steps/options', { step: paging({ method: 'GET' }), input: 'path' });
    expect(get.status).toBe(200);
    const balance = get.body.options.find((o: { value: string }) => o.value === '/balanceSheet');
    expect(balance.description).toContain('Requires dateFrom, dateTo');
    expect(get.body.message).toMatch(/documented GET paths/);
    const post = await call('/api/steps/options', { step: paging({ method: 'POST' }), input: 'path' });
    expect(post.body.options.map((o: { value: string }) => o.value)).not.toContain('/balanceSheet');
    expect(post.body.options.map((o: { value: string }) => o.value)).toContain('/customer');
  });

  test('Query: the chosen path\'s parameters, the required ones marked, with their descriptions', async () => {
    const answer = await call('/api/steps/options', { step: paging({ path: '/balanceSheet' }), input: 'query' });
    const required = answer.body.options.filter((o: { required?: boolean }) => o.required);
    expect(required.map((o: { value: string }) => o.value)).toEqual(['dateFrom', 'dateTo']);
    expect(required[0].description).toContain('yyyy-MM-dd');
    expect(answer.body.options.map((o: { value: string }) => o.value)).not.toContain('fields');
    const unknown = await call('/api/steps/options', { step: paging({ path: '/no/such/thing' }), input: 'query' });
    expect(unknown.body.options).toEqual([]);
    expect(unknown.body.message).toContain('does not document GET /no/such/thing');
  });

  test('Fields: *, the row\'s fields in the spec\'s order, and name(*) for objects', async () => {
    const answer = await call('/api/steps/options', { step: paging({ path: '/customer' }), input: 'fields' });
    const values = answer.body.options.map((o: { value: string }) => o.value);
    expect(values[0]).toBe('*');
    expect(values).toEqual(expect.arrayContaining(['id', 'name', 'email', 'postalAddress', 'postalAddress(*)']));
    expect(values.indexOf('postalAddress(*)')).toBe(values.indexOf('postalAddress') + 1);
    expect(answer.body.message).toContain('Customer');
    // A single object's path reads the same row schema.
    const one = await call('/api/steps/options', { step: paging({ path: '/customer/123' }), input: 'fields' });
    expect(one.body.options.map((o: { value: string }) => o.value)).toEqual(values);
  });

  test("Company Id: an accountant's workspace connection lists its client companies by name", async () => {
    const answer = await call('/api/steps/options', { step: paging({ connection: { $workspace: 'Accounting office' } }), input: 'companyId' });
    const ids = answer.body.options.map((o: { value: number }) => o.value);
    expect(ids.sort()).toEqual([...fx.simulator.companies.production.clientCompanyIds].sort());
    expect(answer.body.options.every((o: { label: string }) => o.label.length > 0 && !/^Company \d+$/.test(o.label))).toBe(true);
    expect(answer.body.message).toMatch(/3 client companies this accountant's token reaches in Tripletex production/);
  });

  test("Company Id: an ordinary token offers the employee's own company (0)", async () => {
    const answer = await call('/api/steps/options', { step: paging({ connection: { $workspace: 'Demo company' } }), input: 'companyId' });
    expect(answer.body.options).toEqual([expect.objectContaining({ value: 0, label: "The employee's own company (0)" })]);
  });

  test('Company Id of a connection made while the flow runs: said, not guessed', async () => {
    const answer = await call('/api/steps/options', { step: paging({ connection: { $from: 'connect.connection' } }), input: 'companyId' });
    expect(answer.body.options).toEqual([]);
    expect(answer.body.message).toContain('made by step "connect" while the flow runs');
  });

  test('an input without load options, or an unknown action, is refused', async () => {
    expect((await call('/api/steps/options', { step: paging({}), input: 'sorting' })).status).toBe(400);
    expect((await call('/api/steps/options', { step: { action: 'no-such-action', inputs: {} }, input: 'path' })).status).toBe(400);
  });
});

describe('choices for a workspace object', () => {
  test("Default Company Id of a saved accountant's connection: its client companies, with the saved tokens", async () => {
    const answer = await call('/api/objects/options', { type: 'tripletex-connection', originalName: 'Accounting office', properties: { name: 'Accounting office' }, property: 'defaultCompanyId' });
    expect(answer.status).toBe(200);
    expect(answer.body.options.map((o: { value: number }) => o.value).sort()).toEqual([...fx.simulator.companies.production.clientCompanyIds].sort());
  });

  test('tokens Tripletex refuses give no choices and say why', async () => {
    const answer = await call('/api/objects/options', { type: 'tripletex-connection', properties: { name: 'x', consumerToken: 'wrong-consumer', employeeToken: 'wrong-employee' }, property: 'defaultCompanyId' });
    expect(answer.body.options).toEqual([]);
    expect(answer.body.message).toMatch(/^No companies to offer: .*consumer token/);
  });
});

describe('Test connection on a Create Tripletex Connection step', () => {
  test('with its variables set: the same verdict as the workspace object', async () => {
    const answer = await call('/api/steps/test', { step: connect({ consumerToken: { $env: 'TRIPLETEX_CONSUMER_TOKEN' }, employeeToken: { $env: 'TRIPLETEX_EMPLOYEE_TOKEN' } }) });
    expect(answer.body.result).toMatchObject({ ok: true, reason: 'connected' });
    expect(answer.body.result.message).toMatch(/^Connected to Tripletex production: /);
  });

  test("an accountant's token without Company Id: the verdict names the step's field", async () => {
    const answer = await call('/api/steps/test', { step: connect({ consumerToken: { $env: 'TRIPLETEX_CONSUMER_TOKEN' }, employeeToken: { $env: 'TRIPLETEX_ACCOUNTANT_EMPLOYEE_TOKEN' } }) });
    expect(answer.body.result).toMatchObject({ ok: false, reason: 'accountant-token' });
    expect(answer.body.result.message).toContain('Set "Company Id" to the client company');
    expect(answer.body.result.message).not.toContain('Default Company Id');
    const client = fx.simulator.companies.production.clientCompanyIds[0]!;
    const chosen = await call('/api/steps/test', { step: connect({ consumerToken: { $env: 'TRIPLETEX_CONSUMER_TOKEN' }, employeeToken: { $env: 'TRIPLETEX_ACCOUNTANT_EMPLOYEE_TOKEN' }, companyId: client }) });
    expect(chosen.body.result).toMatchObject({ ok: true, company: expect.objectContaining({ id: client }) });
  });

  test('with a variable unset: it says which, and how to set it, before anything is sent', async () => {
    const before = fx.simulator.requests.length;
    const answer = await call('/api/steps/test', { step: connect({ consumerToken: { $env: 'TRIPLETEX_CONSUMER_TOKEN' }, employeeToken: { $env: 'MY_TRIPLETEX_EMPLOYEE_TOKEN' } }) });
    expect(answer.body.result.ok).toBe(false);
    expect(answer.body.result.message).toBe(
      "Environment variable MY_TRIPLETEX_EMPLOYEE_TOKEN is not set in the designer's environment. Export it in the terminal and start the designer again (export MY_TRIPLETEX_EMPLOYEE_TOKEN=…; npm run designer).",
    );
    expect(fx.simulator.requests.length).toBe(before);
  });

  test('an action without a Test connection is refused', async () => {
    expect((await call('/api/steps/test', { step: paging({ path: '/customer' }) })).status).toBe(400);
  });
});

describe('variables', () => {
  test('says whether each is set, never its value; a token sent as a name is not echoed', async () => {
    const token = fx.simulator.tokens.production.employeeTokens.employee;
    const answer = await call('/api/environment', { names: ['TRIPLETEX_CONSUMER_TOKEN', 'MY_UNSET_VARIABLE_42', 'not a name', token] });
    expect(answer.body.variables).toEqual({ TRIPLETEX_CONSUMER_TOKEN: 'set', MY_UNSET_VARIABLE_42: 'unset', 'not a name': 'not-a-name' });
    expect(answer.body.tokens).toEqual([3]);
    expect(JSON.stringify(answer.body)).not.toContain(token);
  });
});

describe('a token in place of a variable name', () => {
  test('is refused on save without being echoed, and a file that holds one shows the field empty', async () => {
    // Shaped like a variable's name (letters and digits), so only the token check can catch it.
    const token = fx.simulator.tokens.production.employeeTokens.employee.replace(/[^A-Za-z0-9]/g, '');
    const flow = { flowFormat: 1, name: 'Pasted', steps: [{ id: 'c', action: 'create-tripletex-connection', inputs: { consumerToken: { $env: 'TRIPLETEX_CONSUMER_TOKEN' }, employeeToken: { $env: token } } }] };
    const put = await fx.call('PUT', '/api/flows/pasted.flow.json', flow);
    expect(put.status).toBe(400);
    expect(put.body.error.problems).toEqual([{ field: 'steps[0].inputs.employeeToken.$env', message: expect.stringContaining('looks like a token') }]);
    expect(JSON.stringify(put.body)).not.toContain(token);
    const { writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const file = join(fx.flowsDir, 'pasted.flow.json');
    writeFileSync(file, JSON.stringify(flow));
    try {
      const { body } = await fx.call('GET', '/api/flows');
      expect(body.flows.find((f: { id: string }) => f.id === 'pasted.flow.json').document.steps[0].inputs.employeeToken).toEqual({ $env: '' });
      expect(JSON.stringify(body)).not.toContain(token);
    } finally {
      rmSync(file);
    }
  });
});
