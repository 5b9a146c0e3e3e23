import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { demoVariables } from '../../../tooling/host/demo-variables.js';
import { startSimulator, type RunningSimulator } from '../../../tooling/simulator/index.js';
import { REPO_ROOT, tempDir, writeJson } from '../helpers.js';
import { CLI, cleanEnv, ndjson, runCli, type CliResult } from './cli-process.js';

// A new user's first hour, as the docs lead them: the simulator's variables exported, the
// example workspace as it is, and the mistakes people make. Each message must be in the words
// of the command line (its flags), say what to change, and come before anything is sent when
// it can.

const WORKSPACE = join(REPO_ROOT, 'examples', 'demo.workspace.json');
let sim: RunningSimulator;
let dir: string;

const env = (extra: Record<string, string> = {}) => cleanEnv({ ...demoVariables(sim), ...extra });
const cli = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> => runCli(args, { env: env(extra), cwd: dir });
const workspaceArgs = (connection: string) => ['--workspace', WORKSPACE, '--connection', connection];

beforeAll(async () => {
  sim = await startSimulator({ size: 300, seed: 1, dataYear: 2025 });
  dir = tempDir('flow-tripletex-first-hour-');
});

afterAll(async () => {
  await sim?.close();
});

describe('mistakes Tripletex would answer in Norwegian are caught before sending', () => {
  test('a near miss of a known path is refused with the path meant and the flag that sends it anyway', async () => {
    const before = sim.stats().requests;
    const result = await cli(['request', 'GET', '/customers']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("<path>: is not an endpoint in Tripletex's API (version 2.72.00); did you mean /customer? To send it as written, add --skip-endpoint-checks");
    expect(sim.stats().requests).toBe(before);
    const anyway = await cli(['request', 'GET', '/customers', '--skip-endpoint-checks']);
    expect(anyway.code).toBe(1);
    expect(anyway.stderr).toContain('looks like /customer; it was sent as written, as asked');
    expect(anyway.stderr).toContain('Tripletex answered 404');
  });

  test('a query without the required parameters is refused with their names and an example in flags', async () => {
    const before = sim.stats().requests;
    const result = await cli(['request', 'GET', '/invoice', ...workspaceArgs('Demo company')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--query: GET \/invoice requires invoiceDateFrom and invoiceDateTo, and Tripletex refuses it without them: add --query invoiceDateFrom=\d{4}-\d{2}-01 --query invoiceDateTo=\d{4}-\d{2}-01\. \(If Tripletex no longer requires them, add --skip-endpoint-checks\.\)/);
    expect(sim.stats().requests).toBe(before);
  });

  test("Tripletex's Norwegian keeps its words, with English beside it and advice in flags", async () => {
    const result = await cli(['request', 'GET', '/invoice', ...workspaceArgs('Demo company'), '--query', 'invoiceDateFrom=2025-01-01', '--query', 'invoiceDateTo=2025-01-01']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invoiceDateTo: Til-dato (ikke inkludert) må være etter fra-dato. (in English: the To date, which is not included, must be after the From date)');
    expect(result.stderr).toContain('for a single day set the To date to the next day, or add --inclusive-end-dates');
    expect(result.stderr).not.toContain('End dates are inclusive');
  });
});

describe('messages in the words of the command line', () => {
  test("the accountant's hint names --company-id, and only an accountant's tokens get it", async () => {
    const accountant = await cli(['request', 'GET', '/customer', ...workspaceArgs('Accounting office')]);
    expect(accountant.code).toBe(1);
    expect(accountant.stderr).toContain("These are an accountant's tokens, which in your own company (0) may only list their client companies: give the client company's id as --company-id");
    expect(accountant.stderr).toContain('(production, your own company (0))');
    const clerk = await cli(['request', 'GET', '/ledger/voucher', ...workspaceArgs('Demo company (read-only clerk)'), '--query', 'dateFrom=2025-01-01', '--query', 'dateTo=2025-02-01']);
    expect(clerk.code).toBe(1);
    expect(clerk.stderr).toContain('lacks the entitlement for this endpoint');
    expect(clerk.stderr).not.toMatch(/accountant|Company Id/);
  });

  test('tokens of the other environment: per-run advice names --test-environment, a workspace names its property and file', async () => {
    const testTokens = { TRIPLETEX_CONSUMER_TOKEN: sim.tokens.test.consumerToken, TRIPLETEX_EMPLOYEE_TOKEN: sim.tokens.test.employeeTokens.employee };
    const perRun = await cli(['request', 'GET', '/customer', '--max-pages', '1'], testTokens);
    expect(perRun.code).toBe(1);
    expect(perRun.stderr).toContain('If they are test-environment tokens, add --test-environment');
    const file = writeJson(dir, 'wrong-env.workspace.json', { objects: [{ type: 'tripletex-connection', properties: { name: 'Mixed up', consumerToken: { $env: 'TRIPLETEX_TEST_CONSUMER_TOKEN' }, employeeToken: { $env: 'TRIPLETEX_TEST_EMPLOYEE_TOKEN' } } }] });
    const tested = await cli(['test-connection', '--workspace', file, '--connection', 'Mixed up']);
    expect(tested.code).toBe(1);
    expect(tested.stdout).toContain('To use them there, set "useTestEnvironment": true in wrong-env.workspace.json.');
  });

  test('a token given where a variable name belongs names the right variable for each flag and is never echoed', async () => {
    const token = sim.tokens.production.consumerToken.replace(/[^A-Za-z0-9]/g, '');
    const consumer = await cli(['request', 'GET', '/customer', '--consumer-token-env', token]);
    expect(consumer.code).toBe(2);
    expect(consumer.stderr).toContain('read -rs TRIPLETEX_CONSUMER_TOKEN && export TRIPLETEX_CONSUMER_TOKEN');
    const employee = await cli(['request', 'GET', '/customer', '--employee-token-env', token]);
    expect(employee.stderr).toContain('read -rs TRIPLETEX_EMPLOYEE_TOKEN && export TRIPLETEX_EMPLOYEE_TOKEN');
    for (const result of [consumer, employee]) expect(result.all).not.toContain(token.slice(0, 16));
  });

  test('a value from $env that fails validation is named by its variable, and printed once', async () => {
    const flow = writeJson(dir, 'client.flow.json', {
      flowFormat: 1,
      name: 'One client',
      steps: [
        {
          id: 'clients',
          action: 'rest-api-request-with-paging',
          inputs: { connection: { $workspace: 'Accounting office' }, path: '/company/>withLoginAccess', itemsPerPage: 1, maxPageCount: 1 },
          forEachPage: { steps: [{ id: 'customers', action: 'rest-api-request-with-paging', inputs: { connection: { $workspace: 'Accounting office' }, companyId: { $env: 'CLIENT_ID' }, path: '/customer', maxPageCount: 1 } }] },
        },
      ],
    });
    const result = await cli(['run', flow, '--workspace', WORKSPACE], { CLIENT_ID: 'abc' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('inputs.companyId: CLIENT_ID="abc" is not an integer');
    expect(result.stderr.split('is not an integer').length - 1).toBe(1);
  });
});

describe('a command line like the tools people know', () => {
  test('one summary line per run, numbers formatted alike, and where to continue', async () => {
    const result = await cli(['request', 'GET', '/customer', '--max-pages', '1', '--items-per-page', '10']);
    expect(result.code).toBe(0);
    expect(ndjson(result.stdout)).toHaveLength(10);
    const summaries = result.stderr.split('\n').filter((line) => /\b10 rows\b/.test(line));
    // Two requests on the wire: the session's creation, then the one page.
    expect(summaries).toEqual([expect.stringMatching(/^Done: 10 rows in 1 page · 2 requests · 0 retries · 0 rate-limit waits · \d+(\.\d)? m?s — stopped at --max-pages; continue with: flow-tripletex request GET \/customer --max-pages 1 --items-per-page 10 --resume-from '\{"index":10\}'$/)]);
  });

  test.each(['test-connection', 'request', 'run', 'demo', 'simulator', 'designer'])('%s --help ends with examples', async (command) => {
    const result = await runCli([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\nExamples:\n  # .+\n  \$ flow-tripletex /);
  });

  test('after Ctrl-C, it says where to continue', async () => {
    // A slow Tripletex, so that the run is still going when Ctrl-C comes.
    const slow = await startSimulator({ size: 300, seed: 1, latencyMs: 100 });
    try {
      const child = spawn(process.execPath, [CLI, 'request', 'GET', '/customer', '--items-per-page', '1'], { env: cleanEnv({ ...demoVariables(slow) }), cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      // The first row is out: the run has begun.
      child.stdout.once('data', () => child.kill('SIGINT'));
      child.stdout.resume();
      expect(await exited).toBe(130);
      expect(stderr).toMatch(/Cancelled after [\d,]+ rows? in [\d,]+ pages?; continue with: flow-tripletex request GET \/customer --items-per-page 1 --resume-from '\{"index":\d+\}'\.\n/);
    } finally {
      await slow.close();
    }
  });
});
