import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { PAGE_DIR } from '../../tooling/designer/server/app.js';
import { startDesignerFixture, type DesignerFixture } from './support.js';

// The access token is checked against the route the router serves, not against a spelling of
// the path: every way of writing a path that the router might decode, fold or normalise into an
// API route is refused without the token; with it, such a path is either the route itself or
// a 404. Requests are sent raw (node:http passes the path exactly as written).

jest.setTimeout(120_000);

let fx: DesignerFixture;

beforeAll(async () => {
  fx = await startDesignerFixture({ simulator: { size: 20 } });
});

afterAll(async () => {
  await fx?.stop();
});

function raw(method: string, path: string, options: { token?: boolean; body?: unknown } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: fx.designer.port,
        method,
        path,
        headers: {
          host: `127.0.0.1:${fx.designer.port}`,
          ...(options.token ? { 'x-designer-token': fx.designer.token } : {}),
          ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

// Spellings of /api/objects: percent-encoded letters, encoded and doubled slashes, dot segments
// (plain and encoded), case, trailing bits, and paths no route serves.
const SPELLINGS = [
  '/api/objects',
  '/%61pi/objects',
  '/ap%69/objects',
  '/%61%70%69/%6f%62%6a%65%63%74%73',
  '/%41%50%49/objects',
  '/api%2Fobjects',
  '/api%2fobjects',
  '//api/objects',
  '/api//objects',
  '/./api/objects',
  '/api/./objects',
  '/x/../api/objects',
  '/%2e/api/objects',
  '/x/%2e%2e/api/objects',
  '/API/objects',
  '/Api/Objects',
  '/api/objects/',
  '/api/objects?x=1',
  '/api/objects;x',
  '/api/objects%00',
  '/api/designer',
  '/%61pi/designer',
  '/api/flows',
  '/%61pi/flows',
  '/nothing-here',
  '/api/nothing-here',
];

describe('the access token guards what the router serves', () => {
  test.each(SPELLINGS)('GET %s without the token is 401, with it the route itself or 404', async (path) => {
    const without = await raw('GET', path);
    expect(without.status).toBe(401);
    expect(without.body).toContain('access token');
    expect(without.body).not.toContain('Demo company');
    const withToken = await raw('GET', path, { token: true });
    expect([200, 404]).toContain(withToken.status);
    if (withToken.status === 404) expect(withToken.body).not.toContain(path.replace(/\?.*/, ''));
  });

  test('the decoded spellings reach the API with the token (so the guard above is not passing by luck)', async () => {
    for (const path of ['/%61pi/objects', '/ap%69/objects', '/%61%70%69/%6f%62%6a%65%63%74%73']) {
      const res = await raw('GET', path, { token: true });
      expect(res.status).toBe(200);
      expect(res.body).toContain('Demo company');
    }
  });

  test('a run posted to an encoded spelling without the token does not start and writes nothing', async () => {
    const flow = { flowFormat: 1, name: 'writes a file', steps: [{ appendTo: 'guard-probe.jsonl', value: { hello: 'world' } }] };
    for (const path of ['/%61pi/runs', '/api/runs', '/ap%69/runs', '//api/runs', '/API/runs']) {
      const res = await raw('POST', path, { body: { flowId: 'probe.flow.json', document: flow } });
      expect(res.status).toBe(401);
    }
    expect(existsSync(join(fx.outDir, 'guard-probe.jsonl'))).toBe(false);
    const save = await raw('PUT', '/%61pi/flows/probe.flow.json', { body: flow });
    expect(save.status).toBe(401);
    expect(readdirSync(fx.flowsDir)).not.toContain('probe.flow.json');
  });

  test('a route added after the guard is guarded without asking for it', async () => {
    // Routes other code registers (a new API, a Continue route) need no opt-in: fastify lets
    // nothing be added after listening, so the guard's rule is checked on a fresh instance.
    const { default: Fastify } = await import('fastify');
    const { installSecurity, servePublicFiles } = await import('../../tooling/designer/server/security.js');
    const app = Fastify();
    let port = 0;
    installSecurity(app, { token: 't'.repeat(32), port: () => port });
    await servePublicFiles(app, async (scope) => {
      scope.get('/open.txt', async () => 'open');
    });
    app.post('/api/runs/:id/continue', async () => ({ continued: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
    try {
      const host = `127.0.0.1:${port}`;
      const open = await app.inject({ method: 'GET', url: '/open.txt', headers: { host } });
      expect(open.statusCode).toBe(200);
      for (const url of ['/api/runs/1/continue', '/%61pi/runs/1/continue']) {
        const refused = await app.inject({ method: 'POST', url, headers: { host } });
        expect(refused.statusCode).toBe(401);
        const allowed = await app.inject({ method: 'POST', url, headers: { host, 'x-designer-token': 't'.repeat(32) } });
        expect(allowed.statusCode).toBe(200);
      }
    } finally {
      await app.close();
    }
  });

  test("the page's own files answer without the token, and only they do", async () => {
    const files = readdirSync(PAGE_DIR);
    expect(files).toContain('index.html');
    for (const path of ['/', ...files.map((f) => `/${f}`)]) {
      const res = await raw('GET', path);
      expect(res.status).toBe(200);
      expect(res.headers['content-security-policy']).toBeDefined();
    }
    const head = await raw('HEAD', '/');
    expect(head.status).toBe(200);
    // A spelling of a file that the router does not serve as that file is no file.
    expect((await raw('GET', '/%2e%2e/index.html')).status).toBe(401);
    expect((await raw('GET', '/x/../index.html')).status).toBe(401);
  });

  test('API answers are never cached, whatever the spelling', async () => {
    const res = await raw('GET', '/%61pi/objects', { token: true });
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
