import { validateFaultRule } from './faults.js';
import { LIST_PATHS } from './routes/index.js';
import type { FullResultSizeMode, LatencySetting, ListBehaviour, RateLimitSetting, SessionCreatePostMode, SimulatorOptions } from './types.js';

// Option defaults and checks in one place, shared by startSimulator, the setters and the CLI.

/** Tripletex's observed figures: about 100 requests per window of about 10 s per token pair. */
export const DEFAULT_RATE_LIMIT: RateLimitSetting = { limit: 100, windowMs: 10_000 };
export const DEFAULT_SIZE = 1000;
export const DEFAULT_MAX_COUNT = 10_000;
/** "Result set too large. Limit of 10.000 reached." (Tripletex's FAQ and recorded answers). */
export const DEFAULT_RESULT_SET_LIMIT = 10_000;
export const FULL_RESULT_SIZE_MODES: readonly FullResultSizeMode[] = ['inexact', 'exact', 'zero'];
/** The one list the simulator creates rows in, so the one that can grow while it is paged. */
export const GROWING_LIST = '/customer';
export const SESSION_CREATE_POST_MODES: readonly SessionCreatePostMode[] = ['enabled', 'not-found', 'method-not-allowed'];

export function checkLatency(latency: LatencySetting | undefined): LatencySetting {
  if (latency === undefined) return 0;
  if (typeof latency === 'number') {
    if (!(Number.isFinite(latency) && latency >= 0)) throw new Error('latencyMs must be a number ≥ 0');
    return latency;
  }
  if (!(Number.isFinite(latency.min) && Number.isFinite(latency.max) && latency.min >= 0 && latency.max >= latency.min)) {
    throw new Error('latencyMs must be { min, max } with 0 ≤ min ≤ max');
  }
  return { min: latency.min, max: latency.max };
}

export function checkRateLimit(rateLimit: RateLimitSetting | undefined): RateLimitSetting {
  if (rateLimit === undefined) return { ...DEFAULT_RATE_LIMIT };
  if (!(Number.isInteger(rateLimit.limit) && rateLimit.limit >= 0)) throw new Error('rateLimit.limit must be a whole number ≥ 0');
  if (!(Number.isFinite(rateLimit.windowMs) && rateLimit.windowMs > 0)) throw new Error('rateLimit.windowMs must be > 0');
  if (rateLimit.reportResetSeconds !== undefined && !(Number.isInteger(rateLimit.reportResetSeconds) && rateLimit.reportResetSeconds >= 0)) throw new Error('rateLimit.reportResetSeconds must be a whole number ≥ 0');
  return {
    limit: rateLimit.limit,
    windowMs: rateLimit.windowMs,
    ...(rateLimit.omitResetHeader ? { omitResetHeader: true } : {}),
    ...(rateLimit.reportResetSeconds !== undefined ? { reportResetSeconds: rateLimit.reportResetSeconds } : {}),
  };
}

export function checkRevokeAfter(n: number | undefined): number | undefined {
  if (n === undefined) return undefined;
  if (!(Number.isInteger(n) && n >= 0)) throw new Error('revokeSessionAfterCalls must be a whole number ≥ 0');
  return n;
}

export function checkSessionCreatePost(mode: SessionCreatePostMode | undefined): SessionCreatePostMode {
  if (mode === undefined) return 'enabled';
  if (!SESSION_CREATE_POST_MODES.includes(mode)) throw new Error(`sessionCreatePost must be one of ${SESSION_CREATE_POST_MODES.join(', ')}`);
  return mode;
}

export function checkResultSetLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_RESULT_SET_LIMIT;
  if (!(Number.isInteger(limit) && limit >= 1)) throw new Error('resultSetLimit must be a whole number ≥ 1');
  return limit;
}

/** Refuses a behaviour for a path that is not a list the simulator serves, or one that cannot mean anything. */
export function checkListBehaviour(path: string, behaviour: ListBehaviour): ListBehaviour {
  const where = `list behaviour for ${JSON.stringify(path)}`;
  if (!LIST_PATHS.includes(path)) throw new Error(`${where}: not a list the simulator serves (one of ${LIST_PATHS.join(', ')})`);
  if (typeof behaviour !== 'object' || behaviour === null) throw new Error(`${where}: must be an object`);
  const known = new Set(['cap', 'ignoreFrom', 'wholeSet', 'fullResultSize', 'grow', 'maxCount']);
  const unknown = Object.keys(behaviour).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new Error(`${where}: unknown setting ${unknown.join(', ')}`);
  if (behaviour.cap !== undefined && !(Number.isInteger(behaviour.cap) && behaviour.cap >= 1)) throw new Error(`${where}: cap must be a whole number ≥ 1`);
  if (behaviour.maxCount !== undefined && !(Number.isInteger(behaviour.maxCount) && behaviour.maxCount >= 1)) throw new Error(`${where}: maxCount must be a whole number ≥ 1`);
  for (const key of ['ignoreFrom', 'wholeSet'] as const) {
    if (behaviour[key] !== undefined && typeof behaviour[key] !== 'boolean') throw new Error(`${where}: ${key} must be true or false`);
  }
  if (behaviour.fullResultSize !== undefined && !FULL_RESULT_SIZE_MODES.includes(behaviour.fullResultSize)) throw new Error(`${where}: fullResultSize must be one of ${FULL_RESULT_SIZE_MODES.join(', ')}`);
  if (behaviour.grow !== undefined) {
    if (!(Number.isInteger(behaviour.grow) && behaviour.grow >= 0 && behaviour.grow <= 1000)) throw new Error(`${where}: grow must be a whole number from 0 to 1000`);
    if (path !== GROWING_LIST) throw new Error(`${where}: grow is served for ${GROWING_LIST} only`);
  }
  return { ...behaviour };
}

export interface ResolvedOptions {
  seed: number;
  size: number;
  maxCount: number;
  resultSetLimit: number;
  postingsPerYear: number;
  lists: Map<string, ListBehaviour>;
  now: () => number;
  productionPort: number;
  testPort: number;
  dataYear: number | undefined;
}

export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) throw new Error('seed must be an integer');
  const size = options.size ?? DEFAULT_SIZE;
  if (!(Number.isInteger(size) && size >= 1 && size <= 2_000_000)) throw new Error('size must be a whole number from 1 to 2000000');
  const maxCount = options.maxCount ?? DEFAULT_MAX_COUNT;
  if (!(Number.isInteger(maxCount) && maxCount >= 1)) throw new Error('maxCount must be a whole number ≥ 1');
  for (const [name, port] of [['productionPort', options.productionPort], ['testPort', options.testPort]] as const) {
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new Error(`${name} must be 0..65535`);
  }
  if (options.dataYear !== undefined && !(Number.isInteger(options.dataYear) && options.dataYear >= 1971 && options.dataYear <= 9998)) throw new Error('dataYear must be a year');
  const postingsPerYear = options.postingsPerYear ?? 2 * size;
  if (!(Number.isInteger(postingsPerYear) && postingsPerYear >= 2 && postingsPerYear <= 4_000_000)) throw new Error('postingsPerYear must be a whole number from 2 to 4000000');
  for (const rule of options.faults ?? []) validateFaultRule(rule);
  const lists = new Map<string, ListBehaviour>();
  for (const [path, behaviour] of Object.entries(options.lists ?? {})) lists.set(path, checkListBehaviour(path, behaviour));
  return {
    seed,
    size,
    maxCount,
    resultSetLimit: checkResultSetLimit(options.resultSetLimit),
    postingsPerYear,
    lists,
    now: options.now ?? Date.now,
    productionPort: options.productionPort ?? 0,
    testPort: options.testPort ?? 0,
    dataYear: options.dataYear,
  };
}

/** "250" or "50-400" (milliseconds). */
export function parseLatency(text: string): LatencySetting {
  const range = /^(\d+)-(\d+)$/.exec(text.trim());
  if (range) return checkLatency({ min: Number(range[1]), max: Number(range[2]) });
  if (/^\d+$/.test(text.trim())) return Number(text.trim());
  throw new Error('expected milliseconds (e.g. 250) or a range (e.g. 50-400)');
}

/**
 * The CLI's list syntax:  PATH=OPTION[,OPTION...]
 *   OPTION  cap=N · ignore-from · whole-set · paged (whole-set off) · full-result-size=inexact|exact|zero · grow=N · max-count=N
 * e.g.  /customer=cap=50   /ledger/voucher/>nonPosted=paged,ignore-from
 */
export function parseListSpec(spec: string): { path: string; behaviour: ListBehaviour } {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`"${spec}" is not PATH=OPTION[,OPTION...]`);
  const path = spec.slice(0, eq).trim();
  const behaviour: ListBehaviour = {};
  for (const option of spec.slice(eq + 1).split(',').map((o) => o.trim())) {
    if (option === '') continue;
    const at = option.indexOf('=');
    const key = at < 0 ? option : option.slice(0, at);
    const value = at < 0 ? undefined : option.slice(at + 1);
    const wholeNumber = (): number => {
      if (value === undefined || !/^\d+$/.test(value)) throw new Error(`"${spec}": ${key} must be a whole number`);
      return Number(value);
    };
    switch (key) {
      case 'cap':
        behaviour.cap = wholeNumber();
        break;
      case 'ignore-from':
        behaviour.ignoreFrom = true;
        break;
      case 'whole-set':
        behaviour.wholeSet = true;
        break;
      case 'paged':
        behaviour.wholeSet = false;
        break;
      case 'grow':
        behaviour.grow = wholeNumber();
        break;
      case 'max-count':
        behaviour.maxCount = wholeNumber();
        break;
      case 'full-result-size':
        if (!FULL_RESULT_SIZE_MODES.includes(value as FullResultSizeMode)) throw new Error(`"${spec}": full-result-size must be one of ${FULL_RESULT_SIZE_MODES.join(', ')}`);
        behaviour.fullResultSize = value as FullResultSizeMode;
        break;
      default:
        throw new Error(`"${spec}": unknown option ${JSON.stringify(key)}`);
    }
  }
  return { path, behaviour: checkListBehaviour(path, behaviour) };
}

/** "100/10": 100 requests per 10-second window (fractions of a second allowed: "5/0.5"). */
export function parseRateLimit(text: string): RateLimitSetting {
  const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!m) throw new Error('expected LIMIT/WINDOW_SECONDS, e.g. 100/10');
  return checkRateLimit({ limit: Number(m[1]), windowMs: Math.round(Number(m[2]) * 1000) });
}
