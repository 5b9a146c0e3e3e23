// The CLI's peak memory: `flow-tripletex request GET /customer` writing NDJSON to a file, for
// lists of 1 to 100 pages, each a process of its own, measured by the operating system (peak
// resident set size). A plain hand-written loop in a process of its own is the comparison.
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fixed, median, whole, type Check, type Scenario } from '../report.js';
import { RowCheck } from '../rows.js';
import { SimulatorChild } from '../simulator-child.js';

const ROWS = 100_000;
const ITEMS_PER_PAGE = 1000;
const PAGES = [1, 10, 30, 100];
const LATENCY_MS = 20;
const GOAL_MB = 120;
// No pacing: rows arrive as fast as the simulator serves them, the hardest case for memory.
const NO_LIMIT = { limit: 1_000_000, windowMs: 10_000 };

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
const CLI = here('../../cli/main.js');
const PLAIN_LOOP = here('../plain-loop-process.js');
const REPORTER = pathToFileURL(here('../report-peak-rss.js')).href;

interface Measured {
  peakMb: number;
  stderr: string;
}

/** Runs a Node script with the peak-RSS reporter preloaded; resolves with its peak and what it wrote on stderr. */
function measure(script: string, args: string[], env: NodeJS.ProcessEnv, dir: string): Promise<Measured> {
  const peakFile = join(dir, `peak-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', REPORTER, script, ...args], { env: { ...env, BENCH_PEAK_RSS_FILE: peakFile }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited ${code}: ${stderr.slice(-2000)}`));
      try {
        resolve({ peakMb: Number(readFileSync(peakFile, 'utf8')) / 1024, stderr });
      } catch (error) {
        reject(error);
      }
    });
  });
}

async function checkFile(file: string, expected: number): Promise<string | undefined> {
  const rows = new RowCheck();
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) if (line) rows.addRow(JSON.parse(line));
  return rows.problem(expected);
}

export const cliMemory: Scenario = {
  name: 'memory',
  summary: `peak memory of \`flow-tripletex request GET /customer\` writing NDJSON, ${PAGES.join(', ')} pages of ${ITEMS_PER_PAGE}, against a plain loop`,
  async run({ repeat, log }) {
    const sim = await SimulatorChild.start({ simulator: { size: ROWS, latencyMs: LATENCY_MS, rateLimit: NO_LIMIT }, warmUp: [{ path: '/customer', query: { sorting: 'id' } }] });
    const dir = mkdtempSync(join(tmpdir(), 'bench-memory-'));
    try {
      const env = { ...process.env, ...sim.env, TRIPLETEX_CONSUMER_TOKEN: sim.ready.consumerToken, TRIPLETEX_EMPLOYEE_TOKEN: sim.ready.employeeToken };
      const checks: Check[] = [];
      const cli: Record<number, number[]> = {};
      const loop: Record<number, number[]> = {};
      for (let i = 0; i < repeat; i++) {
        for (const pages of PAGES) {
          const expected = Math.min(ROWS, pages * ITEMS_PER_PAGE);
          const all = pages * ITEMS_PER_PAGE >= ROWS;
          const out = join(dir, `cli-${pages}.ndjson`);
          await sim.freshWindows();
          const before = await sim.stats();
          const run = await measure(CLI, ['request', 'GET', '/customer', '--sorting', 'id', '--out', out, '--json', ...(all ? [] : ['--max-pages', String(pages)])], env, dir);
          const line = run.stderr.split('\n').reverse().find((l) => l.startsWith('{'));
          const summary = line ? (JSON.parse(line) as { summary?: { requests?: number } }).summary : undefined;
          const wire = (await sim.settledRequests(before.requests + (summary?.requests ?? 0))) - before.requests;
          (cli[pages] ??= []).push(run.peakMb);
          const problem = await checkFile(out, expected);
          checks.push({ label: `run ${i + 1}, ${pages} pages: every row in the file once, in id order`, ok: problem === undefined, ...(problem ? { detail: problem } : {}) });
          checks.push({ label: `run ${i + 1}, ${pages} pages: the summary's requests are the requests on the wire`, ok: summary?.requests === wire, detail: `${summary?.requests} counted, ${wire} seen by the simulator` });
          // A run stopped at --max-pages leaves its checkpoint: the next run starts the file over.
          rmSync(out, { force: true });
          rmSync(`${out}.checkpoint`, { force: true });

          const loopOut = join(dir, `loop-${pages}.ndjson`);
          const plain = await measure(PLAIN_LOOP, [sim.env.TRIPLETEX_PRODUCTION_URL, sim.ready.consumerToken, sim.ready.employeeToken, loopOut, String(ITEMS_PER_PAGE), String(pages)], env, dir);
          (loop[pages] ??= []).push(plain.peakMb);
          rmSync(loopOut, { force: true });
          log(`memory: run ${i + 1} of ${repeat}, ${pages} pages: CLI ${fixed(run.peakMb, 0)} MB, plain loop ${fixed(plain.peakMb, 0)} MB`);
        }
      }
      const cliPeak = (pages: number) => median(cli[pages]!);
      const loopPeak = (pages: number) => median(loop[pages]!);
      const worst = Math.max(...PAGES.map(cliPeak));
      const growth = cliPeak(100) - cliPeak(10);
      return {
        scenario: this.name,
        title: this.summary,
        settings: [
          `${whole(ROWS)} customers, ${LATENCY_MS} ms latency, no rate limit (rows as fast as the simulator serves them); --sorting id --out FILE --json, --max-pages for the shorter runs`,
          `peak resident set size as the operating system reports it (process.resourceUsage().maxRSS at exit); ${repeat} runs each, medians`,
        ],
        figures: [
          ...PAGES.map((pages) => ({ label: `CLI peak RSS, ${pages} page${pages > 1 ? 's' : ''}`, value: `${fixed(cliPeak(pages), 0)} MB`, runs: cli[pages]!.map((v) => fixed(v, 0)), goal: { text: `≤ ${GOAL_MB} MB`, met: cliPeak(pages) <= GOAL_MB } })),
          { label: 'growth from 10 to 100 pages', value: `${fixed(growth, 0)} MB`, goal: { text: '≤ 10 MB (flat)', met: growth <= 10 } },
          ...PAGES.map((pages) => ({ label: `plain loop peak RSS, ${pages} page${pages > 1 ? 's' : ''}`, value: `${fixed(loopPeak(pages), 0)} MB`, runs: loop[pages]!.map((v) => fixed(v, 0)) })),
          { label: 'CLI / plain loop, 100 pages', value: `${fixed(cliPeak(100) / loopPeak(100), 2)}×` },
        ],
        checks,
        data: { rows: ROWS, pages: PAGES, cliPeakMb: cli, plainLoopPeakMb: loop, worstMb: worst, growthMb: growth },
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await sim.close();
    }
  },
};
