import { createReadStream } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { startSimulator, type RunningSimulator } from '../../simulator/index.js';
import { displayPath, plural, seconds } from '../../host/display.js';
import type { FlowResult, StepRecord } from '../../host/flow-runner.js';
import { EXAMPLES_DIR, HOST_ROOT } from '../../host/paths.js';
import { addCommonOptions, withExamples, createRuntime, exitWhenIdle, reportError, wholeNumber, type CommonOptions } from './common.js';
import { describeResult, executeRun, prepareRun } from './run.js';
import { testConnectionCommand } from './test-connection.js';
import { demoVariables } from '../../host/demo-variables.js';

// The main job (`npm start`): a local Tripletex simulator, and the examples/ flows run against
// it the way a user would run them, each checked. It ends with a short summary and exits 0
// only when everything that should succeed did, and the On Error example took On Error.

interface DemoOptions extends CommonOptions {
  size: number;
}

const WORKSPACE = join(EXAMPLES_DIR, 'demo.workspace.json');
const FLOWS = join(EXAMPLES_DIR, 'flows');
/** The simulator's seeded invoices and vouchers cover 2024 and 2025, which the example flows use. */
const DATA_YEAR = 2025;
const MIN_CUSTOMERS = 25_000;
/**
 * The ledger's size, fixed whatever --size says: about 7,500 invoices a quarter, so the
 * quarter the invoice example reads stays below Tripletex's 10,000-row result-set limit.
 */
const POSTINGS_PER_YEAR = 60_000;

interface Check {
  title: string;
  ok: boolean;
  detail: string;
}

export function registerDemoCommand(program: Command): void {
  const command = program
    .command('demo')
    .description('The main job (npm start): start the Tripletex simulator on loopback and run the examples/ flows against it, checking each. Exit 0 when all checks pass.')
    .option('--size <n>', `customers in the simulated demo company (at least ${MIN_CUSTOMERS.toLocaleString('en-US')})`, wholeNumber(MIN_CUSTOMERS, 2_000_000), 30_000);
  withExamples(command, [
    ['the whole demo (the same as npm start)', 'flow-tripletex demo'],
    ['a smaller demo company, for a quicker run', `flow-tripletex demo --size ${MIN_CUSTOMERS}`],
  ]);
  addCommonOptions(command).action(async (options: DemoOptions) => {
    exitWhenIdle(await demoCommand(options));
  });
}

/** Lines of an NDJSON file, parsed. */
async function* readNdjson(path: string): AsyncGenerator<Record<string, unknown>> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim()) yield JSON.parse(line) as Record<string, unknown>;
}

function step(result: FlowResult, id: string): StepRecord | undefined {
  return result.steps.find((s) => s.id === id);
}

function fileOf(result: FlowResult, name: string): { path: string; lines: number } | undefined {
  return result.files.find((f) => f.path.endsWith(name));
}

export async function demoCommand(options: DemoOptions): Promise<number> {
  // The demo's story, its log lines and its progress bars all go to stdout, in order.
  const runtime = createRuntime(options, process.stdout);
  const say = (text = '') => runtime.terminal.write(text);
  const started = Date.now();
  const checks: Check[] = [];
  let simulator: RunningSimulator | undefined;
  const rel = (path: string) => relative(HOST_ROOT, path) || '.';
  try {
    // The simulator's default rate limit is Tripletex's own (100 requests per 10 s per token pair),
    // so the demo shows the pack pacing itself at the real limit.
    simulator = await startSimulator({ size: options.size, seed: 1, dataYear: DATA_YEAR, postingsPerYear: POSTINGS_PER_YEAR, latencyMs: { min: 5, max: 25 } });
    // Point the pack at the simulator, and put the demo tokens where the example workspace's
    // {"$env": …} references look for them. Only this process's environment changes.
    Object.assign(process.env, simulator.env);
    const { TRIPLETEX_PRODUCTION_URL: _production, TRIPLETEX_TEST_URL: _test, ...exported } = demoVariables(simulator);
    for (const [name, value] of Object.entries(exported)) {
      process.env[name] = value;
      runtime.redactor.add(value);
    }
    say(`flow-tripletex demo: the pack against a local Tripletex simulator`);
    say(`  production ${simulator.production.url}, test ${simulator.test.url} (${options.size.toLocaleString('en-US')} customers in the demo company; Tripletex's rate limit of 100 requests per 10 s per token pair)`);
    say(`  The pack finds it through TRIPLETEX_PRODUCTION_URL and TRIPLETEX_TEST_URL; the demo tokens are in ${Object.keys(exported).join(', ')} (values never shown).`);
    say(`  Workspace: ${rel(WORKSPACE)}. Rows are written under ${rel(join(HOST_ROOT, 'out'))}/.`);

    const workspaceArg = `--workspace ${rel(WORKSPACE)}`;
    const runFlowFile = async (file: string): Promise<FlowResult | undefined> => {
      const path = join(FLOWS, file);
      say(`$ flow-tripletex run ${rel(path)} ${workspaceArg}`);
      try {
        const prepared = await prepareRun(path, { workspace: WORKSPACE, ...(options.manifest ? { manifest: options.manifest } : {}) }, runtime);
        const result = await executeRun(prepared, runtime, { outDir: HOST_ROOT });
        say(describeResult(result, prepared.flow.label));
        return result;
      } catch (error) {
        reportError(error, { redactor: runtime.redactor, stream: process.stdout });
        return undefined;
      }
    };
    const section = (n: number, title: string) => {
      say();
      say(`${n}. ${title}`);
    };

    // 1. The Test connection button, for a production and a test-environment connection.
    section(1, 'Test static connections from the workspace file');
    for (const name of ['Demo company', 'Demo company (test environment)']) {
      say(`$ flow-tripletex test-connection ${workspaceArg} --connection "${name}"`);
      const code = await testConnectionCommand({ workspace: WORKSPACE, connection: name, logLevel: options.logLevel, progress: options.progress, ...(options.manifest ? { manifest: options.manifest } : {}) });
      checks.push({ title: `Test connection "${name}"`, ok: code === 0, detail: code === 0 ? 'passed' : `exit code ${code}` });
    }
    // Fails on purpose, as a new user's would: the message says what to change and lists the ids.
    say(`$ flow-tripletex test-connection ${workspaceArg} --connection "Accounting office"`);
    say("  (fails on purpose: an accountant's token with no defaultCompanyId can only list its client companies; the message lists their ids, which step 4 uses)");
    const accountantTest = await testConnectionCommand({ workspace: WORKSPACE, connection: 'Accounting office', logLevel: options.logLevel, progress: options.progress, ...(options.manifest ? { manifest: options.manifest } : {}) });
    checks.push({ title: 'Test connection "Accounting office" fails and says why', ok: accountantTest === 1, detail: accountantTest === 1 ? 'failed as expected: no client company chosen' : `exit code ${accountantTest}, expected 1` });

    // 2. Create Tripletex Connection from environment variables, then every customer.
    section(2, `Per-run connection from environment variables, then every customer into an NDJSON file`);
    const customers = await runFlowFile('export-customers.flow.json');
    if (customers) {
      const record = step(customers, 'customers');
      const file = fileOf(customers, 'customers.ndjson');
      const ids = new Set<unknown>();
      if (file) for await (const row of readNdjson(file.path)) ids.add(row.id);
      const connected = step(customers, 'connect')?.port === 'continue';
      const ok = customers.status === 'completed' && connected && (record?.rows ?? 0) >= MIN_CUSTOMERS && file?.lines === record?.rows && ids.size === record?.rows;
      checks.push({
        title: 'Per-run connection (Create Tripletex Connection)',
        ok: connected,
        detail: connected ? 'made from TRIPLETEX_CONSUMER_TOKEN and TRIPLETEX_EMPLOYEE_TOKEN' : 'failed',
      });
      checks.push({
        title: 'Page through every customer',
        ok,
        detail: file
          ? `${plural(record?.rows ?? 0, 'row')} in ${plural(record?.pages ?? 0, 'page')}, ${plural(ids.size, 'distinct id')} → ${displayPath(file.path)}`
          : String(customers.error?.message ?? 'no file written'),
      });
    } else checks.push({ title: 'Page through every customer', ok: false, detail: 'the flow could not run' });

    // 3. Invoices in a date range, with the inclusive end date.
    section(3, 'Invoices for a date range (1 January to 31 March 2025, end date inclusive)');
    const invoices = await runFlowFile('invoices-for-a-period.flow.json');
    if (invoices) {
      const file = fileOf(invoices, 'invoices-2025-q1.ndjson');
      let inRange = 0;
      let outside = 0;
      let lastDay = 0;
      if (file) {
        for await (const row of readNdjson(file.path)) {
          const date = String(row.invoiceDate);
          if (date >= '2025-01-01' && date <= '2025-03-31') inRange++;
          else outside++;
          if (date === '2025-03-31') lastDay++;
        }
      }
      checks.push({
        title: 'Invoices for a date range',
        ok: invoices.status === 'completed' && inRange > 0 && outside === 0,
        detail: `${plural(inRange, 'invoice')} dated 2025-01-01…2025-03-31 (${lastDay} on the last day, which an exclusive invoiceDateTo would have lost)${outside ? `, ${outside} outside the range` : ''}`,
      });
    } else checks.push({ title: 'Invoices for a date range', ok: false, detail: 'the flow could not run' });

    // 4. An accountant's token reaching its clients' companies.
    section(4, "An accountant's client companies, with nested steps per client");
    const accountant = await runFlowFile('accountant-clients.flow.json');
    if (accountant) {
      const clients = step(accountant, 'clients');
      const perClient = step(accountant, 'clientCustomers');
      const expected = simulator.companies.production.clientCompanyIds.length;
      checks.push({
        title: "Reach an accountant's client companies",
        ok: accountant.status === 'completed' && (clients?.rows ?? 0) === expected && perClient?.continued === expected && (perClient?.rows ?? 0) > 0,
        detail: `${plural(clients?.rows ?? 0, 'client company', 'client companies')} listed, ${plural(perClient?.rows ?? 0, 'customer')} read from them by company id`,
      });
    } else checks.push({ title: "Reach an accountant's client companies", ok: false, detail: 'the flow could not run' });

    // 5. An employee without the ledger entitlement: the On Error path.
    section(5, 'An employee lacking an entitlement: Tripletex refuses on purpose, and the flow takes On Error');
    const clerk = await runFlowFile('clerk-reads-ledger.flow.json');
    if (clerk) {
      const vouchers = step(clerk, 'vouchers');
      const status = vouchers?.error?.status;
      checks.push({
        title: 'Missing entitlement takes On Error',
        ok: clerk.status === 'completed' && vouchers?.port === 'onError' && status === 403,
        detail: vouchers?.port === 'onError' ? `Tripletex answered ${String(status)}; the onError steps logged it and wrote ${displayPath(fileOf(clerk, 'errors.ndjson')?.path ?? 'out/errors.ndjson')}` : `the step took ${vouchers?.port ?? 'no port'}`,
      });
    } else checks.push({ title: 'Missing entitlement takes On Error', ok: false, detail: 'the flow could not run' });

    const stats = simulator.stats();
    const failed = checks.filter((c) => !c.ok);
    say();
    say('Summary');
    for (const check of checks) say(runtime.redactor.redact(`  ${check.ok ? '✓' : '✗'} ${check.title}: ${check.detail}`));
    say(`  The simulator answered ${plural(stats.requests, 'request')} (${plural(stats.rateLimited, '429')}, ${plural(stats.sessionsCreated, 'session')} created).`);
    say(failed.length === 0 ? `All ${checks.length} checks passed in ${seconds(Date.now() - started)}.` : `${failed.length} of ${checks.length} checks failed.`);
    return failed.length === 0 ? 0 : 1;
  } catch (error) {
    return Math.max(1, reportError(error, { redactor: runtime.redactor }));
  } finally {
    await simulator?.close();
    runtime.dispose();
  }
}

