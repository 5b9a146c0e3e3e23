import { dispatch, type RetryPolicy } from '../client/dispatch.js';
import { baseUrlFor, type EnvironmentName } from '../client/environments.js';
import { rateLimiterFor, type RateLimiter } from '../client/rate-limiter.js';
import type { RequestStats } from '../client/request-stats.js';
import { apiErrorFrom, type HttpMethod, type WireRequest, type WireResponse } from '../client/transport.js';
import { TripletexNetworkError } from '../contract/errors.js';
import { Secret } from '../contract/secret.js';
import type { Credentials } from './credentials.js';

// Creating a session: the one request that carries the consumer and employee tokens. It is
// built here, above the wire, which sends it like any other request and knows no tokens.

const SESSION_TIMEOUT_MS = 30_000;

export const SESSION_CREATE_PATH = '/token/session/:create';

export interface SessionCreateArgs {
  environment: EnvironmentName;
  consumerToken: Secret;
  employeeToken: Secret;
  expirationDate: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * The two ways to create a session. The POST form keeps the tokens in the body. The legacy
 * PUT, by Tripletex's design, carries them in the query string; it is used only when a
 * server says it does not serve the POST form, and its URL is never logged or put into an
 * error (errors name the path only).
 */
export function sessionCreateRequest(form: 'post' | 'legacy-put', args: SessionCreateArgs): WireRequest {
  const tokens = { consumerToken: args.consumerToken.reveal(), employeeToken: args.employeeToken.reveal(), expirationDate: args.expirationDate };
  const common = { environment: args.environment, path: SESSION_CREATE_PATH, timeoutMs: args.timeoutMs, signal: args.signal };
  return form === 'post' ? { ...common, method: 'POST', body: tokens } : { ...common, method: 'PUT', query: tokens };
}

/** True when a server answered the POST form with "no such route/method". */
export function sessionPostNotServed(response: WireResponse): boolean {
  return response.status === 404 || response.status === 405;
}

/** Reads the created session, or throws the error Tripletex gave. */
export function sessionFrom(method: HttpMethod, response: WireResponse, requestedDate: string): { token: Secret; expirationDate: string } {
  if (response.status !== 200 && response.status !== 201) throw apiErrorFrom(method, SESSION_CREATE_PATH, response);
  const value = (response.body as { value?: { token?: unknown; expirationDate?: unknown } } | undefined)?.value;
  if (typeof value?.token !== 'string' || value.token.length === 0) {
    throw new TripletexNetworkError({ method, path: SESSION_CREATE_PATH, failure: 'malformed-response', detail: 'the answer holds no session token', mayHaveBeenApplied: false, requestId: response.requestId });
  }
  return {
    token: new Secret(value.token),
    expirationDate: typeof value.expirationDate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value.expirationDate) ? value.expirationDate : requestedDate,
  };
}

/** The limiter for a token pair: shared by every run in the process that uses the same tokens. */
export function limiterFor(credentials: Credentials): RateLimiter {
  return rateLimiterFor(`${credentials.environment}:${credentials.fingerprint}`);
}

/**
 * The limiter for creating sessions with a token pair. Not the token pair's own: the creation
 * carries no session, and its rate-limit headers may describe another budget than the one the
 * token pair's requests spend (the simulator counts it with everything unauthenticated). Taken
 * for the token pair's window, its Reset would end that window early, and the next requests
 * would meet 429s.
 */
function sessionLimiterFor(credentials: Credentials): RateLimiter {
  return rateLimiterFor(`session:${credentials.environment}:${credentials.fingerprint}`);
}

// Servers that answered the POST form with 404/405, by base URL: they get the legacy form
// directly from then on instead of a wasted request per session.
const legacyOnly = new Set<string>();

/** For tests: forget which servers answered the POST form with 404/405. */
export function forgetSessionForms(): void {
  legacyOnly.clear();
}

/**
 * Creates a session: POST form first, legacy PUT only if the server does not serve POST.
 * Creating a session twice is harmless, so network failures and 5xx are retried.
 */
export async function createSession(credentials: Credentials, expirationDate: string, signal?: AbortSignal, timeoutMs = SESSION_TIMEOUT_MS, stats?: RequestStats): Promise<{ token: Secret; expirationDate: string }> {
  const args = { environment: credentials.environment, consumerToken: credentials.consumerToken, employeeToken: credentials.employeeToken, expirationDate, timeoutMs, signal };
  const limiter = sessionLimiterFor(credentials);
  const base = baseUrlFor(credentials.environment);
  const policy: RetryPolicy = { maxRetries: 2, max429Retries: 10, minRetryDelayMs: 500, maxRetryDelayMs: 4000 };
  if (!legacyOnly.has(base)) {
    const response = await dispatch(() => sessionCreateRequest('post', args), { limiter, replaySafe: true, policy, signal, ...(stats ? { stats } : {}) });
    if (!sessionPostNotServed(response)) return sessionFrom('POST', response, expirationDate);
    legacyOnly.add(base);
  }
  const response = await dispatch(() => sessionCreateRequest('legacy-put', args), { limiter, replaySafe: true, policy, signal, ...(stats ? { stats } : {}) });
  return sessionFrom('PUT', response, expirationDate);
}
