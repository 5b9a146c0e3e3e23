import type { EnvironmentName } from '../client/environments.js';
import { assertValid } from '../contract/validation.js';
import { makeCredentials, type Credentials } from './credentials.js';

/** A connection ready for requests, whichever form it arrived in. */
export interface ResolvedConnection {
  readonly name: string | undefined;
  readonly credentials: Credentials;
  readonly environment: EnvironmentName;
  readonly defaultCompanyId: number;
  readonly source: 'workspace-object' | 'runtime';
}

/** The Tripletex Connection workspace object's properties, as a host stores them. */
export interface ConnectionProperties {
  name: string;
  consumerToken: string;
  employeeToken: string;
  defaultCompanyId?: number | null;
  useTestEnvironment?: boolean;
}

/** How logs name the company a request goes to: "company 0" means nothing to a reader. */
export function companyLabel(companyId: number): string {
  return companyId === 0 ? 'your own company (0)' : `company ${companyId}`;
}

export const CONNECTION_SCHEMA = 'tripletex-connection.schema.json';

/**
 * Form renderers send an untouched number field as "" (or leave it out). Both mean
 * "empty", which the property panel documents as company 0; anything else must validate.
 */
export function normaliseConnectionProperties(properties: unknown): unknown {
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) return properties;
  const copy: Record<string, unknown> = { ...(properties as Record<string, unknown>) };
  if (copy.defaultCompanyId === '') delete copy.defaultCompanyId;
  return copy;
}

export function resolveConnectionProperties(properties: unknown, field = 'connection', prefix = 'Tripletex Connection is not valid'): ResolvedConnection {
  const valid = assertValid<ConnectionProperties>(CONNECTION_SCHEMA, normaliseConnectionProperties(properties), prefix, field);
  const environment: EnvironmentName = valid.useTestEnvironment ? 'test' : 'production';
  return {
    name: valid.name,
    credentials: makeCredentials(environment, valid.consumerToken, valid.employeeToken),
    environment,
    defaultCompanyId: valid.defaultCompanyId ?? 0,
    source: 'workspace-object',
  };
}
