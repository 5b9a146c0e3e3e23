import { run } from '../../actions/rest-api-request-with-paging.js';
import { startHostileServer, type HostileServer } from '../support/hostile-server.js';
import { freshProcessState, recordingContext } from './support.js';

// A page fetched ahead is parsed while it waits, so what fetch-ahead holds is counted in rows:
// left at its default it holds about 4,000 (4 pages of 1,000, 1 page of 2,500 or 5,000, never
// fewer than 1 page). A number the user gives is obeyed. Counted on a real server: the most
// answers open at once while the flow is slow to take its pages.

describe('fetch-ahead counted in rows', () => {
  let server: HostileServer;
  let open = 0;
  let mostOpen = 0;
  const connection = { name: 'Rows', consumerToken: 'CANARY-rows-consumer-1', employeeToken: 'CANARY-rows-employee-2' };

  beforeAll(async () => {
    server = await startHostileServer('CANARY-rows-session-3');
    process.env.TRIPLETEX_PRODUCTION_URL = server.url;
    server.handle((req, res) => {
      open += 1;
      mostOpen = Math.max(mostOpen, open);
      res.once('close', () => (open -= 1));
      const query = new URL(req.url!, 'http://x').searchParams;
      const from = Number(query.get('from'));
      const count = Number(query.get('count'));
      // 12 full pages, then the end; rows are small, only their number matters here.
      const rows = from < 12 * count ? Array.from({ length: count }, (_, i) => ({ id: from + i + 1 })) : [];
      // Answer on a later turn, so the requests the client has out overlap here.
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ fullResultSize: from + rows.length + (rows.length === count ? 1 : 0), from, count: rows.length, values: rows }));
      }, 5);
    });
  });
  afterAll(async () => {
    await server.close();
    delete process.env.TRIPLETEX_PRODUCTION_URL;
  });
  beforeEach(() => {
    freshProcessState();
    open = 0;
    mostOpen = 0;
    seenHoldingFirst = 0;
    server.requests.length = 0;
  });

  /**
   * A flow that, holding the first page, waits until the server has seen `requests` requests
   * (the first page and those fetched ahead of it): a run that fetched fewer ahead would never
   * get there, and the test would fail on its timeout rather than on a guess about timing.
   */
  let seenHoldingFirst = 0;
  const flowAwaiting = (requests: number, itemsPerPage: number) => {
    let first = true;
    // This case's own requests: a page the case before fetched ahead and dropped may reach the
    // server late on a loaded machine, and must not be counted here.
    const ours = () => server.calls().filter((call) => new URL(call.url, 'http://x').searchParams.get('count') === String(itemsPerPage)).length;
    return recordingContext(async () => {
      if (first) {
        first = false;
        while (ours() < requests) await new Promise((resolve) => setTimeout(resolve, 1));
        // Any request past the window would have left with the others: give it time to arrive.
        await new Promise((resolve) => setTimeout(resolve, 20));
        seenHoldingFirst = ours();
      }
      // Slow enough that pages fetched ahead come back and wait.
      await new Promise((resolve) => setTimeout(resolve, 10));
    });
  };

  it.each([
    [1000, 4],
    [2000, 2],
    [2500, 1],
    [5000, 1],
    [100, 4],
  ])('at %i rows a page, left at its default, keeps the page in hand and %i more in flight', async (itemsPerPage, ahead) => {
    const summary = await run({ connection, path: '/customer', itemsPerPage }, flowAwaiting(1 + ahead, itemsPerPage));
    expect(summary.items).toBe(12 * itemsPerPage);
    expect(seenHoldingFirst).toBe(1 + ahead);
    expect(mostOpen).toBeLessThanOrEqual(ahead + 1);
    expect(summary.warnings.join(' ')).not.toMatch(/pages ahead/);
  });

  it('obeys a number the user gives, even for large pages', async () => {
    const summary = await run({ connection, path: '/customer', itemsPerPage: 5000, prefetchPages: 3 }, flowAwaiting(4, 5000));
    expect(summary.items).toBe(60_000);
    expect(seenHoldingFirst).toBe(4);
    expect(mostOpen).toBeLessThanOrEqual(4);
  });
});
