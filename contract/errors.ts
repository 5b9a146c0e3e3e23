import { hint, type Hint } from './hints.js';
import { scrub } from './secret.js';
import { MAX_SERVER_VALUE, MAX_VALIDATION_MESSAGES, untrustedOptional } from './server-text.js';
import { withEnglish } from './tripletex-norwegian.js';

// Every error the pack throws is one of these. Messages pass through scrub() before they
// reach Error's constructor, so neither the message nor the stack can carry a token, and no
// error keeps a reference to got's request options (which hold the Authorization header).
// What a server said (its message, validation messages, request id) is scrubbed and cut to a
// readable length before it is kept or put into a message (server-text.ts): every field
// util.inspect or JSON.stringify can reach is already clean.

export interface ValidationMessage {
  field?: string;
  message?: string;
  path?: string;
  rootId?: number;
}

export abstract class FlowTripletexError extends Error {
  abstract readonly kind: string;
  /** Set by a paging run that failed part-way: where the next run can continue (its resume input). */
  resume?: { index: number; window?: { from: string; to: string }; date?: string };
  /** Advice in the message that names an input, for a host to put in its own words (contract/hints.ts). */
  readonly hints: Hint[];

  constructor(message: string, hints: Hint[] = []) {
    super(scrub(message));
    this.name = new.target.name;
    this.hints = hints.map((h) => ({ template: scrub(h.template), text: scrub(h.text) }));
  }

  /** The fields a host shows or stores for this error; never a secret. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, message: this.message, ...(this.resume ? { resume: this.resume } : {}), ...(this.hints.length > 0 ? { hints: this.hints } : {}) };
  }
}

/** Input refused before anything was sent. `field` is the input's name (or a JSON pointer in it). */
export class InputError extends FlowTripletexError {
  readonly kind = 'input';
  readonly field: string;
  readonly problems: { field: string; message: string }[];

  constructor(problems: { field: string; message: string }[], prefix = 'Invalid input', hints: Hint[] = []) {
    const lines = problems.map((p) => `${p.field}: ${p.message}`);
    super(`${prefix}: ${lines.join('; ')}`, hints);
    this.problems = problems.map((p) => ({ field: p.field, message: scrub(p.message) }));
    this.field = this.problems[0]?.field ?? '';
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), field: this.field, problems: this.problems };
  }
}

export interface ApiErrorDetails {
  method: string;
  path: string;
  status: number;
  code?: number;
  tripletexMessage?: string;
  developerMessage?: string;
  validationMessages?: ValidationMessage[];
  requestId?: string;
  /** For a refused POST/action: whether Tripletex may have applied it anyway. */
  mayHaveBeenApplied?: boolean;
  /** The useful part of an answer that is not Tripletex's error envelope (a gateway's problem document, an HTML page, plain text). */
  serverText?: string;
  /** For a 429: how long the last answer said to wait before the window opens again. */
  retryAfterSeconds?: number;
}

/** What Tripletex's own 403 means, unless something more specific is known. */
export const LACKS_ENTITLEMENT = 'The employee behind the employee token lacks the entitlement for this endpoint; an administrator can grant it in Tripletex';

/** The entry that stands for validation messages left out. */
const OMITTED_NOTE = /^… \d+ more validation messages not shown$/;

/** Tripletex answered with an error status. */
export class TripletexApiError extends FlowTripletexError {
  readonly kind = 'api';
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly code: number | undefined;
  readonly tripletexMessage: string | undefined;
  readonly developerMessage: string | undefined;
  readonly validationMessages: ValidationMessage[];
  readonly requestId: string | undefined;
  readonly mayHaveBeenApplied: boolean;
  readonly serverText: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(details: ApiErrorDetails, summary?: string, hints: Hint[] = []) {
    const clean = TripletexApiError.untrusted(details);
    super(summary ?? TripletexApiError.describe(clean), hints);
    this.method = clean.method;
    this.path = clean.path;
    this.status = clean.status;
    this.code = clean.code;
    this.tripletexMessage = clean.tripletexMessage;
    this.developerMessage = clean.developerMessage;
    this.validationMessages = clean.validationMessages ?? [];
    this.requestId = clean.requestId;
    this.mayHaveBeenApplied = clean.mayHaveBeenApplied ?? false;
    this.serverText = clean.serverText;
    this.retryAfterSeconds = clean.retryAfterSeconds;
  }

  /** The server's strings scrubbed and cut (server-text.ts); the rest as given. */
  private static untrusted(d: ApiErrorDetails): ApiErrorDetails {
    const validation = d.validationMessages ?? [];
    // Made again from its own details (a variant with another summary), a list already cut keeps its note as it is.
    const alreadyCut = validation.length === MAX_VALIDATION_MESSAGES + 1 && OMITTED_NOTE.test(validation[MAX_VALIDATION_MESSAGES]!.message ?? '');
    const kept = validation.slice(0, alreadyCut ? validation.length : MAX_VALIDATION_MESSAGES).map((v) => ({
      ...v,
      field: untrustedOptional(v.field, MAX_SERVER_VALUE),
      message: untrustedOptional(v.message),
      path: untrustedOptional(v.path, MAX_SERVER_VALUE),
    }));
    if (validation.length > kept.length) kept.push({ field: undefined, message: `… ${validation.length - kept.length} more validation messages not shown`, path: undefined });
    return {
      ...d,
      path: scrub(d.path),
      tripletexMessage: untrustedOptional(d.tripletexMessage),
      developerMessage: untrustedOptional(d.developerMessage),
      validationMessages: kept,
      requestId: untrustedOptional(d.requestId, MAX_SERVER_VALUE),
      serverText: untrustedOptional(d.serverText),
    };
  }

  /** The details this error was made from, to build a variant with another summary. */
  get details(): ApiErrorDetails {
    return {
      method: this.method,
      path: this.path,
      status: this.status,
      code: this.code,
      tripletexMessage: this.tripletexMessage,
      developerMessage: this.developerMessage,
      validationMessages: this.validationMessages,
      requestId: this.requestId,
      mayHaveBeenApplied: this.mayHaveBeenApplied,
      ...(this.serverText !== undefined ? { serverText: this.serverText } : {}),
      ...(this.retryAfterSeconds !== undefined ? { retryAfterSeconds: this.retryAfterSeconds } : {}),
    };
  }

  static describe(d: ApiErrorDetails): string {
    const parts = [`Tripletex answered ${d.status}${d.code !== undefined ? ` (code ${d.code})` : ''} to ${d.method} ${d.path}`];
    // Tripletex's own message often ends with a period; ours add their own.
    if (d.tripletexMessage) parts.push(`: ${withEnglish(d.tripletexMessage.trim().replace(/[.\s]+$/, ''))}`);
    else if (d.serverText) parts.push(` (not in Tripletex's error format; a proxy or gateway may have answered): ${d.serverText}`);
    const validation = (d.validationMessages ?? [])
      .map((v) => [v.field, v.message === undefined ? undefined : withEnglish(v.message)].filter(Boolean).join(': '))
      .filter(Boolean);
    if (validation.length > 0) parts.push(` [${validation.join('; ')}]`);
    // Tripletex's own 403 means entitlements; a gateway's 403 may mean anything.
    if (d.status === 403 && d.serverText === undefined) parts.push(`. ${LACKS_ENTITLEMENT}`);
    if (d.mayHaveBeenApplied) parts.push('. It was not sent again because Tripletex may already have applied it; check before retrying');
    if (d.requestId) parts.push(` (request id ${d.requestId})`);
    return parts.join('');
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), ...this.details };
  }
}

export type NetworkFailure = 'timeout' | 'refused' | 'reset' | 'dns' | 'malformed-response' | 'too-large' | 'other';

/** No usable answer: the connection failed, timed out, or the body was not the JSON promised. */
export interface NetworkErrorDetails {
  method: string;
  path: string;
  failure: NetworkFailure;
  detail?: string;
  mayHaveBeenApplied: boolean;
  requestId?: string;
}

export class TripletexNetworkError extends FlowTripletexError {
  readonly kind = 'network';
  readonly method: string;
  readonly path: string;
  readonly failure: NetworkFailure;
  readonly detail: string | undefined;
  readonly mayHaveBeenApplied: boolean;
  readonly requestId: string | undefined;

  constructor(args: NetworkErrorDetails, hints: Hint[] = []) {
    const what: Record<NetworkFailure, string> = {
      timeout: 'timed out',
      refused: 'could not connect (connection refused)',
      reset: 'lost the connection before an answer came',
      dns: 'could not resolve the Tripletex host name',
      'malformed-response': 'got an answer that is not valid JSON',
      'too-large': 'got an answer that was too large and was abandoned',
      other: 'failed',
    };
    const detail = untrustedOptional(args.detail);
    const requestId = untrustedOptional(args.requestId, MAX_SERVER_VALUE);
    let message = `${args.method} ${args.path} ${what[args.failure]}`;
    if (detail) message += ` (${detail})`;
    if (args.mayHaveBeenApplied) message += '. It was not sent again because Tripletex may already have applied it; check before retrying';
    if (requestId) message += ` (request id ${requestId})`;
    super(message, hints);
    this.method = args.method;
    this.path = scrub(args.path);
    this.failure = args.failure;
    this.detail = detail;
    this.mayHaveBeenApplied = args.mayHaveBeenApplied;
    this.requestId = requestId;
  }

  get details(): NetworkErrorDetails {
    return { method: this.method, path: this.path, failure: this.failure, mayHaveBeenApplied: this.mayHaveBeenApplied, ...(this.detail !== undefined ? { detail: this.detail } : {}), ...(this.requestId !== undefined ? { requestId: this.requestId } : {}) };
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), method: this.method, path: this.path, failure: this.failure, mayHaveBeenApplied: this.mayHaveBeenApplied, requestId: this.requestId };
  }
}

function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s * 10) / 10} s`;
  if (s < 2 * 3600) return `${Math.round(s / 60)} minutes`;
  if (s < 2 * 86_400) return `${Math.round(s / 3600)} hours`;
  if (s < 2 * 365 * 86_400) return `${Math.round(s / 86_400)} days`;
  return `${Math.round(s / (365 * 86_400))} years`;
}

/** A rate-limit wait longer than the request may wait (maxWaitSeconds): it failed at once instead. */
export class RateLimitWaitError extends FlowTripletexError {
  readonly kind = 'rate-limit-wait';
  readonly method: string;
  readonly path: string;
  readonly waitMs: number;
  readonly maxWaitMs: number;

  constructor(args: { method: string; path: string; waitMs: number; maxWaitMs: number; askedBy: 'tripletex' | 'window' }) {
    const wait = `${Math.round(args.waitMs / 1000)} s (about ${duration(args.waitMs)})`;
    const asked = args.askedBy === 'tripletex' ? `Tripletex answered 429 (rate limit) to ${args.method} ${args.path} and asked to wait ${wait}` : `${args.method} ${args.path} would have to wait ${wait} for the rate-limit window to end`;
    const raise = hint('raise {input:maxWaitSeconds}');
    super(`${asked}, longer than the ${Math.round(args.maxWaitMs / 1000)} s a request may wait. It was not sent again; try later, or ${raise.text} if such waits are expected.`, [raise]);
    this.method = args.method;
    this.path = scrub(args.path);
    this.waitMs = args.waitMs;
    this.maxWaitMs = args.maxWaitMs;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), method: this.method, path: this.path, waitMs: this.waitMs, maxWaitMs: this.maxWaitMs };
  }
}

/** The run was cancelled through ctx.signal. */
export class CancelledError extends FlowTripletexError {
  readonly kind = 'cancelled';
  constructor(message = 'Cancelled') {
    super(message);
  }
}

/** Credentials could not produce a session (bad tokens, wrong environment, no API access). */
export class AuthenticationError extends FlowTripletexError {
  readonly kind = 'authentication';
  readonly reason: string;
  override readonly cause?: TripletexApiError | TripletexNetworkError;

  constructor(reason: string, message: string, cause?: TripletexApiError | TripletexNetworkError, hints: Hint[] = []) {
    super(message, hints);
    this.reason = reason;
    if (cause) this.cause = cause;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason, cause: this.cause?.toJSON() };
  }
}
