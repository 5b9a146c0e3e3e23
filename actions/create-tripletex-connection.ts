// Create Tripletex Connection: builds a connection from per-run inputs. The output holds a
// process-local reference instead of the tokens, so it can be logged and stored safely.
import type { ActionContext } from '../contract/host.js';
import { assertValid } from '../contract/validation.js';
import { makeCredentials } from '../connection/credentials.js';
import { companyLabel } from '../connection/resolved-connection.js';
import { registerRuntimeConnection, type RuntimeConnectionValue } from '../connection/runtime-connections.js';
import { asStepResult, clientCompanyOptions, stepAsConnection } from '../connection/client-companies.js';
import { testConnection, type ConnectionTestResult } from '../connection/test-connection.js';

export const id = 'create-tripletex-connection';

// Host contract: every module lets the host learn the secrets the pack keeps out of what it shows (docs/host-contract.md).
export { watchSecrets } from '../contract/secret.js';

export interface CreateConnectionInputs {
  consumerToken: string;
  employeeToken: string;
  companyId?: number | null;
  useTestEnvironment?: boolean;
  name?: string;
}

export interface CreateConnectionOutput {
  connection: RuntimeConnectionValue;
}

/** A form's untouched number field arrives as ""; it means "empty", that is company 0. */
function withoutEmptyCompanyId(inputs: unknown): unknown {
  if (typeof inputs !== 'object' || inputs === null || (inputs as { companyId?: unknown }).companyId !== '') return inputs;
  const { companyId: _empty, ...rest } = inputs as Record<string, unknown>;
  return rest;
}

export async function run(inputs: unknown, ctx: ActionContext): Promise<CreateConnectionOutput> {
  const normalised = withoutEmptyCompanyId(inputs);
  const valid = assertValid<CreateConnectionInputs>('create-tripletex-connection.input.schema.json', normalised, 'Create Tripletex Connection: invalid input');
  const environment = valid.useTestEnvironment ? 'test' : 'production';
  const connection = registerRuntimeConnection({
    credentials: makeCredentials(environment, valid.consumerToken, valid.employeeToken),
    defaultCompanyId: valid.companyId ?? 0,
    ...(valid.name !== undefined ? { name: valid.name } : {}),
  });
  ctx.log.info(`Created a Tripletex connection for this run (${environment}, ${companyLabel(connection.defaultCompanyId)})`, { ref: connection.ref });
  return { connection };
}

/**
 * The step's Test connection: the same test, and the same verdicts, as a Tripletex Connection
 * workspace object's, on the inputs a run would pass (the host resolves their variables first).
 */
export async function test(inputs: unknown, ctx: ActionContext): Promise<ConnectionTestResult> {
  return asStepResult(await testConnection(stepAsConnection(withoutEmptyCompanyId(inputs)), ctx));
}

/** Choices for Company Id: an accountant's client companies, by name. */
export const loadOptions = {
  clientCompanies: (inputs: unknown, ctx: ActionContext) => clientCompanyOptions(stepAsConnection(inputs), ctx),
};
