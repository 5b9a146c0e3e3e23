import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { MAX_SERVER_MESSAGE } from '../../../contract/server-text.js';
import { startHostileServer, type HostileServer } from '../../support/hostile-server.js';
import { cleanEnv, runCli } from './cli-process.js';

// A server's 40 MB error message: the CLI prints a readable head of it and says how much it
// left out, on stderr and in --json, instead of writing all of it.

jest.setTimeout(120_000);

const MESSAGE_CHARACTERS = 40 * 1024 * 1024;

describe('a 40 MB error message', () => {
  let server: HostileServer;

  beforeAll(async () => {
    server = await startHostileServer('CANARY-huge-session-31b7c0e5a9');
    const body = JSON.stringify({ status: 422, code: 15000, message: 'Feil: ' + 'e'.repeat(MESSAGE_CHARACTERS - 6) });
    server.handle((_req, res) => {
      res.writeHead(422, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  afterAll(async () => {
    await server.close();
  });

  test.each([[[] as string[]], [['--json']]])('is cut to a readable length, saying how much was left out (%j)', async (flags) => {
    const result = await runCli(['request', 'GET', '/customer', ...flags], {
      env: cleanEnv({ TRIPLETEX_PRODUCTION_URL: server.url, TRIPLETEX_CONSUMER_TOKEN: 'CANARY-huge-consumer-11', TRIPLETEX_EMPLOYEE_TOKEN: 'CANARY-huge-employee-22' }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Feil: eee');
    expect(result.stderr).toContain(`… [${(MESSAGE_CHARACTERS - MAX_SERVER_MESSAGE).toLocaleString('en-US')} more characters not shown]`);
    expect(result.all.length).toBeLessThan(10 * MAX_SERVER_MESSAGE);
  });
});
