import type { ErrorSchema, RJSFSchema, UiSchema, ValidatorType } from '@rjsf/utils';
import type { ActionInfo, JsonObject, ObjectTypeInfo, Problem, StepDocument, WorkspaceObject } from './api';
import type { ChoicesMode } from './ChoicesWidget';
import { loadSpecOf, type LoadSpec, type OptionSource } from './load-options';

// From the pack's JSON Schemas to what the form renderer (react-jsonschema-form) draws:
// the schema (x-order becomes ui:order; secrets get the secret widget) and, for a flow step,
// the inputs a Flow host fills differently from a literal value: the Connection dropdown for
// inputs marked x-workspace-object-type, an environment variable for a secret input, JSON
// text for object inputs, and a read-only line for a value another step provides.

type Schema = JsonObject & { properties?: Record<string, JsonObject>; required?: string[] };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Top-level properties ordered by x-order; the rest after them, in schema order. */
export function orderOf(schema: Schema): string[] {
  const properties = schema.properties ?? {};
  const ranked = Object.keys(properties).map((name, index) => ({ name, index, order: typeof properties[name]?.['x-order'] === 'number' ? (properties[name]!['x-order'] as number) : Number.MAX_SAFE_INTEGER }));
  return ranked.sort((a, b) => a.order - b.order || a.index - b.index).map((r) => r.name);
}

function withoutIds(schema: JsonObject): Schema {
  const { $id: _id, $schema: _schema, ...rest } = schema;
  return rest as Schema;
}

export function isSecretProperty(property: JsonObject | undefined): boolean {
  return !!property && (property.writeOnly === true || property['x-secret'] === true || property.format === 'password');
}

const HIDE_SUBMIT = { 'ui:submitButtonOptions': { norender: true } };

/** Where an input with `x-load-options` gets its choices; undefined draws it as a plain field. */
export type OptionSourceFor = (name: string, spec: LoadSpec) => OptionSource | undefined;

/** How the choices widget fills a property: a list, a number, or the whole text. */
export function choicesMode(property: JsonObject, spec: LoadSpec): ChoicesMode {
  if (spec.separator) return 'list';
  const types = Array.isArray(property.type) ? property.type : [property.type];
  return types.includes('integer') || types.includes('number') ? 'integer' : 'text';
}

/** The property drawn by the choices widget: its schema examples would be a second, native list. */
function withChoices(name: string, property: JsonObject, optionSource: OptionSourceFor | undefined, uiSchema: UiSchema): JsonObject {
  const spec = loadSpecOf(property);
  const source = spec && optionSource?.(name, spec);
  if (!spec || !source) return property;
  uiSchema[name] = { 'ui:widget': 'choices', 'ui:options': { source, mode: choicesMode(property, spec) } };
  const { examples: _examples, ...rest } = property;
  return rest;
}

/** Inputs the schema folds under Advanced (`x-advanced`), for the form's object template. */
function advancedOf(schema: Schema): string[] {
  return Object.entries(schema.properties ?? {})
    .filter(([, property]) => property['x-advanced'] === true)
    .map(([name]) => name);
}

/** The property panel of a workspace object. Saved secrets are not required again: empty keeps them. */
export function objectForm(type: ObjectTypeInfo, object: WorkspaceObject | undefined, optionSource?: OptionSourceFor): { schema: RJSFSchema; uiSchema: UiSchema } {
  const schema = withoutIds(type.schema);
  const secrets = new Set(type.secretProperties);
  const kept = new Set(Object.entries(object?.secrets ?? {}).filter(([, state]) => state.source !== 'none').map(([name]) => name));
  const uiSchema: UiSchema = { 'ui:order': [...orderOf(schema), '*'], ...HIDE_SUBMIT, 'ui:options': { advanced: advancedOf(schema) } };
  const properties: Record<string, JsonObject> = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (secrets.has(name) || isSecretProperty(property)) {
      uiSchema[name] = { 'ui:widget': 'secret', 'ui:options': { secretState: object?.secrets[name] ?? { source: 'none' } } };
      properties[name] = property;
    } else properties[name] = withChoices(name, property, optionSource, uiSchema);
  }
  return { schema: { ...schema, properties, required: (schema.required ?? []).filter((name) => !kept.has(name)) } as RJSFSchema, uiSchema };
}

export interface ConnectionChoice {
  value: string;
  label: string;
}

export interface StepFormContext {
  /** Choices of the Connection dropdown for each object type. */
  choicesFor(type: string): ConnectionChoice[];
  /** Where inputs with `x-load-options` get their choices. */
  optionSource?: OptionSourceFor;
}

type Reference = { $workspace: string } | { $from: string } | { $env: string };

function asReference(value: unknown): Reference | undefined {
  if (!isObject(value) || Object.keys(value).length !== 1) return undefined;
  if (typeof value.$workspace === 'string' || typeof value.$from === 'string' || typeof value.$env === 'string') return value as Reference;
  return undefined;
}

export function connectionValue(value: unknown): string | undefined {
  const reference = asReference(value);
  if (reference && '$workspace' in reference) return `ws:${reference.$workspace}`;
  if (reference && '$from' in reference) return `from:${reference.$from}`;
  return undefined;
}

export function connectionReference(value: string): Reference | undefined {
  if (value.startsWith('ws:')) return { $workspace: value.slice(3) };
  if (value.startsWith('from:')) return { $from: value.slice(5) };
  return undefined;
}

function describeReference(reference: Reference): string {
  if ('$from' in reference) {
    const [source, ...path] = reference.$from.split('.');
    if (source === 'page') return `From the current page: ${path.join('.')}`;
    if (source === 'error') return `From the error: ${path.join('.')}`;
    return `From step "${source}": ${path.join('.')}`;
  }
  if ('$env' in reference) return `From environment variable ${reference.$env}`;
  return `Workspace object "${reference.$workspace}"`;
}

function takesObject(property: JsonObject): boolean {
  const types = Array.isArray(property.type) ? property.type : [property.type];
  return types.includes('object') || types.includes('array');
}

type InputKind = 'connection' | 'env' | 'reference' | 'json' | 'plain';

function inputKind(action: ActionInfo, name: string, value: unknown): InputKind {
  if (action.workspaceObjectInputs[name]) return 'connection';
  if (action.secretInputs.includes(name)) return 'env';
  if (asReference(value)) return 'reference';
  const property = (action.inputSchema.properties as Record<string, JsonObject> | undefined)?.[name];
  if (property && takesObject(property)) return 'json';
  return 'plain';
}

/** The property panel of an action step: schema, ui schema and form data from its inputs. */
export function stepForm(action: ActionInfo, step: StepDocument, context: StepFormContext): { schema: RJSFSchema; uiSchema: UiSchema; formData: JsonObject } {
  const source = withoutIds(action.inputSchema);
  const inputs = step.inputs ?? {};
  const properties: Record<string, JsonObject> = {};
  const uiSchema: UiSchema = { 'ui:order': [...orderOf(source), '*'], ...HIDE_SUBMIT, 'ui:options': { advanced: advancedOf(source) } };
  const formData: JsonObject = {};
  const required = [...(source.required ?? [])];
  for (const [name, property] of Object.entries(source.properties ?? {})) {
    const value = inputs[name];
    const base = { ...(property.title ? { title: property.title } : {}), ...(property.description ? { description: property.description } : {}) };
    switch (inputKind(action, name, value)) {
      case 'connection': {
        const type = action.workspaceObjectInputs[name]!;
        properties[name] = { type: 'string', ...base };
        uiSchema[name] = { 'ui:widget': 'connection', 'ui:options': { objectType: type, choices: context.choicesFor(type) } };
        const current = connectionValue(value);
        if (current !== undefined) formData[name] = current;
        break;
      }
      case 'env': {
        properties[name] = { type: 'string', ...base, pattern: '^[A-Za-z_][A-Za-z0-9_]*$' };
        uiSchema[name] = { 'ui:widget': 'envVariable' };
        const reference = asReference(value);
        if (reference && '$env' in reference) formData[name] = reference.$env;
        break;
      }
      case 'reference': {
        properties[name] = { type: 'string', ...base, readOnly: true };
        uiSchema[name] = { 'ui:widget': 'reference' };
        formData[name] = describeReference(asReference(value)!);
        break;
      }
      case 'json': {
        properties[name] = { type: 'string', ...base };
        const spec = loadSpecOf(property);
        const parameters = spec && context.optionSource?.(name, spec);
        uiSchema[name] = { 'ui:widget': 'json', ...(parameters ? { 'ui:options': { source: parameters } } : {}) };
        // Text that is not valid JSON yet stays as typed.
        if (typeof value === 'string') formData[name] = value;
        else if (value !== undefined) formData[name] = JSON.stringify(value, null, 2);
        break;
      }
      default: {
        properties[name] = withChoices(name, property, context.optionSource, uiSchema);
        if (value !== undefined) formData[name] = value;
      }
    }
  }
  return { schema: { type: 'object', ...(source.title ? { title: source.title } : {}), properties, required } as RJSFSchema, uiSchema, formData };
}

/** The step's inputs from the panel's form data (the inverse of stepForm). */
export function inputsFromForm(action: ActionInfo, formData: JsonObject, previous: JsonObject): JsonObject {
  const inputs: JsonObject = {};
  const names = Object.keys((action.inputSchema.properties as JsonObject | undefined) ?? {});
  for (const name of [...names, ...Object.keys(previous).filter((n) => !names.includes(n))]) {
    const value = formData[name];
    switch (inputKind(action, name, previous[name])) {
      case 'connection': {
        const reference = typeof value === 'string' ? connectionReference(value) : undefined;
        if (reference) inputs[name] = reference;
        break;
      }
      case 'env':
        if (typeof value === 'string' && value.trim() !== '') inputs[name] = { $env: value.trim() };
        break;
      case 'reference':
        inputs[name] = previous[name];
        break;
      case 'json':
        if (typeof value === 'string' && value.trim() !== '') {
          try {
            inputs[name] = JSON.parse(value);
          } catch {
            // Kept as text: the server names the field and what it must be.
            inputs[name] = value;
          }
        }
        break;
      default: {
        // The form shows schema defaults; an untouched default stays out of the flow file.
        const property = (action.inputSchema.properties as Record<string, JsonObject> | undefined)?.[name];
        const untouchedDefault = previous[name] === undefined && property !== undefined && 'default' in property && JSON.stringify(property.default) === JSON.stringify(value);
        if (value !== undefined && value !== '' && !untouchedDefault) inputs[name] = value;
        else if (!names.includes(name) && previous[name] !== undefined) inputs[name] = previous[name];
      }
    }
  }
  return inputs;
}

/** Problems (field paths from the server) as the renderer's error schema, each message led by the field's title. */
export function errorSchemaOf(problems: Problem[], schema: RJSFSchema, prefix = ''): { errors: ErrorSchema; other: Problem[] } {
  const errors: Record<string, { __errors: string[] }> = {};
  const other: Problem[] = [];
  const properties = (schema.properties ?? {}) as Record<string, JsonObject>;
  for (const problem of problems) {
    if (prefix && !problem.field.startsWith(prefix)) {
      other.push(problem);
      continue;
    }
    const field = problem.field.slice(prefix.length);
    const top = field.split(/[.[]/)[0] ?? '';
    if (!properties[top]) {
      other.push(problem);
      continue;
    }
    const title = typeof properties[top]!.title === 'string' ? (properties[top]!.title as string) : top;
    const detail = field.length > top.length ? ` (${field.slice(top.length).replace(/^\./, '')})` : '';
    (errors[top] ??= { __errors: [] }).__errors.push(`${title}${detail} ${problem.message}`);
  }
  return { errors: errors as ErrorSchema, other };
}

/**
 * The form renderer asks its validator whether values fit sub-schemas (to pick anyOf/oneOf
 * branches). Validation proper happens on the server with the pack's own validator, so the
 * page needs no code generation (which its Content-Security-Policy forbids): this answers
 * those questions structurally and reports no errors of its own.
 */
function fits(schema: unknown, value: unknown): boolean {
  if (!isObject(schema)) return true;
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) return false;
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) return false;
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
    if (!types.some((t) => t === actual || (t === 'number' && actual === 'integer'))) return false;
  }
  if (isObject(value)) {
    for (const name of Array.isArray(schema.required) ? schema.required : []) if (!(String(name) in value)) return false;
    if (isObject(schema.properties)) for (const [name, sub] of Object.entries(schema.properties)) if (name in value && !fits(sub, value[name])) return false;
  }
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((s) => fits(s, value))) return false;
  if (Array.isArray(schema.oneOf) && !schema.oneOf.some((s) => fits(s, value))) return false;
  if (Array.isArray(schema.allOf) && !schema.allOf.every((s) => fits(s, value))) return false;
  return true;
}

export const structuralValidator: ValidatorType = {
  validateFormData: () => ({ errors: [], errorSchema: {} }),
  isValid: (schema, formData) => fits(schema, formData),
  rawValidation: () => ({ errors: [] }),
};
