import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { RunningSimulator } from '../../tooling/simulator/index.js';
import { startDesignerFixture } from '../designer/support.js';
import { cleanEnv, ndjson, runCli } from '../host/e2e/cli-process.js';
import { REPO_ROOT } from '../host/helpers.js';
import { startE2eSimulator } from '../e2e/support.js';

// The artifact a Flow host installs, as a host would install it: `npm run package`'s script
// builds it, it is unpacked into an empty folder outside the repository, and the reference host
// and the designer load it from its manifest alone, then run Test connection and a paging request
// against the simulator. Its contents are checked against what must and must not ship.

const FORBIDDEN = /^package\/(tooling|test|examples|bench|simulator|host|designer|out|scripts)\/|\.ts$|\.tsx$|\.map$|^package\/tsconfig|^package\/jest/;
const TOOLING_DEPENDENCIES = ['commander', 'cli-progress', 'fastify', '@fastify/static', 'jest', 'nock', 'react'];

describe('the installable pack', () => {
  let out: string;
  let artifact: string;
  let files: string[];
  let installed: string;

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'flow-tripletex-artifact-'));
    const printed = execFileSync(process.execPath, [join(REPO_ROOT, 'tooling', 'scripts', 'package.mjs'), '--out', out], { cwd: REPO_ROOT }).toString();
    artifact = join(out, printed.split('\n')[0]!.trim().split('/').pop()!);
    files = execFileSync('tar', ['-tzf', artifact]).toString().split('\n').filter(Boolean);
    installed = mkdtempSync(join(tmpdir(), 'flow-tripletex-host-'));
    execFileSync('tar', ['-xzf', artifact, '-C', installed]);
  }, 180_000);

  it('is named after the version, with a checksum that verifies', () => {
    const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
    expect(artifact.endsWith(`flow-tripletex-${version}.tgz`)).toBe(true);
    expect(() => execFileSync('sha256sum', ['-c', `${artifact}.sha256`], { cwd: out })).not.toThrow();
  });

  it('holds the manifest, every module and schema it names, the docs, a LICENSE, and nothing of the tooling', () => {
    const own = files.filter((f) => !f.startsWith('package/node_modules/'));
    expect(own.filter((f) => FORBIDDEN.test(f))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(installed, 'package', 'manifest.json'), 'utf8'));
    const named: string[] = [manifest.docs];
    for (const object of manifest.workspaceObjects) named.push(object.module, object.schema, object.docs);
    for (const action of manifest.actions) {
      named.push(action.module, action.inputSchema, action.outputSchema, action.docs);
      for (const port of action.ports ?? []) if (port.schema) named.push(port.schema);
    }
    for (const path of named) expect(own).toContain(`package/${path}`);
    for (const path of ['package/LICENSE', 'package/package.json', 'package/dist/client/tripletex-endpoints.json', 'package/dist/client/tripletex-endpoint-catalog.json']) expect(own).toContain(path);
  });

  it('ships docs whose links all lead to files in the package', () => {
    const docs = files.filter((f) => /^package\/docs\/[^/]+\.md$/.test(f));
    expect(docs.length).toBeGreaterThan(5);
    const broken: string[] = [];
    for (const doc of docs) {
      const text = readFileSync(join(installed, doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\((?![a-z][a-z0-9+.-]*:|#)([^)#\s]+)(?:#[^)\s]*)?\)/gi)) {
        const file = join(doc, '..', target!).split('\\').join('/');
        if (!files.includes(file)) broken.push(`${doc} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
    expect(readFileSync(join(installed, 'package/docs/real-tripletex.md'), 'utf8')).toContain('docs/cli.md in the flow-tripletex repository, not in this package');
  });

  it('points at no source map it does not ship, and carries no tests or .github folders of its dependencies', () => {
    const compiled = files.filter((f) => /^package\/dist\/.*\.(js|d\.ts)$/.test(f));
    expect(compiled.length).toBeGreaterThan(10);
    for (const file of compiled) {
      const text = readFileSync(join(installed, file), 'utf8');
      const map = /\/\/# sourceMappingURL=(\S+)/.exec(text)?.[1];
      if (map !== undefined) expect(files).toContain(join(file, '..', map));
    }
    const development = files.filter((f) => f.startsWith('package/node_modules/') && (/\/(test|tests|__tests__|spec|benchmark|\.github)\//.test(f) || /(^|[/.-])(test|spec)\.[cm]?[jt]s$/.test(f)));
    expect(development).toEqual([]);
  });

  it('depends only on what the pack imports at run time, bundled', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package', 'package.json'), 'utf8'));
    const deps = Object.keys(pkg.dependencies);
    expect(deps.sort()).toEqual([...pkg.bundleDependencies].sort());
    for (const tool of TOOLING_DEPENDENCIES) expect(deps).not.toContain(tool);
    for (const dep of deps) expect(files).toContain(`package/node_modules/${dep}/package.json`);
  });

  describe('installed outside the repository', () => {
    let sim: RunningSimulator;
    let manifest: string;
    let workspace: string;

    beforeAll(async () => {
      sim = await startE2eSimulator({ size: 1500 });
      manifest = join(installed, 'package', 'manifest.json');
      expect(relative(REPO_ROOT, manifest).startsWith('..')).toBe(true);
      const dir = mkdtempSync(join(tmpdir(), 'flow-tripletex-ws-'));
      workspace = join(dir, 'workspace.json');
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        workspace,
        JSON.stringify({ objects: [{ type: 'tripletex-connection', name: 'Installed', properties: { name: 'Installed', consumerToken: { $env: 'TT_CONSUMER' }, employeeToken: { $env: 'TT_EMPLOYEE' } } }] }),
      );
    });
    afterAll(async () => {
      await sim.close();
    });

    const env = () =>
      cleanEnv({ ...sim.env, TT_CONSUMER: sim.tokens.production.consumerToken, TT_EMPLOYEE: sim.tokens.production.employeeTokens.employee });

    it('the reference host runs Test connection and a paging request from its manifest', async () => {
      const test = await runCli(['test-connection', '--manifest', manifest, '--workspace', workspace, '--connection', 'Installed'], { env: env() });
      expect(test.code).toBe(0);
      expect(test.all).toMatch(/PASS .*Installed/);
      const request = await runCli(['request', 'GET', '/customer', '--manifest', manifest, '--workspace', workspace, '--connection', 'Installed', '--items-per-page', '500', '--no-progress'], { env: env() });
      expect(request.code).toBe(0);
      expect(ndjson(request.stdout)).toHaveLength(1500);
    });

    it('the designer loads it and runs its Test connection', async () => {
      const fx = await startDesignerFixture({ designer: { manifest } });
      try {
        const tokens = fx.simulator.tokens.production;
        const result = await fx.call('POST', '/api/objects/test', { type: 'tripletex-connection', properties: { name: 'Installed', consumerToken: tokens.consumerToken, employeeToken: tokens.employeeTokens.employee } });
        expect(result.status).toBe(200);
        expect(JSON.stringify(result.body)).toMatch(/"ok":true/);
      } finally {
        await fx.stop();
      }
    });

    it('--version names the tool and the pack', async () => {
      const version = await runCli(['--version']);
      expect(version.code).toBe(0);
      expect(version.stdout).toMatch(/^flow-tripletex \d+\.\d+\.\d+\npack tripletex \d+\.\d+\.\d+ \(manifest version 1, /);
    });
  });
});
