import { parseListSpec } from '../../tooling/simulator/settings.js';
import { startSimulator, type RunningSimulator } from '../../tooling/simulator/index.js';
import { call, createSession } from './helpers.js';

// Per-list paging quirks real Tripletex endpoints show: a page capped whatever `count` says, a
// `from` that is ignored, the whole set on every call, and the various fullResultSize answers.

describe('simulator: per-list paging behaviour', () => {
  let sim: RunningSimulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator({ size: 730, lists: { '/customer': { cap: 50, fullResultSize: 'exact' } } });
    token = await createSession(sim);
  });
  afterAll(() => sim.close());

  const get = (path: string) => call(sim, path, { token });
  const ids = (r: { body: { values: { id: number }[] } }) => r.body.values.map((v) => v.id);

  it('a capped list returns at most its cap, whatever count asks, with an exact fullResultSize', async () => {
    const first = await get('/customer?count=1000&fields=id');
    expect(first.body).toMatchObject({ fullResultSize: 730, from: 0, count: 50 });
    expect(first.body.values).toHaveLength(50);
    const second = await get('/customer?from=50&count=1000&fields=id');
    expect(second.body.values).toHaveLength(50);
    expect(ids(second)[0]).toBeGreaterThan(ids(first)[49]!);
    // Below the cap, count is honoured.
    expect((await get('/customer?count=20&fields=id')).body.values).toHaveLength(20);
  });

  it('setListBehaviour replaces a list\'s setting, and undefined restores its defaults', async () => {
    try {
      sim.setListBehaviour('/customer', { ignoreFrom: true });
      const a = await get('/customer?from=0&count=10&fields=id');
      const b = await get('/customer?from=10&count=10&fields=id');
      expect(ids(b)).toEqual(ids(a));
      expect(b.body.from).toBe(0);
      sim.setListBehaviour('/customer', undefined);
      const paged = await get('/customer?from=10&count=10&fields=id');
      expect(paged.body.from).toBe(10);
      expect(ids(paged)[0]).toBeGreaterThan(ids(a)[9]!);
      // Back to the simulator-wide inexact fullResultSize: one more than the request reaches.
      expect(paged.body.fullResultSize).toBe(21);
    } finally {
      sim.setListBehaviour('/customer', { cap: 50, fullResultSize: 'exact' });
    }
  });

  it('>nonPosted returns the whole set by default; paged makes it honour from and count', async () => {
    const whole = await get('/ledger/voucher/>nonPosted?from=2&count=1&fields=id');
    expect(whole.body.from).toBe(0);
    expect(whole.body.values.length).toBeGreaterThan(2);
    try {
      sim.setListBehaviour('/ledger/voucher/>nonPosted', { wholeSet: false });
      const page = await get('/ledger/voucher/>nonPosted?from=2&count=1&fields=id');
      expect(page.body).toMatchObject({ from: 2, count: 1 });
      expect(ids(page)).toEqual([ids(whole)[2]]);
    } finally {
      sim.setListBehaviour('/ledger/voucher/>nonPosted', undefined);
    }
  });

  it('fullResultSize per list: zero on any list, and exact where the list is 0 by default', async () => {
    try {
      sim.setListBehaviour('/supplier', { fullResultSize: 'zero' });
      const suppliers = await get('/supplier?count=5');
      expect(suppliers.body).toMatchObject({ fullResultSize: 0, count: 5 });
      sim.setListBehaviour('/ledger/vatType', { fullResultSize: 'exact' });
      const vat = await get('/ledger/vatType');
      expect(vat.body.fullResultSize).toBe(vat.body.values.length);
    } finally {
      sim.setListBehaviour('/supplier', undefined);
      sim.setListBehaviour('/ledger/vatType', undefined);
    }
    expect((await get('/ledger/vatType')).body.fullResultSize).toBe(0);
  });

  it('grows /customer before each answer, as colleagues creating customers would: new rows first under sorting=-id', async () => {
    try {
      sim.setListBehaviour('/customer', { grow: 3 });
      const first = await get('/customer?sorting=-id&count=5&fields=id');
      const second = await get('/customer?sorting=-id&from=5&count=5&fields=id');
      // Three customers were created before the second page: it begins with the last three of the first.
      expect(ids(second).slice(0, 3)).toEqual(ids(first).slice(2));
      expect(second.body.values[0]).toBeDefined();
      const newest = await get('/customer?sorting=-id&count=1&fields=id,name');
      expect(newest.body.values[0]).toMatchObject({ name: expect.stringMatching(/^Ny kunde \d+$/) });
    } finally {
      sim.setListBehaviour('/customer', { cap: 50, fullResultSize: 'exact' });
    }
    expect(() => sim.setListBehaviour('/supplier', { grow: 1 })).toThrow(/grow is served for \/customer only/);
    expect(() => sim.setListBehaviour('/customer', { grow: -1 })).toThrow(/grow must be a whole number/);
  });

  it("a list's own largest count: above it 422/23000 naming that limit, other lists keep the instance's", async () => {
    try {
      sim.setListBehaviour('/supplier', { maxCount: 2000 });
      const refused = await get('/supplier?count=2001&fields=id');
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: 23000, message: 'Result set too large. Limit of 2.000 reached.' });
      expect((await get('/supplier?count=2000&fields=id')).status).toBe(200);
      // Other lists keep the instance's limit (10000).
      expect((await get('/product?count=5000&fields=id')).status).toBe(200);
      expect((await get('/product?count=10001&fields=id')).body).toMatchObject({ code: 23000, message: 'Result set too large. Limit of 10.000 reached.' });
      expect(() => sim.setListBehaviour('/supplier', { maxCount: 0 })).toThrow(/maxCount must be/);
    } finally {
      sim.setListBehaviour('/supplier', undefined);
    }
  });

  it('refuses a behaviour for a path that is not a list, or one that cannot mean anything', async () => {
    expect(() => sim.setListBehaviour('/nowhere', { cap: 5 })).toThrow(/not a list the simulator serves/);
    expect(() => sim.setListBehaviour('/customer/{id}', { cap: 5 })).toThrow(/not a list/);
    expect(() => sim.setListBehaviour('/customer', { cap: 0 })).toThrow(/cap must be/);
    expect(() => sim.setListBehaviour('/customer', { fullResultSize: 'maybe' as 'zero' })).toThrow(/fullResultSize must be/);
    expect(() => sim.setListBehaviour('/customer', { capped: 5 } as never)).toThrow(/unknown setting capped/);
    await expect(startSimulator({ lists: { '/nowhere': {} } })).rejects.toThrow(/not a list/);
  });

  it('parses the CLI list syntax', () => {
    expect(parseListSpec('/customer=cap=50')).toEqual({ path: '/customer', behaviour: { cap: 50 } });
    expect(parseListSpec('/ledger/voucher/>nonPosted=paged,ignore-from,full-result-size=zero')).toEqual({
      path: '/ledger/voucher/>nonPosted',
      behaviour: { wholeSet: false, ignoreFrom: true, fullResultSize: 'zero' },
    });
    expect(parseListSpec('/supplier=whole-set')).toEqual({ path: '/supplier', behaviour: { wholeSet: true } });
    expect(parseListSpec('/customer=grow=2')).toEqual({ path: '/customer', behaviour: { grow: 2 } });
    expect(parseListSpec('/ledger/posting=max-count=10000')).toEqual({ path: '/ledger/posting', behaviour: { maxCount: 10000 } });
    expect(() => parseListSpec('/customer=max-count=lots')).toThrow(/max-count must be a whole number/);
    expect(() => parseListSpec('/customer=grow=some')).toThrow(/grow must be a whole number/);
    expect(() => parseListSpec('/customer')).toThrow(/PATH=OPTION/);
    expect(() => parseListSpec('/customer=cap=x')).toThrow(/cap must be a whole number/);
    expect(() => parseListSpec('/customer=sideways')).toThrow(/unknown option "sideways"/);
    expect(() => parseListSpec('/customer=full-result-size=huge')).toThrow(/full-result-size must be/);
  });
});
