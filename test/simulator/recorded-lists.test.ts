import { startSimulator, type RunningSimulator } from '../../tooling/simulator/index.js';
import { call, createSession } from './helpers.js';

// List envelopes and >whoAmI as recorded from the real API: versionDigest is never null,
// fullResultSize is 0 on some endpoints while rows come back, object urls have no scheme, and
// whoAmI speaks lower case and may name another actual employee.

const NOT_ASKED = "'If-None-Match' header not specified";
const NOT_SUPPORTED = 'Checksum not yet supported for this endpoint';

describe('simulator: list envelopes and whoAmI as recorded', () => {
  let sim: RunningSimulator;
  let token: string;
  let accountant: string;
  const period = () => `dateFrom=${sim.dataPeriod.from}&dateTo=${sim.dataPeriod.to}`;
  beforeAll(async () => {
    sim = await startSimulator({ size: 40 });
    token = await createSession(sim);
    accountant = await createSession(sim, { kind: 'accountant' });
  });
  afterAll(() => sim.close());

  it('versionDigest says the header is missing on endpoints with change detection, never null', async () => {
    for (const path of ['/customer', '/supplier', '/product', '/employee', '/currency', '/ledger/account', `/ledger/voucher?${period()}`, '/ledger/voucher/>nonPosted']) {
      const r = await call(sim, path, { token });
      expect({ path, digest: r.body.versionDigest }).toEqual({ path, digest: NOT_ASKED });
    }
  });

  it('versionDigest says checksums are unsupported where there is no change detection, and If-None-Match never gives 304 there', async () => {
    const lists: [string, string][] = [
      [`/ledger/posting?${period()}`, token],
      ['/ledger/vatType', token],
      ['/company/salesmodules', token],
      ['/company/>withLoginAccess', accountant],
    ];
    for (const [path, session] of lists) {
      const plain = await call(sim, path, { token: session });
      expect({ path, digest: plain.body.versionDigest }).toEqual({ path, digest: NOT_SUPPORTED });
      const asked = await call(sim, path, { token: session, headers: { 'if-none-match': NOT_SUPPORTED } });
      expect({ path, status: asked.status, digest: asked.body.versionDigest }).toEqual({ path, status: 200, digest: NOT_SUPPORTED });
    }
  });

  it('fullResultSize is 0 on /ledger/vatType and /company/salesmodules although rows are returned', async () => {
    for (const path of ['/ledger/vatType', '/company/salesmodules']) {
      const r = await call(sim, path, { token });
      expect(r.status).toBe(200);
      expect(r.body.values.length).toBeGreaterThan(0);
      expect({ path, fullResultSize: r.body.fullResultSize, count: r.body.count }).toEqual({ path, fullResultSize: 0, count: r.body.values.length });
    }
  });

  it('object urls carry host and path without a scheme', async () => {
    const host = sim.production.url.replace(/^https?:\/\//, '');
    const answers = [
      await call(sim, '/customer?count=3&fields=*,postalAddress(*)', { token }),
      await call(sim, `/ledger/posting?${period()}&count=3`, { token }),
      await call(sim, '/token/session/>whoAmI?fields=*,company(*),employee(*)', { token }),
    ];
    const urls: string[] = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if (key === 'url' && typeof inner === 'string') urls.push(inner);
          else collect(inner);
        }
      }
    };
    answers.forEach((a) => collect(a.body));
    expect(urls.length).toBeGreaterThan(10);
    for (const url of urls) {
      expect(url).not.toMatch(/^[a-z]+:\/\//);
      expect(url.startsWith(`${host}/`)).toBe(true);
    }
  });

  it('whoAmI: language in lower case, and actualEmployeeId another employee of the company although no proxy is involved', async () => {
    const r = await call(sim, '/token/session/>whoAmI', { token });
    const v = r.body.value;
    expect(v.language).toBe('no');
    expect(v.employeeIsProxy).toBe(false);
    expect(v.actualEmployeeId).not.toBe(v.employeeId);
    expect((await call(sim, `/employee/${v.actualEmployeeId}`, { token })).status).toBe(200);
    // The other demo logins are who they act as.
    const restricted = (await call(sim, '/token/session/>whoAmI', { token: await createSession(sim, { kind: 'restricted' }) })).body.value;
    expect(restricted.actualEmployeeId).toBe(restricted.employeeId);
  });
});
