import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../../../tooling/simulator/index.js';
import { tempDir, writeJson } from '../helpers.js';
import { cleanEnv, runCli, type CliResult } from './cli-process.js';

// JSON files nested thousands of levels deep — a request body, a workspace file, a flow file —
// are refused by the CLI as bad usage (exit 2) with a message naming the file, the limit and
// the place, before anything is sent: the simulator sees no request, not even a session.

const hex = () => randomBytes(6).toString('hex');
const CANARY = { consumer: `CANARY-consumer-${hex()}`, employee: `CANARY-employee-${hex()}` };

let sim: RunningSimulator;
let dir: string;
let goodWorkspace: string;

/** `{"name": "…", "deep": [[[…]]]}` with `levels` levels in all, written as text (JSON.stringify would overflow). */
function deepText(levels: number): string {
  return `{"name": "${CANARY.employee}", "deep": ${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
}

function connection(name: string, extra = ''): string {
  return `{"type": "tripletex-connection", "name": "${name}", "properties": {"name": "${name}", "consumerToken": {"$env": "TRIPLETEX_CONSUMER_TOKEN"}, "employeeToken": {"$env": "TRIPLETEX_EMPLOYEE_TOKEN"}${extra}}}`;
}

async function cli(args: string[]): Promise<CliResult> {
  const env = cleanEnv({ ...sim.env, TRIPLETEX_CONSUMER_TOKEN: CANARY.consumer, TRIPLETEX_EMPLOYEE_TOKEN: CANARY.employee });
  const result = await runCli(args, { env, cwd: dir });
  for (const canary of Object.values(CANARY)) expect(result.all).not.toContain(canary);
  return result;
}

/** Runs the command and checks the refusal: exit 2, one line naming the file and the limit, nothing sent. */
async function expectRefused(args: string[], file: string, what: string): Promise<void> {
  const before = sim.stats();
  const result = await cli(args);
  expect(result.stderr).not.toMatch(/call stack|RangeError/);
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(new RegExp(`^flow-tripletex: ${file.replace(/\./g, '\\.')}: the ${what} nests objects and arrays too deeply: at most 64 levels are allowed, and line 1, column \\d+ opens level 65\\n$`));
  const after = sim.stats();
  expect(after.requests).toBe(before.requests);
  expect(after.sessionsCreated).toBe(before.sessionsCreated);
}

beforeAll(async () => {
  sim = await startSimulator({ size: 50, seed: 31 });
  sim.registerConsumer('production', CANARY.consumer);
  sim.registerEmployee('production', { token: CANARY.employee, consumerToken: CANARY.consumer, kind: 'employee' });
  dir = tempDir('flow-tripletex-deep-');
  goodWorkspace = writeJson(dir, 'good.workspace.json', `{"objects": [${connection('Main')}]}`);
});

afterAll(async () => {
  await sim?.close();
});

describe.each([3_000, 20_000])('files nested %i levels deep', (levels) => {
  test('a request body is refused before the connection is made', async () => {
    writeFileSync(join(dir, `body-${levels}.json`), deepText(levels));
    await expectRefused(['request', 'POST', '/customer', '--body', `body-${levels}.json`], `body-${levels}.json`, 'body file');
    await expectRefused(['request', 'PUT', '/customer/1', '--workspace', goodWorkspace, '--connection', 'Main', '--body', `body-${levels}.json`], `body-${levels}.json`, 'body file');
  });

  test('a workspace file is refused, for request and for test-connection', async () => {
    writeFileSync(join(dir, `ws-${levels}.json`), `{"objects": [${connection('Deep', `, "deep": ${deepText(levels)}`)}]}`);
    await expectRefused(['request', 'GET', '/customer', '--workspace', `ws-${levels}.json`, '--connection', 'Deep'], `ws-${levels}.json`, 'workspace file');
    await expectRefused(['test-connection', '--workspace', `ws-${levels}.json`, '--connection', 'Deep'], `ws-${levels}.json`, 'workspace file');
  });

  test('a flow file is refused before its first step', async () => {
    const step = `{"id": "create", "action": "rest-api-request-with-paging", "inputs": {"connection": {"$workspace": "Main"}, "method": "POST", "path": "/customer", "body": ${deepText(levels)}}}`;
    writeFileSync(join(dir, `flow-${levels}.json`), `{"flowFormat": 1, "name": "Deep body", "steps": [{"log": "starting"}, ${step}]}`);
    await expectRefused(['run', `flow-${levels}.json`, '--workspace', goodWorkspace], `flow-${levels}.json`, 'flow file');
  });
});

test('the same commands with a shallow body do reach the simulator', async () => {
  writeJson(dir, 'body.json', { name: 'Shallow body AS' });
  const before = sim.stats();
  const result = await cli(['request', 'POST', '/customer', '--body', 'body.json']);
  expect(result.code).toBe(0);
  expect(sim.stats().sessionsCreated).toBeGreaterThan(before.sessionsCreated);
  expect(sim.stats().customersCreated).toBe(before.customersCreated + 1);
});
