import pRetry from 'p-retry';
import type { Logger } from '../contract/host.js';
import { CancelledError, RateLimitWaitError, TripletexApiError, TripletexNetworkError } from '../contract/errors.js';
import { parseRateLimitHeaders, WaitTooLongError, type RateLimiter, type Speculation } from './rate-limiter.js';
import { countHeldTime, type RequestStats } from './request-stats.js';
import { apiErrorFrom, encode, isWireFailure, sendEncoded, type HttpMethod, type WireRequest, type WireResponse } from './transport.js';

// The policy around every request: wait for the rate limit, send, and decide what a failure
// means. A 429 was never processed, so it is waited out and resent for any method. A 5xx or
// a broken connection may have been applied, so only requests that are safe to replay are
// resent; anything else is reported with mayHaveBeenApplied so a person can check first.

export interface RetryPolicy {
  /** Resends after a 5xx or a network failure (replay-safe requests only). */
  maxRetries: number;
  /** 429s waited out before giving up. */
  max429Retries: number;
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 4, max429Retries: 20, minRetryDelayMs: 500, maxRetryDelayMs: 8000 };

/** The longest single rate-limit wait a request takes unless told otherwise (maxWaitSeconds). */
export const DEFAULT_MAX_WAIT_MS = 300_000;

export interface DispatchOptions {
  limiter: RateLimiter;
  /** Whether sending the request twice is harmless (GET, DELETE, PUT that is not an action). */
  replaySafe: boolean;
  policy?: RetryPolicy;
  signal?: AbortSignal;
  stats?: RequestStats;
  log?: Logger;
  onRateLimitWait?(ms: number): void;
  /** A single rate-limit wait longer than this fails the request instead (default DEFAULT_MAX_WAIT_MS). */
  maxWaitMs?: number;
  /** On a 401, renews the session and answers true to send again; called at most once. */
  renewAfter401?(): Promise<boolean>;
  /** For a request fetched ahead on speculation (see RateLimiter). */
  speculation?: Speculation;
  /** Called each time the limiter lets the request go: once, and again for each resend (after a 429, a 401 or a failure); callers count it as sent once. */
  onGranted?(): void;
}

/**
 * Tripletex marks actions with a `:` segment (/invoice/1/:payment, /order/1/:invoice). They
 * create documents even when sent with PUT, so only plain resources count as replay-safe.
 */
export function isReplaySafe(method: HttpMethod, path: string): boolean {
  if (method === 'GET') return true;
  if (method === 'POST') return false;
  return !path.split('/').some((segment) => segment.startsWith(':') || segment.toLowerCase().startsWith('%3a'));
}

/** Marks a failure that p-retry may retry; unwrapped before anyone sees it. */
class Retryable extends Error {
  constructor(readonly inner: TripletexApiError | TripletexNetworkError) {
    super(inner.message);
  }
}

function withApplied(error: TripletexNetworkError): TripletexNetworkError {
  return new TripletexNetworkError({ ...error.details, mayHaveBeenApplied: true });
}

function waitRefused(request: WireRequest, waitMs: number, maxWaitMs: number, askedBy: 'tripletex' | 'window'): RateLimitWaitError {
  return new RateLimitWaitError({ method: request.method, path: request.path, waitMs, maxWaitMs, askedBy });
}

/**
 * Sends `build()` under the policy and returns the first answer that is neither a 429 nor a
 * 5xx (the caller turns 4xx into errors). `build` runs for every send, so a renewed session
 * is picked up.
 */
export async function dispatch(build: () => WireRequest, options: DispatchOptions): Promise<WireResponse> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const { limiter, signal, stats } = options;
  let renewed = false;
  let rateLimitedTimes = 0;

  // The time a request is held is counted when the hold ends (granted or given up), not as
  // planned: a page fetched ahead may be dropped while it waits.
  let heldSince: number | undefined;
  const onWait = (ms: number) => {
    if (stats) stats.rateLimitWaits += 1;
    heldSince ??= limiter.now();
    options.onRateLimitWait?.(ms);
  };
  const heldUntilNow = () => {
    if (stats && heldSince !== undefined) countHeldTime(stats, heldSince, limiter.now());
    heldSince = undefined;
  };

  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  // A replay-safe write (PUT, DELETE) resent after a 5xx or a broken connection: the attempt
  // before may have been applied, and the answer to the resend must be read in that light. A
  // GET changes nothing, so its resends need no such reading.
  let mayHaveApplied: string | undefined;
  const attempt = async (): Promise<WireResponse> => {
    for (;;) {
      // Encoded before a permit is taken: a request that cannot be sent costs no budget and
      // is an input error, never a failure that "may have been applied".
      const encoded = encode(build());
      const { request } = encoded;
      let permit;
      try {
        permit = await limiter.acquire(signal, onWait, maxWaitMs, options.speculation);
        heldUntilNow();
        options.onGranted?.();
      } catch (error) {
        heldUntilNow();
        if (error instanceof WaitTooLongError) throw waitRefused(request, error.waitMs, maxWaitMs, 'window');
        throw error;
      }
      let response: WireResponse;
      try {
        // Counted when it has left, so the count is what the server saw: a request fetched
        // ahead and cancelled before it was sent is not one.
        response = await sendEncoded(encoded, stats ? () => (stats.requests += 1) : undefined);
      } catch (failure) {
        permit.release(undefined, false);
        if (!isWireFailure(failure)) throw failure;
        if (failure.error instanceof CancelledError) throw failure.error;
        // An answer over the size cap would be just as large the next time.
        if (failure.error.failure === 'too-large') throw failure.error;
        // Nor would a proxy that refused on purpose (407, a forbidden target) answer otherwise.
        if (failure.final) throw failure.error;
        if (!failure.neverSent && options.replaySafe && request.method !== 'GET') mayHaveApplied ??= failure.error.message;
        if (failure.neverSent || options.replaySafe) throw new Retryable(failure.error);
        throw withApplied(failure.error);
      }
      const headers = parseRateLimitHeaders(response.headers);
      permit.release(headers, response.status === 429);

      if (response.status === 429) {
        if (stats) stats.rateLimited += 1;
        rateLimitedTimes += 1;
        if (rateLimitedTimes > policy.max429Retries) {
          const retryAfterSeconds = headers.resetSeconds ?? headers.retryAfterSeconds;
          throw new TripletexApiError(
            { method: request.method, path: request.path, status: 429, requestId: response.requestId, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) },
            `Tripletex kept answering 429 (rate limit) to ${request.method} ${request.path}: gave up after waiting ${policy.max429Retries} times. Another integration may be using the same tokens heavily.`,
          );
        }
        const waitMs = limiter.backoffAfter429(headers, rateLimitedTimes, maxWaitMs);
        if (waitMs > maxWaitMs) throw waitRefused(request, waitMs, maxWaitMs, 'tripletex');
        options.log?.debug(`Rate limit reached; waiting ${waitMs} ms before resending ${request.method} ${request.path}`);
        continue; // the limiter holds the next acquire until the window has ended
      }
      if (response.status === 401 && !renewed && options.renewAfter401) {
        renewed = true;
        if (stats) stats.sessionRenewals += 1;
        if (await options.renewAfter401()) continue;
      }
      if (response.status >= 500) {
        const error = apiErrorFrom(request.method, request.path, response, !options.replaySafe);
        if (options.replaySafe) {
          if (request.method !== 'GET') mayHaveApplied ??= error.message;
          throw new Retryable(error);
        }
        throw error;
      }
      return mayHaveApplied === undefined ? response : { ...response, earlierAttempt: mayHaveApplied };
    }
  };

  try {
    return await pRetry(attempt, {
      retries: policy.maxRetries,
      factor: 2,
      minTimeout: policy.minRetryDelayMs,
      maxTimeout: policy.maxRetryDelayMs,
      randomize: true,
      signal,
      shouldRetry: ({ error }) => error instanceof Retryable,
      onFailedAttempt: ({ error, retriesLeft }) => {
        if (error instanceof Retryable && retriesLeft > 0) {
          if (stats) stats.retries += 1;
          options.log?.warn(`Retrying after: ${error.inner.message}`, { retriesLeft });
        }
      },
    });
  } catch (error) {
    if (error instanceof Retryable) throw error.inner;
    if (signal?.aborted && !(error instanceof CancelledError)) throw new CancelledError();
    throw error;
  }
}
