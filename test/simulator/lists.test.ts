import { startSimulator, type RunningSimulator } from '../../tooling/simulator/index.js';
import { call, createSession } from './helpers.js';

describe('simulator: lists, paging, fields and sorting', () => {
  let sim: RunningSimulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator({ size: 250, seed: 7 });
    token = await createSession(sim);
  });
  afterAll(() => sim.close());
  afterEach(() => sim.setInexactFullResultSize(true));

  const get = (path: string, headers?: Record<string, string>) => call(sim, path, { token, ...(headers ? { headers } : {}) });

  it('answers the list envelope, ordered by id, with from/count paging', async () => {
    const r = await get('/customer?count=10');
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['count', 'from', 'fullResultSize', 'values', 'versionDigest']);
    expect(r.body).toMatchObject({ from: 0, count: 10, versionDigest: "'If-None-Match' header not specified" });
    const ids = r.body.values.map((c: { id: number }) => c.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const next = await get('/customer?from=10&count=10');
    expect(next.body.from).toBe(10);
    expect(next.body.values[0].id).toBeGreaterThan(ids[9]);
    // Default count is 1000: all 250 customers in one page.
    const all = await get('/customer');
    expect(all.body.values).toHaveLength(250);
    expect(all.body.count).toBe(250);
  });

  it('paging by from += values.length visits every row exactly once', async () => {
    const seen: number[] = [];
    for (let from = 0; ; ) {
      const page = await get(`/customer?from=${from}&count=33&fields=id`);
      seen.push(...page.body.values.map((c: { id: number }) => c.id));
      from += page.body.values.length;
      if (page.body.values.length < 33) break;
    }
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
  });

  it('reports an inexact fullResultSize by default and an exact one when switched', async () => {
    expect((await get('/customer?from=0&count=10')).body.fullResultSize).toBe(11);
    expect((await get('/customer?from=100&count=10')).body.fullResultSize).toBe(111);
    expect((await get('/customer?from=245&count=10')).body.fullResultSize).toBe(250);
    sim.setInexactFullResultSize(false);
    expect((await get('/customer?from=0&count=10')).body.fullResultSize).toBe(250);
  });

  it('refuses bad from/count with 422, and counts above the maximum with 23000', async () => {
    for (const q of ['count=-1', 'from=-5']) {
      const r = await get(`/customer?${q}`);
      expect(r.status).toBe(422);
      expect(r.body.code).toBe(15000);
    }
    for (const q of ['count=abc', 'from=1.5']) {
      const r = await get(`/customer?${q}`);
      expect(r.status).toBe(422);
      expect(r.body.code).toBe(21000);
      expect(r.body.validationMessages[0].field).toBe(q.split('=')[0]);
    }
    const big = await get('/customer?count=10001');
    expect(big.status).toBe(422);
    expect(big.body.code).toBe(23000);
    expect((await get('/customer?count=10000')).status).toBe(200);
    expect((await get('/customer?count=0')).body.values).toEqual([]);
  });

  it('shortens nested objects to {id, url} and expands them with fields', async () => {
    const plain = (await get('/customer?count=1')).body.values[0];
    expect(plain.postalAddress).toEqual({ id: expect.any(Number), url: expect.stringContaining('/address/') });
    expect(plain.currency).toEqual({ id: 1, url: expect.stringContaining('/currency/1') });
    const picked = (await get('/customer?count=1&fields=id,name')).body.values[0];
    expect(Object.keys(picked)).toEqual(['id', 'name']);
    const expanded = (await get(`/customer?count=1&fields=${encodeURIComponent('name,postalAddress(*),currency(code)')}`)).body.values[0];
    expect(expanded.postalAddress).toMatchObject({ addressLine1: expect.any(String), postalCode: expect.stringMatching(/^\d{4}$/), city: expect.any(String) });
    expect(expanded.postalAddress.country).toEqual({ id: 161, url: expect.any(String) });
    expect(expanded.currency).toEqual({ code: 'NOK' });
    const starPlus = (await get(`/customer?count=1&fields=${encodeURIComponent('*,postalAddress(city)')}`)).body.values[0];
    expect(starPlus.name).toBe(plain.name);
    expect(starPlus.postalAddress).toEqual({ city: expanded.postalAddress.city });
    // Cross-collection references resolve too: an invoice's customer.
    const inv = await get(`/invoice?invoiceDateFrom=${sim.dataPeriod.from}&invoiceDateTo=${sim.dataPeriod.to}&count=1&fields=${encodeURIComponent('customer(name,customerNumber)')}`);
    expect(inv.body.values[0].customer).toEqual({ name: expect.any(String), customerNumber: expect.any(Number) });
  });

  it('refuses fields the model does not have with 400/11000', async () => {
    for (const fields of ['nope', 'name,postalAddress(nope)', 'name(']) {
      const r = await get(`/customer?fields=${encodeURIComponent(fields)}`);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe(11000);
    }
  });

  it('sorts on top-level fields, descending with -, and refuses unknown sort fields with 422/17000', async () => {
    const byName = (await get('/customer?sorting=name&fields=name,id')).body.values as { name: string; id: number }[];
    const names = byName.map((c) => c.name);
    expect(names).toEqual([...names].sort(new Intl.Collator('nb', { sensitivity: 'base' }).compare));
    const desc = (await get('/customer?sorting=-customerNumber&count=5&fields=customerNumber')).body.values.map((c: { customerNumber: number }) => c.customerNumber);
    expect(desc).toEqual([10250, 10249, 10248, 10247, 10246]);
    const paged = (await get('/customer?sorting=name&from=10&count=5&fields=name,id')).body.values;
    expect(paged).toEqual(byName.slice(10, 15));
    const two = (await get('/product?sorting=isInactive,-priceExcludingVatCurrency&fields=isInactive,priceExcludingVatCurrency')).body.values as { isInactive: boolean; priceExcludingVatCurrency: number }[];
    for (let i = 1; i < two.length; i++) {
      const a = two[i - 1]!;
      const b = two[i]!;
      expect(Number(a.isInactive) <= Number(b.isInactive)).toBe(true);
      if (a.isInactive === b.isInactive) expect(a.priceExcludingVatCurrency).toBeGreaterThanOrEqual(b.priceExcludingVatCurrency);
    }
    const bad = await get('/customer?sorting=shoeSize');
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe(17000);
  });

  it('serves every seeded list with data that looks Norwegian', async () => {
    const customers = (await get('/customer?count=50')).body.values as Record<string, any>[];
    const companies = customers.filter((c) => !c.isPrivateIndividual);
    for (const c of companies) expect(c.organizationNumber).toMatch(/^[89]\d{8}$/);
    expect(customers.every((c) => /@/.test(c.email))).toBe(true);
    expect((await get('/supplier?count=5')).body.values[0]).toMatchObject({ supplierNumber: expect.any(Number), isSupplier: true });
    expect((await get('/product?count=5')).body.values[0]).toMatchObject({ priceExcludingVatCurrency: expect.any(Number), vatType: expect.anything() });
    expect((await get('/employee?count=5')).body.values[0]).toMatchObject({ firstName: expect.any(String), lastName: expect.any(String) });
    const currencies = (await get('/currency')).body.values.map((c: { code: string }) => c.code);
    expect(currencies).toEqual(expect.arrayContaining(['NOK', 'EUR', 'SEK', 'USD']));
    const accounts = (await get('/ledger/account?number=1500,1920&fields=number,name')).body.values;
    expect(accounts).toEqual([
      { number: 1500, name: 'Kundefordringer' },
      { number: 1920, name: 'Bankinnskudd' },
    ]);
  });

  it('filters on the search parameters it knows', async () => {
    const some = (await get('/customer?count=3&fields=id,customerNumber')).body.values;
    const ids = some.map((c: { id: number }) => c.id).join(',');
    expect((await get(`/customer?id=${ids}&fields=id`)).body.values.map((c: { id: number }) => c.id).join(',')).toBe(ids);
    const one = await get(`/customer?customerAccountNumber=${some[1].customerNumber}&fields=id`);
    expect(one.body.values).toEqual([{ id: some[1].id }]);
    const inactive = (await get('/customer?isInactive=true&fields=isInactive')).body.values;
    expect(inactive.every((c: { isInactive: boolean }) => c.isInactive)).toBe(true);
    expect((await get('/currency?code=EUR&fields=code')).body.values).toEqual([{ code: 'EUR' }]);
    expect((await get('/customer?id=abc')).status).toBe(422);
  });

  it('GET /{resource}/{id} answers {value}, 404/6000 when missing, 400 when the id is not a number', async () => {
    const first = (await get('/customer?count=1')).body.values[0];
    const one = await get(`/customer/${first.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ value: first });
    expect((await get(`/customer/${first.id}?fields=name`)).body).toEqual({ value: { name: first.name } });
    const missing = await get('/customer/1');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404, code: 6000 });
    expect((await get('/customer/abc')).status).toBe(400);
    for (const path of ['/supplier', '/product', '/employee', '/currency', '/ledger/account']) {
      const row = (await get(`${path}?count=1`)).body.values[0];
      expect((await get(`${path}/${row.id}`)).body.value.id).toBe(row.id);
    }
  });

  it('answers unknown routes with 404/6000 and a wrong method with 405', async () => {
    const unknown = await get('/nothing/here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe(6000);
    const wrong = await call(sim, '/currency', { token, method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect(wrong.body.status).toBe(405);
    const outside = await call(sim, '/../customer', { token });
    expect(outside.status).toBe(404);
  });

  it('gives the same data for the same seed and different data for another seed', async () => {
    const same = await startSimulator({ size: 250, seed: 7 });
    const other = await startSimulator({ size: 250, seed: 8 });
    try {
      const mine = (await get('/customer?count=20&fields=id,name,organizationNumber')).body.values;
      const sameToken = await createSession(same);
      const otherToken = await createSession(other);
      expect((await call(same, '/customer?count=20&fields=id,name,organizationNumber', { token: sameToken })).body.values).toEqual(mine);
      expect((await call(other, '/customer?count=20&fields=id,name,organizationNumber', { token: otherToken })).body.values).not.toEqual(mine);
      expect(same.tokens).toEqual(sim.tokens);
      expect(other.tokens).not.toEqual(sim.tokens);
    } finally {
      await Promise.all([same.close(), other.close()]);
    }
  });
});

describe('simulator: date ranges, non-posted vouchers and POST /customer', () => {
  let sim: RunningSimulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator({ size: 120, dataYear: 2026 });
    token = await createSession(sim);
  });
  afterAll(() => sim.close());

  const get = (path: string, headers?: Record<string, string>) => call(sim, path, { token, ...(headers ? { headers } : {}) });

  it('requires invoiceDateFrom/invoiceDateTo and dateFrom/dateTo, naming what is missing', async () => {
    const none = await get('/invoice');
    expect(none.status).toBe(422);
    expect(none.body.code).toBe(15000);
    expect(none.body.validationMessages.map((m: { field: string }) => m.field)).toEqual(['invoiceDateFrom', 'invoiceDateTo']);
    const half = await get('/ledger/voucher?dateFrom=2026-01-01');
    expect(half.status).toBe(422);
    expect(half.body.validationMessages.map((m: { field: string }) => m.field)).toEqual(['dateTo']);
    const badDate = await get('/invoice?invoiceDateFrom=2026-01-01&invoiceDateTo=2026-13-01');
    expect(badDate.status).toBe(422);
    expect(badDate.body.validationMessages[0].field).toBe('invoiceDateTo');
  });

  it('refuses from == to, and from after to, with 422', async () => {
    for (const path of ['/invoice?invoiceDateFrom=2026-03-01&invoiceDateTo=2026-03-01', '/ledger/voucher?dateFrom=2026-03-02&dateTo=2026-03-01']) {
      const r = await get(path);
      expect(r.status).toBe(422);
      expect(r.body.code).toBe(15000);
    }
  });

  it('treats To as exclusive: a row dated on To is left out, and returned when To moves a day on', async () => {
    for (const [path, from, to, dateField] of [
      ['/invoice', 'invoiceDateFrom', 'invoiceDateTo', 'invoiceDate'],
      ['/ledger/voucher', 'dateFrom', 'dateTo', 'date'],
    ] as const) {
      const march = (await get(`${path}?${from}=2026-03-01&${to}=2026-04-01&fields=${dateField}`)).body.values.map((v: Record<string, string>) => v[dateField]);
      expect(march.length).toBeGreaterThan(0);
      expect(march).toContain('2026-03-01');
      expect(march).not.toContain('2026-04-01');
      expect(march.every((d: string) => d >= '2026-03-01' && d < '2026-04-01')).toBe(true);
      const withApril1 = (await get(`${path}?${from}=2026-03-01&${to}=2026-04-02&fields=${dateField}`)).body.values.map((v: Record<string, string>) => v[dateField]);
      expect(withApril1).toContain('2026-04-01');
      expect(withApril1.length).toBeGreaterThan(march.length);
    }
  });

  it('numbers vouchers per year and serves them by id', async () => {
    const first = (await get('/ledger/voucher?dateFrom=2026-01-01&dateTo=2026-01-03&count=1')).body.values[0];
    expect(first).toMatchObject({ number: 1, year: 2026, date: expect.stringMatching(/^2026-01-0[12]$/) });
    expect((await get(`/ledger/voucher/${first.id}`)).body.value.id).toBe(first.id);
    const postings = (await get(`/ledger/voucher/${first.id}?fields=${encodeURIComponent('postings(amount,account(number))')}`)).body.value.postings;
    expect(postings.reduce((sum: number, p: { amount: number }) => sum + p.amount, 0)).toBeCloseTo(0, 6);
  });

  it('/ledger/voucher/>nonPosted ignores from and count and returns the whole set every time', async () => {
    const a = await get('/ledger/voucher/%3EnonPosted?from=0&count=2');
    const b = await get('/ledger/voucher/>nonPosted?from=2&count=2');
    expect(a.status).toBe(200);
    expect(a.body.values.length).toBeGreaterThan(2);
    expect(b.body.values).toEqual(a.body.values);
    expect(a.body.values.every((v: { number: number }) => v.number === 0)).toBe(true);
    expect(a.body.fullResultSize).toBe(a.body.values.length);
    expect((await get(`/ledger/voucher/${a.body.values[0].id}`)).status).toBe(200);
  });

  it('POST /customer creates a customer that later lists and GETs show, with a new id', async () => {
    const before = (await get('/customer?count=10000&fields=id')).body.values.map((c: { id: number }) => c.id);
    const created = await call(sim, '/customer', { token, method: 'POST', body: { name: 'Testkunde Fjordbris AS', email: 'post@fjordbris.no', organizationNumber: '914589655', isPrivateIndividual: false } });
    expect(created.status).toBe(201);
    const value = created.body.value;
    expect(value).toMatchObject({ name: 'Testkunde Fjordbris AS', email: 'post@fjordbris.no', organizationNumber: '914589655', customerNumber: expect.any(Number) });
    expect(before).not.toContain(value.id);
    expect(value.id).toBeGreaterThan(Math.max(...before));
    const after = (await get('/customer?count=10000&fields=id')).body.values.map((c: { id: number }) => c.id);
    expect(after).toHaveLength(before.length + 1);
    expect(after[after.length - 1]).toBe(value.id);
    expect((await get(`/customer/${value.id}`)).body.value).toEqual(value);
    expect((await get('/customer?customerName=fjordbris&fields=name')).body.values).toEqual([{ name: 'Testkunde Fjordbris AS' }]);
    expect(sim.stats().customersCreated).toBe(1);
    // Sorting by id, descending, puts it first.
    expect((await get('/customer?sorting=-id&count=1&fields=id')).body.values).toEqual([{ id: value.id }]);
  });

  it('POST /customer refuses a missing name, unknown fields and malformed JSON with Tripletex codes', async () => {
    const noName = await call(sim, '/customer', { token, method: 'POST', body: { email: 'x@y.no' } });
    expect(noName.status).toBe(422);
    expect(noName.body.code).toBe(18000);
    expect(noName.body.validationMessages).toEqual([{ field: 'name', message: expect.any(String), path: 'name', rootId: null }]);
    const blank = await call(sim, '/customer', { token, method: 'POST', body: { name: '   ' } });
    expect(blank.status).toBe(422);
    const unknown = await call(sim, '/customer', { token, method: 'POST', body: { name: 'X', shoeSize: 44 } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.code).toBe(16000);
    expect(unknown.body.validationMessages[0].field).toBe('shoeSize');
    for (const body of [{ name: 'X', isInactive: 'yes' }, { name: 'X', language: 'SV' }, { name: 'X', invoicesDueIn: 1.5 }, { name: { first: 'X' } }]) {
      const mistyped = await call(sim, '/customer', { token, method: 'POST', body });
      expect(mistyped.status).toBe(422);
      expect(mistyped.body.code).toBe(16000);
    }
    const numeric = await call(sim, '/customer', { token, method: 'POST', body: { name: 4711, organizationNumber: 914589655 } });
    expect(numeric.status).toBe(201);
    expect(numeric.body.value).toMatchObject({ name: '4711', organizationNumber: '914589655' });
    const broken = await call(sim, '/customer', { token, method: 'POST', body: '{"name": "Halv' });
    expect(broken.status).toBe(422);
    expect(broken.body.code).toBe(22000);
    const array = await call(sim, '/customer', { token, method: 'POST', body: '[]' });
    expect(array.status).toBe(422);
  });

  it('sends a checksum as versionDigest only for If-None-Match, answers 304 while unchanged, and a new digest after a change', async () => {
    const path = '/customer?count=5&fields=id,name';
    expect((await get(path)).body.versionDigest).toBe("'If-None-Match' header not specified");
    const first = await get(path, { 'if-none-match': '*' });
    const digest = first.body.versionDigest as string;
    expect(digest).toMatch(/^[0-9a-f]{16,}$/);
    const again = await get(path, { 'if-none-match': '*' });
    expect(again.body.versionDigest).toBe(digest);
    const unchanged = await get(path, { 'if-none-match': digest });
    expect(unchanged.status).toBe(304);
    expect(unchanged.text).toBe('');
    expect(unchanged.headers.get('x-tlx-request-id')).toBeTruthy();
    // The digest is of the full result, so the next page of the same list is "unchanged" too.
    expect((await get('/customer?from=5&count=5&fields=id,name', { 'if-none-match': digest })).status).toBe(304);
    await call(sim, '/customer', { token, method: 'POST', body: { name: 'Endring AS' } });
    const changed = await get(path, { 'if-none-match': digest });
    expect(changed.status).toBe(200);
    expect(changed.body.versionDigest).not.toBe(digest);
  });
});
