import { run, type PortPage } from '../../actions/rest-api-request-with-paging.js';
import { makeCredentials } from '../../connection/credentials.js';
import type { RunningSimulator } from '../../tooling/simulator/index.js';
import { recordingContext, startE2eSimulator } from './support.js';
import { answerPacedClock } from '../support/virtual-clock.js';

// A proxy or gateway that rewrites X-Rate-Limit-Reset (always 1 s, against a real window of
// 10 s): the simulator says 1 in every Reset while its windows last 10 s. One fake clock runs the
// simulator's windows and the pack's limiter, and moves only when the limiter sleeps with
// nothing in flight, so every window holds exactly what the limiter let through, on any machine.

const CUSTOMERS = 3000;

describe('REST API Request with paging behind a proxy that rewrites X-Rate-Limit-Reset', () => {
  let sim: RunningSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  it('learns the real window from the refusals and keeps 429s to a few percent', async () => {
    const clock = answerPacedClock();
    sim = await startE2eSimulator({ size: CUSTOMERS, now: clock.now, rateLimit: { limit: 25, windowMs: 10_000, reportResetSeconds: 1 } });
    const props = { name: 'Proxied', consumerToken: sim.tokens.production.consumerToken, employeeToken: sim.tokens.production.employeeTokens.employee };
    const credentials = makeCredentials('production', props.consumerToken, props.employeeToken);
    const limiter = clock.limiterFor(`production:${credentials.fingerprint}`);
    const ctx = recordingContext();
    const summary = await run({ connection: props, path: '/customer', fields: 'id', itemsPerPage: 20, prefetchPages: 4 }, ctx);
    const ids = (ctx.pages as PortPage[]).flatMap((p) => (p.values as { id: number }[]).map((r) => r.id));
    expect(new Set(ids).size).toBe(CUSTOMERS);
    // 151 pages. Believing Reset, the limiter met 131 refusals here (46 % of its requests); now a
    // handful, all while it found out: the first burst after the first false window end, one
    // request to confirm the next, and one where it tried a shorter window than the real one.
    const refused = sim.stats().rateLimited;
    expect(summary.rateLimited).toBe(refused);
    expect(refused / summary.requests).toBeLessThan(0.05);
    // It waits out the real window, not the one Reset claims (nor much more).
    const learned = limiter.snapshot().learnedWindowMs!;
    expect(learned).toBeGreaterThanOrEqual(10_000);
    expect(learned).toBeLessThan(11_000);
  });
});
