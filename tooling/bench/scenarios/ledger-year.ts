// A year of postings under Tripletex's limit (issue 12): GET /ledger/posting for a whole year
// matches far more than the 10,000 rows Tripletex serves for one query, so the action pages the
// year in date windows, halving any window Tripletex refuses as too large and sizing the rest by
// the rows per day it has seen. Two settings: Tripletex's 100 requests per 10 s, and 10 per 1 s,
// where every window's end, a short page, would leave a large share of a window idle unless the
// next window's first page is already on its way.
import { actionPass } from '../action-pass.js';
import { rateBoundRowsPerSecond } from '../bound.js';
import { fixed, median, whole, type Check, type Scenario } from '../report.js';
import { RowCheck } from '../rows.js';
import { SimulatorChild } from '../simulator-child.js';

const DATA_YEAR = 2025;
const FROM = `${DATA_YEAR}-01-01`;
const TO = `${DATA_YEAR + 1}-01-01`;
const LATENCY_MS = 250;
const ITEMS_PER_PAGE = 1000;

interface Settings {
  name: string;
  postings: number;
  limit: { limit: number; windowMs: number };
  /** Share of the rate-limit bound to reach, when the issue set one. */
  goal?: number;
  note: string;
}

export const ledgerYear = ledgerScenario({ name: 'ledger-year', postings: 120_000, limit: { limit: 100, windowMs: 10_000 }, note: 'no goal set (issue 12 asks for the figure)' });
export const ledgerYearShortWindows = ledgerScenario({ name: 'ledger-year-short-windows', postings: 90_000, limit: { limit: 10, windowMs: 1000 }, goal: 0.85, note: 'issue 23 measured 0.73 this way' });

function ledgerScenario({ name, postings: POSTINGS_PER_YEAR, limit: LIMIT, goal, note }: Settings): Scenario {
  return {
    name,
    summary: `a year of ${whole(POSTINGS_PER_YEAR)} postings at ${LIMIT.limit} requests per ${LIMIT.windowMs / 1000} s window and ${LATENCY_MS} ms latency, paged in date windows: rows/s against the bound`,
    async run({ repeat, log }) {
      const sim = await SimulatorChild.start({
        simulator: { size: 1000, postingsPerYear: POSTINGS_PER_YEAR, dataYear: DATA_YEAR, latencyMs: LATENCY_MS, rateLimit: LIMIT },
        warmUp: [{ path: '/ledger/posting', months: { fromParam: 'dateFrom', toParam: 'dateTo', from: FROM, to: TO } }],
      });
      try {
        Object.assign(process.env, sim.env);
        const expected = sim.ready.warmedUp[0]!;
        const rateBound = rateBoundRowsPerSecond(LIMIT, ITEMS_PER_PAGE);
        const runs: { seconds: number; rowsPerSecond: number; ofRate: number; requests: number; wire: number; refused: number; refusedAsTooLarge: number; windows: number; splits: number }[] = [];
        const checks: Check[] = [];
        for (let i = 0; i < repeat; i++) {
          const rows = new RowCheck({ by: { field: 'date' } });
          const pass = await actionPass(sim, { path: '/ledger/posting', query: { dateFrom: FROM, dateTo: TO }, itemsPerPage: ITEMS_PER_PAGE }, (values) => rows.add(values));
          const problem = rows.problem(expected);
          const { summary } = pass;
          checks.push({ label: `run ${i + 1}: every posting of the year once, in date order`, ok: problem === undefined, ...(problem ? { detail: problem } : {}) });
          checks.push({ label: `run ${i + 1}: no 429`, ok: pass.refused === 0, detail: `${pass.refused} answered by the simulator` });
          checks.push({ label: `run ${i + 1}: windows and splits reported`, ok: (summary.windows ?? 0) > 1 && (summary.splits ?? 0) > 0, detail: `${summary.windows} windows, ${summary.splits} splits` });
          checks.push({ label: `run ${i + 1}: the summary's requests are the requests on the wire`, ok: summary.requests === pass.wire, detail: `${summary.requests} counted, ${pass.wire} seen by the simulator` });
          const refusedAsTooLarge = pass.log.filter((r) => r.status === 422).length;
          runs.push({ seconds: pass.seconds, rowsPerSecond: rows.rows / pass.seconds, ofRate: rows.rows / pass.seconds / rateBound, requests: summary.requests, wire: pass.wire, refused: pass.refused, refusedAsTooLarge, windows: summary.windows ?? 0, splits: summary.splits ?? 0 });
          log(`${name}: run ${i + 1} of ${repeat}: ${fixed(pass.seconds, 2)} s, ${summary.windows} windows, ${summary.splits} splits`);
        }
        return {
          scenario: this.name,
          title: this.summary,
          settings: [
            `GET /ledger/posting?dateFrom=${FROM}&dateTo=${TO} (${whole(expected)} postings), ${ITEMS_PER_PAGE} a page, action defaults otherwise; ${repeat} runs, each as a fresh process in a fresh window`,
            `rate-limit bound ${whole(rateBound)} rows/s; Tripletex serves at most 10,000 matches per query, so the year is split`,
          ],
          figures: [
            { label: 'rows per second', value: whole(median(runs.map((r) => r.rowsPerSecond))), runs: runs.map((r) => whole(r.rowsPerSecond)) },
            { label: 'action / rate-limit bound', value: fixed(median(runs.map((r) => r.ofRate)), 2), runs: runs.map((r) => fixed(r.ofRate, 2)), ...(goal !== undefined ? { goal: { text: `≥ ${goal}`, met: median(runs.map((r) => r.ofRate)) >= goal } } : {}), note },
            { label: 'seconds', value: fixed(median(runs.map((r) => r.seconds)), 2), runs: runs.map((r) => fixed(r.seconds, 2)) },
            { label: 'requests (of them refused as too large)', value: `${median(runs.map((r) => r.requests))} (${median(runs.map((r) => r.refusedAsTooLarge))})`, runs: runs.map((r) => `${r.requests} (${r.refusedAsTooLarge})`) },
            { label: 'date windows / splits', value: `${median(runs.map((r) => r.windows))} / ${median(runs.map((r) => r.splits))}` },
            { label: '429s', value: String(runs.reduce((n, r) => n + r.refused, 0)), goal: { text: '0', met: runs.every((r) => r.refused === 0) } },
          ],
          checks,
          data: { postings: expected, latencyMs: LATENCY_MS, rateLimit: LIMIT, rateBoundRowsPerSecond: rateBound, runs },
        };
      } finally {
        await sim.close();
      }
    },
  };
}
