import { beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseFlow } from '../../tooling/host/flow-file.js';
import { runFlow, type RunFlowOptions } from '../../tooling/host/flow-runner.js';
import { loadPack, type Pack } from '../../tooling/host/pack-loader.js';
import { Redactor } from '../../tooling/host/redact.js';
import { loadWorkspace } from '../../tooling/host/workspace-file.js';
import { FAKE_MANIFEST, MemoryLogger, tempDir, thrown, writeJson } from './helpers.js';

const KEY = 'good-CANARY-runner-5150';
let pack: Pack;
beforeAll(async () => {
  pack = await loadPack(FAKE_MANIFEST);
});

const flowOf = (steps: unknown[]) => parseFlow({ flowFormat: 1, name: 'Runner test', steps }, 'runner.flow.json', pack);
const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);

function options(extra: Partial<RunFlowOptions> = {}): RunFlowOptions & { log: MemoryLogger; outDir: string } {
  return {
    pack,
    env: { FAKE_KEY: KEY },
    redactor: new Redactor(),
    log: new MemoryLogger(),
    signal: new AbortController().signal,
    outDir: tempDir(),
    ...extra,
  } as RunFlowOptions & { log: MemoryLogger; outDir: string };
}

const connect = { id: 'connect', action: 'make-connection', inputs: { apiKey: { $env: 'FAKE_KEY' }, name: 'run-time' } };

describe('runFlow', () => {
  test("passes one step's output into a later step's input and writes each page's rows to a file", async () => {
    const opts = options();
    const result = await runFlow(
      flowOf([connect, { id: 'list', action: 'list-pages', inputs: { connection: { $from: 'connect.connection' }, pages: 3, rowsPerPage: 4 }, forEachPage: { writeRowsTo: 'out/rows.ndjson' } }]),
      opts,
    );
    expect(result.status).toBe('completed');
    const list = result.steps.find((s) => s.id === 'list')!;
    expect(list).toMatchObject({ port: 'continue', runs: 1, continued: 1, pages: 3, rows: 12, output: { pages: 3, items: 12 } });
    const rows = lines(join(opts.outDir, 'out', 'rows.ndjson'));
    expect(rows.map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(result.files).toEqual([{ path: join(opts.outDir, 'out', 'rows.ndjson'), lines: 12 }]);
  });

  test('runs nested steps once per page, with the page in scope, before the next page is handed over', async () => {
    const opts = options();
    const result = await runFlow(
      flowOf([
        connect,
        {
          id: 'list',
          action: 'list-pages',
          inputs: { connection: { $from: 'connect.connection' }, pages: 3, rowsPerPage: 2 },
          forEachPage: {
            steps: [
              { id: 'first', action: 'echo', inputs: { value: { index: { $from: 'page.index' }, firstRow: { $from: 'page.values.0.n' } } } },
              { appendTo: 'pages.ndjson', value: { echoed: { $from: 'first.value' }, connection: { $from: 'connect.connection.type' } } },
            ],
          },
        },
      ]),
      opts,
    );
    expect(result.status).toBe('completed');
    expect(result.steps.find((s) => s.id === 'first')).toMatchObject({ runs: 3, continued: 3, output: { value: { index: 2, firstRow: 4 } } });
    expect(lines(join(opts.outDir, 'pages.ndjson'))).toEqual([
      { echoed: { index: 0, firstRow: 0 }, connection: 'fake-connection' },
      { echoed: { index: 1, firstRow: 2 }, connection: 'fake-connection' },
      { echoed: { index: 2, firstRow: 4 }, connection: 'fake-connection' },
    ]);
  });

  test('a page without rows is counted but runs no nested steps', async () => {
    const result = await runFlow(
      flowOf([
        connect,
        {
          id: 'list',
          action: 'list-pages',
          inputs: { connection: { $from: 'connect.connection' }, pages: 2, emptyLastPage: true },
          forEachPage: { steps: [{ id: 'first', action: 'echo', inputs: { value: { $from: 'page.values.0.n' } } }] },
        },
      ]),
      options(),
    );
    expect(result.status).toBe('completed');
    expect(result.steps.find((s) => s.id === 'list')).toMatchObject({ pages: 3, rows: 4 });
    expect(result.steps.find((s) => s.id === 'first')).toMatchObject({ runs: 2, continued: 2 });
  });

  test('emit resolves only after the page is handled (back-pressure)', async () => {
    const events: string[] = [];
    const slow = new PassThrough({ highWaterMark: 1 });
    const opts = options({ stdout: slow });
    const original = slow.write.bind(slow);
    slow.write = ((chunk: unknown, ...rest: unknown[]) => {
      events.push(`write ${String(chunk).trim().split('\n').length}`);
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof slow.write;
    slow.on('data', () => undefined);
    const info = opts.log.info.bind(opts.log);
    opts.log.info = (message, data) => {
      if (message.startsWith('page handled')) events.push(message);
      info(message, data);
    };
    const result = await runFlow(
      flowOf([
        connect,
        {
          id: 'list',
          action: 'list-pages',
          inputs: { connection: { $from: 'connect.connection' }, pages: 2, rowsPerPage: 3 },
          forEachPage: { writeRowsTo: '-', steps: [{ log: 'page handled', data: { index: { $from: 'page.index' } } }] },
        },
      ]),
      { ...opts, progress: () => ({ update: (info) => events.push(`progress ${info.pages}`), page: () => undefined, stop: () => undefined }) },
    );
    expect(result.status).toBe('completed');
    // The action reports progress for page N only after emit() for page N has resolved: rows written and nested steps run.
    expect(events).toEqual(['write 3', 'page handled {"index":0}', 'progress 1', 'write 3', 'page handled {"index":1}', 'progress 2']);
  });

  test('a failing step takes On Error: its onError steps run with the error, the rest of the list does not', async () => {
    const opts = options();
    const result = await runFlow(
      flowOf([
        connect,
        {
          id: 'list',
          action: 'list-pages',
          inputs: { connection: { $from: 'connect.connection' }, pages: 5, failAtPage: 2 },
          forEachPage: { writeRowsTo: 'rows.ndjson' },
          onError: [
            { log: 'handled', level: 'warn', data: { status: { $from: 'error.status' } } },
            { appendTo: 'errors.ndjson', value: { $from: 'error' } },
          ],
        },
        { id: 'after', action: 'echo', inputs: { value: 'should not run' } },
      ]),
      opts,
    );
    expect(result.status).toBe('completed');
    expect(result.handledErrors).toBe(1);
    expect(result.steps.find((s) => s.id === 'list')).toMatchObject({ port: 'onError', failed: 1, pages: 2, rows: 4, error: { kind: 'api', status: 403, message: 'Forbidden at page 2' } });
    expect(result.steps.find((s) => s.id === 'after')!.runs).toBe(0);
    expect(lines(join(opts.outDir, 'errors.ndjson'))).toEqual([{ name: 'FakeApiError', kind: 'api', message: 'Forbidden at page 2', status: 403 }]);
    expect(opts.log.lines.find((l) => l.message.startsWith('handled'))).toMatchObject({ level: 'warn', message: 'handled {"status":403}' });
  });

  test('a failure nobody handles fails the flow and names the step', async () => {
    const result = await runFlow(flowOf([connect, { id: 'list', action: 'list-pages', inputs: { connection: { $from: 'connect.connection' }, failAtPage: 0, failKind: 'plain' } }]), options());
    expect(result).toMatchObject({ status: 'failed', failedStep: 'list', error: { name: 'Error', message: 'plain failure at page 0' } });
    expect(result.steps.find((s) => s.id === 'list')!.port).toBe('failed');
  });

  test('a nested failure without a handler fails the paging step, whose onError handles it', async () => {
    const opts = options();
    const result = await runFlow(
      flowOf([
        connect,
        {
          id: 'list',
          action: 'list-pages',
          inputs: { connection: { $from: 'connect.connection' }, pages: 3 },
          forEachPage: { steps: [{ id: 'inner', action: 'list-pages', inputs: { connection: { $from: 'connect.connection' }, failAtPage: 0 } }] },
          onError: [{ appendTo: 'errors.ndjson', value: { message: { $from: 'error.message' } } }],
        },
      ]),
      opts,
    );
    expect(result.status).toBe('completed');
    expect(result.steps.find((s) => s.id === 'inner')).toMatchObject({ runs: 1, failed: 1, port: 'failed' });
    expect(result.steps.find((s) => s.id === 'list')).toMatchObject({ port: 'onError', pages: 1 });
    expect(lines(join(opts.outDir, 'errors.ndjson'))).toEqual([{ message: 'Forbidden at page 0' }]);
  });

  test('a nested failure with its own onError is handled per page; paging goes on', async () => {
    const result = await runFlow(
      flowOf([
        connect,
        {
          id: 'list',
          action: 'list-pages',
          inputs: { connection: { $from: 'connect.connection' }, pages: 3 },
          forEachPage: {
            steps: [{ id: 'inner', action: 'list-pages', inputs: { connection: { $from: 'connect.connection' }, failAtPage: 0 }, onError: [{ log: 'inner failed', data: { page: { $from: 'page.index' } } }] }],
          },
        },
      ]),
      options(),
    );
    expect(result.status).toBe('completed');
    expect(result.handledErrors).toBe(3);
    expect(result.steps.find((s) => s.id === 'inner')).toMatchObject({ runs: 3, failed: 3, port: 'onError' });
    expect(result.steps.find((s) => s.id === 'list')).toMatchObject({ port: 'continue', pages: 3 });
  });

  test('a fail step ends the flow as failed', async () => {
    const result = await runFlow(flowOf([{ id: 'e', action: 'echo', inputs: { value: 1 } }, { fail: 'stop here' }, { id: 'never', action: 'echo', inputs: { value: 2 } }]), options());
    expect(result).toMatchObject({ status: 'failed', error: { kind: 'flow', message: 'stop here' } });
    expect(result.steps.find((s) => s.id === 'never')!.runs).toBe(0);
  });

  test('$workspace gives the named object\'s properties; secrets never reach the result or the log', async () => {
    const dir = tempDir();
    const redactor = new Redactor();
    const workspace = await loadWorkspace(writeJson(dir, 'ws.json', { objects: [{ type: 'fake-connection', name: 'W', properties: { name: 'W', apiKey: { $env: 'FAKE_KEY' } } }] }), pack, redactor);
    const opts = options({ workspace, redactor });
    const result = await runFlow(
      flowOf([
        { id: 'list', action: 'list-pages', inputs: { connection: { $workspace: 'W' }, pages: 1, label: { $env: 'FAKE_KEY' } }, forEachPage: { writeRowsTo: 'rows.ndjson' } },
        { id: 'echo', action: 'echo', inputs: { value: { $workspace: 'W' }, secret: 'literal-secret-value' } },
      ]),
      opts,
    );
    expect(result.status).toBe('completed');
    const everything = JSON.stringify(result) + opts.log.text();
    expect(everything).not.toContain(KEY);
    expect(everything).toContain('[redacted]');
    // The label input is not a secret input, so the rows carry it as the action made them: rows are data.
    expect(readFileSync(join(opts.outDir, 'rows.ndjson'), 'utf8')).toContain(KEY);
    // The echo step's output held the whole object: its apiKey is blanked by value and by name.
    expect(result.steps.find((s) => s.id === 'echo')!.output).toEqual({ value: { name: 'W', apiKey: '[redacted]' } });
  });

  test('checks every variable and workspace object before the first step runs', async () => {
    const opts = options({ env: {} });
    const error = await thrown(() =>
      runFlow(
        flowOf([
          { id: 'first', action: 'echo', inputs: { value: 'x' } },
          { id: 'second', action: 'make-connection', inputs: { apiKey: { $env: 'MISSING_KEY' } } },
          { appendTo: 'never.ndjson', value: { $env: 'MISSING_TOO' } },
        ]),
        opts,
      ),
    );
    expect(error.message).toContain('MISSING_KEY (for steps[1].inputs.apiKey in runner.flow.json)');
    expect(error.message).toContain('MISSING_TOO (for steps[2].value in runner.flow.json)');
    expect(error.exitCode).toBe(2);
    expect(existsSync(join(opts.outDir, 'never.ndjson'))).toBe(false);
    const noWorkspace = await thrown(() => runFlow(flowOf([{ id: 'l', action: 'list-pages', inputs: { connection: { $workspace: 'W' } } }]), options()));
    expect(noWorkspace.message).toMatch(/refers to workspace object "W", but no workspace file was given \(--workspace <file>\)/);
  });

  test('an input that resolves to a value the schema refuses fails the step (which onError can handle)', async () => {
    const result = await runFlow(
      flowOf([
        { id: 'text', action: 'echo', inputs: { value: 'not a number' } },
        { id: 'typed', action: 'echo', inputs: { value: 1, count: { $from: 'text.value' } }, onError: [{ appendTo: 'e.ndjson', value: { $from: 'error' } }] },
      ]),
      options(),
    );
    expect(result.status).toBe('completed');
    expect(result.steps.find((s) => s.id === 'typed')!.error).toMatchObject({ kind: 'input', problems: [{ field: 'inputs.count', message: 'must be integer' }] });
  });

  test('a $from path with nothing at its end fails the step, naming the reference', async () => {
    const result = await runFlow(flowOf([{ id: 'a', action: 'echo', inputs: { value: { x: 1 } } }, { id: 'b', action: 'echo', inputs: { value: { $from: 'a.value.y.z' } } }]), options());
    expect(result).toMatchObject({ status: 'failed', failedStep: 'b' });
    expect(String(result.error?.message)).toContain('{"$from": "a.value.y.z"} has no value');
  });

  test('$env values are coerced for inputs that do not take strings', async () => {
    const result = await runFlow(flowOf([{ id: 'e', action: 'echo', inputs: { value: 'v', count: { $env: 'COUNT' }, enabled: { $env: 'ENABLED' } } }]), options({ env: { COUNT: '12', ENABLED: 'true' } }));
    expect(result.steps[0]!.output).toEqual({ value: 'v', count: 12, enabled: true });
  });

  test('an $env value the schema refuses is reported as the variable, with its value unless the input is secret', async () => {
    const result = await runFlow(flowOf([{ id: 'e', action: 'echo', inputs: { value: 'v', count: { $env: 'COUNT' } } }]), options({ env: { COUNT: 'twelve' } }));
    expect(result.error).toMatchObject({ kind: 'input', problems: [{ field: 'inputs.count', message: 'COUNT="twelve" is not an integer' }] });
    const secret = await runFlow(flowOf([{ id: 'c', action: 'make-connection', inputs: { apiKey: { $env: 'SHORT_KEY' }, name: 'n' } }]), options({ env: { SHORT_KEY: 'qz7' } }));
    expect(String(secret.error?.message)).toContain('inputs.apiKey: SHORT_KEY (secret, not shown) must be at least 8 characters long');
    expect(JSON.stringify(secret)).not.toContain('qz7');
  });

  test("warns once when an action's output does not match its output schema", async () => {
    const opts = options();
    const result = await runFlow(flowOf([{ id: 'e', action: 'echo', inputs: { value: 1, breakOutput: true } }]), opts);
    expect(result.status).toBe('completed');
    expect(opts.log.lines.filter((l) => l.level === 'warn').map((l) => `${l.prefix}: ${l.message}`)).toEqual(["e: the action's output does not match its output schema"]);
  });

  test('cancellation stops the run and reports it as cancelled, not as an error to handle', async () => {
    const controller = new AbortController();
    const opts = options({ signal: controller.signal });
    const result = await runFlow(
      flowOf([
        connect,
        {
          id: 'list',
          action: 'list-pages',
          inputs: { connection: { $from: 'connect.connection' }, pages: 100 },
          forEachPage: { steps: [{ id: 'inner', action: 'echo', inputs: { value: { $from: 'page.index' } } }] },
          onError: [{ appendTo: 'should-not-exist.ndjson', value: 1 }],
        },
      ]),
      { ...opts, progress: () => ({ update: (info) => info.pages === 3 && controller.abort(), page: () => undefined, stop: () => undefined }) },
    );
    expect(result.status).toBe('cancelled');
    expect(result.steps.find((s) => s.id === 'list')!.pages).toBe(3);
    expect(existsSync(join(opts.outDir, 'should-not-exist.ndjson'))).toBe(false);
  });

  test('progress is reported for top-level steps only, from ctx.progress and the pages seen', async () => {
    const seen: string[] = [];
    await runFlow(
      flowOf([
        connect,
        {
          id: 'outer',
          action: 'list-pages',
          inputs: { connection: { $from: 'connect.connection' }, pages: 2, fullResultSize: 4 },
          forEachPage: { steps: [{ id: 'nested', action: 'list-pages', inputs: { connection: { $from: 'connect.connection' }, pages: 1 } }] },
        },
      ]),
      options({
        progress: (step) => ({
          update: (info) => seen.push(`${step.id} progress ${info.items}`),
          page: (rows) => seen.push(`${step.id} page ${rows}`),
          stop: (final) => seen.push(`${step.id} stop ${final?.requests}`),
        }),
      }),
    );
    expect(seen).toEqual(['connect stop undefined', 'outer page 2', 'outer progress 2', 'outer page 2', 'outer progress 4', 'outer stop 2']);
  });
});
