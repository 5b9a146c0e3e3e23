import { testConnection } from '../../connection/test-connection.js';
import { run as createConnection } from '../../actions/create-tripletex-connection.js';
import { run as requestWithPaging } from '../../actions/rest-api-request-with-paging.js';
import type { RunningSimulator } from '../../tooling/simulator/index.js';
import { everyRendering, freshProcessState, outcome, recordingContext, startE2eSimulator, type RecordingContext } from './support.js';

// Canary tokens go in; afterwards nothing the pack produced may contain them: not a log line,
// a result, an output, a page, an error (message, stack, JSON, inspect), nor a URL it sent.

const CONSUMER = 'CANARY-consumer-1f3a9c77e2';
const EMPLOYEE = 'CANARY-employee-8d4b2e6f01';
const RESTRICTED = 'CANARY-restricted-5c0e7a9b33';
const UNKNOWN_EMPLOYEE = 'CANARY-unknown-employee-2b6d';
// The simulator mints session tokens as base64 of {"tokenId":…}; this is how each one begins.
const SESSION_TOKEN_PREFIX = Buffer.from('{"tokenId"').toString('base64').slice(0, 12);

describe('secrets never leave the pack', () => {
  let sim: RunningSimulator;
  const produced: unknown[] = [];
  const contexts: RecordingContext[] = [];
  const ctx = (onPage?: Parameters<typeof recordingContext>[0]) => {
    const c = recordingContext(onPage);
    contexts.push(c);
    return c;
  };

  beforeAll(async () => {
    sim = await startE2eSimulator({ size: 300 });
    sim.registerConsumer('production', CONSUMER);
    sim.registerEmployee('production', { token: EMPLOYEE, consumerToken: CONSUMER, kind: 'employee' });
    sim.registerEmployee('production', { token: RESTRICTED, consumerToken: CONSUMER, kind: 'restricted' });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    freshProcessState();
    sim.setFaults([]);
    sim.setRevokeSessionAfterCalls(undefined);
  });

  const props = (employeeToken = EMPLOYEE) => ({ name: 'Canary', consumerToken: CONSUMER, employeeToken });

  it('runs the success and failure paths with canary tokens', async () => {
    const green = await testConnection(props(), ctx());
    expect(green.ok).toBe(true);
    produced.push(green);

    const red = await testConnection(props(UNKNOWN_EMPLOYEE), ctx());
    expect(red).toMatchObject({ ok: false, reason: 'employee-token-invalid' });
    produced.push(red);

    const created = await createConnection({ consumerToken: CONSUMER, employeeToken: EMPLOYEE, companyId: 0 }, ctx());
    produced.push(created);

    // A session ended mid-run: the renewal path mints a second session token.
    sim.setRevokeSessionAfterCalls(3);
    const pagesCtx = ctx();
    const summary = await requestWithPaging({ connection: JSON.parse(JSON.stringify(created.connection)), path: '/customer', itemsPerPage: 50, prefetchPages: 0 }, pagesCtx);
    expect(summary.items).toBe(300);
    produced.push(summary, pagesCtx.pages);
    sim.setRevokeSessionAfterCalls(undefined);

    const forbidden = await outcome(requestWithPaging({ connection: props(RESTRICTED), path: '/invoice', query: { invoiceDateFrom: '2020-01-01', invoiceDateTo: '2030-01-01' } }, ctx()));
    expect(forbidden.error).toBeInstanceOf(Error);
    expect(String(forbidden.error)).toMatch(/403/);
    produced.push(forbidden.error);

    const refusedTokens = await outcome(requestWithPaging({ connection: props(UNKNOWN_EMPLOYEE), path: '/customer' }, ctx()));
    expect(String(refusedTokens.error)).toMatch(/employee token/i);
    produced.push(refusedTokens.error);

    sim.setFaults([{ path: '/customer', method: 'POST', status: 500, afterApply: true, times: 1 }]);
    const applied = await outcome(requestWithPaging({ connection: props(), method: 'POST', path: '/customer', body: { name: 'Canary AS' } }, ctx()));
    expect(applied.error).toBeInstanceOf(Error);
    produced.push(applied.error);

    const badInput = await outcome(requestWithPaging({ connection: { ...props(), defaultCompanyId: 'x' }, path: '/customer' }, ctx()));
    expect(badInput.error).toBeInstanceOf(Error);
    produced.push(badInput.error);

    const cancelling = ctx(() => cancelling.controller.abort());
    const cancelled = await outcome(requestWithPaging({ connection: props(), path: '/customer', itemsPerPage: 10 }, cancelling));
    expect(cancelled.error).toBeInstanceOf(Error);
    produced.push(cancelled.error);
  });

  it('finds no canary and no session token in anything produced or logged', () => {
    expect(produced.length).toBeGreaterThanOrEqual(9);
    const text = [...produced.map(everyRendering), ...contexts.flatMap((c) => [...c.lines, everyRendering(c.progressed)])].join('\n');
    expect(text.length).toBeGreaterThan(1000);
    for (const canary of [CONSUMER, EMPLOYEE, RESTRICTED, UNKNOWN_EMPLOYEE, SESSION_TOKEN_PREFIX]) expect(text).not.toContain(canary);
    for (const canary of [CONSUMER, EMPLOYEE]) expect(text).not.toContain(Buffer.from(canary).toString('base64').slice(0, 16));
    expect(text).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}/);
  });

  it('never put a token in a URL it sent', () => {
    // The simulator records paths and query strings with any token it finds in them redacted.
    expect(sim.requests.length).toBeGreaterThan(10);
    const urls = sim.requests.map((r) => `${r.path}?${JSON.stringify(r.query)}`).join('\n');
    expect(urls).not.toContain('[redacted]');
    for (const canary of [CONSUMER, EMPLOYEE, RESTRICTED, UNKNOWN_EMPLOYEE]) expect(urls).not.toContain(canary);
  });
});
