// The benchmark's Tripletex, run as a child of the benchmark (see simulator-child.ts).
//
// Why a child process: the simulator seeds every customer in memory and serialises each page
// it serves. In the benchmark's own process that would dwarf (and blur) the memory the action
// needs while streaming, and take the CPU the action needs, so the server lives here and only
// HTTP crosses over.
//
// Why this script rather than `flow-tripletex simulator`: the benchmark needs the simulator's
// counters and request log between passes, which the CLI has no way to hand out, and parsing
// tokens out of its human-oriented banner would break whenever the wording changes. An IPC
// channel gives both, typed.
import { startSimulator, type RateLimitSetting, type SimulatorOptions, type SimulatorStats } from '../simulator/index.js';

/** A list the child pages through once before the benchmark starts (see warmUp). */
export interface WarmUpList {
  path: string;
  query?: Record<string, string>;
  /** For a date-ranged list: page it a month at a time between these dates (exclusive `to`). */
  months?: { fromParam: string; toParam: string; from: string; to: string };
}

export interface ChildOptions {
  simulator: SimulatorOptions;
  warmUp?: WarmUpList[];
}

export interface Ready {
  env: { TRIPLETEX_PRODUCTION_URL: string; TRIPLETEX_TEST_URL: string };
  consumerToken: string;
  employeeToken: string;
  /** Rows each warm-up list held. */
  warmedUp: number[];
}

/** A request the simulator logged, as much of it as the benchmark reads. */
export interface LoggedRequest {
  path: string;
  status: number;
  from?: number;
  count?: number;
  /** When it arrived, on the simulator's clock (ms). */
  at: number;
  /** The date range asked for, on a date-ranged list. */
  dateFrom?: string;
  dateTo?: string;
}

export type ToChild = { cmd: 'stats' } | { cmd: 'requests'; since: number } | { cmd: 'fresh-windows' } | { cmd: 'close' };
export type FromChild = { ready: Ready } | { stats: SimulatorStats } | { requests: LoggedRequest[] } | { done: 'fresh-windows' } | { failed: string };

const reply = (message: FromChild) => process.send?.(message);

function numberOf(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : Number(text);
}

/**
 * Pages each list once, without a rate limit, before anything is timed: the simulator keeps
 * rows as JSON once rendered, so every pass the benchmark times finds them ready, whichever
 * pass comes first.
 */
async function warmUp(baseUrl: string, consumerToken: string, employeeToken: string, lists: WarmUpList[]): Promise<number[]> {
  const created = await fetch(`${baseUrl}/token/session/:create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ consumerToken, employeeToken, expirationDate: '2099-12-31' }),
  });
  const session = ((await created.json()) as { value: { token: string } }).value.token;
  const authorization = 'Basic ' + Buffer.from(`0:${session}`).toString('base64');
  const counts: number[] = [];
  for (const list of lists) {
    const ranges: Record<string, string>[] = [];
    if (!list.months) ranges.push({});
    else {
      for (let at = list.months.from; at < list.months.to; ) {
        const [year, month] = at.split('-').map(Number) as [number, number];
        const next = month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, '0')}-01`;
        ranges.push({ [list.months.fromParam]: at, [list.months.toParam]: next < list.months.to ? next : list.months.to });
        at = next;
      }
    }
    let rows = 0;
    for (const range of ranges) {
      for (let from = 0; ; from += 10_000) {
        const query = new URLSearchParams({ ...list.query, ...range, from: String(from), count: '10000' });
        const answer = await fetch(`${baseUrl}${list.path}?${query}`, { headers: { authorization } });
        if (!answer.ok) throw new Error(`warm-up GET ${list.path} answered ${answer.status}`);
        const values = ((await answer.json()) as { values: unknown[] }).values;
        rows += values.length;
        if (values.length < 10_000) break;
      }
    }
    counts.push(rows);
  }
  await fetch(`${baseUrl}/token/session/${encodeURIComponent(session)}`, { method: 'DELETE', headers: { authorization } });
  return counts;
}

try {
  const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
  const rateLimit: RateLimitSetting | undefined = options.simulator.rateLimit;
  // Warm-up first, with neither a rate limit nor a result-set limit in its way.
  const sim = await startSimulator({ ...options.simulator, rateLimit: { limit: 1_000_000, windowMs: 1000 }, latencyMs: 0, resultSetLimit: 1_000_000_000 });
  const consumerToken = sim.tokens.production.consumerToken;
  const employeeToken = sim.tokens.production.employeeTokens.employee;
  const warmedUp = await warmUp(sim.production.url, consumerToken, employeeToken, options.warmUp ?? []);
  sim.setRateLimit(rateLimit);
  sim.setLatency(options.simulator.latencyMs ?? 0);
  sim.setResultSetLimit(options.simulator.resultSetLimit);
  sim.resetRequests();
  const seqAtStart = sim.stats().requests;

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('message', (message: ToChild) => {
    if (message.cmd === 'stats') {
      // Counted from the end of the warm-up, so the benchmark sees only its own requests.
      const stats = sim.stats();
      reply({ stats: { ...stats, requests: stats.requests - seqAtStart } });
    } else if (message.cmd === 'requests') {
      reply({
        requests: sim.requests.slice(message.since).map((r) => ({
          path: r.path,
          status: r.status,
          from: numberOf(r.query.from),
          count: numberOf(r.query.count),
          at: r.at,
          ...(typeof r.query.dateFrom === 'string' ? { dateFrom: r.query.dateFrom, dateTo: String(r.query.dateTo) } : {}),
        })),
      });
    } else if (message.cmd === 'fresh-windows') {
      sim.setRateLimit(rateLimit);
      reply({ done: 'fresh-windows' });
    } else if (message.cmd === 'close') stop();
  });
  // A parent that dies without saying goodbye must not leave a server behind.
  process.on('disconnect', stop);
  reply({ ready: { env: sim.env, consumerToken, employeeToken, warmedUp } });
} catch (error) {
  reply({ failed: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
