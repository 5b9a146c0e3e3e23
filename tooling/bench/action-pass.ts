// One run of REST API Request with paging in the benchmark's own process, against the
// simulator child, as a fresh process would make it: no session, no limiter, and a fresh
// rate-limit window on the server. What it returns says what the run did, and what the
// server saw it do.
import { run as requestWithPaging, type PagingSummary, type PortPage } from '../../actions/rest-api-request-with-paging.js';
import { resetRateLimiters } from '../../client/rate-limiter.js';
import { setSharedSessionPool } from '../../connection/tripletex-client.js';
import type { ActionContext } from '../../contract/host.js';
import type { LoggedRequest } from './simulator-process.js';
import type { SimulatorChild } from './simulator-child.js';

const silent = () => undefined;

/** Sessions and limiters are process-wide: each pass starts as a fresh process would. */
export function freshProcessState(): void {
  setSharedSessionPool(undefined);
  resetRateLimiters();
}

export function connectionOf(sim: SimulatorChild): { name: string; consumerToken: string; employeeToken: string } {
  return { name: 'Benchmark', consumerToken: sim.ready.consumerToken, employeeToken: sim.ready.employeeToken };
}

/** A host that hands each page's rows to `onPage` and forgets them: a host that kept pages would measure itself. */
export function pagingContext(onPage: (values: readonly unknown[]) => void): ActionContext {
  return {
    signal: new AbortController().signal,
    log: { debug: silent, info: silent, warn: silent, error: silent },
    emit: async (port, value) => {
      if (port !== 'forEachPage') throw new Error(`bench: unexpected port ${port}`);
      onPage((value as PortPage).values);
    },
  };
}

export interface ActionPass {
  summary: PagingSummary;
  seconds: number;
  /** Requests the simulator saw during the pass (the session's creation included). */
  wire: number;
  /** 429s the simulator answered during the pass. */
  refused: number;
  /** What the simulator logged during the pass. */
  log: LoggedRequest[];
}

export async function actionPass(sim: SimulatorChild, inputs: Record<string, unknown>, onPage: (values: readonly unknown[]) => void): Promise<ActionPass> {
  freshProcessState();
  await sim.freshWindows();
  const before = await sim.stats();
  const started = performance.now();
  const summary = await requestWithPaging({ connection: connectionOf(sim), ...inputs }, pagingContext(onPage));
  const seconds = (performance.now() - started) / 1000;
  const wire = (await sim.settledRequests(before.requests + summary.requests)) - before.requests;
  const after = await sim.stats();
  return { summary, seconds, wire, refused: after.rateLimited - before.rateLimited, log: await sim.requests(before.requests) };
}
