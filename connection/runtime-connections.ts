import { inspect } from 'node:util';
import type { EnvironmentName } from '../client/environments.js';
import { InputError } from '../contract/errors.js';
import { assertValid } from '../contract/validation.js';
import { fingerprintOf, type Credentials } from './credentials.js';
import { companyLabel, type ResolvedConnection } from './resolved-connection.js';

/** What Create Tripletex Connection returns: a reference, never a token. */
export interface RuntimeConnectionValue {
  type: 'tripletex-connection';
  ref: string;
  name?: string;
  defaultCompanyId: number;
  useTestEnvironment: boolean;
}

export const RUNTIME_CONNECTION_SCHEMA = 'tripletex-connection-reference.schema.json';

// Credentials made at run time stay in this process, found by ref. The ref is an HMAC of
// the credentials under a per-process key, so creating the same connection on every run
// reuses one entry: the map grows with distinct credentials, not with runs.
const registry = new Map<string, ResolvedConnection>();

export function registerRuntimeConnection(args: { credentials: Credentials; defaultCompanyId: number; name?: string }): RuntimeConnectionValue {
  const { credentials, defaultCompanyId, name } = args;
  const ref = 'tlxc_' + fingerprintOf('runtime', credentials.fingerprint, defaultCompanyId, name ?? '');
  registry.set(ref, {
    name,
    credentials,
    environment: credentials.environment,
    defaultCompanyId,
    source: 'runtime',
  });
  const value: RuntimeConnectionValue = {
    type: 'tripletex-connection',
    ref,
    ...(name !== undefined ? { name } : {}),
    defaultCompanyId,
    useTestEnvironment: credentials.environment === 'test',
  };
  // A friendly form for logs: what it is, never what it holds.
  Object.defineProperty(value, inspect.custom, {
    enumerable: false,
    value: () => `TripletexConnection(${name ?? ref}, ${environmentWord(credentials.environment)}, ${companyLabel(defaultCompanyId)})`,
  });
  Object.defineProperty(value, 'toString', {
    enumerable: false,
    value: () => `[Tripletex connection ${name ?? ref}]`,
  });
  return value;
}

function environmentWord(environment: EnvironmentName): string {
  return environment === 'test' ? 'test environment' : 'production';
}

export function lookupRuntimeConnection(value: unknown, field = 'connection'): ResolvedConnection {
  const valid = assertValid<RuntimeConnectionValue>(RUNTIME_CONNECTION_SCHEMA, value, 'The connection is not valid', field);
  const found = registry.get(valid.ref);
  if (!found) {
    throw new InputError([
      {
        field,
        message:
          'was made by Create Tripletex Connection in another process or before a restart. It carries no tokens, so it only works in the process that made it: run Create Tripletex Connection again in this run',
      },
    ]);
  }
  // A host may let a flow edit the copy it passes on; the company id and name it carries win.
  const environment: EnvironmentName = valid.useTestEnvironment ? 'test' : 'production';
  if (environment !== found.environment) {
    throw new InputError([{ field: `${field}.useTestEnvironment`, message: 'does not match the environment the connection was created for; create a new connection instead of editing this one' }]);
  }
  return { ...found, name: valid.name ?? found.name, defaultCompanyId: valid.defaultCompanyId };
}

/** For tests: forget every runtime connection. */
export function clearRuntimeConnections(): void {
  registry.clear();
}
