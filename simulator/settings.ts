import { validateFaultRule } from './faults.js';
import type { LatencySetting, RateLimitSetting, SessionCreatePostMode, SimulatorOptions } from './types.js';

// Option defaults and checks in one place, shared by startSimulator, the setters and the CLI.

export const DEFAULT_RATE_LIMIT: RateLimitSetting = { limit: 100_000, windowMs: 10_000 };
export const DEFAULT_SIZE = 1000;
export const DEFAULT_MAX_COUNT = 10_000;
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
  return { limit: rateLimit.limit, windowMs: rateLimit.windowMs, ...(rateLimit.omitResetHeader ? { omitResetHeader: true } : {}) };
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

export interface ResolvedOptions {
  seed: number;
  size: number;
  maxCount: number;
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
  for (const rule of options.faults ?? []) validateFaultRule(rule);
  return {
    seed,
    size,
    maxCount,
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

/** "100/10": 100 requests per 10-second window (fractions of a second allowed: "5/0.5"). */
export function parseRateLimit(text: string): RateLimitSetting {
  const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!m) throw new Error('expected LIMIT/WINDOW_SECONDS, e.g. 100/10');
  return checkRateLimit({ limit: Number(m[1]), windowMs: Math.round(Number(m[2]) * 1000) });
}
