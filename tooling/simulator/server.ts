import { FaultEngine, PauseGate } from './faults.js';
import { EnvironmentServer, type SharedState } from './instance.js';
import { osloYear } from './oslo-clock.js';
import { Rng } from './prng.js';
import { checkLatency, checkListBehaviour, checkRateLimit, checkResultSetLimit, checkRevokeAfter, checkSessionCreatePost, resolveOptions } from './settings.js';
import type { EnvironmentName, FaultRule, RunningSimulator, SimulatorOptions, SimulatorStats } from './types.js';

// startSimulator: two environments, each its own server on 127.0.0.1, sharing the run-time
// settings and the request log.

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const resolved = resolveOptions(options);
  const faults = new FaultEngine(Rng.of(resolved.seed, 'faults'));
  faults.set(options.faults ?? []);
  const dataYear = resolved.dataYear ?? osloYear(resolved.now());
  const shared: SharedState = {
    seed: resolved.seed,
    size: resolved.size,
    maxCount: resolved.maxCount,
    now: resolved.now,
    dataYear,
    inexactFullResultSize: options.inexactFullResultSize ?? true,
    latency: checkLatency(options.latencyMs),
    rateLimit: checkRateLimit(options.rateLimit),
    revokeAfter: checkRevokeAfter(options.revokeSessionAfterCalls),
    sessionCreatePost: checkSessionCreatePost(options.sessionCreatePost),
    lists: resolved.lists,
    resultSetLimit: resolved.resultSetLimit,
    postingsPerYear: resolved.postingsPerYear,
    faults,
    paused: new PauseGate(),
    latencyRng: Rng.of(resolved.seed, 'latency'),
    requests: [],
    seq: 0,
    byRoute: {},
    byStatus: {},
    rateLimited: 0,
    unauthorized: 0,
    onRequest: options.onRequest,
  };
  const production = new EnvironmentServer('production', shared, options.tls);
  const test = new EnvironmentServer('test', shared, options.tls);
  try {
    await production.listen(resolved.productionPort);
    await test.listen(resolved.testPort);
  } catch (error) {
    await Promise.all([production.close(), test.close()]);
    throw error;
  }
  const instances: Record<EnvironmentName, EnvironmentServer> = { production, test };
  let closed: Promise<void> | undefined;

  return {
    production: { environment: 'production', url: production.url },
    test: { environment: 'test', url: test.url },
    env: { TRIPLETEX_PRODUCTION_URL: production.url, TRIPLETEX_TEST_URL: test.url },
    tokens: { production: production.demoTokens, test: test.demoTokens },
    companies: { production: production.companyIds(), test: test.companyIds() },
    dataPeriod: { from: `${dataYear - 1}-01-01`, to: `${dataYear + 1}-01-01` },
    requests: shared.requests,
    stats(): SimulatorStats {
      const sum = (key: 'sessionsCreated' | 'sessionsDeleted' | 'customersCreated') => production.counters[key] + test.counters[key];
      return {
        requests: shared.seq,
        byRoute: { ...shared.byRoute },
        byStatus: { ...shared.byStatus },
        rateLimited: shared.rateLimited,
        unauthorized: shared.unauthorized,
        sessionsCreated: sum('sessionsCreated'),
        sessionsDeleted: sum('sessionsDeleted'),
        customersCreated: sum('customersCreated'),
        faultsApplied: faults.appliedCount,
      };
    },
    setFaults(rules: FaultRule[]) {
      faults.set(rules);
    },
    pausedAnswers() {
      return shared.paused.waiting;
    },
    untilPaused(count = 1) {
      return shared.paused.until(count);
    },
    releasePaused() {
      shared.paused.release();
    },
    setLatency(ms) {
      shared.latency = checkLatency(ms);
    },
    setRateLimit(r) {
      shared.rateLimit = checkRateLimit(r);
      production.configureRateLimit(shared.rateLimit);
      test.configureRateLimit(shared.rateLimit);
    },
    setRevokeSessionAfterCalls(n) {
      shared.revokeAfter = checkRevokeAfter(n);
      // Counting starts now, so "revoke after N" means N more calls for every live session.
      production.sessions.resetCallCounts();
      test.sessions.resetCallCounts();
    },
    setSessionCreatePost(mode) {
      shared.sessionCreatePost = checkSessionCreatePost(mode);
    },
    setInexactFullResultSize(inexact) {
      shared.inexactFullResultSize = inexact;
    },
    setListBehaviour(path, behaviour) {
      if (behaviour === undefined) shared.lists.delete(path);
      else shared.lists.set(path, checkListBehaviour(path, behaviour));
    },
    setResultSetLimit(limit) {
      shared.resultSetLimit = checkResultSetLimit(limit);
    },
    registerConsumer(environment, consumerToken) {
      instances[environment].registry.registerConsumer(consumerToken);
    },
    registerEmployee(environment, employee) {
      instances[environment].registerEmployee(employee);
    },
    expireAllSessions() {
      production.sessions.expireAll();
      test.sessions.expireAll();
    },
    resetRequests() {
      // In place: a test may hold the array.
      shared.requests.length = 0;
    },
    close() {
      // Held answers go out (to sockets being closed), so nothing waits on the gate for ever.
      shared.paused.release();
      closed ??= Promise.all([production.close(), test.close()]).then(() => undefined);
      return closed;
    },
  };
}
