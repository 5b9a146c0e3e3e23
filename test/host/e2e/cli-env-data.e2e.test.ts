import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type RecordedRequest, type RunningSimulator } from '../../../tooling/simulator/index.js';
import { call, createSession } from '../../simulator/helpers.js';
import { tempDir, writeJson } from '../helpers.js';
import { cleanEnv, runCli, type CliResult } from './cli-process.js';

// A workspace connection whose company id and environment switch come from environment
// variables, like its tokens. Only the tokens are secrets: the rows the CLI exports must equal,
// byte for byte, the rows the simulator serves for the same requests, and the company id must
// show in the log — while no canary token appears in anything the CLI prints or writes.

const hex = () => randomBytes(6).toString('hex');
const CANARY = { consumer: `CANARY-consumer-${hex()}`, employee: `CANARY-employee-${hex()}` };
// The simulator mints session tokens as base64 of {"tokenId":…}; this is how each one begins.
const SESSION_TOKEN_PREFIX = Buffer.from('{"tokenId"').toString('base64').slice(0, 12);

let sim: RunningSimulator;
let dir: string;
let workspace: string;
let companyId: number;

function expectNoSecret(text: string): void {
  for (const canary of Object.values(CANARY)) {
    expect(text).not.toContain(canary);
    expect(text).not.toContain(canary.slice(-12));
  }
  expect(text).not.toContain(SESSION_TOKEN_PREFIX);
}

async function cli(args: string[]): Promise<CliResult> {
  const env = cleanEnv({ ...sim.env, CANARY_CONSUMER: CANARY.consumer, CANARY_EMPLOYEE: CANARY.employee, COMPANY_ID: String(companyId), USE_TEST: 'true' });
  const result = await runCli(args, { env, cwd: dir });
  expectNoSecret(result.all);
  return result;
}

function readOut(name: string): string {
  const text = readFileSync(join(dir, name), 'utf8');
  expectNoSecret(text);
  return text;
}

/** The /customer pages a CLI run asked for, fetched again straight from the simulator: each page's rows. */
async function samePagesDirectly(requests: RecordedRequest[]): Promise<unknown[][]> {
  const pages = requests.filter((r) => r.method === 'GET' && r.route === '/customer' && r.environment === 'test');
  expect(pages.length).toBeGreaterThan(1);
  const session = await createSession(sim, { environment: 'test' });
  const out: unknown[][] = [];
  for (const page of pages) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(page.query)) for (const item of Array.isArray(value) ? value : [value]) query.append(key, item);
    const answer = await call<{ values: unknown[] }>(sim, `/customer?${query.toString()}`, { environment: 'test', token: session, companyId });
    expect(answer.status).toBe(200);
    out.push(answer.body.values);
  }
  return out;
}

const ndjsonOf = (rows: unknown[]) => rows.map((row) => JSON.stringify(row) + '\n').join('');

beforeAll(async () => {
  sim = await startSimulator({ size: 250, seed: 29, dataYear: 2025 });
  sim.registerConsumer('test', CANARY.consumer);
  sim.registerEmployee('test', { token: CANARY.employee, consumerToken: CANARY.consumer, kind: 'employee' });
  companyId = sim.companies.test.demoCompanyId;
  dir = tempDir('flow-tripletex-env-data-');
  workspace = writeJson(dir, 'workspace.json', {
    objects: [
      {
        type: 'tripletex-connection',
        name: 'Env company',
        properties: {
          name: 'Env company',
          consumerToken: { $env: 'CANARY_CONSUMER' },
          employeeToken: { $env: 'CANARY_EMPLOYEE' },
          defaultCompanyId: { $env: 'COMPANY_ID' },
          useTestEnvironment: { $env: 'USE_TEST' },
        },
      },
    ],
  });
});

afterAll(async () => {
  await sim?.close();
});

describe('$env for properties that are not secret', () => {
  test('request: the exported rows are the simulator\'s rows byte for byte, and the log names the company', async () => {
    sim.resetRequests();
    const result = await cli(['request', 'GET', '/customer', '--workspace', workspace, '--connection', 'Env company', '--items-per-page', '100', '--out', 'customers.ndjson']);
    expect(result.code).toBe(0);
    // The request went to the test environment, as the company named by the variable.
    const sent = sim.requests.filter((r) => r.route === '/customer');
    expect(sent.every((r) => r.environment === 'test' && r.companyId === companyId)).toBe(true);
    expect(result.stderr).toContain(`GET /customer on "Env company" (test, company ${companyId})`);
    expect(result.stderr).not.toContain('[redacted]');

    const pages = await samePagesDirectly([...sim.requests]);
    const expected = ndjsonOf(pages.flat());
    // What a redactor that took "true" or the company id for a secret would have mangled.
    expect(expected).toContain('":true');
    expect(expected.split('\n')).toHaveLength(251);
    expect(readOut('customers.ndjson')).toBe(expected);
  });

  test('run: writeRowsTo and an append step of page values write the rows as served; logged values stay readable', async () => {
    const flow = writeJson(dir, 'export.flow.json', {
      flowFormat: 1,
      name: 'Export with settings from variables',
      steps: [
        {
          id: 'customers',
          action: 'rest-api-request-with-paging',
          inputs: { connection: { $workspace: 'Env company' }, path: '/customer', itemsPerPage: 100 },
          forEachPage: { writeRowsTo: 'flow-customers.ndjson', steps: [{ appendTo: 'pages.ndjson', value: { $from: 'page.values' } }] },
        },
        { log: 'Exported', data: { company: { $env: 'COMPANY_ID' }, testEnvironment: { $env: 'USE_TEST' }, rows: { $from: 'customers.items' } } },
      ],
    });
    sim.resetRequests();
    const result = await cli(['run', flow, '--workspace', workspace, '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`info  Exported {"company":"${companyId}","testEnvironment":"true","rows":250}`);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'completed', steps: [{ id: 'customers', rows: 250 }] });

    const pages = await samePagesDirectly([...sim.requests]);
    expect(readOut('flow-customers.ndjson')).toBe(ndjsonOf(pages.flat()));
    expect(readOut('pages.ndjson')).toBe(ndjsonOf(pages.filter((rows) => rows.length > 0)));
  });
});
