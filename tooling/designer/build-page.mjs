#!/usr/bin/env node
// Builds the designer page (tooling/designer/page) into dist/tooling/designer/page: one script, one style
// sheet and index.html, with everything bundled in. Nothing is fetched from a CDN, so the
// page works offline, and its Content-Security-Policy can allow this server's own files only.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const source = join(root, 'page');
const out = join(root, '..', '..', 'dist', 'tooling', 'designer', 'page');
mkdirSync(out, { recursive: true });

// @rjsf/core's test helper (getTestRegistry) imports @rjsf/validator-ajv8, which the page
// does not use: ajv compiles schemas with new Function, which the page's CSP forbids, so the
// page validates on the server (docs/designer.md). The helper is dropped by tree shaking;
// this only lets its import resolve.
const noAjvValidator = {
  name: 'no-ajv-validator',
  setup(builder) {
    builder.onResolve({ filter: /^@rjsf\/validator-ajv8$/ }, () => ({ path: 'validator-ajv8', namespace: 'unused' }));
    builder.onLoad({ filter: /.*/, namespace: 'unused' }, () => ({ contents: 'export default undefined;', loader: 'js' }));
  },
};

await build({
  plugins: [noAjvValidator],
  entryPoints: [join(source, 'main.tsx')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome120', 'firefox120', 'safari17'],
  jsx: 'automatic',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});

for (const file of ['index.html', 'style.css', 'favicon.svg']) copyFileSync(join(source, file), join(out, file));
