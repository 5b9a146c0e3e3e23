import { dispatch, isReplaySafe, type RetryPolicy } from '../client/dispatch.js';
import type { EnvironmentName } from '../client/environments.js';
import type { RateLimiter, Speculation } from '../client/rate-limiter.js';
import type { RequestStats } from '../client/request-stats.js';
import { apiErrorFrom, type HttpMethod, type QueryValue, type WireResponse } from '../client/transport.js';
import { AuthenticationError, LACKS_ENTITLEMENT, TripletexApiError, TripletexNetworkError } from '../contract/errors.js';
import { hint } from '../contract/hints.js';
import type { Logger } from '../contract/host.js';
import { Secret, registerSecretValue } from '../contract/secret.js';
import type { ResolvedConnection } from './resolved-connection.js';
import { createSession, forgetSessionForms, limiterFor } from './session-create.js';
import { describeSessionFailure } from './session-failure.js';
import { SessionPool, type Session } from './session-pool.js';

// The session-aware client: what the actions use. It sits on the wire (client/), which sends
// requests and knows no credentials, and plugs in what only this layer knows: the session, the
// Authorization value built from it, and renewing the session when Tripletex refuses it.

/**
 * Tripletex's Basic auth: base64("<companyId>:<sessionToken>"). A server or gateway may echo
 * the value back in any form (with or without "Basic ", in another case), so the encoded value
 * and what it encodes are secrets in their own right.
 */
export function basicAuthorization(companyId: number, sessionToken: Secret): Secret {
  const credentials = `${companyId}:${sessionToken.reveal()}`;
  const encoded = Buffer.from(credentials).toString('base64');
  registerSecretValue(credentials);
  registerSecretValue(encoded);
  return new Secret('Basic ' + encoded);
}

let defaultPool: SessionPool | undefined;

/** Per token pair: whether the tokens reach client companies, and their own company's id (see #clientAccess). */
interface ClientAccess {
  reachesClients: boolean;
  ownCompanyId?: number;
}
const clientAccess = new Map<string, Promise<ClientAccess | undefined>>();

/** The process-wide session pool every connection shares. */
export function sharedSessionPool(): SessionPool {
  defaultPool ??= new SessionPool({ create: (credentials, expirationDate, timeoutMs, signal, stats) => createSession(credentials, expirationDate, signal, timeoutMs, stats) });
  return defaultPool;
}

/** For tests: a pool with a controllable clock, or back to the default. */
export function setSharedSessionPool(pool: SessionPool | undefined): void {
  defaultPool = pool;
  clientAccess.clear();
  forgetSessionForms();
}

export interface ApiRequest {
  method: HttpMethod;
  path: string;
  query?: Record<string, QueryValue | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Company for this request; absent or null means the connection's default. */
  companyId?: number | null;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Bytes one answer may hold; default the client's, else DEFAULT_MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number;
  /** A page fetched ahead on speculation: the rate limiter sends it only with budget to spare (see client/rate-limiter.ts). */
  speculation?: Speculation;
  /** Called each time the rate limiter lets the request go (it will be sent): again for every resend, so it must be safe to call twice. */
  onGranted?: () => void;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  requestId: string | undefined;
  /** Things a person should know about this answer (e.g. a resent DELETE that found the object gone). */
  warnings?: string[];
}

export interface ClientOptions {
  log?: Logger;
  stats?: RequestStats;
  onRateLimitWait?(ms: number): void;
  timeoutMs?: number;
  /** The longest single rate-limit wait; longer ones fail the request (DEFAULT_MAX_WAIT_MS). */
  maxWaitMs?: number;
  maxResponseBytes?: number;
  policy?: RetryPolicy;
  sessionPool?: SessionPool;
}

/**
 * Requests on behalf of one connection: session, Basic auth, rate limit, retries, errors.
 * Actions use this and nothing lower.
 */
export class TripletexClient {
  readonly connection: ResolvedConnection;
  readonly #options: ClientOptions;
  readonly #pool: SessionPool;
  readonly #limiter: RateLimiter;

  constructor(connection: ResolvedConnection, options: ClientOptions = {}) {
    this.connection = connection;
    this.#options = options;
    this.#pool = options.sessionPool ?? sharedSessionPool();
    this.#limiter = limiterFor(connection.credentials);
  }

  get environment(): EnvironmentName {
    return this.connection.environment;
  }

  /** Requests waiting on speculation (ApiRequest.speculation) may have been proven needed since: let the rate limiter decide again. */
  reconsiderWaiting(): void {
    this.#limiter.reconsider();
  }

  /** Answers 2xx and 304 with the parsed body; anything else is thrown as a pack error. */
  request(request: ApiRequest): Promise<ApiResponse> {
    return this.#send(request, false);
  }

  /** `probe`: a look-up the client makes for itself, not counted in the run's figures. */
  async #send(request: ApiRequest, probe: boolean): Promise<ApiResponse> {
    const { credentials } = this.connection;
    const companyId = request.companyId ?? this.connection.defaultCompanyId;
    let session = await this.#session(request.signal);
    const response: WireResponse = await dispatch(
      () => ({
        environment: credentials.environment,
        method: request.method,
        path: request.path,
        query: request.query,
        body: request.body,
        headers: request.headers,
        authorization: basicAuthorization(companyId, session.token),
        timeoutMs: request.timeoutMs ?? this.#options.timeoutMs ?? 60_000,
        maxResponseBytes: request.maxResponseBytes ?? this.#options.maxResponseBytes,
        signal: request.signal,
      }),
      {
        limiter: this.#limiter,
        replaySafe: isReplaySafe(request.method, request.path),
        policy: this.#options.policy,
        signal: request.signal,
        stats: probe ? undefined : this.#options.stats,
        log: this.#options.log,
        onRateLimitWait: this.#options.onRateLimitWait,
        maxWaitMs: this.#options.maxWaitMs,
        ...(request.speculation ? { speculation: request.speculation } : {}),
        ...(request.onGranted ? { onGranted: request.onGranted } : {}),
        renewAfter401: async () => {
          this.#options.log?.info('Tripletex refused the session (401); creating a new one and sending once more');
          session = await this.#renew(session, request.signal);
          return true;
        },
      },
    );
    if ((response.status >= 200 && response.status < 300) || response.status === 304) {
      return { status: response.status, body: response.body, requestId: response.requestId };
    }
    const error = apiErrorFrom(request.method, request.path, response);
    if (response.earlierAttempt !== undefined) {
      const earlier = `An earlier attempt of this ${request.method} got no clear answer (${response.earlierAttempt}) and may have been applied`;
      if (request.method === 'DELETE' && response.status === 404) {
        // The resend found nothing to delete: that attempt deleted it, or it was gone already.
        // Either way the object no longer exists, which is what the DELETE was for.
        return {
          status: 404,
          body: undefined,
          requestId: response.requestId,
          warnings: [`DELETE ${request.path}: ${earlier}; the resend was answered 404 (not found), so the object is gone, deleted by that attempt or before it.`],
        };
      }
      if (response.status === 409 || response.status === 404) {
        throw new TripletexApiError(
          { ...error.details, mayHaveBeenApplied: true },
          `${error.message}. ${earlier}, so this ${response.status} may be its result (with a version field, the object's version has moved on): check the object in Tripletex before sending it again`,
        );
      }
    }
    if (response.status === 401) {
      const unreachable = companyId === 0 ? '' : `, or company ${companyId} is not reachable with these tokens`;
      throw new TripletexApiError(error.details, `${error.message}. A new session was created and Tripletex still refused it: the employee token may have been revoked${unreachable}`);
    }
    // The commonest 403 in practice: an accountant's token used without a client's id, as 0 or
    // as the office's own id (which reaches no more than 0 does). Said only when the tokens do
    // reach client companies, never to a clerk whose role lacks an endpoint.
    if (response.status === 403 && error.serverText === undefined && !probe) {
      const access = await this.#clientAccess(request.signal);
      if (access?.reachesClients && (companyId === 0 || companyId === access.ownCompanyId)) {
        const advice = hint("give the client company's id as {input:companyId} (GET /company/>withLoginAccess lists the ids these tokens reach)");
        const own = companyId === 0 ? 'your own company (0)' : `the accounting office's own company (${companyId}, the same as 0)`;
        throw new TripletexApiError(error.details, error.message.replace(LACKS_ENTITLEMENT, `These are an accountant's tokens, which in ${own} may only list their client companies: ${advice.text}`), [advice]);
      }
    }
    throw error;
  }

  /** Whether these tokens reach companies other than their own (an accountant's), and their own company; undefined when that could not be found out. */
  async #clientAccess(signal?: AbortSignal): Promise<ClientAccess | undefined> {
    const key = this.connection.credentials.fingerprint;
    let known = clientAccess.get(key);
    if (!known) {
      known = this.#askForClients(signal);
      clientAccess.set(key, known);
      // A look-up that failed is no answer: ask again next time.
      void known.then((answer) => answer === undefined && clientAccess.delete(key));
    }
    return known;
  }

  async #askForClients(signal?: AbortSignal): Promise<ClientAccess | undefined> {
    try {
      const who = await this.#send({ method: 'GET', path: '/token/session/>whoAmI', query: { fields: 'companyId' }, companyId: 0, signal }, true);
      const own = ((who.body ?? {}) as { value?: { companyId?: unknown } }).value?.companyId;
      const ownCompanyId = typeof own === 'number' ? { ownCompanyId: own } : {};
      const list = await this.#send({ method: 'GET', path: '/company/>withLoginAccess', query: { fields: 'id', from: 0, count: 2 }, companyId: 0, signal }, true);
      const values = ((list.body ?? {}) as { values?: unknown }).values;
      return { reachesClients: Array.isArray(values) && values.some((row) => (row as { id?: unknown } | null)?.id !== own), ...ownCompanyId };
    } catch (error) {
      // A user who may not even list client companies has none.
      if (error instanceof TripletexApiError && error.status === 403) return { reachesClients: false };
      return undefined;
    }
  }

  async #session(signal?: AbortSignal): Promise<Session> {
    try {
      return await this.#pool.get(this.connection.credentials, signal, this.#options.stats);
    } catch (error) {
      throw this.#sessionError(error);
    }
  }

  async #renew(stale: Session, signal?: AbortSignal): Promise<Session> {
    try {
      return await this.#pool.renew(this.connection.credentials, stale, signal, this.#options.stats);
    } catch (error) {
      throw this.#sessionError(error);
    }
  }

  #sessionError(error: unknown): unknown {
    if (error instanceof TripletexApiError || error instanceof TripletexNetworkError) {
      const { reason, message, hints } = describeSessionFailure(error, this.connection.environment, this.connection.name);
      return new AuthenticationError(reason, message, error, hints);
    }
    return error;
  }
}
