// `npm run bench`: named scenarios, each measuring one thing about REST API Request with paging
// against the simulator (in a child process), repeated and reported as medians, each figure held
// against its goal. Exits 1 when a correctness check fails: a fast figure from a run that lost,
// repeated or misordered rows, or whose summary miscounted its requests, would be worse than no
// figure. See docs/performance.md.
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseRateLimit, type RateLimitSetting } from '../simulator/index.js';
import { render, type Scenario, type ScenarioReport } from './report.js';
import { automaticPageSize } from './scenarios/automatic-page-size.js';
import { capped } from './scenarios/capped.js';
import { carefulLoop } from './scenarios/careful-loop.js';
import { checkpoints } from './scenarios/checkpoints.js';
import { endOfList } from './scenarios/end-of-list.js';
import { ledgerYear, ledgerYearShortWindows } from './scenarios/ledger-year.js';
import { DEFAULT_LOOP_SETTINGS, loopVersusAction, type LoopSettings } from './scenarios/loop-vs-action.js';
import { cliMemory } from './scenarios/memory.js';
import { processes, processesWrongReset } from './scenarios/processes.js';
import { shortWindows } from './scenarios/short-windows.js';

function wholeNumber(min: number) {
  return (text: string): number => {
    if (!/^\d+$/.test(text.trim()) || Number(text) < min) throw new InvalidArgumentError(`Expected a whole number ≥ ${min}.`);
    return Number(text);
  };
}

interface Options {
  scenario: string[];
  repeat: number;
  json?: boolean;
  rows: number;
  latency: number;
  rateLimit: string;
  itemsPerPage?: number;
  prefetch?: number;
}

function scenarios(loop: LoopSettings): Scenario[] {
  return [loopVersusAction(loop), shortWindows, processes, processesWrongReset, cliMemory, endOfList, capped, ledgerYear, checkpoints, automaticPageSize, ledgerYearShortWindows, carefulLoop];
}

const program = new Command('bench')
  .description('Measure REST API Request with paging against the simulator, one named scenario at a time (see docs/performance.md).')
  .addOption(new Option('--scenario <name>', 'a scenario to run (repeatable), or "all"').argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]))
  .option('--repeat <n>', 'runs per figure; the figure is their median', wholeNumber(1), 3)
  .option('--json', 'print the reports as JSON on stdout (the tables go to stderr)')
  .option('--list', 'list the scenarios and exit')
  .option('--rows <n>', 'loop-vs-action: customers seeded and streamed by each pass', wholeNumber(1), DEFAULT_LOOP_SETTINGS.rows)
  .option('--latency <ms>', 'loop-vs-action: delay the simulator adds to every answer', wholeNumber(0), DEFAULT_LOOP_SETTINGS.latencyMs)
  .option('--rate-limit <limit/windowSeconds>', 'loop-vs-action: requests per token pair and window', `${DEFAULT_LOOP_SETTINGS.rateLimit.limit}/${DEFAULT_LOOP_SETTINGS.rateLimit.windowMs / 1000}`)
  .option('--items-per-page <n>', "loop-vs-action: rows per request (default: the action's default)", wholeNumber(1))
  .option('--prefetch <n>', "loop-vs-action: the action's prefetchPages (default: the action's default)", wholeNumber(0))
  .parse();
const options = program.opts<Options & { list?: boolean }>();

const rateLimit = ((): RateLimitSetting => {
  try {
    return parseRateLimit(options.rateLimit);
  } catch (error) {
    return program.error(`error: option '--rate-limit': ${error instanceof Error ? error.message : String(error)}`);
  }
})();
if (rateLimit.limit < 1) program.error("error: option '--rate-limit': the limit must be at least 1 request per window");

const all = scenarios({
  rows: options.rows,
  latencyMs: options.latency,
  rateLimit,
  ...(options.itemsPerPage === undefined ? {} : { itemsPerPage: options.itemsPerPage }),
  ...(options.prefetch === undefined ? {} : { prefetchPages: options.prefetch }),
});

if (options.list) {
  const width = Math.max(...all.map((s) => s.name.length)) + 2;
  for (const scenario of all) process.stdout.write(`${scenario.name.padEnd(width)}${scenario.summary}\n`);
  process.exit(0);
}

const asked = options.scenario ?? ['loop-vs-action'];
const chosen = asked.includes('all') ? all : asked.map((name) => all.find((s) => s.name === name) ?? program.error(`error: option '--scenario': no scenario "${name}"; one of ${all.map((s) => s.name).join(', ')}, or all`));

const out = options.json ? process.stderr : process.stdout;
const log = (line: string) => process.stderr.write(`${line}\n`);
const reports: ScenarioReport[] = [];
let failed = false;
for (const scenario of chosen) {
  log(`bench: ${scenario.name} …`);
  const started = performance.now();
  try {
    const report = await scenario.run({ repeat: options.repeat, log });
    report.data.seconds = Math.round((performance.now() - started) / 100) / 10;
    reports.push(report);
    out.write(render(report) + `   (${report.data.seconds} s)\n\n`);
    if (report.checks.some((check) => !check.ok)) failed = true;
  } catch (error) {
    failed = true;
    out.write(`== ${scenario.name}: FAILED to run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n\n`);
  }
}
if (options.json) process.stdout.write(JSON.stringify(reports, null, 2) + '\n');
if (failed) process.stderr.write('BENCHMARK FAILED: a correctness check failed (see above)\n');
process.exitCode = failed ? 1 : 0;
