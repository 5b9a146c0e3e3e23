import nock from 'nock';
import { guardNetworkWithNock } from '../support/nock-guard.js';
import { run } from '../../actions/rest-api-request-with-paging.js';
import { InputError } from '../../contract/errors.js';
import { hint, inputNameWords, labelWords, renderHint, rewordMessage, type InputWords } from '../../contract/hints.js';
import { resetRateLimiters } from '../../client/rate-limiter.js';
import { Secret } from '../../contract/secret.js';
import { setSharedSessionPool } from '../../connection/tripletex-client.js';
import { SessionPool } from '../../connection/session-pool.js';
import { recordingContext } from '../e2e/support.js';

// Mistakes Tripletex would answer in Norwegian are refused before anything is sent, judged by
// Tripletex's spec as the pack carries it; a path the spec does not know at all is sent, with a
// warning; and skipEndpointChecks sends a refused request as written.

const BASE = 'https://tripletex.no';
const connection = { name: 'Unit', consumerToken: 'CANARY-endpoint-consumer', employeeToken: 'CANARY-endpoint-employee' };

describe('endpoint checks before sending (nock)', () => {
  guardNetworkWithNock();
  let sessionsAsked = 0;
  beforeEach(() => {
    sessionsAsked = 0;
    resetRateLimiters();
    setSharedSessionPool(new SessionPool({ create: async (_c, expirationDate) => ((sessionsAsked += 1), { token: new Secret('CANARY-endpoint-session'), expirationDate }) }));
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => setSharedSessionPool(undefined));

  const refusal = async (inputs: Record<string, unknown>): Promise<InputError> => {
    const error = await run({ connection, ...inputs }, recordingContext()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect(sessionsAsked).toBe(0);
    return error as InputError;
  };

  it.each([
    ['a plural', '/customers', '/customer'],
    ['the wrong case', '/Customer', '/customer'],
    ['a typo', '/custmer', '/customer'],
    ['a typo under a known path, keeping the id', '/ledger/vouchr/42', '/ledger/voucher/42'],
    ['a word where an id belongs that is a slip of a sub-path', '/invoice/detials', '/invoice/details'],
  ])('refuses %s (%s) and names the endpoint meant', async (_what, path, meant) => {
    const error = await refusal({ path });
    expect(error.field).toBe('path');
    expect(error.message).toContain(`is not an endpoint in Tripletex's API (version 2.72.00); did you mean ${meant}? To send it as written, turn on "Send as written (skip endpoint checks)"`);
    expect(error.toJSON()).toMatchObject({ hints: [{ template: '{on:skipEndpointChecks}' }] });
  });

  it('refuses a word where a documented path takes a numeric id (/customer/abc), and sends it as written when asked', async () => {
    const error = await refusal({ path: '/customer/abc' });
    expect(error.field).toBe('path');
    expect(error.message).toContain('path: has "abc" where /customer/{id} takes a numeric id (a whole number), and Tripletex refuses anything else; to send it as written, turn on "Send as written (skip endpoint checks)"');
    const nested = await refusal({ path: '/ledger/voucher/x/attachment', method: 'DELETE' });
    expect(nested.message).toContain('path: has "x" where /ledger/voucher/{voucherId}/attachment takes a numeric id');
    nock(BASE).get('/v2/customer/abc').query(true).reply(400, { status: 400, code: 12000, message: 'Ugyldig id.' });
    const sent = await run({ connection, path: '/customer/abc', skipEndpointChecks: true }, recordingContext()).catch((e: unknown) => e);
    expect(sent).toMatchObject({ status: 400, code: 12000 });
  });

  it('refuses a path that is percent-encoded twice (%253E), naming what it stands for', async () => {
    const error = await refusal({ path: '/token/session/%253EwhoAmI' });
    expect(error.field).toBe('path');
    expect(error.message).toContain('path: is percent-encoded twice: %253E is %3E encoded again; write the character itself or encode it once');
    // Encoded once, it is the endpoint (and nothing was refused).
    nock(BASE).get('/v2/token/session/%3EwhoAmI').query(true).reply(200, { value: { employeeId: 1 } });
    const summary = await run({ connection, path: '/token/session/%3EwhoAmI' }, recordingContext());
    expect(summary.stopReason).toBe('single-response');
  });

  it('refuses a required query value that is only spaces, as if it were missing', async () => {
    const error = await refusal({ path: '/invoice', query: { invoiceDateFrom: '   ', invoiceDateTo: '2025-02-01' } });
    expect(error.field).toBe('query');
    expect(error.message).toMatch(/GET \/invoice requires invoiceDateFrom, and Tripletex refuses it without it/);
    const list = await refusal({ path: '/ledger/posting/openPost', query: { date: [' ', ''] } });
    expect(list.message).toMatch(/requires date/);
  });

  it('reads a path with a trailing slash as the path without it, for every check and the request', async () => {
    // "/invoice/" would otherwise be judged as /invoice/{id}: no required dates, no end date shifted.
    const missing = await refusal({ path: '/invoice/' });
    expect(missing.message).toMatch(/GET \/invoice requires invoiceDateFrom and invoiceDateTo/);
    // A date range is read in date order (its row date, then id), so that a stopped run resumes by date.
    nock(BASE).get('/v2/invoice').query({ invoiceDateFrom: '2025-03-01', invoiceDateTo: '2025-04-01', from: 0, count: 1000, sorting: 'invoiceDate,id' }).reply(200, { fullResultSize: 1, values: [{ id: 9, invoiceDate: '2025-03-31' }] });
    const summary = await run({ connection, path: '/invoice/', inclusiveEndDates: true, query: { invoiceDateFrom: '2025-03-01', invoiceDateTo: '2025-03-31' } }, recordingContext());
    expect(summary).toMatchObject({ items: 1, shiftedEndDates: ['invoiceDateTo'], warnings: [] });
  });

  it('lets a write carry a documented count parameter (PUT /bank/reconciliation/internal/match): paging owns from and count only where it pages', async () => {
    const onGet = await refusal({ path: '/customer', query: { count: 25 } });
    expect(onGet.message).toContain('query.count: is set by the action; use the "itemsPerPage" input instead');
    const fields = await refusal({ method: 'PUT', path: '/bank/reconciliation/internal/match', query: { fields: 'id' } });
    expect(fields.field).toBe('query.fields');
    nock(BASE).put('/v2/bank/reconciliation/internal/match').query({ bankReconciliationId: 4, count: 25 }).reply(200, { value: { matched: 25 } });
    const summary = await run({ connection, method: 'PUT', path: '/bank/reconciliation/internal/match', query: { bankReconciliationId: 4, count: 25 } }, recordingContext());
    expect(summary).toMatchObject({ stopReason: 'single-response', warnings: [] });
  });

  it('sends a path unlike any documented one, with a warning (Tripletex adds endpoints)', async () => {
    nock(BASE).get('/v2/brandNewFeature/list').query(true).reply(200, { fullResultSize: 1, values: [{ id: 1 }] });
    const ctx = recordingContext();
    const summary = await run({ connection, path: '/brandNewFeature/list' }, ctx);
    expect(summary.items).toBe(1);
    const warning = "GET /brandNewFeature/list is not in Tripletex's API as this pack knows it (version 2.72.00); it was sent as written.";
    expect(summary.warnings).toContain(warning);
    // Said before the request goes out, so it is there when the request fails.
    expect(ctx.lines.findIndex((l) => l.includes(warning))).toBeGreaterThanOrEqual(0);
  });

  it('sends a near miss as written when skipEndpointChecks is on, with a warning', async () => {
    nock(BASE).get('/v2/customers').query(true).reply(200, { values: [] });
    const summary = await run({ connection, path: '/customers', skipEndpointChecks: true }, recordingContext());
    expect(summary.warnings).toContain("/customers is not in Tripletex's API (version 2.72.00) but looks like /customer; it was sent as written, as asked.");
  });

  it('refuses a query without the parameters the operation requires, with their names and an example', async () => {
    const error = await refusal({ path: '/invoice' });
    expect(error.field).toBe('query');
    expect(error.message).toMatch(
      /query: GET \/invoice requires invoiceDateFrom and invoiceDateTo, and Tripletex refuses it without them: add invoiceDateFrom = \d{4}-\d{2}-01 and invoiceDateTo = \d{4}-\d{2}-01 to "Query"\. \(If Tripletex no longer requires them, turn on "Send as written \(skip endpoint checks\)"\.\)/,
    );
    const partly = await refusal({ path: '/ledger/voucher', query: { dateFrom: '2025-01-01' } });
    expect(partly.message).toMatch(/GET \/ledger\/voucher requires dateTo, and Tripletex refuses it without it: add dateTo = \d{4}-\d{2}-01 to "Query"/);
  });

  it('gives the last day of the month as the example To date when end dates are inclusive', async () => {
    const error = await refusal({ path: '/invoice', inclusiveEndDates: true });
    expect(error.message).toMatch(/invoiceDateTo = \d{4}-\d{2}-(28|29|30|31) to "Query"/);
  });

  it('does not count what the action supplies itself (from, count, fields, sorting) as missing', async () => {
    nock(BASE).get('/v2/invoice').query(true).reply(200, { values: [] });
    const summary = await run({ connection, path: '/invoice', query: { invoiceDateFrom: '2025-01-01', invoiceDateTo: '2025-02-01' }, fields: 'id', sorting: 'id' }, recordingContext());
    expect(summary.warnings).toEqual([]);
  });

  it('sends a request without a required parameter when skipEndpointChecks is on, with a warning', async () => {
    nock(BASE).get('/v2/invoice').query(true).reply(200, { values: [] });
    const summary = await run({ connection, path: '/invoice', skipEndpointChecks: true }, recordingContext());
    expect(summary.warnings).toContain("GET /invoice requires invoiceDateFrom and invoiceDateTo in the query (Tripletex's API, version 2.72.00); it was sent without, as asked.");
  });

  it('sends a method Tripletex does not document for a known path, with a warning', async () => {
    nock(BASE).delete('/v2/customer').query(true).reply(204);
    const summary = await run({ connection, path: '/customer', method: 'DELETE' }, recordingContext());
    expect(summary.warnings).toContain("Tripletex's API (version 2.72.00) documents GET, POST for /customer, not DELETE; it was sent as written.");
  });
});

describe('hints: advice that names an input, in the words of each surface', () => {
  const cli: InputWords = {
    input: (name) => `--${name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`,
    on: (name) => `add --${name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`,
    off: (name) => `leave out --${name}`,
    query: (entries) => `add ${entries.map(([k, v]) => `--query ${k}=${v}`).join(' ')}`,
  };

  it('renders each placeholder in a designer\'s, a flow file\'s and a command line\'s words', () => {
    const template = 'give {input:companyId}, {on:inclusiveEndDates}, {off:useTestEnvironment}, {query:a=1&b=2}';
    expect(renderHint(template, labelWords(new Map([['companyId', 'Company Id'], ['inclusiveEndDates', 'End dates are inclusive'], ['useTestEnvironment', 'Use test'], ['query', 'Query']])))).toBe(
      'give "Company Id", turn on "End dates are inclusive", turn off "Use test", add a = 1 and b = 2 to "Query"',
    );
    expect(renderHint(template, inputNameWords)).toBe('give companyId, set inclusiveEndDates to true, set useTestEnvironment to false, add "a": "1", "b": "2" to query');
    expect(renderHint(template, cli)).toBe('give --company-id, add --inclusive-end-dates, leave out --useTestEnvironment, add --query a=1 --query b=2');
  });

  it("writes the pack's own messages with the schemas' field labels", () => {
    expect(hint('{input:companyId}').text).toBe('"Company Id"');
    expect(hint('{on:inclusiveEndDates}').text).toBe('turn on "End dates are inclusive"');
  });

  it('rewords a message whose hints overlap (one holds the other)', () => {
    const on = hint('{on:useTestEnvironment}');
    const input = hint('{input:useTestEnvironment}');
    const message = `To use them, ${on.text}. Check ${input.text}.`;
    expect(rewordMessage(message, [input, on], inputNameWords)).toBe('To use them, set useTestEnvironment to true. Check useTestEnvironment.');
  });
});
