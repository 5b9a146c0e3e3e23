import { jest } from '@jest/globals';
import { Secret } from '../../contract/secret.js';
import { CancelledError } from '../../contract/errors.js';
import { makeCredentials } from '../../connection/credentials.js';
import { SessionPool, type SessionCreator } from '../../connection/session-pool.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SessionPool', () => {
  const credentials = makeCredentials('production', 'consumer-aaaa', 'employee-bbbb');
  let now = Date.UTC(2026, 10, 22, 12, 0); // 22 Nov 2026, 13:00 in Oslo
  const clock = { now: () => now };
  let serial = 0;
  const create = jest.fn<SessionCreator>(async (_c, expirationDate) => ({ token: new Secret(`session-${++serial}-xyz`), expirationDate }));

  beforeEach(() => {
    now = Date.UTC(2026, 10, 22, 12, 0);
    create.mockClear();
  });

  it('asks for an expirationDate two Oslo days ahead, judged on the Oslo calendar', async () => {
    const pool = new SessionPool({ create, clock });
    await pool.get(credentials);
    expect(create.mock.calls[0]?.[1]).toBe('2026-11-24');
    // 23:30 UTC on 22 Nov is already 23 Nov in Oslo: the date moves with Oslo, not UTC.
    now = Date.UTC(2026, 10, 22, 23, 30);
    const late = new SessionPool({ create, clock });
    await late.get(credentials);
    expect(create.mock.calls[1]?.[1]).toBe('2026-11-25');
  });

  it('creates one session for many concurrent callers (single flight)', async () => {
    const gate = deferred<{ token: Secret; expirationDate: string }>();
    const slow = jest.fn<SessionCreator>(() => gate.promise);
    const pool = new SessionPool({ create: slow, clock });
    const waiting = Array.from({ length: 25 }, () => pool.get(credentials));
    gate.resolve({ token: new Secret('session-shared-1234'), expirationDate: '2026-11-24' });
    const sessions = await Promise.all(waiting);
    expect(slow).toHaveBeenCalledTimes(1);
    expect(new Set(sessions).size).toBe(1);
  });

  it('keeps sessions apart per environment and token pair', async () => {
    const pool = new SessionPool({ create, clock });
    const a = await pool.get(credentials);
    const b = await pool.get(makeCredentials('test', 'consumer-aaaa', 'employee-bbbb'));
    const c = await pool.get(makeCredentials('production', 'consumer-aaaa', 'employee-other'));
    const again = await pool.get(makeCredentials('production', 'consumer-aaaa', 'employee-bbbb'));
    expect(create).toHaveBeenCalledTimes(3);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(again).toBe(a);
  });

  it('renews before Oslo midnight of the expiration date, not after it', async () => {
    const pool = new SessionPool({ create, clock, renewBeforeMs: 6 * 3_600_000 });
    const first = await pool.get(credentials); // expires 2026-11-24, dies 2026-11-23T23:00Z
    expect(first.diesAt).toBe(Date.UTC(2026, 10, 23, 23, 0));
    now = Date.UTC(2026, 10, 23, 16, 59);
    expect(await pool.get(credentials)).toBe(first);
    now = Date.UTC(2026, 10, 23, 17, 1); // less than six hours before it dies
    const second = await pool.get(credentials);
    expect(second).not.toBe(first);
    expect(second.expirationDate).toBe('2026-11-25');
  });

  it('replaces a session once after a 401, however many requests saw it', async () => {
    const pool = new SessionPool({ create, clock });
    const stale = await pool.get(credentials);
    const renewed = await Promise.all(Array.from({ length: 10 }, () => pool.renew(credentials, stale)));
    expect(create).toHaveBeenCalledTimes(2);
    expect(new Set(renewed).size).toBe(1);
    expect(renewed[0]).not.toBe(stale);
    // A late 401 from the old session does not throw away the new one.
    expect(await pool.renew(credentials, stale)).toBe(renewed[0]);
    expect(create).toHaveBeenCalledTimes(2);
  });

  it('lets a failed creation be retried, and shares the failure with every waiter', async () => {
    const failing = jest.fn<SessionCreator>().mockRejectedValueOnce(new Error('boom')).mockResolvedValue({ token: new Secret('session-ok-9999'), expirationDate: '2026-11-24' });
    const pool = new SessionPool({ create: failing, clock });
    const results = await Promise.allSettled([pool.get(credentials), pool.get(credentials)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(pool.get(credentials)).resolves.toMatchObject({ expirationDate: '2026-11-24' });
    expect(failing).toHaveBeenCalledTimes(2);
  });

  it('cancels one waiter without cancelling the shared creation', async () => {
    const gate = deferred<{ token: Secret; expirationDate: string }>();
    const pool = new SessionPool({ create: () => gate.promise, clock });
    const controller = new AbortController();
    const cancelled = pool.get(credentials, controller.signal);
    const patient = pool.get(credentials);
    controller.abort();
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
    gate.resolve({ token: new Secret('session-late-5555'), expirationDate: '2026-11-24' });
    await expect(patient).resolves.toMatchObject({ expirationDate: '2026-11-24' });
  });

  it('refuses a date window that would mint dead sessions', () => {
    expect(() => new SessionPool({ create, clock, daysAhead: 1 })).toThrow(/at least 2/);
  });
});
