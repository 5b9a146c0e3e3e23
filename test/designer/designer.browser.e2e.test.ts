import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { freshProcessState } from '../e2e/support.js';
import { FAKE_MANIFEST } from '../host/helpers.js';
import { startDesigner, type RunningDesigner } from '../../tooling/designer/server/start.js';
import { describeInBrowser, launchChromium, screenshot, watchPageProblems } from './browser.js';
import { filesUnder, readJson, startDesignerFixture, type DesignerFixture } from './support.js';

/** A workspace object as the designer saves it: named by properties.name, with no second name. */
type Saved = { name?: string; properties: { name: string; useTestEnvironment?: boolean } };

// The designer as a person uses it, in headless Chromium: the Connection dropdown, Create new
// connection, Test connection with a wrong token and then the right one, Save without tokens
// in the workspace, the environment hint, validation messages, renaming, a paging run of
// 6,000 rows, the per-run connection, On Error, Cancel, and a pack that is not Tripletex.
// Each step leaves a screenshot in out/designer-e2e/. Nothing waits on time: every check
// waits for something to be visible, as a person would.

const CUSTOMERS = 6000;
const WAIT = { timeout: 20_000 };
const RUN_WAIT = { timeout: 90_000 };
// Generous upper bounds for a slow shared machine; no test measures time.
jest.setTimeout(180_000);

/** Waits until the locator shows the text (a substring, or a pattern). */
async function see(locator: Locator, text: string | RegExp, options = WAIT): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ state: 'visible', ...options });
}

async function selectedText(select: Locator): Promise<string> {
  return select.evaluate((element) => (element as unknown as { selectedOptions: { textContent: string | null }[] }).selectedOptions[0]?.textContent ?? '');
}

/** Polls until check() holds (for state outside the page, such as files the server writes). */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the field holds expected; on a timeout, says what it held instead. */
async function holds(field: Locator, expected: string, timeoutMs = WAIT.timeout): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await field.inputValue();
    if (value === expected) return;
    if (Date.now() > deadline) throw new Error(`expected the field to hold ${JSON.stringify(expected)}, it holds ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// A choice must be in its field by the end of the event that makes it, before the next event
// (the key a person presses right after) can be handled: a choice that lands later is lost or
// undoes that key. These two make the choice in the page and read the field in the same task.

/** Clicks option and reads field before any later event can run. */
async function chooseAndReadAtOnce(option: Locator, field: Locator): Promise<string> {
  const input = await field.elementHandle();
  return option.evaluate(async (element, target) => {
    (element as unknown as { click(): void }).click();
    await Promise.resolve(); // the page's own work for the click, queued before this
    return (target as unknown as { value: string }).value;
  }, input);
}

/** Presses Enter in field and reads it before any later event can run. */
async function enterAndReadAtOnce(field: Locator): Promise<string> {
  return field.evaluate(async (element) => {
    const KeyboardEvent = (globalThis as unknown as { KeyboardEvent: new (type: string, init: object) => unknown }).KeyboardEvent;
    (element as unknown as { dispatchEvent(event: unknown): boolean }).dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    await Promise.resolve();
    return (element as unknown as { value: string }).value;
  });
}

describeInBrowser('the designer in Chromium', () => {
  let fx: DesignerFixture;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let tokens: { consumer: string; employee: string };

  const dialog = () => page.getByRole('dialog');
  const notice = () => page.getByRole('status', { name: 'Notice' });
  const panel = () => page.getByRole('complementary', { name: 'Properties' });
  const openFlow = async (name: string) => {
    await page.getByRole('navigation').getByRole('button', { name, exact: true }).click();
    await page.getByRole('heading', { level: 2, name, exact: true }).waitFor(WAIT);
  };
  const openStep = async (name: RegExp) => {
    await page.getByRole('list', { name: 'Steps' }).getByRole('button', { name }).click();
  };

  beforeAll(async () => {
    fx = await startDesignerFixture({ simulator: { size: CUSTOMERS } });
    tokens = { consumer: fx.simulator.tokens.production.consumerToken, employee: fx.simulator.tokens.production.employeeTokens.employee };
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    problems = watchPageProblems(page);
  });

  afterAll(async () => {
    await browser?.close();
    await fx?.stop();
  });

  test('opens on the workspace connections and the flows', async () => {
    await page.goto(fx.designer.url);
    await page.getByRole('heading', { name: 'Workspace Objects' }).waitFor(WAIT);
    const objects = page.getByRole('list', { name: 'Tripletex Connection objects' });
    for (const name of ['Demo company', 'Demo company (test environment)', 'Demo company (read-only clerk)', 'Accounting office']) {
      await objects.getByRole('button', { name, exact: true }).waitFor(WAIT);
    }
    for (const name of ['Export every customer', 'Invoices for the first quarter of 2025', 'All customers, page by page']) {
      await page.getByRole('navigation').getByRole('button', { name, exact: true }).waitFor(WAIT);
    }
    await screenshot(page, '01-designer');
    expect(problems).toEqual([]);
  });

  test('the page without the launch token says where to find it', async () => {
    const other = await browser.newPage();
    await other.goto(`http://127.0.0.1:${fx.designer.port}/`);
    await see(other.getByRole('alert'), 'Open the address the designer printed');
    await other.close();
  });

  test('the Connection dropdown lists the workspace connections; Edit opens the selected one', async () => {
    await openFlow('Invoices for the first quarter of 2025');
    await openStep(/REST API Request with paging/);
    const connection = panel().getByRole('combobox', { name: 'Connection' });
    await connection.waitFor(WAIT);
    expect(await selectedText(connection)).toBe('Demo company');
    const options = await connection.locator('option').allTextContents();
    expect(options).toEqual(expect.arrayContaining(['Demo company', 'Demo company (test environment)', 'Demo company (read-only clerk)', 'Accounting office', 'Create new connection']));
    // Fields are labelled by their schema titles; required ones say so.
    // (Path offers its schema examples, so it is a combobox.)
    await panel().getByRole('combobox', { name: 'Path', exact: true }).waitFor(WAIT);
    expect(await panel().getByRole('combobox', { name: 'Path', exact: true }).getAttribute('required')).not.toBeNull();
    await connection.selectOption({ label: 'Accounting office' });
    await screenshot(page, '02-connection-dropdown');
    await panel().getByRole('button', { name: 'Edit' }).click();
    await dialog().getByRole('heading', { name: 'Tripletex Connection: Accounting office' }).waitFor(WAIT);
    expect(await dialog().getByRole('combobox', { name: 'Name', exact: true }).inputValue()).toBe('Accounting office');
    const consumer = dialog().getByRole('textbox', { name: 'Consumer token', exact: true });
    expect(await consumer.getAttribute('type')).toBe('password');
    expect(await consumer.inputValue()).toBe('');
    await see(dialog(), 'it comes from environment variable TRIPLETEX_CONSUMER_TOKEN');
    await screenshot(page, '03-edit-connection');
    await dialog().getByRole('button', { name: 'Close' }).click();
    await dialog().waitFor({ state: 'hidden', ...WAIT });
    await connection.selectOption({ label: 'Demo company' });
  });

  test('Create new connection: a wrong employee token fails with the fix, the right one passes, Save keeps tokens out of the workspace', async () => {
    const connection = panel().getByRole('combobox', { name: 'Connection' });
    await connection.selectOption({ label: 'Create new connection' });
    await dialog().getByRole('heading', { name: 'New Tripletex Connection' }).waitFor(WAIT);
    await dialog().getByRole('combobox', { name: 'Name', exact: true }).fill('Acme (simulator)');
    await dialog().getByRole('textbox', { name: 'Consumer token', exact: true }).fill(tokens.consumer);
    await dialog().getByRole('textbox', { name: 'Employee token', exact: true }).fill('wrong-employee-token-0000');
    await dialog().getByRole('button', { name: 'Test connection' }).click();
    const verdict = dialog().getByRole('status', { name: 'Test result' });
    await see(verdict, 'Test failed');
    await see(verdict, 'The employee token is invalid: Tripletex production knows the consumer token but not this employee token with it');
    await see(verdict, 'Ask a Tripletex administrator for a new employee token made for this integration.');
    await screenshot(page, '04-test-failed-wrong-employee-token');

    await dialog().getByRole('textbox', { name: 'Employee token', exact: true }).fill(tokens.employee);
    await dialog().getByRole('button', { name: 'Test connection' }).click();
    await see(verdict, 'Test passed');
    await see(verdict, 'Connected to Tripletex production');
    await screenshot(page, '05-test-passed');
    expect(readJson(fx.workspaceFile).objects.some((o: Saved) => o.properties.name === 'Acme (simulator)')).toBe(false);

    // Save closes the panel, the page confirms it, and the step that asked for it uses it.
    await dialog().getByRole('button', { name: 'Save' }).click();
    await dialog().waitFor({ state: 'hidden', ...WAIT });
    await see(notice(), 'Saved Tripletex Connection "Acme (simulator)".');
    await until('the step uses the new connection', async () => (await selectedText(connection)) === 'Acme (simulator)');
    // Once saved, the tokens are not in the page any more: the fields are empty and say a value is set.
    await panel().getByRole('button', { name: 'Edit' }).click();
    await dialog().getByRole('heading', { name: 'Tripletex Connection: Acme (simulator)' }).waitFor(WAIT);
    expect(await dialog().getByRole('textbox', { name: 'Employee token', exact: true }).inputValue()).toBe('');
    await see(dialog(), 'A value is set (kept in your secrets file, never shown)');
    expect(await page.content()).not.toContain(tokens.employee);
    await dialog().getByRole('button', { name: 'Close' }).click();
    await dialog().waitFor({ state: 'hidden', ...WAIT });

    const entry = readJson(fx.workspaceFile).objects.find((o: Saved) => o.properties.name === 'Acme (simulator)');
    expect(entry.properties.consumerToken).toEqual({ $secret: expect.stringMatching(/^s-/) });
    expect(entry.properties.employeeToken).toEqual({ $secret: expect.stringMatching(/^s-/) });
    for (const file of filesUnder(join(fx.dir, 'workspace'))) {
      expect(file.text.includes(tokens.employee) || file.text.includes(tokens.consumer)).toBe(false);
    }
    expect(statSync(join(fx.configDir, 'flow-tripletex', 'secrets.json')).mode & 0o777).toBe(0o600);
  });

  test('"Use Tripletex test environment" with production tokens gives the environment hint; Save is allowed after a failed test', async () => {
    await panel().getByRole('button', { name: 'Edit' }).click();
    await dialog().getByRole('heading', { name: 'Tripletex Connection: Acme (simulator)' }).waitFor(WAIT);
    await dialog().getByRole('checkbox', { name: 'Use Tripletex test environment' }).check();
    await dialog().getByRole('button', { name: 'Test connection' }).click();
    const verdict = dialog().getByRole('status', { name: 'Test result' });
    await see(verdict, 'Test failed');
    await see(verdict, 'These tokens belong to Tripletex production, not to the Tripletex test environment. To use them there, turn off "Use Tripletex test environment".');
    await screenshot(page, '06-environment-hint');
    await dialog().getByRole('button', { name: 'Save' }).click();
    await dialog().waitFor({ state: 'hidden', ...WAIT });
    expect(readJson(fx.workspaceFile).objects.find((o: Saved) => o.properties.name === 'Acme (simulator)').properties.useTestEnvironment).toBe(true);
    await panel().getByRole('button', { name: 'Edit' }).click();
    await dialog().getByRole('checkbox', { name: 'Use Tripletex test environment' }).uncheck();
    await dialog().getByRole('button', { name: 'Save' }).click();
    await dialog().waitFor({ state: 'hidden', ...WAIT });
    await until('the switch is saved off', () => readJson(fx.workspaceFile).objects.find((o: Saved) => o.properties.name === 'Acme (simulator)').properties.useTestEnvironment === false);
  });

  test('validation messages come from the schema and name the field', async () => {
    await page.getByRole('button', { name: 'New Tripletex Connection' }).click();
    await dialog().getByRole('heading', { name: 'New Tripletex Connection' }).waitFor(WAIT);
    await dialog().getByRole('textbox', { name: 'Consumer token', exact: true }).fill('two words');
    await dialog().getByRole('button', { name: 'Save' }).click();
    await see(dialog(), 'Not saved');
    await see(dialog(), 'Consumer token must not contain spaces or line breaks');
    await see(dialog(), 'Employee token is required');
    await see(dialog(), 'Name is required');
    await screenshot(page, '07-validation-messages');
    // Fixing a field clears its message as you type.
    await dialog().getByRole('textbox', { name: 'Consumer token', exact: true }).fill(tokens.consumer);
    await dialog().getByText('Consumer token must not contain spaces').waitFor({ state: 'hidden', ...WAIT });
    // Close with typed edits asks first; Keep editing keeps them, Discard changes drops them.
    await dialog().getByRole('button', { name: 'Close' }).click();
    const confirm = dialog().getByRole('alertdialog', { name: 'Discard changes?' });
    await see(confirm, 'What you typed in this panel has not been saved.');
    await screenshot(page, '07b-discard-changes');
    await confirm.getByRole('button', { name: 'Keep editing' }).click();
    expect(await dialog().getByRole('textbox', { name: 'Consumer token', exact: true }).inputValue()).toBe(tokens.consumer);
    await page.keyboard.press('Escape');
    await confirm.getByRole('button', { name: 'Discard changes' }).click();
    await dialog().waitFor({ state: 'hidden', ...WAIT });
    expect(readJson(fx.workspaceFile).objects).toHaveLength(5);
  });

  test('Save writes the chosen connection into the flow file', async () => {
    await panel().getByRole('button', { name: 'Save' }).click();
    await see(panel(), 'Saved invoices-for-a-period.flow.json');
    expect(readJson(join(fx.flowsDir, 'invoices-for-a-period.flow.json')).steps[0].inputs.connection).toEqual({ $workspace: 'Acme (simulator)' });
  });

  test('renaming a connection breaks no flow', async () => {
    await page.getByRole('list', { name: 'Tripletex Connection objects' }).getByRole('button', { name: 'Demo company', exact: true }).click();
    await dialog().getByRole('combobox', { name: 'Name', exact: true }).fill('Demo company AS');
    await dialog().getByRole('button', { name: 'Save' }).click();
    await dialog().waitFor({ state: 'hidden', ...WAIT });
    await see(notice(), 'Saved Tripletex Connection "Demo company AS" (renamed from "Demo company"');
    expect(readJson(join(fx.flowsDir, 'all-customers.flow.json')).steps[0].inputs.connection).toEqual({ $workspace: 'Demo company AS' });
    await openFlow('All customers, page by page');
    await openStep(/REST API Request with paging/);
    expect(await selectedText(panel().getByRole('combobox', { name: 'Connection' }))).toBe('Demo company AS');
  });

  test(`Run pages through ${CUSTOMERS.toLocaleString('en-US')} customers into the table, with progress and the Continue summary`, async () => {
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const status = page.getByTestId('run-status');
    await see(status, 'Flow completed', RUN_WAIT);
    const step = page.getByRole('article', { name: 'Step REST API Request with paging' });
    await see(step, 'Connection used: Tripletex Connection "Demo company AS" from the workspace, production');
    expect(await page.getByTestId('rows-customers').textContent()).toBe('6,000');
    expect(await page.getByTestId('pages-customers').textContent()).toBe('60');
    await see(page.getByRole('table', { name: 'Rows' }), 'First 100 of 6,000 rows');
    expect(await page.getByRole('table', { name: 'Rows' }).locator('tbody tr').count()).toBe(100);
    await see(page.getByTestId('port-customers'), 'Continue');
    // The summary in words, under the output schema's titles: no raw keys, no nulls, no zeros.
    await see(page.getByTestId('port-customers'), 'Why it stopped');
    await see(page.getByTestId('port-customers'), 'end of results');
    const summary = (await page.getByTestId('port-customers').locator('dl.summary').textContent()) ?? '';
    for (const raw of ['rateLimitWaitMs', 'stoppedEarly', 'versionDigest', 'null', 'durationMs', 'false']) expect(summary).not.toContain(raw);
    await see(page.locator('details.log > summary'), /^Log \(\d+ lines?\)$/);
    expect(await page.getByRole('progressbar', { name: 'Progress of REST API Request with paging' }).getAttribute('aria-valuetext')).toBe('done');
    await screenshot(page, '08-run-completed');
    expect(problems).toEqual([]);
  });

  test('the per-run override: Create Tripletex Connection takes tokens from the environment and feeds the paging step', async () => {
    await openFlow('Export every customer');
    await openStep(/Create Tripletex Connection/);
    expect(await panel().getByRole('textbox', { name: 'Consumer token', exact: true }).inputValue()).toBe('TRIPLETEX_CONSUMER_TOKEN');
    expect(await panel().getByRole('textbox', { name: 'Employee token', exact: true }).inputValue()).toBe('TRIPLETEX_EMPLOYEE_TOKEN');
    await screenshot(page, '09-create-connection-panel');
    await openStep(/REST API Request with paging/);
    expect(await selectedText(panel().getByRole('combobox', { name: 'Connection' }))).toBe('Output of step "connect" (Create Tripletex Connection)');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await see(page.getByTestId('run-status'), 'Flow completed', RUN_WAIT);
    await see(page.getByRole('article', { name: 'Step REST API Request with paging' }), 'Connection used: Per-run connection made by step "connect" (Create Tripletex Connection) in this run, production');
    expect(await page.getByTestId('rows-customers').textContent()).toBe('6,000');
    await screenshot(page, '10-per-run-connection');
  });

  test('a failure is shown on the On Error port, as the host routes it', async () => {
    await openFlow('A read-only clerk tries to read the ledger');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await see(page.getByTestId('run-status'), 'Flow completed', RUN_WAIT);
    await see(page.getByTestId('run-status'), 'handled by On Error steps');
    await see(page.getByTestId('port-vouchers'), 'On Error');
    await see(page.getByTestId('port-vouchers'), '403');
    await screenshot(page, '11-on-error');
  });

  test('the connection dialog on a 900-px-high window: demo tokens inside it, an eye on tokens, Test and Save in view after a failed test', async () => {
    await page.setViewportSize({ width: 1400, height: 900 });
    try {
      await page.getByRole('button', { name: 'New Tripletex Connection' }).click();
      await dialog().getByRole('heading', { name: 'New Tripletex Connection' }).waitFor(WAIT);
      await dialog().getByRole('combobox', { name: 'Name', exact: true }).fill('Clerk (demo tokens)');
      await dialog().getByText("Use the simulator's demo tokens").click();
      await dialog().getByRole('button', { name: 'Demo company, a read-only clerk (production)' }).click();
      const consumer = dialog().getByRole('textbox', { name: 'Consumer token', exact: true });
      expect(await consumer.inputValue()).toBe(tokens.consumer);
      expect(await consumer.getAttribute('type')).toBe('password');
      const eye = dialog().getByRole('button', { name: 'Show Consumer token' });
      await eye.click();
      expect(await consumer.getAttribute('type')).toBe('text');
      expect(await eye.getAttribute('aria-pressed')).toBe('true');
      await eye.click();
      expect(await consumer.getAttribute('type')).toBe('password');
      await dialog().getByRole('textbox', { name: 'Employee token', exact: true }).fill('wrong-employee-token-0000');
      await dialog().getByRole('button', { name: 'Test connection' }).click();
      await see(dialog().getByRole('status', { name: 'Test result' }), 'Test failed');
      // However long the verdict, Test and Save stay on screen, and the verdict is scrolled into view.
      for (const name of ['Test connection', 'Save']) {
        const box = (await dialog().getByRole('button', { name, exact: true }).boundingBox())!;
        expect(box.y).toBeGreaterThanOrEqual(0);
        expect(box.y + box.height).toBeLessThanOrEqual(900);
      }
      const verdict = (await dialog().getByText('Test failed').boundingBox())!;
      expect(verdict.y + verdict.height).toBeLessThanOrEqual(900);
      await screenshot(page, '16-dialog-900px-failed-test');
      await dialog().getByRole('button', { name: 'Close' }).click();
      await dialog().getByRole('alertdialog', { name: 'Discard changes?' }).getByRole('button', { name: 'Discard changes' }).click();
      await dialog().waitFor({ state: 'hidden', ...WAIT });
    } finally {
      await page.setViewportSize({ width: 1440, height: 1000 });
    }
  });

  test("the client-company picker: an accountant's Test connection fills Default Company Id's choices by name, and a second Test passes with the chosen one", async () => {
    await page.getByRole('list', { name: 'Tripletex Connection objects' }).getByRole('button', { name: 'Accounting office', exact: true }).click();
    await dialog().getByRole('heading', { name: 'Tripletex Connection: Accounting office' }).waitFor(WAIT);
    const verdict = dialog().getByRole('status', { name: 'Test result' });
    await dialog().getByRole('button', { name: 'Test connection' }).click();
    await see(verdict, "this is an accountant's employee token");
    await see(dialog(), "3 client companies this accountant's token reaches in Tripletex production.");
    const company = dialog().getByRole('combobox', { name: 'Default Company Id', exact: true });
    await company.click();
    const choices = dialog().getByRole('listbox', { name: 'Choices for Default Company Id' }).getByRole('option');
    await choices.first().waitFor(WAIT);
    expect(await choices.count()).toBe(3);
    const larsen = dialog().getByRole('option', { name: /^Larsen & Jensen AS/ });
    const larsenId = /id (\d+)/.exec((await larsen.textContent()) ?? '')![1]!;
    expect(fx.simulator.companies.production.clientCompanyIds).toContain(Number(larsenId));
    await screenshot(page, '17-client-company-picker');
    expect(await chooseAndReadAtOnce(larsen, company)).toBe(larsenId);
    await see(dialog(), `Larsen & Jensen AS (id ${larsenId}`);
    await dialog().getByRole('button', { name: 'Test connection' }).click();
    await see(verdict, 'Test passed');
    await see(verdict, 'working for client Larsen & Jensen AS');
    await screenshot(page, '18-client-company-test-passed');
    // Typing a number still works; a name can be searched for too.
    const other = fx.simulator.companies.production.clientCompanyIds.find((id) => String(id) !== larsenId)!;
    await company.fill(String(other));
    expect(await company.inputValue()).toBe(String(other));
    await company.fill('larsen');
    await dialog().getByRole('option', { name: /^Larsen & Jensen AS/ }).click();
    await holds(company, larsenId);
    await dialog().getByRole('button', { name: 'Save' }).click();
    await dialog().waitFor({ state: 'hidden', ...WAIT });
    expect(readJson(fx.workspaceFile).objects.find((o: Saved) => o.properties.name === 'Accounting office').properties.defaultCompanyId).toBe(Number(larsenId));

    // The same picker for a paging step's Company Id when its connection is an accountant's.
    await openFlow('All customers, page by page');
    await openStep(/REST API Request with paging/);
    await panel().getByRole('combobox', { name: 'Connection' }).selectOption({ label: 'Accounting office' });
    const stepCompany = panel().getByRole('combobox', { name: 'Company Id', exact: true });
    await stepCompany.click();
    const kristiansen = panel().getByRole('option', { name: /^Kristiansen Marine AS/ });
    const kristiansenId = /id (\d+)/.exec((await kristiansen.textContent()) ?? '')![1]!;
    expect(fx.simulator.companies.production.clientCompanyIds).toContain(Number(kristiansenId));
    await kristiansen.click();
    await holds(stepCompany, kristiansenId);
    await panel().getByRole('combobox', { name: 'Connection' }).selectOption({ label: 'Demo company AS' });
    await stepCompany.fill('');
  });

  test('Test connection on a Create Tripletex Connection step, with a variable set and one unset; a pasted token is not kept', async () => {
    await openFlow('Export every customer');
    await openStep(/Create Tripletex Connection/);
    await see(panel(), "TRIPLETEX_EMPLOYEE_TOKEN is set in the designer's environment (its value is never shown).");
    const result = panel().getByRole('status', { name: 'Test result' });
    await panel().getByRole('button', { name: 'Test connection' }).click();
    await see(result, 'Test passed');
    await see(result, 'Connected to Tripletex production');
    const employee = panel().getByRole('textbox', { name: 'Employee token', exact: true });
    await employee.fill('MY_TRIPLETEX_EMPLOYEE_TOKEN');
    await see(panel(), "MY_TRIPLETEX_EMPLOYEE_TOKEN is not set in the designer's environment");
    await panel().getByRole('button', { name: 'Test connection' }).click();
    await see(result, 'Test failed');
    await see(result, "Environment variable MY_TRIPLETEX_EMPLOYEE_TOKEN is not set in the designer's environment. Export it in the terminal and start the designer again");
    await screenshot(page, '19-create-step-test-unset-variable');
    await employee.fill(tokens.employee);
    await see(panel().getByRole('alert'), 'That looks like a token, not the name of an environment variable, so it was not kept.');
    expect(await employee.inputValue()).toBe('MY_TRIPLETEX_EMPLOYEE_TOKEN');
    expect(await page.content()).not.toContain(tokens.employee);
    await screenshot(page, '20-create-step-token-pasted');
    await employee.fill('TRIPLETEX_EMPLOYEE_TOKEN');
    await panel().getByRole('button', { name: 'Save' }).click();
    await see(panel(), 'Saved export-customers.flow.json');
    const saved = JSON.stringify(readJson(join(fx.flowsDir, 'export-customers.flow.json')));
    expect(saved).toContain('"employeeToken":{"$env":"TRIPLETEX_EMPLOYEE_TOKEN"}');
    expect(saved).not.toContain(tokens.employee);
  });

  test('a paging step shows the inputs a person sets and folds the rest under Advanced, all reachable', async () => {
    await openFlow('Invoices for the first quarter of 2025');
    await openStep(/REST API Request with paging/);
    const fold = panel().locator('details.advanced');
    await see(fold.locator('summary'), /^Advanced — 12 more inputs, 2 set$/);
    const basic = ['Connection', 'Method', 'Path', 'Query', 'Body', 'Company Id', 'Fields'];
    const advanced = ['Start index', 'Items per page', 'Max page count', 'Sorting', 'End dates are inclusive', 'Pages fetched ahead', 'Timeout per request (seconds)', 'If-None-Match', 'Largest answer (MB)', 'Longest rate-limit wait (seconds)', 'Resume from', 'Send as written (skip endpoint checks)'];
    // A required field's label ends in its red mark.
    const field = (name: string) => panel().getByLabel(new RegExp(`^${name.replace(/[()]/g, '\\$&')}\\*?$`));
    for (const name of basic) expect(await field(name).isVisible()).toBe(true);
    for (const name of advanced) expect(await field(name).isVisible()).toBe(false);
    await screenshot(page, '21-advanced-folded');
    await fold.locator('summary').click();
    for (const name of advanced) expect(await field(name).isVisible()).toBe(true);
    expect(await field('Items per page').inputValue()).toBe('500');
    await fold.locator('summary').click();
  });

  test("Path completes from Tripletex's endpoints and fills Query with the required parameters; Fields offers the row's fields, which the run table shows", async () => {
    const path = panel().getByRole('combobox', { name: 'Path', exact: true });
    const balanceSheet = panel().getByRole('option', { name: /^\/balanceSheet — Get balance sheet/ });
    await path.fill('/balanceS');
    expect(await chooseAndReadAtOnce(balanceSheet, path)).toBe('/balanceSheet');
    await path.fill('/balanceS');
    await balanceSheet.click();
    await holds(path, '/balanceSheet');
    const query = panel().getByRole('textbox', { name: 'Query', exact: true });
    await until('Query has the required parameters', async () => {
      const value = JSON.parse(await query.inputValue()) as Record<string, unknown>;
      return value.dateFrom === '' && value.dateTo === '';
    });
    const required = panel().getByRole('list', { name: 'Required parameters' });
    await see(required, 'dateFrom');
    await see(required, 'Format is yyyy-MM-dd (from and incl.)');
    await see(required, 'Format is yyyy-MM-dd (to and excl.)');
    await screenshot(page, '22-path-completion');

    await openFlow('All customers, page by page');
    await openStep(/REST API Request with paging/);
    const fields = panel().getByRole('combobox', { name: 'Fields', exact: true });
    await fields.click();
    await fields.press('End');
    await fields.pressSequentially(',postal');
    const postalAddress = panel().getByRole('option', { name: /^postalAddress\(\*\)/ });
    expect(await chooseAndReadAtOnce(postalAddress, fields)).toBe('id,name,email,postalAddress(*)');
    // Enter takes the highlighted choice, at once too; then a real click with a key right after it.
    await fields.pressSequentially(',phone');
    await fields.press('ArrowDown');
    const highlighted = (await panel().getByRole('listbox', { name: 'Choices for Fields' }).getByRole('option', { selected: true }).textContent()) ?? '';
    expect(highlighted).toMatch(/^phone/);
    expect(await enterAndReadAtOnce(fields)).toBe(`id,name,email,postalAddress(*),${highlighted.split(' — ')[0]}`);
    await fields.fill('id,name,email');
    await fields.press('End');
    await fields.pressSequentially(',postal');
    await postalAddress.click();
    await fields.pressSequentially(',');
    await holds(fields, 'id,name,email,postalAddress(*),');
    await fields.press('Backspace');
    // Escape closes the list; a second one, on the closed list, keeps what is typed too.
    await fields.press('Escape');
    await fields.press('Escape');
    await holds(fields, 'id,name,email,postalAddress(*)');
    await screenshot(page, '23-fields-choices');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await see(page.getByTestId('run-status'), 'Flow completed', RUN_WAIT);
    expect(await page.getByRole('table', { name: 'Rows' }).locator('thead th').allTextContents()).toEqual(['#', 'id', 'name', 'email', 'postalAddress']);
  });

  test("the run panel shows the open flow's run: none after switching to another flow, the same one back", async () => {
    await openFlow('Invoices for the first quarter of 2025');
    expect(await page.getByTestId('run-status').count()).toBe(0);
    await openFlow('All customers, page by page');
    await see(page.getByTestId('run-status'), 'Flow completed');
    expect(problems).toEqual([]);
  });

  test('Cancel, then Continue: the run goes on where it stopped and the file ends with every row once', async () => {
    const file = join(fx.outDir, 'out', 'customers.ndjson');
    // The answers from the third page on are held, so the run is mid-way when Cancel comes.
    fx.simulator.setFaults([{ path: '/customer', method: 'GET', pause: true, skip: 2 }]);
    await openFlow('Export every customer');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await fx.simulator.untilPaused(1);
    await see(page.getByTestId('rows-customers'), '2,000', RUN_WAIT);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await see(page.getByTestId('run-status'), 'Run cancelled after', RUN_WAIT);
    fx.simulator.setFaults([]);
    fx.simulator.releasePaused();
    const continueRun = page.getByTestId('continue-run');
    await see(continueRun, 'Stopped after 2,000 rows. out/customers.ndjson keeps them; Continue adds the rest.');
    await screenshot(page, '13a-cancelled-continue');
    // The cancel cut nothing: the file holds the pages handed on, and a checkpoint says so.
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2000);
    expect(existsSync(`${file}.checkpoint`)).toBe(true);

    // Run again instead: refused, the file left as it is, with both ways on.
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await see(page.getByTestId('run-status'), 'out/customers.ndjson holds an unfinished run (2,000 rows in 2 pages, cancelled; checkpoint out/customers.ndjson.checkpoint), and starting it over would lose it. Press Continue to continue it, or press Start over to overwrite it.', RUN_WAIT);
    await continueRun.getByRole('button', { name: 'Start over' }).waitFor(WAIT);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2000);
    await screenshot(page, '13b-refused-unfinished');

    await continueRun.getByRole('button', { name: 'Continue' }).click();
    await see(page.getByTestId('run-status'), 'Flow completed', RUN_WAIT);
    expect(await page.getByTestId('rows-customers').textContent()).toBe('4,000');
    await see(page.locator('.files'), /customers\.ndjson \(6,000 lines\)/);
    await continueRun.waitFor({ state: 'detached', ...WAIT });
    const ids = readFileSync(file, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { id: number }).id);
    expect(ids).toHaveLength(CUSTOMERS);
    expect(new Set(ids).size).toBe(CUSTOMERS);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(existsSync(`${file}.checkpoint`)).toBe(false);
    await screenshot(page, '13c-continued');
    expect(problems).toEqual([]);
  });

  test('Cancel stops a run while it waits for the rate limit', async () => {
    // Three requests per four minutes: after the first pages the run waits for the rate limit
    // (a wait it takes: under the 300 s a request may wait by default).
    fx.simulator.setRateLimit({ limit: 3, windowMs: 240_000 });
    try {
      await cancelWhileWaiting();
    } finally {
      fx.simulator.setRateLimit({ limit: 100_000, windowMs: 10_000 });
      freshProcessState();
    }
  });

  async function cancelWhileWaiting(): Promise<void> {
    await openFlow('All customers, page by page');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const step = page.getByRole('article', { name: 'Step REST API Request with paging' });
    await see(step, /Waiting .* for Tripletex's rate limit/, RUN_WAIT);
    await page.getByRole('table', { name: 'Rows' }).waitFor(WAIT);
    expect(Number((await page.getByTestId('rows-customers').textContent())!.replace(/,/g, ''))).toBeGreaterThan(0);
    expect(Number((await page.getByTestId('waits-customers').textContent())!.replace(/,/g, ''))).toBeGreaterThan(0);
    await screenshot(page, '12-waiting-for-rate-limit');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await see(page.getByTestId('run-status'), 'Run cancelled after', RUN_WAIT);
    // The bar stops moving and says how the step ended; no step is left "running".
    const bar = step.getByRole('progressbar', { name: 'Progress of REST API Request with paging' });
    expect(await bar.getAttribute('aria-valuetext')).toBe('stopped by Cancel');
    expect(await bar.getAttribute('value')).toBe('1');
    await see(step, /Stopped by Cancel after [\d,]+ rows?\./);
    expect(await step.getByText(/Waiting .* for Tripletex's rate limit/).count()).toBe(0);
    await page.getByRole('button', { name: 'Cancel' }).waitFor({ state: 'hidden', ...WAIT });
    await screenshot(page, '13-cancelled');
  }

  test('everything on the page can be reached with the keyboard', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Workspace Objects' }).waitFor(WAIT);
    const reached = new Set<string>();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => String((globalThis as unknown as { document: { activeElement: { textContent: string | null } | null } }).document.activeElement?.textContent ?? '').trim()));
    }
    expect([...reached]).toEqual(expect.arrayContaining(['Demo company AS', 'New Tripletex Connection', 'New flow', 'Add step', 'Run']));
    // Enter on a focused connection opens its panel.
    await page.getByRole('button', { name: 'Accounting office', exact: true }).focus();
    await page.keyboard.press('Enter');
    await dialog().getByRole('heading', { name: 'Tripletex Connection: Accounting office' }).waitFor(WAIT);
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'hidden', ...WAIT });
  });
});

describeInBrowser('the designer with another pack (the host test fixture), from its manifest alone', () => {
  let designer: RunningDesigner;
  let browser: Browser;
  let page: Page;
  const saved = { ...process.env };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flow-tripletex-designer-fake-'));
    mkdirSync(join(dir, 'flows'));
    process.env.XDG_CONFIG_HOME = join(dir, 'config');
    process.env.FAKE_API_KEY = 'good-key-from-env';
    writeFileSync(join(dir, 'workspace.json'), JSON.stringify({ objects: [{ type: 'fake-connection', name: 'Fake EU', properties: { name: 'Fake EU', apiKey: { $env: 'FAKE_API_KEY' }, region: 'eu' } }] }));
    designer = await startDesigner({ manifest: FAKE_MANIFEST, workspace: join(dir, 'workspace.json'), flows: join(dir, 'flows'), outDir: join(dir, 'output') });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    await designer?.close();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  test('shows its workspace object and action panels and runs its Test connection', async () => {
    await page.goto(designer.url);
    await page.getByRole('heading', { name: 'Fake pack designer' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'New flow' }).click();
    await page.getByLabel('Action to add').selectOption({ label: 'List pages' });
    await page.getByRole('button', { name: 'Add step' }).click();
    const panel = page.getByRole('complementary', { name: 'Properties' });
    const connection = panel.getByRole('combobox', { name: 'connection' });
    await connection.waitFor(WAIT);
    expect(await connection.locator('option').allTextContents()).toEqual(expect.arrayContaining(['Fake EU', 'Create new connection']));
    await panel.getByRole('spinbutton', { name: 'pages', exact: true }).waitFor(WAIT);
    await screenshot(page, '14-fake-pack-action');
    await page.getByRole('list', { name: 'Fake Connection objects' }).getByRole('button', { name: 'Fake EU' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Fake Connection: Fake EU' }).waitFor(WAIT);
    expect(await dialog.getByRole('textbox', { name: 'apiKey', exact: true }).getAttribute('type')).toBe('password');
    expect(await selectedText(dialog.getByRole('combobox', { name: 'region' }))).toBe('eu');
    await dialog.getByRole('checkbox', { name: 'verbose' }).waitFor(WAIT);
    await dialog.getByRole('button', { name: 'Test connection' }).click();
    await see(dialog.getByRole('status', { name: 'Test result' }), 'Connected to eu as Fake EU');
    // The fake module logs its key; nothing of it reaches the page.
    expect(await page.content()).not.toContain('good-key-from-env');
    await screenshot(page, '15-fake-pack-object');
  });
});
