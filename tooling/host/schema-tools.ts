import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import * as formatsModule from 'ajv-formats';
import type { Problem } from './errors.js';
import { MAX_INPUT_DEPTH, tooDeep } from '../../contract/input-depth.js';
import { pointerToField, schemaProblems } from '../../contract/schema-problems.js';

export { pointerToField };

// JSON Schema helpers the host uses for its own files (manifest, workspace, flow) and for a
// pack's schemas. Problems name the field and the rule, never the value: the value may be a
// token.

type FormatsPlugin = (ajv: Ajv) => Ajv;
// ajv-formats is CommonJS; depending on the loader its function is the module or its .default.
const formatsExport = formatsModule as unknown as { default: FormatsPlugin | { default: FormatsPlugin } };
const addFormats: FormatsPlugin = typeof formatsExport.default === 'function' ? formatsExport.default : formatsExport.default.default;

export type JsonObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every `x-…` keyword used anywhere in the schemas. Registering them as annotations lets ajv
 * stay strict (unknown keywords are still refused) while accepting the pack's renderer hints.
 */
export function annotationKeywords(schemas: unknown[]): string[] {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isPlainObject(node)) {
      for (const [key, child] of Object.entries(node)) {
        if (key.startsWith('x-')) found.add(key);
        walk(child);
      }
    }
  };
  schemas.forEach(walk);
  return [...found].sort();
}

/**
 * Strict, except for strictTypes: a host must accept schemas that put `pattern` in an allOf
 * branch without repeating `type` (the contract's own manifest.schema.json does), and that
 * rule guards schema style, not what a value is allowed to be.
 */
export function createAjv(keywords: string[]): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true, useDefaults: false });
  addFormats(ajv);
  if (!ajv.formats.password) ajv.addFormat('password', true);
  for (const keyword of keywords) ajv.addKeyword({ keyword, schemaType: ['string', 'number', 'boolean', 'object', 'array', 'null'] });
  return ajv;
}

export interface ProblemOptions {
  /** Prefix for every field, e.g. "inputs". */
  root?: string;
  /** JSON pointers whose values are not known yet (references); errors at or below them are dropped. */
  holes?: string[];
}

/** ajv errors as one problem per field and message; never quotes a value. */
export function problemsFrom(errors: ErrorObject[] | null | undefined, options: ProblemOptions = {}): Problem[] {
  const holes = options.holes ?? [];
  const relevant = (errors ?? []).filter((e) => !holes.some((hole) => e.instancePath === hole || e.instancePath.startsWith(hole + '/')));
  const root = options.root;
  return schemaProblems(relevant, (inner) => (root ? (inner ? `${root}${inner.startsWith('[') ? '' : '.'}${inner}` : root) : inner || '(top level)'));
}

/** Validates and returns problems (empty when valid). */
export function check(validate: ValidateFunction, value: unknown, options: ProblemOptions = {}): Problem[] {
  return validate(value) ? [] : problemsFrom(validate.errors, options);
}

/**
 * A problem when value nests objects and arrays deeper than MAX_INPUT_DEPTH plus `wrapping`
 * (the levels the host puts around the user's values), else undefined. ajv validates by recursion,
 * so a value is checked with this loop before a schema sees it. The field names where the
 * first level too many opens, shortened: its full path would be as long as the nesting.
 */
export function depthProblem(value: unknown, options: { root?: string; wrapping?: number } = {}): Problem | undefined {
  const path = tooDeep(value, MAX_INPUT_DEPTH + (options.wrapping ?? 0));
  if (!path) return undefined;
  const KEEP = 6;
  const inner = pointerToField(path.slice(0, KEEP)) + (path.length > KEEP ? '…' : '');
  const root = options.root;
  const field = root ? (inner ? `${root}${inner.startsWith('[') ? '' : '.'}${inner}` : root) : inner || '(top level)';
  return { field, message: `nests objects and arrays more than ${MAX_INPUT_DEPTH} levels deep, which is the limit` };
}

/** A top-level property's schema, if the schema lists it plainly under `properties`. */
export function propertySchema(schema: unknown, name: string): JsonObject | undefined {
  if (!isPlainObject(schema) || !isPlainObject(schema.properties)) return undefined;
  const property = schema.properties[name];
  return isPlainObject(property) ? property : undefined;
}

/** Names of top-level properties a schema marks secret (writeOnly, x-secret, format password). */
export function secretPropertyNames(schema: unknown, extra: string[] = []): Set<string> {
  const names = new Set(extra);
  if (isPlainObject(schema) && isPlainObject(schema.properties)) {
    for (const [name, property] of Object.entries(schema.properties)) {
      if (isPlainObject(property) && (property.writeOnly === true || property['x-secret'] === true || property.format === 'password')) names.add(name);
    }
  }
  return names;
}

/**
 * A copy of values without the "" a form sends for an untouched number or switch: for a
 * top-level property whose schema takes no strings, "" means "not set", as it would in a
 * designer's panel. A property that takes strings keeps its "" (and is judged by its schema).
 */
export function withoutEmptyFormValues(values: JsonObject, schema: unknown): JsonObject {
  let out: JsonObject | undefined;
  for (const [key, value] of Object.entries(values)) {
    if (value !== '') continue;
    const types = declaredTypes(propertySchema(schema, key));
    if (!types || types.includes('string')) continue;
    out ??= { ...values };
    delete out[key];
  }
  return out ?? values;
}

/** The JSON types a top-level property accepts, when it says so with `type`. */
export function declaredTypes(schema: JsonObject | undefined): string[] | undefined {
  if (!schema) return undefined;
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string');
  return undefined;
}

export type { AnySchema, ValidateFunction };
