import { inspect } from 'node:util';
import { run } from '../../actions/create-tripletex-connection.js';
import { InputError } from '../../contract/errors.js';
import { resolveConnectionInput } from '../../connection/connection-input.js';
import { clearRuntimeConnections } from '../../connection/runtime-connections.js';

const CONSUMER = 'CANARY-runtime-consumer-31aa';
const EMPLOYEE = 'CANARY-runtime-employee-42bb';
const logged: string[] = [];
const ctx = {
  signal: new AbortController().signal,
  log: { debug: (m: string, d?: unknown) => logged.push(m + inspect(d)), info: (m: string, d?: unknown) => logged.push(m + inspect(d)), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) },
  emit: async () => {},
};

describe('Create Tripletex Connection', () => {
  beforeEach(() => {
    clearRuntimeConnections();
    logged.length = 0;
  });

  it('returns a connection that shows no token however it is printed, yet resolves to the tokens', async () => {
    const out = await run({ consumerToken: CONSUMER, employeeToken: EMPLOYEE, companyId: 2001, useTestEnvironment: true, name: 'Per tenant' }, ctx);
    const printed = [JSON.stringify(out), inspect(out, { depth: 10, showHidden: true }), String(out.connection), `${out.connection}`, logged.join('\n')].join('\n');
    expect(printed).not.toContain(CONSUMER);
    expect(printed).not.toContain(EMPLOYEE);
    expect(out.connection).toMatchObject({ type: 'tripletex-connection', defaultCompanyId: 2001, useTestEnvironment: true, name: 'Per tenant' });
    expect(out.connection.ref).toMatch(/^tlxc_[0-9a-f]{32}$/);

    const resolved = resolveConnectionInput(out.connection);
    expect(resolved.credentials.consumerToken.reveal()).toBe(CONSUMER);
    expect(resolved.credentials.employeeToken.reveal()).toBe(EMPLOYEE);
    expect(resolved.environment).toBe('test');
    expect(resolved.defaultCompanyId).toBe(2001);
  });

  it('still works after the host copies the value through JSON in the same process', async () => {
    const out = await run({ consumerToken: CONSUMER, employeeToken: EMPLOYEE }, ctx);
    const copy = JSON.parse(JSON.stringify(out.connection)) as unknown;
    expect(resolveConnectionInput(copy).credentials.employeeToken.reveal()).toBe(EMPLOYEE);
    expect(resolveConnectionInput(copy).defaultCompanyId).toBe(0);
  });

  it('gives the same reference for the same credentials, so a long-running host does not grow', async () => {
    const a = await run({ consumerToken: CONSUMER, employeeToken: EMPLOYEE }, ctx);
    const b = await run({ consumerToken: CONSUMER, employeeToken: EMPLOYEE }, ctx);
    const c = await run({ consumerToken: CONSUMER, employeeToken: EMPLOYEE, companyId: 5 }, ctx);
    expect(a.connection.ref).toBe(b.connection.ref);
    expect(c.connection.ref).not.toBe(a.connection.ref);
  });

  it('explains that a connection from another process carries no tokens', () => {
    const foreign = { type: 'tripletex-connection', ref: 'tlxc_' + '0'.repeat(32), defaultCompanyId: 0, useTestEnvironment: false };
    expect(() => resolveConnectionInput(foreign)).toThrow(/another process or before a restart.*run Create Tripletex Connection again/);
  });

  it('refuses bad inputs naming the field and never echoing a token', async () => {
    const cases: [unknown, RegExp][] = [
      [{ employeeToken: EMPLOYEE }, /consumerToken: is required/],
      [{ consumerToken: CONSUMER, employeeToken: `${EMPLOYEE}\n` }, /employeeToken: must not contain spaces or line breaks/],
      [{ consumerToken: CONSUMER, employeeToken: EMPLOYEE, companyId: -3 }, /companyId: must be >= 0/],
      [{ consumerToken: CONSUMER, employeeToken: EMPLOYEE, companyId: '12' }, /companyId: must be integer or null/],
      [{ consumerToken: CONSUMER, employeeToken: EMPLOYEE, useTestEnvironment: 'yes' }, /useTestEnvironment: must be boolean/],
      [{ consumerToken: CONSUMER, employeeToken: EMPLOYEE, extra: 1 }, /extra: is not a known property/],
      [null, /must be object/],
    ];
    for (const [inputs, message] of cases) {
      const error = await run(inputs, ctx).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(message);
      expect(JSON.stringify(error) + inspect(error) + (error as Error).stack).not.toContain(EMPLOYEE);
    }
  });

  it('treats an empty company id from a form as company 0', async () => {
    const out = await run({ consumerToken: CONSUMER, employeeToken: EMPLOYEE, companyId: '' }, ctx);
    expect(out.connection.defaultCompanyId).toBe(0);
  });
});
