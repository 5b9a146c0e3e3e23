import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MANIFEST, HOST_ROOT } from './paths.js';

// What `flow-tripletex --version` prints: the tool's own version and the pack it loads by
// default, which a host administrator compares with the artifact they installed.

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function versionText(): string {
  const pkg = readJson(join(HOST_ROOT, 'package.json'));
  const manifest = readJson(DEFAULT_MANIFEST);
  const tool = `flow-tripletex ${String(pkg?.version ?? 'unknown')}`;
  const pack = manifest ? `pack ${String(manifest.id)} ${String(manifest.version)} (manifest version ${String(manifest.manifestVersion)}, ${DEFAULT_MANIFEST})` : `no pack manifest at ${DEFAULT_MANIFEST}`;
  return `${tool}\n${pack}`;
}
