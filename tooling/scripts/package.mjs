#!/usr/bin/env node
// Builds the installable pack: flow-tripletex-<version>.tgz, what a Flow host installs
// (docs/installing.md). It holds the manifest, the compiled pack modules (actions/,
// connection/, client/, contract/ under dist/) with the data they read, the pack's schemas and
// docs, a LICENSE, a package.json with only the runtime dependencies, and those dependencies
// themselves (bundled, so that installing needs no registry). No tooling, tests, TypeScript
// sources or source maps: the compiled files lose their sourceMappingURL comment (the maps
// stay behind), and the bundled dependencies lose their tests, benchmarks and .github folders.
//
//   npm run package                  # builds first, writes out/package/flow-tripletex-<version>.tgz
//   node tooling/scripts/package.mjs --out <folder>
//
// It prints the artifact's path, size, file count and SHA-256, and writes the checksum beside
// it (<artifact>.sha256, in sha256sum's format) for `sha256sum -c`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outArg = process.argv.indexOf('--out');
const outDir = resolve(outArg > 0 ? process.argv[outArg + 1] : join(root, 'out', 'package'));

/** The pack's own code, as compiled; everything else in dist/ is tooling. */
const PACK_FOLDERS = ['contract', 'client', 'connection', 'actions'];
/** The reference host's own formats stay with the host; these are the pack's. */
const HOST_ONLY_SCHEMAS = new Set(['flow.schema.json', 'workspace.schema.json']);
const PACK_DOCS = ['tripletex-connection.md', 'create-tripletex-connection.md', 'rest-api-request-with-paging.md', 'host-contract.md', 'installing.md', 'real-tripletex.md'];

function fail(message) {
  process.stderr.write(`package: ${message}\n`);
  process.exit(1);
}

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
for (const folder of PACK_FOLDERS) if (!existsSync(join(root, 'dist', folder))) fail(`dist/${folder} is missing: run "npm run build" first`);

const name = `${pkg.name}-${pkg.version}`;
const stage = join(outDir, 'stage', name);
rmSync(join(outDir, 'stage'), { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

// The compiled pack, without source maps (they point at TypeScript sources that are not
// shipped), and without the comments that point at them: a debugger or bundler would look for
// a map that is not there.
const SOURCE_MAP_COMMENT = /\n\/\/# sourceMappingURL=[^\n]*\s*$/;
const imports = new Set();
for (const folder of PACK_FOLDERS) {
  for (const file of filesUnder(join(root, 'dist', folder))) {
    if (file.endsWith('.map')) continue;
    const target = join(stage, relative(root, file));
    mkdirSync(dirname(target), { recursive: true });
    if (file.endsWith('.js') || file.endsWith('.d.ts')) writeFileSync(target, readFileSync(file, 'utf8').replace(SOURCE_MAP_COMMENT, '\n'));
    else cpSync(file, target);
    if (file.endsWith('.js')) {
      for (const match of readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const specifier = match[1] ?? match[2];
        if (!specifier.startsWith('.') && !specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
          imports.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
        }
      }
    }
  }
}

// Every module the manifest names must be in the artifact.
for (const entry of [...manifest.workspaceObjects, ...manifest.actions]) {
  if (!existsSync(join(stage, entry.module))) fail(`the manifest names ${entry.module}, which the build did not produce`);
}

cpSync(join(root, 'manifest.json'), join(stage, 'manifest.json'));
mkdirSync(join(stage, 'schemas'));
for (const file of readdirSync(join(root, 'schemas'))) {
  if (file.endsWith('.json') && !HOST_ONLY_SCHEMAS.has(file)) cpSync(join(root, 'schemas', file), join(stage, 'schemas', file));
}
mkdirSync(join(stage, 'docs'));
// A link to a page that is not shipped (the CLI's, the designer's, the simulator's) would lead
// nowhere inside the artifact: it becomes plain text that says where the page is.
function withShippedLinks(markdown) {
  return markdown.replace(/\[([^\]]+)\]\((?![a-z][a-z0-9+.-]*:|#)([^)#\s]+)(#[^)\s]*)?\)/gi, (whole, text, target) => {
    if (PACK_DOCS.includes(target)) return whole;
    const where = target.startsWith('../') ? target.slice(3) : `docs/${target}`;
    return `${text} (${where} in the flow-tripletex repository, not in this package)`;
  });
}
for (const file of PACK_DOCS) writeFileSync(join(stage, 'docs', file), withShippedLinks(readFileSync(join(root, 'docs', file), 'utf8')));
writeFileSync(
  join(stage, 'docs', 'README.md'),
  `# ${manifest.name} pack ${manifest.version}: documentation\n\n` +
    PACK_DOCS.map((file) => `- [${file.replace(/\.md$/, '')}](${file})`).join('\n') +
    '\n\nThe reference host (the flow-tripletex CLI and designer), the Tripletex simulator and the tests live in the source repository, not in this artifact; these pages name their pages there.\n',
);
cpSync(join(root, 'LICENSE'), join(stage, 'LICENSE'));
writeFileSync(
  join(stage, 'README.md'),
  `# ${pkg.name} ${pkg.version}\n\n${pkg.description}\n\nA Flow host loads \`manifest.json\`; see \`docs/installing.md\`. Node.js ${pkg.engines.node}.\n`,
);

// Only what the pack's modules import, pinned to the versions the repository's lock file
// installed and its tests ran with.
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const dependencies = {};
for (const dep of [...imports].sort()) {
  if (!pkg.dependencies?.[dep]) fail(`the pack imports ${dep}, which package.json does not list as a runtime dependency`);
  const locked = lock.packages?.[`node_modules/${dep}`]?.version;
  if (!locked) fail(`package-lock.json has no installed version of ${dep}`);
  dependencies[dep] = locked;
}
const artifactPackage = {
  name: pkg.name,
  version: pkg.version,
  description: pkg.description,
  type: 'module',
  license: pkg.license,
  engines: pkg.engines,
  files: ['manifest.json', 'schemas/', 'dist/', 'docs/', 'LICENSE', 'README.md'],
  dependencies,
  bundleDependencies: Object.keys(dependencies),
};
writeFileSync(join(stage, 'package.json'), JSON.stringify(artifactPackage, null, 2) + '\n');

// The dependencies go in the artifact as the repository installed them (package-lock.json's
// tree, copied from node_modules): the versions the tests ran with, and a host installs the
// artifact without reaching a registry.
function lockPathOf(name, from) {
  // npm's lookup: node_modules/<name> beside `from`, then in each folder above it.
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const at = base.lastIndexOf('/node_modules/');
    base = at < 0 ? '' : base.slice(0, at);
  }
}
const bundled = new Set();
const pending = Object.keys(dependencies).map((dep) => lockPathOf(dep, ''));
while (pending.length > 0) {
  const path = pending.pop();
  if (!path || bundled.has(path)) continue;
  bundled.add(path);
  const entry = lock.packages[path];
  for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
    const found = lockPathOf(dep, path);
    if (found) pending.push(found);
    else if (!entry.optionalDependencies?.[dep]) fail(`package-lock.json does not say where ${dep} (needed by ${path}) is installed`);
  }
}
// What a dependency's package carries for its own development, never loaded at run time.
const DEVELOPMENT_FOLDERS = new Set(['test', 'tests', '__tests__', 'spec', 'benchmark', 'benchmarks', '.github']);
const TEST_FILE = /(^|[.-])(test|spec)\.[cm]?[jt]s$/;
for (const path of bundled) {
  if (!existsSync(join(root, path))) fail(`${path} is not installed: run "npm ci" first`);
  const entry = JSON.parse(readFileSync(join(root, path, 'package.json'), 'utf8'));
  const main = entry.main ? relative('.', entry.main) : undefined;
  cpSync(join(root, path), join(stage, path), {
    recursive: true,
    filter: (source) => {
      const parts = relative(join(root, path), source).split(/[\\/]/);
      // Nested node_modules are copied with their own entry in the closure, if they are needed.
      if (parts.includes('node_modules')) return false;
      if (parts.join('/') === main) return true;
      return !parts.some((part) => DEVELOPMENT_FOLDERS.has(part)) && !(TEST_FILE.test(parts[parts.length - 1]) && statSync(source).isFile());
    },
  });
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const quiet = { cwd: stage, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } };
const packed = execFileSync(npm, ['pack', '--json', '--pack-destination', outDir], quiet).toString();
const info = JSON.parse(packed)[0];
const artifact = join(outDir, info.filename);
const sha256 = createHash('sha256').update(readFileSync(artifact)).digest('hex');
writeFileSync(`${artifact}.sha256`, `${sha256}  ${basename(artifact)}\n`);
rmSync(join(outDir, 'stage'), { recursive: true, force: true });

const own = info.files.filter((f) => !f.path.startsWith('node_modules/')).length;
process.stdout.write(
  `${relative(process.cwd(), artifact) || artifact}\n` +
    `  ${(statSync(artifact).size / 1024).toFixed(0)} KB packed, ${(info.unpackedSize / 1024).toFixed(0)} KB unpacked\n` +
    `  ${info.entryCount} files (${own} of the pack, ${info.entryCount - own} of its bundled dependencies: ${Object.keys(dependencies).join(', ')})\n` +
    `  sha256 ${sha256}  (also in ${basename(artifact)}.sha256)\n`,
);

