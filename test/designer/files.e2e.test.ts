import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, cleanEnv } from '../host/e2e/cli-process.js';
import { tempDir } from '../host/helpers.js';
import { startDesigner } from '../../tooling/designer/server/start.js';
import { readJson, startDesignerFixture, type DesignerFixture } from './support.js';

// The files the designer reads and writes, with a flows folder that holds what a cloned
// repository can carry (links, a FIFO, a malformed file) and with saves that race: nothing is
// written through a link, nothing outside the folder is read, the secrets never reach the
// page, one bad file hides none of the others, and every save answered "saved" is in the file
// with every {"$secret"} it wrote resolving.

// Upper bounds for a loaded machine; nothing here measures time.
jest.setTimeout(120_000);

const CONSUMER_CANARY = 'consumer-CANARY-7f3e9b2d41c8a6e05b9d';
const EMPLOYEE_CANARY = 'employee-CANARY-2c81d0f4e6b7a9355e1c';

function secretsFileOf(fx: { configDir: string }): string {
  return join(fx.configDir, 'flow-tripletex', 'secrets.json');
}

describe('a flows folder with links, a FIFO and a malformed file', () => {
  let fx: DesignerFixture;
  let victim: string;

  beforeAll(async () => {
    fx = await startDesignerFixture({ simulator: { size: 20 } });
    // A secrets file with canary tokens in it.
    const saved = await fx.call('POST', '/api/objects', { type: 'tripletex-connection', properties: { name: 'Canary', consumerToken: CONSUMER_CANARY, employeeToken: EMPLOYEE_CANARY, useTestEnvironment: false } });
    expect(saved.status).toBe(200);
    victim = join(fx.dir, 'bashrc');
    writeFileSync(victim, 'echo the user\'s own shell file\n');
    const flows = fx.flowsDir;
    symlinkSync(secretsFileOf(fx), join(flows, 'secrets-link.flow.json'));
    linkSync(secretsFileOf(fx), join(flows, 'secrets-hardlink.flow.json'));
    writeFileSync(join(flows, 'secrets-copy.flow.json'), readFileSync(secretsFileOf(fx)));
    symlinkSync(victim, join(flows, 'leaves.flow.json'));
    symlinkSync(join(fx.dir, 'nowhere'), join(flows, 'dangling.flow.json'));
    symlinkSync('all-customers.flow.json', join(flows, 'same-folder.flow.json'));
    writeFileSync(join(flows, 'malformed.flow.json'), '{ "flowFormat": 1, "name": "half a file", ');
    expect(spawnSync('mkfifo', [join(flows, 'fifo.flow.json')]).status).toBe(0);
    // The temporary names earlier versions wrote to, planted as links to the victim.
    symlinkSync(victim, join(flows, 'all-customers.flow.json.designer.tmp'));
    symlinkSync(victim, `${fx.workspaceFile}.designer.tmp`);
  });

  afterAll(async () => {
    await fx?.stop();
  });

  test('lists every good flow and shows each refused or broken file by name with its reason', async () => {
    const { status, body } = await fx.call('GET', '/api/flows');
    expect(status).toBe(200);
    const ids = body.flows.map((f: { id: string }) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['all-customers.flow.json', 'export-customers.flow.json', 'same-folder.flow.json']));
    const broken = Object.fromEntries(body.broken.map((b: { id: string; reason: string }) => [b.id, b.reason]));
    expect(Object.keys(broken).sort()).toEqual(['dangling.flow.json', 'fifo.flow.json', 'leaves.flow.json', 'malformed.flow.json', 'secrets-copy.flow.json', 'secrets-hardlink.flow.json', 'secrets-link.flow.json']);
    expect(broken['secrets-link.flow.json']).toContain('link that leads out of its folder');
    expect(broken['leaves.flow.json']).toContain('link that leads out of its folder');
    expect(broken['dangling.flow.json']).toContain('does not exist');
    expect(broken['fifo.flow.json']).toContain('FIFO');
    expect(broken['malformed.flow.json']).toMatch(/is not valid JSON: line 1, column \d+/);
    expect(broken['secrets-hardlink.flow.json']).toContain('secrets file');
    expect(broken['secrets-copy.flow.json']).toContain('secrets file');
  });

  test('never sends the secrets file to the page under any name', async () => {
    for (const path of ['/api/flows', '/api/objects', '/api/designer']) {
      const { status, body } = await fx.call('GET', path);
      expect(status).toBe(200);
      const text = JSON.stringify(body);
      expect(text).not.toContain(CONSUMER_CANARY);
      expect(text).not.toContain(EMPLOYEE_CANARY);
      expect(text).not.toContain('CANARY');
    }
  });

  test('one bad flow file does not break the workspace objects', async () => {
    const { status, body } = await fx.call('GET', '/api/objects');
    expect(status).toBe(200);
    expect(body.objects.map((o: { name: string }) => o.name)).toContain('Canary');
  });

  test('saves write through no link: planted temporary names and a flow that is a link leave their targets untouched', async () => {
    const before = readFileSync(victim, 'utf8');
    const flow = readJson(join(fx.flowsDir, 'all-customers.flow.json'));
    expect((await fx.call('PUT', '/api/flows/all-customers.flow.json', { ...flow, description: 'saved again' })).status).toBe(200);
    expect((await fx.call('PUT', '/api/flows/leaves.flow.json', { flowFormat: 1, name: 'replaces the link', steps: [{ log: 'hi' }] })).status).toBe(200);
    expect((await fx.call('POST', '/api/objects', { type: 'tripletex-connection', originalName: 'Canary', properties: { name: 'Canary', useTestEnvironment: true } })).status).toBe(200);
    expect(readFileSync(victim, 'utf8')).toBe(before);
    // The link named like a flow was replaced by the flow itself; the planted links are still links to nothing written.
    expect(statSync(join(fx.flowsDir, 'leaves.flow.json')).isFile()).toBe(true);
    expect(readJson(join(fx.flowsDir, 'leaves.flow.json')).name).toBe('replaces the link');
    expect(readJson(join(fx.flowsDir, 'all-customers.flow.json')).description).toBe('saved again');
    // No temporary file is left behind.
    expect(readdirSync(fx.flowsDir).filter((f) => f.endsWith('.tmp') && !f.endsWith('.designer.tmp'))).toEqual([]);
  });

  test('the FIFO is never opened: a writer on it would wait, and the listing still answers', async () => {
    // Listing twice more while nothing writes to the FIFO: a read of it would hang here.
    expect((await fx.call('GET', '/api/flows')).status).toBe(200);
    expect((await fx.call('GET', '/api/objects')).status).toBe(200);
  });
});

describe('saves that race', () => {
  let fx: DesignerFixture;

  beforeAll(async () => {
    fx = await startDesignerFixture({ simulator: { size: 20 } });
  });

  afterAll(async () => {
    await fx?.stop();
  });

  test('20 parallel saves in one process: each answered "saved" is in the file, and every $secret resolves', async () => {
    const tokenOf = (i: number) => `parallel-CANARY-${i}-${'9a8b7c6d5e4f'.repeat(2)}`;
    // 14 new connections, and 6 edits of one connection that each replace its employee token.
    const base = await fx.call('POST', '/api/objects', { type: 'tripletex-connection', properties: { name: 'Shared', consumerToken: tokenOf(100), employeeToken: tokenOf(101), useTestEnvironment: false } });
    expect(base.status).toBe(200);
    const requests = Array.from({ length: 20 }, (_, i) =>
      i < 14
        ? fx.call('POST', '/api/objects', { type: 'tripletex-connection', properties: { name: `Parallel ${i}`, consumerToken: tokenOf(i), employeeToken: tokenOf(i + 50), useTestEnvironment: false } })
        : fx.call('POST', '/api/objects', { type: 'tripletex-connection', originalName: 'Shared', properties: { name: 'Shared', employeeToken: tokenOf(i + 50) } }),
    );
    const answers = await Promise.all(requests);
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const workspace = readJson(fx.workspaceFile);
    const secrets = readJson(secretsFileOf(fx)).secrets as Record<string, string>;
    for (let i = 0; i < 14; i++) {
      const object = workspace.objects.find((o: { properties: { name: string } }) => o.properties.name === `Parallel ${i}`);
      expect(object).toBeDefined();
      expect(secrets[object.properties.consumerToken.$secret]).toBe(tokenOf(i));
      expect(secrets[object.properties.employeeToken.$secret]).toBe(tokenOf(i + 50));
    }
    const shared = workspace.objects.find((o: { properties: { name: string } }) => o.properties.name === 'Shared');
    expect(secrets[shared.properties.consumerToken.$secret]).toBe(tokenOf(100));
    expect([14, 15, 16, 17, 18, 19].map((i) => tokenOf(i + 50))).toContain(secrets[shared.properties.employeeToken.$secret]);
    // Replaced tokens were removed: the secrets file holds exactly what the workspace refers to.
    const referenced = JSON.stringify(workspace).match(/s-[0-9a-f]{24}/g)!;
    expect(Object.keys(secrets).sort()).toEqual([...new Set(referenced)].sort());
  });

  test('parallel flow saves in one process each leave a whole file', async () => {
    const flow = (n: number) => ({ flowFormat: 1, name: `Version ${n}`, steps: [{ log: `version ${n}`, data: { filler: 'x'.repeat(2000 + n) } }] });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => fx.call('PUT', '/api/flows/raced.flow.json', flow(n))));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const written = readJson(join(fx.flowsDir, 'raced.flow.json'));
    expect(written).toEqual(flow(Number(written.name.replace('Version ', ''))));
  });
});

describe('a workspace file that is a link', () => {
  test('is saved where the link leads, and the link stays', async () => {
    const dir = tempDir();
    const real = join(dir, 'repository', 'workspace.json');
    mkdirSync(join(dir, 'repository'));
    writeFileSync(real, JSON.stringify({ objects: [] }));
    symlinkSync(real, join(dir, 'workspace.json'));
    const saved = { ...process.env };
    process.env.XDG_CONFIG_HOME = join(dir, 'config');
    const designer = await startDesigner({ workspace: join(dir, 'workspace.json'), outDir: dir });
    try {
      const response = await fetch(`http://127.0.0.1:${designer.port}/api/objects`, {
        method: 'POST',
        headers: { 'x-designer-token': designer.token, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'tripletex-connection', properties: { name: 'Linked', consumerToken: { $env: 'A_CONSUMER' }, employeeToken: { $env: 'A_EMPLOYEE' } } }),
      });
      expect(response.status).toBe(200);
    } finally {
      await designer.close();
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
    expect(lstatSync(join(dir, 'workspace.json')).isSymbolicLink()).toBe(true);
    expect(readJson(real).objects.map((o: { properties: { name: string } }) => o.properties.name)).toEqual(['Linked']);
  });
});

describe('saves from two designer processes on one workspace', () => {
  const children: ChildProcess[] = [];

  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  });

  function startCliDesigner(workspace: string, config: string): Promise<{ base: string; token: string }> {
    const child = spawn(process.execPath, [CLI, 'designer', '--workspace', workspace, '--port', '0'], {
      env: cleanEnv({ XDG_CONFIG_HOME: config, TRIPLETEX_PRODUCTION_URL: 'http://127.0.0.1:9/v2', TRIPLETEX_TEST_URL: 'http://127.0.0.1:9/v2' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /open (http:\/\/127\.0\.0\.1:\d+)\/#token=([A-Za-z0-9_-]+)/.exec(stdout);
        if (match) resolve({ base: match[1]!, token: match[2]! });
      });
      child.on('close', (code) => reject(new Error(`the designer exited (${code}) before printing its address: ${stdout}`)));
    });
  }

  test('every save either process answered "saved" is in the file, and every $secret resolves', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'flows'));
    const workspace = join(dir, 'workspace.json');
    writeFileSync(workspace, JSON.stringify({ objects: [] }));
    const config = join(dir, 'config');
    const designers = await Promise.all([startCliDesigner(workspace, config), startCliDesigner(workspace, config)]);
    const tokenOf = (p: number, i: number) => `process-${p}-CANARY-${i}-${'5e4f3a2b1c0d'.repeat(2)}`;
    const save = (p: number, i: number) =>
      fetch(`${designers[p]!.base}/api/objects`, {
        method: 'POST',
        headers: { 'x-designer-token': designers[p]!.token, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'tripletex-connection', properties: { name: `P${p} #${i}`, consumerToken: tokenOf(p, i), employeeToken: tokenOf(p, i + 100), useTestEnvironment: false } }),
      }).then(async (response) => ({ p, i, status: response.status, body: (await response.json()) as { saved?: string; error?: { message: string } } }));
    const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => save(n % 2, n)));
    const saved = answers.filter((a) => a.status === 200);
    // A save that could not be done says so; here every one can wait for the other process's lock.
    for (const refused of answers.filter((a) => a.status !== 200)) expect(refused.body.error?.message).toMatch(/nothing was saved/);
    expect(saved.length).toBe(20);
    const written = readJson(workspace);
    const secrets = readJson(join(config, 'flow-tripletex', 'secrets.json')).secrets as Record<string, string>;
    for (const { p, i } of saved) {
      const object = written.objects.find((o: { properties: { name: string } }) => o.properties.name === `P${p} #${i}`);
      expect(object).toBeDefined();
      expect(secrets[object.properties.consumerToken.$secret]).toBe(tokenOf(p, i));
      expect(secrets[object.properties.employeeToken.$secret]).toBe(tokenOf(p, i + 100));
    }
    expect(written.objects).toHaveLength(20);
    expect(Object.keys(secrets)).toHaveLength(40);
  });
});
