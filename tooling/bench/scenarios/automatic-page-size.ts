// The automatic page size: 60,000 customers at 10 requests per 1 s window and 20 ms, where the
// rate limit, not the round trips, sets the pace. With Items per page left empty the action
// starts at Tripletex's 1,000 and asks for the largest page the endpoint serves once the limit
// holds a request back; the same list with 1,000 typed is the run it is held against, in the
// same round, and the fastest schedule the limit allows at 1,000 a page is the goal's measure.
import { actionPass, type ActionPass } from '../action-pass.js';
import { fastestScheduleSeconds, listRequests } from '../bound.js';
import { fixed, median, whole, type Check, type Scenario } from '../report.js';
import { RowCheck } from '../rows.js';
import { SimulatorChild } from '../simulator-child.js';

const ROWS = 60_000;
const LATENCY_MS = 20;
const LIMIT = { limit: 10, windowMs: 1000 };
const TYPED = 1000;
const GOAL = 0.5;

interface Run {
  seconds: number;
  requests: number;
  wire: number;
  refused: number;
  pageSizes: number[];
}

export const automaticPageSize: Scenario = {
  name: 'automatic-page-size',
  summary: `${whole(ROWS)} customers at ${LIMIT.limit} requests per ${LIMIT.windowMs / 1000} s window and ${LATENCY_MS} ms: Items per page left empty against ${whole(TYPED)} typed`,
  async run({ repeat, log }) {
    const sim = await SimulatorChild.start({
      simulator: { size: ROWS, latencyMs: LATENCY_MS, rateLimit: LIMIT },
      warmUp: [{ path: '/customer', query: { sorting: 'id' } }],
    });
    try {
      Object.assign(process.env, sim.env);
      const fastestAtTyped = fastestScheduleSeconds(LIMIT, listRequests(ROWS, TYPED), LATENCY_MS);
      const checks: Check[] = [];
      const automatic: Run[] = [];
      const typed: Run[] = [];
      const pass = async (label: string, inputs: Record<string, unknown>, into: Run[], i: number) => {
        const rows = new RowCheck();
        const done: ActionPass = await actionPass(sim, { path: '/customer', sorting: 'id', ...inputs }, (values) => rows.add(values));
        const problem = rows.problem(ROWS);
        checks.push({ label: `run ${i + 1}, ${label}: every row once, in id order`, ok: problem === undefined, ...(problem ? { detail: problem } : {}) });
        checks.push({ label: `run ${i + 1}, ${label}: the summary's requests are the requests on the wire`, ok: done.summary.requests === done.wire, detail: `${done.summary.requests} counted, ${done.wire} seen by the simulator` });
        into.push({ seconds: done.seconds, requests: done.summary.requests, wire: done.wire, refused: done.refused, pageSizes: done.summary.pageSizes ?? [] });
        return done;
      };
      for (let i = 0; i < repeat; i++) {
        // Alternated, so that a busier moment of the machine does not favour one side.
        const first = i % 2 === 0;
        if (first) await pass('size left empty', {}, automatic, i);
        await pass(`${TYPED} typed`, { itemsPerPage: TYPED }, typed, i);
        if (!first) await pass('size left empty', {}, automatic, i);
        log(`automatic-page-size: run ${i + 1} of ${repeat}: left empty ${fixed(automatic.at(-1)!.seconds, 2)} s (${automatic.at(-1)!.pageSizes.join(' then ')} a page), ${TYPED} typed ${fixed(typed.at(-1)!.seconds, 2)} s`);
      }
      const ofSchedule = automatic.map((r) => r.seconds / fastestAtTyped);
      const ofTyped = automatic.map((r, i) => r.seconds / typed[i]!.seconds);
      const refused = [...automatic, ...typed].reduce((n, r) => n + r.refused, 0);
      const worstOfSchedule = median(ofSchedule);
      return {
        scenario: this.name,
        title: this.summary,
        settings: [
          `GET /customer?sorting=id, action defaults otherwise; ${repeat} runs of each, alternating, each as a fresh process in a fresh window`,
          `the time the limit allows at ${whole(TYPED)} a page (fastest schedule, ${listRequests(ROWS, TYPED)} requests): ${fixed(fastestAtTyped, 2)} s`,
        ],
        figures: [
          { label: `left empty / limit's time at ${whole(TYPED)}`, value: fixed(worstOfSchedule, 2), runs: ofSchedule.map((v) => fixed(v, 2)), goal: { text: `≤ ${GOAL} (≤ ${fixed(GOAL * fastestAtTyped, 1)} s)`, met: worstOfSchedule <= GOAL } },
          { label: `left empty / ${whole(TYPED)} typed`, value: fixed(median(ofTyped), 2), runs: ofTyped.map((v) => fixed(v, 2)), note: 'time, same round' },
          { label: 'seconds, left empty', value: fixed(median(automatic.map((r) => r.seconds)), 2), runs: automatic.map((r) => fixed(r.seconds, 2)) },
          { label: `seconds, ${whole(TYPED)} typed`, value: fixed(median(typed.map((r) => r.seconds)), 2), runs: typed.map((r) => fixed(r.seconds, 2)) },
          { label: 'requests, left empty / typed', value: `${median(automatic.map((r) => r.requests))} / ${median(typed.map((r) => r.requests))}`, runs: automatic.map((r, i) => `${r.requests}/${typed[i]!.requests}`) },
          { label: 'page sizes used, left empty', value: automatic.at(-1)!.pageSizes.join(', '), runs: automatic.map((r) => r.pageSizes.join('+')) },
          { label: '429s', value: String(refused), goal: { text: '0', met: refused === 0 } },
        ],
        checks,
        data: { rows: ROWS, latencyMs: LATENCY_MS, rateLimit: LIMIT, fastestScheduleSecondsAtTyped: fastestAtTyped, automatic, typed, ofSchedule, ofTyped },
      };
    } finally {
      await sim.close();
    }
  },
};
