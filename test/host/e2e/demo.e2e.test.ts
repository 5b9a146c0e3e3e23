import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers.js';
import { cleanEnv, ndjson, runCli } from './cli-process.js';

// The main job, as `npm start` runs it: simulator, examples/ flows, checks, summary, exit 0.

describe('demo (npm start)', () => {
  test('runs every example against the simulator and ends with a passing summary', async () => {
    const result = await runCli(['demo', '--size', '25000'], { env: cleanEnv() });
    expect(result.stdout).toContain('All 8 checks passed');
    expect(result.code).toBe(0);
    for (const title of [
      'Test connection "Demo company": passed',
      // The demo says which connections fail on purpose, and why.
      'Test connection "Accounting office" fails and says why: failed as expected',
      "(fails on purpose: an accountant's token with no defaultCompanyId",
      'FAIL Accounting office: The tokens work in Tripletex production, but this is an accountant\'s employee token: with "defaultCompanyId" empty (0)',
      'Per-run connection (Create Tripletex Connection)',
      'Page through every customer: 25,000 rows',
      'Invoices for a date range',
      "Reach an accountant's client companies: 3 client companies listed",
      'Missing entitlement takes On Error: Tripletex answered 403',
    ]) {
      expect(result.stdout).toContain(title);
    }
    const customers = ndjson(readFileSync(join(REPO_ROOT, 'out', 'customers.ndjson'), 'utf8'));
    expect(customers).toHaveLength(25000);
    expect(new Set(customers.map((c) => c.id)).size).toBe(25000);
  }, 180_000);
});
