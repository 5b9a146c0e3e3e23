import type { IncomingHttpHeaders } from 'node:http';
import type { CompanyData } from '../data.js';
import type { SimResponse } from '../envelope.js';
import type { Rng } from '../prng.js';
import type { Session, SessionStore } from '../sessions.js';
import type { EmployeeEntry, TokenRegistry } from '../tokens.js';
import type { EnvironmentName, ListBehaviour, SessionCreatePostMode } from '../types.js';

// What a route handler gets to see. Handlers return a SimResponse or throw a Refusal; they
// never touch the socket, so latency, faults and headers stay the instance's business.

export interface AuthInfo {
  session: Session;
  employee: EmployeeEntry;
  /** The Basic auth user name as a number (0 for blank). */
  requestedCompanyId: number;
  /** The company the call acts in. */
  company: CompanyData;
  /** The employee the call acts as (a client company's proxy employee for an accountant). */
  employeeId: number;
  /** The token's own employee. */
  actualEmployeeId: number;
  isProxy: boolean;
}

export interface Counters {
  sessionsCreated: number;
  sessionsDeleted: number;
  customersCreated: number;
}

export interface InstanceApi {
  readonly environment: EnvironmentName;
  readonly urlBase: string;
  readonly seed: number;
  readonly maxCount: number;
  readonly registry: TokenRegistry;
  readonly sessions: SessionStore;
  readonly counters: Counters;
  /** For ids of created rows; seeded, so a run is repeatable. */
  readonly rng: Rng;
  now(): number;
  company(id: number): CompanyData | undefined;
  clientCompanies(employee: EmployeeEntry): CompanyData[];
  inexactFullResultSize(): boolean;
  sessionCreatePost(): SessionCreatePostMode;
  /** The paging quirks a test set for this list path, if any. */
  listBehaviour(path: string): ListBehaviour | undefined;
  /** Most rows a date-ranged list query may match before 422/23000. */
  resultSetLimit(): number;
}

export interface HandlerContext {
  instance: InstanceApi;
  route: Route;
  method: string;
  /** Decoded path below /v2. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  auth?: AuthInfo;
}

export type Handler = (ctx: HandlerContext) => SimResponse;

export interface Route {
  method: string;
  pattern: string;
  /** false only for session creation, which takes no Authorization header. */
  auth: boolean;
  /** Reachable with an accountant's token and company 0. */
  accountantRoot?: boolean;
  /** Needs entitlements a restricted (read-only) employee lacks. */
  entitlement?: 'ledger' | 'invoice';
  /** Token housekeeping any user with API access may do, read-only or not (ending a session). */
  ownSession?: boolean;
  /** Set on list endpoints: the list's own paging quirks, which a test's ListBehaviour is merged over. */
  list?: ListBehaviour;
  handler: Handler;
}

/** Thrown by helpers to answer with an error from deep inside a handler. */
export class Refusal extends Error {
  constructor(readonly response: SimResponse) {
    super('refused');
  }
}

export function requireAuth(ctx: HandlerContext): AuthInfo {
  if (!ctx.auth) throw new Error('route needs authentication but none was resolved');
  return ctx.auth;
}
