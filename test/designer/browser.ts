import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from '../host/helpers.js';

// Browser tests drive Debian's Chromium with playwright-core (Playwright's own browser
// download cannot work here). In CI a missing browser is a failure; elsewhere the tests are
// skipped with a message that says so and how to install the browser: never a silent pass.

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p && p.trim() !== '');
  return candidates.find((p) => existsSync(p));
}

export const CHROMIUM = findChromium();

const INSTALL_HINT = 'Install it with "sudo apt-get install chromium" (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome binary.';

/**
 * describe, or, without a browser, one failing test that says how to install it: the browser
 * tests are part of the suite, so a machine without Chromium fails them rather than skipping.
 */
export function describeInBrowser(name: string, body: () => void): void {
  if (CHROMIUM) {
    describe(name, body);
    return;
  }
  describe(name, () => {
    it('finds a Chromium to drive', () => {
      throw new Error(`No Chromium found at /usr/bin/chromium or $CHROMIUM_PATH, so the browser tests cannot run. ${INSTALL_HINT} (.ci/run installs it.)`);
    });
  });
}

/**
 * The browser's environment: ours without libfaketime. The shifted-clock pass (docs/testing.md)
 * moves the clock of the code under test, the designer's server in this process; Chromium is
 * not ours, and under a preloaded fake clock its first page load stalls.
 */
function browserEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('FAKETIME')) continue;
    if (key === 'LD_PRELOAD') {
      const kept = value.split(/[:\s]+/).filter((lib) => lib !== '' && !/faketime/i.test(lib));
      if (kept.length > 0) env[key] = kept.join(':');
      continue;
    }
    env[key] = value;
  }
  return env;
}

/** A fresh browser: Playwright gives every launch a new, empty temporary profile. */
export async function launchChromium(): Promise<Browser> {
  if (!CHROMIUM) throw new Error(`Chromium is required for the browser tests. ${INSTALL_HINT}`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true, env: browserEnv() });
}

export const SCREENSHOT_DIR = join(REPO_ROOT, 'out', 'designer-e2e');

/** Keeps a screenshot of what the window shows as a test artefact (out/ is git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
}

/** Console messages that report a Content-Security-Policy violation or a page error. */
export function watchPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return problems;
}
