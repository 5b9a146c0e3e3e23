import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { demoVariables, exportLines } from '../../host/demo-variables.js';
import { displayPath } from '../../host/display.js';
import { untilStopSignal, withExamples } from './common.js';
import { DEFAULT_RATE_LIMIT, parseFaultSpec, parseLatency, parseRateLimit, startSimulator, type FaultRule, type RecordedRequest, type SimulatorOptions } from '../../simulator/index.js';
import { parseListSpec, SESSION_CREATE_POST_MODES } from '../../simulator/settings.js';
import type { ListBehaviour, SessionCreatePostMode } from '../../simulator/types.js';

// `flow-tripletex simulator`: runs the local Tripletex v2 simulator until SIGINT/SIGTERM.
// Bad flag values are refused with commander's InvalidArgumentError, which names the flag;
// tooling/cli/main.ts turns every usage error into exit code 2.

function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

function integer(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('Expected an integer.');
  return Number(value);
}

function wrap<T>(parse: (value: string) => T) {
  return (value: string): T => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  };
}

function collectFault(value: string, previous: FaultRule[]): FaultRule[] {
  return [...previous, wrap(parseFaultSpec)(value)];
}

function collectList(value: string, previous: Record<string, ListBehaviour>): Record<string, ListBehaviour> {
  const { path, behaviour } = wrap(parseListSpec)(value);
  return { ...previous, [path]: { ...previous[path], ...behaviour } };
}

interface Flags {
  productionPort: number;
  testPort: number;
  seed: number;
  size: number;
  latency?: SimulatorOptions['latencyMs'];
  rateLimit?: SimulatorOptions['rateLimit'];
  omitResetHeader?: boolean;
  reportReset?: number;
  exactFullResultSize?: boolean;
  fault: FaultRule[];
  revokeAfter?: number;
  sessionCreatePost: SessionCreatePostMode;
  maxCount?: number;
  resultSetLimit?: number;
  postingsPerYear?: number;
  list: Record<string, ListBehaviour>;
  dataYear?: number;
  logRequests?: boolean;
  writeEnvFile?: string;
}

function describeRequest(r: RecordedRequest): string {
  const query = Object.entries(r.query)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`)
    .join('&');
  return `${new Date(r.at).toISOString()} ${r.environment.padEnd(10)} ${r.method.padEnd(6)} ${r.path}${query ? `?${query}` : ''} → ${r.status === 0 ? 'dropped' : r.status}${r.fault ? ` (fault: ${r.fault})` : ''}\n`;
}

export function registerSimulatorCommand(program: Command): void {
  const command = program
    .command('simulator')
    .description('Run a local Tripletex v2 simulator: a production and a test environment on 127.0.0.1, with demo tokens and seeded data.')
    .option('--production-port <port>', 'port of the production environment (0: any free port)', wholeNumber(0, 65535), 0)
    .option('--test-port <port>', 'port of the test environment (0: any free port)', wholeNumber(0, 65535), 0)
    .option('--seed <n>', 'seed of the generated data and tokens', integer, 1)
    .option('--size <n>', 'customers in the demo company; the other lists scale from it', wholeNumber(1, 2_000_000), 1000)
    .option('--latency <ms|min-max>', 'delay added to every response, fixed (250) or uniform in a range (50-400)', wrap(parseLatency))
    .option('--rate-limit <limit/windowSeconds>', 'requests allowed per token pair and window (default 100/10, Tripletex\'s figures)', wrap(parseRateLimit))
    .option('--omit-reset-header', 'leave X-Rate-Limit-Reset out of 429 answers')
    .option('--report-reset <seconds>', 'say this in every X-Rate-Limit-Reset, whatever the window, as a proxy rewriting it would', wholeNumber(0, 3600))
    .option('--exact-full-result-size', 'report the exact fullResultSize instead of Tripletex\'s inexact one')
    .option('--fault <spec>', 'inject a fault, repeatable: [METHOD:]PATH=ACTION[@RATE][,OPTION...] (see docs/simulator.md)', collectFault, [] as FaultRule[])
    .option('--revoke-after <n>', 'end each session after N authenticated calls', wholeNumber(0, Number.MAX_SAFE_INTEGER))
    .addOption(
      new Option('--session-create-post <mode>', 'how POST /token/session/:create answers (not-found and method-not-allowed make clients fall back to PUT)')
        .choices(SESSION_CREATE_POST_MODES as string[])
        .default('enabled'),
    )
    .option('--max-count <n>', 'largest count a list accepts before answering 422/23000', wholeNumber(1, Number.MAX_SAFE_INTEGER))
    .option('--result-set-limit <n>', 'most rows a query on a date-ranged list may match before answering 422/23000 (default 10000)', wholeNumber(1, Number.MAX_SAFE_INTEGER))
    .option('--postings-per-year <n>', 'postings per year in the demo company (default 2 × size); vouchers, invoices and orders are half as many', wholeNumber(2, 4_000_000))
    .option('--list <spec>', 'paging quirks of one list, repeatable: PATH=OPTION[,OPTION...] with cap=N, ignore-from, whole-set, paged, full-result-size=inexact|exact|zero, grow=N, max-count=N (see docs/simulator.md)', collectList, {} as Record<string, ListBehaviour>)
    .option('--data-year <year>', 'seeded invoices and vouchers cover Jan 1 of year-1 to Dec 31 of year', wholeNumber(1971, 9998))
    .option('--log-requests', 'print one line per request (tokens are never printed)')
    // Not --env-file: Node 20 takes that flag for itself wherever it appears on the command line.
    .option('--write-env-file <path>', 'write the export lines (URLs and demo tokens) to this file (mode 0600) instead of printing them; load it with `source <path>`')
  withExamples(command, [
    ['a simulator; paste the export lines it prints into another terminal', 'flow-tripletex simulator'],
    ['the same variables written to a file under out/ (which git ignores), to `source` in another terminal', 'flow-tripletex simulator --write-env-file out/simulator.env'],
    ['one GET /customer in ten answered 500, every request printed', 'flow-tripletex simulator --fault GET:/customer=500@0.1 --log-requests'],
  ]);
  command.action(async (flags: Flags) => {
      const rateLimit = {
        ...(flags.rateLimit ?? DEFAULT_RATE_LIMIT),
        ...(flags.omitResetHeader ? { omitResetHeader: true } : {}),
        ...(flags.reportReset !== undefined ? { reportResetSeconds: flags.reportReset } : {}),
      };
      const sim = await startSimulator({
        productionPort: flags.productionPort,
        testPort: flags.testPort,
        seed: flags.seed,
        size: flags.size,
        ...(flags.latency !== undefined ? { latencyMs: flags.latency } : {}),
        rateLimit,
        inexactFullResultSize: !flags.exactFullResultSize,
        faults: flags.fault,
        ...(flags.revokeAfter !== undefined ? { revokeSessionAfterCalls: flags.revokeAfter } : {}),
        sessionCreatePost: flags.sessionCreatePost,
        ...(flags.maxCount !== undefined ? { maxCount: flags.maxCount } : {}),
        ...(flags.resultSetLimit !== undefined ? { resultSetLimit: flags.resultSetLimit } : {}),
        ...(flags.postingsPerYear !== undefined ? { postingsPerYear: flags.postingsPerYear } : {}),
        lists: flags.list,
        ...(flags.dataYear !== undefined ? { dataYear: flags.dataYear } : {}),
        ...(flags.logRequests ? { onRequest: (r: RecordedRequest) => process.stdout.write(describeRequest(r)) } : {}),
      });
      const out: string[] = [];
      out.push(`Tripletex simulator running (seed ${flags.seed}, size ${flags.size}).`, '');
      out.push(`  production  ${sim.production.url}`, `  test        ${sim.test.url}`, '');
      // The URLs and the demo tokens under the names examples/demo.workspace.json reads, so
      // the example workspace and flows work in another terminal as they are.
      const lines = exportLines(demoVariables(sim));
      if (flags.writeEnvFile !== undefined) {
        const file = resolvePath(flags.writeEnvFile);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, `# flow-tripletex simulator (seed ${flags.seed}): its URLs and fake demo tokens, under the names examples/demo.workspace.json uses.\n${lines.join('\n')}\n`, { mode: 0o600 });
        out.push(`Wrote the URLs and demo tokens to ${displayPath(file)}. In another terminal, load them with:`, `  source ${displayPath(file)}`, '');
      } else {
        out.push('In another terminal, paste these to point the pack at it, with the demo tokens under the names examples/demo.workspace.json uses:', ...lines, '');
      }
      out.push('All demo tokens (fake; they work only against this simulator):');
      for (const environment of ['production', 'test'] as const) {
        const t = sim.tokens[environment];
        const c = sim.companies[environment];
        out.push(`  ${environment}`);
        out.push(`    consumer token                 ${t.consumerToken}`);
        out.push(`    employee token                 ${t.employeeTokens.employee}`);
        out.push(`    restricted employee token      ${t.employeeTokens.restricted}`);
        out.push(`    accountant employee token      ${t.employeeTokens.accountant}`);
        out.push(`    no-API-access employee token   ${t.employeeTokens.noApiAccess}`);
        out.push(`    demo company ${c.demoCompanyId}; accountant office ${c.accountantCompanyId} with clients ${c.clientCompanyIds.join(', ')}`);
      }
      out.push('', `Invoices, orders, vouchers and postings are dated from ${sim.dataPeriod.from} up to (not including) ${sim.dataPeriod.to}.`, `Rate limit: ${rateLimit.limit} requests per ${rateLimit.windowMs / 1000} s per token pair${rateLimit.reportResetSeconds !== undefined ? `; X-Rate-Limit-Reset always says ${rateLimit.reportResetSeconds} s` : ''}.`, 'Stop with Ctrl+C.', '');
      const stopped = untilStopSignal();
      process.stdout.write(out.join('\n'));
      await stopped;
      await sim.close();
      process.stdout.write('Simulator stopped.\n');
      process.exitCode = 0;
    });
}
