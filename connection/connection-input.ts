import { InputError } from '../contract/errors.js';
import { resolveConnectionProperties, type ResolvedConnection } from './resolved-connection.js';
import { lookupRuntimeConnection, type RuntimeConnectionValue } from './runtime-connections.js';

// An action's `connection` input takes either form a designer can hand it: a Tripletex
// Connection workspace object's properties, or what Create Tripletex Connection returned.

function looksLikeRuntimeValue(value: unknown): value is RuntimeConnectionValue {
  return typeof value === 'object' && value !== null && ('ref' in value || (value as { type?: unknown }).type === 'tripletex-connection');
}

/**
 * An action's `connection` input: either a workspace object's properties or the output of
 * Create Tripletex Connection. `field` names the input in error messages.
 */
export function resolveConnectionInput(value: unknown, field = 'connection'): ResolvedConnection {
  if (value === undefined || value === null) throw new InputError([{ field, message: 'is required: choose a Tripletex Connection, or pass the output of Create Tripletex Connection' }]);
  if (looksLikeRuntimeValue(value)) return lookupRuntimeConnection(value, field);
  return resolveConnectionProperties(value, field, 'The connection is not valid');
}
