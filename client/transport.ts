import type { ClientRequest } from 'node:http';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import got, { RequestError, TimeoutError, type Method } from 'got';
import { baseUrlFor, type EnvironmentName } from './environments.js';
import { describeForeignBody, problemText } from './foreign-body.js';
import { agentsFor, proxyFailureOf } from './proxy.js';
import { StreamingJson, UnreadableJson } from './streaming-json.js';
import { hint } from '../contract/hints.js';
import { jsonTooDeepAt, MAX_INPUT_DEPTH } from '../contract/input-depth.js';
import { InputError, TripletexApiError, TripletexNetworkError, CancelledError, type NetworkFailure, type ValidationMessage } from '../contract/errors.js';
import type { Secret } from '../contract/secret.js';
import { MAX_SERVER_VALUE, untrustedOptional } from '../contract/server-text.js';

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
  /** The Authorization header's value, made by the layer that knows the credentials; absent for session creation. */
  authorization?: Secret;
  timeoutMs: number;
  /** Bytes of one answer (after decompression) past which it is abandoned; default DEFAULT_MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number;
  signal?: AbortSignal;
}

export interface WireResponse {
  status: number;
  /** Parsed JSON, or undefined for an empty body (204, 304) or one that is not JSON. */
  body: unknown;
  requestId: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  /** For an error answer that is not JSON (an HTML page, plain text): a short, scrubbed account of it. */
  foreign?: string;
  /** Set by dispatch when this answer came to a resend whose earlier attempt may have been applied: how that attempt failed. */
  earlierAttempt?: string;
}

export interface WireFailure {
  error: TripletexNetworkError | CancelledError;
  /** True when the request certainly never reached Tripletex (refused, DNS, connect timeout). */
  neverSent: boolean;
  /** True when sending it again would meet the same refusal (a proxy that wants a login): not retried. */
  final?: boolean;
}

const client = got.extend({
  retry: { limit: 0 },
  throwHttpErrors: false,
  followRedirect: false,
  decompress: true,
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

/** The default cap on one response's bytes (after decompression); see maxResponseBytes. */
export const DEFAULT_MAX_RESPONSE_BYTES = 50 * 1024 * 1024;

/** A request turned into what goes on the wire. Made before a rate-limit permit is taken, so a request that cannot be encoded never costs one and never counts as sent. */
export interface EncodedRequest {
  request: WireRequest;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * Builds URL, headers and body text, or throws an InputError naming what cannot be sent
 * (a header value with characters HTTP cannot carry, a body JSON cannot hold). Nothing has
 * left the process when this throws.
 */
export function encode(request: WireRequest): EncodedRequest {
  const url = urlFor(request.environment, request.path, request.query);
  const headers: Record<string, string> = {};
  const problems: { field: string; message: string }[] = [];
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
      headers[name] = value;
    } catch {
      problems.push({ field: `header ${name}`, message: 'holds characters an HTTP header cannot carry (line breaks, control characters or characters outside Latin-1)' });
    }
  }
  let body: string | undefined;
  if (request.body !== undefined && (request.method === 'POST' || request.method === 'PUT')) {
    try {
      body = JSON.stringify(request.body);
    } catch (error) {
      problems.push({ field: 'body', message: error instanceof RangeError ? 'is nested too deeply to be sent as JSON' : 'cannot be sent as JSON (it refers to itself, or holds a value JSON has no form for)' });
    }
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  if (problems.length > 0) throw new InputError(problems, `${request.method} ${request.path} was not sent`);
  if (request.authorization) headers.authorization = request.authorization.reveal();
  return { request, url, headers, body };
}

function classify(error: RequestError): { failure: NetworkFailure; neverSent: boolean; detail: string; final?: boolean } {
  // A proxy that failed before its tunnel was open: the message names it, nothing reached Tripletex.
  const viaProxy = proxyFailureOf(error);
  if (viaProxy) return viaProxy;
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
 * Whether this request got as far as a socket. Before that (an agent or proxy that failed,
 * an error while the request was being prepared) not a byte can have left the process, so a
 * failure cannot mean "may have been applied". Failures on the socket itself are judged by
 * their kind (refused, DNS and connect timeouts happen before anything is written).
 */
class OutgoingBytes {
  #socketAssigned = false;

  watch(request: ClientRequest): void {
    request.once('socket', () => (this.#socketAssigned = true));
  }

  get mayHaveLeft(): boolean {
    return this.#socketAssigned;
  }
}

function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}

/** Nesting accepted in an answer: a row may nest as deeply as a body may (MAX_INPUT_DEPTH), inside a list's envelope and its `values`. */
export const MAX_ANSWER_DEPTH = MAX_INPUT_DEPTH + 2;

/** Thrown into the answer's stream when its declared length is over the cap: nothing of it is read. */
class DeclaredTooLarge extends Error {}

const NOT_JSON = Symbol('not JSON');

/**
 * Sends one encoded request and returns whatever status came back. Throws a WireFailure only
 * when no HTTP answer could be read (network failure, cancellation, an answer over the size
 * cap, a 2xx body that is not JSON). The answer is counted while it streams and abandoned as
 * soon as it passes `maxResponseBytes`, so a server that never stops sending costs no more
 * memory than the cap. A 2xx answer is parsed as it streams (client/streaming-json.ts): a list
 * page's rows are parsed as they arrive and its bytes let go, so no copy of the whole answer is
 * ever held. `onSent` hears when the whole request has been handed to the network: from then
 * on the server will see it, whatever happens to the answer; a request cancelled before then
 * never reaches it.
 */
export async function sendEncoded(encoded: EncodedRequest, onSent?: () => void): Promise<WireResponse> {
  const { request, url, headers } = encoded;
  const where = request.path;
  const cap = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const outgoing = new OutgoingBytes();
  let overCap: number | undefined;
  const malformed = (status: number, requestId: string | undefined, detail: string): WireFailure => ({
    error: new TripletexNetworkError({ method: request.method, path: where, failure: 'malformed-response', detail: `status ${status}: ${detail}`, mayHaveBeenApplied: request.method !== 'GET', requestId }),
    neverSent: false,
  });

  // got's stream, not its promise: the promise gathers the chunks, joins them and decodes the
  // result, three copies of the answer at once, before anything could be parsed.
  const call = client.stream(url, {
    method: request.method as Method,
    headers,
    body: encoded.body,
    timeout: { request: request.timeoutMs },
    signal: request.signal,
    agent: agentsFor(url),
  });
  // Errors are read where the body is read (the loop below); one that comes after it ended (a
  // fetch-ahead abort just as the answer finished) has nobody left to tell and must not crash.
  call.on('error', () => undefined);
  // Without a body, got waits for one to be written into the stream, except for a GET.
  if (encoded.body === undefined && request.method !== 'GET') call.end();
  call.on('request', (clientRequest: ClientRequest) => {
    outgoing.watch(clientRequest);
    if (onSent) clientRequest.once('finish', onSent);
  });
  let response: { statusCode: number; headers: Record<string, string | string[] | undefined> } | undefined;
  call.once('response', (answer: NonNullable<typeof response>) => {
    response = answer;
    // A declared length is known before the first byte: no need to download what will be refused.
    const declared = Number(headerString(answer.headers['content-length']));
    if (Number.isFinite(declared) && declared > cap) {
      overCap = declared;
      call.destroy(new DeclaredTooLarge());
    }
  });

  // A 2xx answer is parsed as it comes; any other (an error envelope, a gateway's HTML page)
  // is kept as text, which is small, so that what is not JSON can still be described.
  let reader: StreamingJson | undefined;
  let errorText: StringDecoder | undefined;
  let text = '';
  let received = 0;
  let body: unknown;
  try {
    for await (const chunk of call as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > cap) {
        overCap = received;
        break;
      }
      const status = response!.statusCode;
      if (status >= 200 && status < 300) (reader ??= new StreamingJson({ maxDepth: MAX_ANSWER_DEPTH })).write(chunk);
      else text += (errorText ??= new StringDecoder('utf8')).write(chunk);
    }
    if (overCap === undefined && reader) body = reader.end();
    // got keeps its listener on the signal until the stream is destroyed, and a GET's stream
    // is never ended from this side: let go of it now that the answer is in.
    call.destroy();
  } catch (error) {
    call.destroy();
    if (error instanceof UnreadableJson) {
      const detail = error.reason === 'too-deep' ? `${error.message}, more than any Tripletex answer` : 'not JSON';
      throw malformed(response!.statusCode, untrustedOptional(headerString(response!.headers['x-tlx-request-id']), MAX_SERVER_VALUE), detail);
    }
    if (overCap === undefined || request.signal?.aborted) throw toWireFailure(error, request.method, where, request.signal, outgoing.mayHaveLeft);
  }
  if (overCap !== undefined) {
    call.destroy();
    if (request.signal?.aborted) throw toWireFailure(undefined, request.method, where, request.signal, outgoing.mayHaveLeft);
    const advice = hint('raise {input:maxResponseMegabytes} if this endpoint really answers that much, or ask for fewer rows per page ({input:itemsPerPage})');
    throw {
      error: new TripletexNetworkError(
        {
          method: request.method,
          path: where,
          failure: 'too-large',
          detail: `more than ${megabytes(cap)}, the limit for one answer; ${advice.text}`,
          mayHaveBeenApplied: request.method !== 'GET',
        },
        [advice],
      ),
      neverSent: false,
    } satisfies WireFailure;
  }

  const { statusCode: status, headers: answerHeaders } = response!;
  // A server's string like any other: a gateway may put the credential in it (server-text.ts).
  const requestId = untrustedOptional(headerString(answerHeaders['x-tlx-request-id']), MAX_SERVER_VALUE);
  let foreign: string | undefined;
  if (errorText) text += errorText.end();
  if (text.trim().length > 0) {
    let parsed: unknown = NOT_JSON;
    // Nesting beyond any Tripletex answer's would overflow recursive code later on: not used as JSON.
    if (jsonTooDeepAt(text, MAX_ANSWER_DEPTH) === undefined) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // described below
      }
    }
    // An error page from a proxy, gateway or load balancer: keep what a person can use.
    if (parsed === NOT_JSON) foreign = describeForeignBody(text, headerString(answerHeaders['content-type']));
    else body = parsed;
  }
  return { status, body, requestId, headers: answerHeaders, ...(foreign !== undefined ? { foreign } : {}) };
}

/** Encodes and sends in one step (for callers that do not need the two apart). */
export async function send(request: WireRequest): Promise<WireResponse> {
  return sendEncoded(encode(request));
}

function toWireFailure(error: unknown, method: string, path: string, signal: AbortSignal | undefined, bytesLeft: boolean): WireFailure {
  if (signal?.aborted) return { error: new CancelledError(`${method} ${path} was cancelled`), neverSent: !bytesLeft };
  if (error instanceof RequestError) {
    const { failure, neverSent, detail, final } = classify(error);
    return { error: new TripletexNetworkError({ method, path, failure, detail, mayHaveBeenApplied: false }), neverSent: neverSent || !bytesLeft, ...(final ? { final } : {}) };
  }
  return { error: new TripletexNetworkError({ method, path, failure: 'other', detail: error instanceof Error ? error.name : 'unknown', mayHaveBeenApplied: false }), neverSent: !bytesLeft };
}

export function isWireFailure(value: unknown): value is WireFailure {
  return typeof value === 'object' && value !== null && 'error' in value && 'neverSent' in value;
}

/** Tripletex's error envelope, tolerant of whatever a misbehaving server sends. */
export function apiErrorFrom(method: string, path: string, response: WireResponse, mayHaveBeenApplied = false): TripletexApiError {
  const body = (typeof response.body === 'object' && response.body !== null && !Array.isArray(response.body) ? response.body : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.trim().length > 0 ? v : undefined);
  const validation = Array.isArray(body.validationMessages)
    ? (body.validationMessages as unknown[]).filter((v): v is ValidationMessage => typeof v === 'object' && v !== null)
    : [];
  const tripletexMessage = str(body.message);
  // Not Tripletex's envelope: an RFC 7807 problem from a gateway, or a page that is not JSON.
  const serverText = tripletexMessage === undefined ? (response.foreign ?? problemText(response.body)) : undefined;
  return new TripletexApiError({
    method,
    path,
    status: response.status,
    code: typeof body.code === 'number' ? body.code : undefined,
    tripletexMessage,
    developerMessage: str(body.developerMessage),
    validationMessages: validation,
    requestId: str(body.requestId) ?? response.requestId,
    mayHaveBeenApplied,
    ...(serverText !== undefined ? { serverText } : {}),
  });
}
