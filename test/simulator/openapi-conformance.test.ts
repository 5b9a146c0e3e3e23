import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import * as addFormatsModule from 'ajv-formats';
import { SUBSET_FILE } from '../../tooling/simulator/model.js';
import { startSimulator, type RunningSimulator } from '../../tooling/simulator/index.js';
import { call, createSession, osloInDays, type Answer } from './helpers.js';

// Validates real simulator answers, fetched over HTTP, against Tripletex's own response schemas
// (the committed subset of its OpenAPI spec; tooling/scripts/extract-openapi-subset.mjs makes it).
// The subset's OpenAPI 3.0 dialect is adapted for ajv first: `nullable` becomes a type union,
// int32/int64/float/double become checked formats, and every object with declared properties
// gets additionalProperties: false, so a field Tripletex does not have is caught too.

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats =
  ((addFormatsModule as unknown as { default: { default?: AddFormats } }).default.default ?? (addFormatsModule as unknown as { default: AddFormats }).default);

interface Subset {
  source: { file: string; title: string; version: string };
  operations: Record<string, string>;
  errorEnvelope: string | null;
  definitions: Record<string, unknown>;
}

const subset = JSON.parse(readFileSync(SUBSET_FILE, 'utf8')) as Subset;

function adapt(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(adapt);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' || key === 'example') continue;
    out[key] = adapt(value);
  }
  const source = node as Record<string, unknown>;
  if (source.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
  }
  if (out.properties && typeof out.properties === 'object' && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function buildAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  const int = (bits: number) => (n: number) => Number.isInteger(n) && n >= -(2 ** (bits - 1)) && n < 2 ** (bits - 1);
  ajv.addFormat('int32', { type: 'number', validate: int(32) });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addSchema({ $id: 'tripletex', definitions: adapt(subset.definitions) });
  return ajv;
}

const ajv = buildAjv();

function validatorFor(definition: string): ValidateFunction {
  const validate = ajv.getSchema(`tripletex#/definitions/${definition}`);
  if (!validate) throw new Error(`no definition ${definition} in the subset`);
  return validate;
}

function expectConforms(operation: string, answer: Answer, expectedStatus: number): void {
  expect({ operation, status: answer.status }).toEqual({ operation, status: expectedStatus });
  const definition = subset.operations[operation];
  if (!definition) throw new Error(`the subset has no operation ${operation}`);
  const validate = validatorFor(definition);
  const ok = validate(answer.body);
  if (!ok) throw new Error(`${operation} does not match ${definition}:\n${JSON.stringify(validate.errors?.slice(0, 5), null, 2)}`);
}

describe('simulator: answers conform to Tripletex\'s OpenAPI response schemas', () => {
  let sim: RunningSimulator;
  let token: string;
  let accountant: string;
  const range = (from: string, to: string) => `${from}=${encodeURIComponent(sim.dataPeriod.from)}&${to}=${encodeURIComponent(sim.dataPeriod.to)}`;
  beforeAll(async () => {
    sim = await startSimulator({ size: 60 });
    token = await createSession(sim);
    accountant = await createSession(sim, { kind: 'accountant' });
  });
  afterAll(() => sim.close());

  it('reads a subset extracted from the real spec', () => {
    expect(subset.source.title).toBe('Tripletex API');
    expect(subset.source.version).toMatch(/^2\.\d+/);
    expect(Object.keys(subset.operations).length).toBeGreaterThanOrEqual(20);
    expect(subset.errorEnvelope).toBe('ApiError');
  });

  it('the adapted schemas do catch wrong types, unknown fields, bad enums, int32 overflow and nulls', () => {
    const validate = validatorFor('ListResponseCustomer');
    expect(validate({ fullResultSize: 1, from: 0, count: 1, versionDigest: null, values: [{ id: 1, name: 'A' }] })).toBe(true);
    expect(validate({ values: [{ id: 'one' }] })).toBe(false);
    expect(validate({ values: [{ id: 1, shoeSize: 44 }] })).toBe(false);
    expect(validate({ values: [{ id: 1, language: 'SV' }] })).toBe(false);
    expect(validate({ values: [{ id: 1, customerNumber: 2 ** 31 }] })).toBe(false);
    expect(validate({ values: [{ id: 1, name: null }] })).toBe(false);
    expect(validate({ values: [{ id: 1, postalAddress: { id: 2, city: 7 } }] })).toBe(false);
  });

  /** Each operation with the queries that exercise its default shape and its expansions. */
  const lists: [string, string, string[]][] = [
    ['GET /customer', '/customer', ['count=25', 'fields=*,postalAddress(*),physicalAddress(*),deliveryAddress(*),accountManager(*),currency(*),ledgerAccount(*)&count=10']],
    ['GET /supplier', '/supplier', ['count=25', 'fields=*,postalAddress(*),currency(*),ledgerAccount(*)&count=10']],
    ['GET /product', '/product', ['count=25', 'fields=*,productUnit(*),vatType(*),currency(*),account(*)&count=10']],
    ['GET /employee', '/employee', ['count=25', 'fields=*,address(*),department(*),phoneNumberMobileCountry(*)&count=10']],
    ['GET /currency', '/currency', ['', 'fields=*']],
    ['GET /ledger/account', '/ledger/account', ['', 'fields=*,vatType(*),legalVatTypes(*),currency(*)']],
    ['GET /ledger/voucher/>nonPosted', '/ledger/voucher/%3EnonPosted', ['', 'fields=*,postings(*),voucherType(*)']],
    ['GET /ledger/vatType', '/ledger/vatType', ['', 'fields=*']],
    ['GET /company/salesmodules', '/company/salesmodules', ['', 'fields=*']],
  ];

  it.each(lists)('%s', async (operation, path, queries) => {
    for (const query of queries) {
      expectConforms(operation, await call(sim, `${path}?${query}`, { token }), 200);
      expectConforms(operation, await call(sim, `${path}?${query}`, { token, headers: { 'if-none-match': '*' } }), 200);
    }
  });

  it('GET /invoice', async () => {
    for (const fields of ['', '&fields=*,customer(*),currency(*)']) {
      expectConforms('GET /invoice', await call(sim, `/invoice?${range('invoiceDateFrom', 'invoiceDateTo')}&count=40${fields}`, { token }), 200);
    }
  });

  it('GET /ledger/voucher', async () => {
    for (const fields of ['', '&fields=*,postings(*),voucherType(*)']) {
      expectConforms('GET /ledger/voucher', await call(sim, `/ledger/voucher?${range('dateFrom', 'dateTo')}&count=40${fields}`, { token }), 200);
    }
  });

  it('GET /ledger/posting', async () => {
    for (const fields of ['', '&fields=*,voucher(*),account(*),currency(*)']) {
      expectConforms('GET /ledger/posting', await call(sim, `/ledger/posting?${range('dateFrom', 'dateTo')}&count=40${fields}`, { token }), 200);
    }
  });

  it('GET /order', async () => {
    for (const fields of ['', '&fields=*,customer(*),currency(*),ourContactEmployee(*),department(*)']) {
      expectConforms('GET /order', await call(sim, `/order?${range('orderDateFrom', 'orderDateTo')}&count=40${fields}`, { token }), 200);
    }
  });

  it('GET /{resource}/{id} for every resource', async () => {
    const singles: [string, string, string][] = [
      ['GET /customer/{id}', '/customer', 'count=1'],
      ['GET /supplier/{id}', '/supplier', 'count=1'],
      ['GET /product/{id}', '/product', 'count=1'],
      ['GET /employee/{id}', '/employee', 'count=1'],
      ['GET /currency/{id}', '/currency', 'count=1'],
      ['GET /ledger/account/{id}', '/ledger/account', 'count=1'],
      ['GET /invoice/{id}', '/invoice', `${range('invoiceDateFrom', 'invoiceDateTo')}&count=1`],
      ['GET /ledger/voucher/{id}', '/ledger/voucher', `${range('dateFrom', 'dateTo')}&count=1`],
      ['GET /ledger/posting/{id}', '/ledger/posting', `${range('dateFrom', 'dateTo')}&count=1`],
      ['GET /order/{id}', '/order', `${range('orderDateFrom', 'orderDateTo')}&count=1`],
      ['GET /ledger/vatType/{id}', '/ledger/vatType', 'count=1'],
    ];
    for (const [operation, path, query] of singles) {
      const first = (await call(sim, `${path}?${query}`, { token })).body.values[0];
      expectConforms(operation, await call(sim, `${path}/${first.id}`, { token }), 200);
    }
    const company = sim.companies.production.demoCompanyId;
    expectConforms('GET /company/{id}', await call(sim, `/company/${company}`, { token }), 200);
    expectConforms('GET /company/{id}', await call(sim, `/company/${company}?fields=*,address(*),currency(*)`, { token }), 200);
  });

  it('session create (PUT, and the POST form, which answers the same body)', async () => {
    const t = sim.tokens.production;
    const args = { consumerToken: t.consumerToken, employeeToken: t.employeeTokens.employee, expirationDate: osloInDays(2) };
    expectConforms('PUT /token/session/:create', await call(sim, `/token/session/:create?${new URLSearchParams(args)}`, { method: 'PUT' }), 200);
    expectConforms('PUT /token/session/:create', await call(sim, '/token/session/:create', { method: 'POST', body: args }), 201);
  });

  it('>whoAmI and >withLoginAccess', async () => {
    expectConforms('GET /token/session/>whoAmI', await call(sim, '/token/session/>whoAmI', { token }), 200);
    expectConforms('GET /token/session/>whoAmI', await call(sim, '/token/session/>whoAmI?fields=*,company(*),employee(*)', { token }), 200);
    const client = sim.companies.production.clientCompanyIds[0]!;
    expectConforms('GET /token/session/>whoAmI', await call(sim, '/token/session/>whoAmI?fields=*,company(*),employee(*)', { token: accountant, companyId: client }), 200);
    expectConforms('GET /company/>withLoginAccess', await call(sim, '/company/>withLoginAccess', { token: accountant }), 200);
    expectConforms('GET /company/>withLoginAccess', await call(sim, '/company/>withLoginAccess?fields=*,address(*),currency(*)', { token: accountant }), 200);
    expectConforms('GET /company/>withLoginAccess', await call(sim, '/company/>withLoginAccess', { token }), 200);
  });

  it('POST /customer', async () => {
    const created = await call(sim, '/customer', { token, method: 'POST', body: { name: 'Skjema Samsvar AS', email: 'post@samsvar.no', postalAddress: { addressLine1: 'Storgata 1', postalCode: '0150', city: 'Oslo' } } });
    expectConforms('POST /customer', created, 201);
    expectConforms('GET /customer/{id}', await call(sim, `/customer/${created.body.value.id}`, { token }), 200);
  });

  it('every error answer matches the error envelope', async () => {
    const validate = validatorFor(subset.errorEnvelope!);
    const restricted = await createSession(sim, { kind: 'restricted' });
    const errors = [
      await call(sim, '/customer'),
      await call(sim, '/ledger/account', { token: restricted }),
      await call(sim, '/customer/1', { token }),
      await call(sim, '/customer?fields=nope', { token }),
      await call(sim, '/invoice', { token }),
      await call(sim, '/customer?sorting=shoeSize', { token }),
      await call(sim, '/customer?count=10001', { token }),
      await call(sim, '/customer', { token, method: 'POST', body: '{' }),
      await call(sim, '/customer', { token, method: 'DELETE' }),
      await call(sim, '/token/session/:create', { method: 'POST', body: { consumerToken: 'x', employeeToken: 'y', expirationDate: osloInDays(2) } }),
    ];
    sim.setFaults([{ path: '/employee', status: 500 }, { path: '/product', status: 429, retryAfterSeconds: 1 }]);
    errors.push(await call(sim, '/employee', { token }), await call(sim, '/product', { token }));
    sim.setFaults([]);
    expect(errors.map((e) => e.status)).toEqual([401, 403, 404, 400, 422, 422, 422, 422, 405, 422, 500, 429]);
    for (const error of errors) {
      if (!validate(error.body)) throw new Error(`${error.status}: ${JSON.stringify(validate.errors)}`);
    }
  });

  it('covers every operation the subset lists', () => {
    // Keep this list in step with the tests above; a new operation in the subset needs a test.
    const covered = new Set([...lists.map(([op]) => op), 'GET /invoice', 'GET /ledger/voucher', 'GET /ledger/posting', 'GET /order', 'GET /ledger/posting/{id}', 'GET /order/{id}', 'GET /ledger/vatType/{id}', 'GET /customer/{id}', 'GET /supplier/{id}', 'GET /product/{id}', 'GET /employee/{id}', 'GET /currency/{id}', 'GET /ledger/account/{id}', 'GET /invoice/{id}', 'GET /ledger/voucher/{id}', 'GET /company/{id}', 'PUT /token/session/:create', 'GET /token/session/>whoAmI', 'GET /company/>withLoginAccess', 'POST /customer']);
    expect(Object.keys(subset.operations).filter((op) => !covered.has(op))).toEqual([]);
  });
});
