import { beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { ConsoleLogger, Terminal } from '../../tooling/host/console-context.js';
import { parseFlow } from '../../tooling/host/flow-file.js';
import { runFlow, type RunFlowOptions } from '../../tooling/host/flow-runner.js';
import { loadPack, type Pack } from '../../tooling/host/pack-loader.js';
import { isSecretLike, Redactor } from '../../tooling/host/redact.js';
import { registerSecretProperties } from '../../tooling/host/secret-values.js';
import { SinkSet } from '../../tooling/host/sinks.js';
import { loadWorkspace } from '../../tooling/host/workspace-file.js';
import { FAKE_MANIFEST, MemoryLogger, tempDir, writeJson } from './helpers.js';

// Only values of properties a schema marks secret are registered with the redactor, and rows
// are data: whatever they hold, they reach their file exactly as the action emitted them.

const KEY = 'good-CANARY-data-7731';

/**
 * The fake pack plus two actions: emit-rows hands the rows it is given to For each page (and
 * logs the company it was told), issue-token returns a value its output schema marks secret.
 */
function extendedPack(): string {
  const dir = join(tempDir('flow-tripletex-secret-pack-'), 'pack');
  cpSync(dirname(FAKE_MANIFEST), dir, { recursive: true });
  const schema = (name: string, value: unknown) => writeJson(join(dir, 'schemas'), name, { $schema: 'http://json-schema.org/draft-07/schema#', $id: `https://fake.example/schemas/${name}`, ...(value as object) });
  schema('emit-rows.input.schema.json', {
    type: 'object',
    required: ['connection', 'rows'],
    additionalProperties: false,
    properties: {
      connection: { 'x-workspace-object-type': 'fake-connection', allOf: [{ $ref: 'fake-connection.schema.json' }] },
      companyId: { type: 'integer' },
      rows: { type: 'array' },
    },
  });
  schema('emit-rows.output.schema.json', { type: 'object', properties: { items: { type: 'integer' } } });
  schema('issue-token.input.schema.json', { type: 'object', properties: { seed: { type: 'string' } } });
  schema('issue-token.output.schema.json', { type: 'object', properties: { token: { type: 'string', 'x-secret': true }, note: { type: 'string' } } });
  writeFileSync(
    join(dir, 'modules', 'emit-rows.mjs'),
    `export async function run(inputs, ctx) {
  ctx.log.info('rows for company ' + inputs.companyId + ' on ' + inputs.connection.name);
  await ctx.emit('forEachPage', { index: 0, from: 0, values: inputs.rows });
  return { items: inputs.rows.length };
}
`,
  );
  writeFileSync(join(dir, 'modules', 'issue-token.mjs'), `export async function run(inputs) {\n  return { token: inputs.seed + '-issued-token', note: 'issued' };\n}\n`);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { actions: unknown[] };
  const ports = [
    { id: 'continue', title: 'Continue', kind: 'output' },
    { id: 'onError', title: 'On Error', kind: 'error' },
  ];
  manifest.actions.push(
    {
      id: 'emit-rows',
      title: 'Emit rows',
      inputSchema: 'schemas/emit-rows.input.schema.json',
      outputSchema: 'schemas/emit-rows.output.schema.json',
      module: 'modules/emit-rows.mjs',
      ports: [{ id: 'forEachPage', title: 'For each page', kind: 'stream', schema: 'schemas/page.schema.json' }, ...ports],
    },
    { id: 'issue-token', title: 'Issue token', inputSchema: 'schemas/issue-token.input.schema.json', outputSchema: 'schemas/issue-token.output.schema.json', module: 'modules/issue-token.mjs', ports },
  );
  return writeJson(dir, 'manifest.json', manifest);
}

/** A stream that keeps what is written to it. */
function capture(): NodeJS.WriteStream & { text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  }) as unknown as NodeJS.WriteStream & { text(): string };
  return Object.assign(stream, { isTTY: false, text: () => chunks.join('') });
}

let pack: Pack;
beforeAll(async () => {
  pack = await loadPack(extendedPack());
});

const OTHER_KEY = 'good-CANARY-unused-4410';
const ENV = { KEY, OTHER_KEY, NAME: 'Production company', NOTE: 'Delivered by the night batch', COMPANY: '10067', VERBOSE: 'true', RETRIES: '12345678' };

async function workspaceFile(redactor: Redactor) {
  const dir = tempDir();
  const file = writeJson(dir, 'ws.json', {
    objects: [
      { type: 'fake-connection', properties: { name: 'W', note: { $env: 'NOTE' }, apiKey: { $env: 'KEY' }, retries: { $env: 'RETRIES' }, verbose: { $env: 'VERBOSE' } } },
      { type: 'fake-connection', name: 'Literal', properties: { name: 'Literal', apiKey: 'good-literal-key-0042' } },
      { type: 'fake-connection', name: 'Unused', properties: { name: 'Unused', apiKey: { $env: 'OTHER_KEY' } } },
    ],
  });
  return loadWorkspace(file, pack, redactor);
}

function runOptions(extra: Partial<RunFlowOptions> = {}): RunFlowOptions & { outDir: string } {
  return { pack, env: ENV, redactor: new Redactor(), log: new MemoryLogger(), signal: new AbortController().signal, outDir: tempDir(), ...extra } as RunFlowOptions & { outDir: string };
}

const flowOf = (steps: unknown[], redactor?: Redactor) => parseFlow({ flowFormat: 1, name: 'Secrets and data', steps }, 'secrets.flow.json', pack, redactor ? { redactor } : {});

describe('which values are secrets', () => {
  test('short or common values are never registered, even when passed as secrets', () => {
    const redactor = new Redactor();
    for (const value of ['true', 'false', 'null', 'short', '1234567', '12345678', ' 10067 ', '-1234567.25', '   abc   ', 42, true, undefined, null]) redactor.add(value);
    expect(redactor.size).toBe(0);
    expect(isSecretLike('abcdefgh')).toBe(true);
    expect(isSecretLike('1234-5678')).toBe(true);
    redactor.add(KEY);
    expect(redactor.redact(`true 12345678 ${KEY}`)).toBe('true 12345678 [redacted]');
  });

  test("a workspace object's secret properties are registered, written or from a variable; its other properties are not", async () => {
    const redactor = new Redactor();
    const workspace = await workspaceFile(redactor);
    // Written into the file: registered as the file is loaded, before any object is used.
    expect(redactor.redact('good-literal-key-0042')).toBe('[redacted]');
    expect(redactor.redact(KEY)).toBe(KEY);
    const resolved = workspace.resolve('W', { env: ENV, redactor });
    expect(resolved.properties).toEqual({ name: 'W', note: 'Delivered by the night batch', apiKey: KEY, retries: 12345678, verbose: true });
    expect(redactor.redact(`${KEY} Delivered by the night batch 12345678 true`)).toBe('[redacted] Delivered by the night batch 12345678 true');
  });

  test('an action input marked secret is registered however its value arrives; a variable that fills a plain input is not', async () => {
    const redactor = new Redactor();
    const stream = capture();
    const log = new ConsoleLogger(new Terminal(stream, false), redactor, 'debug');
    const result = await runFlow(
      flowOf([
        // Logged before the step that takes it as a secret input: still never printed.
        { log: 'early', data: { key: { $env: 'KEY' }, name: { $env: 'NAME' } } },
        { id: 'connect', action: 'make-connection', inputs: { apiKey: { $env: 'KEY' }, name: { $env: 'NAME' } } },
      ]),
      runOptions({ redactor, log }),
    );
    expect(result.status).toBe('completed');
    expect(stream.text()).toContain('info  early {"key":"[redacted]","name":"Production company"}');
    expect(stream.text()).not.toContain(KEY);
  });

  test('a variable the workspace file names for a secret property is never printed, even by a flow that does not use that object', async () => {
    const redactor = new Redactor();
    const workspace = await workspaceFile(redactor);
    const stream = capture();
    const log = new ConsoleLogger(new Terminal(stream, false), redactor, 'info');
    const result = await runFlow(flowOf([{ log: 'variables', data: { other: { $env: 'OTHER_KEY' }, company: { $env: 'COMPANY' } } }]), runOptions({ redactor, log, workspace }));
    expect(result.status).toBe('completed');
    expect(stream.text()).toBe('info  variables {"other":"[redacted]","company":"10067"}\n');
  });

  test('a value an output schema marks secret is registered when the step returns it', async () => {
    const redactor = new Redactor();
    const stream = capture();
    const log = new ConsoleLogger(new Terminal(stream, false), redactor, 'info');
    const result = await runFlow(
      flowOf([
        { id: 'issue', action: 'issue-token', inputs: { seed: 'run-77' } },
        { log: 'issued', data: { value: { $from: 'issue.token' }, note: { $from: 'issue.note' } } },
      ]),
      runOptions({ redactor, log }),
    );
    expect(result.status).toBe('completed');
    expect(stream.text()).toContain('info  issued {"value":"[redacted]","note":"issued"}');
    expect(JSON.stringify(result)).not.toContain('run-77-issued-token');
  });

  test('registerSecretProperties takes the strings inside an object-valued secret and skips what is not a value yet', () => {
    const redactor = new Redactor();
    registerSecretProperties(redactor, { secret: { a: 'first-secret-value', list: ['second-secret-value', { $env: 'VARIABLE_NAME' }] }, plain: 'plain-value-here' }, ['secret'], (node) => typeof node === 'object' && node !== null && '$env' in node);
    expect(redactor.redact('first-secret-value second-secret-value VARIABLE_NAME plain-value-here')).toBe('[redacted] [redacted] VARIABLE_NAME plain-value-here');
  });
});

describe('rows are data', () => {
  // Rows that hold what a careless redactor would mangle: the company id inside numbers,
  // `true`, keys named like secrets, and even a registered secret's text.
  const rows = [
    { id: 1, customerNumber: 1006700, isPrivateIndividual: true, employeeToken: 'row-data-not-a-secret', note: 'company 10067' },
    { id: 2, customerNumber: 10067, isPrivateIndividual: false, note: `the key ${KEY} as a row holds it`, nested: { password: 'row-password-1' } },
  ];
  const expected = rows.map((row) => JSON.stringify(row) + '\n').join('');

  test('the NDJSON sink writes each value as JSON.stringify gives it', async () => {
    const dir = tempDir();
    const sinks = new SinkSet(dir);
    await sinks.open('rows.ndjson').writeLines(rows);
    await sinks.closeAll();
    expect(readFileSync(join(dir, 'rows.ndjson'), 'utf8')).toBe(expected);
  });

  test('writeRowsTo gets the rows byte for byte while secrets are registered; the log shows the company id', async () => {
    const redactor = new Redactor();
    const workspace = await workspaceFile(redactor);
    const log = new MemoryLogger();
    const opts = runOptions({ redactor, workspace, log });
    const result = await runFlow(
      flowOf([{ id: 'rows', action: 'emit-rows', inputs: { connection: { $workspace: 'W' }, companyId: { $env: 'COMPANY' }, rows }, forEachPage: { writeRowsTo: 'out/rows.ndjson' } }], redactor),
      opts,
    );
    expect(result.status).toBe('completed');
    expect(redactor.redact(KEY)).toBe('[redacted]');
    expect(readFileSync(join(opts.outDir, 'out', 'rows.ndjson'), 'utf8')).toBe(expected);
    expect(redactor.redact(log.text())).toContain('rows for company 10067 on W');
  });

  test("an append step writes page data as it came, but what comes from a workspace object, a variable or the flow's text is scrubbed", async () => {
    const redactor = new Redactor();
    const workspace = await workspaceFile(redactor);
    const opts = runOptions({ redactor, workspace });
    const result = await runFlow(
      flowOf(
        [
          {
            id: 'rows',
            action: 'emit-rows',
            inputs: { connection: { $workspace: 'W' }, rows },
            forEachPage: {
              steps: [
                { appendTo: 'pages.ndjson', value: { $from: 'page.values' } },
                { appendTo: 'other.ndjson', value: { object: { $workspace: 'W' }, key: { $env: 'KEY' }, company: { $env: 'COMPANY' }, text: `written ${KEY}`, first: { $from: 'page.values.0' } } },
              ],
            },
          },
        ],
        redactor,
      ),
      opts,
    );
    expect(result.status).toBe('completed');
    expect(readFileSync(join(opts.outDir, 'pages.ndjson'), 'utf8')).toBe(JSON.stringify(rows) + '\n');
    const other = readFileSync(join(opts.outDir, 'other.ndjson'), 'utf8');
    expect(other).toBe(
      JSON.stringify({
        object: { name: 'W', note: 'Delivered by the night batch', apiKey: '[redacted]', retries: 12345678, verbose: true },
        key: '[redacted]',
        company: '10067',
        text: 'written [redacted]',
        first: rows[0],
      }) + '\n',
    );
  });
});
