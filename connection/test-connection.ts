import type { ActionContext, TestResult } from '../contract/host.js';
import { baseUrlFor, environmentLabel, otherEnvironment, type EnvironmentName } from '../client/environments.js';
import { AuthenticationError, CancelledError, InputError, TripletexApiError, TripletexNetworkError } from '../client/errors.js';
import { scrub } from '../client/secret.js';
import { createSession, sharedSessionPool, TripletexClient } from '../client/tripletex-client.js';
import type { RetryPolicy } from '../client/dispatch.js';
import { makeCredentials } from './credentials.js';
import { resolveConnectionProperties, type ResolvedConnection } from './resolved-connection.js';
import { reasonSentence, sessionFailureReason, tripletexSays, type SessionFailureReason } from './session-failure.js';
import type { SessionPool } from './session-pool.js';

export type TestReason =
  | 'connected'
  | 'invalid-properties'
  | 'wrong-environment'
  | 'accountant-token'
  | 'company-not-reachable'
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
}

export interface TestOptions {
  sessionPool?: SessionPool;
  timeoutMs?: number;
}

// The test should answer within seconds; one resend covers a blip, more would only delay.
const TEST_POLICY: RetryPolicy = { maxRetries: 1, max429Retries: 3, minRetryDelayMs: 300, maxRetryDelayMs: 2000 };

const FIELD_TITLES: Record<string, string> = {
  name: 'Name',
  consumerToken: 'Consumer token',
  employeeToken: 'Employee token',
  defaultCompanyId: 'Default Company Id',
  useTestEnvironment: 'Use Tripletex test environment',
};

const SWITCH = '"Use Tripletex test environment"';

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
  return { ok: false, reason, message: scrub(message), ...extra };
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
      const lines = problems.map((p) => `${FIELD_TITLES[p.field] ?? p.field} ${p.message}`);
      return fail('invalid-properties', `Fix these fields before testing: ${lines.join('; ')}.`, { problems });
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
  const where = environmentLabel(environment);
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

  // The list may hold the token's own company too; only other companies make it an
  // accountant's token with clients.
  const clients = (await clientsOf(client, ctx.signal)).filter((c) => c.id !== own.id);
  const wanted = connection.defaultCompanyId;
  const employeeName = employee.name ? ` as ${employee.name}` : '';

  if (clients.length > 0) {
    if (wanted === 0) {
      return fail(
        'accountant-token',
        `The tokens work in ${where}, but this is an accountant's employee token: with Default Company Id empty (0) it can only identify itself. ` +
          `Set Default Company Id to the client company this connection should work with: ${clientList(clients)}.`,
        { ...base, clients },
      );
    }
    const client_ = clients.find((c) => c.id === wanted);
    if (!client_) {
      return fail('company-not-reachable', `Default Company Id ${wanted} is not one of the client companies this accountant token can reach in ${where}. It reaches: ${clientList(clients)}.`, { ...base, clients });
    }
    const asClient = await whoAmI(client, wanted, ctx.signal);
    if (!asClient.ok) return { ...asClient.result, clients };
    const target = { ...client_, ...(asClient.company.name ? { name: asClient.company.name } : {}) };
    return {
      ok: true,
      reason: 'connected',
      message: `Connected to ${where}${employeeName}, working for client ${companyWords(target)} through accountant access.`,
      label: labelFor(target, employee, environment),
      ...base,
      company: target,
      clients,
    };
  }

  if (wanted !== 0 && wanted !== own.id) {
    return fail(
      'company-not-reachable',
      `The tokens work in ${where} for ${companyWords(own)}, but Default Company Id is ${wanted}, which they cannot reach: this is not an accountant's token with client access. Leave Default Company Id empty.`,
      base,
    );
  }
  return { ok: true, reason: 'connected', message: `Connected to ${where}: ${companyWords(own)}${employeeName}.`, label: labelFor(own, employee, environment), ...base };
}

/** What a host can show as the connection's name once it tests green. */
function labelFor(company: CompanyInfo, employee: { id: number; name?: string }, environment: string): string {
  return `${company.name ?? `Company ${company.id}`} – ${employee.name ?? `employee ${employee.id}`} (${environment})`;
}

type WhoAmI =
  | { ok: true; company: CompanyInfo; employee: { id: number; name?: string; email?: string }; requestId?: string }
  | { ok: false; result: ConnectionTestResult };

async function whoAmI(client: TripletexClient, companyId: number, signal: AbortSignal): Promise<WhoAmI> {
  const environment = client.environment;
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
    if (error instanceof TripletexApiError && error.status === 403) {
      return {
        ok: false,
        result: fail('no-api-access', `The tokens were accepted, but ${reasonSentence('no-api-access', environment)}${tripletexSays(error)}.`, { environment, requestId: error.requestId }),
      };
    }
    if (error instanceof AuthenticationError || error instanceof TripletexApiError || error instanceof TripletexNetworkError) {
      const detail = error instanceof TripletexApiError ? tripletexSays(error) : '';
      const target = companyId === 0 ? '' : ` for company ${companyId}`;
      return { ok: false, result: fail(error instanceof TripletexNetworkError ? 'unreachable' : 'rejected', `A session was created, but asking Tripletex who the tokens belong to${target} failed: ${error.message}${detail}`, { environment }) };
    }
    throw error;
  }
}

async function clientsOf(client: TripletexClient, signal: AbortSignal): Promise<CompanyInfo[]> {
  try {
    const response = await client.request({
      method: 'GET',
      path: '/company/>withLoginAccess',
      query: { fields: 'id,name,organizationNumber', from: 0, count: 1000 },
      companyId: 0,
      signal,
    });
    const values = ((response.body ?? {}) as { values?: unknown[] }).values ?? [];
    return values.map((v) => companyOf(v)).filter((c): c is CompanyInfo => c !== undefined);
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    // Ordinary employees may not be entitled to the list; for them it simply has no clients.
    return [];
  }
}

async function sessionFailed(connection: ResolvedConnection, error: TripletexApiError | TripletexNetworkError, ctx: Pick<ActionContext, 'signal' | 'log'>, timeoutMs: number): Promise<ConnectionTestResult> {
  const environment = connection.environment;
  const reason = sessionFailureReason(error);
  if (reason === 'unreachable') {
    return fail('unreachable', `Could not reach ${environmentLabel(environment)} at ${baseUrlFor(environment)}: ${error.message}. Check the network, proxy or firewall, and try again.`, { environment });
  }
  if (reason === 'consumer-token-invalid' || reason === 'employee-token-invalid' || reason === 'tokens-invalid') {
    // The commonest mistake: tokens from the other environment. Ask the other one.
    const other = otherEnvironment(environment);
    const probe = makeCredentials(other, connection.credentials.consumerToken, connection.credentials.employeeToken);
    try {
      await createSession(probe, sharedSessionPool().expirationDateForNow(), ctx.signal, timeoutMs);
      const turn = other === 'test' ? `Turn on ${SWITCH}.` : `Turn off ${SWITCH}.`;
      return fail('wrong-environment', `These tokens belong to the ${environmentLabel(other)}, not the ${environmentLabel(environment)}. ${turn}${tripletexSays(error)}`, { environment });
    } catch (probeError) {
      if (probeError instanceof CancelledError) throw probeError;
      ctx.log.debug(`The ${environmentLabel(other)} refused the tokens too`);
    }
  }
  const what: Record<string, string> = {
    'consumer-token-invalid': 'The consumer token is invalid: Tripletex does not know it in either environment. Check that it is the consumer token Tripletex issued for this integration.',
    'employee-token-invalid': 'The employee token is invalid: Tripletex does not accept it with this consumer token in either environment. Ask a Tripletex administrator for a new employee token made for this integration.',
    'tokens-invalid': 'Tripletex does not accept this consumer and employee token pair in either environment. Check both tokens.',
  };
  const message = what[reason] ?? `Could not create a session: ${reasonSentence(reason, environment)}.`;
  return fail(reason, `${message}${tripletexSays(error)}`, { environment, requestId: error.requestId });
}
