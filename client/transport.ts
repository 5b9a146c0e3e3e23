import got, { RequestError, TimeoutError, type Method } from 'got';
import { baseUrlFor, type EnvironmentName } from './environments.js';
import { agentsFor } from './proxy.js';
import { TripletexApiError, TripletexNetworkError, CancelledError, type NetworkFailure, type ValidationMessage } from './errors.js';
import { Secret } from './secret.js';

// The only module that puts bytes on the wire to Tripletex. Everything above it works with
// plain request descriptions; nothing above it builds a URL or a header. got's own retry and
// error throwing are off: retry policy lives in tripletex-client.ts, and a got error object is
// never let out, because its options hold the Authorization header and the full URL.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type QueryValue = string | number | boolean | readonly (string | number | boolean)[];

export interface WireRequest {
  environment: EnvironmentName;
  method: HttpMethod;
  /** A path below /v2, already validated: starts with '/', no host, no query. */
  path: string;
  query?: Record<string, QueryValue | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Basic auth as Tripletex wants it; absent for session creation. */
  auth?: { companyId: number; sessionToken: Secret };
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface WireResponse {
  status: number;
  /** Parsed JSON, or undefined for an empty body (204, 304). */
  body: unknown;
  requestId: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export interface WireFailure {
  error: TripletexNetworkError | CancelledError;
  /** True when the request certainly never reached Tripletex (refused, DNS, connect timeout). */
  neverSent: boolean;
}

const client = got.extend({
  retry: { limit: 0 },
  throwHttpErrors: false,
  followRedirect: false,
  decompress: true,
  responseType: 'text',
  headers: { 'user-agent': 'flow-tripletex', accept: 'application/json' },
});

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Builds the URL. Tripletex's `>` and `:` path markers are sent percent-encoded where a proxy might trip on them. */
export function urlFor(environment: EnvironmentName, path: string, query?: WireRequest['query']): URL {
  const encodedPath = path
    .split('/')
    .map((segment) => encodeURIComponent(safeDecode(segment)).replace(/%3A/gi, ':'))
    .join('/');
  const url = new URL(baseUrlFor(environment) + encodedPath);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    // Tripletex takes lists as comma-separated values (ids, fields, sorting).
    url.searchParams.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  return url;
}

export function basicAuth(companyId: number, sessionToken: Secret): string {
  return 'Basic ' + Buffer.from(`${companyId}:${sessionToken.reveal()}`).toString('base64');
}

function classify(error: RequestError): { failure: NetworkFailure; neverSent: boolean; detail: string } {
  if (error instanceof TimeoutError) {
    // Before the connection was up, nothing reached Tripletex.
    const early = error.event === 'lookup' || error.event === 'connect' || error.event === 'secureConnect';
    return { failure: 'timeout', neverSent: early, detail: `no answer within the time limit (${error.event})` };
  }
  switch (error.code) {
    case 'ECONNREFUSED':
      return { failure: 'refused', neverSent: true, detail: 'connection refused' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { failure: 'dns', neverSent: true, detail: error.code };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_STREAM_PREMATURE_CLOSE':
      return { failure: 'reset', neverSent: false, detail: error.code };
    default:
      return { failure: /socket hang up/i.test(error.message) ? 'reset' : 'other', neverSent: false, detail: error.code ?? 'network error' };
  }
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Sends one request and returns whatever status came back. Throws only when no HTTP answer
 * could be read (network failure, cancellation, a 2xx body that is not JSON).
 */
export async function send(request: WireRequest): Promise<WireResponse> {
  const url = urlFor(request.environment, request.path, request.query);
  const headers: Record<string, string> = { ...(request.headers ?? {}) };
  if (request.auth) headers.authorization = basicAuth(request.auth.companyId, request.auth.sessionToken);
  const hasBody = request.body !== undefined && (request.method === 'POST' || request.method === 'PUT');
  if (hasBody) headers['content-type'] = 'application/json; charset=utf-8';
  const where = request.path;

  let response;
  try {
    response = await client(url, {
      method: request.method as Method,
      headers,
      body: hasBody ? JSON.stringify(request.body) : undefined,
      timeout: { request: request.timeoutMs },
      signal: request.signal,
      agent: agentsFor(url),
    });
  } catch (error) {
    throw toWireFailure(error, request.method, where, request.signal);
  }

  const requestId = headerString(response.headers['x-tlx-request-id']);
  const text = response.body ?? '';
  let body: unknown;
  if (text.trim().length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      if (response.statusCode >= 200 && response.statusCode < 300) {
        const failure: WireFailure = {
          error: new TripletexNetworkError({ method: request.method, path: where, failure: 'malformed-response', detail: `status ${response.statusCode}`, mayHaveBeenApplied: request.method !== 'GET', requestId }),
          neverSent: false,
        };
        throw failure;
      }
      // An error page from a proxy or load balancer: keep a short, scrubbed excerpt.
      body = { message: text.slice(0, 200).replace(/\s+/g, ' ').trim() };
    }
  }
  return { status: response.statusCode, body, requestId, headers: response.headers };
}

function toWireFailure(error: unknown, method: string, path: string, signal: AbortSignal | undefined): WireFailure {
  if (signal?.aborted) return { error: new CancelledError(`${method} ${path} was cancelled`), neverSent: false };
  if (error instanceof RequestError) {
    const { failure, neverSent, detail } = classify(error);
    return { error: new TripletexNetworkError({ method, path, failure, detail, mayHaveBeenApplied: false }), neverSent };
  }
  return { error: new TripletexNetworkError({ method, path, failure: 'other', detail: error instanceof Error ? error.name : 'unknown', mayHaveBeenApplied: false }), neverSent: false };
}

export function isWireFailure(value: unknown): value is WireFailure {
  return typeof value === 'object' && value !== null && 'error' in value && 'neverSent' in value;
}

/** Tripletex's error envelope, tolerant of whatever a misbehaving server sends. */
export function apiErrorFrom(method: string, path: string, response: WireResponse, mayHaveBeenApplied = false): TripletexApiError {
  const body = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const validation = Array.isArray(body.validationMessages)
    ? (body.validationMessages as unknown[]).filter((v): v is ValidationMessage => typeof v === 'object' && v !== null)
    : [];
  return new TripletexApiError({
    method,
    path,
    status: response.status,
    code: typeof body.code === 'number' ? body.code : undefined,
    tripletexMessage: str(body.message),
    developerMessage: str(body.developerMessage),
    validationMessages: validation,
    requestId: str(body.requestId) ?? response.requestId,
    mayHaveBeenApplied,
  });
}

// ---- sessions -----------------------------------------------------------------------------

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
