// The CLI's peak memory: `flow-tripletex request GET /customer` writing NDJSON to a file, at
// pages of 1,000, 2,500 and 5,000 rows and for 1 to 100 pages (never past the list's 100,000
// rows), each a process of its own, measured by the operating system (peak resident set size).
// A plain hand-written loop in a process of its own, over the whole list at each page size, is
// the comparison. And the whole list with Items per page left empty, under a rate limit tight
// enough that the action grows its pages (to 5,000): bigger pages chosen by the action must cost
// no more than the same size typed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fixed, median, whole, type Check, type Scenario } from '../report.js';
import { checkNdjsonFile } from '../rows.js';
import { SimulatorChild } from '../simulator-child.js';

const ROWS = 100_000;
const PAGE_SIZES = [1000, 2500, 5000];
const PAGES = [1, 10, 30, 100];
const LATENCY_MS = 20;
const GOAL_MB = 100;

/** The page counts measured at one page size: those of PAGES that end before the list does, then the whole list. */
function pageCounts(size: number): number[] {
  const whole = Math.ceil(ROWS / size);
  return [...new Set(PAGES.map((pages) => Math.min(pages, whole)))];
}

const key = (size: number, pages: number) => `${size}×${pages}`;
// No pacing: rows arrive as fast as the simulator serves them, the hardest case for memory.
const NO_LIMIT = { limit: 1_000_000, windowMs: 10_000 };
// For the page size left empty: a limit that sets the pace, so that the pages grow.
const GROWING = { limit: 10, windowMs: 1000 };

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
const CLI = here('../../cli/main.js');
const PLAIN_LOOP = here('../plain-loop-process.js');
const REPORTER = pathToFileURL(here('../report-peak-rss.js')).href;

interface Measured {
  peakMb: number;
  cpuSeconds: number;
  stderr: string;
}

/** Runs a Node script with the peak-RSS reporter preloaded; resolves with its peak, its CPU time and what it wrote on stderr. */
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
        const usage = JSON.parse(readFileSync(peakFile, 'utf8')) as { maxRssKb: number; cpuMicros: number };
        resolve({ peakMb: usage.maxRssKb / 1024, cpuSeconds: usage.cpuMicros / 1e6, stderr });
      } catch (error) {
        reject(error);
      }
    });
  });
}

export const cliMemory: Scenario = {
  name: 'memory',
  summary: `peak memory of \`flow-tripletex request GET /customer\` writing NDJSON, pages of ${PAGE_SIZES.join(', ')} rows, ${PAGES.join(', ')} pages (at most the list), against a plain loop`,
  async run({ repeat, log }) {
    const sim = await SimulatorChild.start({ simulator: { size: ROWS, latencyMs: LATENCY_MS, rateLimit: NO_LIMIT }, warmUp: [{ path: '/customer', query: { sorting: 'id' } }] });
    const dir = mkdtempSync(join(tmpdir(), 'bench-memory-'));
    try {
      const env = { ...process.env, ...sim.env, TRIPLETEX_CONSUMER_TOKEN: sim.ready.consumerToken, TRIPLETEX_EMPLOYEE_TOKEN: sim.ready.employeeToken };
      const checks: Check[] = [];
      const cli: Record<string, number[]> = {};
      const loop: Record<number, number[]> = {};
      /** CPU seconds of the CLI over the CPU seconds of the plain loop, whole list, per run. */
      const cpuRatio: Record<number, number[]> = {};
      let cliCpuWhole = 0;
      for (let i = 0; i < repeat; i++) {
        for (const size of PAGE_SIZES) {
          for (const pages of pageCounts(size)) {
            const expected = Math.min(ROWS, pages * size);
            const all = pages * size >= ROWS;
            const out = join(dir, `cli-${size}-${pages}.ndjson`);
            await sim.freshWindows();
            const before = await sim.stats();
            const args = ['request', 'GET', '/customer', '--sorting', 'id', '--items-per-page', String(size), '--out', out, '--json', ...(all ? [] : ['--max-pages', String(pages)])];
            const run = await measure(CLI, args, env, dir);
            const line = run.stderr.split('\n').reverse().find((l) => l.startsWith('{'));
            const summary = line ? (JSON.parse(line) as { summary?: { requests?: number } }).summary : undefined;
            const wire = (await sim.settledRequests(before.requests + (summary?.requests ?? 0))) - before.requests;
            (cli[key(size, pages)] ??= []).push(run.peakMb);
            if (all) cliCpuWhole = run.cpuSeconds;
            const problem = await checkNdjsonFile(out, expected);
            const what = `run ${i + 1}, ${pages} pages of ${size}`;
            checks.push({ label: `${what}: every row in the file once, in id order`, ok: problem === undefined, ...(problem ? { detail: problem } : {}) });
            checks.push({ label: `${what}: the summary's requests are the requests on the wire`, ok: summary?.requests === wire, detail: `${summary?.requests} counted, ${wire} seen by the simulator` });
            // A run stopped at --max-pages leaves its checkpoint: the next run starts the file over.
            rmSync(out, { force: true });
            rmSync(`${out}.checkpoint`, { force: true });
            log(`memory: run ${i + 1} of ${repeat}, ${pages} pages of ${size}: CLI ${fixed(run.peakMb, 0)} MB`);
          }
          const loopOut = join(dir, `loop-${size}.ndjson`);
          const plain = await measure(PLAIN_LOOP, [sim.env.TRIPLETEX_PRODUCTION_URL, sim.ready.consumerToken, sim.ready.employeeToken, loopOut, String(size)], env, dir);
          (loop[size] ??= []).push(plain.peakMb);
          (cpuRatio[size] ??= []).push(cliCpuWhole / plain.cpuSeconds);
          rmSync(loopOut, { force: true });
          log(`memory: run ${i + 1} of ${repeat}, whole list in pages of ${size}: plain loop ${fixed(plain.peakMb, 0)} MB; CPU ${fixed(cliCpuWhole, 1)} s (CLI) / ${fixed(plain.cpuSeconds, 1)} s (loop)`);
        }
      }
      // The page size left empty, on a simulator whose rate limit makes the pages grow.
      const automatic: number[] = [];
      const automaticSizes: string[] = [];
      const limited = await SimulatorChild.start({ simulator: { size: ROWS, latencyMs: LATENCY_MS, rateLimit: GROWING }, warmUp: [{ path: '/customer', query: { sorting: 'id' } }] });
      try {
        const limitedEnv = { ...env, ...limited.env };
        for (let i = 0; i < repeat; i++) {
          const out = join(dir, 'cli-automatic.ndjson');
          await limited.freshWindows();
          const before = await limited.stats();
          const run = await measure(CLI, ['request', 'GET', '/customer', '--sorting', 'id', '--out', out, '--json'], limitedEnv, dir);
          const line = run.stderr.split('\n').reverse().find((l) => l.startsWith('{'));
          const summary = line ? (JSON.parse(line) as { summary?: { requests?: number; pageSizes?: number[] } }).summary : undefined;
          const wire = (await limited.settledRequests(before.requests + (summary?.requests ?? 0))) - before.requests;
          automatic.push(run.peakMb);
          automaticSizes.push((summary?.pageSizes ?? []).join('+'));
          const problem = await checkNdjsonFile(out, ROWS);
          checks.push({ label: `run ${i + 1}, page size left empty: every row in the file once, in id order`, ok: problem === undefined, ...(problem ? { detail: problem } : {}) });
          checks.push({ label: `run ${i + 1}, page size left empty: the summary's requests are the requests on the wire`, ok: summary?.requests === wire, detail: `${summary?.requests} counted, ${wire} seen by the simulator` });
          rmSync(out, { force: true });
          rmSync(`${out}.checkpoint`, { force: true });
          log(`memory: run ${i + 1} of ${repeat}, whole list, page size left empty (${automaticSizes.at(-1)} a page): CLI ${fixed(run.peakMb, 0)} MB`);
        }
      } finally {
        await limited.close();
      }
      const cliPeak = (size: number, pages: number) => median(cli[key(size, pages)]!);
      const loopPeak = (size: number) => median(loop[size]!);
      const worst = Math.max(...PAGE_SIZES.flatMap((size) => pageCounts(size).map((pages) => cliPeak(size, pages))));
      const whole1000 = pageCounts(1000).at(-1)!;
      const growth = cliPeak(1000, whole1000) - cliPeak(1000, 10);
      const wholeAt = (size: number) => cliPeak(size, pageCounts(size).at(-1)!);
      const bySize = wholeAt(PAGE_SIZES.at(-1)!) - wholeAt(PAGE_SIZES[0]!);
      return {
        scenario: this.name,
        title: this.summary,
        settings: [
          `${whole(ROWS)} customers, ${LATENCY_MS} ms latency, no rate limit (rows as fast as the simulator serves them); --sorting id --items-per-page N --out FILE --json, --max-pages for the shorter runs; the page size left empty at ${GROWING.limit} requests per ${GROWING.windowMs / 1000} s`,
          `peak resident set size as the operating system reports it (process.resourceUsage().maxRSS at exit); ${repeat} runs each, medians; CPU time (user + system) of the whole list, CLI over plain loop, in the same run`,
        ],
        figures: [
          ...PAGE_SIZES.flatMap((size) =>
            pageCounts(size).map((pages) => ({
              label: `CLI peak RSS, ${pages} page${pages > 1 ? 's' : ''} of ${whole(size)}`,
              value: `${fixed(cliPeak(size, pages), 0)} MB`,
              runs: cli[key(size, pages)]!.map((v) => fixed(v, 0)),
              goal: { text: `≤ ${GOAL_MB} MB`, met: cliPeak(size, pages) <= GOAL_MB },
            })),
          ),
          {
            label: `CLI peak RSS, whole list, page size left empty (${GROWING.limit} per ${GROWING.windowMs / 1000} s)`,
            value: `${fixed(median(automatic), 0)} MB`,
            runs: automatic.map((v) => fixed(v, 0)),
            goal: { text: `≤ ${GOAL_MB} MB, and no more than ${whole(PAGE_SIZES.at(-1)!)} typed`, met: median(automatic) <= GOAL_MB && median(automatic) <= wholeAt(PAGE_SIZES.at(-1)!) },
            note: `pages of ${automaticSizes.at(-1)}`,
          },
          { label: `growth from 10 to ${whole1000} pages of 1,000`, value: `${fixed(growth, 0)} MB`, goal: { text: '≤ 10 MB (flat in the list)', met: growth <= 10 } },
          { label: `whole list, pages of ${whole(PAGE_SIZES.at(-1)!)} less pages of ${whole(PAGE_SIZES[0]!)}`, value: `${fixed(bySize, 0)} MB`, goal: { text: '≤ 10 MB (flat in the page size)', met: bySize <= 10 } },
          ...PAGE_SIZES.map((size) => ({ label: `plain loop peak RSS, whole list in pages of ${whole(size)}`, value: `${fixed(loopPeak(size), 0)} MB`, runs: loop[size]!.map((v) => fixed(v, 0)) })),
          ...PAGE_SIZES.map((size) => ({ label: `CLI / plain loop, whole list in pages of ${whole(size)}`, value: `${fixed(wholeAt(size) / loopPeak(size), 2)}×` })),
          ...PAGE_SIZES.map((size) => ({ label: `CPU time, CLI / plain loop, pages of ${whole(size)}`, value: `${fixed(median(cpuRatio[size]!), 2)}×`, runs: cpuRatio[size]!.map((v) => fixed(v, 2)) })),
        ],
        checks,
        data: { rows: ROWS, pageSizes: PAGE_SIZES, pages: PAGES, cliPeakMb: cli, automaticPeakMb: automatic, automaticPageSizes: automaticSizes, plainLoopPeakMb: loop, cpuRatio, worstMb: worst, growthMb: growth, bySizeMb: bySize },
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await sim.close();
    }
  },
};
