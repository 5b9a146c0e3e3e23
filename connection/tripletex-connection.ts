// The Tripletex Connection workspace object's module, as manifest.json registers it.
import type { ActionContext } from '../contract/host.js';
import { testConnection, type ConnectionTestResult } from './test-connection.js';
import { clientCompanyOptions } from './client-companies.js';

export const type = 'tripletex-connection';

// Host contract: every module lets the host learn the secrets the pack keeps out of what it shows (docs/host-contract.md).
export { watchSecrets } from '../contract/secret.js';

/** Test connection: never throws for a failed test, never saves anything. */
export async function test(properties: unknown, ctx: ActionContext): Promise<ConnectionTestResult> {
  return testConnection(properties, ctx);
}

/** Choices for Default Company Id: an accountant's client companies, by name. */
export const loadOptions = {
  clientCompanies: (properties: unknown, ctx: ActionContext) => clientCompanyOptions(properties, ctx),
};
