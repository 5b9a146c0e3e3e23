import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The same code runs from the TypeScript sources (tests) and from dist/ (hosts), at
// different depths; the package root is the nearest folder that holds manifest.json.
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'manifest.json')) && existsSync(join(dir, 'schemas'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('flow-tripletex: cannot find the package root (no manifest.json above ' + fileURLToPath(import.meta.url) + ')');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findRoot();
export const SCHEMAS_DIR = join(PACKAGE_ROOT, 'schemas');
