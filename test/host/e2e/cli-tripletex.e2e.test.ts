import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../../../tooling/simulator/index.js';
import { tempDir, writeJson } from '../helpers.js';
import { cleanEnv, ndjson, runCli, type CliResult } from './cli-process.js';

// The CLI as a child process against the Tripletex simulator over 127.0.0.1, with the real pack.
// Every token is a canary registered with the simulator; no command may print one, on success
// or on failure, in stdout, stderr or an --out file.

const hex = () => randomBytes(6).toString('hex');
const CANARY = {
  consumer: `CANARY-consumer-${hex()}`,
  employee: `CANARY-employee-${hex()}`,
  clerk: `CANARY-clerk-${hex()}`,
  accountant: `CANARY-accountant-${hex()}`,
  unknown: `CANARY-unregistered-${hex()}`,
  literal: `CANARY-literal-${hex()}`,
  testConsumer: `test-CANARY-consumer-${hex()}`,
  testEmployee: `test-CANARY-employee-${hex()}`,
};
const canaries = Object.values(CANARY);

let sim: RunningSimulator;
let dir: string;
let workspace: string;
const printed: string[] = [];
const outFiles: string[] = [];

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cleanEnv({
    ...sim.env,
    CANARY_CONSUMER: CANARY.consumer,
    CANARY_EMPLOYEE: CANARY.employee,
    CANARY_CLERK: CANARY.clerk,
    CANARY_ACCOUNTANT: CANARY.accountant,
    CANARY_UNKNOWN: CANARY.unknown,
    CANARY_TEST_CONSUMER: CANARY.testConsumer,
    CANARY_TEST_EMPLOYEE: CANARY.testEmployee,
    ...extra,
  });
}

function expectNoCanary(text: string): void {
  for (const canary of canaries) {
    expect(text).not.toContain(canary);
    expect(text).not.toContain(canary.slice(-12));
  }
}

async function cli(args: string[], extraEnv: Record<string, string> = {}, closeStdoutAfterFirstChunk = false): Promise<CliResult> {
  const result = await runCli(args, { env: env(extraEnv), cwd: dir, closeStdoutAfterFirstChunk });
  printed.push(result.all);
  expectNoCanary(result.all);
  return result;
}

function readOut(name: string): string {
  const path = join(dir, name);
  outFiles.push(path);
  const text = readFileSync(path, 'utf8');
  expectNoCanary(text);
  return text;
}

beforeAll(async () => {
  sim = await startSimulator({ size: 2500, seed: 11, dataYear: 2025 });
  sim.registerConsumer('production', CANARY.consumer);
  sim.registerEmployee('production', { token: CANARY.employee, consumerToken: CANARY.consumer, kind: 'employee' });
  sim.registerEmployee('production', { token: CANARY.clerk, consumerToken: CANARY.consumer, kind: 'restricted' });
  sim.registerEmployee('production', { token: CANARY.accountant, consumerToken: CANARY.consumer, kind: 'accountant' });
  sim.registerConsumer('test', CANARY.testConsumer);
  sim.registerEmployee('test', { token: CANARY.testEmployee, consumerToken: CANARY.testConsumer, kind: 'employee' });
  dir = tempDir('flow-tripletex-e2e-');
  const object = (name: string, properties: Record<string, unknown>) => ({ type: 'tripletex-connection', name, properties: { name, ...properties } });
  workspace = writeJson(dir, 'workspace.json', {
    objects: [
      object('Canary company', { consumerToken: { $env: 'CANARY_CONSUMER' }, employeeToken: { $env: 'CANARY_EMPLOYEE' } }),
      object('Canary clerk', { consumerToken: { $env: 'CANARY_CONSUMER' }, employeeToken: { $env: 'CANARY_CLERK' } }),
      object('Canary office', { consumerToken: { $env: 'CANARY_CONSUMER' }, employeeToken: { $env: 'CANARY_ACCOUNTANT' } }),
      object('Canary test environment', { consumerToken: { $env: 'CANARY_TEST_CONSUMER' }, employeeToken: { $env: 'CANARY_TEST_EMPLOYEE' }, useTestEnvironment: true }),
      object('Unknown employee', { consumerToken: { $env: 'CANARY_CONSUMER' }, employeeToken: { $env: 'CANARY_UNKNOWN' } }),
      object('Wrong environment', { consumerToken: { $env: 'CANARY_CONSUMER' }, employeeToken: { $env: 'CANARY_EMPLOYEE' }, useTestEnvironment: true }),
      object('Needs a variable', { consumerToken: { $env: 'CANARY_CONSUMER' }, employeeToken: { $env: 'CANARY_NOT_SET' } }),
      object('Literal token', { consumerToken: CANARY.literal, employeeToken: { $env: 'CANARY_EMPLOYEE' } }),
    ],
  });
});

afterAll(async () => {
  await sim?.close();
});

describe('test-connection', () => {
  test('a good connection passes: exit 0 and the test message', async () => {
    const result = await cli(['test-connection', '--workspace', workspace, '--connection', 'Canary company']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^PASS Canary company: .+/);
  });

  test('the test environment switch reaches the test instance', async () => {
    const result = await cli(['test-connection', '--workspace', workspace, '--connection', 'Canary test environment', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true });
  });

  test('bad tokens and the wrong environment fail: exit 1 with the reason', async () => {
    const unknown = await cli(['test-connection', '--workspace', workspace, '--connection', 'Unknown employee', '--json']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ ok: false, message: expect.any(String) });
    const wrong = await cli(['test-connection', '--workspace', workspace, '--connection', 'Wrong environment']);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/^FAIL Wrong environment: /);
  });

  test('a token written into the workspace file earns a warning that does not show it', async () => {
    const result = await cli(['test-connection', '--workspace', workspace, '--connection', 'Literal token']);
    expect(result.stderr).toContain('object "Literal token" (objects[7]) has consumerToken written into the file');
  });

  test('refusals exit 2: unknown name, missing variable, missing flag, unknown flag', async () => {
    const unknown = await cli(['test-connection', '--workspace', workspace, '--connection', 'Nobody']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('has no workspace object named "Nobody"; it has "Canary company"');
    const missing = await cli(['test-connection', '--workspace', workspace, '--connection', 'Needs a variable']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('CANARY_NOT_SET (for object "Needs a variable" (objects[6]), property employeeToken in workspace.json)');
    const noFlag = await cli(['test-connection', '--connection', 'Canary company']);
    expect(noFlag.code).toBe(2);
    expect(noFlag.stderr).toContain("required option '--workspace <file>' not specified");
    const badFlag = await cli(['test-connection', '--workspace', workspace, '--connection', 'Canary company', '--colour']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("unknown option '--colour'");
  });

  test('bad workspace files exit 2: malformed (where), invalid (object and field), unreadable', async () => {
    const malformed = writeJson(dir, 'malformed.json', `{\n  "objects": [\n    { "type": "tripletex-connection", "name": "X", "properties": { "consumerToken": "${CANARY.literal}" "employeeToken": "x" } }\n  ]\n}`);
    const a = await cli(['test-connection', '--workspace', malformed, '--connection', 'X']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/malformed\.json: the workspace file is not valid JSON: line 3, column \d+: expected "," or "}" after a property value/);
    const invalid = writeJson(dir, 'invalid.json', {
      objects: [{ type: 'tripletex-connection', name: 'Broken', properties: { name: 'Broken', consumerToken: CANARY.literal, employeeToken: 'has spaces in it', defaultCompanyId: -1, colour: 'red' } }],
    });
    const b = await cli(['test-connection', '--workspace', invalid, '--connection', 'Broken']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('object "Broken" (objects[0]), field employeeToken: must not contain spaces or line breaks');
    expect(b.stderr).toContain('object "Broken" (objects[0]), field defaultCompanyId: must be >= 0');
    expect(b.stderr).toContain('object "Broken" (objects[0]), field colour: is not a known property');
    expect(b.stderr).not.toContain('has spaces in it');
    const c = await cli(['test-connection', '--workspace', join(dir, 'nowhere.json'), '--connection', 'X']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('nowhere.json: the workspace file does not exist');
  });
});

describe('request', () => {
  test('pages every customer of a workspace connection into an --out file, each once', async () => {
    const result = await cli(['request', 'GET', '/customer', '--workspace', workspace, '--connection', 'Canary company', '--fields', 'id,name', '--items-per-page', '400', '--out', 'customers.ndjson']);
    expect(result.code).toBe(0);
    const rows = ndjson(readOut('customers.ndjson'));
    expect(rows).toHaveLength(2500);
    expect(new Set(rows.map((r) => r.id)).size).toBe(2500);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Done: 2,500 rows in 7 pages/);
    // stderr is not a terminal here: no progress bar drawing.
    expect(result.stderr).not.toContain('\u001b[');
  });

  test('per-run credentials come from environment variables through Create Tripletex Connection; rows go to stdout', async () => {
    const result = await cli(['request', 'get', '/customer', '--items-per-page', '100', '--max-pages', '2', '--json'], { TRIPLETEX_CONSUMER_TOKEN: CANARY.consumer, TRIPLETEX_EMPLOYEE_TOKEN: CANARY.employee });
    expect(result.code).toBe(0);
    expect(ndjson(result.stdout)).toHaveLength(200);
    const summary = JSON.parse(result.stderr.trim().split('\n').pop()!) as { ok: boolean; summary: Record<string, unknown> };
    expect(summary).toMatchObject({ ok: true, summary: { pages: 2, items: 200, stoppedEarly: true, stopReason: 'max-page-count', nextIndex: 200 } });
  });

  test('a reader that goes away (| head) ends the command quietly', async () => {
    const result = await cli(['request', 'GET', '/customer', '--workspace', workspace, '--connection', 'Canary company', '--items-per-page', '100', '--log-level', 'error'], {}, true);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.length).toBeGreaterThan(0);
  });

  test('named variables and the test environment', async () => {
    const result = await cli(['request', 'GET', '/customer', '--consumer-token-env', 'CANARY_TEST_CONSUMER', '--employee-token-env', 'CANARY_TEST_EMPLOYEE', '--test-environment', '--max-pages', '1', '--items-per-page', '5']);
    expect(result.code).toBe(0);
    expect(ndjson(result.stdout)).toHaveLength(5);
  });

  test('invoices for a date range, with --query and an inclusive end date', async () => {
    const result = await cli([
      'request', 'GET', '/invoice', '--workspace', workspace, '--connection', 'Canary company',
      '--query', 'invoiceDateFrom=2025-01-01', '--query', 'invoiceDateTo=2025-01-31', '--inclusive-end-dates', '--fields', 'id,invoiceDate', '--out', 'invoices.ndjson',
    ]);
    expect(result.code).toBe(0);
    const rows = ndjson(readOut('invoices.ndjson'));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(String(row.invoiceDate) >= '2025-01-01' && String(row.invoiceDate) <= '2025-01-31').toBe(true);
  });

  test("an accountant reaches a client company with --company-id", async () => {
    const clients = await cli(['request', 'GET', '/company/>withLoginAccess', '--workspace', workspace, '--connection', 'Canary office']);
    expect(clients.code).toBe(0);
    const ids = ndjson(clients.stdout).map((c) => c.id);
    expect(ids.sort()).toEqual([...sim.companies.production.clientCompanyIds].sort());
    const customers = await cli(['request', 'GET', '/customer', '--workspace', workspace, '--connection', 'Canary office', '--company-id', String(ids[0]), '--max-pages', '1', '--items-per-page', '10']);
    expect(customers.code).toBe(0);
    expect(ndjson(customers.stdout)).toHaveLength(10);
  });

  test('POST with --body sends the file once and writes the answer as one line', async () => {
    const body = writeJson(dir, 'customer.json', { name: 'Fjordline Testkunde AS', email: 'post@fjordline.example' });
    const result = await cli(['request', 'POST', '/customer', '--workspace', workspace, '--connection', 'Canary company', '--body', body]);
    expect(result.code).toBe(0);
    const rows = ndjson(result.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'Fjordline Testkunde AS' });
    expect(sim.stats().customersCreated).toBe(1);
  });

  test('an employee lacking the entitlement: exit 1 with Tripletex\'s 403', async () => {
    const result = await cli(['request', 'GET', '/ledger/voucher', '--workspace', workspace, '--connection', 'Canary clerk', '--query', 'dateFrom=2025-01-01', '--query', 'dateTo=2025-02-01', '--json']);
    expect(result.code).toBe(1);
    const last = JSON.parse(result.stderr.trim().split('\n').pop()!) as { ok: boolean; error: Record<string, unknown> };
    expect(last).toMatchObject({ ok: false, error: { status: 403 } });
  });

  test('bad tokens in per-run credentials: exit 1, the tokens never shown', async () => {
    const result = await cli(['request', 'GET', '/customer'], { TRIPLETEX_CONSUMER_TOKEN: CANARY.consumer, TRIPLETEX_EMPLOYEE_TOKEN: CANARY.unknown });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/flow-tripletex: the request failed: /);
  });

  test('refusals exit 2, naming the flag', async () => {
    const badValue = await cli(['request', 'GET', '/customer', '--workspace', workspace, '--connection', 'Canary company', '--items-per-page', 'many']);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toContain("option '--items-per-page <n>' argument 'many' is invalid");
    const tooMany = await cli(['request', 'GET', '/customer', '--workspace', workspace, '--connection', 'Canary company', '--items-per-page', '99999']);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain('--items-per-page: must be <= 5000');
    const badPath = await cli(['request', 'GET', 'customer', '--workspace', workspace, '--connection', 'Canary company']);
    expect(badPath.code).toBe(2);
    expect(badPath.stderr).toContain('<path>:');
    const badMethod = await cli(['request', 'FETCH', '/customer']);
    expect(badMethod.code).toBe(2);
    expect(badMethod.stderr).toContain("value 'FETCH' is invalid for argument 'method'. Expected GET, POST, PUT, DELETE.");
    const badQuery = await cli(['request', 'GET', '/customer', '--workspace', workspace, '--connection', 'Canary company', '--query', 'from=5']);
    expect(badQuery.code).toBe(2);
    expect(badQuery.stderr).toMatch(/--query \(query\.from\)|query\.from/);
    const mixed = await cli(['request', 'GET', '/customer', '--workspace', workspace, '--connection', 'Canary company', '--test-environment']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('not both');
    const noConnection = await cli(['request', 'GET', '/customer', '--workspace', workspace]);
    expect(noConnection.code).toBe(2);
    expect(noConnection.stderr).toContain('--workspace needs --connection <name>');
    const unknownName = await cli(['request', 'GET', '/customer', '--workspace', workspace, '--connection', 'Nobody']);
    expect(unknownName.code).toBe(2);
    expect(unknownName.stderr).toContain('has no workspace object named "Nobody"');
    const badBody = writeJson(dir, 'bad-body.json', '{"name": }');
    const body = await cli(['request', 'POST', '/customer', '--workspace', workspace, '--connection', 'Canary company', '--body', badBody]);
    expect(body.code).toBe(2);
    expect(body.stderr).toContain('bad-body.json: the body file is not valid JSON: line 1, column 10');
  }, 120_000); // eleven CLI processes in turn: on two loaded cores that is more than the default 30 s

  test('missing variables for per-run credentials are named, with the flag that names them', async () => {
    const result = await cli(['request', 'GET', '/customer', '--employee-token-env', 'MY_EMPLOYEE_TOKEN'], { TRIPLETEX_CONSUMER_TOKEN: CANARY.consumer });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('environment variable MY_EMPLOYEE_TOKEN is not set (--employee-token-env: it should hold the employee token)');
  });

  test('a token typed where a variable name belongs is refused without being echoed', async () => {
    const asName = await cli(['request', 'GET', '/customer', '--consumer-token-env', `${CANARY.consumer}+/=`]);
    expect(asName.code).toBe(2);
    expect(asName.stderr).toContain('--consumer-token-env takes the NAME of an environment variable');
    const asFlag = await cli(['request', 'GET', '/customer', `--consumer-token=${CANARY.consumer}`]);
    expect(asFlag.code).toBe(2);
    expect(asFlag.stderr).toContain("unknown option '--consumer-token=…'");
  });
});

describe('run', () => {
  test('a flow: per-run connection, customers to a file, nested steps per client, handled 403', async () => {
    const flow = writeJson(dir, 'everything.flow.json', {
      flowFormat: 1,
      name: 'Everything',
      steps: [
        { id: 'connect', action: 'create-tripletex-connection', inputs: { consumerToken: { $env: 'CANARY_CONSUMER' }, employeeToken: { $env: 'CANARY_EMPLOYEE' } } },
        { id: 'customers', action: 'rest-api-request-with-paging', inputs: { connection: { $from: 'connect.connection' }, path: '/customer', itemsPerPage: 1000 }, forEachPage: { writeRowsTo: 'out/flow-customers.ndjson' } },
        {
          id: 'clients',
          action: 'rest-api-request-with-paging',
          inputs: { connection: { $workspace: 'Canary office' }, path: '/company/>withLoginAccess', itemsPerPage: 1 },
          forEachPage: {
            steps: [{ id: 'clientCustomers', action: 'rest-api-request-with-paging', inputs: { connection: { $workspace: 'Canary office' }, companyId: { $from: 'page.values.0.id' }, path: '/customer', itemsPerPage: 5, maxPageCount: 1 }, forEachPage: { writeRowsTo: 'out/flow-client-customers.ndjson' } }],
          },
        },
        {
          id: 'ledger',
          action: 'rest-api-request-with-paging',
          inputs: { connection: { $workspace: 'Canary clerk' }, path: '/ledger/voucher', query: { dateFrom: '2025-01-01', dateTo: '2025-02-01' } },
          onError: [{ appendTo: 'out/flow-errors.ndjson', value: { $from: 'error' } }],
        },
        { log: 'not reached: the ledger step took On Error' },
      ],
    });
    const result = await cli(['run', flow, '--workspace', workspace, '--json']);
    expect(result.code).toBe(0);
    const run = JSON.parse(result.stdout) as { status: string; steps: { id: string; port: string; rows: number; runs: number; error?: Record<string, unknown> }[] };
    expect(run.status).toBe('completed');
    const byId = Object.fromEntries(run.steps.map((s) => [s.id, s]));
    expect(byId.connect!.port).toBe('continue');
    // The demo company's customers, plus any an earlier test created with POST.
    const customers = 2500 + sim.stats().customersCreated;
    expect(byId.customers).toMatchObject({ port: 'continue', rows: customers });
    expect(byId.clients).toMatchObject({ port: 'continue', rows: 3 });
    expect(byId.clientCustomers).toMatchObject({ runs: 3, rows: 15 });
    expect(byId.ledger).toMatchObject({ port: 'onError', error: { status: 403 } });
    expect(ndjson(readOut('out/flow-customers.ndjson'))).toHaveLength(customers);
    expect(ndjson(readOut('out/flow-client-customers.ndjson'))).toHaveLength(15);
    expect(ndjson(readOut('out/flow-errors.ndjson'))[0]).toMatchObject({ status: 403 });
    expect(result.stderr).not.toContain('not reached');
  });

  test('an unhandled failure: exit 1', async () => {
    const flow = writeJson(dir, 'unhandled.flow.json', {
      flowFormat: 1,
      name: 'Unhandled',
      steps: [{ id: 'ledger', action: 'rest-api-request-with-paging', inputs: { connection: { $workspace: 'Canary clerk' }, path: '/ledger/voucher', query: { dateFrom: '2025-01-01', dateTo: '2025-02-01' } } }],
    });
    const result = await cli(['run', flow, '--workspace', workspace]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('failed at step "ledger"');
  });

  test('refusals exit 2: invalid action input, missing variable', async () => {
    const invalid = writeJson(dir, 'invalid.flow.json', {
      flowFormat: 1,
      name: 'Invalid',
      steps: [{ id: 'bad', action: 'rest-api-request-with-paging', inputs: { connection: { $workspace: 'Canary company' }, path: '/customer', method: 'PATCH', itemsPerPage: 0 } }],
    });
    const a = await cli(['run', invalid, '--workspace', workspace]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('steps[0].inputs.method: must be one of "GET", "POST", "PUT", "DELETE"');
    expect(a.stderr).toContain('steps[0].inputs.itemsPerPage: must be >= 1');
    const needsEnv = writeJson(dir, 'env.flow.json', {
      flowFormat: 1,
      name: 'Env',
      steps: [{ id: 'connect', action: 'create-tripletex-connection', inputs: { consumerToken: { $env: 'CANARY_CONSUMER' }, employeeToken: { $env: 'NOT_EXPORTED' } } }],
    });
    const b = await cli(['run', needsEnv]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('NOT_EXPORTED (for steps[0].inputs.employeeToken in env.flow.json)');
  });
});

describe('secrets', () => {
  test('no canary token appears in anything the CLI printed or wrote', () => {
    expect(printed.length).toBeGreaterThan(25);
    expect(outFiles.length).toBeGreaterThan(3);
    for (const text of printed) expectNoCanary(text);
    for (const file of outFiles) expectNoCanary(readFileSync(file, 'utf8'));
  });
});
