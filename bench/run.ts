// npm run bench: REST API Request with paging against a plain sequential from/count loop, on
// the simulator with a fixed latency and rate limit, plus the memory the action needs while
// 200,000 rows stream through it. Prints a table (or JSON with --json); exits non-zero if a
// run lost or repeated a row, since a fast benchmark that loses rows measures nothing.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { run as requestWithPaging, type PagingSummary, type PortPage } from '../actions/rest-api-request-with-paging.js';
import { resetRateLimiters } from '../client/rate-limiter.js';
import { setSharedSessionPool } from '../client/tripletex-client.js';
import { resolveConnectionProperties } from '../connection/resolved-connection.js';
import type { ActionContext } from '../contract/host.js';
import type { SimulatorOptions, SimulatorStats } from '../simulator/index.js';
import { sequentialLoop } from './sequential-loop.js';
import type { ChildCommand } from './simulator-process.js';

interface Settings {
  rows: number;
  latencyMs: number;
  rateLimit: number;
  windowSeconds: number;
  itemsPerPage: number;
  prefetchPages: number;
  json: boolean;
}

const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
};

function parseSettings(): Settings {
  const program = new Command('bench')
    .description('Measure REST API Request with paging against a sequential loop on the simulator.')
    .option('--rows <n>', 'customers served, and streamed by each run', positive, 200_000)
    .option('--latency <ms>', 'simulator latency per response', (v) => (v === '0' ? 0 : positive(v)), 250)
    .option('--rate-limit <n>', 'requests allowed per window and token pair', positive, 100)
    .option('--window <seconds>', 'rate-limit window', positive, 10)
    .option('--items-per-page <n>', 'rows per request', positive, 1000)
    .option('--prefetch <n>', "the action's prefetchPages", (v) => (v === '0' ? 0 : positive(v)), 4)
    .option('--json', 'print the results as JSON')
    .parse();
  const o = program.opts<{ rows: number; latency: number; rateLimit: number; window: number; itemsPerPage: number; prefetch: number; json?: boolean }>();
  return { rows: o.rows, latencyMs: o.latency, rateLimit: o.rateLimit, windowSeconds: o.window, itemsPerPage: o.itemsPerPage, prefetchPages: o.prefetch, json: o.json === true };
}

class SimulatorChild {
  private constructor(private readonly child: ChildProcess) {}

  static async start(options: SimulatorOptions): Promise<{ sim: SimulatorChild; env: Record<string, string>; consumerToken: string; employeeToken: string }> {
    const child = fork(fileURLToPath(new URL('./simulator-process.js', import.meta.url)), [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = await new Promise<{ env: Record<string, string>; consumerToken: string; employeeToken: string }>((resolve, reject) => {
      child.once('message', (m: { ready?: { env: Record<string, string>; consumerToken: string; employeeToken: string } }) => (m.ready ? resolve(m.ready) : reject(new Error('simulator did not start'))));
      child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
    });
    return { sim: new SimulatorChild(child), ...ready };
  }

  stats(): Promise<SimulatorStats> {
    return new Promise((resolve) => {
      this.child.once('message', (m: { stats: SimulatorStats }) => resolve(m.stats));
      this.child.send({ cmd: 'stats' } satisfies ChildCommand);
    });
  }

  close(): void {
    this.child.send({ cmd: 'close' } satisfies ChildCommand);
  }
}

const MB = 1024 * 1024;

/**
 * Samples heap and RSS while `work` runs; peaks are reported above the level before it.
 * `work` gets a function giving the heap peak so far, so the caller can show that the peak
 * after a quarter of the rows is already the peak after all of them (memory does not grow
 * with the number of rows).
 */
async function withMemoryPeak<T>(work: (heapPeakSoFarMb: () => number) => Promise<T>): Promise<{ result: T; heapPeakMb: number; rssPeakMb: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const base = process.memoryUsage();
  let heap = base.heapUsed;
  let rss = base.rss;
  const sample = () => {
    const now = process.memoryUsage();
    heap = Math.max(heap, now.heapUsed);
    rss = Math.max(rss, now.rss);
  };
  const timer = setInterval(sample, 5);
  try {
    const result = await work(() => (sample(), (heap - base.heapUsed) / MB));
    return { result, heapPeakMb: (heap - base.heapUsed) / MB, rssPeakMb: (rss - base.rss) / MB };
  } finally {
    clearInterval(timer);
  }
}

/** A host that counts rows, checks ids rise strictly (so none repeats) and keeps nothing. */
function countingContext(atQuarter: number, onQuarter: () => void): { ctx: ActionContext; seen: () => { rows: number; ordered: boolean; bytes: number } } {
  let rows = 0;
  let last = -Infinity;
  let ordered = true;
  let bytes = 0;
  const quiet = () => undefined;
  const ctx: ActionContext = {
    signal: new AbortController().signal,
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    emit: async (_port, value) => {
      const page = value as PortPage;
      for (const row of page.values as { id: number }[]) {
        if (!(row.id > last)) ordered = false;
        last = row.id;
      }
      const quarterCrossed = rows < atQuarter && rows + page.values.length >= atQuarter;
      rows += page.values.length;
      // The first page's size stands for all: stringifying every page would cost the run CPU.
      if (page.index === 0) bytes = JSON.stringify(page.values).length;
      if (quarterCrossed) onQuarter();
    },
  };
  return { ctx, seen: () => ({ rows, ordered, bytes }) };
}

const freshProcess = () => {
  setSharedSessionPool(undefined);
  resetRateLimiters();
};
/** Lets the simulator's rate-limit window run out, so no run inherits another's spent budget. */
const nextWindow = (settings: Settings) => new Promise((resolve) => setTimeout(resolve, settings.windowSeconds * 1000 + 100));

async function main(): Promise<number> {
  const settings = parseSettings();
  const { sim, env, consumerToken, employeeToken } = await SimulatorChild.start({
    size: settings.rows,
    latencyMs: settings.latencyMs,
    rateLimit: { limit: settings.rateLimit, windowMs: settings.windowSeconds * 1000 },
  });
  try {
    Object.assign(process.env, env);
    const properties = { name: 'Bench', consumerToken, employeeToken };
    const connection = resolveConnectionProperties(properties);
    const path = '/customer';
    const problems: string[] = [];

    // Sequential loop.
    freshProcess();
    let before = await sim.stats();
    let started = performance.now();
    const loop = await sequentialLoop(connection, path, settings.itemsPerPage);
    const loopSeconds = (performance.now() - started) / 1000;
    let after = await sim.stats();
    const loop429 = after.rateLimited - before.rateLimited;
    if (loop.rows !== settings.rows || loop.ids.size !== settings.rows) problems.push(`sequential loop: ${loop.rows} rows, ${loop.ids.size} distinct ids, expected ${settings.rows}`);

    // The action, memory sampled throughout.
    await nextWindow(settings);
    freshProcess();
    before = await sim.stats();
    let quarterPeakMb = 0;
    let peakSoFar = () => 0;
    const host = countingContext(settings.rows / 4, () => (quarterPeakMb = peakSoFar()));
    started = performance.now();
    const measured = await withMemoryPeak<PagingSummary>((heapPeakSoFar) => {
      peakSoFar = heapPeakSoFar;
      return requestWithPaging({ connection: properties, path, sorting: 'id', itemsPerPage: settings.itemsPerPage, prefetchPages: settings.prefetchPages }, host.ctx);
    });
    const actionSeconds = (performance.now() - started) / 1000;
    after = await sim.stats();
    const summary = measured.result;
    const seen = host.seen();
    const action429 = after.rateLimited - before.rateLimited;
    const actionRequests = after.requests - before.requests;
    if (seen.rows !== settings.rows || !seen.ordered || summary.items !== settings.rows) problems.push(`action: ${seen.rows} rows (ids ${seen.ordered ? 'rising' : 'NOT rising: a row repeated'}), expected ${settings.rows}`);

    const requestsPerSecond = settings.rateLimit / settings.windowSeconds;
    const boundRowsPerSecond = requestsPerSecond * settings.itemsPerPage;
    const loopRowsPerSecond = loop.rows / loopSeconds;
    const actionRowsPerSecond = seen.rows / actionSeconds;
    const results = {
      settings: { rows: settings.rows, path, latencyMs: settings.latencyMs, rateLimit: `${settings.rateLimit} requests / ${settings.windowSeconds} s`, itemsPerPage: settings.itemsPerPage, prefetchPages: settings.prefetchPages },
      sequentialLoop: { seconds: round(loopSeconds, 2), rowsPerSecond: Math.round(loopRowsPerSecond), requests: loop.requests, requestsPerRow: round(loop.requests / loop.rows, 5), rateLimited429: loop429 },
      action: {
        seconds: round(actionSeconds, 2),
        rowsPerSecond: Math.round(actionRowsPerSecond),
        requests: summary.requests,
        requestsSeenBySimulator: actionRequests,
        requestsPerRow: round(summary.requests / seen.rows, 5),
        rateLimited429: action429,
        rateLimitWaits: summary.rateLimitWaits,
        peakHeapAboveBaselineMb: round(measured.heapPeakMb, 1),
        peakHeapAfterQuarterOfRowsMb: round(quarterPeakMb, 1),
        peakRssAboveBaselineMb: round(measured.rssPeakMb, 1),
        rowsJsonMb: round((seen.bytes * seen.rows) / settings.itemsPerPage / MB, 0),
      },
      actionVersusLoop: round(actionRowsPerSecond / loopRowsPerSecond, 2),
      rateLimitBoundRowsPerSecond: boundRowsPerSecond,
      actionVersusBound: round(actionRowsPerSecond / boundRowsPerSecond, 2),
      gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
      problems,
    };
    if (settings.json) console.log(JSON.stringify(results, null, 2));
    else print(results);
    return problems.length === 0 ? 0 : 1;
  } finally {
    sim.close();
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function print(r: {
  settings: Record<string, unknown>;
  sequentialLoop: Record<string, number>;
  action: Record<string, number>;
  actionVersusLoop: number;
  rateLimitBoundRowsPerSecond: number;
  actionVersusBound: number;
  problems: string[];
}): void {
  const n = (v: number) => v.toLocaleString('en-US');
  const s = r.settings;
  console.log(`Settings: ${n(s.rows as number)} rows of ${String(s.path)}, latency ${String(s.latencyMs)} ms, rate limit ${String(s.rateLimit)}, itemsPerPage ${String(s.itemsPerPage)}, prefetchPages ${String(s.prefetchPages)}`);
  console.log('');
  console.log('                         sequential loop   REST API Request with paging');
  const row = (label: string, a: string, b: string) => console.log(`${label.padEnd(25)}${a.padStart(15)}   ${b.padStart(28)}`);
  row('seconds', String(r.sequentialLoop.seconds), String(r.action.seconds));
  row('rows per second', n(r.sequentialLoop.rowsPerSecond!), n(r.action.rowsPerSecond!));
  row('requests', n(r.sequentialLoop.requests!), n(r.action.requests!));
  row('requests per row', String(r.sequentialLoop.requestsPerRow), String(r.action.requestsPerRow));
  row('429s seen', n(r.sequentialLoop.rateLimited429!), n(r.action.rateLimited429!));
  console.log('');
  console.log(`action / sequential loop:        ${r.actionVersusLoop}×`);
  console.log(`rate-limit bound:                ${n(r.rateLimitBoundRowsPerSecond)} rows/s (requests per second × itemsPerPage)`);
  console.log(`action / rate-limit bound:       ${r.actionVersusBound}`);
  console.log(`action peak memory, streaming:   heap +${r.action.peakHeapAboveBaselineMb} MB, RSS +${r.action.peakRssAboveBaselineMb} MB (all rows as JSON: about ${r.action.rowsJsonMb} MB)`);
  console.log(`  heap peak after 1/4 of the rows: +${r.action.peakHeapAfterQuarterOfRowsMb} MB (a flat peak means memory does not grow with rows)`);
  for (const problem of r.problems) console.log(`LOST OR REPEATED ROWS: ${problem}`);
}

process.exitCode = await main();
