import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogData } from '../../contract/host.js';
import type { HostLogger } from '../../tooling/host/console-context.js';

// Shared by the host's unit tests: the fake pack, a logger that remembers, temp files.

const here = dirname(fileURLToPath(import.meta.url));
export const FAKE_MANIFEST = join(here, 'fixtures', 'fake-pack', 'manifest.json');
export const REPO_ROOT = join(here, '..', '..');

export interface LogLine {
  level: string;
  prefix: string;
  message: string;
  data?: LogData;
}

export class MemoryLogger implements HostLogger {
  constructor(
    readonly lines: LogLine[] = [],
    private readonly prefix = '',
  ) {}
  child(prefix: string): HostLogger {
    return new MemoryLogger(this.lines, this.prefix ? `${this.prefix} › ${prefix}` : prefix);
  }
  enabled(): boolean {
    return true;
  }
  private push(level: string, message: string, data?: LogData) {
    this.lines.push({ level, prefix: this.prefix, message, ...(data ? { data } : {}) });
  }
  debug(message: string, data?: LogData) {
    this.push('debug', message, data);
  }
  info(message: string, data?: LogData) {
    this.push('info', message, data);
  }
  warn(message: string, data?: LogData) {
    this.push('warn', message, data);
  }
  error(message: string, data?: LogData) {
    this.push('error', message, data);
  }
  text(): string {
    return this.lines.map((l) => `${l.level} ${l.prefix}: ${l.message} ${JSON.stringify(l.data ?? {})}`).join('\n');
  }
}

export function tempDir(prefix = 'flow-tripletex-host-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return path;
}

/** The message of whatever fn throws (or rejects with); fails the test when it does not. */
export async function thrown(fn: () => unknown): Promise<Error & Record<string, unknown>> {
  try {
    await fn();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a failure, but it succeeded');
}
