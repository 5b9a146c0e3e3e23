import nock from 'nock';
import { guardNetworkWithNock } from '../support/nock-guard.js';
import { resolveConnectionProperties } from '../../connection/resolved-connection.js';
import { setSharedSessionPool, TripletexClient } from '../../connection/tripletex-client.js';
import { rateLimiterFor, resetRateLimiters } from '../../client/rate-limiter.js';
import { newRequestStats } from '../../client/request-stats.js';

// Creating a session carries no session, and Tripletex may count it in another budget than the
// token pair's (the simulator counts it with everything unauthenticated): its rate-limit headers
// must not set the token pair's window. And it is one of the run's requests on the wire.

const BASE = 'https://tripletex.no';
const rateLimit = (remaining: number, reset: number) => ({ 'x-rate-limit-limit': '10', 'x-rate-limit-remaining': String(remaining), 'x-rate-limit-reset': String(reset) });

describe('creating a session and the token pair rate limit', () => {
  guardNetworkWithNock();
  beforeEach(() => {
    delete process.env.TRIPLETEX_PRODUCTION_URL;
    resetRateLimiters();
    setSharedSessionPool(undefined);
  });
  afterAll(() => setSharedSessionPool(undefined));

  it("keeps the session's rate-limit headers out of the token pair's window, and counts the creation among the run's requests", async () => {
    const connection = resolveConnectionProperties({ name: 'Unit', consumerToken: 'CANARY-rl-consumer', employeeToken: 'CANARY-rl-employee' });
    // Another budget, nearly spent, in a window that looks like the token pair's.
    nock(BASE)
      .post('/v2/token/session/:create')
      .reply(201, (_uri, body) => ({ value: { token: 'CANARY-rl-session', expirationDate: (body as { expirationDate: string }).expirationDate } }), rateLimit(3, 10))
      .get('/v2/customer')
      .reply(200, { values: [] }, rateLimit(9, 10));
    const stats = newRequestStats();
    await new TripletexClient(connection, { stats }).request({ method: 'GET', path: '/customer' });
    // The token pair has 9 left, as its own answer said, not the 3 of the session's budget.
    expect(rateLimiterFor(`production:${connection.credentials.fingerprint}`).snapshot().remaining).toBe(9);
    expect(stats.requests).toBe(2);
  });
});
