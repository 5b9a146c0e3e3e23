import { startSimulator, type RunningSimulator } from '../../tooling/simulator/index.js';
import { addDays } from '../../tooling/simulator/oslo-clock.js';
import { call, createSession } from './helpers.js';

// /ledger/posting and /order, and Tripletex's "Result set too large": a date-ranged query that
// matches more rows than the limit is refused whole, whatever page size it asks for, and the
// client must narrow the range. Dates come from sim.dataPeriod, which follows the clock.

const TOO_LARGE = 'Result set too large. Limit of 10.000 reached.';

describe('simulator: postings, orders and the result-set limit', () => {
  let sim: RunningSimulator;
  let token: string;
  /** The first full year of seeded data, [start, end). */
  let start: string;
  let end: string;
  beforeAll(async () => {
    // 24,000 postings a year: a whole year (and half of one) is over the limit, a quarter is not.
    sim = await startSimulator({ size: 30, postingsPerYear: 24_000 });
    token = await createSession(sim);
    start = sim.dataPeriod.from;
    end = `${Number(start.slice(0, 4)) + 1}-01-01`;
  });
  afterAll(() => sim.close());
  afterEach(() => sim.setResultSetLimit(undefined));

  const get = (path: string) => call(sim, path, { token });
  const month = (n: number) => `${start.slice(0, 4)}-${String(n).padStart(2, '0')}-01`;

  it('refuses a whole year of postings, vouchers, invoices and orders with 422/23000, whatever count says', async () => {
    const lists = [
      `/ledger/posting?dateFrom=${start}&dateTo=${end}`,
      `/ledger/voucher?dateFrom=${start}&dateTo=${end}`,
      `/invoice?invoiceDateFrom=${start}&invoiceDateTo=${end}`,
      `/order?orderDateFrom=${start}&orderDateTo=${end}`,
    ];
    for (const path of lists) {
      for (const count of ['1', '1000', '10000']) {
        const r = await get(`${path}&count=${count}`);
        expect({ path, count, status: r.status, code: r.body.code, message: r.body.message }).toEqual({ path, count, status: 422, code: 23000, message: TOO_LARGE });
      }
    }
  });

  it('answers once the range is narrow enough: half a year of postings is still too many, a quarter is not', async () => {
    expect((await get(`/ledger/posting?dateFrom=${start}&dateTo=${month(7)}`)).body.code).toBe(23000);
    const quarter = await get(`/ledger/posting?dateFrom=${start}&dateTo=${month(4)}&count=10000`);
    expect(quarter.status).toBe(200);
    // count=10000 is accepted on /ledger/posting, and the envelope's count is the rows sent.
    expect(quarter.body.count).toBe(quarter.body.values.length);
    expect(quarter.body.values.length).toBeGreaterThan(5000);
    expect(quarter.body.values.length).toBeLessThan(10_000);
    expect(quarter.body.fullResultSize).toBe(quarter.body.values.length);
  });

  it('the limit counts matches: exactly at the limit is answered, one over is refused; lists without a date range are not limited', async () => {
    const range = `dateFrom=${month(2)}&dateTo=${month(3)}`;
    const matches = (await get(`/ledger/posting?${range}&count=10000&fields=id`)).body.values.length as number;
    expect(matches).toBeGreaterThan(100);
    sim.setResultSetLimit(matches);
    expect((await get(`/ledger/posting?${range}&count=10`)).status).toBe(200);
    sim.setResultSetLimit(matches - 1);
    const refused = await get(`/ledger/posting?${range}&count=10`);
    expect(refused.status).toBe(422);
    expect(refused.body.message).toBe(`Result set too large. Limit of ${(matches - 1).toLocaleString('de-DE')} reached.`);
    sim.setResultSetLimit(5);
    expect((await get('/customer?count=1000')).body.values).toHaveLength(30);
  });

  it('serves postings as their own list: the vouchers\' rows, in date order, with exclusive dateTo and sorting', async () => {
    const range = `dateFrom=${month(3)}&dateTo=${month(4)}`;
    const postings = (await get(`/ledger/posting?${range}&count=10000&fields=id,date,voucher,amount`)).body.values as { id: number; date: string; voucher: { id: number }; amount: number }[];
    expect(postings.length).toBeGreaterThan(0);
    expect(postings.every((p) => p.date >= month(3) && p.date < month(4))).toBe(true);
    expect(postings.map((p) => p.date)).toEqual([...postings.map((p) => p.date)].sort());
    // A posting is dated on the first of the next month; an exclusive dateTo leaves it out.
    const withNextDay = (await get(`/ledger/posting?dateFrom=${month(3)}&dateTo=${addDays(month(4), 1)}&count=10000&fields=date`)).body.values as { date: string }[];
    expect(withNextDay.filter((p) => p.date === month(4)).length).toBeGreaterThan(0);

    const first = postings[0]!;
    const voucher = (await get(`/ledger/voucher/${first.voucher.id}?fields=id,postings(id,amount)`)).body.value;
    expect(voucher.postings.map((p: { id: number }) => p.id)).toContain(first.id);
    const single = await get(`/ledger/posting/${first.id}`);
    expect(single.body.value).toMatchObject({ id: first.id, date: first.date, amount: first.amount });

    const newest = await get(`/ledger/posting?${range}&sorting=-date&count=1&fields=date`);
    expect(newest.body.values[0].date).toBe(postings.at(-1)!.date);
    const byAccount = await get(`/ledger/posting?${range}&count=10000&fields=account(id)`);
    const accountId = byAccount.body.values[0].account.id as number;
    const filtered = (await get(`/ledger/posting?${range}&accountId=${accountId}&count=10000&fields=account(id)`)).body.values as { account: { id: number } }[];
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.length).toBeLessThan(byAccount.body.values.length);
    expect(filtered.every((p) => p.account.id === accountId)).toBe(true);
  });

  it('serves orders with orderDateFrom/orderDateTo (To exclusive) and a customer search', async () => {
    const range = `orderDateFrom=${month(5)}&orderDateTo=${month(6)}`;
    const orders = (await get(`/order?${range}&count=10000&fields=id,orderDate,customer,number`)).body.values as { id: number; orderDate: string; customer: { id: number } }[];
    expect(orders.length).toBeGreaterThan(100);
    expect(orders.every((o) => o.orderDate >= month(5) && o.orderDate < month(6))).toBe(true);
    const customerId = orders[0]!.customer.id;
    const theirs = (await get(`/order?${range}&customerId=${customerId}&fields=customer`)).body.values as { customer: { id: number } }[];
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.every((o) => o.customer.id === customerId)).toBe(true);
    expect((await get(`/order/${orders[0]!.id}`)).body.value.orderDate).toBe(orders[0]!.orderDate);
  });

  it('sizes the demo company\'s ledger from postingsPerYear, and from size by default', async () => {
    const small = await startSimulator({ size: 30 });
    try {
      const session = await createSession(small);
      const year = `dateFrom=${small.dataPeriod.from}&dateTo=${Number(small.dataPeriod.from.slice(0, 4)) + 1}-01-01`;
      // Default: 2 × size postings a year, so 60 in the first year.
      const postings = await call(small, `/ledger/posting?${year}&count=10000&fields=id`, { token: session });
      expect(postings.body.values.length).toBeGreaterThanOrEqual(58);
      expect(postings.body.values.length).toBeLessThanOrEqual(62);
    } finally {
      await small.close();
    }
  });
});
