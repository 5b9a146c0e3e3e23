import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { inspect } from 'node:util';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../tooling/simulator/index.js';
import { setSharedSessionPool } from '../../connection/tripletex-client.js';
import { resetRateLimiters } from '../../client/rate-limiter.js';
import type { ActionContext, LogData, ProgressInfo } from '../../contract/host.js';

// End-to-end tests talk to the simulator over real HTTP on 127.0.0.1; nothing leaves the machine.

export async function startE2eSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const sim = await startSimulator(options);
  process.env.TRIPLETEX_PRODUCTION_URL = sim.env.TRIPLETEX_PRODUCTION_URL;
  process.env.TRIPLETEX_TEST_URL = sim.env.TRIPLETEX_TEST_URL;
  freshProcessState();
  return sim;
}

/** Sessions and rate limiters are process-wide; each test starts without them. */
export function freshProcessState(): void {
  setSharedSessionPool(undefined);
  resetRateLimiters();
}

export interface RecordingContext extends ActionContext {
  lines: string[];
  pages: unknown[];
  progressed: ProgressInfo[];
  controller: AbortController;
}

/** A ctx that keeps everything the pack said, so tests can inspect it and scan it for secrets. */
export function recordingContext(onPage?: (page: unknown) => Promise<void> | void): RecordingContext {
  const lines: string[] = [];
  const pages: unknown[] = [];
  const progressed: ProgressInfo[] = [];
  const controller = new AbortController();
  const line = (level: string) => (message: string, data?: LogData) => {
    lines.push(`${level} ${message}${data === undefined ? '' : ' ' + inspect(data, { depth: 8 }) + ' ' + JSON.stringify(data)}`);
  };
  return {
    signal: controller.signal,
    controller,
    log: { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') },
    emit: async (port: string, value: unknown) => {
      if (port !== 'forEachPage') throw new Error(`unexpected port ${port}`);
      pages.push(value);
      await onPage?.(value);
    },
    progress: (info: ProgressInfo) => {
      progressed.push({ ...info });
    },
    lines,
    pages,
    progressed,
  };
}

/** Everything a value can print as: JSON, inspect (hidden fields too), String, stack. */
export function everyRendering(value: unknown): string {
  const parts = [inspect(value, { depth: 12, showHidden: true }), String(value)];
  try {
    parts.push(JSON.stringify(value));
  } catch {
    parts.push('[unserialisable]');
  }
  if (value instanceof Error) parts.push(value.stack ?? '', value.message);
  return parts.join('\n');
}

export async function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

export interface ClientRequestLog {
  /** Every matching request the client started, in order. */
  readonly requests: ClientRequest[];
  /** Those not yet answered or aborted. */
  open(): string[];
  stop(): void;
}

/**
 * Requests this process starts whose path begins with `pathPrefix`, as Node announces them on
 * the http.client.request.start diagnostics channel: synchronously, when the request is
 * created. Counting here rather than in the simulator's log means a request sent before some
 * moment is never mistaken for a later one because a busy machine delivered it late.
 */
export function recordClientRequests(pathPrefix: string): ClientRequestLog {
  const requests: ClientRequest[] = [];
  const onStart = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    if (request.path.startsWith(pathPrefix)) requests.push(request);
  };
  subscribe('http.client.request.start', onStart);
  return {
    requests,
    open: () => requests.filter((request) => !request.destroyed).map((request) => `${request.method} ${request.path}`),
    stop: () => unsubscribe('http.client.request.start', onStart),
  };
}
