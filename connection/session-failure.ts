import { theEnvironment, type EnvironmentName } from '../client/environments.js';
import { TripletexApiError, TripletexNetworkError } from '../contract/errors.js';
import { hint, type Hint } from '../contract/hints.js';
import { inEnglish } from '../contract/tripletex-norwegian.js';

export type SessionFailureReason =
  | 'consumer-token-invalid'
  | 'employee-token-invalid'
  | 'tokens-invalid'
  | 'no-api-access'
  | 'unreachable'
  | 'server-error'
  | 'rate-limited'
  | 'rejected';

/** Which token Tripletex complained about, from its validation messages or its text. */
export function blamedToken(error: TripletexApiError): 'consumer' | 'employee' | undefined {
  const fields = error.validationMessages.map((v) => `${v.field ?? ''} ${v.message ?? ''}`).join(' ');
  const text = `${fields} ${error.tripletexMessage ?? ''} ${error.developerMessage ?? ''}`.toLowerCase();
  if (text.includes('consumertoken') || text.includes('consumer token')) return 'consumer';
  if (text.includes('employeetoken') || text.includes('employee token')) return 'employee';
  return undefined;
}

export function sessionFailureReason(error: TripletexApiError | TripletexNetworkError): SessionFailureReason {
  if (error instanceof TripletexNetworkError) return error.failure === 'malformed-response' ? 'server-error' : 'unreachable';
  if (error.status === 429) return 'rate-limited';
  if (error.status >= 500) return 'server-error';
  if (error.status === 403) return blamedToken(error) === 'employee' ? 'employee-token-invalid' : 'no-api-access';
  if (error.status === 422 || error.status === 400 || error.status === 404 || error.status === 401) {
    const token = blamedToken(error);
    if (token === 'consumer') return 'consumer-token-invalid';
    if (token === 'employee') return 'employee-token-invalid';
    return 'tokens-invalid';
  }
  return 'rejected';
}

/** Tripletex's own words and request id, for the end of a message. */
export function tripletexSays(error: TripletexApiError | TripletexNetworkError): string {
  if (error instanceof TripletexNetworkError) return '';
  const said = [error.tripletexMessage, ...error.validationMessages.map((v) => v.message)].filter((m): m is string => Boolean(m));
  const unique = [...new Set(said)];
  const parts: string[] = [];
  if (unique.length > 0) {
    const english = unique.map(inEnglish).filter((e): e is string => e !== undefined);
    parts.push(`Tripletex said: "${unique.join(' ')}"${english.length > 0 ? ` (in English: ${english.join('; ')})` : ''}`);
  }
  if (error.requestId) parts.push(`request id ${error.requestId}`);
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

export function reasonSentence(reason: SessionFailureReason, environment: EnvironmentName): string {
  const where = theEnvironment(environment);
  switch (reason) {
    case 'consumer-token-invalid':
      return `${where} does not accept the consumer token: it is invalid, revoked, or belongs to the other environment`;
    case 'employee-token-invalid':
      return `${where} does not accept the employee token: it is invalid, revoked, made for another integration's consumer token, or belongs to the other environment`;
    case 'tokens-invalid':
      return `${where} does not accept this consumer and employee token pair`;
    case 'no-api-access':
      return `the Tripletex user behind the employee token has no API access; an administrator can grant it in Tripletex (user settings, API access)`;
    case 'unreachable':
      return `${where} could not be reached`;
    case 'server-error':
      return `${where} had an internal error; try again later`;
    case 'rate-limited':
      return `${where} kept answering "too many requests" for these tokens`;
    case 'rejected':
      return `${where} refused to create a session`;
  }
}

/** A person-readable account of why a session could not be created. */
export function describeSessionFailure(
  error: TripletexApiError | TripletexNetworkError,
  environment: EnvironmentName,
  connectionName?: string,
): { reason: SessionFailureReason; message: string; hints: Hint[] } {
  const reason = sessionFailureReason(error);
  const named = connectionName ? ` for connection "${connectionName}"` : '';
  const detail = error instanceof TripletexNetworkError ? ` (${error.message})` : tripletexSays(error);
  // Tokens from the other environment are the commonest cause; say which switch fixes that.
  const tokens = reason === 'consumer-token-invalid' || reason === 'employee-token-invalid' || reason === 'tokens-invalid';
  const other = tokens ? hint(environment === 'production' ? '{on:useTestEnvironment}' : '{off:useTestEnvironment}') : undefined;
  const advice = other ? `. If they are ${environment === 'production' ? 'test-environment' : 'production'} tokens, ${other.text}` : '';
  return { reason, message: `Could not sign in to Tripletex${named}: ${reasonSentence(reason, environment)}${detail}${advice}`, hints: other ? [other] : [] };
}
