import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { PACKAGE_ROOT } from '../../contract/package-root.js';

// `npm ci` and `npm test` print no warnings that could be avoided: every installed package
// supports Node 20 (npm warns EBADENGINE otherwise), every dependency with an install script
// has a recorded decision in allowScripts (npm 11 warns about the others), and the one
// warning Node 20 prints for jest's ESM mode is filtered, while every other warning stays.

const packageJson = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; allowScripts?: Record<string, boolean> };
const lock = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; engines?: unknown; hasInstallScript?: boolean; optional?: boolean; os?: string[] }> };
const installed = Object.entries(lock.packages).filter(([path, entry]) => path.startsWith('node_modules/') && entry.version !== undefined);
const PRELOAD = './test/support/quiet-vm-modules-warning.cjs';

describe('npm ci prints no avoidable warnings', () => {
  it.each(['20.19.0', process.version])('every package in the lock file supports Node %s by its engines field', (version) => {
    const refusing = installed
      .filter(([, entry]) => !(entry.optional && entry.os))
      .map(([path, entry]) => ({ path, node: typeof entry.engines === 'object' && entry.engines !== null ? (entry.engines as { node?: unknown }).node : undefined }))
      .filter((p): p is { path: string; node: string } => typeof p.node === 'string' && !semver.satisfies(version, p.node));
    expect(refusing).toEqual([]);
  });

  it('every dependency with an install script has a decision in allowScripts', () => {
    const withScripts = [...new Set(installed.filter(([, entry]) => entry.hasInstallScript).map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)))];
    expect(withScripts.length).toBeGreaterThan(0);
    for (const name of withScripts) expect({ name, decided: typeof packageJson.allowScripts?.[name] === 'boolean' }).toEqual({ name, decided: true });
  });
});

describe('npm test prints no avoidable warnings', () => {
  it('starts jest with the preload that filters the VM Modules warning', () => {
    expect(packageJson.scripts.test).toBe(`node --experimental-vm-modules --require ${PRELOAD} node_modules/jest/bin/jest.js`);
  });

  it('drops the VM Modules warning and prints every other warning as Node would', () => {
    const script = "new (require('node:vm').SourceTextModule)('export default 1'); process.emitWarning('still shown', 'DeprecationWarning');";
    const quiet = spawnSync(process.execPath, ['--experimental-vm-modules', '--require', PRELOAD, '-e', script], { cwd: PACKAGE_ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(quiet.stderr).not.toContain('VM Modules');
    expect(quiet.stderr).toContain('DeprecationWarning: still shown');
    // Without the preload Node prints it: the filter is what keeps it out.
    const plain = spawnSync(process.execPath, ['--experimental-vm-modules', '-e', script], { cwd: PACKAGE_ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(plain.stderr).toContain('ExperimentalWarning: VM Modules');
  });
});
