import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The host runs from its TypeScript sources (tests) and from dist/ (the CLI), at different
// depths. Its own files (the flow and workspace schemas, the default manifest, examples/)
// sit in the nearest folder above that holds package.json and schemas/flow.schema.json.
function findHostRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas', 'flow.schema.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`flow-tripletex: cannot find the host's package folder above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export const HOST_ROOT = findHostRoot();
export const HOST_SCHEMAS_DIR = join(HOST_ROOT, 'schemas');
/** The manifest the CLI loads unless --manifest names another pack. */
export const DEFAULT_MANIFEST = join(HOST_ROOT, 'manifest.json');
export const EXAMPLES_DIR = join(HOST_ROOT, 'examples');
