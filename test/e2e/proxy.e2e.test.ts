import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { IncomingMessage } from 'node:http';
import { testConnection } from '../../connection/test-connection.js';
import { run as requestWithPaging } from '../../actions/rest-api-request-with-paging.js';
import { closeProxyAgents } from '../../client/proxy.js';
import type { RunningSimulator } from '../../tooling/simulator/index.js';
import { everyRendering, freshProcessState, outcome, recordingContext, startE2eSimulator } from './support.js';
import { refusingPort, SESSION_TOKEN_PREFIX, startTappedProxy, wireForms, type TappedProxy } from './tapped-proxy.js';

// The pack behind a proxy, in process, against the plain-HTTP simulator: which requests go
// through the proxy (by HTTP_PROXY, http_proxy and NO_PROXY, read at call time), what a
// proxy sees of an http:// request (all of it), and what a failing proxy looks like.
// test/e2e/proxy-https.e2e.test.ts covers https:// targets, where the proxy sees only a tunnel.

const CONSUMER = 'CANARY-proxy-consumer-6e1b0d';
const EMPLOYEE = 'CANARY-proxy-employee-93fa27';
const PROXY_USER = 'corp-user';
const PROXY_PASSWORD = 'CANARY-proxy-password-4c8e';
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy'];

let sim: RunningSimulator;
let simPort: string;
const proxies: TappedProxy[] = [];
const saved: Record<string, string | undefined> = {};

async function proxy(options: Parameters<typeof startTappedProxy>[0] = {}): Promise<TappedProxy> {
  const started = await startTappedProxy(options);
  proxies.push(started);
  return started;
}

function setEnv(values: Record<string, string>): void {
  Object.assign(process.env, values);
}

const props = () => ({ name: 'Behind a proxy', consumerToken: CONSUMER, employeeToken: EMPLOYEE });

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

function requestsSince(count: number): string[] {
  return sim.requests.slice(count).map((r) => `${r.method} ${r.path}`);
}

beforeAll(async () => {
  sim = await startE2eSimulator({ size: 50 });
  sim.registerConsumer('production', CONSUMER);
  sim.registerEmployee('production', { token: EMPLOYEE, consumerToken: CONSUMER, kind: 'employee' });
  simPort = new URL(sim.production.url).port;
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  freshProcessState();
  for (const name of PROXY_VARIABLES) {
    saved[name] = process.env[name];
    delete process.env[name];
  }
  process.env.TRIPLETEX_PRODUCTION_URL = sim.production.url;
});
afterEach(async () => {
  for (const name of PROXY_VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  closeProxyAgents();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

describe('http:// through HTTP_PROXY', () => {
  it('reaches the simulator through the proxy, and the proxy sees the whole request', async () => {
    const tapped = await proxy();
    setEnv({ HTTP_PROXY: tapped.url });
    const before = sim.requests.length;

    const result = await testConnection(props(), recordingContext());

    expect(result).toMatchObject({ ok: true, reason: 'connected' });
    expect(requestsSince(before)).toContain('POST /token/session/:create');
    // hpagent tunnels http:// too; the tunnel carries the request in clear text.
    expect(tapped.requests.length).toBeGreaterThan(0);
    expect(new Set(tapped.requests)).toEqual(new Set([`CONNECT 127.0.0.1:${simPort}`]));
    const seen = tapped.everything();
    expect(seen).toContain(CONSUMER);
    expect(seen).toContain(EMPLOYEE);
    expect(seen).toMatch(/authorization: Basic /i);
    expect(seen).toContain(SESSION_TOKEN_PREFIX);
  });

  it('carries authenticated requests and pages through the proxy, over a kept-alive tunnel', async () => {
    const tapped = await proxy();
    setEnv({ HTTP_PROXY: tapped.url });
    const before = sim.requests.length;
    const summary = await requestWithPaging({ connection: props(), path: '/customer', itemsPerPage: 20, prefetchPages: 0 }, recordingContext());
    expect(summary.items).toBe(50);
    expect(occurrences(tapped.everything(), 'GET /v2/customer?')).toBe(3);
    // One after the other, the requests reuse the tunnel instead of opening one each.
    const sent = requestsSince(before).length;
    expect(sent).toBeGreaterThanOrEqual(4);
    expect(tapped.requests.length).toBeLessThan(sent);
  });

  it('honours lower-case http_proxy, which wins over HTTP_PROXY', async () => {
    const lower = await proxy();
    const upper = await proxy();
    setEnv({ http_proxy: lower.url });
    expect((await testConnection(props(), recordingContext())).ok).toBe(true);
    expect(lower.requests.length).toBeGreaterThan(0);

    freshProcessState();
    const sessionCreate = 'POST /v2/token/session/:create';
    const seenByLower = occurrences(lower.everything(), sessionCreate);
    setEnv({ HTTP_PROXY: upper.url });
    expect((await testConnection(props(), recordingContext())).ok).toBe(true);
    expect(occurrences(lower.everything(), sessionCreate)).toBe(seenByLower + 1);
    expect(upper.connections).toEqual([]);
  });

  it('uses the user name and password in the proxy URL, and never shows them', async () => {
    const expected = 'Basic ' + Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64');
    const tapped = await proxy({ authenticate: (request: IncomingMessage) => request.headers['proxy-authorization'] === expected });
    setEnv({ HTTP_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${tapped.port}` });
    const ctx = recordingContext();
    const result = await testConnection(props(), ctx);
    expect(result).toMatchObject({ ok: true, reason: 'connected' });
    expect(everyRendering(result) + ctx.lines.join('\n')).not.toContain(PROXY_PASSWORD);
  });
});

describe('NO_PROXY', () => {
  it.each([
    ['NO_PROXY=127.0.0.1', { NO_PROXY: '127.0.0.1' }],
    ['no_proxy=127.0.0.1', { no_proxy: '127.0.0.1' }],
    ['NO_PROXY=*', { NO_PROXY: '*' }],
    ['no_proxy=*', { no_proxy: '*' }],
    ['NO_PROXY with the host and its port', { NO_PROXY: 'example.com, 127.0.0.1:PORT' }],
  ])('%s sends directly, past the proxy', async (_name, noProxy) => {
    const tapped = await proxy();
    const values = Object.fromEntries(Object.entries(noProxy).map(([k, v]) => [k, v.replace('PORT', simPort)]));
    setEnv({ HTTP_PROXY: tapped.url, ...values });
    const before = sim.requests.length;
    const result = await testConnection(props(), recordingContext());
    expect(result).toMatchObject({ ok: true, reason: 'connected' });
    expect(requestsSince(before)).toContain('POST /token/session/:create');
    expect(tapped.requests).toEqual([]);
    expect(tapped.connections).toEqual([]);
  });

  it('NO_PROXY=localhost bypasses the proxy for http://localhost', async () => {
    const tapped = await proxy();
    process.env.TRIPLETEX_PRODUCTION_URL = sim.production.url.replace('127.0.0.1', 'localhost');
    setEnv({ HTTP_PROXY: tapped.url, NO_PROXY: 'localhost' });
    expect((await testConnection(props(), recordingContext())).ok).toBe(true);
    expect(tapped.connections).toEqual([]);
  });

  it('a NO_PROXY that names other hosts leaves the proxy in use', async () => {
    const tapped = await proxy();
    setEnv({ HTTP_PROXY: tapped.url, NO_PROXY: 'example.com,.example.org' });
    expect((await testConnection(props(), recordingContext())).ok).toBe(true);
    expect(tapped.requests).toContain(`CONNECT 127.0.0.1:${simPort}`);
  });
});

describe('a proxy that fails', () => {
  it('refusing connections: a network error that names the proxy but not its credentials, and nothing reaches Tripletex', async () => {
    const port = await refusingPort();
    setEnv({ HTTP_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${port}` });
    const before = sim.requests.length;
    const ctx = recordingContext();

    const result = await testConnection(props(), ctx);

    expect(result).toMatchObject({ ok: false, reason: 'unreachable' });
    expect(result.message).toContain(`via proxy http://127.0.0.1:${port} from HTTP_PROXY: the proxy refused the connection`);
    const printed = everyRendering(result) + ctx.lines.join('\n');
    expect(printed).not.toContain(PROXY_PASSWORD);
    expect(printed).not.toContain(PROXY_USER);
    expect(requestsSince(before)).toEqual([]);
  });

  it('answering 407: says the proxy wants credentials, and the request fails as a network error', async () => {
    const tapped = await proxy({ authenticate: () => false });
    setEnv({ HTTP_PROXY: tapped.url });
    const before = sim.requests.length;
    const failed = await outcome(requestWithPaging({ connection: props(), path: '/customer' }, recordingContext()));
    expect(failed.error).toMatchObject({ kind: 'authentication' });
    const cause = (failed.error as { cause?: unknown }).cause;
    expect(cause).toMatchObject({ kind: 'network', failure: 'other' });
    expect(String((failed.error as Error).message)).toContain(
      `via proxy ${tapped.url} from HTTP_PROXY: the proxy asks for a user name and password (407); put them in HTTP_PROXY as http://user:password@host:port`,
    );
    expect(requestsSince(before)).toEqual([]);
    // Asked once: a proxy that wants a login gives the same answer to every retry.
    expect(tapped.requests.filter((r) => r.startsWith('CONNECT '))).toHaveLength(1);
  });

  it('refusing the target (403): fails at once, not retried', async () => {
    const tapped = await proxy({ refuse: 403 });
    setEnv({ HTTP_PROXY: tapped.url });
    const result = await testConnection(props(), recordingContext());
    expect(result).toMatchObject({ ok: false, reason: 'unreachable' });
    expect(result.message).toContain(`via proxy ${tapped.url} from HTTP_PROXY: the proxy would not open a tunnel to`);
    expect(result.message).toContain('(it answered 403)');
    expect(tapped.requests.filter((r) => r.startsWith('CONNECT '))).toHaveLength(1);
  });

  it('refusing the credentials given: says so, without repeating them', async () => {
    const tapped = await proxy({ authenticate: () => false });
    setEnv({ HTTP_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${tapped.port}` });
    const result = await testConnection(props(), recordingContext());
    expect(result).toMatchObject({ ok: false, reason: 'unreachable' });
    expect(result.message).toContain(`via proxy ${tapped.url} from HTTP_PROXY: the proxy asks for a user name and password (407); it did not accept the user name and password in HTTP_PROXY`);
    const printed = everyRendering(result);
    for (const form of [...wireForms(PROXY_PASSWORD), PROXY_USER]) expect(printed).not.toContain(form);
  });

  it('a SOCKS proxy: refused with a reason, not bypassed', async () => {
    setEnv({ HTTP_PROXY: 'socks5://127.0.0.1:1080' });
    const before = sim.requests.length;
    const result = await testConnection(props(), recordingContext());
    expect(result).toMatchObject({ ok: false, reason: 'unreachable' });
    expect(result.message).toContain('HTTP_PROXY names a socks5 proxy (127.0.0.1:1080); only http:// and https:// proxies are supported');
    expect(requestsSince(before)).toEqual([]);
  });
});
