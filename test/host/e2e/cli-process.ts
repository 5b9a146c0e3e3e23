import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers.js';

// Runs the built CLI (dist/tooling/cli/main.js) as a child process, the way a user does. `npm test`
// builds first (pretest); the CLI must exist.

export const CLI = join(REPO_ROOT, 'dist', 'tooling', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Everything the command printed, for secret checks. */
  all: string;
}

/** The parent's environment without any Tripletex settings of the person running the tests. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('TRIPLETEX_') && !key.startsWith('CANARY_')) env[key] = value;
  return { ...env, ...extra };
}

export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; closeStdoutAfterFirstChunk?: boolean } = {}): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: run "npm run build" first (npm test does)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: options.env ?? cleanEnv(), cwd: options.cwd ?? REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      out.push(chunk);
      // Like `… | head -1`: the reader goes away after the first chunk.
      if (options.closeStdoutAfterFirstChunk) child.stdout.destroy();
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({ code, stdout, stderr, all: stdout + stderr });
    });
  });
}

export function ndjson(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
