// Tripletex's response envelopes. Errors always carry the full envelope shape
// {status, code, message, link, developerMessage, validationMessages, requestId}; the
// requestId is filled in by the instance when it sends, so it always equals x-tlx-request-id.

export interface ValidationMessage {
  field: string;
  message: string;
}

export interface ErrorBody {
  status: number;
  code?: number;
  message: string;
  link: string;
  developerMessage: string;
  validationMessages: ValidationMessage[] | null;
  requestId?: string;
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
  fault?: 'status' | 'drop' | 'malformed';
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

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Ugyldig forespørsel.',
  401: 'Autentisering feilet.',
  403: 'Du har ikke tilgang til denne funksjonen.',
  404: 'Objektet ble ikke funnet.',
  405: 'Metoden er ikke tillatt.',
  409: 'Objektet er endret av en annen bruker.',
  422: 'Validering feilet.',
  429: 'For mange forespørsler.',
  500: 'En uventet feil oppsto.',
  502: 'Tjenesten er midlertidig utilgjengelig.',
  503: 'Tjenesten er midlertidig utilgjengelig.',
  504: 'Tjenesten svarte ikke i tide.',
};

const DEFAULT_DEVELOPER_MESSAGES: Record<number, string> = {
  400: 'Bad request.',
  401: 'Authentication failed.',
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

export const DOC_LINK = 'https://developer.tripletex.no/docs/documentation/';

export interface ErrorOptions {
  /** null: send no code at all (429, 405). Undefined: the status's default code. */
  code?: number | null;
  message?: string;
  developerMessage?: string;
  validationMessages?: ValidationMessage[];
  headers?: Record<string, string>;
}

export function errorResponse(status: number, options: ErrorOptions = {}): SimResponse {
  const code = options.code === null ? undefined : (options.code ?? DEFAULT_CODES[status]);
  const body: ErrorBody = {
    status,
    ...(code === undefined ? {} : { code }),
    message: options.message ?? DEFAULT_MESSAGES[status] ?? 'Feil.',
    link: DOC_LINK,
    developerMessage: options.developerMessage ?? DEFAULT_DEVELOPER_MESSAGES[status] ?? `HTTP ${status}.`,
    validationMessages: options.validationMessages && options.validationMessages.length > 0 ? options.validationMessages : null,
  };
  return { status, body, isError: true, ...(options.headers ? { headers: options.headers } : {}) };
}

/** 422 with one validation message per field, as Tripletex reports refused input. */
export function validationError(code: number, messages: ValidationMessage[], developerMessage?: string): SimResponse {
  return errorResponse(422, {
    code,
    message: 'Validering feilet.',
    developerMessage: developerMessage ?? `Validation failed: ${messages.map((m) => m.field).join(', ')}.`,
    validationMessages: messages,
  });
}

export function notFound(developerMessage = 'Object not found.'): SimResponse {
  return errorResponse(404, { developerMessage });
}

export function single(value: unknown, status = 200): SimResponse {
  return { status, body: { value } };
}
