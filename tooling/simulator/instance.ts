import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { CompanyData, makeProfile, planCompanies, type CompanyPlan, type CompanyProfile, type DataContext } from './data.js';
import { CODES, errorResponse, type SimResponse } from './envelope.js';
import { faultResponse, type FaultEngine, type PauseGate } from './faults.js';
import { Rng } from './prng.js';
import { ANONYMOUS_BUCKET, RateLimiter, type RateDecision } from './rate-limit.js';
import { Refusal, type AuthInfo, type Counters, type HandlerContext, type InstanceApi, type Route } from './routes/context.js';
import { matchRoute } from './routes/index.js';
import { SessionStore, type Session } from './sessions.js';
import { makeDemoTokens, TokenRegistry, type EmployeeEntry } from './tokens.js';
import type { EmployeeRegistration, EnvironmentCompanies, EnvironmentDemoTokens, EnvironmentName, LatencySetting, ListBehaviour, RateLimitSetting, RecordedRequest, SessionCreatePostMode, SimulatorTls } from './types.js';

// One Tripletex environment: its own HTTP server, port, token registry, sessions, companies
// and rate-limit windows. Settings that tests change at run time (faults, latency, limits)
// live in the shared state both instances read on every request.

export interface SharedState {
  seed: number;
  size: number;
  maxCount: number;
  now: () => number;
  dataYear: number;
  inexactFullResultSize: boolean;
  latency: LatencySetting;
  rateLimit: RateLimitSetting;
  revokeAfter: number | undefined;
  sessionCreatePost: SessionCreatePostMode;
  lists: Map<string, ListBehaviour>;
  resultSetLimit: number;
  postingsPerYear: number;
  faults: FaultEngine;
  paused: PauseGate;
  latencyRng: Rng;
  requests: RecordedRequest[];
  seq: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  rateLimited: number;
  unauthorized: number;
  onRequest: ((request: RecordedRequest) => void) | undefined;
}

const MAX_BODY_BYTES = 1_000_000;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Query parameters for the request log, with token values blanked. */
function loggableQuery(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key).map((v) => (/token/i.test(key) ? '[redacted]' : v));
    out[key] = values.length === 1 ? values[0]! : values;
  }
  return out;
}

/** The path for the request log: anything after /token/session/ that is not a known action may be a token. */
function loggablePath(segments: string[]): string {
  const safe = segments.map((segment, i) => {
    if (i === 2 && segments[0] === 'token' && segments[1] === 'session' && segment !== '>whoAmI' && segment !== ':create') return '[redacted]';
    if (i > 2 && segments[0] === 'token') return '[redacted]';
    return segment;
  });
  return '/' + safe.join('/');
}

function parseBasic(header: string | undefined): { companyId: number; token: string } | 'malformed' | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+(\S+)\s*$/i.exec(header);
  if (!m) return 'malformed';
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  const user = decoded.slice(0, colon).trim();
  if (user !== '' && !/^\d+$/.test(user)) return 'malformed';
  return { companyId: user === '' ? 0 : Number(user), token: decoded.slice(colon + 1) };
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

export class EnvironmentServer implements InstanceApi {
  readonly environment: EnvironmentName;
  readonly registry: TokenRegistry;
  readonly sessions: SessionStore;
  readonly counters: Counters = { sessionsCreated: 0, sessionsDeleted: 0, customersCreated: 0 };
  readonly rng: Rng;
  readonly demoTokens: EnvironmentDemoTokens;
  readonly plan: CompanyPlan;
  private readonly shared: SharedState;
  private readonly rateLimiter: RateLimiter;
  private readonly server: Server;
  private readonly secure: boolean;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly profiles = new Map<number, CompanyProfile>();
  private readonly companies = new Map<number, CompanyData>();
  private closing = false;
  urlBase = '';
  url = '';

  constructor(environment: EnvironmentName, shared: SharedState, tls?: SimulatorTls) {
    this.environment = environment;
    this.shared = shared;
    this.registry = new TokenRegistry(shared.seed, environment);
    this.sessions = new SessionStore(environment, Rng.of(shared.seed, environment, 'session-ids').int(100_000, 900_000));
    this.rng = Rng.of(shared.seed, environment, 'writes');
    this.rateLimiter = new RateLimiter(shared.rateLimit, shared.now);
    this.plan = planCompanies(shared.seed, environment, shared.size);
    for (const profile of [this.plan.demo, this.plan.accountant, ...this.plan.clients]) this.profiles.set(profile.id, profile);
    this.demoTokens = makeDemoTokens(shared.seed, environment, this.registry);
    const t = this.demoTokens;
    this.registry.registerConsumer(t.consumerToken);
    const common = { consumerToken: t.consumerToken, clientCompanyIds: [] };
    this.registry.registerEmployee({ ...common, token: t.employeeTokens.employee, kind: 'employee', companyId: this.plan.demo.id, employeeIndex: 0, actualEmployeeIndex: 3 });
    this.registry.registerEmployee({ ...common, token: t.employeeTokens.restricted, kind: 'restricted', companyId: this.plan.demo.id, employeeIndex: 1 });
    this.registry.registerEmployee({
      ...common,
      token: t.employeeTokens.accountant,
      kind: 'accountant',
      companyId: this.plan.accountant.id,
      clientCompanyIds: this.plan.clients.map((c) => c.id),
      employeeIndex: 0,
    });
    this.registry.registerEmployee({ ...common, token: t.employeeTokens.noApiAccess, kind: 'no-api-access', companyId: this.plan.demo.id, employeeIndex: 2 });
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.onRequest(req, res);
    this.secure = tls !== undefined;
    this.server = tls ? createTlsServer({ key: tls.key, cert: tls.cert }, handler) : createServer(handler);
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get seed(): number {
    return this.shared.seed;
  }

  get maxCount(): number {
    return this.shared.maxCount;
  }

  now(): number {
    return this.shared.now();
  }

  inexactFullResultSize(): boolean {
    return this.shared.inexactFullResultSize;
  }

  sessionCreatePost(): SessionCreatePostMode {
    return this.shared.sessionCreatePost;
  }

  listBehaviour(path: string): ListBehaviour | undefined {
    return this.shared.lists.get(path);
  }

  resultSetLimit(): number {
    return this.shared.resultSetLimit;
  }

  companyIds(): EnvironmentCompanies {
    return { demoCompanyId: this.plan.demo.id, accountantCompanyId: this.plan.accountant.id, clientCompanyIds: this.plan.clients.map((c) => c.id) };
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.urlBase = `127.0.0.1:${address.port}/v2`;
    this.url = `${this.secure ? 'https' : 'http'}://${this.urlBase}`;
  }

  close(): Promise<void> {
    this.closing = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.server.closeAllConnections();
    });
  }

  configureRateLimit(setting: RateLimitSetting): void {
    this.rateLimiter.configure(setting);
  }

  company(id: number): CompanyData | undefined {
    const existing = this.companies.get(id);
    if (existing) return existing;
    const profile = this.profiles.get(id);
    if (!profile) return undefined;
    const year = this.shared.dataYear;
    const ctx: DataContext = {
      seed: this.shared.seed,
      environment: this.environment,
      urlBase: this.urlBase,
      fromDay: Date.UTC(year - 1, 0, 1) / 86_400_000,
      toDay: Date.UTC(year + 1, 0, 1) / 86_400_000,
      // postingsPerYear sizes the demo company's ledger; the others scale from their customers.
      ...(id === this.plan.demo.id ? { vouchersPerYear: Math.ceil(this.shared.postingsPerYear / 2) } : {}),
    };
    const data = new CompanyData(profile, ctx);
    this.companies.set(id, data);
    return data;
  }

  clientCompanies(employee: EmployeeEntry): CompanyData[] {
    return employee.clientCompanyIds.map((id) => this.company(id)).filter((c): c is CompanyData => c !== undefined);
  }

  registerEmployee(registration: EmployeeRegistration): void {
    const kind = registration.kind;
    const companyId = registration.companyId ?? (kind === 'accountant' ? this.plan.accountant.id : this.plan.demo.id);
    const clientCompanyIds = registration.clientCompanyIds ?? (kind === 'accountant' ? this.plan.clients.map((c) => c.id) : []);
    const small = Math.max(10, Math.floor(this.shared.size / 10));
    if (!this.profiles.has(companyId)) this.profiles.set(companyId, makeProfile(this.shared.seed, this.environment, companyId, kind === 'accountant' ? 'accountant' : 'other', small));
    const office = this.profiles.get(companyId)!;
    for (const clientId of clientCompanyIds) {
      if (!this.profiles.has(clientId)) this.profiles.set(clientId, makeProfile(this.shared.seed, this.environment, clientId, 'client', small, office));
    }
    this.registry.registerEmployee({ token: registration.token, consumerToken: registration.consumerToken, kind, companyId, clientCompanyIds, employeeIndex: 0 });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      req.socket.destroy();
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    // Prefixing (rather than resolving against a base) keeps a path like //x/v2 a path.
    const target = req.url ?? '/';
    const url = new URL(target.startsWith('/') ? `http://127.0.0.1${target}` : target);
    const rawSegments = url.pathname.split('/').slice(1);
    const decoded = rawSegments.map(decodeSegment);
    const badEncoding = decoded.some((s) => s === undefined);
    const underV2 = decoded[0] === 'v2' && !badEncoding;
    let segments = underV2 ? (decoded.slice(1) as string[]) : [];
    if (segments.length > 1 && segments[segments.length - 1] === '') segments = segments.slice(0, -1);
    const path = '/' + segments.join('/');
    const record: RecordedRequest = {
      seq: ++this.shared.seq,
      method,
      environment: this.environment,
      path: underV2 ? loggablePath(segments) : badEncoding ? '[undecodable path]' : '[outside /v2]',
      route: null,
      query: loggableQuery(url.searchParams),
      status: 0,
      requestId,
      at: this.shared.now(),
    };
    this.shared.requests.push(record);

    let rate: RateDecision | undefined;
    let response: SimResponse;
    try {
      const outcome = this.process({ method, path, segments, underV2, badEncoding, query: url.searchParams, req, body, record });
      response = outcome.response;
      rate = outcome.rate;
    } catch (error) {
      response = errorResponse(500, { developerMessage: `Simulator error: ${error instanceof Error ? error.message : String(error)}` });
    }
    record.status = response.drop ? 0 : response.status;
    if (response.fault) record.fault = response.fault;
    const routeKey = `${method} ${record.route ?? '(no route)'}`;
    this.shared.byRoute[routeKey] = (this.shared.byRoute[routeKey] ?? 0) + 1;
    this.shared.byStatus[String(record.status)] = (this.shared.byStatus[String(record.status)] ?? 0) + 1;
    if (record.status === 401) this.shared.unauthorized++;
    this.shared.onRequest?.(record);
    await this.send(req, res, response, requestId, rate);
  }

  private process(r: {
    method: string;
    path: string;
    segments: string[];
    underV2: boolean;
    badEncoding: boolean;
    query: URLSearchParams;
    req: IncomingMessage;
    body: Buffer;
    record: RecordedRequest;
    /** Already through the rate limit and the fault rules (a paused request being handled). */
    paused?: boolean;
  }): { response: SimResponse; rate?: RateDecision } {
    const basic = parseBasic(r.req.headers.authorization);
    const presented = typeof basic === 'object' ? this.sessions.get(basic.token) : undefined;
    if (presented) {
      r.record.employeeTokenId = presented.employee.id;
      r.record.companyId = (basic as { companyId: number }).companyId;
    }
    const rate = r.paused ? undefined : this.rateLimiter.take(presented ? `${presented.consumer.id}:${presented.employee.id}` : ANONYMOUS_BUCKET);
    if (rate && !rate.allowed) {
      this.shared.rateLimited++;
      return { response: errorResponse(429, { code: null }), rate };
    }
    if (r.badEncoding) return { response: errorResponse(400, { developerMessage: 'The path has a malformed percent-encoding.' }), rate };
    if (!r.underV2) return { response: errorResponse(404, { developerMessage: 'Only paths below /v2 exist.' }), rate };

    const request = { method: r.method, environment: this.environment, path: r.path };
    const before = r.paused ? undefined : this.shared.faults.decide(request, 'before');
    if (before?.pause) {
      // Handled now, answered when the test lets it go.
      const outcome = this.process({ ...r, paused: true });
      return { rate, response: { ...outcome.response, hold: true, fault: 'pause' } };
    }
    if (before) return { response: faultResponse(before), rate };

    const match = matchRoute(r.method, r.segments);
    if (match.kind === 'not-found') return { response: errorResponse(404, { developerMessage: `No endpoint ${r.method} ${r.path.startsWith('/token/') ? '/token/…' : r.path}.` }), rate };
    if (match.kind === 'method-not-allowed') {
      r.record.route = match.pattern;
      return { response: errorResponse(405, { code: null, developerMessage: `${r.method} is not allowed on ${match.pattern}.`, headers: { allow: match.allow.join(', ') } }), rate };
    }
    const route = match.route;
    r.record.route = route.pattern;
    const ctx: HandlerContext = { instance: this, route, method: r.method, path: r.path, params: match.params, query: r.query, headers: r.req.headers, body: r.body };
    if (route.auth) {
      const auth = this.authenticate(basic, presented, route, r.method);
      if ('status' in auth) return { response: auth, rate };
      ctx.auth = auth;
    }
    let response: SimResponse;
    try {
      response = route.handler(ctx);
    } catch (error) {
      if (error instanceof Refusal) response = error.response;
      else throw error;
    }
    if (response.status < 400) {
      const after = this.shared.faults.decide(request, 'after');
      if (after) return { response: faultResponse(after), rate };
    }
    return { response, rate };
  }

  /** Basic auth, session life, company access and entitlements, in Tripletex's order. */
  private authenticate(basic: ReturnType<typeof parseBasic>, session: Session | undefined, route: Route, method: string): AuthInfo | SimResponse {
    // Tripletex words every 401 the same, whatever the cause (recorded); the reasons below only
    // say which cause each refusal stands for.
    const unauthorized = (_reason: string) => errorResponse(401, { code: CODES.authentication });
    if (basic === undefined) return unauthorized('No Authorization header: send Basic base64("<companyId>:<sessionToken>").');
    if (basic === 'malformed') return unauthorized('The Authorization header is not Basic base64("<companyId>:<sessionToken>").');
    if (!session || session.dead) return unauthorized('The session token is invalid, expired or deleted.');
    if (this.shared.now() >= session.expiresAt) {
      session.dead = true;
      return unauthorized('The session token has expired (sessions end at 00:00 Europe/Oslo on their expirationDate).');
    }
    const revokeAfter = this.shared.revokeAfter;
    if (revokeAfter !== undefined && session.calls >= revokeAfter) {
      session.dead = true;
      return unauthorized('The session token has been revoked.');
    }
    session.calls++;
    const employee = session.employee;
    if (employee.kind === 'no-api-access') {
      return errorResponse(403, {
        code: CODES.security,
        message: 'Brukeren har ikke tilgang til API-et.',
        developerMessage: 'The user behind this employee token has no API access. An administrator must give the user API access in Tripletex (user settings).',
      });
    }
    const own = this.company(employee.companyId);
    if (!own) return unauthorized('the employee token\'s company does not exist');
    const requested = basic.companyId;
    const ownEmployeeId = own.employeeIdAt(employee.employeeIndex);
    const actsAsOwn = requested === 0 || requested === own.id;
    if (!actsAsOwn) {
      const target = employee.kind === 'accountant' && employee.clientCompanyIds.includes(requested) ? this.company(requested) : undefined;
      if (!target) return unauthorized(`no access to company ${requested}`);
      return { session, employee, requestedCompanyId: requested, company: target, employeeId: target.employeeIdAt(0), actualEmployeeId: ownEmployeeId, isProxy: true };
    }
    if (employee.kind === 'accountant' && !route.accountantRoot) {
      return errorResponse(403, {
        code: CODES.security,
        developerMessage: 'An accountant token with company 0 only reaches GET /token/session/>whoAmI and GET /company/>withLoginAccess; use a client company id as the Basic auth user name.',
      });
    }
    if (employee.kind === 'restricted' && (route.entitlement !== undefined || (WRITE_METHODS.has(method) && !route.ownSession))) {
      return errorResponse(403, {
        code: CODES.security,
        developerMessage: `The employee token lacks the entitlement for ${method} ${route.pattern}${route.entitlement ? ` (${route.entitlement === 'ledger' ? 'accounting' : 'invoicing'} access)` : ' (write access)'}.`,
      });
    }
    const actualEmployeeId = employee.actualEmployeeIndex === undefined ? ownEmployeeId : own.employeeIdAt(employee.actualEmployeeIndex);
    return { session, employee, requestedCompanyId: requested, company: own, employeeId: ownEmployeeId, actualEmployeeId, isProxy: false };
  }

  private latencyMs(): number {
    const latency = this.shared.latency;
    if (typeof latency === 'number') return latency;
    return latency.min + this.shared.latencyRng.next() * (latency.max - latency.min);
  }

  private async send(req: IncomingMessage, res: ServerResponse, response: SimResponse, requestId: string, rate: RateDecision | undefined): Promise<void> {
    if (response.hold) await this.shared.paused.wait();
    const delay = this.latencyMs();
    if (delay > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          resolve();
        }, delay);
        this.timers.add(timer);
      });
    }
    if (this.closing || res.destroyed) return;
    if (response.drop) {
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = response.foreign ? {} : { 'x-tlx-request-id': requestId };
    if (rate && !response.foreign) {
      headers['x-rate-limit-limit'] = String(rate.limit);
      headers['x-rate-limit-remaining'] = String(rate.remaining);
      if (!(response.status === 429 && this.rateLimiter.omitResetHeader)) headers['x-rate-limit-reset'] = String(rate.resetSeconds);
    }
    if (response.fault) headers['x-simulator-fault'] = response.fault;
    Object.assign(headers, response.headers);
    let payload: string | undefined;
    if (response.rawBody !== undefined) payload = response.rawBody;
    else if (response.body !== undefined && response.status !== 204 && response.status !== 304) {
      const body = response.isError ? { ...(response.body as object), requestId } : response.body;
      payload = JSON.stringify(body);
    }
    if (payload !== undefined) headers['content-type'] ??= 'application/json; charset=utf-8';
    res.writeHead(response.status, headers);
    res.end(payload);
  }
}
