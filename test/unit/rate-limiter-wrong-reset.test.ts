import { runSharedWindow, type ClientModel, type ServerModel } from '../support/shared-window-server.js';

// A proxy or gateway in front of Tripletex that rewrites X-Rate-Limit-Reset (observed: always
// 1 s, against a real window of 10 s). Believing it, one process met 45 refusals in 300
// requests and four processes 490–520 in 720 (one gave up after 20). The limiter now learns the
// window from the answers once Reset has proven wrong. Time is virtual (test/support): the same
// figures on any machine.

const tripletex: ServerModel = { limit: 100, windowMs: 10_000, latencyMs: 100, serviceMs: 3, oneWayMs: [0, 2] };
const proxied = (reportedResetSeconds: number, server: ServerModel = tripletex): ServerModel => ({ ...server, reportedResetSeconds });
const paging = (requests: number, startAt = 0): ClientModel => ({ requests, inFlight: 5, parseMs: 4, startAt });
const four = [0, 1, 2, 3].map((i) => paging(180, i * 50));

describe('RateLimiter behind a proxy that rewrites X-Rate-Limit-Reset', () => {
  it.each([1, 2, 3])('one process (seed %i): a few refusals while it finds out, then none, at the pace of the real window', async (seed) => {
    const honest = await runSharedWindow(tripletex, [paging(300)], seed);
    const run = await runSharedWindow(proxied(1), [paging(300)], seed);
    expect(run.ok).toBe(300);
    expect(run.refused / (run.ok + run.refused)).toBeLessThan(0.02);
    // A longer run adds none: they all fall while the limiter learns.
    const longer = await runSharedWindow(proxied(1), [paging(1000)], seed);
    expect(longer.refused).toBe(run.refused);
    // As fast as with an honest Reset, within a few percent.
    expect(run.elapsedMs / honest.elapsedMs).toBeLessThan(1.05);
    const learned = run.processes[0]!.limiter.snapshot().learnedWindowMs!;
    expect(learned).toBeGreaterThanOrEqual(10_000);
    expect(learned).toBeLessThan(10_500);
  });

  it.each([1, 2, 3])('four processes on one token pair (seed %i): refusals stay a few percent and no request comes near giving up', async (seed) => {
    const honest = await runSharedWindow(tripletex, four, seed);
    const run = await runSharedWindow(proxied(1), four, seed);
    expect(run.ok).toBe(720);
    expect(run.refused / (run.ok + run.refused)).toBeLessThan(0.05);
    // The dispatcher gives up after 20 refusals of one request.
    expect(Math.max(...run.processes.map((p) => p.mostRefusalsOfOneRequest))).toBeLessThanOrEqual(3);
    expect(run.elapsedMs / honest.elapsedMs).toBeLessThan(1.05);
  });

  it('learns a window longer than Tripletex\'s too, and one behind a Reset that always says 2 s', async () => {
    const long = await runSharedWindow(proxied(1, { ...tripletex, windowMs: 25_000 }), [paging(600)], 1);
    expect(long.refused / (long.ok + long.refused)).toBeLessThan(0.02);
    expect(long.processes[0]!.limiter.snapshot().learnedWindowMs).toBeGreaterThanOrEqual(25_000);
    const two = await runSharedWindow(proxied(2), [paging(600)], 1);
    expect(two.refused / (two.ok + two.refused)).toBeLessThan(0.02);
  });

  it('never doubts an honest Reset, alone or sharing, with fixed or aligned windows rounded either way', async () => {
    const servers: ServerModel[] = [tripletex, { ...tripletex, aligned: true }, { ...tripletex, rounding: 'floor' }];
    for (const server of servers) {
      for (const clients of [[paging(300)], four]) {
        const run = await runSharedWindow(server, clients, 7);
        for (const process of run.processes) expect({ server, learned: process.limiter.snapshot().learnedWindowMs }).toEqual({ server, learned: undefined });
      }
    }
    // Windows of one second, alone.
    const short: ServerModel = { limit: 10, windowMs: 1000, latencyMs: 250, serviceMs: 5, oneWayMs: [0, 2] };
    const alone = await runSharedWindow(short, [paging(300)], 7);
    expect(alone.processes[0]!.limiter.snapshot().learnedWindowMs).toBeUndefined();
  });

  it('stays bounded where it cannot tell: windows of one second crowded by four processes', async () => {
    // A process crowded out of every new window is refused at each end Reset predicts, just as
    // behind a lying proxy, and may take Reset for a liar. It then waits out longer windows:
    // slower for it, fewer refusals for all (377 here while believing Reset), and no request
    // anywhere near the 20 refusals after which a request gives up.
    const short: ServerModel = { limit: 10, windowMs: 1000, latencyMs: 250, serviceMs: 5, oneWayMs: [0, 2] };
    const run = await runSharedWindow(short, four, 7);
    expect(run.ok).toBe(720);
    expect(run.refused).toBeLessThan(377);
    expect(Math.max(...run.processes.map((p) => p.mostRefusalsOfOneRequest))).toBeLessThan(20);
  });
});
