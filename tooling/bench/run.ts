// `npm run bench`: streams the same seeded /customer list twice through a simulated Tripletex
// with a fixed latency and rate limit, once with a plain sequential from/count loop and once
// with REST API Request with paging at its defaults, and reports throughput, requests, 429s and
// the action's memory. Exits 1 if either pass did not see every seeded row exactly once: a fast
// figure from a run that lost rows would be worse than no figure.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { run as requestWithPaging, type PortPage } from '../../actions/rest-api-request-with-paging.js';
import { resetRateLimiters } from '../../client/rate-limiter.js';
import { setSharedSessionPool } from '../../connection/tripletex-client.js';
import { resolveConnectionProperties } from '../../connection/resolved-connection.js';
import { SCHEMAS_DIR } from '../../contract/package-root.js';
import type { ActionContext } from '../../contract/host.js';
import { parseRateLimit, type RateLimitSetting, type SimulatorStats } from '../simulator/index.js';
import { gcExposed, MemoryPeaks, type MemoryReport } from './memory.js';
import { RowCheck } from './rows.js';
import { sequentialLoop } from './sequential-loop.js';
import type { FromChild, Ready, ToChild } from './simulator-process.js';

const PATH = '/customer';
const LIST_ROUTE = `GET ${PATH}`;
// Both passes ask for id order: it is what makes the exactly-once check possible (tooling/bench/rows.ts),
// and a careful hand-written loop would pin an order too, so the two send the same query.
const QUERY = { sorting: 'id' } as const;
const SAMPLE_EVERY_MS = 10;
const MB = 1024 * 1024;

// The action's own defaults, read from its input schema so the benchmark follows them if they change.
const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, 'rest-api-request-with-paging.input.schema.json'), 'utf8')) as { properties: Record<string, { default?: unknown }> };
function actionDefault(name: string): number {
  const value = schema.properties[name]?.default;
  if (typeof value !== 'number') throw new Error(`bench: the action's input schema has no numeric default for ${name}`);
  return value;
}

interface Settings {
  rows: number;
  latencyMs: number;
  rateLimit: RateLimitSetting;
  itemsPerPage: number;
  itemsPerPageIsDefault: boolean;
  prefetchPages: number;
  prefetchIsDefault: boolean;
  json: boolean;
}

function wholeNumber(min: number) {
  return (text: string): number => {
    if (!/^\d+$/.test(text.trim()) || Number(text) < min) throw new InvalidArgumentError(`Expected a whole number ≥ ${min}.`);
    return Number(text);
  };
}

// Defaults: 50 ms per answer keeps the whole run well under two minutes. The simulator's limit
// behaves as it models Tripletex's (a fixed budget per token pair and window, 429 once spent,
// X-Rate-Limit-* headers); 60 per 2 s is sized so that a loop waiting on round trips stays under
// it while a client that overlaps requests runs into it, and so that the action's pass spans
// several windows: a pass that fits in one window would never feel the limit at all.
function parseSettings(): Settings {
  const program = new Command('bench')
    .description('Compare REST API Request with paging with a sequential from/count loop on the simulator.')
    .option('--rows <n>', `customers seeded, and streamed by each pass`, wholeNumber(1), 200_000)
    .option('--latency <ms>', 'delay the simulator adds to every answer', wholeNumber(0), 50)
    .option('--rate-limit <limit/windowSeconds>', 'requests per token pair and window', '60/2')
    .option('--items-per-page <n>', "rows per request (default: the action's default)", wholeNumber(1))
    .option('--prefetch <n>', "the action's prefetchPages (default: the action's default)", wholeNumber(0))
    .option('--json', 'print the results as JSON on stdout (the table goes to stderr)')
    .parse();
  const o = program.opts<{ rows: number; latency: number; rateLimit: string; itemsPerPage?: number; prefetch?: number; json?: boolean }>();
  const rateLimit = ((): RateLimitSetting => {
    try {
      return parseRateLimit(o.rateLimit);
    } catch (error) {
      return program.error(`error: option '--rate-limit': ${error instanceof Error ? error.message : String(error)}`);
    }
  })();
  if (rateLimit.limit < 1) program.error("error: option '--rate-limit': the limit must be at least 1 request per window");
  return {
    rows: o.rows,
    latencyMs: o.latency,
    rateLimit,
    itemsPerPage: o.itemsPerPage ?? actionDefault('itemsPerPage'),
    itemsPerPageIsDefault: o.itemsPerPage === undefined,
    prefetchPages: o.prefetch ?? actionDefault('prefetchPages'),
    prefetchIsDefault: o.prefetch === undefined,
    json: o.json === true,
  };
}

class SimulatorChild {
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(options: object): Promise<{ sim: SimulatorChild; ready: Ready }> {
    const script = fileURLToPath(new URL('./simulator-process.js', import.meta.url));
    const child = fork(script, [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const sim = new SimulatorChild(child);
    const ready = await sim.#next((m) => ('ready' in m ? m.ready : undefined));
    return { sim, ready };
  }

  stats(): Promise<SimulatorStats> {
    const answer = this.#next((m) => ('stats' in m ? m.stats : undefined));
    this.#child.send({ cmd: 'stats' } satisfies ToChild);
    return answer;
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    if (this.#child.connected) this.#child.send({ cmd: 'close' } satisfies ToChild);
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000).unref());
    if ((await Promise.race([this.#exited, timeout])) === 'timeout') this.#child.kill();
  }

  /** The next message `pick` accepts; rejects if the child reports a failure or goes away first. */
  #next<T>(pick: (message: FromChild) => T | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onMessage = (message: FromChild) => {
        if ('failed' in message) return finish(() => reject(new Error(`simulator: ${message.failed}`)));
        const value = pick(message);
        if (value !== undefined) finish(() => resolve(value));
      };
      const onExit = (code: number | null) => finish(() => reject(new Error(`the simulator process exited (code ${code})`)));
      const finish = (settle: () => void) => {
        this.#child.off('message', onMessage);
        this.#child.off('exit', onExit);
        settle();
      };
      this.#child.on('message', onMessage);
      this.#child.on('exit', onExit);
    });
  }
}

interface PassResult {
  seconds: number;
  rows: number;
  rowsPerSecond: number;
  /** As the pack counted them (the action's summary, or the loop's client stats). */
  requests: number;
  /** Everything the simulator answered for the token pair during the pass, the session creation included. */
  simulatorRequests: number;
  simulatorListRequests: number;
  rateLimited: number;
  simulatorRateLimited: number;
  memory: MemoryReport;
  problem?: string;
}

const silent = () => undefined;

/** Sessions and limiters are process-wide: each pass starts as a fresh process would. */
function freshProcessState(): void {
  setSharedSessionPool(undefined);
  resetRateLimiters();
}

/** Waits out the simulator's window so that no pass inherits budget another has spent. */
const nextWindow = (rateLimit: RateLimitSetting) => new Promise((resolve) => setTimeout(resolve, rateLimit.windowMs + 250));

function pagingContext(onPage: (values: readonly unknown[]) => void): ActionContext {
  return {
    signal: new AbortController().signal,
    log: { debug: silent, info: silent, warn: silent, error: silent },
    // Counts and forgets: a host that keeps pages would measure itself, not the action.
    emit: async (port, value) => {
      if (port !== 'forEachPage') throw new Error(`bench: unexpected port ${port}`);
      onPage((value as PortPage).values);
    },
  };
}

async function measure(
  sim: SimulatorChild,
  settings: Settings,
  work: (onPage: (values: readonly unknown[]) => void) => Promise<{ requests: number; rateLimited: number; items?: number }>,
): Promise<PassResult> {
  freshProcessState();
  const check = new RowCheck();
  const before = await sim.stats();
  const memory = new MemoryPeaks(SAMPLE_EVERY_MS, 4, () => Math.floor((check.rows * 4) / settings.rows));
  const started = performance.now();
  let counted: { requests: number; rateLimited: number; items?: number };
  try {
    counted = await work((values) => {
      check.add(values);
      memory.sample();
    });
  } catch (error) {
    memory.stop();
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  const report = memory.stop();
  const after = await sim.stats();
  let problem = check.problem(settings.rows);
  if (counted.items !== undefined && counted.items !== check.rows) problem = [problem, `the summary says ${counted.items} items, the host counted ${check.rows}`].filter(Boolean).join('; ');
  return {
    seconds,
    rows: check.rows,
    rowsPerSecond: check.rows / seconds,
    requests: counted.requests,
    simulatorRequests: after.requests - before.requests,
    simulatorListRequests: (after.byRoute[LIST_ROUTE] ?? 0) - (before.byRoute[LIST_ROUTE] ?? 0),
    rateLimited: counted.rateLimited,
    simulatorRateLimited: after.rateLimited - before.rateLimited,
    memory: report,
    ...(problem ? { problem } : {}),
  };
}

async function main(): Promise<number> {
  const settings = parseSettings();
  const { sim, ready } = await SimulatorChild.start({ size: settings.rows, latencyMs: settings.latencyMs, rateLimit: settings.rateLimit });
  try {
    Object.assign(process.env, ready.env);
    const properties = { name: 'Benchmark', consumerToken: ready.consumerToken, employeeToken: ready.employeeToken };
    const connection = resolveConnectionProperties(properties);
    const timeoutMs = actionDefault('timeoutSeconds') * 1000;
    const actionInputs = {
      connection: properties,
      path: PATH,
      sorting: QUERY.sorting,
      ...(settings.itemsPerPageIsDefault ? {} : { itemsPerPage: settings.itemsPerPage }),
      ...(settings.prefetchIsDefault ? {} : { prefetchPages: settings.prefetchPages }),
    };
    const loopOptions = { connection, path: PATH, query: QUERY, itemsPerPage: settings.itemsPerPage, timeoutMs };

    // A few untimed pages through both code paths, so neither timed pass pays for compiling
    // the client, and a measure of how big the rows are as JSON.
    freshProcessState();
    let jsonBytesPerRow = 0;
    await sequentialLoop({ ...loopOptions, maxPages: 2, onPage: (values) => void (jsonBytesPerRow ||= JSON.stringify(values).length / Math.max(1, values.length)) });
    await requestWithPaging({ ...actionInputs, maxPageCount: 2 }, pagingContext(silent));
    await nextWindow(settings.rateLimit);

    const loop = await measure(sim, settings, async (onPage) => {
      const stats = await sequentialLoop({ ...loopOptions, onPage });
      return { requests: stats.requests, rateLimited: stats.rateLimited };
    });
    await nextWindow(settings.rateLimit);
    const action = await measure(sim, settings, async (onPage) => {
      const summary = await requestWithPaging(actionInputs, pagingContext(onPage));
      return { requests: summary.requests, rateLimited: summary.rateLimited, items: summary.items };
    });

    const windowSeconds = settings.rateLimit.windowMs / 1000;
    const requestsPerSecond = settings.rateLimit.limit / windowSeconds;
    const boundRowsPerSecond = requestsPerSecond * settings.itemsPerPage;
    const results = {
      settings: {
        path: PATH,
        query: QUERY,
        rows: settings.rows,
        latencyMs: settings.latencyMs,
        rateLimit: { limit: settings.rateLimit.limit, windowSeconds, requestsPerSecond },
        itemsPerPage: settings.itemsPerPage,
        prefetchPages: settings.prefetchPages,
        actionDefaults: settings.itemsPerPageIsDefault && settings.prefetchIsDefault,
        memorySampleMs: SAMPLE_EVERY_MS,
        node: process.version,
        cpus: cpus().length,
        gcExposed,
      },
      sequentialLoop: passJson(loop),
      action: passJson(action),
      actionVersusLoop: round(action.rowsPerSecond / loop.rowsPerSecond, 2),
      rateLimitBoundRowsPerSecond: boundRowsPerSecond,
      actionVersusBound: round(action.rowsPerSecond / boundRowsPerSecond, 2),
      rowsAsJsonMb: Math.round((jsonBytesPerRow * settings.rows) / MB),
      ok: loop.problem === undefined && action.problem === undefined,
    };
    const table = render(results, loop, action);
    if (settings.json) {
      process.stderr.write(table);
      process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    } else {
      process.stdout.write(table);
    }
    for (const [name, pass] of [['sequential loop', loop], ['REST API Request with paging', action]] as const) {
      if (pass.problem) process.stderr.write(`\nBENCHMARK FAILED: the ${name} pass did not see every row exactly once: ${pass.problem}\n`);
    }
    return results.ok ? 0 : 1;
  } finally {
    await sim.close();
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function passJson(p: PassResult) {
  return {
    seconds: round(p.seconds, 2),
    rows: p.rows,
    rowsPerSecond: Math.round(p.rowsPerSecond),
    requests: p.requests,
    requestsPerRow: round(p.requests / Math.max(1, p.rows), 5),
    simulatorRequests: p.simulatorRequests,
    simulatorListRequests: p.simulatorListRequests,
    simulatorRequestsPerRow: round(p.simulatorRequests / Math.max(1, p.rows), 5),
    rateLimited429: p.rateLimited,
    simulatorRateLimited429: p.simulatorRateLimited,
    peakHeapMb: round(p.memory.heapPeakMb, 1),
    peakRssMb: round(p.memory.rssPeakMb, 1),
    peakHeapByQuarterMb: p.memory.heapPeakByShareMb.map((mb) => round(mb, 1)),
    retainedHeapMb: p.memory.heapRetainedMb === null ? null : round(p.memory.heapRetainedMb, 1),
    ...(p.problem ? { problem: p.problem } : {}),
  };
}

function render(r: { settings: { rows: number; latencyMs: number; rateLimit: { limit: number; windowSeconds: number; requestsPerSecond: number }; itemsPerPage: number; prefetchPages: number; node: string; cpus: number; gcExposed: boolean }; actionVersusLoop: number; rateLimitBoundRowsPerSecond: number; actionVersusBound: number; rowsAsJsonMb: number }, loop: PassResult, action: PassResult): string {
  const s = r.settings;
  const n = (v: number, digits = 0) => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const mb = (v: number) => `${v >= 0 ? '+' : ''}${n(v, 1)} MB`;
  const lines: string[] = [];
  lines.push('Settings');
  lines.push(`  rows            ${n(s.rows)} customers (GET ${PATH}?sorting=id), seeded and streamed by each pass`);
  lines.push(`  latency         ${s.latencyMs} ms added to every answer (simulator on 127.0.0.1, own process)`);
  lines.push(`  rate limit      ${s.rateLimit.limit} requests per ${s.rateLimit.windowSeconds} s window per token pair (${n(s.rateLimit.requestsPerSecond, 1)} requests/s)`);
  lines.push(`  itemsPerPage    ${s.itemsPerPage}`);
  lines.push(`  prefetchPages   ${s.prefetchPages} (the action only)`);
  lines.push(`  memory          sampled every ${SAMPLE_EVERY_MS} ms and at every page; Node ${s.node}, ${s.cpus} CPUs${s.gcExposed ? '' : ', no --expose-gc (baselines less reliable)'}`);
  lines.push('');
  const row = (label: string, a: string, b: string) => lines.push(`  ${label.padEnd(30)}${a.padStart(17)}${b.padStart(32)}`);
  row('', 'sequential loop', 'REST API Request with paging');
  row('seconds', n(loop.seconds, 2), n(action.seconds, 2));
  row('rows', n(loop.rows), n(action.rows));
  row('rows per second', n(loop.rowsPerSecond), n(action.rowsPerSecond));
  row('requests (pack count)', n(loop.requests), n(action.requests));
  row('requests (simulator saw)', n(loop.simulatorRequests), n(action.simulatorRequests));
  row('requests per row (pack)', n(loop.requests / loop.rows, 5), n(action.requests / action.rows, 5));
  row('requests per row (simulator)', n(loop.simulatorRequests / loop.rows, 5), n(action.simulatorRequests / action.rows, 5));
  row('429s (pack / simulator)', `${loop.rateLimited} / ${loop.simulatorRateLimited}`, `${action.rateLimited} / ${action.simulatorRateLimited}`);
  row('peak heap above baseline', mb(loop.memory.heapPeakMb), mb(action.memory.heapPeakMb));
  row('peak RSS above baseline', mb(loop.memory.rssPeakMb), mb(action.memory.rssPeakMb));
  const quarters = (m: MemoryReport) => m.heapPeakByShareMb.map((v) => n(v, 0)).join(' / ');
  row('heap peak by quarter of rows', quarters(loop.memory), quarters(action.memory));
  const retained = (m: MemoryReport) => (m.heapRetainedMb === null ? 'n/a' : mb(m.heapRetainedMb));
  row('heap kept after the pass (GC)', retained(loop.memory), retained(action.memory));
  lines.push('');
  lines.push(`  action / sequential loop       ${n(r.actionVersusLoop, 2)}×`);
  lines.push(`  rate-limit bound               ${n(r.rateLimitBoundRowsPerSecond)} rows/s (${n(s.rateLimit.requestsPerSecond, 1)} requests/s × ${s.itemsPerPage} rows)`);
  lines.push(`  action / rate-limit bound      ${n(r.actionVersusBound, 2)}`);
  lines.push(`  all rows as JSON               about ${n(r.rowsAsJsonMb)} MB (what holding them all would start from)`);
  lines.push(`  rows check                     ${loop.problem || action.problem ? 'FAILED (see below)' : 'every seeded row seen exactly once, in id order, in both passes'}`);
  return lines.join('\n') + '\n';
}

process.exitCode = await main();
