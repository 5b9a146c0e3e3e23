import { dirname, resolve as resolvePath } from 'node:path';
import { displayPath } from './display.js';
import { pastedValueProblems, toPointer, type Path } from './env-references.js';
import { FileProblemError, type Problem } from './errors.js';
import { hostValidator } from './host-schemas.js';
import { readJsonFile } from './json-file.js';
import { eachNode, findMatches } from './json-walk.js';
import type { Pack } from './pack-loader.js';
import type { Redactor } from './redact.js';
import { check, depthProblem, isPlainObject, pointerToField, type JsonObject } from './schema-tools.js';
import { registerSecretProperties } from './secret-values.js';

// A flow file (schemas/flow.schema.json, docs/flows.md): steps that run in order, where an
// action step's Continue port leads to the next step, its For each page port to a file or to
// nested steps, and its On Error port to onError steps. Loading checks everything that can be
// checked before the first request: the schema, the actions and ports, the inputs' names and
// literal values, and that every {"$from": …} names something that will exist at that point.

export const STREAM_PORT = 'forEachPage';
/** The levels around a top-level step's input value: the flow, its steps, the step, its inputs. */
const FLOW_WRAPPING = 4;

interface StepBase {
  /** Where the step sits in the file, e.g. steps[1].forEachPage.steps[0]. */
  where: string;
  id?: string;
}

export interface ActionStep extends StepBase {
  kind: 'action';
  id: string;
  title?: string;
  action: string;
  inputs: JsonObject;
  forEachPage?: { writeRowsTo?: string; steps?: Step[] };
  onError?: Step[];
}

export interface LogStep extends StepBase {
  kind: 'log';
  log: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  data?: unknown;
}

export interface AppendStep extends StepBase {
  kind: 'append';
  appendTo: string;
  value: unknown;
}

export interface FailStep extends StepBase {
  kind: 'fail';
  fail: string;
}

export type Step = ActionStep | LogStep | AppendStep | FailStep;

export interface Flow {
  /** The file it came from (absent for a flow a command builds). */
  file?: string;
  label: string;
  name: string;
  description?: string;
  steps: Step[];
}

export type Reference = { kind: 'env'; variable: string } | { kind: 'workspace'; name: string } | { kind: 'from'; source: string; path: string[] };

/** A reference object ({"$env"}, {"$workspace"}, {"$from"} alone in an object), or undefined. */
export function asReference(value: unknown): Reference | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  if (typeof value.$env === 'string') return { kind: 'env', variable: value.$env };
  if (typeof value.$workspace === 'string') return { kind: 'workspace', name: value.$workspace };
  if (typeof value.$from === 'string') {
    const [source, ...path] = value.$from.split('.');
    return { kind: 'from', source: source ?? '', path };
  }
  return undefined;
}

/** Every reference inside value, with its path. */
export function findReferences(value: unknown): { reference: Reference; path: Path }[] {
  return findMatches(value, asReference).map(({ match, path }) => ({ reference: match, path }));
}

interface Scope {
  /** Action steps whose output exists at this point. */
  outputs: Set<string>;
  page: boolean;
  error: boolean;
}

export interface ParseFlowOptions {
  /** Registers literal secrets found in inputs (so they are never printed). */
  redactor?: Redactor;
  /** Advice collected while checking (e.g. a token written into the flow). */
  warnings?: string[];
}

/** Checks raw JSON against the flow schema and the pack; returns the flow or throws a FileProblemError listing every problem. */
export function parseFlow(raw: unknown, label: string, pack: Pack, options: ParseFlowOptions = {}): Flow {
  // Literal secret inputs are registered first, whatever else is wrong with the file, and so
  // is a token pasted where a variable's name belongs.
  registerLiteralSecrets(raw, pack, options.redactor);
  const pastedValues = pastedValueProblems(raw, (path) => `${pointerToField(path)}.$env`, options.redactor);
  // A flow file as a whole is held to MAX_INPUT_DEPTH when it is read (json-file.ts); a flow
  // built in memory, like the request command's, may nest a top-level step's input as deep as
  // a body may go. Deeper values never reach the schema check, which recurses.
  const deep = depthProblem(raw, { wrapping: FLOW_WRAPPING });
  if (deep) throw new FileProblemError(label, 'the flow file is invalid:', [deep]);
  const structural = check(hostValidator('flow.schema.json'), raw);
  if (structural.length > 0) throw new FileProblemError(label, 'the flow file is invalid:', structural);
  const file = raw as { name: string; description?: string; steps: JsonObject[] };
  const problems: Problem[] = [];
  const ids = new Map<string, string>();

  const parseSteps = (list: JsonObject[], base: string, outer: Scope): Step[] => {
    const scope: Scope = { outputs: new Set(outer.outputs), page: outer.page, error: outer.error };
    return list.map((rawStep, i) => {
      const where = `${base}[${i}]`;
      // The id is known before nested steps are read, so they can be told why they cannot use it.
      if (typeof rawStep.id === 'string') {
        const earlier = ids.get(rawStep.id);
        if (earlier) problems.push({ field: `${where}.id`, message: `"${rawStep.id}" is already the id of ${earlier}; ids must be unique in a flow` });
        else ids.set(rawStep.id, where);
      }
      const step = parseStep(rawStep, where, scope);
      if (step.kind === 'action') scope.outputs.add(step.id);
      return step;
    });
  };

  const checkReferences = (value: unknown, field: string, scope: Scope) => {
    for (const { reference, path } of findReferences(value)) {
      if (reference.kind !== 'from') continue;
      const at = `${field}${path.length ? (typeof path[0] === 'number' ? '' : '.') + pointerToField(path) : ''}`;
      if (reference.source === 'page' && !scope.page) problems.push({ field: at, message: '"page" is only available in the steps of a forEachPage' });
      else if (reference.source === 'error' && !scope.error) problems.push({ field: at, message: '"error" is only available in onError steps' });
      else if (reference.source !== 'page' && reference.source !== 'error' && !scope.outputs.has(reference.source)) {
        const known = ids.get(reference.source);
        problems.push({
          field: at,
          message: known
            ? `refers to step "${reference.source}" (${known}), whose output does not exist at this point: only earlier action steps of this list and of the lists around it can be read`
            : `refers to "${reference.source}", which is not the id of an earlier action step`,
        });
      }
    }
  };

  const parseStep = (rawStep: JsonObject, where: string, scope: Scope): Step => {
    const id = typeof rawStep.id === 'string' ? rawStep.id : undefined;
    if (typeof rawStep.action === 'string') {
      const inputs = isPlainObject(rawStep.inputs) ? rawStep.inputs : {};
      const step: ActionStep = { kind: 'action', where, id: id!, action: rawStep.action, inputs };
      if (typeof rawStep.title === 'string') step.title = rawStep.title;
      const action = pack.actions.get(rawStep.action);
      if (!action) {
        problems.push({ field: `${where}.action`, message: `"${rawStep.action}" is not an action of ${pack.name}; its actions are ${[...pack.actions.keys()].join(', ')}` });
      } else {
        const holes = findReferences(inputs).map((r) => toPointer(r.path));
        for (const p of check(action.validateInputs, inputs, { holes, root: `${where}.inputs` })) problems.push(p);
        for (const [input, type] of action.workspaceObjectInputs) {
          const reference = asReference(inputs[input]);
          if (inputs[input] !== undefined && reference?.kind === 'env') {
            problems.push({ field: `${where}.inputs.${input}`, message: `takes a ${type} workspace object: use {"$workspace": "<name>"} or another step's output, not an environment variable` });
          }
        }
        if (rawStep.forEachPage !== undefined && !action.ports.some((p) => p.id === STREAM_PORT && p.kind === 'stream')) {
          problems.push({ field: `${where}.forEachPage`, message: `action "${action.id}" has no ${STREAM_PORT} port; its ports are ${action.ports.map((p) => p.id).join(', ')}` });
        }
      }
      checkReferences(inputs, `${where}.inputs`, scope);
      if (isPlainObject(rawStep.forEachPage)) {
        const handler = rawStep.forEachPage as { writeRowsTo?: string; steps?: JsonObject[] };
        step.forEachPage = {};
        if (handler.writeRowsTo !== undefined) step.forEachPage.writeRowsTo = handler.writeRowsTo;
        if (handler.steps) step.forEachPage.steps = parseSteps(handler.steps, `${where}.forEachPage.steps`, { ...scope, page: true });
      }
      if (Array.isArray(rawStep.onError)) step.onError = parseSteps(rawStep.onError as JsonObject[], `${where}.onError`, { ...scope, error: true });
      return step;
    }
    if (typeof rawStep.log === 'string') {
      checkReferences(rawStep.data, `${where}.data`, scope);
      return { kind: 'log', where, ...(id ? { id } : {}), log: rawStep.log, level: (rawStep.level as LogStep['level'] | undefined) ?? 'info', ...(rawStep.data !== undefined ? { data: rawStep.data } : {}) };
    }
    if (typeof rawStep.appendTo === 'string') {
      checkReferences(rawStep.value, `${where}.value`, scope);
      return { kind: 'append', where, ...(id ? { id } : {}), appendTo: rawStep.appendTo, value: rawStep.value };
    }
    return { kind: 'fail', where, ...(id ? { id } : {}), fail: String(rawStep.fail) };
  };

  const steps = parseSteps(file.steps, 'steps', { outputs: new Set(), page: false, error: false });
  problems.push(...pastedValues);
  if (problems.length > 0) throw new FileProblemError(label, 'the flow cannot run:', problems);
  collectSecretWarnings(steps, pack, label, options.warnings);
  return { label, name: file.name, ...(file.description !== undefined ? { description: file.description } : {}), steps };
}

/** Values written into secret inputs, wherever a step sits (references are not values yet). */
function registerLiteralSecrets(raw: unknown, pack: Pack, redactor: Redactor | undefined): void {
  if (!redactor) return;
  eachNode(raw, (node) => {
    if (!isPlainObject(node) || typeof node.action !== 'string') return;
    const action = pack.actions.get(node.action);
    if (action) registerSecretProperties(redactor, node.inputs, action.secretInputs, (value) => asReference(value) !== undefined);
  });
}

function collectSecretWarnings(steps: Step[], pack: Pack, label: string, warnings: string[] | undefined): void {
  if (!warnings) return;
  for (const step of steps) {
    if (step.kind !== 'action') continue;
    for (const name of pack.actions.get(step.action)?.secretInputs ?? []) {
      if (typeof step.inputs[name] === 'string') warnings.push(`${label}: ${step.where}.inputs.${name} is a secret written into the flow file; use {"$env": "VARIABLE"}`);
    }
    collectSecretWarnings(step.forEachPage?.steps ?? [], pack, label, warnings);
    collectSecretWarnings(step.onError ?? [], pack, label, warnings);
  }
}

export async function loadFlowFile(path: string, pack: Pack, options: ParseFlowOptions = {}): Promise<Flow> {
  const file = resolvePath(path);
  const label = displayPath(file);
  const flow = parseFlow(await readJsonFile(file, label, 'flow file'), label, pack, options);
  return { ...flow, file };
}

/** Every step of a flow, nested ones included, in file order. */
export function allSteps(steps: Step[]): Step[] {
  return steps.flatMap((step) => (step.kind === 'action' ? [step, ...allSteps(step.forEachPage?.steps ?? []), ...allSteps(step.onError ?? [])] : [step]));
}

export function flowDir(flow: Flow): string | undefined {
  return flow.file ? dirname(flow.file) : undefined;
}
