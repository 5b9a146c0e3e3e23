import { randomUUID } from 'node:crypto';
import { osloMidnight } from './oslo-clock.js';
import type { ConsumerEntry, EmployeeEntry } from './tokens.js';
import type { EnvironmentName } from './types.js';

// Session tokens live only in memory, per environment. A session is dead once now() reaches
// 00:00 Europe/Oslo on its expirationDate, once it was deleted or expired by a test, or once
// it has served `revokeSessionAfterCalls` authenticated calls.

export interface Session {
  id: number;
  token: string;
  consumer: ConsumerEntry;
  employee: EmployeeEntry;
  expirationDate: string;
  /** Epoch ms of 00:00 Oslo on expirationDate. */
  expiresAt: number;
  /** Authenticated calls since creation (or since the revoke setting last changed). */
  calls: number;
  dead: boolean;
}

export class SessionStore {
  private readonly byToken = new Map<string, Session>();
  private nextId: number;

  constructor(
    private readonly environment: EnvironmentName,
    firstId: number,
  ) {
    this.nextId = firstId;
  }

  create(consumer: ConsumerEntry, employee: EmployeeEntry, expirationDate: string): Session {
    const id = this.nextId++;
    // Like Tripletex's: base64 of a small JSON; random, so sessions cannot be guessed.
    const encoded = Buffer.from(JSON.stringify({ tokenId: id, token: randomUUID() }), 'utf8').toString('base64');
    const token = this.environment === 'test' ? `test-${encoded}` : encoded;
    const session: Session = { id, token, consumer, employee, expirationDate, expiresAt: osloMidnight(expirationDate), calls: 0, dead: false };
    this.byToken.set(token, session);
    return session;
  }

  get(token: string): Session | undefined {
    return this.byToken.get(token);
  }

  delete(token: string): boolean {
    const session = this.byToken.get(token);
    if (!session) return false;
    session.dead = true;
    this.byToken.delete(token);
    return true;
  }

  expireAll(): void {
    for (const session of this.byToken.values()) session.dead = true;
  }

  resetCallCounts(): void {
    for (const session of this.byToken.values()) session.calls = 0;
  }
}
