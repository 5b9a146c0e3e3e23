import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../contract/package-root.js';
import { basic } from './helpers.js';

// The CLI flags for the behaviours modelled on recorded answers: the default rate limit, the
// result-set limit, the ledger size, per-list quirks and the new fault options. The built CLI
// runs as a child process (`npm test` builds first).

const CLI = join(PACKAGE_ROOT, 'dist', 'tooling', 'cli', 'main.js');

function start(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: PACKAGE_ROOT, env: { ...process.env, NODE_OPTIONS: '' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function banner(cli: ReturnType<typeof start>): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (!cli.stdout().includes('Stop with Ctrl+C.')) {
    if (Date.now() > deadline) throw new Error(`no banner; stderr: ${cli.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return cli.stdout();
}

describe('flow-tripletex simulator: flags for recorded behaviours', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does it first)`);
  });

  it('runs at Tripletex\'s rate limit by default and honours --result-set-limit, --postings-per-year, --list and the new fault options', async () => {
    const cli = start([
      'simulator',
      '--size', '60',
      '--result-set-limit', '100',
      '--postings-per-year', '1000',
      '--list', '/customer=cap=7,full-result-size=exact',
      '--list', '/customer=grow=2',
      '--report-reset', '1',
      '--fault', 'GET:/supplier=500,body=html',
      '--fault', 'GET:/product=429,reset=99999999',
    ]);
    try {
      const out = await banner(cli);
      expect(out).toContain('Rate limit: 100 requests per 10 s per token pair; X-Rate-Limit-Reset always says 1 s.');
      const url = /^export TRIPLETEX_PRODUCTION_URL=(\S+)$/m.exec(out)![1]!;
      const section = out.slice(out.indexOf('  production\n'));
      const consumer = /consumer token\s+(\S+)/.exec(section)![1];
      const employee = /\n\s+employee token\s+(\S+)/.exec(section)![1];
      const period = /dated from (\d{4}-\d{2}-\d{2}) up to/.exec(out)![1]!;
      const created = await fetch(`${url}/token/session/:create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ consumerToken: consumer, employeeToken: employee, expirationDate: '2999-01-01' }),
      });
      const session = ((await created.json()) as { value: { token: string } }).value.token;
      const get = (path: string) => fetch(`${url}${path}`, { headers: { authorization: basic(0, session) } });

      const customers = await get('/customer?count=1000');
      expect(customers.headers.get('x-rate-limit-limit')).toBe('100');
      expect(customers.headers.get('x-rate-limit-reset')).toBe('1');
      // Two customers were created before this answer (grow=2).
      expect(await customers.json()).toMatchObject({ fullResultSize: 62, count: 7 });
      // 1,000 postings a year: a year is over the limit of 100, a week is not.
      const year = await get(`/ledger/posting?dateFrom=${period}&dateTo=${Number(period.slice(0, 4)) + 1}-01-01`);
      expect(year.status).toBe(422);
      expect(await year.json()).toMatchObject({ code: 23000, message: 'Result set too large. Limit of 100 reached.' });
      expect((await get(`/ledger/posting?dateFrom=${period}&dateTo=${period.slice(0, 8)}08`)).status).toBe(200);
      const html = await get('/supplier');
      expect(html.status).toBe(500);
      expect(await html.text()).toContain('Feilsituasjon - Tripletex');
      const limited = await get('/product');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('x-rate-limit-reset')).toBe('99999999');
    } finally {
      cli.child.kill('SIGINT');
    }
    expect(await cli.exited).toBe(0);
  });

  it.each([
    ['--result-set-limit', '0'],
    ['--postings-per-year', 'many'],
    ['--list', '/nowhere=cap=5'],
    ['--list', '/customer=cap=none'],
    ['--fault', 'GET:/customer=500,body=pdf'],
  ])('refuses %s %s with exit code 2 and a message naming the flag', async (flag, value) => {
    const cli = start(['simulator', flag, value]);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(flag);
  });
});
