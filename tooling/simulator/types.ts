// The simulator's public types. index.ts re-exports them; the pack's end-to-end tests code
// against these names, so change them only by adding.

export type EnvironmentName = 'production' | 'test';

export type EmployeeKind = 'employee' | 'restricted' | 'accountant' | 'no-api-access';

export type SessionCreatePostMode = 'enabled' | 'not-found' | 'method-not-allowed';

export type LatencySetting = number | { min: number; max: number };

export interface RateLimitSetting {
  limit: number;
  windowMs: number;
  omitResetHeader?: boolean;
  /** Say this many seconds in every X-Rate-Limit-Reset, whatever the window: a proxy or gateway rewriting the header (observed: always 1 against a 10 s window). */
  reportResetSeconds?: number;
}

/** How a list reports fullResultSize: Tripletex's inexact from+count+1, the exact total, or 0 (recorded on some endpoints). */
export type FullResultSizeMode = 'inexact' | 'exact' | 'zero';

/** Paging quirks of one list endpoint, as real Tripletex endpoints show them. */
export interface ListBehaviour {
  /** Return at most this many rows per page, whatever `count` asks for (Tripletex has an endpoint capped at 50). */
  cap?: number;
  /** Read every page from row 0, whatever `from` says, so the page repeats (envelope `from` is 0). */
  ignoreFrom?: boolean;
  /** Return the whole result whatever `from` and `count` say (/ledger/voucher/>nonPosted does by default; false turns that off). */
  wholeSet?: boolean;
  /** Overrides inexactFullResultSize for this list. */
  fullResultSize?: FullResultSizeMode;
  /** Largest `count` this list accepts (overrides maxCount for it); above it 422 code 23000 naming it, as an endpoint with a limit of its own answers. */
  maxCount?: number;
  /**
   * Before answering each page, add this many new rows, as if other users were creating them
   * while a client pages: with `sorting=-id` they come first and push the rest down a page.
   * /customer only (the one list the simulator creates rows in).
   */
  grow?: number;
}

/** What a fault answer with a status carries as its body. */
export type FaultBody = 'tripletex' | 'html' | 'problem';

export interface FaultRule {
  /** Exact path below /v2 (e.g. "/customer"), or a glob where * matches anything, "/" included. */
  path: string;
  method?: string;
  environment?: EnvironmentName;
  /** Answer with this status and a Tripletex error envelope. */
  status?: number;
  /** Destroy the socket without answering. */
  drop?: boolean;
  /** Answer 200 with a body that is not valid JSON. */
  malformed?: boolean;
  /** Handle the request as usual, but hold the answer until `releasePaused()` (or the simulator closes). */
  pause?: boolean;
  /** Probability 0..1, drawn from the seeded PRNG; default 1. */
  rate?: number;
  /** Apply at most this many times, then the rule is spent. */
  times?: number;
  /** Let the first N matching requests through before the rule starts to apply. */
  skip?: number;
  /** Perform the operation first, then fail or drop: "applied, but the client saw an error". */
  afterApply?: boolean;
  /** With status 429: send Retry-After with this many seconds. */
  retryAfterSeconds?: number;
  /** With status 429: send X-Rate-Limit-Reset with this many seconds (and X-Rate-Limit-Remaining 0). */
  resetSeconds?: number;
  /**
   * With a status: 'tripletex' (default) is Tripletex's JSON error envelope; 'html' is the HTML
   * error page Tripletex once answered a 500 with ("Feilsituasjon - Tripletex"); 'problem' is an
   * RFC 7807 application/problem+json document, as a gateway in front of Tripletex sends it,
   * without Tripletex's x-tlx-request-id and rate-limit headers.
   */
  body?: FaultBody;
}

export interface SimulatorOptions {
  seed?: number;
  size?: number;
  latencyMs?: LatencySetting;
  rateLimit?: RateLimitSetting;
  inexactFullResultSize?: boolean;
  faults?: FaultRule[];
  revokeSessionAfterCalls?: number;
  now?: () => number;
  productionPort?: number;
  testPort?: number;
  /** How the instance treats POST /token/session/:create (default 'enabled'). */
  sessionCreatePost?: SessionCreatePostMode;
  /** Largest `count` a list accepts; above it the answer is 422 code 23000 (default 10000). */
  maxCount?: number;
  /** Most rows a query on a date-ranged list (/invoice, /order, /ledger/voucher, /ledger/posting) may match; more answers 422 code 23000 (default 10000). */
  resultSetLimit?: number;
  /** Postings per year in the demo company (default 2 × size); vouchers, invoices and orders are half as many each. */
  postingsPerYear?: number;
  /** Paging quirks per list path (e.g. { '/customer': { cap: 50 } }); merged over each list's own defaults. */
  lists?: Record<string, ListBehaviour>;
  /** The seeded invoices and vouchers cover Jan 1 of dataYear-1 to Dec 31 of dataYear (default: Oslo year of now() at start). */
  dataYear?: number;
  /** Called once per request, when its answer is decided (the same record `requests` keeps). */
  onRequest?: (request: RecordedRequest) => void;
  /** Serve HTTPS with this key and certificate instead of plain HTTP (both environments); the URLs then start with https://. */
  tls?: SimulatorTls;
}

/** PEM text (or bytes) of the private key and the certificate chain the simulator presents. */
export interface SimulatorTls {
  key: string | Buffer;
  cert: string | Buffer;
}

export interface SimulatorInstance {
  environment: EnvironmentName;
  /** http://127.0.0.1:PORT/v2 (https:// with the tls option) */
  url: string;
}

export interface EnvironmentDemoTokens {
  consumerToken: string;
  employeeTokens: {
    /** Full access to its own company. */
    employee: string;
    /** Read-only: 403/9000 on /ledger/*, /invoice and every write. */
    restricted: string;
    /** Accountant: company 0 reaches only >whoAmI and /company/>withLoginAccess. */
    accountant: string;
    /** Session create works, every other call answers 403/9000. */
    noApiAccess: string;
  };
}

export interface DemoTokens {
  production: EnvironmentDemoTokens;
  test: EnvironmentDemoTokens;
}

export interface EnvironmentCompanies {
  /** The company of the employee, restricted and no-api-access tokens. */
  demoCompanyId: number;
  /** The accounting office the accountant token belongs to. */
  accountantCompanyId: number;
  /** The accountant's client companies, as /company/>withLoginAccess lists them. */
  clientCompanyIds: number[];
}

export interface RecordedRequest {
  seq: number;
  method: string;
  environment: EnvironmentName;
  /** Decoded path below /v2; a session token in the path is replaced by "[redacted]". */
  path: string;
  /** The route pattern that matched (e.g. "/customer/{id}"), or null. */
  route: string | null;
  /** Query parameters; values of token parameters are replaced by "[redacted]". */
  query: Record<string, string | string[]>;
  /** HTTP status answered; 0 when the connection was dropped. */
  status: number;
  /** The company the Basic auth user name asked for (0 = own), when a session was presented. */
  companyId?: number;
  /** Id of the employee token behind the session (never the token itself). */
  employeeTokenId?: number;
  requestId: string;
  /** Set when a fault rule decided the answer (or, for pause, held it). */
  fault?: 'status' | 'drop' | 'malformed' | 'pause';
  /** now() when the request arrived. */
  at: number;
}

export interface SimulatorStats {
  requests: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  rateLimited: number;
  unauthorized: number;
  sessionsCreated: number;
  sessionsDeleted: number;
  customersCreated: number;
  faultsApplied: number;
}

export interface EmployeeRegistration {
  token: string;
  consumerToken: string;
  kind: EmployeeKind;
  companyId?: number;
  clientCompanyIds?: number[];
}

export interface RunningSimulator {
  production: SimulatorInstance;
  test: SimulatorInstance;
  env: { TRIPLETEX_PRODUCTION_URL: string; TRIPLETEX_TEST_URL: string };
  tokens: DemoTokens;
  companies: { production: EnvironmentCompanies; test: EnvironmentCompanies };
  /** First day covered by seeded invoices/vouchers, and the exclusive end. */
  dataPeriod: { from: string; to: string };
  requests: RecordedRequest[];
  stats(): SimulatorStats;
  setFaults(rules: FaultRule[]): void;
  /** Answers held by a pause rule, waiting for releasePaused(). */
  pausedAnswers(): number;
  /** Resolves once at least `count` answers are held by a pause rule. */
  untilPaused(count?: number): Promise<void>;
  /** Sends every held answer (rules stay: later matching requests are held again). */
  releasePaused(): void;
  setLatency(ms: SimulatorOptions['latencyMs']): void;
  setRateLimit(r: SimulatorOptions['rateLimit']): void;
  setRevokeSessionAfterCalls(n: number | undefined): void;
  setSessionCreatePost(mode: SessionCreatePostMode): void;
  setInexactFullResultSize(inexact: boolean): void;
  /** Replaces the paging quirks of one list (undefined: back to its defaults). */
  setListBehaviour(path: string, behaviour: ListBehaviour | undefined): void;
  setResultSetLimit(limit: number | undefined): void;
  registerConsumer(environment: EnvironmentName, consumerToken: string): void;
  registerEmployee(environment: EnvironmentName, employee: EmployeeRegistration): void;
  expireAllSessions(): void;
  resetRequests(): void;
  close(): Promise<void>;
}
