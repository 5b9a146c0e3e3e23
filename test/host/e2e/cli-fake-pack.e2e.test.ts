import { beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAKE_MANIFEST, tempDir, writeJson } from '../helpers.js';
import { cleanEnv, ndjson, runCli, type CliResult } from './cli-process.js';

// The CLI as a child process with the fake pack (--manifest): the host's own behaviour (exit
// codes, messages, files, redaction) without Tripletex. The fake pack's modules are careless
// on purpose: they put the key into log lines and messages, which the host must redact.

const CANARY = `good-CANARY-fake-${Math.random().toString(16).slice(2, 10)}`;
const printed: string[] = [];
let dir: string;
let workspace: string;
const env = () => cleanEnv({ FAKE_KEY: CANARY, BAD_KEY: 'bad-CANARY-not-accepted' });

async function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const result = await runCli([...args, '--manifest', FAKE_MANIFEST], { env: { ...env(), ...extraEnv }, cwd: dir });
  printed.push(result.all);
  expect(result.all).not.toContain(CANARY);
  expect(result.all).not.toContain('bad-CANARY-not-accepted');
  return result;
}

beforeAll(() => {
  dir = tempDir();
  workspace = writeJson(dir, 'workspace.json', {
    objects: [
      { type: 'fake-connection', name: 'Good', properties: { name: 'Good', apiKey: { $env: 'FAKE_KEY' }, region: 'us' } },
      { type: 'fake-connection', name: 'Bad', properties: { name: 'Bad', apiKey: { $env: 'BAD_KEY' } } },
      { type: 'fake-connection', name: 'Thrower', properties: { name: 'Thrower', apiKey: 'throw-CANARY-literal-key' } },
    ],
  });
});

describe('test-connection (fake pack)', () => {
  test('passes: exit 0 and the message', async () => {
    const result = await cli(['test-connection', '--workspace', workspace, '--connection', 'Good']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('PASS Good: Connected to us as Good\n');
    // The module logged the key in its message and its data: redacted both times.
    expect(result.stderr).toContain('info  Good: testing with key [redacted]');
  });

  test('fails: exit 1, the message redacted, and --json gives the whole result', async () => {
    const human = await cli(['test-connection', '--workspace', workspace, '--connection', 'Bad']);
    expect(human.code).toBe(1);
    expect(human.stdout).toBe('FAIL Bad: The key [redacted] was refused\n');
    const json = await cli(['test-connection', '--workspace', workspace, '--connection', 'Bad', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ ok: false, message: 'The key [redacted] was refused', reason: 'bad-key' });
  });

  test('a test that throws is a failed test, not a crash', async () => {
    const result = await cli(['test-connection', '--workspace', workspace, '--connection', 'Thrower', '--log-level', 'error']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('FAIL Thrower: The test could not run: exploded while testing [redacted]\n');
    expect(result.all).not.toContain('throw-CANARY-literal-key');
  });
});

describe('run (fake pack)', () => {
  test('a flow with a per-run connection, pages to a file, nested steps and a handled error: exit 0', async () => {
    const flow = writeJson(dir, 'flow.json', {
      flowFormat: 1,
      name: 'Fake flow',
      steps: [
        { id: 'connect', action: 'make-connection', inputs: { apiKey: { $env: 'FAKE_KEY' } } },
        {
          id: 'list',
          action: 'list-pages',
          inputs: { connection: { $from: 'connect.connection' }, pages: 4, rowsPerPage: 5 },
          forEachPage: { writeRowsTo: 'out/rows.ndjson', steps: [{ id: 'each', action: 'echo', inputs: { value: { $from: 'page.index' } } }] },
        },
        { id: 'denied', action: 'list-pages', inputs: { connection: { $workspace: 'Good' }, failAtPage: 1 }, onError: [{ appendTo: 'out/errors.ndjson', value: { $from: 'error' } }] },
        { log: 'not reached' },
      ],
    });
    const result = await cli(['run', flow, '--workspace', workspace, '--json']);
    expect(result.code).toBe(0);
    const run = JSON.parse(result.stdout) as { status: string; handledErrors: number; steps: { id: string; port: string; rows: number; runs: number }[] };
    expect(run.status).toBe('completed');
    expect(run.handledErrors).toBe(1);
    expect(run.steps.map((s) => [s.id, s.port, s.runs, s.rows])).toEqual([
      ['connect', 'continue', 1, 0],
      ['list', 'continue', 1, 20],
      ['each', 'continue', 4, 0],
      ['denied', 'onError', 1, 2],
    ]);
    expect(ndjson(readFileSync(join(dir, 'out', 'rows.ndjson'), 'utf8'))).toHaveLength(20);
    expect(ndjson(readFileSync(join(dir, 'out', 'errors.ndjson'), 'utf8'))).toEqual([{ name: 'FakeApiError', kind: 'api', message: 'Forbidden at page 1', status: 403 }]);
    expect(result.stderr).toContain('▶ list — List pages');
    expect(result.stderr).toContain('✓ Continue: 20 rows in 4 pages');
    expect(result.stderr).toContain('✗ On Error after 2 rows in 1 page: Forbidden at page 1');
    expect(result.stderr).toContain('Flow "Fake flow" completed');
    expect(result.stderr).not.toContain('not reached');
  });

  test('an unhandled failure: exit 1, naming the step; the key in the error message is redacted', async () => {
    const flow = writeJson(dir, 'failing.json', { flowFormat: 1, name: 'Failing', steps: [{ id: 'list', action: 'list-pages', inputs: { connection: { $workspace: 'Bad' } } }] });
    const result = await cli(['run', flow, '--workspace', workspace]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('failed at step "list": Key [redacted] refused');
  });

  test('--out-dir decides where relative files go', async () => {
    const flow = writeJson(dir, 'outdir.json', {
      flowFormat: 1,
      name: 'Out dir',
      steps: [{ id: 'list', action: 'list-pages', inputs: { connection: { $workspace: 'Good' }, pages: 1 }, forEachPage: { writeRowsTo: 'rows.ndjson' } }],
    });
    const target = tempDir();
    const result = await cli(['run', flow, '--workspace', workspace, '--out-dir', target]);
    expect(result.code).toBe(0);
    expect(ndjson(readFileSync(join(target, 'rows.ndjson'), 'utf8'))).toHaveLength(2);
  });

  test('refusals exit 2: invalid flow, missing variable, unknown object, no workspace', async () => {
    const invalid = writeJson(dir, 'invalid.json', { flowFormat: 1, name: 'Invalid', steps: [{ id: 'x', action: 'list-pages', inputs: { connection: { $workspace: 'Good' }, pages: -1 } }] });
    const a = await cli(['run', invalid, '--workspace', workspace]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('steps[0].inputs.pages: must be >= 0');
    const needsEnv = writeJson(dir, 'env.json', { flowFormat: 1, name: 'Env', steps: [{ id: 'c', action: 'make-connection', inputs: { apiKey: { $env: 'NOT_SET_FOR_THIS_TEST' } } }] });
    const b = await cli(['run', needsEnv]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('NOT_SET_FOR_THIS_TEST (for steps[0].inputs.apiKey in env.json)');
    const unknown = writeJson(dir, 'unknown.json', { flowFormat: 1, name: 'Unknown', steps: [{ id: 'l', action: 'list-pages', inputs: { connection: { $workspace: 'Nobody' } } }] });
    const c = await cli(['run', unknown, '--workspace', workspace]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('has no workspace object named "Nobody"; it has "Good", "Bad", "Thrower"');
    const d = await cli(['run', unknown]);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('no workspace file was given (--workspace <file>)');
    const e = await cli(['run', join(dir, 'no-such-flow.json')]);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain('no-such-flow.json: the flow file does not exist');
  });
});

describe('usage', () => {
  test.each([
    ['test-connection', ['--workspace <file>', '--connection <name>', '--json']],
    ['request', ['<method>', '<path>', '--consumer-token-env <VAR>', '--query <key=value>', '--max-pages <n>', '--out <file>']],
    ['run', ['<flow>', '--workspace <file>', '--out-dir <dir>', '--json']],
    ['demo', ['--size <n>']],
  ])('%s --help lists its flags and exits 0', async (command, flags) => {
    const result = await cli([command, '--help']);
    expect(result.code).toBe(0);
    for (const flag of [...flags, '--manifest <file>', '--log-level <level>', '--no-progress']) expect(result.stdout).toContain(flag);
  });

  test('an unknown command, a missing argument and a bad choice exit 2 naming them', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const missing = await cli(['run']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'flow'");
    const level = await cli(['run', 'x.json', '--log-level', 'loud']);
    expect(level.code).toBe(2);
    expect(level.stderr).toContain("option '--log-level <level>' argument 'loud' is invalid. Allowed choices are debug, info, warn, error, silent.");
    const size = await cli(['demo', '--size', '10']);
    expect(size.code).toBe(2);
    expect(size.stderr).toContain("option '--size <n>' argument '10' is invalid. Expected a whole number from 25000 to 2000000.");
  });
});

describe('secrets', () => {
  test('no command printed the key, in any output', () => {
    expect(printed.length).toBeGreaterThan(8);
    for (const text of printed) expect(text).not.toContain(CANARY);
  });
});

describe('--version with --manifest', () => {
  test('names the pack that --manifest loads, not the repository\'s', async () => {
    for (const args of [['--version', '--manifest', FAKE_MANIFEST], ['--manifest', FAKE_MANIFEST, '--version'], [`--manifest=${FAKE_MANIFEST}`, '-V']]) {
      const result = await runCli(args, { env: env(), cwd: dir });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^flow-tripletex \d+\.\d+\.\d+\npack fake 1\.0\.0 \(manifest version 1, .*fake-pack\/manifest\.json\)\n$/);
    }
  });
});
