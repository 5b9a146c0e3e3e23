import { run, type PortPage } from '../../actions/rest-api-request-with-paging.js';
import type { RunningSimulator } from '../../tooling/simulator/index.js';
import { cleanEnv, ndjson, runCli } from '../host/e2e/cli-process.js';
import { freshProcessState, recordingContext, startE2eSimulator } from './support.js';

// The commonest export: a year of ledger postings, more than Tripletex serves for one query
// (422, code 23000 over 10,000 matches). Against the simulator at Tripletex's own limits (result
// set 10,000, rate limit 100 requests per 10 s: its defaults), the pack splits the year into
// windows and delivers every posting once, in date order, without a single 429.

interface Posting {
  id: number;
  date: string;
}

describe('a year of ledger postings over the result limit, at the real rate limit', () => {
  let sim: RunningSimulator;
  const year = () => ({ dateFrom: sim.dataPeriod.from, dateTo: `${Number(sim.dataPeriod.from.slice(0, 4)) + 1}-01-01` });

  beforeAll(async () => {
    sim = await startE2eSimulator({ size: 200, postingsPerYear: 30_000 });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => freshProcessState());

  const connection = () => ({ name: 'Ledger', consumerToken: sim.tokens.production.consumerToken, employeeToken: sim.tokens.production.employeeTokens.employee });
  const rows = (pages: unknown[]) => (pages as PortPage[]).flatMap((p) => p.values as Posting[]);

  it('splits the year, delivers every posting once and in date order, with 0 429s', async () => {
    sim.resetRequests();
    const ctx = recordingContext();
    const summary = await run({ connection: connection(), path: '/ledger/posting', query: year(), fields: 'id,date', itemsPerPage: 1000 }, ctx);
    const got = rows(ctx.pages);
    // The whole year was refused at least once: the run really had to split.
    expect(sim.requests.some((r) => r.path === '/ledger/posting' && r.status === 422)).toBe(true);
    expect(summary.splits).toBeGreaterThan(0);
    expect(summary.windows).toBeGreaterThan(1);
    expect(summary.rateLimited).toBe(0);
    expect(sim.requests.filter((r) => r.status === 429)).toHaveLength(0);
    for (let i = 1; i < got.length; i++) expect(got[i]!.date >= got[i - 1]!.date).toBe(true);

    // What the year holds, read without the limit in one query sorted the same way: the same rows.
    sim.setResultSetLimit(1_000_000);
    freshProcessState();
    const whole = recordingContext();
    await run({ connection: connection(), path: '/ledger/posting', query: year(), fields: 'id,date', itemsPerPage: 5000 }, whole);
    sim.setResultSetLimit(undefined);
    const expected = rows(whole.pages);
    expect(expected.length).toBeGreaterThan(10_000);
    expect(got.map((p) => p.id).sort((a, b) => a - b)).toEqual(expected.map((p) => p.id).sort((a, b) => a - b));
    expect(new Set(got.map((p) => p.id)).size).toBe(got.length);
  });

  it('does the same from the command line, reporting windows and splits', async () => {
    const { dateFrom, dateTo } = year();
    const result = await runCli(['request', 'GET', '/ledger/posting', '--query', `dateFrom=${dateFrom}`, '--query', `dateTo=${dateTo}`, '--fields', 'id,date', '--json'], {
      env: cleanEnv({ ...sim.env, TRIPLETEX_CONSUMER_TOKEN: sim.tokens.production.consumerToken, TRIPLETEX_EMPLOYEE_TOKEN: sim.tokens.production.employeeTokens.employee }),
    });
    expect(result.code).toBe(0);
    const postings = ndjson(result.stdout);
    expect(postings.length).toBeGreaterThan(10_000);
    expect(new Set(postings.map((p) => p.id)).size).toBe(postings.length);
    const summary = JSON.parse(result.stderr.trim().split('\n').pop()!).summary;
    expect(summary).toMatchObject({ items: postings.length, rateLimited: 0, stoppedEarly: false });
    expect(summary.splits).toBeGreaterThan(0);
  });
});
