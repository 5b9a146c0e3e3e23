import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CLI, cleanEnv } from '../host/e2e/cli-process.js';
import { REPO_ROOT, tempDir } from '../host/helpers.js';
import { startDesigner, type RunningDesigner } from '../../tooling/designer/server/start.js';
import { freshProcessState } from '../e2e/support.js';
import { readJson } from './support.js';

// Starting the designer: without a workspace (its own simulator and a copy of the examples,
// which must then work with nothing else running), and `flow-tripletex designer` from the
// built CLI with a workspace, as a person starts it.

// Upper bounds for a loaded machine (the whole suite runs beside these); nothing here measures time.
jest.setTimeout(120_000);

const saved = { ...process.env };
let running: RunningDesigner | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
  freshProcessState();
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

async function api(designer: RunningDesigner, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`http://127.0.0.1:${designer.port}${path}`, {
    method,
    headers: { 'x-designer-token': designer.token, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return response.json();
}

describe('startDesigner without a workspace', () => {
  test('starts its own simulator, copies the examples once, and Test connection passes on them', async () => {
    const scratch = join(tempDir(), 'designer');
    process.env.XDG_CONFIG_HOME = join(scratch, 'config');
    running = await startDesigner({ scratchDir: scratch, simulatorSize: 500 });
    expect(running.mode).toBe('simulator');
    expect(readdirSync(join(scratch, 'flows')).sort()).toEqual(readdirSync(join(REPO_ROOT, 'examples', 'flows')).sort());
    // The copies' "$schema" still finds the schema, so editors keep checking them.
    expect(resolve(scratch, readJson(join(scratch, 'workspace.json')).$schema)).toBe(join(REPO_ROOT, 'schemas', 'workspace.schema.json'));
    expect(resolve(scratch, 'flows', readJson(join(scratch, 'flows', 'export-customers.flow.json')).$schema)).toBe(join(REPO_ROOT, 'schemas', 'flow.schema.json'));
    const info = await api(running, 'GET', '/api/designer');
    expect(info.simulator.tokens.production.consumerToken).toBe(running.simulator!.tokens.production.consumerToken);
    expect(info.environments.production).toBe(running.simulator!.production.url);
    const test = await api(running, 'POST', '/api/objects/test', { type: 'tripletex-connection', originalName: 'Demo company', properties: { name: 'Demo company', useTestEnvironment: false } });
    expect(test.result).toMatchObject({ ok: true, reason: 'connected' });

    // A second launch keeps what the first one changed.
    writeFileSync(join(scratch, 'flows', 'kept.flow.json'), JSON.stringify({ flowFormat: 1, name: 'Kept', steps: [{ log: 'still here' }] }));
    await running.close();
    running = await startDesigner({ scratchDir: scratch, simulatorSize: 500 });
    expect(existsSync(join(scratch, 'flows', 'kept.flow.json'))).toBe(true);
  });
});

describe('flow-tripletex designer', () => {
  test('prints its address, serves the page and the API with the token, and stops on SIGTERM', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'flows'));
    writeFileSync(join(dir, 'workspace.json'), JSON.stringify({ objects: [] }));
    const child = spawn(process.execPath, [CLI, 'designer', '--workspace', join(dir, 'workspace.json'), '--port', '0'], {
      env: cleanEnv({ XDG_CONFIG_HOME: join(dir, 'config'), TRIPLETEX_PRODUCTION_URL: 'http://127.0.0.1:9/v2' }),
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /open (http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.on('close', (code) => reject(new Error(`the designer exited (${code}) before printing its address: ${stdout}${stderr}`)));
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      expect(stdout).toContain('Flows:     flows');
      expect(stdout).toContain('Tripletex: production http://127.0.0.1:9/v2');
      const base = url.replace(/\/#token=.*$/, '');
      const token = url.replace(/^.*#token=/, '');
      const page = await fetch(base + '/');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      const script = await fetch(base + '/app.js');
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toContain('javascript');
      expect((await fetch(base + '/api/designer')).status).toBe(401);
      const info = (await (await fetch(base + '/api/designer', { headers: { 'x-designer-token': token } })).json()) as { simulator: unknown; pack: { name: string } };
      expect(info.simulator).toBeNull();
      expect(info.pack.name).toBe('Tripletex');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await closed).toBe(0);
    expect(stdout).toContain('Designer stopped.');
  });
});
