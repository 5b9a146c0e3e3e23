// What the automatic page size is worth beyond "use bigger pages": at Tripletex's own limit
// (100 requests per 10 s) and 250 ms, a plain sequential loop with the page size a careful user
// would type (5,000, the largest known to work on common endpoints) against the action with
// Items per page left empty, in the same round.
import { resolveConnectionProperties } from '../../../connection/resolved-connection.js';
import { actionPass, connectionOf, freshProcessState } from '../action-pass.js';
import { fixed, median, whole, type Check, type Scenario } from '../report.js';
import { RowCheck } from '../rows.js';
import { sequentialLoop } from '../sequential-loop.js';
import { SimulatorChild } from '../simulator-child.js';
import { actionDefault } from './loop-vs-action.js';

const ROWS = 200_000;
const LATENCY_MS = 250;
const LIMIT = { limit: 100, windowMs: 10_000 };
const CAREFUL = 5000;

interface Pass {
  seconds: number;
  requests: number;
  wire: number;
  refused: number;
}

export const carefulLoop: Scenario = {
  name: 'careful-loop',
  summary: `${whole(ROWS)} customers at ${LIMIT.limit} requests per ${LIMIT.windowMs / 1000} s and ${LATENCY_MS} ms: a sequential loop at ${whole(CAREFUL)} a page against the action with Items per page left empty`,
  async run({ repeat, log }) {
    const sim = await SimulatorChild.start({
      simulator: { size: ROWS, latencyMs: LATENCY_MS, rateLimit: LIMIT },
      warmUp: [{ path: '/customer', query: { sorting: 'id' } }],
    });
    try {
      Object.assign(process.env, sim.env);
      const connection = resolveConnectionProperties(connectionOf(sim));
      const timeoutMs = actionDefault('timeoutSeconds') * 1000;
      const checks: Check[] = [];
      const loops: Pass[] = [];
      const actions: (Pass & { pageSizes: number[] })[] = [];
      const loopPass = async (i: number) => {
        const rows = new RowCheck();
        freshProcessState();
        await sim.freshWindows();
        const before = await sim.stats();
        const started = performance.now();
        const stats = await sequentialLoop({ connection, path: '/customer', query: { sorting: 'id' }, itemsPerPage: CAREFUL, timeoutMs, onPage: (values) => rows.add(values) });
        const seconds = (performance.now() - started) / 1000;
        const wire = (await sim.settledRequests(before.requests + stats.requests)) - before.requests;
        const problem = rows.problem(ROWS);
        checks.push({ label: `run ${i + 1}, loop: every row once, in id order`, ok: problem === undefined, ...(problem ? { detail: problem } : {}) });
        loops.push({ seconds, requests: stats.requests, wire, refused: (await sim.stats()).rateLimited - before.rateLimited });
      };
      const actionRun = async (i: number) => {
        const rows = new RowCheck();
        const pass = await actionPass(sim, { path: '/customer', sorting: 'id' }, (values) => rows.add(values));
        const problem = rows.problem(ROWS);
        checks.push({ label: `run ${i + 1}, action: every row once, in id order`, ok: problem === undefined, ...(problem ? { detail: problem } : {}) });
        checks.push({ label: `run ${i + 1}, action: the summary's requests are the requests on the wire`, ok: pass.summary.requests === pass.wire, detail: `${pass.summary.requests} counted, ${pass.wire} seen by the simulator` });
        actions.push({ seconds: pass.seconds, requests: pass.summary.requests, wire: pass.wire, refused: pass.refused, pageSizes: pass.summary.pageSizes ?? [] });
      };
      for (let i = 0; i < repeat; i++) {
        // Alternated, so that a busier moment of the machine does not favour one side.
        if (i % 2 === 0) {
          await loopPass(i);
          await actionRun(i);
        } else {
          await actionRun(i);
          await loopPass(i);
        }
        log(`careful-loop: run ${i + 1} of ${repeat}: loop ${fixed(loops.at(-1)!.seconds, 2)} s, action ${fixed(actions.at(-1)!.seconds, 2)} s`);
      }
      const versusLoop = actions.map((a, i) => loops[i]!.seconds / a.seconds);
      const refused = [...loops, ...actions].reduce((n, p) => n + p.refused, 0);
      return {
        scenario: this.name,
        title: this.summary,
        settings: [
          `GET /customer?sorting=id; the loop (tooling/bench/sequential-loop.ts) through the pack's client at count=${CAREFUL}, one request at a time; the action at its defaults; ${repeat} runs of each, alternating, each in a fresh window`,
        ],
        figures: [
          { label: `action / loop at ${whole(CAREFUL)}`, value: `${fixed(median(versusLoop), 2)}×`, runs: versusLoop.map((v) => fixed(v, 2)), note: 'rows per second' },
          { label: 'seconds, loop', value: fixed(median(loops.map((p) => p.seconds)), 2), runs: loops.map((p) => fixed(p.seconds, 2)) },
          { label: 'seconds, action', value: fixed(median(actions.map((p) => p.seconds)), 2), runs: actions.map((p) => fixed(p.seconds, 2)) },
          { label: 'requests, loop / action', value: `${median(loops.map((p) => p.requests))} / ${median(actions.map((p) => p.requests))}`, runs: actions.map((a, i) => `${loops[i]!.requests}/${a.requests}`) },
          { label: 'page sizes used, action', value: actions.at(-1)!.pageSizes.join(', '), runs: actions.map((a) => a.pageSizes.join('+')) },
          { label: '429s', value: String(refused), goal: { text: '0', met: refused === 0 } },
        ],
        checks,
        data: { rows: ROWS, latencyMs: LATENCY_MS, rateLimit: LIMIT, carefulPageSize: CAREFUL, loops, actions, versusLoop },
      };
    } finally {
      await sim.close();
    }
  },
};
