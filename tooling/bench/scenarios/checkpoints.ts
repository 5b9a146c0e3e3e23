// What the checkpoint costs: `flow-tripletex request GET /customer --out FILE` (each page written
// and flushed to the disk, then the checkpoint beside the file replaced atomically) against the
// same command writing to stdout redirected to a file (no flush, no checkpoint), with the pages
// served as fast as the simulator can. Both are whole CLI processes, timed from start to exit,
// alternating in one run; the figure is the ratio of their medians.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixed, median, whole, type Check, type Scenario } from '../report.js';
import { checkNdjsonFile } from '../rows.js';
import { SimulatorChild } from '../simulator-child.js';

const ROWS = 50_000;
const PAGE_SIZES = [1000, 100];
const LATENCY_MS = 0;
const NO_LIMIT = { limit: 1_000_000, windowMs: 10_000 };
const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/** Runs the CLI; stdout goes to `stdoutFile` when given. Resolves with the seconds it took. */
function timed(args: string[], env: NodeJS.ProcessEnv, stdoutFile?: string): Promise<number> {
  const out = stdoutFile ? openSync(stdoutFile, 'w') : 'ignore';
  const started = process.hrtime.bigint();
  return new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', out, 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (typeof out === 'number') closeSync(out);
      if (code !== 0) return reject(new Error(`flow-tripletex exited ${code}: ${stderr.slice(-2000)}`));
      resolve(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}

export const checkpoints: Scenario = {
  name: 'checkpoints',
  summary: `what the checkpoint of \`request --out\` costs: ${whole(ROWS)} customers to a file, flushed and checkpointed after every page, against stdout redirected to a file`,
  async run({ repeat, log }) {
    const sim = await SimulatorChild.start({ simulator: { size: ROWS, latencyMs: LATENCY_MS, rateLimit: NO_LIMIT }, warmUp: [{ path: '/customer', query: { sorting: 'id' } }] });
    const dir = mkdtempSync(join(tmpdir(), 'bench-checkpoints-'));
    try {
      const env = { ...process.env, ...sim.env, TRIPLETEX_CONSUMER_TOKEN: sim.ready.consumerToken, TRIPLETEX_EMPLOYEE_TOKEN: sim.ready.employeeToken };
      const checks: Check[] = [];
      const withCheckpoints: Record<number, number[]> = {};
      const plain: Record<number, number[]> = {};
      for (let i = 0; i < repeat; i++) {
        for (const size of PAGE_SIZES) {
          const args = ['request', 'GET', '/customer', '--sorting', 'id', '--items-per-page', String(size), '--no-progress', '--log-level', 'warn'];
          const file = join(dir, `out-${size}.ndjson`);
          await sim.freshWindows();
          (withCheckpoints[size] ??= []).push(await timed([...args, '--out', file], env));
          const problem = await checkNdjsonFile(file, ROWS);
          checks.push({ label: `run ${i + 1}, ${size} a page, --out: every row once, in id order, and no checkpoint left`, ok: problem === undefined && !existsSync(`${file}.checkpoint`), ...(problem ? { detail: problem } : {}) });
          rmSync(file, { force: true });
          const redirected = join(dir, `stdout-${size}.ndjson`);
          await sim.freshWindows();
          (plain[size] ??= []).push(await timed(args, env, redirected));
          rmSync(redirected, { force: true });
          log(`checkpoints: run ${i + 1} of ${repeat}, ${size} a page: --out ${fixed(withCheckpoints[size]!.at(-1)!, 2)} s, stdout ${fixed(plain[size]!.at(-1)!, 2)} s`);
        }
      }
      const ratio = (size: number) => median(withCheckpoints[size]!) / median(plain[size]!);
      return {
        scenario: this.name,
        title: this.summary,
        settings: [
          `${whole(ROWS)} customers, no latency, no rate limit (pages as fast as the simulator serves them: the most pages per second, the most checkpoints); --sorting id, ${PAGE_SIZES.join(' and ')} a page`,
          `each a whole CLI process timed from start to exit, --out FILE against stdout redirected to a file, alternating; ${repeat} runs each, medians; the disk is ${tmpdir()}'s`,
        ],
        figures: PAGE_SIZES.map((size) => ({
          label: `--out / stdout, ${size} a page (${whole(ROWS / size)} checkpoints)`,
          value: `${fixed(ratio(size), 2)}×`,
          runs: withCheckpoints[size]!.map((v, k) => `${fixed(v, 2)} / ${fixed(plain[size]![k]!, 2)} s`),
          note: `${fixed(((median(withCheckpoints[size]!) - median(plain[size]!)) * 1000 * size) / ROWS, 1)} ms more a page`,
        })),
        checks,
        data: { rows: ROWS, pageSizes: PAGE_SIZES, withCheckpointsSeconds: withCheckpoints, stdoutSeconds: plain },
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await sim.close();
    }
  },
};
