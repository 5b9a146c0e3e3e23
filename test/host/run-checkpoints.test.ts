import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFlow, type ActionStep, type Flow } from '../../tooling/host/flow-file.js';
import { runFlow, type RunFlowOptions } from '../../tooling/host/flow-runner.js';
import { loadPack, type Pack } from '../../tooling/host/pack-loader.js';
import { Redactor } from '../../tooling/host/redact.js';
import { flowIdentity, RunCheckpoints, UnfinishedFilesError, type CheckpointMode } from '../../tooling/host/run-checkpoints.js';
import { SinkSet } from '../../tooling/host/sinks.js';
import { writeCheckpoint } from '../../tooling/host/checkpoint.js';
import { DEFAULT_MANIFEST } from '../../tooling/host/paths.js';
import { FAKE_MANIFEST, MemoryLogger, tempDir } from './helpers.js';

// The flow runner with checkpoints (what `run`, `request --out` and the designer use): a file a
// top-level paging step writes keeps a checkpoint while its run is unfinished; a run that
// continues it appends exactly the rows after the last durable page; a run that would start it
// over is refused unless asked to overwrite; another flow or command cannot continue it.

const KEY = 'good-CANARY-checkpoint-7781';
let pack: Pack;
beforeAll(async () => {
  pack = await loadPack(FAKE_MANIFEST);
});

const WORDS = { resume: 'continue it with --resume', overwrite: 'start over with --overwrite' };
const connect = { id: 'connect', action: 'make-connection', inputs: { apiKey: { $env: 'FAKE_KEY' }, name: 'run-time' } };
const listing = (inputs: Record<string, unknown> = {}, forEachPage: Record<string, unknown> = { writeRowsTo: 'out/rows.ndjson' }) => ({
  id: 'list',
  action: 'list-pages',
  inputs: { connection: { $from: 'connect.connection' }, pages: 10, rowsPerPage: 3, ...inputs },
  forEachPage,
});
const flowOf = (steps: unknown[], file = 'export.flow.json') => parseFlow({ flowFormat: 1, name: 'Export', steps }, file, pack);
const ns = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { n: number }).n);

function run(flow: Flow, outDir: string, mode: CheckpointMode, extra: Partial<RunFlowOptions> = {}) {
  const redactor = new Redactor();
  const env = { FAKE_KEY: KEY };
  return runFlow(flow, {
    pack,
    env,
    redactor,
    log: new MemoryLogger(),
    signal: new AbortController().signal,
    outDir,
    checkpoints: { mode, identity: flowIdentity(flow, { pack, env, redactor }), words: WORDS },
    ...extra,
  });
}

/** A run cancelled once `pages` pages have been handled. */
function cancelledAfter(pages: number): Partial<RunFlowOptions> {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    progress: () => ({
      update() {},
      page() {
        if (--pages === 0) controller.abort();
      },
      stop() {},
    }),
  };
}

describe('runFlow with checkpoints', () => {
  test('a cancelled run leaves its file and a checkpoint; continuing appends exactly the rest', async () => {
    const outDir = tempDir();
    const file = join(outDir, 'out', 'rows.ndjson');
    const flow = flowOf([connect, listing()]);
    const first = await run(flow, outDir, 'fresh', cancelledAfter(4));
    expect(first.status).toBe('cancelled');
    expect(ns(file)).toEqual([...Array(12).keys()]);
    const checkpoint = JSON.parse(readFileSync(`${file}.checkpoint`, 'utf8'));
    expect(checkpoint).toMatchObject({ step: 'list', resume: { index: 12 }, lines: 12, pages: 4, state: 'cancelled', resumable: true, bytes: readFileSync(file).length });
    expect(first.unfinished).toEqual([expect.objectContaining({ step: 'list', file, lines: 12, resumable: true, where: 'stopped after 12 rows' })]);

    const second = await run(flow, outDir, 'resume');
    expect(second.status).toBe('completed');
    expect(ns(file)).toEqual([...Array(30).keys()]);
    expect(second.steps.find((s) => s.id === 'list')).toMatchObject({ pages: 6, rows: 18 });
    expect(second.files).toEqual([{ path: file, lines: 30 }]);
    expect(existsSync(`${file}.checkpoint`)).toBe(false);
    expect(second.unfinished).toEqual([]);
    // No temporary checkpoint was left behind.
    expect(readdirSync(join(outDir, 'out'))).toEqual(['rows.ndjson']);
  });

  test('a run that would start an unfinished file over is refused, the file left untouched; --overwrite starts it over', async () => {
    const outDir = tempDir();
    const file = join(outDir, 'out', 'rows.ndjson');
    const flow = flowOf([connect, listing()]);
    await run(flow, outDir, 'fresh', cancelledAfter(2));
    const before = readFileSync(file);
    const refused = await run(flow, outDir, 'fresh').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnfinishedFilesError);
    expect((refused as Error).message).toMatch(/rows\.ndjson holds an unfinished run \(6 rows in 2 pages, cancelled; checkpoint \S+rows\.ndjson\.checkpoint\), and starting it over would lose it\. Continue it with --resume, or start over with --overwrite\. The file was left as it is\./);
    expect((refused as UnfinishedFilesError).toJSON()).toMatchObject({ kind: 'usage', unfinished: [{ step: 'list', lines: 6 }] });
    expect(readFileSync(file)).toEqual(before);
    // Overwriting with a run that fails before the step starts leaves the file marked unfinished.
    const broken = flowOf([connect, { fail: 'stopped before the export' }, listing()]);
    expect((await run(broken, outDir, 'overwrite')).status).toBe('failed');
    expect(readFileSync(file)).toEqual(before);
    expect(existsSync(`${file}.checkpoint`)).toBe(true);
    const over = await run(flow, outDir, 'overwrite');
    expect(over.status).toBe('completed');
    expect(ns(file)).toEqual([...Array(30).keys()]);
    expect(existsSync(`${file}.checkpoint`)).toBe(false);
  });

  test('continuing cuts off a torn last line and rows written after the last checkpoint', async () => {
    const outDir = tempDir();
    const file = join(outDir, 'out', 'rows.ndjson');
    const flow = flowOf([connect, listing()]);
    await run(flow, outDir, 'fresh', cancelledAfter(3));
    // As a crash leaves it: a page written but not yet recorded, then half a line.
    appendFileSync(file, '{"n":9}\n{"n":10}\n{"n":11}\n{"n":12,"pa');
    await run(flow, outDir, 'resume');
    expect(ns(file)).toEqual([...Array(30).keys()]);
  });

  test('refuses to continue with another flow, saying what differs; a finished file has nothing to continue', async () => {
    const outDir = tempDir();
    await run(flowOf([connect, listing()]), outDir, 'fresh', cancelledAfter(2));
    const changed = await run(flowOf([connect, listing({ rowsPerPage: 4 })]), outDir, 'resume').catch((e: unknown) => e);
    expect((changed as Error).message).toMatch(/^Cannot continue:\n {2}- \S*out\/rows\.ndjson was written by a different flow:\n {4}flow \(its steps and inputs\): was "[0-9a-f]{16}", now "[0-9a-f]{16}"\nStart over with --overwrite instead, or continue with the flow as it was\.$/);
    const renamed = await run(flowOf([connect, listing()], 'other.flow.json'), outDir, 'resume').catch((e: unknown) => e);
    expect((renamed as Error).message).toContain('flow file: was "export.flow.json", now "other.flow.json"');
    await run(flowOf([connect, listing()]), outDir, 'resume');
    const nothing = await run(flowOf([connect, listing()]), outDir, 'resume').catch((e: unknown) => e);
    expect((nothing as Error).message).toMatch(/^There is nothing to continue: \S*out\/rows\.ndjson has no checkpoint, so it holds no unfinished run\.$/);
  });

  test('a step that stopped early with rows remaining keeps its checkpoint, and continues from there', async () => {
    const outDir = tempDir();
    const file = join(outDir, 'out', 'rows.ndjson');
    const flow = flowOf([connect, listing({ maxPageCount: 4 })]);
    const first = await run(flow, outDir, 'fresh');
    expect(first.status).toBe('completed');
    expect(first.unfinished).toEqual([expect.objectContaining({ lines: 12, state: 'stopped early', resume: { index: 12 } })]);
    expect((await run(flow, outDir, 'fresh').catch((e: unknown) => e)) as Error).toBeInstanceOf(UnfinishedFilesError);
    await run(flow, outDir, 'resume');
    expect(ns(file)).toEqual([...Array(24).keys()]);
    await run(flow, outDir, 'resume');
    expect(ns(file)).toEqual([...Array(30).keys()]);
    expect(existsSync(`${file}.checkpoint`)).toBe(false);
  });

  test('a failed run keeps its checkpoint; an error the flow handles finishes the file', async () => {
    const outDir = tempDir();
    const failing = await run(flowOf([connect, listing({ failAtPage: 2 })]), outDir, 'fresh');
    expect(failing.status).toBe('failed');
    expect(failing.unfinished).toEqual([expect.objectContaining({ state: 'failed', lines: 6, resume: { index: 6 } })]);
    const handled = tempDir();
    const ok = await run(flowOf([connect, { ...listing({ failAtPage: 2 }), onError: [{ log: 'handled' }] }]), handled, 'fresh');
    expect(ok.status).toBe('completed');
    expect(ok.unfinished).toEqual([]);
    expect(existsSync(join(handled, 'out', 'rows.ndjson.checkpoint'))).toBe(false);
  });

  test('a step with nested steps per page gets a marker: refused without --overwrite, never continued', async () => {
    const outDir = tempDir();
    const nested = flowOf([connect, listing({}, { writeRowsTo: 'out/rows.ndjson', steps: [{ appendTo: 'out/pages.ndjson', value: { $from: 'page.index' } }] })]);
    const first = await run(nested, outDir, 'fresh', cancelledAfter(2));
    expect(first.unfinished).toEqual([expect.objectContaining({ lines: 6, resumable: 'step "list" runs nested steps for each page, whose requests and files cannot be continued' })]);
    const refused = await run(nested, outDir, 'fresh').catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/holds an unfinished run \(6 rows in 2 pages, cancelled; .*\)\S*, and starting it over would lose it\. Start over with --overwrite\./);
    const resumed = await run(nested, outDir, 'resume').catch((e: unknown) => e);
    expect((resumed as Error).message).toContain('rows.ndjson cannot be continued: step "list" runs nested steps for each page');
    expect((await run(nested, outDir, 'overwrite')).status).toBe('completed');
    expect(existsSync(join(outDir, 'out', 'rows.ndjson.checkpoint'))).toBe(false);
  });

  test('a run that wrote no row is started over without asking', async () => {
    const outDir = tempDir();
    const flow = flowOf([connect, listing({ failAtPage: 0 })]);
    expect((await run(flow, outDir, 'fresh')).unfinished).toEqual([expect.objectContaining({ lines: 0 })]);
    expect((await run(flowOf([connect, listing()]), outDir, 'fresh')).status).toBe('completed');
  });

  test('refuses a file another live process is writing, and never follows a link at the file\'s name', async () => {
    const outDir = tempDir();
    const file = join(outDir, 'out', 'rows.ndjson');
    const flow = flowOf([connect, listing()]);
    await run(flow, outDir, 'fresh', cancelledAfter(1));
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const checkpoint = JSON.parse(readFileSync(`${file}.checkpoint`, 'utf8'));
      await writeCheckpoint({ ...checkpoint, file, state: 'running', pid: other.pid! });
      for (const mode of ['resume', 'overwrite'] as const) {
        const refused = await run(flow, outDir, mode).catch((e: unknown) => e);
        expect((refused as Error).message).toMatch(new RegExp(`rows\\.ndjson is being written by another run right now \\(process ${other.pid}`));
      }
    } finally {
      other.kill();
    }
    // A killed run's process number taken by another program since is no run writing the file.
    const program = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const checkpoint = JSON.parse(readFileSync(`${file}.checkpoint`, 'utf8'));
      await writeCheckpoint({ ...checkpoint, file, state: 'running', pid: program.pid! });
      expect((await run(flow, outDir, 'resume')).status).toBe('completed');
    } finally {
      program.kill();
    }
    const linked = tempDir();
    const target = join(linked, 'elsewhere.txt');
    writeFileSync(target, 'not to be touched\n');
    symlinkSync(target, join(linked, 'rows.ndjson'));
    const refused = await run(flowOf([connect, listing({}, { writeRowsTo: 'rows.ndjson' })]), linked, 'fresh').catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/rows\.ndjson is a symbolic link; rows are written only to a plain file/);
    expect(existsSync(join(linked, 'rows.ndjson.checkpoint'))).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('not to be touched\n');
    // A FIFO at the name is refused at once (opening it for writing would wait for a reader).
    const piped = tempDir();
    execFileSync('mkfifo', [join(piped, 'rows.ndjson')]);
    const fifo = await run(flowOf([connect, listing({}, { writeRowsTo: 'rows.ndjson' })]), piped, 'fresh').catch((e: unknown) => e);
    expect((fifo as Error).message).toMatch(/rows\.ndjson is a FIFO \(named pipe\), not a regular file; rows are written only to a plain file/);
    expect(existsSync(join(piped, 'rows.ndjson.checkpoint'))).toBe(false);
    // A FIFO or a link leading out planted at the checkpoint's name is refused, never waited on or read.
    const plantedFifo = tempDir();
    execFileSync('mkfifo', [join(plantedFifo, 'rows.ndjson.checkpoint')]);
    const fifoCheckpoint = await run(flowOf([connect, listing({}, { writeRowsTo: 'rows.ndjson' })]), plantedFifo, 'resume').catch((e: unknown) => e);
    expect((fifoCheckpoint as Error).message).toMatch(/rows\.ndjson\.checkpoint: the checkpoint of .*rows\.ndjson is a FIFO \(named pipe\), not a regular file; it was not opened/);
    const plantedLink = tempDir();
    const secret = join(tempDir(), 'secret.json');
    writeFileSync(secret, '{"format": "flow-tripletex checkpoint"}');
    symlinkSync(secret, join(plantedLink, 'rows.ndjson.checkpoint'));
    const linkCheckpoint = await run(flowOf([connect, listing({}, { writeRowsTo: 'rows.ndjson' })]), plantedLink, 'resume').catch((e: unknown) => e);
    expect((linkCheckpoint as Error).message).toMatch(/is a link that leads out of its folder/);
  });

  test('confined (the designer): a checkpointed file, its checkpoint and its lock never go out of the output folder through a linked folder', async () => {
    const outDir = tempDir();
    const outside = tempDir();
    symlinkSync(outside, join(outDir, 'elsewhere'));
    for (const target of ['elsewhere/rows.ndjson', 'elsewhere/new/rows.ndjson']) {
      const flow = flowOf([connect, listing({}, { writeRowsTo: target })]);
      const refused = await run(flow, outDir, 'fresh', { confineFiles: true }).catch((e: unknown) => e);
      expect((refused as Error).message).toContain(`"${target}" leads out of the output folder`);
    }
    // Nothing was made there: no rows, no checkpoint, no lock, no folder.
    expect(readdirSync(outside)).toEqual([]);
  });

  test('two runs in one process never write the same file at once', async () => {
    const outDir = tempDir();
    const flow = flowOf([connect, listing()]);
    const options = { mode: 'fresh' as const, identity: flowIdentity(flow, { pack, env: {}, redactor: new Redactor() }), words: WORDS };
    const sinks = new SinkSet(outDir);
    const first = await RunCheckpoints.prepare(flow, sinks, options);
    const file = await first.open(flow.steps[1] as ActionStep);
    expect(file).toBeDefined();
    // A second run (the designer runs flows side by side) is refused while the first holds the file.
    for (const mode of ['fresh', 'overwrite'] as const) {
      const refused = await RunCheckpoints.prepare(flow, new SinkSet(outDir), { ...options, mode }).catch((e: unknown) => e);
      expect((refused as Error).message).toMatch(/^out\/rows\.ndjson is being written by another run right now; wait for it to end, or stop it first\.$/);
    }
    await first.end('completed', new Map());
    const again = await RunCheckpoints.prepare(flow, new SinkSet(outDir), options);
    expect(again).toBeInstanceOf(RunCheckpoints);
    // Refused at once also between a run's start and its first page (prepared, not yet opened),
    // and by the same words, not after waiting on the file's lock; two started in the same turn too.
    const meanwhile = await RunCheckpoints.prepare(flow, new SinkSet(outDir), options).catch((e: unknown) => e);
    expect((meanwhile as Error).message).toMatch(/^out\/rows\.ndjson is being written by another run right now; wait for it to end, or stop it first\.$/);
    await again.end('completed', new Map());
    const together = await Promise.allSettled([RunCheckpoints.prepare(flow, new SinkSet(outDir), options), RunCheckpoints.prepare(flow, new SinkSet(outDir), options)]);
    expect(together.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = together.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((lost.reason as Error).message).toMatch(/is being written by another run right now; wait for it to end/);
    await (together.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<RunCheckpoints>).value.end('completed', new Map());
  });

  test('two processes never write the same file at once: the lock is taken before the checkpoint is read, and a killed holder\'s lock is taken over', async () => {
    const outDir = tempDir();
    const file = join(outDir, 'out', 'rows.ndjson');
    const flow = flowOf([connect, listing()]);
    const options = { mode: 'fresh' as const, identity: flowIdentity(flow, { pack, env: {}, redactor: new Redactor() }), words: WORDS };
    // Another process takes the file's lock, as a run started a moment earlier would, before any checkpoint exists.
    const lockModule = new URL('../../dist/tooling/host/file-lock.js', import.meta.url).href;
    const script = `import(${JSON.stringify(lockModule)}).then(async (m) => { require('node:fs').mkdirSync(${JSON.stringify(join(outDir, 'out'))}, { recursive: true }); await m.holdFileLock(${JSON.stringify(file)}, () => 'held'); process.stdout.write('locked\\n'); setInterval(() => {}, 1000); });`;
    const holder = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
        holder.on('exit', (code) => reject(new Error(`the lock holder exited (${code})`)));
      });
      expect(existsSync(`${file}.checkpoint`)).toBe(false);
      const refused = await RunCheckpoints.prepare(flow, new SinkSet(outDir), options).catch((e: unknown) => e);
      expect((refused as Error).message).toBe('out/rows.ndjson is being written by another run right now (its lock out/rows.ndjson.lock is held); wait for it to end, or stop it first.');
    } finally {
      holder.kill('SIGKILL');
    }
    // A run killed with SIGKILL leaves its lock behind; it goes stale within seconds and is taken over.
    await new Promise((resolve) => holder.on('close', resolve));
    const taken = await RunCheckpoints.prepare(flow, new SinkSet(outDir), options);
    await taken.end('completed', new Map());
    expect(existsSync(`${file}.lock`)).toBe(false);
  }, 60_000);

  test('refuses to continue when a step before the continued one would send a write again', async () => {
    const real = await loadPack(DEFAULT_MANIFEST);
    const outDir = tempDir();
    const connection = { name: 'x', consumerToken: 'CANARY-consumer-checkpoint-1', employeeToken: 'CANARY-employee-checkpoint-2' };
    const flow = parseFlow(
      {
        flowFormat: 1,
        name: 'Write, then export',
        steps: [
          { id: 'create', action: 'rest-api-request-with-paging', inputs: { connection, method: 'POST', path: '/customer', body: { name: 'Fjord AS' } } },
          { id: 'export', action: 'rest-api-request-with-paging', inputs: { connection, path: '/customer' }, forEachPage: { writeRowsTo: 'customers.ndjson' } },
        ],
      },
      'write-then-export.flow.json',
      real,
    );
    const redactor = new Redactor();
    const identity = flowIdentity(flow, { pack: real, env: {}, redactor });
    const file = join(outDir, 'customers.ndjson');
    writeFileSync(file, '{"id":1}\n');
    await writeCheckpoint({ format: 'flow-tripletex checkpoint', version: 1, file, step: 'export', identity: identity(flow.steps[1] as never), resumable: true, resume: { index: 1 }, bytes: 9, lines: 1, pages: 1, state: 'cancelled', pid: 0, updatedAt: new Date().toISOString() });
    const refused = await runFlow(flow, { pack: real, env: {}, redactor, log: new MemoryLogger(), signal: new AbortController().signal, outDir, checkpoints: { mode: 'resume', identity, words: WORDS } }).catch((e: unknown) => e);
    expect((refused as Error).message).toContain('step "create" comes before the step continued and would run again, sending its POST a second time');
    expect(readFileSync(file, 'utf8')).toBe('{"id":1}\n');
  });
});
