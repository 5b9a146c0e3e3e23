import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { request as httpRequest } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { filesUnder, readJson, startDesignerFixture, type DesignerFixture } from './support.js';

// The designer's API over real HTTP on 127.0.0.1, against the simulator: the locks on the
// door, what the page may see of a connection, saving secrets outside the workspace, Test
// connection with unsaved values, renames that follow into the flows, and streamed runs.

// Upper bounds for a loaded machine; nothing here measures time.
jest.setTimeout(120_000);

let fx: DesignerFixture;
let tokens: { consumer: string; employee: string };

beforeAll(async () => {
  fx = await startDesignerFixture({ simulator: { size: 1200 } });
  tokens = { consumer: fx.simulator.tokens.production.consumerToken, employee: fx.simulator.tokens.production.employeeTokens.employee };
});

afterAll(async () => {
  await fx?.stop();
});

function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: fx.designer.port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the door', () => {
  test('serves the page with a restrictive Content-Security-Policy and no token needed for it', async () => {
    const page = await rawGet('/', { host: `127.0.0.1:${fx.designer.port}` });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });

  test('refuses a Host header that is not this server (DNS rebinding)', async () => {
    const res = await rawGet('/api/designer', { host: `attacker.example:${fx.designer.port}`, 'x-designer-token': fx.designer.token });
    expect(res.status).toBe(421);
    expect(res.body).toContain('Host header refused');
  });

  test('refuses API calls without the launch token, or with a wrong one', async () => {
    const none = await rawGet('/api/objects', { host: `127.0.0.1:${fx.designer.port}` });
    expect(none.status).toBe(401);
    const wrong = await rawGet('/api/objects', { host: `127.0.0.1:${fx.designer.port}`, 'x-designer-token': 'x'.repeat(fx.designer.token.length) });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('open the address the designer printed');
  });

  test('refuses requests from another origin', async () => {
    const res = await rawGet('/api/designer', { host: `127.0.0.1:${fx.designer.port}`, origin: 'http://evil.example', 'x-designer-token': fx.designer.token });
    expect(res.status).toBe(403);
  });

  test('the printed address carries the token in its fragment, never in the path or query', () => {
    expect(fx.designer.url).toBe(`http://127.0.0.1:${fx.designer.port}/#token=${fx.designer.token}`);
  });
});

describe('workspace objects', () => {
  test('lists the connections without any secret value, saying where each secret comes from', async () => {
    const { status, body } = await fx.call('GET', '/api/objects');
    expect(status).toBe(200);
    const demo = body.objects.find((o: { name: string }) => o.name === 'Demo company');
    expect(demo.properties).toEqual({ name: 'Demo company', useTestEnvironment: false });
    expect(demo.secrets).toEqual({ consumerToken: { source: 'env', variable: 'TRIPLETEX_CONSUMER_TOKEN' }, employeeToken: { source: 'env', variable: 'TRIPLETEX_EMPLOYEE_TOKEN' } });
    expect(demo.usedBy).toContain('invoices-for-a-period.flow.json');
    expect(JSON.stringify(body)).not.toContain(tokens.consumer);
  });

  test('Test connection runs the pack test with unsaved values and saves nothing', async () => {
    const before = readJson(fx.workspaceFile);
    const wrong = await fx.call('POST', '/api/objects/test', { type: 'tripletex-connection', properties: { name: 'Trial', consumerToken: tokens.consumer, employeeToken: 'not-an-employee-token' } });
    expect(wrong.status).toBe(200);
    expect(wrong.body.result.ok).toBe(false);
    expect(wrong.body.result.reason).toBe('employee-token-invalid');
    expect(wrong.body.result.message).toContain('Ask a Tripletex administrator for a new employee token');
    const right = await fx.call('POST', '/api/objects/test', { type: 'tripletex-connection', properties: { name: 'Trial', consumerToken: tokens.consumer, employeeToken: tokens.employee } });
    expect(right.body.result.ok).toBe(true);
    expect(JSON.stringify([wrong.body, right.body])).not.toContain(tokens.employee);
    expect(readJson(fx.workspaceFile)).toEqual(before);
  });

  test('refuses properties that break the schema, naming each field in plain words', async () => {
    const { status, body } = await fx.call('POST', '/api/objects', { type: 'tripletex-connection', properties: { name: '', consumerToken: 'has space', employeeToken: tokens.employee } });
    expect(status).toBe(400);
    expect(body.error.problems).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'must not be empty' },
        { field: 'consumerToken', message: 'must not contain spaces or line breaks' },
      ]),
    );
    const envelope = await fx.call('POST', '/api/objects', { type: 'tripletex-connection' });
    expect(envelope.status).toBe(400);
    expect(JSON.stringify(envelope.body)).toContain('properties');
  });

  test('Save stores typed tokens in the user secrets file (0600) and writes only references into the workspace', async () => {
    const saved = await fx.call('POST', '/api/objects', { type: 'tripletex-connection', properties: { name: 'Acme', consumerToken: tokens.consumer, employeeToken: tokens.employee, useTestEnvironment: false } });
    expect(saved.status).toBe(200);
    expect(saved.body.saved).toBe('Acme');
    const entry = readJson(fx.workspaceFile).objects.find((o: { properties: { name: string } }) => o.properties.name === 'Acme');
    // One name: properties.name, never a second one beside it.
    expect(entry).not.toHaveProperty('name');
    expect(entry.properties.consumerToken).toEqual({ $secret: expect.stringMatching(/^s-[0-9a-f]{24}$/) });
    expect(entry.properties.employeeToken).toEqual({ $secret: expect.stringMatching(/^s-[0-9a-f]{24}$/) });
    for (const file of filesUnder(join(fx.dir, 'workspace'))) {
      expect(file.text).not.toContain(tokens.employee);
      expect(file.text).not.toContain(tokens.consumer);
    }
    const secretsFile = join(fx.configDir, 'flow-tripletex', 'secrets.json');
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    expect(readJson(secretsFile).secrets[entry.properties.employeeToken.$secret]).toBe(tokens.employee);

    const listed = await fx.call('GET', '/api/objects');
    const acme = listed.body.objects.find((o: { properties: { name: string } }) => o.properties.name === 'Acme');
    expect(acme.secrets).toEqual({ consumerToken: { source: 'stored' }, employeeToken: { source: 'stored' } });
    expect(JSON.stringify(listed.body)).not.toContain(tokens.employee);
  });

  test('an edit without tokens keeps the stored ones; Test connection uses them', async () => {
    const flipped = await fx.call('POST', '/api/objects/test', { type: 'tripletex-connection', originalName: 'Acme', properties: { name: 'Acme', useTestEnvironment: true } });
    expect(flipped.body.result.ok).toBe(false);
    expect(flipped.body.result.reason).toBe('wrong-environment');
    expect(flipped.body.result.message).toContain('To use them there, turn off "Use Tripletex test environment".');
    const saved = await fx.call('POST', '/api/objects', { type: 'tripletex-connection', originalName: 'Acme', properties: { name: 'Acme', useTestEnvironment: false, defaultCompanyId: 0 } });
    expect(saved.status).toBe(200);
    const again = await fx.call('POST', '/api/objects/test', { type: 'tripletex-connection', originalName: 'Acme', properties: { name: 'Acme' } });
    expect(again.body.result.ok).toBe(true);
  });

  test('replacing a token removes the old one from the secrets file', async () => {
    const secretsFile = join(fx.configDir, 'flow-tripletex', 'secrets.json');
    const before = readJson(fx.workspaceFile).objects.find((o: { properties: { name: string } }) => o.properties.name === 'Acme').properties.employeeToken.$secret;
    await fx.call('POST', '/api/objects', { type: 'tripletex-connection', originalName: 'Acme', properties: { name: 'Acme', employeeToken: tokens.employee } });
    const after = readJson(fx.workspaceFile).objects.find((o: { properties: { name: string } }) => o.properties.name === 'Acme').properties.employeeToken.$secret;
    expect(after).not.toBe(before);
    expect(Object.keys(readJson(secretsFile).secrets)).not.toContain(before);
    expect(Object.keys(readJson(secretsFile).secrets)).toContain(after);
  });

  test('names are unique', async () => {
    const clash = await fx.call('POST', '/api/objects', { type: 'tripletex-connection', properties: { name: 'Demo company', consumerToken: tokens.consumer, employeeToken: tokens.employee } });
    expect(clash.status).toBe(409);
    expect(clash.body.error.problems[0]).toEqual({ field: 'name', message: expect.stringContaining('is already the name of another workspace object') });
  });

  test('renaming a connection updates every flow that refers to it', async () => {
    const renamed = await fx.call('POST', '/api/objects', { type: 'tripletex-connection', originalName: 'Demo company', properties: { name: 'Demo company AS', useTestEnvironment: false } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ saved: 'Demo company AS', renamedFrom: 'Demo company', updatedFlows: ['all-customers.flow.json', 'invoices-for-a-period.flow.json'] });
    expect(readJson(join(fx.flowsDir, 'invoices-for-a-period.flow.json')).steps[0].inputs.connection).toEqual({ $workspace: 'Demo company AS' });
    // The env references it had are kept: the edit sent no tokens.
    const entry = readJson(fx.workspaceFile).objects.find((o: { properties: { name: string } }) => o.properties.name === 'Demo company AS');
    expect(entry.properties.consumerToken).toEqual({ $env: 'TRIPLETEX_CONSUMER_TOKEN' });
    expect(entry).not.toHaveProperty('name');
  });
});

describe('flows', () => {
  test('lists the flow files', async () => {
    const { body } = await fx.call('GET', '/api/flows');
    expect(body.flows.map((f: { id: string }) => f.id)).toEqual(['accountant-clients.flow.json', 'all-customers.flow.json', 'clerk-reads-ledger.flow.json', 'export-customers.flow.json', 'invoices-for-a-period.flow.json']);
  });

  test('refuses to save a flow the host could not run, or one with a token written in', async () => {
    const bad = await fx.call('PUT', '/api/flows/x.flow.json', { flowFormat: 1, name: 'x', steps: [{ id: 'a', action: 'rest-api-request-with-paging', inputs: { connection: { $workspace: 'Acme' }, path: 'customer' } }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.problems[0].field).toBe('steps[0].inputs.path');
    const literal = await fx.call('PUT', '/api/flows/y.flow.json', { flowFormat: 1, name: 'y', steps: [{ id: 'c', action: 'create-tripletex-connection', inputs: { consumerToken: tokens.consumer, employeeToken: { $env: 'TRIPLETEX_EMPLOYEE_TOKEN' } } }] });
    expect(literal.status).toBe(400);
    expect(literal.body.error.problems).toEqual([{ field: 'steps[0].inputs.consumerToken', message: expect.stringContaining('environment variable') }]);
    expect(JSON.stringify(literal.body)).not.toContain(tokens.consumer);
    const badName = await fx.call('PUT', '/api/flows/..%2Fescape.flow.json', { flowFormat: 1, name: 'z', steps: [{ log: 'hi' }] });
    expect(badName.status).toBe(400);
  });

  test('a token written into a flow file never reaches the page', async () => {
    const { writeFileSync, rmSync } = await import('node:fs');
    const file = join(fx.flowsDir, 'careless.flow.json');
    writeFileSync(file, JSON.stringify({ flowFormat: 1, name: 'Careless', steps: [{ id: 'c', action: 'create-tripletex-connection', inputs: { consumerToken: tokens.consumer, employeeToken: { $env: 'TRIPLETEX_EMPLOYEE_TOKEN' } } }] }));
    try {
      const { body } = await fx.call('GET', '/api/flows');
      const careless = body.flows.find((f: { id: string }) => f.id === 'careless.flow.json');
      expect(careless.document.steps[0].inputs).toEqual({ consumerToken: { $env: '' }, employeeToken: { $env: 'TRIPLETEX_EMPLOYEE_TOKEN' } });
      expect(JSON.stringify(body)).not.toContain(tokens.consumer);
    } finally {
      rmSync(file);
    }
  });

  test('a run streams its steps, progress, the first rows and the result', async () => {
    const document = readJson(join(fx.flowsDir, 'all-customers.flow.json'));
    const { status, body } = await fx.call('POST', '/api/runs', { flowId: 'all-customers.flow.json', document });
    expect(status).toBe(200);
    const events = (body as string)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(events[0]).toEqual({ type: 'run', runId: expect.any(String), flow: 'All customers, page by page' });
    const start = events.find((e) => e.type === 'step' && e.phase === 'start');
    expect(start.connection).toBe('Tripletex Connection "Demo company AS" from the workspace, production');
    const rows = events.filter((e) => e.type === 'rows').flatMap((e) => e.rows);
    expect(rows).toHaveLength(100);
    const done = events.at(-1);
    expect(done.type).toBe('done');
    expect(done.result.status).toBe('completed');
    expect(done.result.steps[0]).toMatchObject({ id: 'customers', port: 'continue', rows: 1200, pages: 12 });
    const lastProgress = events.filter((e) => e.type === 'progress').at(-1);
    expect(lastProgress).toMatchObject({ stepId: 'customers', rows: 1200 });
  });

  test("a step's advice names the fields by the labels the page shows", async () => {
    const document = { flowFormat: 1, name: 'Invoices without dates', steps: [{ id: 'invoices', action: 'rest-api-request-with-paging', inputs: { connection: { $workspace: 'Demo company AS' }, path: '/invoice' } }] };
    const { status, body } = await fx.call('POST', '/api/runs', { flowId: 'no-dates.flow.json', document });
    expect(status).toBe(200);
    const events = (body as string)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    const end = events.find((e) => e.type === 'step' && e.phase === 'end');
    expect(end.port).toBe('failed');
    expect(end.error.message).toMatch(/add invoiceDateFrom = \d{4}-\d{2}-01 and invoiceDateTo = \d{4}-\d{2}-01 to "Query"\. \(If Tripletex no longer requires them, turn on "Send as written \(skip endpoint checks\)"\.\)/);
  });

  test('a flow writes only inside the output folder: a path out of it is refused before the first request, and nothing is written', async () => {
    const escape = join(fx.outDir, '..', `escape-${process.pid}.ndjson`);
    const document = {
      flowFormat: 1,
      name: 'Writes out of its folder',
      steps: [{ id: 'customers', action: 'rest-api-request-with-paging', inputs: { connection: { $workspace: 'Demo company AS' }, path: '/customer', maxPageCount: 1 }, forEachPage: { writeRowsTo: `../escape-${process.pid}.ndjson` } }],
    };
    const requestsBefore = fx.simulator.requests.length;
    const { status, body } = await fx.call('POST', '/api/runs', { flowId: 'escape.flow.json', document });
    expect(status).toBe(200);
    const last = (body as string).split('\n').filter(Boolean).map((line) => JSON.parse(line)).at(-1);
    expect(last).toMatchObject({ type: 'failed' });
    expect(last.message).toContain(`"../escape-${process.pid}.ndjson" is outside the output folder`);
    expect(existsSync(escape)).toBe(false);
    expect(fx.simulator.requests.length).toBe(requestsBefore);
  });

  test('a run stopped at its page limit leaves its file unfinished: a new run is refused, resume continues it, a bad mode is refused', async () => {
    const document = { flowFormat: 1, name: 'Two pages at a time', steps: [{ id: 'customers', action: 'rest-api-request-with-paging', inputs: { connection: { $workspace: 'Demo company AS' }, path: '/customer', fields: 'id', itemsPerPage: 500, maxPageCount: 2 }, forEachPage: { writeRowsTo: 'two.ndjson' } }] };
    const events = async (mode?: string) => {
      const { status, body } = await fx.call('POST', '/api/runs', { flowId: 'two.flow.json', document, ...(mode ? { mode } : {}) });
      expect(status).toBe(200);
      return (body as string).split('\n').filter(Boolean).map((line) => JSON.parse(line));
    };
    const first = (await events()).at(-1);
    expect(first.result.unfinished).toEqual([expect.objectContaining({ name: 'two.ndjson', lines: 1000, state: 'stopped early', resumable: true, where: 'stopped after 1,000 rows' })]);
    const refused = (await events()).at(-1);
    expect(refused).toMatchObject({ type: 'failed', unfinished: [{ name: 'two.ndjson', lines: 1000 }] });
    expect(refused.message).toMatch(/^two\.ndjson holds an unfinished run \(1,000 rows in 2 pages, stopped early; checkpoint two\.ndjson\.checkpoint\), and starting it over would lose it\. Press Continue to continue it, or press Start over to overwrite it\./);
    const second = (await events('resume')).at(-1);
    expect(second.result.files).toEqual([{ path: join(fx.outDir, 'two.ndjson'), lines: 1200 }]);
    expect(second.result.unfinished).toEqual([]);
    const ids = readFileSync(join(fx.outDir, 'two.ndjson'), 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { id: number }).id);
    expect(new Set(ids).size).toBe(1200);
    const bad = await fx.call('POST', '/api/runs', { flowId: 'two.flow.json', document, mode: 'sideways' });
    expect(bad.status).toBe(400);
  });

  test('a run that cannot start says why before streaming', async () => {
    const { status, body } = await fx.call('POST', '/api/runs', { flowId: 'x.flow.json', document: { flowFormat: 1, name: 'x', steps: [{ id: 'a', action: 'no-such-action' }] } });
    expect(status).toBe(400);
    expect(body.error.problems[0]).toEqual({ field: 'steps[0].action', message: expect.stringContaining('is not an action of Tripletex') });
  });

  test('Cancel stops a run that waits for the rate limit', async () => {
    // A budget of 3 requests per 4 minutes: the run stalls in a rate-limit wait, deterministically
    // (a wait the run takes: under the 300 s it may wait by default).
    fx.simulator.setRateLimit({ limit: 3, windowMs: 240_000 });
    const document = readJson(join(fx.flowsDir, 'all-customers.flow.json'));
    const base = `http://127.0.0.1:${fx.designer.port}`;
    const response = await fetch(`${base}/api/runs`, { method: 'POST', headers: { 'x-designer-token': fx.designer.token, 'content-type': 'application/json' }, body: JSON.stringify({ flowId: 'all-customers.flow.json', document }) });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const events: any[] = [];
    let buffer = '';
    let cancelled = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines.filter(Boolean)) {
        const event = JSON.parse(line);
        events.push(event);
        if (!cancelled && event.type === 'progress' && event.waitingMs > 0) {
          cancelled = true;
          const runId = events[0].runId;
          const answer = await fx.call('POST', `/api/runs/${runId}/cancel`, {});
          expect(answer.status).toBe(200);
        }
      }
    }
    fx.simulator.setRateLimit({ limit: 100_000, windowMs: 10_000 });
    expect(cancelled).toBe(true);
    expect(events.at(-1).type).toBe('done');
    expect(events.at(-1).result.status).toBe('cancelled');
    const unknown = await fx.call('POST', '/api/runs/nope/cancel', {});
    expect(unknown.status).toBe(404);
  });
});
