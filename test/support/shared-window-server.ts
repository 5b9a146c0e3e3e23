import { RateLimiter, type RateLimitHeaders } from '../../client/rate-limiter.js';
import { Rng } from '../../tooling/simulator/prng.js';
import { VirtualClock } from './virtual-clock.js';

// A Tripletex-like server and the clients that share it, on virtual time: a fixed window of
// `limit` requests per token pair, counted when the server takes the request up, 429 once spent,
// and X-Rate-Limit-* headers on every answer. The server works like the simulator: one request
// at a time (a busy server counts a request later than it arrived), the answer after `latencyMs`.
// Each client process has its own RateLimiter (as separate processes would) and keeps up to
// `inFlight` requests going until it has had `requests` answers; parsing an answer occupies the
// process for `parseMs`, as JSON.parse occupies the event loop.

export interface ServerModel {
  limit: number;
  windowMs: number;
  /** Windows on fixed clock boundaries instead of starting at the first request after the last one ended. */
  aligned?: boolean;
  rounding?: 'ceil' | 'floor';
  /** Every answer says this as X-Rate-Limit-Reset, whatever the window: a proxy or gateway rewriting the header. */
  reportedResetSeconds?: number;
  /** Time the server spends on each request before the next can be taken up. */
  serviceMs?: number;
  latencyMs: number;
  /** Each way, drawn per request from [min, max]. */
  oneWayMs?: [number, number];
}

export interface ClientModel {
  requests: number;
  inFlight: number;
  parseMs?: number;
  /** When the process starts, on the virtual clock. */
  startAt?: number;
}

export interface ProcessResult {
  ok: number;
  refused: number;
  /** Answered requests in each window the server opened (index = window). */
  okPerWindow: number[];
  /** Server time of each refusal. */
  refusedAt: number[];
  /** The most refusals one request met before it was answered. */
  mostRefusalsOfOneRequest: number;
  finishedAt: number;
  limiter: RateLimiter;
}

export interface SharedRun {
  processes: ProcessResult[];
  refused: number;
  ok: number;
  elapsedMs: number;
  /** Answered requests per window the server opened, in order. */
  perWindow: number[];
}

export async function runSharedWindow(server: ServerModel, clients: ClientModel[], seed = 1, startAt = 0, trace?: (line: string) => void): Promise<SharedRun> {
  const clock = new VirtualClock(startAt);
  const random = new Rng(seed);
  const oneWay = () => (server.oneWayMs ? random.int(server.oneWayMs[0], server.oneWayMs[1]) : 0);
  let windowStart = -Infinity;
  let used = 0;
  const perWindow: number[] = [];
  let serverFreeAt = -Infinity;

  /** The server takes up a request that arrived now; answers at the returned time with these headers. */
  const take = (): { status: number; headers: RateLimitHeaders; answerAt: number; window: number; at: number } => {
    const start = Math.max(clock.now, serverFreeAt);
    serverFreeAt = start + (server.serviceMs ?? 0);
    if (server.aligned) {
      const aligned = Math.floor(start / server.windowMs) * server.windowMs;
      if (aligned !== windowStart) {
        windowStart = aligned;
        used = 0;
        perWindow.push(0);
      }
    } else if (start >= windowStart + server.windowMs) {
      windowStart = start;
      used = 0;
      perWindow.push(0);
    }
    used += 1;
    const left = (windowStart + server.windowMs - start) / 1000;
    const resetSeconds = server.reportedResetSeconds ?? (server.rounding === 'floor' ? Math.floor(left) : Math.ceil(left));
    const allowed = used <= server.limit;
    if (allowed) perWindow[perWindow.length - 1]! += 1;
    return {
      status: allowed ? 200 : 429,
      headers: { limit: server.limit, remaining: Math.max(0, server.limit - used), resetSeconds },
      answerAt: serverFreeAt + server.latencyMs,
      window: perWindow.length - 1,
      at: start,
    };
  };

  const runProcess = async (client: ClientModel, index: number): Promise<ProcessResult> => {
    if (client.startAt !== undefined && client.startAt > clock.now) await clock.sleep(client.startAt - clock.now);
    const limiter = new RateLimiter({ now: clock.read, sleep: clock.sleep, random: () => random.next() });
    const result: ProcessResult = { ok: 0, refused: 0, okPerWindow: [], refusedAt: [], mostRefusalsOfOneRequest: 0, finishedAt: 0, limiter };
    let started = 0;
    let busyUntil = -Infinity;
    const worker = async () => {
      while (started < client.requests) {
        started += 1;
        for (let attempt = 1; ; attempt++) {
          const permit = await limiter.acquire();
          trace?.(`${clock.now} p${index} grant ${JSON.stringify(limiter.snapshot())}`);
          await clock.sleep(oneWay());
          const answer = take();
          await clock.sleep(answer.answerAt - clock.now + oneWay());
          // The answer is parsed on the process's one thread.
          const parsedAt = Math.max(clock.now, busyUntil) + (answer.status === 429 ? 0 : (client.parseMs ?? 0));
          busyUntil = parsedAt;
          if (parsedAt > clock.now) await clock.sleep(parsedAt - clock.now);
          permit.release(answer.headers, answer.status === 429);
          trace?.(`${clock.now} p${index} answer ${answer.status} w${answer.window} rem ${answer.headers.remaining} reset ${answer.headers.resetSeconds} counted ${answer.at} -> ${JSON.stringify(limiter.snapshot())}`);
          if (answer.status !== 429) {
            result.ok += 1;
            result.okPerWindow[answer.window] = (result.okPerWindow[answer.window] ?? 0) + 1;
            break;
          }
          result.refused += 1;
          result.refusedAt.push(answer.at);
          result.mostRefusalsOfOneRequest = Math.max(result.mostRefusalsOfOneRequest, attempt);
          limiter.backoffAfter429(answer.headers, attempt);
        }
      }
      result.finishedAt = Math.max(result.finishedAt, clock.now);
    };
    await Promise.all(Array.from({ length: client.inFlight }, worker));
    return result;
  };

  let finished = false;
  const all = Promise.all(clients.map(runProcess)).then((results) => {
    finished = true;
    return results;
  });
  await clock.runUntil(() => finished);
  const processes = await all;
  return {
    processes,
    refused: processes.reduce((n, p) => n + p.refused, 0),
    ok: processes.reduce((n, p) => n + p.ok, 0),
    elapsedMs: Math.max(...processes.map((p) => p.finishedAt)) - startAt,
    perWindow,
  };
}
