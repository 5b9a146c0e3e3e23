import { run, type PortPage } from '../../actions/rest-api-request-with-paging.js';
import type { RunningSimulator, SimulatorOptions } from '../../tooling/simulator/index.js';
import { recordingContext, startE2eSimulator } from './support.js';

// What a run says it did must be what the server saw: every request on the wire counted once
// (the session's creation included), none that never left. And where a list ends: a capped
// endpoint paged to its last row, and no page fetched past a total the list names.

interface Row {
  id: number;
}

const idsOf = (pages: unknown[]) => (pages as PortPage[]).flatMap((page) => (page.values as Row[]).map((row) => row.id));

/**
 * The simulator's count once it has caught up: a page fetched ahead and cancelled after it was
 * sent still reaches the server, a moment after the run has returned. More than expected fails
 * at once; fewer is waited for (as long as a loaded machine may need).
 */
async function serverCount(sim: RunningSimulator, expected: number): Promise<number> {
  for (let waited = 0; sim.requests.length < expected && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  return sim.requests.length;
}

describe('REST API Request with paging: requests counted as the server saw them', () => {
  let sim: RunningSimulator;
  const start = async (options: SimulatorOptions) => {
    sim = await startE2eSimulator(options);
  };
  afterEach(async () => {
    await sim.close();
  });
  const connection = () => ({ name: 'E2E', consumerToken: sim.tokens.production.consumerToken, employeeToken: sim.tokens.production.employeeTokens.employee });

  it.each([
    ['an exact fullResultSize', false],
    ["Tripletex's inexact fullResultSize (pages fetched ahead past the end are cancelled)", true],
  ])('counts every request the server saw, the session included, with %s', async (_name, inexact) => {
    await start({ size: 4321, inexactFullResultSize: inexact, latencyMs: 20 });
    for (let runNumber = 0; runNumber < 3; runNumber++) {
      // The first run creates the session; the others reuse it.
      const before = sim.requests.length;
      const ctx = recordingContext();
      const summary = await run({ connection: connection(), path: '/customer', itemsPerPage: 500 }, ctx);
      expect(idsOf(ctx.pages)).toHaveLength(4321);
      expect((await serverCount(sim, before + summary.requests)) - before).toBe(summary.requests);
      const created = sim.requests.slice(before).filter((r) => r.path === '/token/session/:create').length;
      expect(created).toBe(runNumber === 0 ? 1 : 0);
    }
  });

  it('asks for no page past the last one when fullResultSize names the total (10,500 rows, 1000 a page)', async () => {
    await start({ size: 10_500, inexactFullResultSize: false });
    const ctx = recordingContext();
    const summary = await run({ connection: connection(), path: '/customer' }, ctx);
    expect(idsOf(ctx.pages)).toHaveLength(10_500);
    const froms = sim.requests.filter((r) => r.path === '/customer').map((r) => Number(r.query.from));
    // Pages from 0 to 10,000, the last one short: 11 requests, and nothing after.
    expect(froms.sort((a, b) => a - b)).toEqual(Array.from({ length: 11 }, (_, i) => i * 1000));
    expect(summary).toMatchObject({ pages: 11, requests: 12, stopReason: 'end-of-results', stoppedEarly: false });
  });

  it('pages an endpoint that serves at most 50 rows whatever count says to its end, and says so', async () => {
    await start({ size: 730, lists: { '/customer': { cap: 50, fullResultSize: 'exact' } } });
    const ctx = recordingContext();
    const summary = await run({ connection: connection(), path: '/customer', itemsPerPage: 1000 }, ctx);
    const ids = idsOf(ctx.pages);
    expect(ids).toHaveLength(730);
    expect(new Set(ids).size).toBe(730);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(summary).toMatchObject({ items: 730, pages: 15, nextIndex: 730, stopReason: 'end-of-results', stoppedEarly: false });
    expect(summary.warnings).toEqual([expect.stringMatching(/^Page 0 \(from 0\) returned 50 rows where 1000 were asked for, while its fullResultSize said 730; the next request found more rows\. The endpoint serves at most 50 rows a page, so paging went on 50 rows at a time\.$/)]);
    // One request at 1000, then 50 a page, and nothing past row 730.
    const asked = sim.requests.filter((r) => r.path === '/customer').map((r) => [Number(r.query.from), Number(r.query.count)] as const);
    expect(asked[0]).toEqual([0, 1000]);
    expect(asked.slice(1).every(([, count]) => count === 50)).toBe(true);
    expect(Math.max(...asked.map(([from]) => from))).toBe(700);
    expect((await serverCount(sim, summary.requests))).toBe(summary.requests);
  });
});
