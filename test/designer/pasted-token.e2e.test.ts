import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { filesUnder, startDesignerFixture, type DesignerFixture } from './support.js';

// A token pasted where the designer asks for an environment variable's name: the server
// refuses to save it into the workspace or a flow, and to test with it, naming the field and
// never repeating the value (tooling/host/env-names.ts decides).

jest.setTimeout(120_000);

const PASTED = 'eyJ0b2tlbklkIjo0MjQyLCJ0b2tlbiI6IkNBTkFSWS1wYXN0ZWQifQ';

let fx: DesignerFixture;

beforeAll(async () => {
  fx = await startDesignerFixture({ simulator: { size: 20 } });
});

afterAll(async () => {
  await fx?.stop();
});

describe('a token pasted as a variable name', () => {
  test('is refused by Save and Test connection of a connection, and written nowhere', async () => {
    const before = readFileSync(fx.workspaceFile, 'utf8');
    const properties = { name: 'Pasted', consumerToken: { $env: 'TRIPLETEX_CONSUMER_TOKEN' }, employeeToken: { $env: PASTED }, useTestEnvironment: false };
    for (const path of ['/api/objects', '/api/objects/test', '/api/objects/validate']) {
      const { status, body } = await fx.call('POST', path, { type: 'tripletex-connection', properties });
      // Validate answers 200 with the problems; Save and Test refuse with 400.
      const validating = path === '/api/objects/validate';
      expect(status).toBe(validating ? 200 : 400);
      const problems = validating ? body.problems : body.error.problems;
      expect(problems).toEqual([expect.objectContaining({ field: 'employeeToken', message: expect.stringContaining('looks like a token') })]);
      expect(JSON.stringify(body)).not.toContain(PASTED);
    }
    expect(readFileSync(fx.workspaceFile, 'utf8')).toBe(before);
    for (const file of [...filesUnder(fx.dir)]) expect(file.text).not.toContain(PASTED);
  });

  test('is refused in a flow, which is not written', async () => {
    const flow = { flowFormat: 1, name: 'Pasted', steps: [{ id: 'c', action: 'create-tripletex-connection', inputs: { consumerToken: { $env: 'TRIPLETEX_CONSUMER_TOKEN' }, employeeToken: { $env: PASTED } } }] };
    const saved = await fx.call('PUT', '/api/flows/pasted.flow.json', flow);
    expect(saved.status).toBe(400);
    expect(saved.body.error.problems).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'steps[0].inputs.employeeToken.$env' })]));
    expect(JSON.stringify(saved.body)).not.toContain(PASTED);
    expect(existsSync(join(fx.flowsDir, 'pasted.flow.json'))).toBe(false);
    const run = await fx.call('POST', '/api/runs', { flowId: 'pasted.flow.json', document: flow });
    expect(run.status).toBe(400);
    expect(JSON.stringify(run.body)).not.toContain(PASTED);
  });
});
