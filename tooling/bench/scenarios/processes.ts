// Several processes on one token pair: four processes (real ones, sharing nothing but the
// server's counters) page the same list at once under Tripletex's limit.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectionOf } from '../action-pass.js';
import { fastestScheduleSeconds, listRequests, rateBoundRowsPerSecond } from '../bound.js';
import type { FromPagingProcess, PagingJob, ToPagingProcess } from '../paging-process.js';
import { fixed, median, whole, type Check, type Scenario } from '../report.js';
import { SimulatorChild } from '../simulator-child.js';

const PROCESSES = 4;
const ROWS = 20_000;
const ITEMS_PER_PAGE = 250;
const LATENCY_MS = 100;
const LIMIT = { limit: 100, windowMs: 10_000 };

type Done = Extract<FromPagingProcess, { done: unknown }>['done'];

/** Starts a paging process and resolves once it has loaded the pack. */
function startPagingProcess(job: PagingJob): Promise<{ child: ChildProcess; result: Promise<Done> }> {
  const script = fileURLToPath(new URL('../paging-process.js', import.meta.url));
  const child = fork(script, [JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolveReady, rejectReady) => {
    let settleDone: { resolve(done: Done): void; reject(error: Error): void } | undefined;
    const result = new Promise<Done>((resolve, reject) => (settleDone = { resolve, reject }));
    result.catch(() => undefined);
    child.on('message', (message: FromPagingProcess) => {
      if ('ready' in message) resolveReady({ child, result });
      else if ('done' in message) settleDone?.resolve(message.done);
      else if ('failed' in message) {
        const error = new Error(`paging process: ${message.failed}`);
        rejectReady(error);
        settleDone?.reject(error);
      }
    });
    child.once('exit', (code) => {
      const error = new Error(`a paging process exited (code ${code}) before it was done`);
      rejectReady(error);
      settleDone?.reject(error);
    });
  });
}

/**
 * `reportResetSeconds`: the simulator says that in every X-Rate-Limit-Reset, as a proxy that
 * rewrites the header does (observed: always 1 s against a window of 10 s).
 */
function processesScenario(name: string, reportResetSeconds?: number): Scenario {
  const behind = reportResetSeconds === undefined ? '' : `, behind a proxy whose X-Rate-Limit-Reset always says ${reportResetSeconds} s`;
  // Learning a window Reset lies about costs a few refusals while it is found out, and a window
  // opened by one request and waited out with a margin.
  const refusalGoal = reportResetSeconds === undefined ? 0.01 : 0.05;
  const scheduleGoal = reportResetSeconds === undefined ? 0.9 : 0.85;
  return {
    name,
    summary: `${PROCESSES} processes on one token pair, ${whole(ROWS)} customers each, ${ITEMS_PER_PAGE} a page, ${LATENCY_MS} ms latency, ${LIMIT.limit} requests per ${LIMIT.windowMs / 1000} s window${behind}: 429s, combined throughput`,
    async run({ repeat, log }) {
      const sim = await SimulatorChild.start({
        simulator: { size: ROWS, latencyMs: LATENCY_MS, rateLimit: { ...LIMIT, ...(reportResetSeconds === undefined ? {} : { reportResetSeconds }) } },
        warmUp: [{ path: '/customer', query: { sorting: 'id' } }],
      });
      try {
        const requests = PROCESSES * listRequests(ROWS, ITEMS_PER_PAGE);
        const fastest = fastestScheduleSeconds(LIMIT, requests, LATENCY_MS);
        const rateBound = rateBoundRowsPerSecond(LIMIT, ITEMS_PER_PAGE);
        const job: PagingJob = { env: sim.env, connection: connectionOf(sim), inputs: { path: '/customer', sorting: 'id', itemsPerPage: ITEMS_PER_PAGE }, expectedRows: ROWS };
        const runs: { seconds: number; ofSchedule: number; ofRate: number; refused: number; wire: number; counted: number; finishSpread: number }[] = [];
        const checks: Check[] = [];
        for (let i = 0; i < repeat; i++) {
          const started = await Promise.all(Array.from({ length: PROCESSES }, () => startPagingProcess(job)));
          await sim.freshWindows();
          const before = await sim.stats();
          const go = Date.now();
          for (const { child } of started) child.send({ cmd: 'go' } satisfies ToPagingProcess);
          const done = await Promise.all(started.map((p) => p.result));
          const seconds = (Math.max(...done.map((d) => d.endedAt)) - go) / 1000;
          const counted = done.reduce((n, d) => n + d.summary.requests, 0);
          const wire = (await sim.settledRequests(before.requests + counted)) - before.requests;
          const refused = (await sim.stats()).rateLimited - before.rateLimited;
          done.forEach((d, p) => {
            checks.push({ label: `run ${i + 1}, process ${p + 1}: every row once, in id order`, ok: d.problem === undefined, ...(d.problem ? { detail: d.problem } : {}) });
          });
          checks.push({ label: `run ${i + 1}: the summaries' requests add up to the requests on the wire`, ok: counted === wire, detail: `${counted} counted, ${wire} seen by the simulator` });
          const ends = done.map((d) => d.endedAt);
          runs.push({ seconds, ofSchedule: fastest / seconds, ofRate: (PROCESSES * ROWS) / seconds / rateBound, refused, wire, counted, finishSpread: (Math.max(...ends) - Math.min(...ends)) / 1000 });
          log(`${name}: run ${i + 1} of ${repeat}: ${fixed(seconds, 2)} s, ${refused} 429s in ${wire} requests`);
        }
        const refusedShare = runs.map((r) => r.refused / r.wire);
        const worstShare = Math.max(...refusedShare);
        const ofSchedule = median(runs.map((r) => r.ofSchedule));
        const ofRate = median(runs.map((r) => r.ofRate));
        return {
          scenario: this.name,
          title: this.summary,
          settings: [
            `each process: GET /customer?sorting=id, ${ITEMS_PER_PAGE} a page, action defaults otherwise; all ${PROCESSES} told to start at once once they have loaded; ${repeat} runs, each in a fresh window`,
            `together ${requests} list requests at least; fastest schedule ${fixed(fastest, 2)} s; rate-limit bound ${whole(rateBound)} rows/s (${fixed((PROCESSES * ROWS) / rateBound, 1)} s)`,
          ],
          figures: [
            { label: '429s / requests (worst run)', value: `${fixed(worstShare * 100, 1)} %`, runs: runs.map((r) => `${r.refused}/${r.wire}`), goal: { text: `≤ ${refusalGoal * 100} %`, met: worstShare <= refusalGoal } },
            { label: 'combined / fastest schedule', value: fixed(ofSchedule, 2), runs: runs.map((r) => fixed(r.ofSchedule, 2)), goal: { text: `≥ ${scheduleGoal.toFixed(2)}`, met: ofSchedule >= scheduleGoal } },
            { label: 'combined / rate-limit bound', value: fixed(ofRate, 2), runs: runs.map((r) => fixed(r.ofRate, 2)), goal: { text: '≥ 0.90', met: ofRate >= 0.9 } },
            { label: 'seconds (go to last done)', value: fixed(median(runs.map((r) => r.seconds)), 2), runs: runs.map((r) => fixed(r.seconds, 2)) },
            { label: 'first to last process done (s)', value: fixed(median(runs.map((r) => r.finishSpread)), 2), runs: runs.map((r) => fixed(r.finishSpread, 2)) },
          ],
          checks,
          data: { processes: PROCESSES, rowsEach: ROWS, itemsPerPage: ITEMS_PER_PAGE, latencyMs: LATENCY_MS, rateLimit: LIMIT, fastestScheduleSeconds: fastest, rateBoundRowsPerSecond: rateBound, runs },
        };
      } finally {
        await sim.close();
      }
    },
  };
}

export const processes = processesScenario('processes');
export const processesWrongReset = processesScenario('processes-wrong-reset', 1);
