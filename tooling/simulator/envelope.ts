// Tripletex's response envelopes. Errors always carry the full envelope shape
// {status, code, message, link, developerMessage, validationMessages, requestId}; the
// requestId is filled in by the instance when it sends, so it always equals x-tlx-request-id.
// Wording follows answers recorded from the real API (March 2026): some messages are English,
// some Norwegian, and a 500's message is null.

/** One refused value. `path` locates it (a body path such as "postings[0].account.name", or the query parameter); `rootId` is null in every recorded answer. */
export interface ValidationMessage {
  field: string;
  message: string;
  path: string | null;
  rootId: number | null;
}

export interface ErrorBody {
  status: number;
  code?: number;
  message: string | null;
  link: string;
  developerMessage: string | null;
  validationMessages: ValidationMessage[] | null;
  requestId?: string;
}

/** A refused value as handlers name it; `path` defaults to the field. */
export interface Problem {
  field: string;
  message: string;
  path?: string | null;
}

export function validationMessage(problem: Problem): ValidationMessage {
  return { field: problem.field, message: problem.message, path: problem.path === undefined ? problem.field : problem.path, rootId: null };
}

/** What a handler decides; the instance turns it into bytes (or a dropped socket). */
export interface SimResponse {
  status: number;
  /** Serialised as JSON. Absent for 204/304. */
  body?: unknown;
  /** Sent verbatim as the body (only the malformed-body fault uses it). */
  rawBody?: string;
  /** Destroy the socket instead of answering. */
  drop?: boolean;
  headers?: Record<string, string>;
  /** The body is an ErrorBody whose requestId the instance fills in. */
  isError?: boolean;
  fault?: 'status' | 'drop' | 'malformed' | 'pause';
  /** Held until the pause gate opens (a pause rule fired). */
  hold?: boolean;
  /** Not Tripletex's answer (a gateway's): sent without x-tlx-request-id and rate-limit headers. */
  foreign?: boolean;
}

/** The internal code Tripletex pairs with each status (its spec's list); 429 and 405 carry none. */
const DEFAULT_CODES: Record<number, number> = {
  400: 4000,
  401: 3000,
  403: 9000,
  404: 6000,
  409: 7000,
  422: 18000,
  500: 1000,
};

export const CODES = {
  authentication: 3000,
  security: 9000,
  notFound: 6000,
  badRequest: 4000,
  illegalFilter: 11000,
  pathParam: 12000,
  valueValidation: 15000,
  mapping: 16000,
  sorting: 17000,
  validation: 18000,
  param: 21000,
  invalidJson: 22000,
  resultSetTooLarge: 23000,
  internal: 1000,
} as const;

/** Recorded where a recording exists (401, 403, 404, and 500's null); the rest in Tripletex's Norwegian. */
const DEFAULT_MESSAGES: Record<number, string | null> = {
  400: 'Ugyldig forespørsel.',
  401: 'Unauthorized',
  403: 'You do not have permission to access this feature.',
  404: 'Object not found',
  405: 'Metoden er ikke tillatt.',
  409: 'Objektet er endret av en annen bruker.',
  422: 'Validering feilet.',
  429: 'For mange forespørsler.',
  500: null,
  502: 'Tjenesten er midlertidig utilgjengelig.',
  503: 'Tjenesten er midlertidig utilgjengelig.',
  504: 'Tjenesten svarte ikke i tide.',
};

const DEFAULT_DEVELOPER_MESSAGES: Record<number, string> = {
  400: 'Bad request.',
  401: 'Could not log in. Check login info in Authorization header.',
  403: 'Access denied by the employee token\'s entitlements.',
  404: 'Object not found.',
  405: 'HTTP method not allowed on this resource.',
  409: 'The object was changed by someone else.',
  422: 'Validation failed.',
  429: 'Rate limit exceeded for this employee token and consumer token; wait for the current window to end.',
  500: 'Unexpected server error.',
  502: 'Bad gateway.',
  503: 'Service unavailable.',
  504: 'Gateway timeout.',
};

export const DOC_LINK = 'https://tripletex.no/v2-docs/';

export interface ErrorOptions {
  /** null: send no code at all (429, 405). Undefined: the status's default code. */
  code?: number | null;
  message?: string | null;
  developerMessage?: string | null;
  /** Sent as given; an empty list is sent as [] (recorded on 17000), absent as null. */
  validationMessages?: Problem[];
  headers?: Record<string, string>;
}

export function errorResponse(status: number, options: ErrorOptions = {}): SimResponse {
  const code = options.code === null ? undefined : (options.code ?? DEFAULT_CODES[status]);
  const body: ErrorBody = {
    status,
    ...(code === undefined ? {} : { code }),
    message: options.message !== undefined ? options.message : status in DEFAULT_MESSAGES ? DEFAULT_MESSAGES[status]! : 'Feil.',
    link: DOC_LINK,
    developerMessage: options.developerMessage !== undefined ? options.developerMessage : (DEFAULT_DEVELOPER_MESSAGES[status] ?? `HTTP ${status}.`),
    validationMessages: options.validationMessages ? options.validationMessages.map(validationMessage) : null,
  };
  return { status, body, isError: true, ...(options.headers ? { headers: options.headers } : {}) };
}

/**
 * 422 with one validation message per refused value. Code 18000 is worded as recorded
 * ("Validering feilet.", developerMessage "VALIDATION_ERROR"); 15000 as "Validation failed".
 */
export function validationError(code: number, problems: Problem[], developerMessage?: string): SimResponse {
  const recorded18000 = code === CODES.validation;
  return errorResponse(422, {
    code,
    message: code === CODES.valueValidation ? 'Validation failed' : 'Validering feilet.',
    developerMessage: recorded18000 ? 'VALIDATION_ERROR' : (developerMessage ?? `Validation failed: ${problems.map((m) => m.field).join(', ')}.`),
    validationMessages: problems,
  });
}

export function notFound(developerMessage = 'Object not found.'): SimResponse {
  return errorResponse(404, { developerMessage });
}

export function single(value: unknown, status = 200): SimResponse {
  return { status, body: { value } };
}
