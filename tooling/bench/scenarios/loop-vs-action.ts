// The first benchmark: the same seeded /customer list streamed twice through a simulated
// Tripletex with a fixed latency and rate limit, once with a plain sequential from/count loop
// and once with REST API Request with paging at its defaults; throughput, requests, 429s and
// the action's memory.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMAS_DIR } from '../../../contract/package-root.js';
import { STARTING_PAGE_SIZE } from '../../../client/page-sizes.js';
import { resolveConnectionProperties } from '../../../connection/resolved-connection.js';
import type { RateLimitSetting } from '../../simulator/index.js';
import { actionPass, connectionOf, freshProcessState } from '../action-pass.js';
import { fastestScheduleSeconds, listRequests, rateBoundRowsPerSecond } from '../bound.js';
import { gcExposed, MemoryPeaks, type MemoryReport } from '../memory.js';
import { fixed, median, whole, type Check, type Scenario } from '../report.js';
import { RowCheck } from '../rows.js';
import { sequentialLoop } from '../sequential-loop.js';
import { SimulatorChild } from '../simulator-child.js';

const PATH = '/customer';
// Both passes ask for id order: it is what makes the exactly-once check possible (rows.ts), and
// a careful hand-written loop would pin an order too, so the two send the same query.
const QUERY = { sorting: 'id' } as const;
const SAMPLE_EVERY_MS = 10;
const MB = 1024 * 1024;

// The action's own defaults, read from its input schema so the benchmark follows them if they change.
const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, 'rest-api-request-with-paging.input.schema.json'), 'utf8')) as { properties: Record<string, { default?: unknown }> };
export function actionDefault(name: string): number {
  const value = schema.properties[name]?.default;
  if (typeof value !== 'number') throw new Error(`bench: the action's input schema has no numeric default for ${name}`);
  return value;
}

export interface LoopSettings {
  rows: number;
  latencyMs: number;
  rateLimit: RateLimitSetting;
  /** Undefined: the action's default. */
  itemsPerPage?: number;
  prefetchPages?: number;
}

// Defaults: 50 ms per answer keeps the run short. The simulator's limit behaves as it models
// Tripletex's (a fixed budget per token pair and window, 429 once spent, X-Rate-Limit-*
// headers); 60 per 2 s is sized so that a loop waiting on round trips stays under it while a
// client that overlaps requests runs into it, and so that the action's pass spans several
// windows: a pass that fits in one window would never feel the limit at all.
export const DEFAULT_LOOP_SETTINGS: LoopSettings = { rows: 200_000, latencyMs: 50, rateLimit: { limit: 60, windowMs: 2000 } };

interface Pass {
  seconds: number;
  rows: number;
  requests: number;
  wire: number;
  refused: number;
  memory: MemoryReport;
  problem?: string;
}

export function loopVersusAction(settings: LoopSettings): Scenario {
  const itemsPerPage = settings.itemsPerPage ?? STARTING_PAGE_SIZE;
  const prefetchPages = settings.prefetchPages ?? actionDefault('prefetchPages');
  const windowSeconds = settings.rateLimit.windowMs / 1000;
  return {
    name: 'loop-vs-action',
    summary: `${whole(settings.rows)} customers, ${settings.latencyMs} ms latency, ${settings.rateLimit.limit} requests per ${windowSeconds} s window: a sequential from/count loop against the action`,
    async run({ repeat, log }) {
      const sim = await SimulatorChild.start({
        simulator: { size: settings.rows, latencyMs: settings.latencyMs, rateLimit: settings.rateLimit },
        warmUp: [{ path: PATH, query: QUERY }],
      });
      try {
        Object.assign(process.env, sim.env);
        const properties = connectionOf(sim);
        const connection = resolveConnectionProperties(properties);
        const timeoutMs = actionDefault('timeoutSeconds') * 1000;
        const actionInputs = {
          path: PATH,
          sorting: QUERY.sorting,
          // The same page size on both sides, given, so the figure compares paging, not page
          // sizes (left empty the action grows its pages: automatic-page-size, careful-loop).
          itemsPerPage,
          ...(settings.prefetchPages === undefined ? {} : { prefetchPages }),
        };
        const loopOptions = { connection, path: PATH, query: QUERY, itemsPerPage, timeoutMs };

        // A few untimed pages through both code paths, so neither timed pass pays for compiling
        // the client, and a measure of how big the rows are as JSON.
        freshProcessState();
        let jsonBytesPerRow = 0;
        await sequentialLoop({ ...loopOptions, maxPages: 2, onPage: (values) => void (jsonBytesPerRow ||= JSON.stringify(values).length / Math.max(1, values.length)) });
        await actionPass(sim, { ...actionInputs, maxPageCount: 2 }, () => undefined);

        const measured = async (work: (onPage: (values: readonly unknown[]) => void) => Promise<Omit<Pass, 'seconds' | 'rows' | 'memory' | 'problem'> & { items?: number; seconds?: number }>): Promise<Pass> => {
          const check = new RowCheck();
          const memory = new MemoryPeaks(SAMPLE_EVERY_MS, 4, () => Math.floor((check.rows * 4) / settings.rows));
          const started = performance.now();
          let counted;
          let report: MemoryReport;
          try {
            counted = await work((values) => {
              check.add(values);
              memory.sample();
            });
          } finally {
            report = memory.stop();
          }
          const seconds = counted.seconds ?? (performance.now() - started) / 1000;
          let problem = check.problem(settings.rows);
          if (counted.items !== undefined && counted.items !== check.rows) problem = [problem, `the summary says ${counted.items} items, the host counted ${check.rows}`].filter(Boolean).join('; ');
          return { seconds, rows: check.rows, requests: counted.requests, wire: counted.wire, refused: counted.refused, memory: report, ...(problem ? { problem } : {}) };
        };

        const rateBound = rateBoundRowsPerSecond(settings.rateLimit, itemsPerPage);
        const fastest = fastestScheduleSeconds(settings.rateLimit, listRequests(settings.rows, itemsPerPage), settings.latencyMs);
        const runs: { loop: Pass; action: Pass }[] = [];
        const checks: Check[] = [];
        for (let i = 0; i < repeat; i++) {
          const loop = await measured(async (onPage) => {
            freshProcessState();
            await sim.freshWindows();
            const before = await sim.stats();
            const stats = await sequentialLoop({ ...loopOptions, onPage });
            const wire = (await sim.settledRequests(before.requests + stats.requests)) - before.requests;
            return { requests: stats.requests, wire, refused: (await sim.stats()).rateLimited - before.rateLimited };
          });
          const action = await measured(async (onPage) => {
            const pass = await actionPass(sim, actionInputs, onPage);
            return { requests: pass.summary.requests, wire: pass.wire, refused: pass.refused, items: pass.summary.items, seconds: pass.seconds };
          });
          runs.push({ loop, action });
          for (const [name, pass] of [['loop', loop], ['action', action]] as const) {
            checks.push({ label: `run ${i + 1}, ${name}: every row once, in id order`, ok: pass.problem === undefined, ...(pass.problem ? { detail: pass.problem } : {}) });
            checks.push({ label: `run ${i + 1}, ${name}: requests counted = requests on the wire`, ok: pass.requests === pass.wire, detail: `${pass.requests} counted, ${pass.wire} seen by the simulator` });
          }
          log(`loop-vs-action: run ${i + 1} of ${repeat}: loop ${fixed(loop.seconds, 2)} s, action ${fixed(action.seconds, 2)} s`);
        }
        const rate = (p: Pass) => p.rows / p.seconds;
        const versusLoop = runs.map((r) => rate(r.action) / rate(r.loop));
        const versusBound = runs.map((r) => rate(r.action) / rateBound);
        const versusSchedule = runs.map((r) => fastest / r.action.seconds);
        const last = runs[runs.length - 1]!;
        const mb = (v: number) => `${v >= 0 ? '+' : ''}${fixed(v, 1)} MB`;
        const row = (label: string, a: string, b: string) => `${label.padEnd(30)}${a.padStart(17)}${b.padStart(32)}`;
        const quarters = (m: MemoryReport) => m.heapPeakByShareMb.map((v) => fixed(v, 0)).join(' / ');
        return {
          scenario: this.name,
          title: this.summary,
          settings: [
            `GET ${PATH}?sorting=id, ${itemsPerPage} a page, prefetchPages ${prefetchPages} (the action only); ${repeat} runs, loop then action, each in a fresh window`,
            `rate-limit bound ${whole(rateBound)} rows/s; fastest schedule ${fixed(fastest, 2)} s; Node ${process.version}${gcExposed ? '' : ', no --expose-gc (memory baselines less reliable)'}`,
          ],
          figures: [
            { label: 'action / sequential loop', value: `${fixed(median(versusLoop), 2)}×`, runs: versusLoop.map((v) => fixed(v, 2)) },
            { label: 'action / rate-limit bound', value: fixed(median(versusBound), 2), runs: versusBound.map((v) => fixed(v, 2)) },
            { label: 'action / fastest schedule', value: fixed(median(versusSchedule), 2), runs: versusSchedule.map((v) => fixed(v, 2)) },
            { label: '429s (loop / action)', value: `${runs.reduce((n, r) => n + r.loop.refused, 0)} / ${runs.reduce((n, r) => n + r.action.refused, 0)}` },
          ],
          details: [
            `the last run:`,
            row('', 'sequential loop', 'REST API Request with paging'),
            row('seconds', fixed(last.loop.seconds, 2), fixed(last.action.seconds, 2)),
            row('rows per second', whole(rate(last.loop)), whole(rate(last.action))),
            row('requests (counted / wire)', `${last.loop.requests} / ${last.loop.wire}`, `${last.action.requests} / ${last.action.wire}`),
            row('peak heap above baseline', mb(last.loop.memory.heapPeakMb), mb(last.action.memory.heapPeakMb)),
            row('peak RSS above baseline', mb(last.loop.memory.rssPeakMb), mb(last.action.memory.rssPeakMb)),
            row('heap peak by quarter of rows', quarters(last.loop.memory), quarters(last.action.memory)),
            row('heap kept after the pass (GC)', last.loop.memory.heapRetainedMb === null ? 'n/a' : mb(last.loop.memory.heapRetainedMb), last.action.memory.heapRetainedMb === null ? 'n/a' : mb(last.action.memory.heapRetainedMb)),
            `all rows as JSON: about ${whole((jsonBytesPerRow * settings.rows) / MB)} MB (what holding them all would start from)`,
          ],
          checks,
          data: { settings: { ...settings, itemsPerPage, prefetchPages }, rateBoundRowsPerSecond: rateBound, fastestScheduleSeconds: fastest, runs, versusLoop, versusBound, versusSchedule },
        };
      } finally {
        await sim.close();
      }
    },
  };
}
