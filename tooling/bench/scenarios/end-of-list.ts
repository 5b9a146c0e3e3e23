// Requests past the end of a list: with fetch-ahead, pages after the last one may already be on
// their way when the short page that ends the list arrives. An exact fullResultSize says where
// the list ends, so none should be.
import { actionPass } from '../action-pass.js';
import { median, whole, type Check, type Scenario } from '../report.js';
import { RowCheck } from '../rows.js';
import { SimulatorChild } from '../simulator-child.js';

const ROWS = 10_500;
const ITEMS_PER_PAGE = 1000;
const LATENCY_MS = 50;

export const endOfList: Scenario = {
  name: 'end-of-list',
  summary: `${whole(ROWS)} customers, ${ITEMS_PER_PAGE} a page: requests past the last page, with an exact and with Tripletex's inexact fullResultSize`,
  async run({ repeat, log }) {
    const lastFrom = Math.floor(ROWS / ITEMS_PER_PAGE) * ITEMS_PER_PAGE;
    const checks: Check[] = [];
    const byMode: Record<string, number[]> = {};
    for (const exact of [true, false]) {
      const mode = exact ? 'exact' : 'inexact';
      const sim = await SimulatorChild.start({
        // Tripletex's limit: these runs are too short to meet it, so it changes nothing.
        simulator: { size: ROWS, latencyMs: LATENCY_MS, inexactFullResultSize: !exact },
        warmUp: [{ path: '/customer', query: { sorting: 'id' } }],
      });
      try {
        Object.assign(process.env, sim.env);
        byMode[mode] = [];
        for (let i = 0; i < repeat; i++) {
          const rows = new RowCheck();
          const pass = await actionPass(sim, { path: '/customer', sorting: 'id', itemsPerPage: ITEMS_PER_PAGE }, (values) => rows.add(values));
          const past = pass.log.filter((r) => r.path === '/customer' && (r.from ?? 0) > lastFrom).length;
          byMode[mode]!.push(past);
          const problem = rows.problem(ROWS);
          checks.push({ label: `${mode} run ${i + 1}: every row once, in id order`, ok: problem === undefined, ...(problem ? { detail: problem } : {}) });
          checks.push({ label: `${mode} run ${i + 1}: the summary's requests are the requests on the wire`, ok: pass.summary.requests === pass.wire, detail: `${pass.summary.requests} counted, ${pass.wire} seen by the simulator` });
          log(`end-of-list: ${mode} run ${i + 1} of ${repeat}: ${past} past the last page`);
        }
      } finally {
        await sim.close();
      }
    }
    const worstExact = Math.max(...byMode.exact!);
    return {
      scenario: this.name,
      title: this.summary,
      settings: [`GET /customer?sorting=id, ${ITEMS_PER_PAGE} a page, prefetchPages at its default; the last page starts at ${whole(lastFrom)}; ${LATENCY_MS} ms latency; ${repeat} runs each`],
      figures: [
        { label: 'past the last page (exact)', value: String(worstExact), runs: byMode.exact!.map(String), goal: { text: '≤ 1', met: worstExact <= 1 }, note: 'worst run' },
        { label: 'past the last page (inexact)', value: String(median(byMode.inexact!)), runs: byMode.inexact!.map(String), note: 'median; from + count + 1 names no total, so fetch-ahead runs to its depth' },
      ],
      checks,
      data: { rows: ROWS, itemsPerPage: ITEMS_PER_PAGE, pastTheLastPage: byMode },
    };
  },
};
