import { run, type PortPage } from '../../actions/rest-api-request-with-paging.js';
import type { RunningSimulator } from '../../tooling/simulator/index.js';
import { recordingContext, startE2eSimulator } from './support.js';

// Cases where rows used to be lost or repeated without a word, reproduced on the simulator:
// a capped page whose total says 0, a list that grows while it is paged in descending order,
// a page size the server refuses as "too large", and a sorting that cannot hold across date
// windows. Rows are identified by id, so a lost or repeated row fails the test.

interface Row {
  id: number;
  date?: string;
}

const rowsOf = (pages: unknown[]) => (pages as PortPage[]).flatMap((page) => page.values as Row[]);
const idsOf = (pages: unknown[]) => rowsOf(pages).map((row) => row.id);

describe('paging at the edges, against the simulator', () => {
  let sim: RunningSimulator;
  afterEach(async () => {
    await sim.close();
  });

  const connection = () => ({ name: 'Edges', consumerToken: sim.tokens.production.consumerToken, employeeToken: sim.tokens.production.employeeTokens.employee });

  it('pages every row of a list capped at 50 whose fullResultSize says 0, and says the endpoint caps its pages', async () => {
    sim = await startE2eSimulator({ size: 730, lists: { '/customer': { cap: 50, fullResultSize: 'zero' } } });
    const ctx = recordingContext();
    const summary = await run({ connection: connection(), path: '/customer', fields: 'id', itemsPerPage: 1000 }, ctx);
    const ids = idsOf(ctx.pages);
    expect(ids).toHaveLength(730);
    expect(new Set(ids).size).toBe(730);
    expect(summary).toMatchObject({ items: 730, stopReason: 'end-of-results', stoppedEarly: false });
    expect(summary.warnings).toEqual([expect.stringMatching(/^Page 0 \(from 0\) returned 50 rows where 1000 were asked for, and its fullResultSize \(0\) said nothing of more; the next request found more rows\. The endpoint serves at most 50 rows a page/)]);
  });

  it('hands each customer on once while customers are created during a run sorted by -id, and says how many came back', async () => {
    sim = await startE2eSimulator({ size: 730 });
    const before = new Set(idsOf((await collect({ connection: connection(), path: '/customer', fields: 'id', itemsPerPage: 1000 })).pages));
    expect(before.size).toBe(730);
    // From now on every list request first creates 3 customers, as busy colleagues would.
    sim.setListBehaviour('/customer', { grow: 3 });
    const ctx = recordingContext();
    const summary = await run({ connection: connection(), path: '/customer', fields: 'id', sorting: '-id', itemsPerPage: 100, prefetchPages: 0 }, ctx);
    const ids = idsOf(ctx.pages);
    expect(new Set(ids).size).toBe(ids.length);
    // Pushed down, never past a page: every customer that existed before the run was handed on.
    expect([...before].filter((id) => !ids.includes(id))).toEqual([]);
    // Each page after the first began with the 3 rows the page before ended with.
    const pages = ctx.pages.length;
    expect(summary.repeatedRowsLeftOut).toBe(3 * (pages - 1));
    expect(summary.items).toBe(ids.length);
    expect(summary.warnings).toEqual([expect.stringMatching(new RegExp(`^${3 * (pages - 1)} rows came back that had been handed on already in this run \\(same id\\): the list shifted while it was paged.* sorted by "-id"\\. They were left out`))]);

    // With pages fetched ahead the answers interleave differently, and still no row repeats.
    const ahead = recordingContext();
    const second = await run({ connection: connection(), path: '/customer', fields: 'id', sorting: '-id', itemsPerPage: 100 }, ahead);
    expect(new Set(idsOf(ahead.pages)).size).toBe(second.items);
    expect(second.repeatedRowsLeftOut).toBeGreaterThan(0);
  });

  it('uses a smaller page when the server refuses the page size ("Limit of 500"), instead of calling for a narrower query', async () => {
    sim = await startE2eSimulator({ size: 730, maxCount: 500 });
    const ctx = recordingContext();
    const summary = await run({ connection: connection(), path: '/customer', fields: 'id', itemsPerPage: 1000 }, ctx);
    expect(new Set(idsOf(ctx.pages)).size).toBe(730);
    expect((ctx.pages as PortPage[]).map((p) => p.count)).toEqual([500, 500]);
    expect(summary.warnings).toEqual(['Page 0 (from 0) was refused for asking 1000 rows at once; the endpoint takes 500, so paging went on 500 rows at a time. Set itemsPerPage to 500 to save the refused request.']);
    expect(sim.requests.filter((r) => r.status === 422)).toHaveLength(1);
  });

  it('pages a year of postings at the page size the server takes, instead of halving the range down to a day', async () => {
    sim = await startE2eSimulator({ size: 50, postingsPerYear: 1200, dataYear: 2025, maxCount: 500 });
    const year = { dateFrom: '2025-01-01', dateTo: '2026-01-01' };
    const reference = await collect({ connection: connection(), path: '/ledger/posting', query: year, fields: 'id', itemsPerPage: 500 });
    expect(reference.summary.items).toBeGreaterThan(1000);
    sim.resetRequests();
    const ctx = recordingContext();
    const summary = await run({ connection: connection(), path: '/ledger/posting', query: year, fields: 'id,date', itemsPerPage: 1000 }, ctx);
    expect(idsOf(ctx.pages)).toEqual(idsOf(reference.pages));
    expect(summary).toMatchObject({ windows: 1, splits: 0, stoppedEarly: false });
    expect(sim.requests.filter((r) => r.status === 422)).toHaveLength(1);
    expect(summary.warnings.join(' ')).toMatch(/the endpoint takes 500/);
  });

  it('warns that a sorting other than the date, ascending, restarts at each date window; the date ascending holds across them', async () => {
    sim = await startE2eSimulator({ size: 50, postingsPerYear: 3000, dataYear: 2025, resultSetLimit: 1000 });
    const year = { dateFrom: '2025-01-01', dateTo: '2026-01-01' };
    const descending = await collect({ connection: connection(), path: '/ledger/posting', query: year, fields: 'id,date', sorting: '-date' });
    expect(descending.summary.windows).toBeGreaterThan(1);
    const second = (descending.pages as PortPage[]).find((p) => p.window!.from !== '2025-01-01')!.window!.from;
    expect(descending.summary.warnings).toEqual([
      `Rows are in "-date" order only within each date window: Tripletex refused dateFrom 2025-01-01 to dateTo 2026-01-01 whole, so it was paged in windows, one after another by date, and the order starts again at each window (the second starts at ${second}). Sort by "date" for one order across the run, or sort the rows after the run.`,
    ]);
    // The order really does restart: a later row is dated after an earlier, against "-date".
    const dates = rowsOf(descending.pages).map((r) => r.date!);
    expect(dates.some((d, i) => i > 0 && d > dates[i - 1]!)).toBe(true);

    const ascending = await collect({ connection: connection(), path: '/ledger/posting', query: year, fields: 'id,date', sorting: 'date,id' });
    expect(ascending.summary.warnings).toEqual([]);
    const inOrder = rowsOf(ascending.pages).map((r) => r.date!);
    expect(inOrder).toEqual([...inOrder].sort());
    // A range accepted whole keeps any order: nothing to warn about.
    const month = await collect({ connection: connection(), path: '/ledger/posting', query: { dateFrom: '2025-03-01', dateTo: '2025-04-01' }, sorting: '-id' });
    expect(month.summary).toMatchObject({ windows: 1, warnings: [] });
  });

  async function collect(inputs: Record<string, unknown>) {
    const ctx = recordingContext();
    const summary = await run(inputs, ctx);
    return { summary, pages: ctx.pages };
  }
});
