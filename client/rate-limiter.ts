import { abortableSleep } from '../contract/abortable.js';
import { CancelledError } from '../contract/errors.js';

// Tripletex counts requests per (consumer token, employee token) in fixed windows and says
// on every answer how the current window stands. Once the budget is spent every call is
// refused with 429 until the window ends, so the cheapest 429 is the one never provoked: the
// limiter keeps a local, deliberately pessimistic estimate of the budget and holds requests
// back until the window ends instead of finding out the hard way.
//
// The estimate has to cope with several requests in flight at once (fetch-ahead, several runs
// sharing one token pair) and with answers arriving in a different order than the server
// counted them. Within a window the server's `remaining` only goes down, so the lowest value
// any answer reported belongs to the latest request counted among those answered; every
// request counted after it is one that has not been answered yet. Hence
//   budget = lowest remaining reported − requests in flight − requests that failed unanswered
// never exceeds what the server has left (unless another process spends the same tokens), and
// it is exact once nothing is in flight: an in-flight request the server had in fact already
// counted is subtracted twice only until it answers.
//
// Where a window ends: X-Rate-Limit-Reset counts whole seconds from when the server counted the
// request, and the answer arrives a round trip later. Dating the end from the answer wastes a
// round trip in every window (a quarter of a 1 s window at 250 ms latency); dating it from the
// send is exact for the request that opened the window but wrong by however long the request
// queued at the server. The limiter dates it from the answer less the shortest round trip seen:
// no request is counted later than that after it was sent, unless the fastest one queued too.
//
// When Reset lies: a proxy or gateway may rewrite X-Rate-Limit-Reset (observed: always 1 s
// against a real 10 s window). Believed, it rolls the window over every second, and every burst
// sent into the still-running window is refused. The first answer after a predicted end shows
// whether the window really ended: refused, or accepted without the budget back, it had not.
// Once may be rounding, a late start (see ROUNDING_SLACK_MS) or others spending; then the next
// window is opened by one request, not a burst. Twice in a row cannot be: Reset has proven
// wrong. From then on the limiter learns the window's length from the answers themselves (see
// #observeLearning): it keeps pacing by `remaining`, waits out each window for the length
// learnt so far, and opens the next with one request, whose answer says whether the window had
// really ended (the budget back: it lasts no longer than that) or not (it lasts longer). Between
// those bounds it closes in, a little at a time from the length that held, until they are within
// a tenth of the window: at most one refused request a window while it does.
//
// Speculative requests: a page fetched ahead that no answer has yet proven necessary (see
// client/paginate.ts) is sent only with budget the proven work does not need. The proven work
// is the requests already known to be needed that wait here, and, for the rest of the window,
// one request per round trip: each answer can prove the next page, and that request must still
// find budget in this window. Only what the window has beyond that is spare. So at 5 requests a
// second and 50 ms a round trip, where requests sent one after another use the whole budget,
// nothing is sent on speculation (and nothing past the end of a list); at 10 a second and
// 250 ms, six of every window's ten may be. Without rate-limit headers every request may go.
//
// Several processes (or machines) on one token pair share nothing but Tripletex's counters. An
// answer shows how far `remaining` fell; when it fell further than this process spent, others are
// spending too (see #noteFall). Then this process counts what they have sent since its latest
// answer (at the rate the window has shown) as spent too, and takes only its share of the rest:
// its fraction of the window's spending. If every process does the same, they take no more
// together than there is, and a process that starts or stops changes the shares in a window.

/** What a response said about the rate limit; a field is absent when its header was missing or unusable. */
export interface RateLimitHeaders {
  limit?: number;
  remaining?: number;
  resetSeconds?: number;
  retryAfterSeconds?: number;
}

type HeaderBag = Record<string, string | string[] | undefined>;

function headerValue(headers: HeaderBag, name: string): string | undefined {
  let raw = headers[name];
  if (raw === undefined) {
    // Node lower-cases names of incoming headers; a hand-built object may not.
    for (const [key, value] of Object.entries(headers)) {
      if (key.toLowerCase() === name) {
        raw = value;
        break;
      }
    }
  }
  const first = Array.isArray(raw) ? raw[0] : raw;
  const trimmed = first?.trim();
  return trimmed ? trimmed : undefined;
}

const DECIMAL = /^\d+(\.\d+)?$/;

function nonNegativeNumber(text: string | undefined): number | undefined {
  if (text === undefined || !DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function nonNegativeInteger(text: string | undefined): number | undefined {
  const value = nonNegativeNumber(text);
  return value === undefined ? undefined : Math.floor(value);
}

/**
 * Reads X-Rate-Limit-Limit/-Remaining/-Reset and Retry-After. Anything missing, negative or
 * unparsable becomes an absent field rather than an error: a bad header must never fail a
 * request that Tripletex answered. Retry-After may be seconds or an HTTP date (judged against
 * `nowMs`, wall-clock time because the date is).
 */
export function parseRateLimitHeaders(headers: HeaderBag, nowMs: number = Date.now()): RateLimitHeaders {
  const out: RateLimitHeaders = {};
  const limit = nonNegativeInteger(headerValue(headers, 'x-rate-limit-limit'));
  const remaining = nonNegativeInteger(headerValue(headers, 'x-rate-limit-remaining'));
  const reset = nonNegativeNumber(headerValue(headers, 'x-rate-limit-reset'));
  if (limit !== undefined) out.limit = limit;
  if (remaining !== undefined) out.remaining = remaining;
  if (reset !== undefined) out.resetSeconds = reset;
  const retryAfter = headerValue(headers, 'retry-after');
  if (retryAfter !== undefined) {
    const seconds = nonNegativeNumber(retryAfter);
    if (seconds !== undefined) {
      out.retryAfterSeconds = seconds;
    } else if (/[a-z]/i.test(retryAfter)) {
      const at = Date.parse(retryAfter);
      if (Number.isFinite(at)) out.retryAfterSeconds = Math.max(0, (at - nowMs) / 1000);
    }
  }
  return out;
}

export interface RateLimiterOptions {
  /** Milliseconds on a clock that only moves forward; defaults to performance.now(). */
  now?: () => number;
  /** Must reject when the signal aborts; defaults to abortableSleep. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** First backoff after a 429 that says nothing about when to come back. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** In [0, 1); for backoff jitter. Tests inject a fixed one. */
  random?: () => number;
}

export interface Permit {
  /** Time this acquire spent queued before it was granted. */
  waitedMs: number;
  /** Exactly once per acquire: the response's headers, or undefined when no response came. Later calls are ignored. */
  release(headers: RateLimitHeaders | undefined, rateLimited: boolean): void;
}

export interface RateLimiterSnapshot {
  limit?: number;
  /** The local estimate of what may still be sent in this window (never more than the server said). */
  remaining?: number;
  /** On the limiter's clock (options.now), not wall time. */
  windowEndsAt?: number;
  inFlight: number;
  /** Times the limiter paused its callers for a window end or a 429 backoff. */
  waits: number;
  /** Wall time spent in those pauses (overlapping callers counted once). */
  waitedMs: number;
  /** This process's share of the window, when answers show others spending on the same tokens. */
  share?: number;
  /** Set once X-Rate-Limit-Reset has proven wrong: the window length the limiter now waits out, learnt from answers. */
  learnedWindowMs?: number;
}

// Before the first answer the budget is unknown and might be tiny, so the first request goes
// alone: it costs one round trip once per token pair, while letting a burst of fetch-ahead
// requests through could spend (or overspend) a small budget before anything is known. A lone
// request also makes its answer authoritative: nothing else can be counted between it and
// its `remaining`.
const COLD_CONCURRENCY = 1;

// A request sent exactly at the estimated end could still land in the old window (the send
// may be delayed on a busy event loop, the path to the server may be slower this time). The
// margin is a small share of the window: 150 ms of Tripletex's 10 s, 30 ms of a 1 s window.
const MAX_SAFETY_MARGIN_MS = 150;
const MIN_SAFETY_MARGIN_MS = 30;
const SAFETY_MARGIN_SHARE = 0.015;
/** Before any Reset has shown how long the windows are: Tripletex's 10 s. */
const ASSUMED_WINDOW_MS = 10_000;

// If a request sent just after what we took for the end of a window is refused, the estimate
// was early. A Reset of 0 on that refusal means the server rounds down (a rounding-up server
// never says 0 for a window still running): from then on wait one granularity step longer.
// Otherwise the request met a delay the shortest round trip did not show: first stop dating
// ends from it, then add slack, doubling up to a granularity step.
const ROUNDING_SLACK_MS = 1000;
const MIN_LEARNED_SLACK_MS = 100;

// While learning the window's length (Reset proven wrong): how close the bounds must be before
// the limiter stops trying shorter windows, as a share of the longest that held.
const LEARNED_TOLERANCE_SHARE = 0.1;
const MIN_LEARNED_TOLERANCE_MS = 200;

// Evidence of other spenders needs more than one request the fall cannot explain: requests sent
// together may be counted in another order than they were sent.
const MIN_OTHERS_FOR_SHARING = 2;
const MIN_RATE_SPAN_MS = 50;

// Tripletex's windows last about ten seconds. A Reset or Retry-After beyond an hour is not a
// window but a broken or hostile header: it must not stop every run on the same tokens (for
// years, with Reset: 99999999), so the limiter does not pace by it. The request that received
// it decides for itself whether to wait that long (its maxWaitMs) or fail.
export const MAX_PLAUSIBLE_WAIT_SECONDS = 3600;

// How much each new round trip moves the smoothed one: a few answers are enough to follow a
// change of pace, one fast answer is not.
const ROUND_TRIP_SMOOTHING = 0.25;

const DEFAULT_MIN_BACKOFF_MS = 1000;
// Tripletex's windows are about 10 s; backing off much longer than one window buys nothing.
const DEFAULT_MAX_BACKOFF_MS = 16_000;

/**
 * cold: nothing known yet (or a 429 without Reset made what we knew worthless): probe one
 * request at a time. known: budget and window tracked. unadvertised: the server answered
 * without rate-limit headers, so there is nothing to pace by; only 429s hold requests back.
 */
type Mode = 'cold' | 'known' | 'unadvertised';

interface Waiter {
  resolve(permit: Permit): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  onWait: ((ms: number) => void) | undefined;
  /** A pause longer than this is refused with WaitTooLongError instead of being waited. */
  maxWaitMs: number;
  enqueuedAt: number;
  plannedUntil: number | undefined;
  /** Set for a request fetched ahead on speculation (see the top). */
  speculation: Speculation | undefined;
  /** Whether its speculation was told the rate limit binds (once is enough). */
  toldBound: boolean;
}

/** What the limiter asks of a request fetched ahead on speculation (see the top). */
export interface Speculation {
  /** True while no answer has proven the request needed; read whenever the limiter decides. */
  speculative(): boolean;
  /**
   * Called once when the rate limit sets the pace of this request: it is held back for want of
   * budget to spare, or let go at a pace that will spend the window's budget before it ends.
   */
  rateBound?(): void;
}

/** A pause the caller would not wait for (longer than its maxWaitMs); nothing was sent. */
export class WaitTooLongError extends Error {
  constructor(readonly waitMs: number) {
    super(`a rate-limit wait of ${Math.round(waitMs)} ms is longer than this request may wait`);
    this.name = 'WaitTooLongError';
  }
}

/**
 * go: grant now. slot: wait for a release. until: a rate-limit pause until `at` (callers are
 * told). answers: the budget is held only by requests in flight, some of which the server may
 * already have counted; wait quietly for their answers, or for the window end if sooner.
 */
type Decision = { kind: 'go' } | { kind: 'slot' } | { kind: 'until'; at: number } | { kind: 'answers'; at: number };

interface Timer {
  at: number;
  controller: AbortController;
}

interface Grant {
  sentAt: number;
  epoch: number;
}

const defaultNow = () => performance.now();

/** One per token pair (see rateLimiterFor): every request with those tokens goes through it. */
export class RateLimiter {
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #minBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #random: () => number;

  #mode: Mode = 'cold';
  #limit: number | undefined;
  /** Lowest `remaining` reported in the current window (after a local rollover: limit). */
  #windowMin = 0;
  /** Requests of the current window released without an answer: they may have been counted. */
  #lost = 0;
  /** Latest moment the server's current window can end; undefined after a local rollover until an answer from the new window arrives. */
  #windowEndsAt: number | undefined;
  /** Earliest moment the current window can end, to recognise answers from older windows. */
  #windowEndsAfter: number | undefined;
  /** After a local rollover: the end of the window we left, to recognise its stragglers. */
  #previousWindowEndsAt: number | undefined;
  /** Bumped whenever the account starts over (rollover, a later window, a 429 that wipes it); a permit remembers its epoch. */
  #epoch = 0;
  #rolloverUnconfirmed = false;
  #extraSlackMs = 0;
  /** The lowest `remaining` of the window we left at a local rollover: an answer above it shows the budget came back. */
  #previousWindowMin: number | undefined;
  /** When the current window began, as answers show it: the send time of its first request we saw counted. */
  #startedAt: number | undefined;
  /** Predicted window ends in a row that the first answer after them showed false (see the top). */
  #prematureInARow = 0;
  /** After a premature rollover: the next window is opened by one request, not a burst. */
  #confirmRollovers = false;
  /** Once Reset has proven wrong: what answers have shown of the window's length. */
  #learned: { atLeastMs?: number; atMostMs?: number } | undefined;
  /** Probes in a row into a window whose start is unknown (learning mode): they back off exponentially. */
  #blindProbes = 0;
  /** Shorter windows that held in a row (learning mode): the next step down is twice as long. */
  #shorterHeld = 0;
  /** Whether window ends may be dated from the answer less the shortest round trip (see the top); a refusal after an early rollover turns it off. */
  #shortenByRoundTrip = true;
  /** Shortest time from grant to answer seen: no request is counted later than this before its answer arrives, unless the fastest one queued too. */
  #minRoundTripMs: number | undefined;
  /** Recent round trips, smoothed, and the latest: how often an answer can prove another page (see the top). */
  #roundTripMs: number | undefined;
  #lastRoundTripMs: number | undefined;
  /** Longest Reset seen, in ms: the window's length, as far as the headers tell it. */
  #windowLengthMs: number | undefined;
  #blockedUntil = -Infinity;
  #inFlight = 0;
  /** Requests granted and not yet released (for #noteFall). */
  readonly #pending = new Set<Grant>();
  /** The first answer of the current window: `remaining` falls from here (for #noteFall). */
  #reference: { remaining: number; sentAt: number } | undefined;
  /** Answers this process had in the current window that were counted after the reference. */
  #answeredAfterReference = 0;
  /** This process's fraction of the current window's spending, once answers show others spend too; undefined while nothing says so. */
  #windowShare: number | undefined;
  /** The share the last window ended with: the starting assumption for the next. */
  #previousShare: number | undefined;
  /** The current window's answers showed this process spending alone. */
  #windowSolo = false;
  /** Others' requests per ms in the current window, as its answers show; 0 when none are seen. */
  #othersPerMs = 0;
  /** When the request that reported windowMin was sent: what others sent since is not in it. */
  #windowMinSentAt: number | undefined;

  readonly #queue: Waiter[] = [];
  #timer: Timer | undefined;
  #pausedSince: number | undefined;
  #waits = 0;
  #waitedMs = 0;
  #pumpScheduled = false;

  constructor(options: RateLimiterOptions = {}) {
    this.#now = options.now ?? defaultNow;
    this.#sleep = options.sleep ?? abortableSleep;
    this.#minBackoffMs = options.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS;
    this.#maxBackoffMs = Math.max(this.#minBackoffMs, options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS);
    this.#random = options.random ?? Math.random;
  }

  /**
   * Resolves when a request may be sent. Callers are served in arrival order. When the
   * window's budget is spent (or a 429 backoff is running) `onWait` hears the planned wait
   * before the pause begins, and again if the plan changes. Rejects with CancelledError when
   * `signal` aborts while queued; a cancelled acquire holds nothing.
   */
  acquire(signal?: AbortSignal, onWait?: (ms: number) => void, maxWaitMs = Infinity, speculation?: Speculation): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined, onWait, maxWaitMs, enqueuedAt: this.#now(), plannedUntil: undefined, speculation, toldBound: false };
      if (signal) {
        waiter.onAbort = () => {
          const at = this.#queue.indexOf(waiter);
          if (at < 0) return;
          this.#queue.splice(at, 1);
          reject(new CancelledError());
          this.#pump();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  /** Requests waiting on speculation may have been proven necessary since: decide again. */
  reconsider(): void {
    this.#pump();
  }

  /**
   * After a 429: how long to wait before retrying, and every other acquire waits as long.
   * X-Rate-Limit-Reset says when the window ends; without it Retry-After; without either an
   * exponential backoff by attempt (1 s, 2 s, 4 s … capped), jittered so that several callers
   * do not come back in lockstep.
   */
  backoffAfter429(headers: RateLimitHeaders, attempt: number, maxWaitMs = Infinity): number {
    const now = this.#now();
    let wait: number;
    if (this.#learned) {
      // Reset has proven wrong: wait out the window as the answers have shown it (#observeLearning
      // has just placed its end).
      wait = Math.max(0, (this.#windowEndsAt ?? now + this.#minBackoffMs) + this.#marginMs() - now);
    } else if (headers.resetSeconds !== undefined && headers.resetSeconds > 0) {
      wait = headers.resetSeconds * 1000 + this.#marginMs() + this.#extraSlackMs;
      // The answer has already told the limiter where its window ends (see #observe), more
      // closely than Reset counted from now does.
      if (this.#mode === 'known' && this.#windowEndsAt !== undefined) wait = Math.min(wait, Math.max(0, this.#windowEndsAt + this.#marginMs() + this.#extraSlackMs - now));
    } else if (headers.retryAfterSeconds !== undefined && headers.retryAfterSeconds > 0) {
      wait = headers.retryAfterSeconds * 1000 + this.#marginMs();
    } else {
      // No header, or one that says "now" (a Retry-After date already past on a skewed
      // clock): coming back at once would only be refused again, so back off and grow.
      const exponent = Math.max(0, Math.floor(attempt) - 1);
      const base = Math.min(this.#maxBackoffMs, this.#minBackoffMs * 2 ** Math.min(exponent, 30));
      wait = Math.min(this.#maxBackoffMs, base * (0.75 + 0.5 * this.#random()));
    }
    // A wait the caller will not take holds nobody: the caller fails instead.
    if (wait > maxWaitMs || wait > MAX_PLAUSIBLE_WAIT_SECONDS * 1000) return wait;
    this.#blockedUntil = Math.max(this.#blockedUntil, now + wait);
    this.#pump();
    return Math.max(0, this.#blockedUntil - now);
  }

  /** The limiter's clock (options.now): what its waits are measured on. */
  now(): number {
    return this.#now();
  }

  snapshot(): RateLimiterSnapshot {
    const out: RateLimiterSnapshot = { inFlight: this.#inFlight, waits: this.#waits, waitedMs: this.#waitedMs };
    if (this.#pausedSince !== undefined) out.waitedMs += this.#now() - this.#pausedSince;
    if (this.#limit !== undefined) out.limit = this.#limit;
    if (this.#mode === 'known') out.remaining = Math.max(0, this.#budget());
    if (this.#windowEndsAt !== undefined) out.windowEndsAt = this.#windowEndsAt;
    if (this.#share() < 1) out.share = this.#share();
    if (this.#learned) out.learnedWindowMs = this.#guessMs();
    return out;
  }

  /** How long a window lasts, as best known: learnt from the answers once Reset proved wrong, else as reported, else assumed. */
  #windowMs(): number {
    return this.#learned ? this.#guessMs() : (this.#windowLengthMs ?? ASSUMED_WINDOW_MS);
  }

  /** Requests that may still be sent in the current window (known mode); may go negative. */
  #budget(): number {
    return this.#portion(this.#spare() - this.#inFlight);
  }

  /**
   * What is left in the current window for this process's requests, those in flight included:
   * the lowest `remaining` reported, less what may have been spent unanswered and, when others
   * spend on the same tokens, what they have sent since (at the rate the window has shown).
   */
  #spare(): number {
    let spare = this.#windowMin - this.#lost;
    if (this.#othersPerMs > 0 && this.#windowMinSentAt !== undefined) spare -= this.#othersPerMs * Math.max(0, this.#now() - this.#windowMinSentAt);
    return spare;
  }

  /**
   * This process's part of `left` requests: all of it alone; with others, its share (rounded
   * down), so that when every process takes its own share they take no more than there is.
   */
  #portion(left: number): number {
    const share = this.#share();
    return share >= 1 ? left : Math.floor(left * share);
  }

  #share(): number {
    return Math.min(1, this.#windowShare ?? this.#previousShare ?? 1);
  }

  /** The pause before the first request of a new window: a small share of the window's length. */
  #marginMs(): number {
    const windowMs = this.#windowMs();
    return Math.min(MAX_SAFETY_MARGIN_MS, Math.max(MIN_SAFETY_MARGIN_MS, windowMs * SAFETY_MARGIN_SHARE));
  }

  #decide(now: number): Decision {
    const go: Decision = { kind: 'go' };
    if (now < this.#blockedUntil) return { kind: 'until', at: this.#blockedUntil };
    if (this.#mode === 'unadvertised') return go;
    if (this.#mode === 'cold') return this.#inFlight < COLD_CONCURRENCY ? go : { kind: 'slot' };
    if (this.#windowEndsAt !== undefined) {
      const opensAt = this.#windowEndsAt + this.#marginMs() + (this.#learned ? 0 : this.#extraSlackMs);
      if (now < opensAt) {
        if (this.#budget() > 0) return go;
        if (this.#inFlight > 0 && this.#portion(this.#spare()) > 0) return { kind: 'answers', at: opensAt };
        return { kind: 'until', at: opensAt };
      }
      if (!this.#rollOver()) return this.#decide(now);
    }
    // A window that was believed over too early before: one request finds out, then the rest.
    if (this.#rolloverUnconfirmed && this.#confirmRollovers) return this.#inFlight === 0 ? go : { kind: 'slot' };
    if (this.#budget() > 0) return go;
    // A fresh window whose budget the requests in flight may hold: their answers will tell.
    // If none are in flight (they all failed unanswered) one probe finds out.
    return this.#inFlight === 0 ? go : { kind: 'slot' };
  }

  /** Whether a waiter is a request fetched ahead on speculation (its own answer, read now). */
  #isSpeculative(waiter: Waiter): boolean {
    try {
      return waiter.speculation?.speculative() === true;
    } catch {
      return false;
    }
  }

  /** The first waiter that may go now: any request that is needed, or a speculative one the window has budget to spare for. */
  #nextToGrant(now: number): Waiter | undefined {
    let spare: number | undefined;
    for (const waiter of this.#queue) {
      if (!this.#isSpeculative(waiter)) return waiter;
      spare ??= this.#spareForSpeculation(now);
      if (spare >= 1) return waiter;
      this.#tellBound(waiter);
    }
    return undefined;
  }

  /** Requests a window can still give to speculation: its budget less what the proven work may need in it (see the top). */
  #spareForSpeculation(now: number): number {
    if (this.#mode === 'unadvertised') return Infinity;
    if (this.#mode !== 'known') return 0;
    return this.#budget() - Math.max(this.#queuedNeeded(), this.#chainReserve(now));
  }

  /** Requests waiting that are needed (not speculative). */
  #queuedNeeded(): number {
    let needed = 0;
    for (const waiter of this.#queue) if (!this.#isSpeculative(waiter)) needed += 1;
    return needed;
  }

  /**
   * One request per round trip left in the current window: what answers may yet prove needed
   * in it. The first is due when the answers in flight come; with none in flight, now.
   */
  #chainReserve(now: number): number {
    const roundTrip = this.#chainRoundTripMs();
    if (roundTrip === undefined || roundTrip <= 0) return 0;
    const left = this.#windowEndsAt !== undefined ? Math.max(0, this.#windowEndsAt - now) : this.#windowMs();
    return this.#inFlight > 0 ? Math.floor(left / roundTrip) : Math.ceil(left / roundTrip);
  }

  /**
   * How long a link of the proven chain takes: the smoothed round trip, or the latest when
   * that is longer (pages that grew take longer at once; a faster answer is believed slowly).
   */
  #chainRoundTripMs(): number | undefined {
    if (this.#roundTripMs === undefined) return this.#minRoundTripMs;
    return Math.max(this.#roundTripMs, this.#lastRoundTripMs ?? 0);
  }

  /** When speculative requests held back may go, if nothing else changes: once the reserve has shrunk below the spare budget, or at the window's end. */
  #speculationCheckAt(now: number): number {
    const windowEnd = this.#windowEndsAt !== undefined ? this.#windowEndsAt + this.#marginMs() : now + this.#minBackoffMs;
    const roundTrip = this.#chainRoundTripMs();
    const free = this.#budget() - this.#queuedNeeded() - 1;
    if (roundTrip === undefined || roundTrip <= 0 || free < 0) return Math.max(now + 1, windowEnd);
    return Math.max(now + 1, Math.min(windowEnd, (this.#windowEndsAt ?? windowEnd) - free * roundTrip));
  }

  /**
   * The estimated end has passed: assume a fresh window of `limit`, less what is still in
   * flight (it may land in it). Answers false when `limit` is unknown and we went cold instead.
   */
  #rollOver(): boolean {
    this.#previousWindowMin = this.#windowMin;
    this.#previousWindowEndsAt = this.#windowEndsAt;
    this.#windowEndsAt = undefined;
    this.#windowEndsAfter = undefined;
    this.#epoch += 1;
    this.#rolloverUnconfirmed = true;
    this.#lost = 0;
    this.#startWindowShare();
    if (this.#limit === undefined) {
      this.#mode = 'cold';
      this.#windowMin = 0;
      return false;
    }
    this.#windowMin = this.#limit;
    return true;
  }

  #pump(): void {
    for (;;) {
      const head = this.#queue[0];
      const now = this.#now();
      if (!head) {
        this.#endPause(now);
        this.#disarm();
        return;
      }
      const decision = this.#decide(now);
      if (decision.kind === 'go') {
        const next = this.#nextToGrant(now);
        if (next === undefined) {
          // Only requests fetched ahead on speculation wait, and the window has no budget to
          // spare for them: an answer will prove them needed or spend the proven work's share
          // (reconsider, a release), or, failing both, the reserve for it shrinks with time.
          this.#endPause(now);
          this.#arm(this.#speculationCheckAt(now), now);
          return;
        }
        this.#queue.splice(this.#queue.indexOf(next), 1);
        this.#endPause(now);
        this.#grant(next, now);
        continue;
      }
      if (decision.kind === 'slot' || decision.kind === 'answers') {
        // Woken by a release (or the window end); not a pause anyone needs to hear about.
        this.#endPause(now);
        if (decision.kind === 'answers') this.#arm(decision.at, now);
        else this.#disarm();
        return;
      }
      // Those who would not wait this long are told at once, and do not hold up the queue.
      const refused = this.#queue.filter((waiter) => decision.at - now > waiter.maxWaitMs);
      if (refused.length > 0) {
        for (const waiter of refused) {
          this.#queue.splice(this.#queue.indexOf(waiter), 1);
          if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
          waiter.reject(new WaitTooLongError(decision.at - now));
        }
        continue;
      }
      this.#beginPause(now);
      for (const waiter of this.#queue) {
        if (waiter.plannedUntil === decision.at) continue;
        waiter.plannedUntil = decision.at;
        try {
          waiter.onWait?.(decision.at - now);
        } catch {
          // A progress callback must not wedge the queue.
        }
      }
      this.#arm(decision.at, now);
      return;
    }
  }

  /**
   * Tells a request's speculation, once, that the rate limit sets its pace: not before half the
   * window's budget is spent, so that a short run, which the window would have held anyway,
   * is not told so.
   */
  #tellBound(waiter: Waiter): void {
    if (waiter.toldBound || !waiter.speculation?.rateBound) return;
    if (this.#mode !== 'known' || this.#limit === undefined || this.#budget() > this.#portion(this.#limit) / 2) return;
    waiter.toldBound = true;
    try {
      waiter.speculation.rateBound();
    } catch {
      // A pacing hint must not wedge the queue.
    }
  }

  /**
   * Whether the requests in flight, sent one round trip after another at this pace until the
   * window ends, would spend more than its budget: the run will have to wait, so the rate limit
   * sets its pace (Little's law: in flight / round trip is the rate of sending).
   */
  #paceSpendsWindow(now: number): boolean {
    if (this.#mode !== 'known' || this.#windowEndsAt === undefined) return false;
    const roundTrip = this.#chainRoundTripMs();
    if (roundTrip === undefined || roundTrip <= 0) return false;
    return (this.#inFlight / roundTrip) * Math.max(0, this.#windowEndsAt - now) > this.#budget();
  }

  #grant(waiter: Waiter, now: number): void {
    if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
    this.#inFlight += 1;
    if (this.#paceSpendsWindow(now)) this.#tellBound(waiter);
    const grant: Grant = { sentAt: now, epoch: this.#epoch };
    this.#pending.add(grant);
    let released = false;
    waiter.resolve({
      waitedMs: now - waiter.enqueuedAt,
      release: (headers, rateLimited) => {
        if (released) return;
        released = true;
        this.#release(grant, headers, rateLimited);
      },
    });
  }

  #release(grant: Grant, headers: RateLimitHeaders | undefined, rateLimited: boolean): void {
    this.#inFlight -= 1;
    this.#pending.delete(grant);
    if (headers) this.#observe(grant, headers, rateLimited);
    else if (rateLimited) this.#forget();
    else if (this.#mode === 'known') this.#lost += 1;
    if (rateLimited) {
      // The caller normally asks backoffAfter429 right after this; let that block land before
      // anyone queued is let through on the strength of this release.
      if (!this.#pumpScheduled) {
        this.#pumpScheduled = true;
        queueMicrotask(() => {
          this.#pumpScheduled = false;
          this.#pump();
        });
      }
    } else {
      this.#pump();
    }
  }

  /** A 429 that says nothing about the window: what we knew is worthless, probe again after the backoff. */
  #forget(): void {
    this.#mode = 'cold';
    this.#epoch += 1;
    this.#startWindowShare();
    this.#windowMin = 0;
    this.#lost = 0;
    this.#windowEndsAt = undefined;
    this.#windowEndsAfter = undefined;
    this.#previousWindowEndsAt = undefined;
    this.#rolloverUnconfirmed = false;
  }

  #observe(grant: Grant, headers: RateLimitHeaders, rateLimited: boolean): void {
    if (headers.limit !== undefined && headers.limit >= 1) this.#limit = headers.limit;
    const { remaining } = headers;
    const resetSeconds = headers.resetSeconds !== undefined && headers.resetSeconds <= MAX_PLAUSIBLE_WAIT_SECONDS ? headers.resetSeconds : undefined;
    if (remaining === undefined && resetSeconds === undefined) {
      if (rateLimited) this.#forget();
      else if (this.#mode === 'cold' && this.#limit === undefined) this.#mode = 'unadvertised';
      return;
    }
    if (rateLimited && resetSeconds === undefined && !this.#learned) {
      this.#forget();
      return;
    }
    const now = this.#now();
    const reported = rateLimited ? 0 : remaining;
    const roundTrip = Math.max(0, now - grant.sentAt);
    this.#minRoundTripMs = Math.min(this.#minRoundTripMs ?? roundTrip, roundTrip);
    this.#roundTripMs = this.#roundTripMs === undefined ? roundTrip : this.#roundTripMs + ROUND_TRIP_SMOOTHING * (roundTrip - this.#roundTripMs);
    this.#lastRoundTripMs = roundTrip;
    if (this.#learned) {
      this.#observeLearning(grant, reported, rateLimited, now);
      return;
    }
    if (resetSeconds !== undefined) this.#windowLengthMs = Math.max(this.#windowLengthMs ?? 0, resetSeconds * 1000);

    // Where this answer's window ends: Reset is whole seconds, rounded up by a server that
    // behaves as documented, and was computed when the server counted the request: after it
    // was sent, and (see the top) no later than the shortest round trip before its answer. So
    // the end is no later than `latest` and no earlier than `earliest`.
    let earliest: number | undefined;
    let latest: number | undefined;
    if (resetSeconds !== undefined) {
      const countedBy = this.#shortenByRoundTrip ? now - this.#minRoundTripMs : now;
      latest = Math.max(grant.sentAt, countedBy) + resetSeconds * 1000;
      earliest = grant.sentAt + Math.max(0, resetSeconds - 1) * 1000;
    }

    if (this.#mode !== 'known') {
      // Cold: only an answer to a request granted since we went cold counts; one granted
      // earlier may predate the 429 that made us forget, and would bring back a stale budget.
      if (this.#mode === 'cold' && grant.epoch !== this.#epoch) return;
      const lowest = reported ?? this.#limit;
      if (lowest === undefined) return;
      this.#adopt(earliest, latest, lowest);
      // The window began no later than this request: as good a start as answers can show.
      if (!rateLimited) this.#startedAt = grant.sentAt;
      if (!rateLimited && reported !== undefined) this.#noteFall(grant.sentAt, reported);
      return;
    }
    const reference = this.#windowEndsAt ?? this.#previousWindowEndsAt;
    // A later window: the server moved on and this answer starts our account of it. A slow
    // answer from the same window can never look like this, because its earliest end is at or
    // before the true end, which our latest estimate is at or after.
    const later = reference === undefined || (earliest !== undefined && earliest > reference);
    if (later) {
      const before = this.#windowEndsAt !== undefined ? this.#windowMin : this.#previousWindowMin;
      // The first answer after a rollover the headers predicted: refused, or accepted without
      // the budget back, the server's window had not ended.
      const opener = this.#rolloverUnconfirmed && grant.epoch === this.#epoch;
      if (opener && (rateLimited || (reported !== undefined && before !== undefined && reported < before))) {
        this.#confirmRollovers = true;
        this.#prematureInARow += 1;
        if (this.#prematureInARow >= 2) {
          this.#beginLearning(grant.sentAt, reported ?? 0, now);
          return;
        }
        if (rateLimited) this.#learnFromEarlyRollover(resetSeconds);
      } else if (opener) {
        this.#prematureInARow = 0;
      }
      this.#adopt(earliest, latest, reported ?? this.#limit ?? 0);
      // A window starts where the budget comes back, whatever Reset claims.
      if (!rateLimited && reported !== undefined && (before === undefined || before <= 0 || reported >= before)) this.#startedAt = grant.sentAt;
      if (!rateLimited && reported !== undefined) this.#noteFall(grant.sentAt, reported);
      return;
    }
    // An answer from a window we already left (overtaken by answers from the next one, or
    // arriving after we rolled over): its low `remaining` says nothing about the current one.
    if (this.#windowEndsAt === undefined) return;
    if (latest !== undefined && this.#windowEndsAfter !== undefined && latest < this.#windowEndsAfter) return;
    if (latest !== undefined) this.#windowEndsAt = Math.min(this.#windowEndsAt, latest);
    if (earliest !== undefined) this.#windowEndsAfter = Math.max(this.#windowEndsAfter ?? earliest, earliest);
    if (reported !== undefined) this.#windowMin = Math.min(this.#windowMin, reported);
    if (reported !== undefined && !rateLimited) this.#noteFall(grant.sentAt, reported);
  }

  /**
   * Refused just after the estimated end of a window: the estimate was early. See
   * ROUNDING_SLACK_MS for what each refusal teaches.
   */
  #learnFromEarlyRollover(resetSeconds: number | undefined): void {
    if (resetSeconds === 0) this.#extraSlackMs = Math.max(this.#extraSlackMs, ROUNDING_SLACK_MS);
    else if (this.#shortenByRoundTrip) this.#shortenByRoundTrip = false;
    else this.#extraSlackMs = Math.min(ROUNDING_SLACK_MS, Math.max(MIN_LEARNED_SLACK_MS, this.#extraSlackMs * 2));
  }

  /**
   * Reset has proven wrong (twice in a row the window it said had ended went on): from now on
   * the window's length is learnt from answers. The request answered at `sentAt` shows the
   * window still running then, so it lasts at least that long since it began; `left` is what
   * that answer said remains of it.
   */
  #beginLearning(sentAt: number, left: number, now: number): void {
    this.#learned = this.#startedAt === undefined ? {} : { atLeastMs: Math.max(0, sentAt - this.#startedAt) };
    this.#confirmRollovers = true;
    this.#mode = 'known';
    this.#epoch += 1;
    this.#windowMin = left;
    this.#lost = 0;
    this.#rolloverUnconfirmed = false;
    this.#windowEndsAfter = undefined;
    this.#previousWindowEndsAt = undefined;
    this.#windowEndsAt = this.#learnedEnd(now);
  }

  /**
   * An answer once Reset is no longer believed. The first answer after a rollover is the probe
   * that opened it: accepted with the budget back, the window had ended (it lasts at most that
   * long) and a new one starts; refused, or accepted without the budget back, it had not (it
   * lasts longer), and its end moves on. Other answers of the window only pace it.
   */
  #observeLearning(grant: Grant, reported: number | undefined, rateLimited: boolean, now: number): void {
    if (this.#mode !== 'known') {
      // Cold again (a 429 that said nothing): the first answer since tells where we stand.
      if (grant.epoch !== this.#epoch) return;
      if (rateLimited) this.#holdLearnedWindow(undefined, now);
      else this.#startLearnedWindow(grant.sentAt, reported, now);
      return;
    }
    if (this.#rolloverUnconfirmed && grant.epoch === this.#epoch) {
      const elapsed = this.#startedAt === undefined ? undefined : Math.max(0, grant.sentAt - this.#startedAt);
      // Accepted where the window we left had nothing left, or with more left than it had: a
      // new window. (The same window can only have less left.)
      const before = this.#previousWindowMin;
      const fresh = !rateLimited && (reported === undefined || before === undefined || before <= 0 || reported >= before);
      if (fresh) {
        if (elapsed !== undefined) this.#bound('atMostMs', elapsed);
        this.#startLearnedWindow(grant.sentAt, reported, now);
      } else if (elapsed !== undefined && this.#learned!.atMostMs !== undefined && elapsed >= this.#learned!.atMostMs) {
        // Later than any window has lasted: not the old window going on, but a new one that
        // others on the same tokens have used up. Nothing learnt; ask again soon.
        this.#holdLearnedWindow(reported, now, true);
      } else {
        if (elapsed !== undefined) this.#bound('atLeastMs', elapsed);
        this.#holdLearnedWindow(reported, now);
      }
      return;
    }
    if (grant.epoch !== this.#epoch || this.#windowEndsAt === undefined) return;
    if (reported !== undefined) this.#windowMin = Math.min(this.#windowMin, reported);
    if (reported !== undefined && !rateLimited) this.#noteFall(grant.sentAt, reported);
  }

  /** A window began with the request sent at `sentAt`: pace it by its budget, and wait it out for the length learnt. */
  #startLearnedWindow(sentAt: number, reported: number | undefined, now: number): void {
    this.#mode = 'known';
    this.#epoch += 1;
    this.#startedAt = sentAt;
    this.#blindProbes = 0;
    this.#windowMin = reported ?? this.#limit ?? 0;
    this.#lost = 0;
    this.#rolloverUnconfirmed = false;
    this.#previousWindowEndsAt = undefined;
    this.#startWindowShare();
    this.#windowEndsAt = this.#learnedEnd(now);
    if (reported !== undefined) this.#noteFall(sentAt, reported);
  }

  /** The window we thought over goes on: nothing left of it for now, and its end is moved by what was learnt (or, `soon`, a backoff). */
  #holdLearnedWindow(reported: number | undefined, now: number, soon = false): void {
    this.#mode = 'known';
    this.#windowMin = reported ?? 0;
    this.#lost = 0;
    this.#rolloverUnconfirmed = false;
    this.#previousWindowEndsAt = undefined;
    this.#windowEndsAt = this.#learnedEnd(now, soon);
  }

  /** Narrows what is known of the window's length; a bound that contradicts the other replaces it (windows may change). */
  #bound(which: 'atLeastMs' | 'atMostMs', ms: number): void {
    const learned = this.#learned!;
    if (which === 'atLeastMs') {
      this.#shorterHeld = 0;
      learned.atLeastMs = Math.max(learned.atLeastMs ?? 0, ms);
      if (learned.atMostMs !== undefined && learned.atMostMs <= learned.atLeastMs) delete learned.atMostMs;
    } else {
      if (learned.atMostMs !== undefined && ms < learned.atMostMs) this.#shorterHeld += 1;
      learned.atMostMs = Math.min(learned.atMostMs ?? Infinity, ms);
      if (learned.atLeastMs !== undefined && learned.atLeastMs >= learned.atMostMs) delete learned.atLeastMs;
    }
  }

  /**
   * The length to wait a window out for: with no end seen yet, Tripletex's 10 s or a doubling
   * of what was seen to run; with both bounds, the one that held once they are close. Until then
   * a little shorter than the one that held (most windows keep their length, so a window is
   * usually refused at most once there), in steps that double while shorter ones keep holding,
   * or the middle when the bounds are far closer together.
   */
  #guessMs(): number {
    const { atLeastMs, atMostMs } = this.#learned ?? {};
    if (atMostMs === undefined) return Math.max(ASSUMED_WINDOW_MS, atLeastMs === undefined ? 0 : Math.min(2 * atLeastMs, atLeastMs + ASSUMED_WINDOW_MS));
    const low = atLeastMs ?? 0;
    const tolerance = Math.max(MIN_LEARNED_TOLERANCE_MS, atMostMs * LEARNED_TOLERANCE_SHARE);
    if (atMostMs - low <= tolerance) return atMostMs;
    return Math.max(low + (atMostMs - low) / 2, atMostMs - 0.9 * tolerance * 2 ** Math.min(this.#shorterHeld, 10));
  }

  /** Where the current window ends as learnt; with its start unknown (or `soon`), a backoff that doubles with each blind probe. */
  #learnedEnd(now: number, soon = false): number {
    if (this.#startedAt === undefined || soon) {
      const wait = Math.min(this.#maxBackoffMs, this.#minBackoffMs * 2 ** Math.min(this.#blindProbes, 30));
      this.#blindProbes += 1;
      return now + wait;
    }
    return Math.max(now, this.#startedAt + this.#guessMs());
  }

  #adopt(windowEndsAfter: number | undefined, windowEndsAt: number | undefined, lowest: number): void {
    this.#mode = 'known';
    this.#windowEndsAfter = windowEndsAfter;
    this.#windowEndsAt = windowEndsAt;
    this.#previousWindowEndsAt = undefined;
    this.#rolloverUnconfirmed = false;
    this.#epoch += 1;
    this.#windowMin = lowest;
    this.#lost = 0;
    this.#startWindowShare();
  }

  /** A new window: who spends in it is learnt afresh from its answers. */
  #startWindowShare(): void {
    // A window that showed others spending sets the next one's starting share; one that showed
    // this process alone clears it (the others have stopped); one that showed nothing keeps it.
    if (this.#windowShare !== undefined) this.#previousShare = this.#windowShare;
    else if (this.#windowSolo) this.#previousShare = undefined;
    this.#windowShare = undefined;
    this.#windowSolo = false;
    this.#reference = undefined;
    this.#answeredAfterReference = 0;
    this.#othersPerMs = 0;
    this.#windowMinSentAt = undefined;
  }

  /**
   * An answer of the current window said `remaining` with the request granted at `sentAt`. The
   * first such answer is the reference; from then on the server counted reference − windowMin
   * requests. This process's among them are its answers that reported less than the reference
   * (each answer says where it was counted; none can be below windowMin) and, at most, its
   * requests still in flight that were sent before this one. When the rest are more than
   * reordering explains, others spend on the same tokens. What was spent before the reference
   * says nothing about whether anyone still spends, so it is not counted.
   */
  #noteFall(sentAt: number, remaining: number): void {
    if (remaining <= this.#windowMin) this.#windowMinSentAt = sentAt;
    if (!this.#reference) {
      this.#reference = { remaining, sentAt };
      return;
    }
    if (remaining < this.#reference.remaining) this.#answeredAfterReference += 1;
    const fall = this.#reference.remaining - this.#windowMin;
    if (fall <= 0 || remaining > this.#windowMin) return;
    let own = this.#answeredAfterReference;
    for (const pending of this.#pending) if (pending.sentAt >= this.#reference.sentAt && pending.sentAt < sentAt) own += 1;
    const others = fall - own;
    if (others < MIN_OTHERS_FOR_SHARING) {
      this.#windowShare = undefined;
      this.#othersPerMs = 0;
      this.#windowSolo = fall >= 2 * MIN_OTHERS_FOR_SHARING;
      return;
    }
    this.#windowShare = own / fall;
    // Over too short a stretch (requests sent together) the rate would be a guess: spread it
    // over at least a round trip, the time within which the answers could show it.
    const span = Math.max(sentAt - this.#reference.sentAt, this.#minRoundTripMs ?? 0, MIN_RATE_SPAN_MS);
    this.#othersPerMs = others / span;
    this.#windowSolo = false;
  }

  #beginPause(now: number): void {
    if (this.#pausedSince !== undefined) return;
    this.#pausedSince = now;
    this.#waits += 1;
  }

  #endPause(now: number): void {
    if (this.#pausedSince === undefined) return;
    this.#waitedMs += Math.max(0, now - this.#pausedSince);
    this.#pausedSince = undefined;
  }

  #arm(at: number, now: number): void {
    if (this.#timer?.at === at) return;
    this.#disarm();
    const timer: Timer = { at, controller: new AbortController() };
    this.#timer = timer;
    const fired = () => {
      if (this.#timer !== timer) return; // replaced or disarmed meanwhile
      this.#timer = undefined;
      this.#pump();
    };
    this.#sleep(at - now, timer.controller.signal).then(fired, () => {
      // Aborted by #disarm; a sleep that failed on its own still has to wake the queue.
      if (!timer.controller.signal.aborted) fired();
    });
  }

  #disarm(): void {
    if (!this.#timer) return;
    this.#timer.controller.abort();
    this.#timer = undefined;
  }
}

const registry = new Map<string, RateLimiter>();

/**
 * The process-wide limiter for a token pair. `key` is an opaque fingerprint of the pair (a
 * hash, never a token): it is kept in memory for the life of the process. Options apply only
 * when the limiter is created.
 */
export function rateLimiterFor(key: string, options?: RateLimiterOptions): RateLimiter {
  let limiter = registry.get(key);
  if (!limiter) {
    limiter = new RateLimiter(options);
    registry.set(key, limiter);
  }
  return limiter;
}

/** For tests: forget every limiter, so the next rateLimiterFor starts cold. */
export function resetRateLimiters(): void {
  registry.clear();
}
