import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../contract/package-root.js';
import { demoVariables } from '../../tooling/host/demo-variables.js';
import { startSimulator, type RunningSimulator } from '../../tooling/simulator/index.js';

// Every shell block in the README and docs/ is either run here, against the simulator, or
// marked as not runnable with the reason, so the docs cannot drift from the tool. A marker is
// an HTML comment on the line before the block (a blank line between is allowed):
//
//   <!-- doc-test: run -->                   run each command; all must exit 0
//   <!-- doc-test: run env=test -->          the same, with the simulator's test-environment
//                                            tokens in TRIPLETEX_CONSUMER_TOKEN / _EMPLOYEE_TOKEN
//   <!-- doc-test: run exit=1 -->            each command must exit with that code (a FAIL shown on purpose)
//   <!-- doc-test: skip <reason> -->         shown, not run (an installer, a server, a secret)
//   <!-- doc-test: file <name> -->           before a JSON block: written to <name> first
//
// In a block whose commands start with "$ ", the lines after a command are its output; each
// must appear in what the command printed, "…" standing for any text.

const DOCS = ['README.md', ...readdirSync(join(PACKAGE_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)].sort();
const SHELL = new Set(['sh', 'bash', 'shell', 'console']);

interface Block {
  doc: string;
  line: number;
  language: string;
  body: string;
  marker?: { kind: string; rest: string };
}

function blocksOf(doc: string): Block[] {
  const text = readFileSync(join(PACKAGE_ROOT, doc), 'utf8');
  const blocks: Block[] = [];
  for (const match of text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    const before = text.slice(0, match.index).split('\n');
    before.pop();
    while (before.length > 0 && before[before.length - 1]!.trim() === '') before.pop();
    const marker = /^<!-- doc-test: (run|skip|file)\b\s*(.*?)\s*-->$/.exec(before[before.length - 1]?.trim() ?? '');
    blocks.push({ doc, line: before.length + 1, language: match[1]!, body: match[2]!, ...(marker ? { marker: { kind: marker[1]!, rest: marker[2]! } } : {}) });
  }
  return blocks;
}

const all = DOCS.flatMap(blocksOf);
const shellBlocks = all.filter((b) => SHELL.has(b.language));

/** The commands of a block, and for "$ " blocks the output each must print. */
function commandsOf(block: Block): { command: string; expected: string[] }[] {
  const lines = block.body.split('\n');
  if (!lines.some((l) => l.startsWith('$ '))) return [{ command: block.body, expected: [] }];
  const out: { command: string; expected: string[] }[] = [];
  for (const line of lines) {
    if (line.startsWith('$ ')) out.push({ command: line.slice(2), expected: [] });
    else if (line.trim() !== '' && out.length > 0) out[out.length - 1]!.expected.push(line);
  }
  return out;
}

function pattern(expected: string): RegExp {
  const escaped = expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/…/g, '.*');
  return new RegExp(`^${escaped}$`, 'm');
}

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ size: 300, seed: 1, dataYear: 2025 });
});

afterAll(async () => {
  await sim?.close();
});

/** A folder like a user's: the package's files at hand, `flow-tripletex` on PATH. */
function workplace(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'flow-tripletex-docs-'));
  for (const name of ['dist', 'examples', 'schemas', 'node_modules', 'package.json', 'manifest.json']) symlinkSync(join(PACKAGE_ROOT, name), join(dir, name));
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'flow-tripletex'), `#!/bin/sh\nexec "${process.execPath}" "${join(PACKAGE_ROOT, 'dist', 'tooling', 'cli', 'main.js')}" "$@"\n`);
  chmodSync(join(bin, 'flow-tripletex'), 0o755);
  return { dir, path: `${bin}:${process.env.PATH ?? ''}` };
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

function environment(path: string, tokens: 'production' | 'test'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('TRIPLETEX_') && key !== 'NODE_OPTIONS') env[key] = value;
  const variables = demoVariables(sim);
  if (tokens === 'test') {
    variables.TRIPLETEX_CONSUMER_TOKEN = sim.tokens.test.consumerToken;
    variables.TRIPLETEX_EMPLOYEE_TOKEN = sim.tokens.test.employeeTokens.employee;
  }
  return { ...env, ...variables, PATH: path };
}

describe('shell commands in the docs', () => {
  test('there are shell blocks, and each is marked as run or skip (with a reason)', () => {
    expect(shellBlocks.length).toBeGreaterThan(15);
    const unmarked = shellBlocks.filter((b) => !b.marker || b.marker.kind === 'file' || (b.marker.kind === 'skip' && b.marker.rest === '')).map((b) => `${b.doc}:${b.line}`);
    expect(unmarked).toEqual([]);
    expect(shellBlocks.filter((b) => b.marker?.kind === 'run').length).toBeGreaterThanOrEqual(8);
  });

  const docsWithRuns = DOCS.filter((doc) => shellBlocks.some((b) => b.doc === doc && b.marker?.kind === 'run'));
  test.each(docsWithRuns)('%s: every runnable command works against the simulator as shown', async (doc) => {
    const { dir, path } = workplace();
    for (const block of all.filter((b) => b.doc === doc)) {
      if (block.marker?.kind === 'file') writeFileSync(join(dir, block.marker.rest), block.body);
      if (block.marker?.kind !== 'run' || !SHELL.has(block.language)) continue;
      const env = environment(path, /\benv=test\b/.test(block.marker.rest) ? 'test' : 'production');
      const exit = Number(/\bexit=(\d+)\b/.exec(block.marker.rest)?.[1] ?? 0);
      for (const { command, expected } of commandsOf(block)) {
        const result = await bash(command, dir, env);
        const where = `${doc}:${block.line}: ${command.split('\n').find((l) => l.trim() && !l.trim().startsWith('#'))?.trim()}`;
        expect({ where, code: result.code, output: result.code === exit ? '' : result.output }).toEqual({ where, code: exit, output: '' });
        for (const line of expected) expect({ where, line, printed: pattern(line).test(result.output) }).toEqual({ where, line, printed: true });
      }
    }
  }, 120_000);
});
