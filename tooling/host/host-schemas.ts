import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ajv } from 'ajv';
import { HOST_SCHEMAS_DIR } from './paths.js';
import { annotationKeywords, createAjv, type ValidateFunction } from './schema-tools.js';

// The host's own formats: the pack manifest (the host contract), the workspace file and the
// flow file. They live in this package's schemas/ and refer to each other by file name.
const HOST_SCHEMA_FILES = ['manifest.schema.json', 'workspace.schema.json', 'flow.schema.json'] as const;
export type HostSchemaFile = (typeof HOST_SCHEMA_FILES)[number];

let ajv: Ajv | undefined;

function build(): Ajv {
  const schemas = HOST_SCHEMA_FILES.map((file) => JSON.parse(readFileSync(join(HOST_SCHEMAS_DIR, file), 'utf8')) as object);
  const instance = createAjv(annotationKeywords(schemas));
  schemas.forEach((schema, i) => instance.addSchema(schema, HOST_SCHEMA_FILES[i]));
  return instance;
}

export function hostValidator(file: HostSchemaFile): ValidateFunction {
  ajv ??= build();
  const validate = ajv.getSchema(file);
  if (!validate) throw new Error(`flow-tripletex: the host schema ${file} did not load`);
  return validate;
}
