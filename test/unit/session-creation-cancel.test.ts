import { CancelledError } from '../../contract/errors.js';
import { Secret } from '../../contract/secret.js';
import { makeCredentials } from '../../connection/credentials.js';
import { SessionPool } from '../../connection/session-pool.js';
import { settle } from '../support/virtual-clock.js';

// One creation serves every caller waiting for a session. A caller giving up does not stop it
// for the others; when the last one gives up, the creation (and its retries) stops too.

function pendingCreator() {
  const signals: AbortSignal[] = [];
  const create = (_c: unknown, _date: string, _timeout: number | undefined, signal: AbortSignal) => {
    signals.push(signal);
    return new Promise<{ token: Secret; expirationDate: string }>((_resolve, reject) => signal.addEventListener('abort', () => reject(new CancelledError()), { once: true }));
  };
  return { create, signals };
}

describe('session creation nobody waits for', () => {
  const credentials = makeCredentials('production', 'CANARY-cancel-consumer', 'CANARY-cancel-employee');

  it('is aborted when the last caller waiting for it gives up, not before', async () => {
    const { create, signals } = pendingCreator();
    const pool = new SessionPool({ create });
    const a = new AbortController();
    const b = new AbortController();
    const first = pool.get(credentials, a.signal).catch((e: unknown) => e);
    const second = pool.get(credentials, b.signal).catch((e: unknown) => e);
    await settle();
    expect(signals).toHaveLength(1);
    a.abort();
    expect(await first).toBeInstanceOf(CancelledError);
    expect(signals[0]!.aborted).toBe(false);
    expect(pool.creating).toBe(1);
    b.abort();
    expect(await second).toBeInstanceOf(CancelledError);
    expect(signals[0]!.aborted).toBe(true);
    await settle();
    expect(pool.creating).toBe(0);
  });

  it('keeps going while a caller without a signal waits', async () => {
    const { create, signals } = pendingCreator();
    const pool = new SessionPool({ create });
    const a = new AbortController();
    const patient = pool.get(credentials);
    const hasty = pool.get(credentials, a.signal).catch((e: unknown) => e);
    await settle();
    a.abort();
    expect(await hasty).toBeInstanceOf(CancelledError);
    expect(signals[0]!.aborted).toBe(false);
    expect(pool.creating).toBe(1);
    void patient.catch(() => undefined);
  });
});
