import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../../tooling/simulator/index.js';
import { REPO_ROOT, tempDir, writeJson } from '../host/helpers.js';
import { cleanEnv, runCli, type CliResult } from '../host/e2e/cli-process.js';
import { refusingPort, sessionTokenForms, startTappedProxy, wireForms, type TappedProxy } from './tapped-proxy.js';

// The built CLI behind an HTTP proxy, talking HTTPS to the simulator (served with the test-only
// certificate in test/fixtures/tls, trusted through NODE_EXTRA_CA_CERTS as any Node program
// would be). The proxy must see a CONNECT to the host and port and then only encrypted bytes:
// no token, in any encoding, and no Authorization value.

const TLS_DIR = join(REPO_ROOT, 'test', 'fixtures', 'tls');
const TEST_CA = join(TLS_DIR, 'test-only-ca.crt');
const hex = () => randomBytes(6).toString('hex');
const CONSUMER = `CANARY-tls-consumer-${hex()}`;
const EMPLOYEE = `CANARY-tls-employee-${hex()}`;
const PROXY_PASSWORD = `CANARY-tls-proxy-password-${hex()}`;

let sim: RunningSimulator;
let port: string;
let productionUrl: string;
let dir: string;
let workspace: string;
const proxies: TappedProxy[] = [];

async function proxy(): Promise<TappedProxy> {
  const started = await startTappedProxy();
  proxies.push(started);
  return started;
}

/** Without the parent's proxy settings, so only what a test sets applies. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const base = cleanEnv({ TRIPLETEX_PRODUCTION_URL: productionUrl, CANARY_CONSUMER: CONSUMER, CANARY_EMPLOYEE: EMPLOYEE, NODE_EXTRA_CA_CERTS: TEST_CA, ...extra });
  for (const name of Object.keys(base)) if (/^(https?|all|no)_proxy$/i.test(name) && !(name in extra)) delete base[name];
  if (extra.NODE_EXTRA_CA_CERTS === '') delete base.NODE_EXTRA_CA_CERTS;
  return base;
}

async function testConnection(extra: Record<string, string>): Promise<CliResult> {
  const result = await runCli(['test-connection', '--workspace', workspace, '--connection', 'Over TLS'], { env: env(extra), cwd: dir });
  for (const secret of [CONSUMER, EMPLOYEE, PROXY_PASSWORD]) expect(result.all).not.toContain(secret);
  return result;
}

function requestsSince(count: number): string[] {
  return sim.requests.slice(count).map((r) => `${r.method} ${r.path}`);
}

/** Splits what a client sent on one connection into the proxy request head and the rest. */
function headAndTunnel(bytes: Buffer): { head: string; tunnel: Buffer } {
  const end = bytes.indexOf('\r\n\r\n');
  return end < 0 ? { head: bytes.toString('latin1'), tunnel: Buffer.alloc(0) } : { head: bytes.subarray(0, end).toString('latin1'), tunnel: bytes.subarray(end + 4) };
}

beforeAll(async () => {
  sim = await startSimulator({
    size: 50,
    tls: { key: readFileSync(join(TLS_DIR, 'test-only-localhost.key')), cert: readFileSync(join(TLS_DIR, 'test-only-localhost.crt')) },
  });
  sim.registerConsumer('production', CONSUMER);
  sim.registerEmployee('production', { token: EMPLOYEE, consumerToken: CONSUMER, kind: 'employee' });
  expect(sim.production.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v2$/);
  port = new URL(sim.production.url).port;
  productionUrl = `https://localhost:${port}/v2`;
  dir = tempDir('flow-tripletex-proxy-');
  workspace = writeJson(dir, 'workspace.json', {
    objects: [{ type: 'tripletex-connection', name: 'Over TLS', properties: { name: 'Over TLS', consumerToken: { $env: 'CANARY_CONSUMER' }, employeeToken: { $env: 'CANARY_EMPLOYEE' } } }],
  });
});
afterAll(async () => {
  await sim?.close();
});
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

describe('https:// through HTTPS_PROXY (the built CLI)', () => {
  it('tunnels to the simulator: the proxy sees CONNECT localhost:port and then only encrypted bytes', async () => {
    const tapped = await proxy();
    const before = sim.requests.length;

    const result = await testConnection({ HTTPS_PROXY: tapped.url });

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^PASS Over TLS: /);
    expect(requestsSince(before)).toEqual(expect.arrayContaining(['POST /token/session/:create', 'GET /token/session/>whoAmI']));
    expect(tapped.requests.length).toBeGreaterThan(0);
    expect(new Set(tapped.requests)).toEqual(new Set([`CONNECT localhost:${port}`]));

    for (const connection of tapped.connections) {
      const { head, tunnel } = headAndTunnel(Buffer.concat(connection.fromClient));
      const [requestLine, ...headers] = head.split('\r\n');
      expect(requestLine).toBe(`CONNECT localhost:${port} HTTP/1.1`);
      expect(headers.map((h) => h.split(':')[0]!.toLowerCase()).sort()).toEqual(['connection', 'host']);
      // What follows is TLS: a handshake record first (content type 22), nothing readable.
      expect(tunnel[0]).toBe(0x16);
      expect(Buffer.concat(connection.toClient).toString('latin1')).toMatch(/^HTTP\/1\.1 200 Connection established\r\n/);
    }

    const seen = tapped.everything();
    for (const form of [...wireForms(CONSUMER), ...wireForms(EMPLOYEE), ...sessionTokenForms()]) expect(seen).not.toContain(form);
    expect(seen).not.toMatch(/basic |authorization|\/v2\/|token\/session|consumerToken/i);
  });

  it('with the proxy password in HTTPS_PROXY: sends it only to the proxy, never prints it', async () => {
    const tapped = await startTappedProxy({ authenticate: (request) => request.headers['proxy-authorization'] === 'Basic ' + Buffer.from(`corp-user:${PROXY_PASSWORD}`).toString('base64') });
    proxies.push(tapped);
    const result = await testConnection({ HTTPS_PROXY: `http://corp-user:${PROXY_PASSWORD}@127.0.0.1:${tapped.port}` });
    expect(result.code).toBe(0);
    expect(tapped.requests).toContain(`CONNECT localhost:${port}`);
  });

  it('NO_PROXY=localhost goes direct', async () => {
    const tapped = await proxy();
    const result = await testConnection({ HTTPS_PROXY: tapped.url, NO_PROXY: 'localhost' });
    expect(result.code).toBe(0);
    expect(tapped.connections).toEqual([]);
  });

  it('without the CA in NODE_EXTRA_CA_CERTS the certificate is refused (what a TLS-inspecting proxy causes)', async () => {
    const tapped = await proxy();
    const before = sim.requests.length;
    const result = await testConnection({ HTTPS_PROXY: tapped.url, NODE_EXTRA_CA_CERTS: '' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAIL Over TLS: .*UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    expect(requestsSince(before)).toEqual([]);
  });

  it('a proxy that refuses connections: exit 1 with a message naming the proxy, not a hang', async () => {
    const closed = await refusingPort();
    const result = await testConnection({ HTTPS_PROXY: `http://corp-user:${PROXY_PASSWORD}@127.0.0.1:${closed}` });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`via proxy http://127.0.0.1:${closed} from HTTPS_PROXY: the proxy refused the connection`);
    expect(result.all).not.toContain('corp-user');
  });
});
