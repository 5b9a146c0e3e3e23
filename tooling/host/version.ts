import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_MANIFEST, HOST_ROOT } from './paths.js';

// What `flow-tripletex --version` prints: the tool's own version and the pack it loads (the one
// `--manifest` names, else the repository's), which a host administrator compares with the
// artifact they installed.

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function versionText(manifestPath: string = DEFAULT_MANIFEST): string {
  const pkg = readJson(join(HOST_ROOT, 'package.json'));
  const file = resolve(manifestPath);
  const manifest = readJson(file);
  const tool = `flow-tripletex ${String(pkg?.version ?? 'unknown')}`;
  const pack = manifest ? `pack ${String(manifest.id)} ${String(manifest.version)} (manifest version ${String(manifest.manifestVersion)}, ${file})` : `no pack manifest at ${file}`;
  return `${tool}\n${pack}`;
}

/** The manifest a command line names with --manifest <file> (or --manifest=<file>), if any. */
export function manifestArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg === '--manifest' && argv[i + 1] !== undefined) return argv[i + 1];
    if (arg.startsWith('--manifest=')) return arg.slice('--manifest='.length);
  }
  return undefined;
}
