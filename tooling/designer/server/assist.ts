import type { FastifyInstance } from 'fastify';
import type { ActionContext, LoadedOptions, TestResult } from '../../../contract/host.js';
import { coerceEnvValue } from '../../host/env-references.js';
import { ENV_NAME_PATTERN, looksLikeToken } from '../../host/env-names.js';
import { MissingEnvError, UsageError } from '../../host/errors.js';
import { asReference } from '../../host/flow-file.js';
import { replaceMatches } from '../../host/json-walk.js';
import type { ActionDefinition, Pack } from '../../host/pack-loader.js';
import type { Redactor } from '../../host/redact.js';
import { isPlainObject, propertySchema, type JsonObject } from '../../host/schema-tools.js';
import { registerSecretProperties } from '../../host/secret-values.js';
import { labelWordsFor, reworded } from '../../host/words.js';
import { BadRequestError, type SubmittedObject, type WorkspaceObjects } from './workspace-objects.js';

// What the designer offers while a person fills in a panel, beyond the schema: the choices an
// input's `x-load-options` names (Path, Query, Fields, Company Id), Test connection on a step of
// a `testable` action, and whether the environment variables a step names are set. Every call
// runs the pack's own code on the server, with references resolved as a run resolves them; no
// secret value and no variable's value goes back to the page.

export interface AssistDependencies {
  pack: Pack;
  objects: WorkspaceObjects;
  env: NodeJS.ProcessEnv;
  redactor: Redactor;
}

interface LoadOptionsSpec {
  method: string;
  dependsOn?: string[];
}

/** The `x-load-options` of a property: a method name, or { method, dependsOn, … }. */
export function loadOptionsSpec(property: unknown): LoadOptionsSpec | undefined {
  const raw = isPlainObject(property) ? property['x-load-options'] : undefined;
  if (typeof raw === 'string' && raw !== '') return { method: raw };
  if (isPlainObject(raw) && typeof raw.method === 'string' && raw.method !== '') {
    return { method: raw.method, ...(Array.isArray(raw.dependsOn) ? { dependsOn: raw.dependsOn.filter((d): d is string => typeof d === 'string') } : {}) };
  }
  return undefined;
}

/** A context for a lookup that the page can abandon (a closed request aborts it). */
function lookupContext(request: { raw: NodeJS.EventEmitter & { complete?: boolean } }): ActionContext {
  const controller = new AbortController();
  request.raw.once('close', () => {
    if (!request.raw.complete) controller.abort();
  });
  const quiet = () => undefined;
  return { signal: controller.signal, log: { debug: quiet, info: quiet, warn: quiet, error: quiet }, emit: async () => undefined };
}

/** The step as drafted on the page: its action and its inputs, references unresolved. */
function stepOf(step: { action: string; inputs?: JsonObject }, pack: Pack): { action: ActionDefinition; inputs: JsonObject } {
  const action = pack.actions.get(step.action);
  if (!action) throw new BadRequestError(`"${step.action}" is not an action of ${pack.name}`, [{ field: 'step.action', message: 'is not an action of this pack' }]);
  return { action, inputs: step.inputs ?? {} };
}

/** Why a step's inputs cannot be resolved here; said in words for the page. */
class Unresolvable extends Error {}

/**
 * The step's inputs as a run hands them to the action: variables read (and coerced to the
 * input's type), workspace objects by their properties. A value another step makes while the
 * flow runs ({"$from"}) is not there yet: `from` says what to do with it.
 */
function resolveInputs(deps: AssistDependencies, action: ActionDefinition, inputs: JsonObject, workspace: Awaited<ReturnType<WorkspaceObjects['load']>>, from: 'drop' | 'refuse'): JsonObject {
  const missing: { variable: string; where: string }[] = [];
  const resolved = replaceMatches(inputs, (node, pathOf) => {
    const reference = asReference(node);
    if (!reference) return undefined;
    const path = pathOf();
    if (reference.kind === 'env') {
      const raw = deps.env[reference.variable];
      if (raw === undefined) {
        missing.push({ variable: reference.variable, where: `input ${path.join('.')}` });
        return { value: undefined };
      }
      return { value: path.length === 1 ? coerceEnvValue(raw, propertySchema(action.inputSchema, String(path[0]))) : raw };
    }
    if (reference.kind === 'workspace') return { value: workspace.resolve(reference.name, { env: deps.env, redactor: deps.redactor }).properties };
    if (from === 'refuse') {
      const title = propertySchema(action.inputSchema, String(path[0]))?.title ?? String(path[0]);
      throw new Unresolvable(`${String(title)} is made by step "${reference.source}" while the flow runs, so what depends on it cannot be listed here. Type the value, or look at step "${reference.source}".`);
    }
    return { value: undefined };
  }) as JsonObject;
  if (missing.length > 0) throw new MissingEnvError(missing);
  registerSecretProperties(deps.redactor, resolved, action.secretInputs);
  return resolved;
}

/** Words for a lookup that could not start: a missing variable, an unusable object. */
function notPossible(error: unknown): string {
  if (error instanceof MissingEnvError) {
    const names = error.variables.map((v) => v.variable);
    return `${names.length === 1 ? `Environment variable ${names[0]} is` : `Environment variables ${names.join(', ')} are`} not set in the designer's environment. Export ${names.length === 1 ? 'it' : 'them'} in the terminal and start the designer again (export ${names[0]}=…; npm run designer).`;
  }
  if (error instanceof Unresolvable || error instanceof UsageError) return error.message;
  throw error;
}

async function callLoader(deps: AssistDependencies, module: { loadOptions?: Record<string, unknown> }, method: string, values: unknown, ctx: ActionContext, owner: string): Promise<LoadedOptions> {
  const loader = module.loadOptions?.[method];
  if (typeof loader !== 'function') throw new BadRequestError(`${owner} has no load-options method "${method}"`);
  let answer: unknown;
  try {
    answer = await (loader as (v: unknown, c: ActionContext) => Promise<unknown>)(values, ctx);
  } catch (error) {
    // The contract says a lookup never throws; if one does, there are simply no choices.
    return { options: [], message: `The choices could not be loaded: ${(error as Error)?.message ?? String(error)}` };
  }
  const given = isPlainObject(answer) ? answer : {};
  const options = (Array.isArray(given.options) ? given.options : [])
    .filter((o): o is JsonObject => isPlainObject(o) && (typeof o.value === 'string' || typeof o.value === 'number') && typeof o.label === 'string')
    .map((o) => ({ value: o.value as string | number, label: o.label as string, ...(typeof o.description === 'string' && o.description ? { description: o.description } : {}), ...(o.required === true ? { required: true } : {}) }));
  return deps.redactor.redactDeep({ options, ...(typeof given.message === 'string' ? { message: given.message } : {}) }) as LoadedOptions;
}

const stepBody = {
  type: 'object',
  required: ['step'],
  additionalProperties: false,
  properties: {
    step: {
      type: 'object',
      required: ['action'],
      properties: { action: { type: 'string', minLength: 1 }, inputs: { type: 'object' } },
    },
    input: { type: 'string', minLength: 1 },
  },
} as const;

type StepBody = { step: { action: string; inputs?: JsonObject }; input?: string };

const objectOptionsBody = {
  type: 'object',
  required: ['type', 'properties', 'property'],
  additionalProperties: false,
  properties: {
    type: { type: 'string', minLength: 1 },
    originalName: { type: 'string', minLength: 1 },
    properties: { type: 'object' },
    property: { type: 'string', minLength: 1 },
  },
} as const;

const environmentBody = {
  type: 'object',
  required: ['names'],
  additionalProperties: false,
  properties: { names: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 4096 } } },
} as const;

export type VariableState = 'set' | 'empty' | 'unset' | 'not-a-name' | 'looks-like-a-token';

export function registerAssistRoutes(app: FastifyInstance, deps: AssistDependencies): void {
  const { pack, objects, redactor } = deps;

  // Choices for a workspace object's property, from the panel's values (saved secrets filled in).
  app.post('/api/objects/options', { schema: { body: objectOptionsBody } }, async (request) => {
    const body = request.body as SubmittedObject & { property: string };
    const objectType = pack.objectTypes.get(body.type);
    const spec = loadOptionsSpec(objectType ? propertySchema(objectType.schema, body.property) : undefined);
    if (!objectType || !spec) throw new BadRequestError(`${body.property} of ${body.type} has no choices to load`);
    let properties: JsonObject;
    try {
      ({ properties } = await objects.forTest({ type: body.type, ...(body.originalName ? { originalName: body.originalName } : {}), properties: body.properties }));
    } catch (error) {
      return { options: [], message: notPossible(error) };
    }
    return callLoader(deps, await objectType.load(), spec.method, properties, lookupContext(request), `Workspace object type "${objectType.type}"`);
  });

  // Choices for a step's input, from the step as drafted (references resolved as a run would).
  app.post('/api/steps/options', { schema: { body: stepBody } }, async (request) => {
    const body = request.body as StepBody;
    const { action, inputs } = stepOf(body.step, pack);
    const spec = loadOptionsSpec(body.input ? propertySchema(action.inputSchema, body.input) : undefined);
    if (!spec) throw new BadRequestError(`Input ${body.input ?? '(none)'} of ${action.title} has no choices to load`);
    // Only what the choices depend on is resolved: a Path list needs no tokens.
    const wanted = spec.dependsOn ? Object.fromEntries(Object.entries(inputs).filter(([name]) => spec.dependsOn!.includes(name))) : inputs;
    let values: JsonObject;
    try {
      values = resolveInputs(deps, action, wanted, await objects.load(), 'refuse');
    } catch (error) {
      return { options: [], message: notPossible(error) };
    }
    return callLoader(deps, await action.load(), spec.method, values, lookupContext(request), `Action "${action.id}"`);
  });

  // Test connection on a step: the action's own test, on the inputs a run would pass it.
  app.post('/api/steps/test', { schema: { body: stepBody } }, async (request) => {
    const { action, inputs } = stepOf((request.body as StepBody).step, pack);
    if (!action.testable) throw new BadRequestError(`${action.title} has no Test connection`);
    let values: JsonObject;
    try {
      values = resolveInputs(deps, action, inputs, await objects.load(), 'drop');
    } catch (error) {
      return { result: { ok: false, reason: 'variables-not-set', message: notPossible(error) } };
    }
    const module = await action.load();
    let result: TestResult;
    try {
      if (typeof module.test !== 'function') throw new Error(`its module does not export test()`);
      result = await module.test(values, lookupContext(request));
    } catch (error) {
      result = { ok: false, message: `The test could not run: ${(error as Error)?.message ?? String(error)}` };
    }
    return redactor.redactDeep({ result: { ...result, message: reworded(String(result.message), result, labelWordsFor(pack)) } });
  });

  // Whether variables are set in the designer's environment: a state per name, never a value.
  app.post('/api/environment', { schema: { body: environmentBody } }, async (request) => {
    const { names } = request.body as { names: string[] };
    const variables: Record<string, VariableState> = {};
    const tokens: number[] = [];
    names.forEach((name, index) => {
      if (looksLikeToken(name)) tokens.push(index);
      else if (!ENV_NAME_PATTERN.test(name)) variables[name] = 'not-a-name';
      else variables[name] = deps.env[name] === undefined ? 'unset' : deps.env[name] === '' ? 'empty' : 'set';
    });
    // A token sent as a name is not echoed back, even as a key: its position says which.
    return { variables, ...(tokens.length > 0 ? { tokens } : {}) };
  });
}
