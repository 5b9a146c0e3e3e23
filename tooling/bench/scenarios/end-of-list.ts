// Requests past the end of a list: with fetch-ahead, pages after the last one may already be on
// their way when the short page that ends the list arrives. An exact fullResultSize says where
// the list ends, so none should be. With Tripletex's inexact total (from + count + 1) nothing
// says where it ends: pages fetched ahead past it cost nothing while the rate-limit window has
// budget to spare, but on a tight budget they are requests the list did not need, so the
// action sends them only with budget the proven pages do not need.
import { actionPass } from '../action-pass.js';
import { median, whole, type Check, type Scenario } from '../report.js';
import { RowCheck } from '../rows.js';
import { SimulatorChild } from '../simulator-child.js';
import type { RateLimitSetting } from '../../simulator/index.js';

const ROWS = 10_500;
const ITEMS_PER_PAGE = 1000;
const LATENCY_MS = 50;
const TIGHT = { limit: 5, windowMs: 1000 };

interface Mode {
  name: string;
  exact: boolean;
  /** Undefined: Tripletex's limit (100 per 10 s), which these runs are too short to meet. */
  rateLimit?: RateLimitSetting;
}

const MODES: Mode[] = [
  { name: 'exact', exact: true },
  { name: 'inexact', exact: false },
  { name: `inexact, ${TIGHT.limit} per ${TIGHT.windowMs / 1000} s`, exact: false, rateLimit: TIGHT },
];

export const endOfList: Scenario = {
  name: 'end-of-list',
  summary: `${whole(ROWS)} customers, ${ITEMS_PER_PAGE} a page: requests past the last page, with an exact and with Tripletex's inexact fullResultSize, and on a tight budget`,
  async run({ repeat, log }) {
    const lastFrom = Math.floor(ROWS / ITEMS_PER_PAGE) * ITEMS_PER_PAGE;
    const checks: Check[] = [];
    const byMode: Record<string, number[]> = {};
    const refusedByMode: Record<string, number> = {};
    for (const mode of MODES) {
      const sim = await SimulatorChild.start({
        simulator: { size: ROWS, latencyMs: LATENCY_MS, inexactFullResultSize: !mode.exact, ...(mode.rateLimit ? { rateLimit: mode.rateLimit } : {}) },
        warmUp: [{ path: '/customer', query: { sorting: 'id' } }],
      });
      try {
        Object.assign(process.env, sim.env);
        byMode[mode.name] = [];
        refusedByMode[mode.name] = 0;
        for (let i = 0; i < repeat; i++) {
          const rows = new RowCheck();
          const pass = await actionPass(sim, { path: '/customer', sorting: 'id', itemsPerPage: ITEMS_PER_PAGE }, (values) => rows.add(values));
          const past = pass.log.filter((r) => r.path === '/customer' && (r.from ?? 0) > lastFrom).length;
          byMode[mode.name]!.push(past);
          refusedByMode[mode.name]! += pass.refused;
          const problem = rows.problem(ROWS);
          checks.push({ label: `${mode.name} run ${i + 1}: every row once, in id order`, ok: problem === undefined, ...(problem ? { detail: problem } : {}) });
          checks.push({ label: `${mode.name} run ${i + 1}: the summary's requests are the requests on the wire`, ok: pass.summary.requests === pass.wire, detail: `${pass.summary.requests} counted, ${pass.wire} seen by the simulator` });
          log(`end-of-list: ${mode.name} run ${i + 1} of ${repeat}: ${past} past the last page`);
        }
      } finally {
        await sim.close();
      }
    }
    const worst = (mode: Mode) => Math.max(...byMode[mode.name]!);
    const tight = MODES[2]!;
    return {
      scenario: this.name,
      title: this.summary,
      settings: [
        `GET /customer?sorting=id, ${ITEMS_PER_PAGE} a page, prefetchPages at its default; the last page starts at ${whole(lastFrom)}; ${LATENCY_MS} ms latency; ${repeat} runs each`,
        `Tripletex's limit (100 per 10 s) but for "${tight.name}"`,
      ],
      figures: [
        { label: 'past the last page (exact)', value: String(worst(MODES[0]!)), runs: byMode[MODES[0]!.name]!.map(String), goal: { text: '≤ 1', met: worst(MODES[0]!) <= 1 }, note: 'worst run' },
        { label: 'past the last page (inexact)', value: String(median(byMode[MODES[1]!.name]!)), runs: byMode[MODES[1]!.name]!.map(String), note: 'median; from + count + 1 names no total' },
        { label: `past the last page (${tight.name})`, value: String(worst(tight)), runs: byMode[tight.name]!.map(String), goal: { text: '≤ 1', met: worst(tight) <= 1 }, note: 'worst run' },
        { label: `429s (${tight.name})`, value: String(refusedByMode[tight.name]), goal: { text: '0', met: refusedByMode[tight.name] === 0 } },
      ],
      checks,
      data: { rows: ROWS, itemsPerPage: ITEMS_PER_PAGE, pastTheLastPage: byMode, refused: refusedByMode },
    };
  },
};
