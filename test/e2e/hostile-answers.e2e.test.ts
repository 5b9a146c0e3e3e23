import { run, type PortPage } from '../../actions/rest-api-request-with-paging.js';
import { CancelledError, RateLimitWaitError, TripletexNetworkError } from '../../contract/errors.js';
import { sharedSessionPool } from '../../connection/tripletex-client.js';
import { endlessList, startHostileServer, type HostileServer } from '../support/hostile-server.js';
import { cleanEnv, runCli } from '../host/e2e/cli-process.js';
import { freshProcessState, outcome, recordingContext } from './support.js';

// Answers no well-behaved Tripletex gives, from a real server over 127.0.0.1: bodies that never
// end, rate-limit waits of years. The pack must stay bounded and fail clearly, and one broken
// answer must not stop other runs on the same tokens.

const MB = 1024 * 1024;
// What loopback sockets may have buffered between the server's writes and the client's reads.
const SOCKET_SLACK = 16 * MB;

describe('answers a misbehaving server gives', () => {
  let server: HostileServer;
  const connection = { name: 'Hostile', consumerToken: 'CANARY-hostile-consumer-77', employeeToken: 'CANARY-hostile-employee-78' };

  beforeAll(async () => {
    server = await startHostileServer('CANARY-hostile-session-79');
    process.env.TRIPLETEX_PRODUCTION_URL = server.url;
  });
  afterAll(async () => {
    await server.close();
    delete process.env.TRIPLETEX_PRODUCTION_URL;
  });
  beforeEach(() => {
    freshProcessState();
    server.requests.length = 0;
  });

  const listAnswer = (values: unknown[], from = 0) => JSON.stringify({ fullResultSize: from + values.length, from, count: values.length, values });

  it('abandons an answer that never ends at the size limit, names request and limit, and does not ask again', async () => {
    server.handle((_req, res) => endlessList(res));
    const ctx = recordingContext();
    const { error } = await outcome(run({ connection, path: '/customer', maxResponseMegabytes: 1 }, ctx));
    expect(error).toBeInstanceOf(TripletexNetworkError);
    const failure = error as TripletexNetworkError;
    expect(failure.failure).toBe('too-large');
    expect(failure.message).toMatch(/GET \/customer/);
    expect(failure.message).toMatch(/1 MB/);
    expect(failure.message).toMatch(/raise "Largest answer \(MB\)" if this endpoint really answers that much, or ask for fewer rows per page \("Items per page"\)/);
    expect(failure).toMatchObject({ hints: [{ template: 'raise {input:maxResponseMegabytes} if this endpoint really answers that much, or ask for fewer rows per page ({input:itemsPerPage})' }] });
    expect(failure.message).toMatch(/page 1 of this run, rows from 0/);
    expect(ctx.pages).toHaveLength(0);
    await server.settled();
    expect(server.calls()).toHaveLength(1);
    // The server could only write what the client read before it let go, plus socket buffers.
    expect(server.calls()[0]!.bytesWritten).toBeLessThan(1 * MB + SOCKET_SLACK);
  });

  it('refuses a declared length over the limit before reading the body', async () => {
    server.handle((_req, res) => endlessList(res, { 'content-length': String(400 * MB) }));
    const { error } = await outcome(run({ connection, path: '/customer', maxResponseMegabytes: 2 }, recordingContext()));
    expect(error).toMatchObject({ failure: 'too-large' });
    await server.settled();
    expect(server.calls()).toHaveLength(1);
    expect(server.calls()[0]!.bytesWritten).toBeLessThan(2 * MB + SOCKET_SLACK);
  });

  it('keeps fetch-ahead bounded when every page is endless', async () => {
    let first = true;
    server.handle((_req, res) => {
      if (first) {
        first = false;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(listAnswer([{ id: 1 }, { id: 2 }]));
        return;
      }
      endlessList(res);
    });
    const { error } = await outcome(run({ connection, path: '/customer', itemsPerPage: 2, maxResponseMegabytes: 1, prefetchPages: 4 }, recordingContext()));
    expect(error).toMatchObject({ failure: 'too-large' });
    await server.settled();
    const later = server.calls().slice(1);
    expect(later.length).toBeGreaterThanOrEqual(1);
    expect(later.length).toBeLessThanOrEqual(4 + 1);
    for (const call of later) expect(call.bytesWritten).toBeLessThan(1 * MB + SOCKET_SLACK);
  });

  it('fetches fewer pages ahead when the answer limit is raised, so the total stays within budget', async () => {
    let open = 0;
    let mostOpen = 0;
    server.handle((req, res) => {
      open += 1;
      mostOpen = Math.max(mostOpen, open);
      res.once('close', () => (open -= 1));
      const from = Number(new URL(req.url!, 'http://x').searchParams.get('from'));
      const rows = from < 40 ? [{ id: from + 1 }, { id: from + 2 }] : [];
      // Answer on the next turn, so requests the client has in flight overlap here.
      setImmediate(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(listAnswer(rows, from));
      });
    });
    const summary = await run({ connection, path: '/customer', itemsPerPage: 2, maxResponseMegabytes: 100, prefetchPages: 4 }, recordingContext());
    expect(summary.items).toBe(40);
    // 250 MB of fetch-ahead budget holds two answers of up to 100 MB: the page in hand and one ahead.
    expect(mostOpen).toBeLessThanOrEqual(2);
    expect(summary.warnings.join(' ')).toMatch(/Fetching 1 pages ahead instead of 4/);
  });

  it('does not resend a POST whose answer was too large, and says it may have been applied', async () => {
    server.handle((_req, res) => endlessList(res));
    const { error } = await outcome(run({ connection, method: 'POST', path: '/customer', body: { name: 'Big AS' }, maxResponseMegabytes: 1 }, recordingContext()));
    expect(error).toMatchObject({ failure: 'too-large', mayHaveBeenApplied: true });
    expect(server.calls().filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  // A run that waited would never finish: the test's own timeout is what fails it.
  it.each([
    ['Retry-After', { 'retry-after': '99999999' }],
    ['X-Rate-Limit-Reset', { 'x-rate-limit-limit': '100', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '99999999' }],
  ])('fails at once, naming the wait, when a 429 asks for years (%s)', async (_name, headers) => {
    server.handle((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', ...headers });
      res.end('{"status":429,"message":"Too many requests"}');
    });
    const { error } = await outcome(run({ connection, path: '/customer' }, recordingContext()));
    expect(error).toBeInstanceOf(RateLimitWaitError);
    expect((error as Error).message).toMatch(/asked to wait 99999999 s \(about 3 years\), longer than the 300 s a request may wait\. It was not sent again; try later, or raise "Longest rate-limit wait \(seconds\)"/);
    expect(server.calls()).toHaveLength(1);
  });

  it('does not let one absurd wait hold other runs on the same tokens', async () => {
    server.handle((req, res) => {
      if (req.url!.startsWith('/v2/broken')) {
        res.writeHead(429, { 'content-type': 'application/json', 'x-rate-limit-limit': '100', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '99999999' });
        res.end('{}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-rate-limit-limit': '100', 'x-rate-limit-remaining': '90', 'x-rate-limit-reset': '5' });
      res.end(listAnswer([{ id: 1 }]));
    });
    const broken = await outcome(run({ connection, path: '/broken' }, recordingContext()));
    expect(broken.error).toBeInstanceOf(RateLimitWaitError);
    const other = await run({ connection, path: '/customer' }, recordingContext());
    expect(other).toMatchObject({ items: 1, rateLimitWaits: 0 });
  });

  it('does not pace by an absurd Reset on a successful answer', async () => {
    server.handle((req, res) => {
      const from = Number(new URL(req.url!, 'http://x').searchParams.get('from'));
      res.writeHead(200, { 'content-type': 'application/json', 'x-rate-limit-limit': '100', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '99999999' });
      res.end(listAnswer(from < 4 ? [{ id: from + 1 }, { id: from + 2 }] : [], from));
    });
    const ctx = recordingContext();
    const summary = await run({ connection, path: '/customer', itemsPerPage: 2 }, ctx);
    expect(summary.items).toBe(4);
    expect((ctx.pages as PortPage[]).map((p) => p.from)).toEqual([0, 2]);
  });

  it('fails at once when the rate-limit window would outlast maxWaitSeconds', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-rate-limit-limit': '2', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '600' });
      res.end(listAnswer([{ id: 1 }, { id: 2 }]));
    });
    const ctx = recordingContext();
    const { error } = await outcome(run({ connection, path: '/customer', itemsPerPage: 2, maxWaitSeconds: 5, prefetchPages: 0 }, ctx));
    expect(error).toBeInstanceOf(RateLimitWaitError);
    expect((error as Error).message).toMatch(/GET \/customer would have to wait 600 s \(about 10 minutes\) for the rate-limit window to end, longer than the 5 s/);
    expect(ctx.pages).toHaveLength(1);
    expect(server.calls()).toHaveLength(1);
  });
});

describe('cancelling while a session is being created', () => {
  it('stops the creation and its retries: the server sees one attempt and the connection closed', async () => {
    const server = await startHostileServer('CANARY-held-session-80', { holdSessions: true });
    process.env.TRIPLETEX_PRODUCTION_URL = server.url;
    freshProcessState();
    try {
      const ctx = recordingContext();
      const running = outcome(run({ connection: { name: 'Held', consumerToken: 'CANARY-held-consumer-81', employeeToken: 'CANARY-held-employee-82' }, path: '/customer' }, ctx));
      while (server.sessionCreations().length === 0) await new Promise((resolve) => setImmediate(resolve));
      ctx.controller.abort();
      expect((await running).error).toBeInstanceOf(CancelledError);
      // The held request's connection is closed by the client, not left to its timeout …
      await server.settled();
      // … and no retry follows: the pool has nothing in progress that could send one.
      await new Promise((resolve) => setImmediate(resolve));
      expect(sharedSessionPool().creating).toBe(0);
      expect(server.sessionCreations()).toHaveLength(1);
    } finally {
      await server.close();
      delete process.env.TRIPLETEX_PRODUCTION_URL;
    }
  });
});

describe('the limits from the command line', () => {
  it('--max-response-mb and --max-wait-seconds reach the action', async () => {
    const server = await startHostileServer('CANARY-cli-limits-session-83');
    try {
      const env = cleanEnv({ TRIPLETEX_PRODUCTION_URL: server.url, TRIPLETEX_CONSUMER_TOKEN: 'CANARY-cli-limits-consumer', TRIPLETEX_EMPLOYEE_TOKEN: 'CANARY-cli-limits-employee' });
      server.handle((_req, res) => endlessList(res));
      const big = await runCli(['request', 'GET', '/customer', '--max-response-mb', '2'], { env });
      expect(big.code).toBe(1);
      expect(big.stderr).toMatch(/more than 2 MB, the limit for one answer/);
      server.handle((_req, res) => {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '30' });
        res.end('{}');
      });
      const patient = await runCli(['request', 'GET', '/customer', '--max-wait-seconds', '10'], { env });
      expect(patient.code).toBe(1);
      expect(patient.stderr).toMatch(/asked to wait 30 s .*longer than the 10 s a request may wait/);
    } finally {
      await server.close();
    }
  });
});
