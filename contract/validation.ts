import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as addFormatsModule from 'ajv-formats';
import { InputError } from './errors.js';
import { SCHEMAS_DIR } from './package-root.js';
import { schemaProblems, type Problem } from './schema-problems.js';

export type { Problem };

// ajv-formats is CommonJS with a default export; under NodeNext the callable is on .default.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default: AddFormats | { default: AddFormats } }).default as { default?: AddFormats }).default ??
  ((addFormatsModule as unknown as { default: AddFormats }).default);

/** Annotation keywords our schemas use for renderers; ajv must know them to stay strict. */
const ANNOTATIONS = ['x-order', 'x-secret', 'x-widget', 'x-workspace-object-type', 'x-flow', 'x-advanced', 'x-load-options', 'x-unit'];

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

/** Turns ajv's errors into one problem per field and message, under `root` if given. */
export function problemsFrom(errors: ErrorObject[] | null | undefined, root = ''): Problem[] {
  return schemaProblems(errors ?? [], (inner) => (root && inner ? `${root}${inner.startsWith('[') ? '' : '.'}${inner}` : root || inner || '(input)'));
}

/** Validates, or throws an InputError naming each bad field (never its value). */
export function assertValid<T>(schemaFile: string, value: unknown, prefix: string, root = ''): T {
  const validate = validatorFor(schemaFile);
  if (!validate(value)) throw new InputError(problemsFrom(validate.errors, root), prefix);
  return value as T;
}
