import got from 'got';
import nock from 'nock';
import { guardNetworkWithNock } from '../support/nock-guard.js';

// Guards the test setup itself: nock 14 must intercept got 14 under jest's ESM mode,
// or every unit test below would quietly hit the network.
describe('test harness', () => {
  guardNetworkWithNock();

  it('intercepts got requests with nock and refuses unmatched hosts', async () => {
    nock('https://tripletex.no').get('/v2/ping').reply(200, { ok: true });
    const body = await got('https://tripletex.no/v2/ping').json<{ ok: boolean }>();
    expect(body).toEqual({ ok: true });
    await expect(got('https://elsewhere.invalid/x', { retry: { limit: 0 } })).rejects.toThrow(/Nock|disallowed|refused/i);
  });
});
