import type { ActionContext, LoadedOptions, OptionChoice, TestResult } from '../contract/host.js';
import { hint, hintsOf, type Hint } from '../contract/hints.js';
import { testConnection, type CompanyInfo, type ConnectionTestResult } from './test-connection.js';

// The companies a connection can work for, as choices for Default Company Id (and a step's
// Company Id): an accountant's client companies by name, or the employee's own company (0)
// when that is all the tokens reach. The answer is Test connection's own, asked with company 0,
// so the choices and the verdicts never disagree about a token.

function companyChoice(company: CompanyInfo): OptionChoice {
  const details = [`id ${company.id}`, company.organizationNumber ? `org. no. ${company.organizationNumber}` : ''].filter(Boolean).join(', ');
  return { value: company.id, label: company.name ?? `Company ${company.id}`, description: details };
}

/** Choices from a finished test: what a designer offers after Test connection, too. */
export function companyOptionsFrom(result: ConnectionTestResult): LoadedOptions {
  const clients = result.clients ?? [];
  if (clients.length > 0) {
    const sorted = [...clients].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.id - b.id);
    const where = result.environment === 'test' ? 'the Tripletex test environment' : 'Tripletex production';
    return { options: sorted.map(companyChoice), message: `${clients.length === 1 ? '1 client company' : `${clients.length} client companies`} this accountant's token reaches in ${where}.` };
  }
  if (result.ok && result.company) {
    const own = result.company.name ?? `company ${result.company.id}`;
    const unchecked = Array.isArray(result.unchecked) && result.unchecked.includes('client-companies');
    return {
      options: [{ value: 0, label: "The employee's own company (0)", description: `${own}, id ${result.company.id}` }],
      message: unchecked ? `These tokens work for ${own}; whether they reach client companies could not be checked.` : `These tokens reach only their own company, ${own}: leave it empty or 0.`,
    };
  }
  return { options: [], message: `No companies to offer: ${result.message}` };
}

/** The load-options method `clientCompanies` of a Tripletex Connection's properties. */
export async function clientCompanyOptions(properties: unknown, ctx: Pick<ActionContext, 'signal' | 'log'>): Promise<LoadedOptions> {
  const asked = typeof properties === 'object' && properties !== null ? { ...(properties as Record<string, unknown>), defaultCompanyId: 0 } : properties;
  return companyOptionsFrom(await testConnection(asked, ctx));
}

/**
 * A step's inputs (Create Tripletex Connection) as the properties of a Tripletex Connection, and
 * its verdicts back in the step's words: the object's "Default Company Id" is the step's
 * "Company Id", so advice about one names the other.
 */
export function stepAsConnection(inputs: unknown): Record<string, unknown> {
  const given = typeof inputs === 'object' && inputs !== null ? (inputs as Record<string, unknown>) : {};
  const { companyId, name, ...rest } = given;
  return {
    ...rest,
    name: typeof name === 'string' && name.trim() !== '' ? name : 'Per-run connection',
    ...(companyId !== undefined && companyId !== '' ? { defaultCompanyId: companyId } : {}),
  };
}

const RENAMED: Record<string, string> = { defaultCompanyId: 'companyId' };

function renamedTemplate(template: string): string {
  return Object.entries(RENAMED).reduce((out, [from, to]) => out.split(`:${from}}`).join(`:${to}}`), template);
}

/** A test result about the object's properties, said of the step's inputs. */
export function asStepResult<T extends TestResult>(result: T): T {
  let message = result.message;
  const hints: Hint[] = hintsOf(result).map((h) => {
    const template = renamedTemplate(h.template);
    if (template === h.template) return h;
    const renamed = hint(template);
    message = message.split(h.text).join(renamed.text);
    return renamed;
  });
  const problems = Array.isArray(result.problems)
    ? (result.problems as { field: string; message: string }[]).map((p) => ({ ...p, field: RENAMED[p.field] ?? p.field }))
    : undefined;
  return { ...result, message, ...(hints.length > 0 ? { hints } : {}), ...(problems ? { problems } : {}) };
}
