import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import * as formatsModule from 'ajv-formats';
import type { Problem } from './errors.js';

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

function fieldOf(error: ErrorObject): string {
  const parts = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === 'required' && params.missingProperty !== undefined) parts.push(params.missingProperty);
  if (error.keyword === 'additionalProperties' && params.additionalProperty !== undefined) parts.push(params.additionalProperty);
  return pointerToField(parts);
}

/** ["steps", "1", "inputs"] → "steps[1].inputs". */
export function pointerToField(parts: (string | number)[]): string {
  return parts.map((part, i) => (typeof part === 'number' || /^\d+$/.test(part) ? `[${part}]` : (i === 0 ? '' : '.') + part)).join('');
}

function describe(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known property';
    case 'type':
      return `must be ${String(p.type).replace(/,/g, ' or ')}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(p.comparison)} ${String(p.limit)}`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters long`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long`;
    case 'minItems':
      return `must have at least ${String(p.limit)} item(s)`;
    case 'maxItems':
      return `must have at most ${String(p.limit)} item(s)`;
    case 'pattern':
      return p.pattern === '^\\S+$'
        ? 'must not contain spaces or line breaks'
        : p.pattern === '\\S'
          ? 'must not be blank'
          : p.pattern === '^[A-Za-z_][A-Za-z0-9_]*$'
            ? 'must be an environment variable name (letters, digits and _, not starting with a digit)'
          : `does not have the expected form (pattern ${String(p.pattern)})`;
    case 'format':
      return `must be a valid ${String(p.format)}`;
    case 'not':
      return 'is not allowed here';
    default:
      return error.message ?? 'is invalid';
  }
}

/**
 * anyOf/oneOf report the failures of every branch, which reads as nonsense. Keep the errors of
 * the branch that came closest (fewest errors); ajv lists a branch's errors before its anyOf.
 */
function closestBranches(errors: ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') {
      out.push(error);
      continue;
    }
    const children: ErrorObject[] = [];
    while (out.length > 0 && out[out.length - 1]!.instancePath.startsWith(error.instancePath)) children.unshift(out.pop()!);
    const branches = new Map<string, ErrorObject[]>();
    for (const child of children) {
      const rest = child.schemaPath.startsWith(error.schemaPath + '/') ? child.schemaPath.slice(error.schemaPath.length + 1) : child.schemaPath;
      const key = rest.split('/')[0] ?? '';
      branches.set(key, [...(branches.get(key) ?? []), child]);
    }
    const best = [...branches.values()].sort((a, b) => a.length - b.length)[0];
    if (best && best.length > 0) out.push(...best);
    else out.push(error);
  }
  return out;
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
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const error of closestBranches(relevant)) {
    if (holes.some((hole) => error.instancePath === hole || error.instancePath.startsWith(hole + '/'))) continue;
    const inner = fieldOf(error);
    const field = options.root ? (inner ? `${options.root}${inner.startsWith('[') ? '' : '.'}${inner}` : options.root) : inner || '(top level)';
    const message = error.keyword === 'anyOf' || error.keyword === 'oneOf' ? 'does not match any accepted form' : describe(error);
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, message });
  }
  return out;
}

/** Validates and returns problems (empty when valid). */
export function check(validate: ValidateFunction, value: unknown, options: ProblemOptions = {}): Problem[] {
  return validate(value) ? [] : problemsFrom(validate.errors, options);
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

/** The JSON types a top-level property accepts, when it says so with `type`. */
export function declaredTypes(schema: JsonObject | undefined): string[] | undefined {
  if (!schema) return undefined;
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string');
  return undefined;
}

export type { AnySchema, ValidateFunction };
