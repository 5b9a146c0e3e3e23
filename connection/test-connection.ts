import type { ActionContext, TestResult } from '../contract/host.js';
import { baseUrlFor, otherEnvironment, otherEnvironmentOffLimits, theEnvironment, type EnvironmentName } from '../client/environments.js';
import { AuthenticationError, CancelledError, InputError, RateLimitWaitError, TripletexApiError, TripletexNetworkError } from '../contract/errors.js';
import { paginate } from '../client/paginate.js';
import { hint, type Hint } from '../contract/hints.js';
import { scrub } from '../contract/secret.js';
import { createSession } from './session-create.js';
import { sharedSessionPool, TripletexClient } from './tripletex-client.js';
import type { RetryPolicy } from '../client/dispatch.js';
import { environmentByForm, makeCredentials } from './credentials.js';
import { resolveConnectionProperties, type ResolvedConnection } from './resolved-connection.js';
import { reasonSentence, sessionFailureReason, tripletexSays, type SessionFailureReason } from './session-failure.js';
import type { SessionPool } from './session-pool.js';

export type TestReason =
  | 'connected'
  | 'invalid-properties'
  | 'wrong-environment'
  | 'accountant-token'
  | 'company-not-reachable'
  | 'mixed-environments'
  | 'cancelled'
  | 'internal'
  | SessionFailureReason;

export interface CompanyInfo {
  id: number;
  name?: string;
  organizationNumber?: string;
}

export interface ConnectionTestResult extends TestResult {
  reason: TestReason;
  environment?: EnvironmentName;
  /** A short name for the connection a host can show, e.g. "Acme AS – Kari Nordmann (production)". */
  label?: string;
  company?: CompanyInfo;
  employee?: { id: number; name?: string; email?: string };
  /** An accountant token's client companies: the ids to use as Default Company Id. */
  clients?: CompanyInfo[];
  problems?: { field: string; message: string }[];
  requestId?: string;
  /** Checks that could not be made (e.g. 'client-companies' when the list could not be read): the verdict does not rest on them. */
  unchecked?: string[];
  /** For 'rate-limited': about how long until Tripletex takes requests again. */
  retryAfterSeconds?: number;
  /** Advice in the message that names a property, for a host to put in its own words. */
  hints?: Hint[];
}

export interface TestOptions {
  sessionPool?: SessionPool;
  timeoutMs?: number;
}

// The test should answer within seconds; one resend covers a blip, more would only delay.
const TEST_POLICY: RetryPolicy = { maxRetries: 1, max429Retries: 3, minRetryDelayMs: 300, maxRetryDelayMs: 2000 };

// Advice names the panel's fields by template, so a host that shows the message elsewhere (a
// command line, a workspace file) can name them its own way (contract/hints.ts).
const COMPANY = hint('{input:defaultCompanyId}');
const SWITCH = hint('{input:useTestEnvironment}');

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim().length > 0 ? value.trim() : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function companyOf(raw: unknown, fallbackId?: number): CompanyInfo | undefined {
  const c = (raw ?? {}) as Record<string, unknown>;
  const id = num(c.id) ?? fallbackId;
  if (id === undefined) return undefined;
  return { id, ...(text(c.name) ? { name: text(c.name) } : {}), ...(text(c.organizationNumber) ? { organizationNumber: text(c.organizationNumber) } : {}) };
}

function companyWords(company: CompanyInfo): string {
  return company.name ? `${company.name} (company id ${company.id})` : `company id ${company.id}`;
}

function clientList(clients: CompanyInfo[]): string {
  const shown = clients.slice(0, 20).map((c) => `${c.name ?? 'unnamed'} (id ${c.id})`);
  if (clients.length > 20) shown.push(`and ${clients.length - 20} more`);
  return shown.join(', ');
}

function fail(reason: TestReason, message: string, extra: Partial<ConnectionTestResult> = {}): ConnectionTestResult {
  const { hints: given = [], ...rest } = extra;
  const text = scrub(message);
  return { ok: false, reason, message: text, ...rest, ...hintsIn(text, given) };
}

/** The hints whose text the message holds: the fixed ones and any given. */
function hintsIn(message: string, given: Hint[] = []): { hints?: Hint[] } {
  const rest = given.reduce((text, h) => text.split(h.text).join(''), message);
  const hints = [...given, ...[COMPANY, SWITCH].filter((h) => rest.includes(h.text))];
  return hints.length > 0 ? { hints } : {};
}

/**
 * Test connection: checks the properties, creates a session in the chosen environment,
 * asks who the tokens belong to, and says in plain words what is wrong when something is.
 * Saves nothing and never throws for a failed test.
 */
export async function testConnection(properties: unknown, ctx: Pick<ActionContext, 'signal' | 'log'>, options: TestOptions = {}): Promise<ConnectionTestResult> {
  let connection: ResolvedConnection;
  try {
    connection = resolveConnectionProperties(properties, '', 'Tripletex Connection is not valid');
  } catch (error) {
    if (error instanceof InputError) {
      const problems = error.problems.map((p) => ({ field: p.field, message: p.message }));
      const fields = problems.map((p) => hint(`{input:${p.field}}`));
      const lines = problems.map((p, i) => `${fields[i]!.text} ${p.message}`);
      return fail('invalid-properties', `Fix these fields before testing: ${lines.join('; ')}.`, { problems, hints: fields });
    }
    throw error;
  }
  try {
    return await runTest(connection, ctx, options);
  } catch (error) {
    if (error instanceof CancelledError || ctx.signal.aborted) return fail('cancelled', 'The test was cancelled before it finished.', { environment: connection.environment });
    const message = error instanceof Error ? error.message : String(error);
    return fail('internal', `The test could not finish: ${message}`, { environment: connection.environment });
  }
}

async function runTest(connection: ResolvedConnection, ctx: Pick<ActionContext, 'signal' | 'log'>, options: TestOptions): Promise<ConnectionTestResult> {
  const environment = connection.environment;
  const where = theEnvironment(environment);
  const pool = options.sessionPool ?? sharedSessionPool();
  const timeoutMs = options.timeoutMs ?? 20_000;
  ctx.log.info(`Testing Tripletex connection${connection.name ? ` "${connection.name}"` : ''} against ${where}`);

  // A fresh session, not a cached one: the test must notice tokens revoked since the last run.
  try {
    await pool.refresh(connection.credentials, ctx.signal, timeoutMs);
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    if (error instanceof TripletexApiError || error instanceof TripletexNetworkError) return sessionFailed(connection, error, ctx, timeoutMs);
    throw error;
  }

  const client = new TripletexClient(connection, { sessionPool: pool, timeoutMs, policy: TEST_POLICY, log: ctx.log });
  const who = await whoAmI(client, 0, ctx.signal);
  if (!who.ok) return who.result;
  const own = who.company;
  const employee = who.employee;
  const base = { environment, company: own, employee, requestId: who.requestId };
  const wanted = connection.defaultCompanyId;
  const employeeName = employee.name ? ` as ${employee.name}` : '';

  // The list may hold the token's own company too; only other companies make it an
  // accountant's token with clients. A list that could not be read is no evidence either way.
  const listing = await clientsOf(client, ctx.signal);
  const clients = listing.ok ? listing.clients.filter((c) => c.id !== own.id) : undefined;
  const clientsPart = clients && clients.length > 0 ? { clients } : {};

  if (wanted === 0 || wanted === own.id) {
    // An accountant's token in the office's own company, whether named 0 or by its id, reaches
    // only >whoAmI and the client list: every other request would be refused.
    if (clients && clients.length > 0) {
      const how = wanted === 0 ? `with ${COMPANY.text} empty (0)` : `with ${COMPANY.text} set to the accounting office's own id (${own.id}), the same as empty`;
      return fail(
        'accountant-token',
        `The tokens work in ${where}, but this is an accountant's employee token: ${how} it can only identify itself and list its client companies. ` +
          `Set ${COMPANY.text} to the client company this connection should work with: ${clientList(clients)}.`,
        { ...base, clients },
      );
    }
    const caveat = listing.ok ? '' : ` Whether this is an accountant's token (which needs a client's company id as ${COMPANY.text}) was not checked: the list of client companies could not be read (${listing.why}).`;
    return {
      ok: true,
      reason: 'connected',
      message: `Connected to ${where}: ${companyWords(own)}${employeeName}.${caveat}`,
      ...hintsIn(caveat),
      label: labelFor(own, employee, environment),
      ...base,
      ...(listing.ok ? {} : { unchecked: ['client-companies'] }),
    };
  }

  // Another company: only Tripletex can say whether these tokens reach it, so ask it directly
  // (a list of clients may be long, paged, or unreadable; the direct answer is the evidence).
  const asClient = await whoAmI(client, wanted, ctx.signal);
  if (asClient.ok) {
    const known = clients?.find((c) => c.id === wanted);
    const target: CompanyInfo = { ...(known ?? { id: wanted }), ...(asClient.company.name ? { name: asClient.company.name } : {}), id: wanted };
    return {
      ok: true,
      reason: 'connected',
      message: `Connected to ${where}${employeeName}, working for client ${companyWords(target)} through accountant access.`,
      label: labelFor(target, employee, environment),
      ...base,
      company: target,
      ...clientsPart,
    };
  }
  if (asClient.reason !== 'refused') return { ...asClient.result, ...clientsPart };
  const refusal = asClient.result.message;
  if (clients && clients.length > 0) {
    return fail('company-not-reachable', `${COMPANY.text} ${wanted} is not a company this accountant token can reach in ${where}: ${refusal}. It reaches: ${clientList(clients)}.`, { ...base, clients });
  }
  if (clients) {
    return fail(
      'company-not-reachable',
      `The tokens work in ${where} for ${companyWords(own)}, but ${COMPANY.text} is ${wanted}, which they cannot reach: ${refusal}. The token has no client companies, so it is not an accountant's token with client access. Leave ${COMPANY.text} empty.`,
      base,
    );
  }
  return fail(
    'company-not-reachable',
    `The tokens work in ${where} for ${companyWords(own)}, but they cannot reach ${COMPANY.text} ${wanted}: ${refusal}. The list of client companies could not be read to suggest another (${listing.ok ? '' : listing.why}).`,
    base,
  );
}

/** What a host can show as the connection's name once it tests green. */
function labelFor(company: CompanyInfo, employee: { id: number; name?: string }, environment: string): string {
  return `${company.name ?? `Company ${company.id}`} – ${employee.name ?? `employee ${employee.id}`} (${environment})`;
}

type WhoAmI =
  | { ok: true; company: CompanyInfo; employee: { id: number; name?: string; email?: string }; requestId?: string }
  /** refused: Tripletex said no to these tokens for this company (401/403); anything else is a failure to ask. */
  | { ok: false; reason: 'refused' | 'failed'; result: ConnectionTestResult };

/** A verdict for a request that got no usable answer: what happened, never a guess about the tokens. */
function failureVerdict(error: unknown, environment: EnvironmentName, what: string): ConnectionTestResult | undefined {
  const where = theEnvironment(environment);
  if (error instanceof RateLimitWaitError || (error instanceof TripletexApiError && error.status === 429)) {
    const seconds = error instanceof RateLimitWaitError ? Math.ceil(error.waitMs / 1000) : error.retryAfterSeconds;
    const when = seconds !== undefined ? `try again in about ${Math.ceil(seconds)} s` : 'try again in a little while';
    return fail('rate-limited', `${what} was refused for now: ${where} is rate-limiting these tokens (too many requests); ${when}. The tokens themselves were not judged.`, { environment, ...(seconds !== undefined ? { retryAfterSeconds: Math.ceil(seconds) } : {}) });
  }
  if (error instanceof TripletexApiError && error.status >= 500) {
    return fail('server-error', `${what} failed: ${where} had an error of its own (${error.message}); try again later. The tokens themselves were not judged.`, { environment, ...(error.requestId ? { requestId: error.requestId } : {}) });
  }
  if (error instanceof TripletexNetworkError) {
    const reason = error.failure === 'malformed-response' ? 'server-error' : 'unreachable';
    return fail(reason, `${what} failed: ${error.message}. The tokens themselves were not judged.`, { environment });
  }
  return undefined;
}

async function whoAmI(client: TripletexClient, companyId: number, signal: AbortSignal): Promise<WhoAmI> {
  const environment = client.environment;
  const target = companyId === 0 ? '' : ` for company ${companyId}`;
  try {
    const response = await client.request({
      method: 'GET',
      path: '/token/session/>whoAmI',
      query: { fields: '*,company(*),employee(*)' },
      companyId,
      signal,
    });
    const value = ((response.body ?? {}) as { value?: Record<string, unknown> }).value ?? {};
    const company = companyOf(value.company, num(value.companyId)) ?? { id: num(value.companyId) ?? companyId };
    const e = (value.employee ?? {}) as Record<string, unknown>;
    const name = [text(e.firstName), text(e.lastName)].filter(Boolean).join(' ') || text(e.displayName);
    const employee = { id: num(e.id) ?? num(value.employeeId) ?? 0, ...(name ? { name } : {}), ...(text(e.email) ? { email: text(e.email) } : {}) };
    return { ok: true, company, employee, requestId: response.requestId };
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    const failed = failureVerdict(error, environment, `Asking Tripletex who the tokens belong to${target}`);
    if (failed) return { ok: false, reason: 'failed', result: failed };
    if (error instanceof AuthenticationError) {
      return { ok: false, reason: 'failed', result: fail(error.reason as TestReason, error.message, { environment }) };
    }
    if (error instanceof TripletexApiError && companyId === 0 && error.status === 403) {
      return {
        ok: false,
        reason: 'refused',
        result: fail('no-api-access', `The tokens were accepted, but ${reasonSentence('no-api-access', environment)}${tripletexSays(error)}.`, { environment, requestId: error.requestId }),
      };
    }
    if (error instanceof TripletexApiError && (error.status === 401 || error.status === 403)) {
      const said = tripletexSays(error);
      return { ok: false, reason: 'refused', result: fail(companyId === 0 ? 'rejected' : 'company-not-reachable', `Tripletex answered ${error.status} to a request${target}${said}`, { environment, requestId: error.requestId }) };
    }
    if (error instanceof TripletexApiError) {
      return { ok: false, reason: 'failed', result: fail('rejected', `A session was created, but asking Tripletex who the tokens belong to${target} failed: ${error.message}${tripletexSays(error)}`, { environment }) };
    }
    throw error;
  }
}

type ClientListing = { ok: true; clients: CompanyInfo[] } | { ok: false; why: string };

// An office may have more clients than one page holds; the list is paged like any other.
const CLIENT_PAGE = 1000;
const MAX_CLIENT_PAGES = 100;

async function clientsOf(client: TripletexClient, signal: AbortSignal): Promise<ClientListing> {
  const clients: CompanyInfo[] = [];
  const paging = paginate({
    startIndex: 0,
    itemsPerPage: CLIENT_PAGE,
    maxPageCount: MAX_CLIENT_PAGES,
    prefetchPages: 0,
    signal,
    fetchPage: async (page, pageSignal) => {
      const response = await client.request({
        method: 'GET',
        path: '/company/>withLoginAccess',
        query: { fields: 'id,name,organizationNumber', from: page.from, count: page.count },
        companyId: 0,
        signal: pageSignal,
      });
      const body = (response.body ?? {}) as { values?: unknown; from?: unknown; fullResultSize?: unknown };
      const values = Array.isArray(body.values) ? body.values : [];
      const fullResultSize = typeof body.fullResultSize === 'number' ? body.fullResultSize : null;
      return { kind: 'list', values, fullResultSize, status: response.status, envelopeFrom: typeof body.from === 'number' ? body.from : null };
    },
  });
  try {
    for await (const page of paging.pages) {
      for (const row of page.values) {
        const company = companyOf(row);
        if (company) clients.push(company);
      }
    }
    return { ok: true, clients };
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    // An ordinary employee may not be entitled to the list: it has no clients, which is an answer.
    if (error instanceof TripletexApiError && error.status === 403) return { ok: true, clients: [] };
    const why = error instanceof Error ? error.message : String(error);
    return { ok: false, why };
  }
}

async function sessionFailed(connection: ResolvedConnection, error: TripletexApiError | TripletexNetworkError, ctx: Pick<ActionContext, 'signal' | 'log'>, timeoutMs: number): Promise<ConnectionTestResult> {
  const environment = connection.environment;
  const reason = sessionFailureReason(error);
  if (reason === 'unreachable') {
    return fail('unreachable', `Could not reach ${theEnvironment(environment)} at ${baseUrlFor(environment)}: ${error.message}. Check the network, proxy or firewall, and try again.`, { environment });
  }
  if (reason === 'consumer-token-invalid' || reason === 'employee-token-invalid' || reason === 'tokens-invalid') {
    // The commonest mistake: tokens from the other environment. Ask the other one; what it
    // says counts only if it answered about the tokens, not if it could not be asked.
    const other = otherEnvironment(environment);
    const token = reason === 'consumer-token-invalid' ? 'the consumer token' : reason === 'employee-token-invalid' ? 'the employee token' : 'this consumer and employee token pair';
    const unchecked = (why: string, orLater = '') =>
      fail(reason, `${capitalized(theEnvironment(environment))} does not accept ${token}. Whether the tokens belong to ${theEnvironment(other)} instead ${why}. Check the tokens and ${SWITCH.text}${orLater}.${tripletexSays(error)}`, {
        environment,
        requestId: error.requestId,
        unchecked: ['other-environment'],
      });
    const offLimits = otherEnvironmentOffLimits(environment);
    if (offLimits !== undefined) return unchecked(`was not checked: ${offLimits}`);
    const probe = makeCredentials(other, connection.credentials.consumerToken, connection.credentials.employeeToken);
    let elsewhere: SessionFailureReason;
    try {
      await createSession(probe, sharedSessionPool().expirationDateForNow(), ctx.signal, timeoutMs);
      const turn = hint(other === 'test' ? '{on:useTestEnvironment}' : '{off:useTestEnvironment}');
      return fail('wrong-environment', `These tokens belong to ${theEnvironment(other)}, not to ${theEnvironment(environment)}. To use them there, ${turn.text}.${tripletexSays(error)}`, { environment, hints: [turn] });
    } catch (probeError) {
      if (probeError instanceof CancelledError) throw probeError;
      elsewhere = probeError instanceof TripletexApiError || probeError instanceof TripletexNetworkError ? sessionFailureReason(probeError) : 'unreachable';
      if (elsewhere === 'unreachable' || elsewhere === 'server-error' || elsewhere === 'rate-limited') {
        ctx.log.debug(`${capitalized(theEnvironment(other))} could not be asked about the tokens`);
        const why = probeError instanceof Error ? probeError.message : String(probeError);
        return unchecked(`could not be checked: it did not answer usefully (${why})`, ', or test again later');
      }
      ctx.log.debug(`${capitalized(theEnvironment(other))} refused the tokens too (${elsewhere})`);
    }
    const split = tokensApart(connection, reason, elsewhere, error);
    if (split) return split;
  }
  const what: Record<string, string> = {
    'consumer-token-invalid': 'The consumer token is invalid: neither Tripletex environment knows it. Check that it is the consumer token Tripletex issued for this integration.',
    'employee-token-invalid': 'The employee token is invalid: neither Tripletex environment accepts it with this consumer token. Ask a Tripletex administrator for a new employee token made for this integration.',
    'tokens-invalid': 'Neither Tripletex environment accepts this consumer and employee token pair. Check both tokens.',
  };
  const message = what[reason] ?? `Could not create a session: ${reasonSentence(reason, environment)}.`;
  return fail(reason, `${message}${tripletexSays(error)}`, { environment, requestId: error.requestId });
}

/**
 * What two refusals together show about a pair whose tokens may come from different
 * environments: the consumer token is known exactly where a refusal blamed only the employee
 * token. Where the employee token belongs, only its form can suggest (environmentByForm).
 * Undefined when the refusals show nothing beyond "invalid".
 */
function tokensApart(connection: ResolvedConnection, here: SessionFailureReason, there: SessionFailureReason, error: TripletexApiError | TripletexNetworkError): ConnectionTestResult | undefined {
  const environment = connection.environment;
  const other = otherEnvironment(environment);
  const consumerHome = here === 'consumer-token-invalid' && there === 'employee-token-invalid' ? other : here === 'employee-token-invalid' && there === 'consumer-token-invalid' ? environment : undefined;
  if (consumerHome === undefined) return undefined;
  const consumerAway = otherEnvironment(consumerHome);
  const employeeLooks = environmentByForm(connection.credentials.employeeToken);
  const switchTo = (target: EnvironmentName) => hint(target === 'test' ? '{on:useTestEnvironment}' : '{off:useTestEnvironment}');
  const extra = { environment, requestId: error.requestId };
  const consumerFacts = `the consumer token belongs to ${theEnvironment(consumerHome)} (which knows it; ${theEnvironment(consumerAway)} does not)`;
  if (employeeLooks === consumerAway) {
    // Each token from its own environment: say which is which, and both ways out, with the
    // switch where the way out is the other environment.
    const toHome = consumerHome === environment ? undefined : switchTo(consumerHome);
    const toAway = consumerAway === environment ? undefined : switchTo(consumerAway);
    return fail(
      'mixed-environments',
      `The two tokens come from different Tripletex environments: ${consumerFacts}, while the employee token looks made for ${theEnvironment(consumerAway)} (by its form: ${consumerAway === 'test' ? "test tokens carry Tripletex's test- marker" : "it lacks the test- marker Tripletex's test tokens carry"}), and ${theEnvironment(consumerHome)} does not accept it with this consumer token. A pair works only in the environment both were made in: use an employee token made in ${theEnvironment(consumerHome)} for this integration${toHome ? ` and ${toHome.text}` : ''}, or the consumer token ${theEnvironment(consumerAway)} issued for it with this employee token${toAway ? ` and ${toAway.text}` : ''}.${tripletexSays(error)}`,
      { ...extra, hints: [toHome, toAway].filter((h): h is Hint => h !== undefined) },
    );
  }
  if (consumerHome === environment) {
    return fail(
      'employee-token-invalid',
      `The employee token is invalid: ${theEnvironment(environment)} knows the consumer token but not this employee token with it (wrong, revoked, or made for another integration's consumer token), and it does not look made for ${theEnvironment(other)}. Ask a Tripletex administrator for a new employee token made for this integration.${tripletexSays(error)}`,
      extra,
    );
  }
  const turn = switchTo(other);
  return fail(
    'wrong-environment',
    `The consumer token belongs to ${theEnvironment(other)}, not to ${theEnvironment(environment)}, and ${theEnvironment(other)} does not accept the employee token with it either: that one is wrong, revoked, or made for another integration's consumer token. To work in ${theEnvironment(other)}, ${turn.text} and use an employee token made there for this integration.${tripletexSays(error)}`,
    { ...extra, hints: [turn] },
  );
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
