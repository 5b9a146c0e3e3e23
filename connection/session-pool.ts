import type { EnvironmentName } from '../client/environments.js';
import type { RequestStats } from '../client/request-stats.js';
import { untilSettledOrAborted } from '../contract/abortable.js';
import type { Secret } from '../contract/secret.js';
import type { Credentials } from './credentials.js';
import { addDays, osloDate, osloMidnight, systemClock, type Clock } from '../contract/oslo-date.js';

export interface Session {
  readonly token: Secret;
  readonly expirationDate: string;
  /** The instant Tripletex ends it: 00:00 Oslo at the start of expirationDate. */
  readonly diesAt: number;
  readonly createdAt: number;
}

/**
 * Creates a session; must stop (and reject) when `signal` aborts: nobody waits for it any more.
 * `stats` are the counters of the run that caused the creation: its requests are that run's.
 */
export type SessionCreator = (credentials: Credentials, expirationDate: string, timeoutMs: number | undefined, signal: AbortSignal, stats?: RequestStats) => Promise<{ token: Secret; expirationDate: string }>;

export interface SessionPoolOptions {
  create: SessionCreator;
  clock?: Clock;
  /** expirationDate = Oslo today + this many days. Two keeps a session at least a day ahead of its end. */
  daysAhead?: number;
  /** Renew when less than this is left, so no request starts on a session about to die. */
  renewBeforeMs?: number;
}

interface Pending {
  promise: Promise<Session>;
  /** Aborts the creation; used when every caller waiting for it has given up. */
  controller: AbortController;
  /** Callers waiting with a signal of their own. */
  waiting: number;
  /** A caller without a signal waits: the creation is never given up. */
  pinned: boolean;
}

interface Entry {
  session?: Session;
  /** The one creation in progress for this token pair; everyone waits for it. */
  pending?: Pending;
}

/**
 * One session per (environment, consumer token, employee token) for the whole process.
 * Concurrent callers share one creation (single flight), and a 401 replaces the session once
 * however many requests saw it.
 */
export class SessionPool {
  readonly #create: SessionCreator;
  readonly #clock: Clock;
  readonly #daysAhead: number;
  readonly #renewBeforeMs: number;
  readonly #entries = new Map<string, Entry>();
  #created = 0;

  constructor(options: SessionPoolOptions) {
    this.#create = options.create;
    this.#clock = options.clock ?? systemClock;
    this.#daysAhead = options.daysAhead ?? 2;
    this.#renewBeforeMs = options.renewBeforeMs ?? 6 * 3_600_000;
    if (this.#daysAhead < 2) throw new RangeError('daysAhead must be at least 2: a session dated today is already dead');
  }

  /** Sessions this pool has created (for tests and diagnostics). */
  get created(): number {
    return this.#created;
  }

  expirationDateForNow(): string {
    return addDays(osloDate(this.#clock.now()), this.#daysAhead);
  }

  #fresh(session: Session | undefined): session is Session {
    return session !== undefined && this.#clock.now() < session.diesAt - this.#renewBeforeMs;
  }

  /** A live session for these credentials, creating one if needed (its requests counted in `stats`, when given). */
  async get(credentials: Credentials, signal?: AbortSignal, stats?: RequestStats): Promise<Session> {
    const entry = this.#entry(credentials);
    if (this.#fresh(entry.session)) return entry.session;
    return this.#await(this.#startCreation(credentials, entry, undefined, stats), signal);
  }

  /** Creations in progress (for tests and diagnostics). */
  get creating(): number {
    let n = 0;
    for (const entry of this.#entries.values()) if (entry.pending) n++;
    return n;
  }

  /**
   * After a 401 with `stale`: returns a different live session, creating one only if nobody
   * has replaced `stale` yet. Many requests failing together cause one creation.
   */
  async renew(credentials: Credentials, stale: Session, signal?: AbortSignal, stats?: RequestStats): Promise<Session> {
    const entry = this.#entry(credentials);
    if (entry.session && entry.session !== stale && this.#fresh(entry.session)) return entry.session;
    if (entry.session === stale) entry.session = undefined;
    return this.#await(this.#startCreation(credentials, entry, undefined, stats), signal);
  }

  /**
   * Creates a new session even if one is cached (Test connection wants the truth, not a cache).
   * `timeoutMs` bounds each request of the creation, so a test answers within its own limit.
   */
  async refresh(credentials: Credentials, signal?: AbortSignal, timeoutMs?: number): Promise<Session> {
    const entry = this.#entry(credentials);
    if (!entry.pending) entry.session = undefined;
    return this.#await(this.#startCreation(credentials, entry, timeoutMs), signal);
  }

  /** Forgets every session of an environment, or all (e.g. when base URLs change in tests). */
  clear(environment?: EnvironmentName): void {
    if (!environment) this.#entries.clear();
    else for (const key of [...this.#entries.keys()]) if (key.startsWith(environment + ':')) this.#entries.delete(key);
  }

  #entry(credentials: Credentials): Entry {
    const key = `${credentials.environment}:${credentials.fingerprint}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = {};
      this.#entries.set(key, entry);
    }
    return entry;
  }

  #startCreation(credentials: Credentials, entry: Entry, timeoutMs?: number, stats?: RequestStats): Pending {
    if (entry.pending) return entry.pending;
    const expirationDate = this.expirationDateForNow();
    const controller = new AbortController();
    const promise = this.#create(credentials, expirationDate, timeoutMs, controller.signal, stats).then(
      (created) => {
        const session: Session = {
          token: created.token,
          expirationDate: created.expirationDate,
          diesAt: osloMidnight(created.expirationDate),
          createdAt: this.#clock.now(),
        };
        this.#created += 1;
        entry.session = session;
        entry.pending = undefined;
        return session;
      },
      (error: unknown) => {
        entry.pending = undefined;
        throw error;
      },
    );
    // Settled into a value for the bookkeeping, so a creation nobody awaits is never an unhandled rejection.
    promise.catch(() => undefined);
    const pending: Pending = { promise, controller, waiting: 0, pinned: false };
    entry.pending = pending;
    return pending;
  }

  // The creation is shared, so one caller's cancellation must not cancel it for the others:
  // each caller races its own signal against the shared promise. When the last one gives up,
  // the creation (and its retries) is aborted: nobody would use the session.
  #await(pending: Pending, signal?: AbortSignal): Promise<Session> {
    if (!signal) {
      pending.pinned = true;
      return pending.promise;
    }
    if (signal.aborted) return untilSettledOrAborted(pending.promise, signal);
    pending.waiting += 1;
    let counted = true;
    const leave = () => {
      if (!counted) return;
      counted = false;
      pending.waiting -= 1;
    };
    const onAbort = () => {
      leave();
      if (pending.waiting === 0 && !pending.pinned) pending.controller.abort();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return untilSettledOrAborted(pending.promise, signal).finally(() => {
      signal.removeEventListener('abort', onAbort);
      leave();
    });
  }
}
