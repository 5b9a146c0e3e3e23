import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../contract/package-root.js';
import { basic, osloInDays } from './helpers.js';

// The built CLI as a child process: `npm test` builds first, so dist/ is current.

const CLI = join(PACKAGE_ROOT, 'dist', 'tooling', 'cli', 'main.js');

interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  hasExited: () => boolean;
}

function run(args: string[]): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: PACKAGE_ROOT, env: { ...process.env, NODE_OPTIONS: '' } });
  let out = '';
  let err = '';
  let done = false;
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      done = true;
      resolve(code);
    }),
  );
  return { child, stdout: () => out, stderr: () => err, exited, hasExited: () => done };
}

// Waits for the condition however long a busy machine takes (jest's timeout is the limit),
// and fails at once, with what the CLI said, if it exits first.
async function waitFor(cli: RunningCli, predicate: () => boolean, what: string): Promise<void> {
  while (!predicate()) {
    if (cli.hasExited()) throw new Error(`the CLI exited before ${what}: ${cli.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('flow-tripletex simulator (CLI)', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does it first)`);
  });

  it('prints the URLs, export lines and demo tokens, serves requests, and exits 0 on SIGINT', async () => {
    const cli = run(['simulator', '--size', '20', '--seed', '5', '--rate-limit', '50/10', '--exact-full-result-size', '--fault', 'GET:/supplier=503', '--log-requests']);
    try {
      await waitFor(cli, () => cli.stdout().includes('Stop with Ctrl+C.'), 'the banner');
      const out = cli.stdout();
      const production = /^export TRIPLETEX_PRODUCTION_URL=(http:\/\/127\.0\.0\.1:\d+\/v2)$/m.exec(out)?.[1];
      const test = /^export TRIPLETEX_TEST_URL=(http:\/\/127\.0\.0\.1:\d+\/v2)$/m.exec(out)?.[1];
      expect(production).toBeDefined();
      expect(test).toBeDefined();
      const section = out.slice(out.indexOf('  production\n'));
      const consumer = /consumer token\s+(\S+)/.exec(section)?.[1];
      const employee = /\n\s+employee token\s+(\S+)/.exec(section)?.[1];
      expect(consumer).toBeDefined();
      expect(employee).toBeDefined();
      expect(out).toMatch(/test\n\s+consumer token\s+test-/);
      for (const label of ['restricted employee token', 'accountant employee token', 'no-API-access employee token']) expect(out).toContain(label);

      const created = await fetch(`${production}/token/session/:create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ consumerToken: consumer, employeeToken: employee, expirationDate: osloInDays(2) }),
      });
      expect(created.status).toBe(201);
      const session = ((await created.json()) as { value: { token: string } }).value.token;
      const customers = await fetch(`${production}/customer?count=5`, { headers: { authorization: basic(0, session) } });
      expect(customers.status).toBe(200);
      expect(customers.headers.get('x-rate-limit-limit')).toBe('50');
      expect(((await customers.json()) as { fullResultSize: number }).fullResultSize).toBe(20);
      expect((await fetch(`${production}/supplier`, { headers: { authorization: basic(0, session) } })).status).toBe(503);
      await waitFor(cli, () => cli.stdout().includes('/supplier'), 'the request log line');
      // The request log never prints a session token.
      expect(cli.stdout()).not.toContain(session);
    } finally {
      cli.child.kill('SIGINT');
    }
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain('Simulator stopped.');
  });

  it('exports every variable the example workspace reads, so it works by copy-paste, or writes them with --write-env-file', async () => {
    const workspace = readFileSync(join(PACKAGE_ROOT, 'examples', 'demo.workspace.json'), 'utf8');
    const wanted = [...new Set([...workspace.matchAll(/"\$env": "([A-Z_]+)"/g)].map((m) => m[1]!))];
    expect(wanted.length).toBeGreaterThanOrEqual(5);
    const printed = run(['simulator', '--size', '5']);
    try {
      await waitFor(printed, () => printed.stdout().includes('Stop with Ctrl+C.'), 'the banner');
      for (const name of [...wanted, 'TRIPLETEX_PRODUCTION_URL', 'TRIPLETEX_TEST_URL']) expect(printed.stdout()).toMatch(new RegExp(`^export ${name}=\\S+$`, 'm'));
    } finally {
      printed.child.kill('SIGINT');
    }
    expect(await printed.exited).toBe(0);

    // A folder that does not exist yet, as out/ is in a fresh clone: it is made.
    const file = join(mkdtempSync(join(tmpdir(), 'sim-env-')), 'out', 'simulator.env');
    const written = run(['simulator', '--size', '5', '--write-env-file', file]);
    try {
      await waitFor(written, () => written.stdout().includes('Stop with Ctrl+C.'), 'the banner');
      expect(written.stdout()).toContain(`source ${file}`);
      expect(written.stdout()).not.toMatch(/^export /m);
      const text = readFileSync(file, 'utf8');
      for (const name of wanted) expect(text).toMatch(new RegExp(`^export ${name}=\\S+$`, 'm'));
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      written.child.kill('SIGINT');
    }
    expect(await written.exited).toBe(0);
  });

  it.each([
    ['--rate-limit', 'lots'],
    ['--latency', '10-5'],
    ['--fault', 'GET:/customer=boom'],
    ['--production-port', '70000'],
    ['--session-create-post', 'sometimes'],
    ['--size', '0'],
  ])('refuses %s %s with exit code 2 and a message naming the flag', async (flag, value) => {
    const cli = run(['simulator', flag, value]);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(flag);
  });
});
