import { beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envNameProblem, isEnvName, looksLikeToken } from '../../tooling/host/env-names.js';
import { parseFlow } from '../../tooling/host/flow-file.js';
import { loadPack, type Pack } from '../../tooling/host/pack-loader.js';
import { DEFAULT_MANIFEST } from '../../tooling/host/paths.js';
import { Redactor } from '../../tooling/host/redact.js';
import { loadWorkspace } from '../../tooling/host/workspace-file.js';
import { cleanEnv, runCli } from './e2e/cli-process.js';
import { tempDir, thrown, writeJson } from './helpers.js';

// A token pasted where the name of an environment variable belongs ({"$env": "eyJ0b2tlbklk…"})
// is refused wherever a name is read — flow and workspace files, the CLI's flags, a flow the
// CLI runs — and it is never printed, not even as a missing variable.

// Shaped like a Tripletex token: base64 of JSON, and also a valid identifier.
const PASTED = 'eyJ0b2tlbklkIjoxMjM0NTY3LCJ0b2tlbiI6IkNBTkFSWSJ9';

let pack: Pack;
beforeAll(async () => {
  pack = await loadPack(DEFAULT_MANIFEST);
});

describe('isEnvName', () => {
  test.each(['TRIPLETEX_CONSUMER_TOKEN', 'MY_TOKEN', '_X', 'clientId', 'TOKEN_2024_PRODUCTION_ACCOUNT_A'])('%s is a name', (name) => {
    expect(isEnvName(name)).toBe(true);
    expect(envNameProblem(name)).toBeUndefined();
  });

  test.each([PASTED, 'eyJhbGciOiJIUzI1NiJ9', '3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e', 'aB3dE5gH7jK9mN1pQ3sT5vX7'])('%s looks like a token', (value) => {
    expect(looksLikeToken(value)).toBe(true);
    expect(isEnvName(value)).toBe(false);
    expect(envNameProblem(value)).toContain('looks like a token');
    expect(envNameProblem(value)).not.toContain(value);
  });

  test('a value that is not a name at all is not one either, and is not repeated', () => {
    expect(isEnvName('abc+def/ghi=')).toBe(false);
    expect(envNameProblem('abc+def/ghi=')).not.toContain('abc');
    expect(isEnvName('1ST')).toBe(false);
  });
});

describe('the host refuses a pasted token as a variable name', () => {
  test('in a workspace file: the field is named, the value registered and never shown', async () => {
    const file = writeJson(tempDir(), 'workspace.json', {
      objects: [{ type: 'tripletex-connection', properties: { name: 'Pasted', consumerToken: { $env: 'CONSUMER' }, employeeToken: { $env: PASTED } } }],
    });
    const redactor = new Redactor();
    const error = await thrown(() => loadWorkspace(file, pack, redactor));
    expect(error.message).toContain('object "Pasted" (objects[0]), field employeeToken.$env: holds what looks like a token');
    expect(error.message).not.toContain(PASTED);
    expect(redactor.redact(`x ${PASTED}`)).toBe('x [redacted]');
  });

  test('in a flow file', () => {
    const redactor = new Redactor();
    const flow = { flowFormat: 1, name: 'Pasted', steps: [{ id: 'c', action: 'create-tripletex-connection', inputs: { consumerToken: { $env: 'CONSUMER' }, employeeToken: { $env: PASTED } } }] };
    let message = '';
    try {
      parseFlow(flow, 'pasted.flow.json', pack, { redactor });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('steps[0].inputs.employeeToken.$env: holds what looks like a token');
    expect(message).not.toContain(PASTED);
    expect(redactor.redact(PASTED)).toBe('[redacted]');
  });

  test('by `flow-tripletex run`, which neither runs the flow nor prints the token as a missing variable', async () => {
    const dir = tempDir();
    const flow = writeJson(dir, 'pasted.flow.json', {
      flowFormat: 1,
      name: 'Pasted',
      steps: [
        { id: 'c', action: 'create-tripletex-connection', inputs: { consumerToken: { $env: 'CONSUMER' }, employeeToken: { $env: PASTED } } },
        { appendTo: 'ran.jsonl', value: 'it ran' },
      ],
    });
    const result = await runCli(['run', flow, '--out-dir', dir, '--json'], { env: cleanEnv({ TRIPLETEX_PRODUCTION_URL: 'http://127.0.0.1:9/v2' }) });
    expect(result.code).toBe(2);
    expect(result.all).toContain('employeeToken.$env');
    expect(result.all).not.toContain(PASTED);
    expect(result.all).not.toContain(PASTED.slice(0, 16));
    expect(() => readFileSync(join(dir, 'ran.jsonl'))).toThrow();
  });

  test('by the CLI flags that take a name', async () => {
    const result = await runCli(['request', 'GET', '/customer', '--employee-token-env', PASTED], { env: cleanEnv({ TRIPLETEX_PRODUCTION_URL: 'http://127.0.0.1:9/v2' }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--employee-token-env takes the NAME of an environment variable');
    expect(result.all).not.toContain(PASTED);
  });
});
