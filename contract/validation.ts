import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as addFormatsModule from 'ajv-formats';
import { InputError } from '../client/errors.js';
import { SCHEMAS_DIR } from './package-root.js';

// ajv-formats is CommonJS with a default export; under NodeNext the callable is on .default.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default: AddFormats | { default: AddFormats } }).default as { default?: AddFormats }).default ??
  ((addFormatsModule as unknown as { default: AddFormats }).default);

/** Annotation keywords our schemas use for renderers; ajv must know them to stay strict. */
const ANNOTATIONS = ['x-order', 'x-secret', 'x-widget', 'x-workspace-object-type', 'x-flow'];

let ajv: Ajv | undefined;

function build(): Ajv {
  const instance = new Ajv({ allErrors: true, strict: true, useDefaults: false, allowUnionTypes: true });
  addFormats(instance);
  instance.addFormat('password', true);
  for (const keyword of ANNOTATIONS) instance.addKeyword({ keyword, schemaType: ['string', 'number', 'boolean', 'object', 'array'] });
  // Every schema of the pack, so $refs between them resolve by file name.
  for (const file of readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8')) as Record<string, unknown>;
    instance.addSchema(schema, file);
  }
  return instance;
}

export function packAjv(): Ajv {
  ajv ??= build();
  return ajv;
}

export function validatorFor(schemaFile: string): ValidateFunction {
  const validate = packAjv().getSchema(schemaFile);
  if (!validate) throw new Error(`flow-tripletex: no schema named ${schemaFile}`);
  return validate;
}

function fieldOf(error: ErrorObject, root: string): string {
  const pointer = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') pointer.push(String((error.params as { missingProperty: string }).missingProperty));
  if (error.keyword === 'additionalProperties') pointer.push(String((error.params as { additionalProperty: string }).additionalProperty));
  const path = pointer.map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : (i === 0 ? '' : '.') + part)).join('');
  return root && path ? `${root}.${path}` : root || path || '(input)';
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
      return p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters`;
    case 'pattern':
      return `has characters or a shape that is not allowed (expected to match ${String(p.pattern)})`;
    case 'format':
      return `must be a valid ${String(p.format)}`;
    default:
      return error.message ?? 'is invalid';
  }
}

/**
 * Friendlier words for the commonest mistakes, keyed by the schema's pattern. A message
 * never quotes the value: the value might be a token.
 */
const PATTERN_HINTS: Record<string, string> = {
  '^\\S+$': 'contains a space or a line break; paste the token alone, without spaces around it',
  '\\S': 'must not be blank',
};

export interface Problem {
  field: string;
  message: string;
}

function branchOf(error: ErrorObject, anyOf: ErrorObject): string {
  if (error.schemaPath.startsWith(anyOf.schemaPath + '/')) {
    return error.schemaPath.slice(anyOf.schemaPath.length + 1).split('/')[0] ?? '';
  }
  // A branch that is a $ref reports paths inside the referenced schema file.
  return error.schemaPath.split('/')[0] ?? '';
}

/**
 * anyOf reports every branch's failures, which reads as nonsense ("name is not a known
 * property" from the branch the user never meant). Keep only the branch that came closest:
 * the one with the fewest errors. Ajv lists a branch's errors just before its anyOf error.
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
      const key = branchOf(child, error);
      branches.set(key, [...(branches.get(key) ?? []), child]);
    }
    const best = [...branches.values()].sort((a, b) => a.length - b.length)[0];
    if (best) out.push(...best);
    else out.push(error);
  }
  return out;
}

/** Turns ajv's errors into one problem per field and message. */
export function problemsFrom(errors: ErrorObject[] | null | undefined, root = ''): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const error of closestBranches(errors ?? [])) {
    const field = fieldOf(error, root);
    const pattern = (error.params as { pattern?: string }).pattern;
    const message =
      error.keyword === 'pattern' && pattern && PATTERN_HINTS[pattern] ? PATTERN_HINTS[pattern] : error.keyword === 'anyOf' ? 'does not match any accepted form' : describe(error);
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, message });
  }
  return out;
}

/** Validates, or throws an InputError naming each bad field (never its value). */
export function assertValid<T>(schemaFile: string, value: unknown, prefix: string, root = ''): T {
  const validate = validatorFor(schemaFile);
  if (!validate(value)) throw new InputError(problemsFrom(validate.errors, root), prefix);
  return value as T;
}
