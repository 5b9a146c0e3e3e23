// Short windows: 10 requests per 1 s window at 250 ms latency. A window's end known only to the
// second, and a round trip that is a quarter of the window, make every misjudged window end
// cost a large share of the throughput.
import { fastestScheduleSeconds, listRequests, rateBoundRowsPerSecond } from '../bound.js';
import { actionPass } from '../action-pass.js';
import { fixed, median, whole, type Check, type Scenario } from '../report.js';
import { RowCheck } from '../rows.js';
import { SimulatorChild } from '../simulator-child.js';

const ROWS = 30_000;
const ITEMS_PER_PAGE = 1000;
const LATENCY_MS = 250;
const LIMIT = { limit: 10, windowMs: 1000 };

export const shortWindows: Scenario = {
  name: 'short-windows',
  summary: `${whole(ROWS)} customers at ${LIMIT.limit} requests per ${LIMIT.windowMs / 1000} s window and ${LATENCY_MS} ms latency: throughput against the bound, 429s`,
  async run({ repeat, log }) {
    const sim = await SimulatorChild.start({
      simulator: { size: ROWS, latencyMs: LATENCY_MS, rateLimit: LIMIT },
      warmUp: [{ path: '/customer', query: { sorting: 'id' } }],
    });
    try {
      Object.assign(process.env, sim.env);
      const requests = listRequests(ROWS, ITEMS_PER_PAGE);
      const fastest = fastestScheduleSeconds(LIMIT, requests, LATENCY_MS);
      const rateBound = rateBoundRowsPerSecond(LIMIT, ITEMS_PER_PAGE);
      const runs: { seconds: number; ofSchedule: number; ofRate: number; refused: number; requests: number; wire: number; waits: number; waitedMs: number }[] = [];
      const checks: Check[] = [];
      for (let i = 0; i < repeat; i++) {
        const rows = new RowCheck();
        const pass = await actionPass(sim, { path: '/customer', sorting: 'id', itemsPerPage: ITEMS_PER_PAGE }, (values) => rows.add(values));
        const problem = rows.problem(ROWS);
        checks.push({ label: `run ${i + 1}: every row once, in id order`, ok: problem === undefined, ...(problem ? { detail: problem } : {}) });
        checks.push({ label: `run ${i + 1}: the summary's requests are the requests on the wire`, ok: pass.summary.requests === pass.wire, detail: `${pass.summary.requests} counted, ${pass.wire} seen by the simulator` });
        runs.push({
          seconds: pass.seconds,
          ofSchedule: fastest / pass.seconds,
          ofRate: ROWS / pass.seconds / rateBound,
          refused: pass.refused,
          requests: pass.summary.requests,
          wire: pass.wire,
          waits: pass.summary.rateLimitWaits,
          waitedMs: pass.summary.rateLimitWaitMs,
        });
        log(`short-windows: run ${i + 1} of ${repeat}: ${fixed(pass.seconds, 2)} s, ${pass.refused} 429s`);
      }
      const ofSchedule = median(runs.map((r) => r.ofSchedule));
      const refused = runs.reduce((n, r) => n + r.refused, 0);
      return {
        scenario: this.name,
        title: this.summary,
        settings: [
          `GET /customer?sorting=id, ${ITEMS_PER_PAGE} a page (${requests} list requests, the last one proving the end), action defaults otherwise; ${repeat} runs, each as a fresh process in a fresh window`,
          `fastest schedule ${fixed(fastest, 2)} s (session, then ${Math.ceil(requests / LIMIT.limit)} windows, the last request answered ${LATENCY_MS} ms later); rate-limit bound ${whole(rateBound)} rows/s`,
        ],
        figures: [
          { label: 'action / fastest schedule', value: fixed(ofSchedule, 2), runs: runs.map((r) => fixed(r.ofSchedule, 2)), goal: { text: '≥ 0.90', met: ofSchedule >= 0.9 } },
          { label: 'action / rate-limit bound', value: fixed(median(runs.map((r) => r.ofRate)), 2), runs: runs.map((r) => fixed(r.ofRate, 2)), note: 'the issue measured 0.55 this way; at most 0.86 is possible here (see docs/performance.md)' },
          { label: 'seconds', value: fixed(median(runs.map((r) => r.seconds)), 2), runs: runs.map((r) => fixed(r.seconds, 2)) },
          { label: '429s', value: String(refused), runs: runs.map((r) => String(r.refused)), goal: { text: '0', met: refused === 0 } },
          { label: 'requests (summary / wire)', value: `${median(runs.map((r) => r.requests))} / ${median(runs.map((r) => r.wire))}`, runs: runs.map((r) => `${r.requests}/${r.wire}`) },
          { label: 'rate-limit pauses (s)', value: fixed(median(runs.map((r) => r.waitedMs / 1000)), 2), runs: runs.map((r) => fixed(r.waitedMs / 1000, 2)) },
        ],
        checks,
        data: { rows: ROWS, itemsPerPage: ITEMS_PER_PAGE, latencyMs: LATENCY_MS, rateLimit: LIMIT, fastestScheduleSeconds: fastest, rateBoundRowsPerSecond: rateBound, runs, ofSchedule, refused },
      };
    } finally {
      await sim.close();
    }
  },
};
