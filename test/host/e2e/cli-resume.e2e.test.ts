import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../../../tooling/simulator/index.js';
import { demoVariables } from '../../../tooling/host/demo-variables.js';
import { tempDir } from '../helpers.js';
import { CLI, cleanEnv, runCli, type CliResult } from './cli-process.js';

// An export stopped in any way and continued holds every row exactly once, in order, every line
// whole JSON. The CLI is stopped at points a seeded generator picks: the simulator holds the
// answers from the chosen request on (a pause rule), so the CLI is stopped mid-export however
// fast or slow the machine is; whether it is stopped at once or once its checkpoint has caught
// up is drawn too, so some stops land while a page is being written. SIGKILL leaves no chance
// to tidy up; SIGINT (Ctrl+C) cancels. Each time the same command with --resume continues, and
// the file ends byte for byte equal to an export that was never stopped.

/** mulberry32: the same stops on every run of the test. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let sim: RunningSimulator;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  // Many short CLI runs, each creating a session: a rate limit that never makes one wait keeps
  // this test about stopping and continuing (pacing has tests of its own).
  sim = await startSimulator({ size: 1500, seed: 20, dataYear: 2025, postingsPerYear: 3000, resultSetLimit: 700, rateLimit: { limit: 100_000, windowMs: 10_000 } });
  dir = tempDir('flow-tripletex-resume-');
  env = cleanEnv(demoVariables(sim));
});
afterAll(async () => {
  sim.releasePaused();
  await sim.close();
});
afterEach(() => {
  sim.setFaults([]);
  sim.releasePaused();
  sim.setResultSetLimit(700);
});

const CUSTOMERS = ['request', 'GET', '/customer', '--fields', 'id,name', '--items-per-page', '100', '--no-progress'];
const POSTINGS = ['request', 'GET', '/ledger/posting', '--query', 'dateFrom=2025-01-01', '--query', 'dateTo=2026-01-01', '--fields', 'id,amount', '--items-per-page', '100', '--no-progress'];

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env, cwd: dir });
}

interface Started {
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
}

function start(args: string[]): Started {
  const child = spawn(process.execPath, [CLI, ...args], { env, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr: Buffer.concat(err).toString('utf8') }));
  });
  return { exited, kill: (signal) => child.kill(signal) };
}

/** Polls for a condition; with `atMostMs`, gives up after that long (for conditions that may never come). */
async function until(condition: () => boolean, atMostMs = Infinity): Promise<void> {
  const end = Date.now() + atMostMs;
  while (!condition() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
}

function checkpointLines(file: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(`${file}.checkpoint`, 'utf8')) as { lines: number }).lines;
  } catch {
    return undefined;
  }
}

/** Every line whole JSON (a torn line would throw). */
function lines(file: string): Record<string, unknown>[] {
  const text = readFileSync(file, 'utf8');
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Stops `args` (with --resume after the first time) `stops` times at seeded points, then lets it
 * finish with --resume. `path` is the list the pause rule holds; `perStop` how many requests of
 * it may be answered before answers are held.
 */
async function stopAndContinue(args: string[], file: string, signal: NodeJS.Signals, random: () => number, stops: number, path: string): Promise<string[]> {
  const notes: string[] = [];
  for (let round = 0; round < stops; round++) {
    const let_through = 1 + Math.floor(random() * 4);
    const waitForCheckpoint = random() < 0.5;
    sim.setFaults([{ path, method: 'GET', pause: true, skip: let_through }]);
    const before = checkpointLines(file) ?? 0;
    const run = start([...args, '--out', file, ...(round > 0 ? ['--resume'] : [])]);
    await sim.untilPaused(1);
    // Either at once (a page may be half written, its checkpoint not yet moved), or once the
    // checkpoint has moved on. It may never move (the answers let through were refusals of
    // windows too large, or a window's empty end): then after a while. Where the stop lands
    // never decides the outcome; a slow machine only moves it.
    if (waitForCheckpoint) await until(() => (checkpointLines(file) ?? 0) > before, 3000);
    run.kill(signal);
    const ended = await run.exited;
    sim.setFaults([]);
    sim.releasePaused();
    notes.push(`round ${round}: ${let_through} answered, ${waitForCheckpoint ? 'after the checkpoint' : 'at once'}, ${ended.signal ?? ended.code}`);
    if (signal === 'SIGKILL') expect(ended.signal).toBe('SIGKILL');
    else {
      expect(ended.code).toBe(130);
      expect(ended.stderr).toMatch(/Cancelled after [\d,]+ rows? in [\d,]+ pages?.*\. [\d,]+ rows? (is|are) safe in \S+; continue with: flow-tripletex request .* --out \S+ --resume\.\n/);
    }
    // The file holds an unfinished export: the checkpoint is there, and says so.
    expect(existsSync(`${file}.checkpoint`)).toBe(true);
  }
  const last = await cli([...args, '--out', file, '--resume']);
  expect(last.code).toBe(0);
  expect(existsSync(`${file}.checkpoint`)).toBe(false);
  return notes;
}

describe('request --out, stopped and continued (CLI against the simulator)', () => {
  it('a list, killed with SIGKILL at seeded points: every row once, in order, every line whole', async () => {
    const whole = join(dir, 'customers-whole.ndjson');
    expect((await cli([...CUSTOMERS, '--out', whole])).code).toBe(0);
    const file = join(dir, 'customers-killed.ndjson');
    await stopAndContinue(CUSTOMERS, file, 'SIGKILL', seeded(1), 3, '/customer');
    const got = lines(file).map((r) => r.id as number);
    expect(got).toEqual(lines(whole).map((r) => r.id as number));
    expect(got).toHaveLength(1500);
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(whole, 'utf8'));
  }, 180_000);

  it('a year of postings split into date windows, killed with SIGKILL at seeded points: the same', async () => {
    const whole = join(dir, 'postings-whole.ndjson');
    const done = await cli([...POSTINGS, '--out', whole, '--json']);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stderr.trim().split('\n').pop()!).summary.splits).toBeGreaterThan(0);
    const file = join(dir, 'postings-killed.ndjson');
    await stopAndContinue(POSTINGS, file, 'SIGKILL', seeded(2), 3, '/ledger/posting');
    const ids = lines(file).map((r) => r.id as number);
    expect(new Set(ids).size).toBe(ids.length);
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(whole, 'utf8'));
  }, 180_000);

  it('the same with Ctrl+C (SIGINT), for a list and a split range', async () => {
    for (const [args, name, path, seed] of [
      [CUSTOMERS, 'customers', '/customer', 3],
      [POSTINGS, 'postings', '/ledger/posting', 4],
    ] as const) {
      const file = join(dir, `${name}-interrupted.ndjson`);
      await stopAndContinue([...args], file, 'SIGINT', seeded(seed), 2, path);
      expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(dir, `${name}-whole.ndjson`), 'utf8'));
    }
  }, 180_000);

  it('refuses the same command without --resume on an unfinished file, leaving it untouched, and a different command with --resume, saying what differs', async () => {
    const file = join(dir, 'refused.ndjson');
    const stopped = await cli([...CUSTOMERS, '--max-pages', '3', '--out', file]);
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toMatch(/stopped at --max-pages; continue with: flow-tripletex request GET \/customer --fields id,name --items-per-page 100 --no-progress --max-pages 3 --out \S*refused\.ndjson --resume$/m);
    const bytes = readFileSync(file);
    const checkpoint = readFileSync(`${file}.checkpoint`);

    const again = await cli([...CUSTOMERS, '--out', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/refused\.ndjson holds an unfinished run \(300 rows in 3 pages, stopped early; checkpoint \S*refused\.ndjson\.checkpoint\), and starting it over would lose it\. Continue it with --resume, or start over with --overwrite\. The file was left as it is\./);
    expect(readFileSync(file)).toEqual(bytes);
    expect(readFileSync(`${file}.checkpoint`)).toEqual(checkpoint);

    const other = await cli(['request', 'GET', '/customer', '--fields', 'id', '--query', 'isInactive=false', '--out', file, '--resume', '--no-progress']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('was written by a different command:\n    --query: was (none), now "isInactive=false"\n    --fields: was "id,name", now "id"');
    expect(other.stderr).toMatch(/Start over with --overwrite instead/);
    expect(readFileSync(file)).toEqual(bytes);

    // A torn last line (a write cut short) and rows past the checkpoint disappear on --resume.
    appendFileSync(file, '{"id":999999,"name":"half a ro');
    const resumed = await cli([...CUSTOMERS, '--items-per-page', '250', '--out', file, '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/Done: 1,200 rows in 5 pages .* → \S*refused\.ndjson \(continued: 1,500 rows in all\)/);
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(dir, 'customers-whole.ndjson'), 'utf8'));

    // Finished: the same command starts it over, as before; --resume has nothing to continue.
    const nothing = await cli([...CUSTOMERS, '--out', file, '--resume']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/There is nothing to continue: \S*refused\.ndjson has no checkpoint, so it holds no unfinished run\./);
    expect((await cli([...CUSTOMERS, '--out', file])).code).toBe(0);
  }, 120_000);

  it('--overwrite starts an unfinished file over; --resume needs --out and excludes --overwrite and --start-index', async () => {
    const file = join(dir, 'overwritten.ndjson');
    expect((await cli([...CUSTOMERS, '--max-pages', '2', '--out', file])).code).toBe(0);
    const over = await cli([...CUSTOMERS, '--out', file, '--overwrite']);
    expect(over.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(dir, 'customers-whole.ndjson'), 'utf8'));
    expect(existsSync(`${file}.checkpoint`)).toBe(false);
    expect((await cli([...CUSTOMERS, '--resume'])).stderr).toMatch(/--resume continues an export to a file and needs --out <file>/);
    expect((await cli([...CUSTOMERS, '--out', file, '--resume', '--overwrite'])).stderr).toMatch(/give one of them/);
    expect((await cli([...CUSTOMERS, '--out', file, '--resume', '--start-index', '5'])).stderr).toMatch(/--resume continues where the run stopped; leave out --start-index/);
  }, 120_000);

  it('to stdout: --json prints the resume point when stopped, and --resume-from continues exactly there', async () => {
    sim.setFaults([{ path: '/customer', method: 'GET', pause: true, skip: 3 }]);
    const child = spawn(process.execPath, [CLI, ...CUSTOMERS, '--json'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await sim.untilPaused(1);
    // The first page is answered alone, so it is always among those let through (the pages
    // fetched ahead after it may reach the simulator in any order).
    await until(() => Buffer.concat(out).toString('utf8').split('\n').length > 100);
    child.kill('SIGINT');
    expect(await closed).toBe(130);
    sim.setFaults([]);
    sim.releasePaused();
    const written = Buffer.concat(out).toString('utf8').split('\n').length - 1;
    const stopped = JSON.parse(Buffer.concat(err).toString('utf8').trim().split('\n').pop()!) as { cancelled: boolean; resume: unknown; continueWith: string };
    expect(stopped).toMatchObject({ cancelled: true, resume: { index: written } });
    expect(stopped.continueWith).toBe(`flow-tripletex ${CUSTOMERS.join(' ')} --json --resume-from '{"index":${written}}'`);
    const pointFile = join(dir, 'resume-point.json');
    writeFileSync(pointFile, Buffer.concat(err).toString('utf8').trim().split('\n').pop()!);
    const rest = await cli([...CUSTOMERS, '--resume-from', pointFile]);
    expect(rest.code).toBe(0);
    expect(Buffer.concat(out).toString('utf8') + rest.stdout).toBe(readFileSync(join(dir, 'customers-whole.ndjson'), 'utf8'));
  }, 120_000);

  it('continues a window Tripletex refuses by the time the run continues (as if it had grown): split again, no row twice', async () => {
    const file = join(dir, 'postings-grown.ndjson');
    const first = await cli([...POSTINGS, '--max-pages', '4', '--out', file]);
    expect(first.code).toBe(0);
    const checkpoint = JSON.parse(readFileSync(`${file}.checkpoint`, 'utf8')) as { resume: { window: { from: string; to: string }; date: string } };
    expect(checkpoint.resume.date > checkpoint.resume.window.from).toBe(true);
    // The window held up to 700 rows when it was read; now Tripletex serves at most 150 a query.
    sim.setResultSetLimit(150);
    sim.resetRequests();
    const rest = await cli([...POSTINGS, '--out', file, '--resume', '--json']);
    expect(rest.code).toBe(0);
    expect(JSON.parse(rest.stderr.trim().split('\n').pop()!).summary.splits).toBeGreaterThan(0);
    // The refused window was asked for again from the date reached, never from its start.
    const windowRequests = sim.requests.filter((r) => r.path === '/ledger/posting' && r.query.dateFrom! < checkpoint.resume.date && r.query.dateTo! > checkpoint.resume.window.from);
    expect(windowRequests).toEqual([]);
    const ids = lines(file).map((r) => r.id as number);
    expect(new Set(ids).size).toBe(ids.length);
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(dir, 'postings-whole.ndjson'), 'utf8'));
  }, 120_000);
});
