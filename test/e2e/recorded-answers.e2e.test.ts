import { run, type PortPage } from '../../actions/rest-api-request-with-paging.js';
import { TripletexApiError } from '../../contract/errors.js';
import { testConnection } from '../../connection/test-connection.js';
import type { RunningSimulator } from '../../tooling/simulator/index.js';
import { freshProcessState, outcome, recordingContext, startE2eSimulator } from './support.js';

// The answers Tripletex gives as recorded (docs/simulator.md, "Modelled on recorded answers"),
// met by the pack over real HTTP: each one the pack could meet, handled.

describe('the pack against answers as Tripletex records them', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startE2eSimulator({ size: 600 });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    freshProcessState();
    sim.setFaults([]);
  });

  const connection = () => ({ name: 'Recorded', consumerToken: sim.tokens.production.consumerToken, employeeToken: sim.tokens.production.employeeTokens.employee });

  it('pages a list whose fullResultSize is 0 while it returns rows, to its end', async () => {
    const ctx = recordingContext();
    const summary = await run({ connection: connection(), path: '/ledger/vatType', itemsPerPage: 5 }, ctx);
    const pages = ctx.pages as PortPage[];
    expect(pages[0]!.fullResultSize).toBe(0);
    expect(pages[0]!.values.length).toBe(5);
    expect(summary.stopReason).toBe('end-of-results');
    expect(summary.items).toBe(pages.reduce((n, p) => n + p.values.length, 0));
    expect(pages.length).toBeGreaterThan(1);
  });

  it('hands on no sentence as a digest, and says when an endpoint has no change detection', async () => {
    const plain = await run({ connection: connection(), path: '/customer' }, recordingContext());
    expect(plain.versionDigest).toBeNull();
    const asked = await run({ connection: connection(), path: '/customer', ifNoneMatch: '*' }, recordingContext());
    expect(asked.versionDigest).toMatch(/^\S+$/);
    const unchanged = await run({ connection: connection(), path: '/customer', ifNoneMatch: asked.versionDigest! }, recordingContext());
    expect(unchanged).toMatchObject({ stopReason: 'not-modified', pages: 0 });
    const none = await run({ connection: connection(), path: '/ledger/vatType', ifNoneMatch: '*' }, recordingContext());
    expect(none.versionDigest).toBeNull();
    expect(none.warnings.join(' ')).toMatch(/has no change detection \(Tripletex: "Checksum not yet supported for this endpoint"\)/);
  });

  it('keeps the title of an HTML error page, and retries a GET past one', async () => {
    sim.setFaults([{ path: '/customer', method: 'GET', status: 500, body: 'html', times: 1 }]);
    const recovered = await run({ connection: connection(), path: '/customer' }, recordingContext());
    expect(recovered).toMatchObject({ items: 600, retries: 1 });
    sim.setFaults([{ path: '/customer', method: 'POST', status: 500, body: 'html' }]);
    const { error } = await outcome(run({ connection: connection(), method: 'POST', path: '/customer', body: { name: 'Side AS' } }, recordingContext()));
    expect(error).toBeInstanceOf(TripletexApiError);
    expect((error as Error).message).toMatch(/an HTML page: "Feilsituasjon - Tripletex/);
  });

  it("keeps a gateway's problem document", async () => {
    sim.setFaults([{ path: '/customer', method: 'POST', status: 502, body: 'problem' }]);
    const { error } = await outcome(run({ connection: connection(), method: 'POST', path: '/customer', body: { name: 'Gate AS' } }, recordingContext()));
    expect((error as Error).message).toMatch(/a problem document: "/);
  });

  it('passes objects\' scheme-less urls on as data', async () => {
    const ctx = recordingContext();
    await run({ connection: connection(), path: '/customer', fields: 'id,url', itemsPerPage: 10, maxPageCount: 1 }, ctx);
    const urls = (ctx.pages[0] as PortPage).values.map((row) => (row as { url: string }).url);
    expect(urls.every((url) => /^[^:/]+(:\d+)?\/v2\/customer\/\d+$/.test(url))).toBe(true);
  });

  it('names the employee whoAmI reports (lower-case language, an actual employee that differs)', async () => {
    const result = await testConnection(connection(), { signal: new AbortController().signal, log: { debug() {}, info() {}, warn() {}, error() {} } });
    expect(result).toMatchObject({ ok: true, reason: 'connected' });
    expect(result.employee?.name).toBeTruthy();
  });
});
