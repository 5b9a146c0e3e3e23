// What the extraction scripts share: where Tripletex's OpenAPI spec is read from, and how its
// operations, parameters and row schemas are read. The input is Tripletex's published OpenAPI
// 3.0 spec (openapi.json, as served at https://tripletex.no/v2/openapi.json); this project reads
// a copy kept beside the repository at ../shared/tripletex/openapi.json, or the path given as the
// script's first argument. Nothing of the spec is committed: only what the scripts extract.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The spec named on the command line, or the copy beside the repository. */
export function loadSpec(argv = process.argv) {
  const input = resolve(argv[2] ?? join(repoRoot, '..', 'shared', 'tripletex', 'openapi.json'));
  return JSON.parse(readFileSync(input, 'utf8'));
}

export const METHODS = ['get', 'post', 'put', 'delete'];

/** An operation's query parameters, the path's own first. */
export function queryOf(item, operation) {
  return [...(item.parameters ?? []), ...(operation.parameters ?? [])].filter((p) => p.in === 'query');
}

/** What kind of value a parameter takes, in the words an example needs. */
export function kindOf(parameter) {
  const schema = parameter.schema ?? {};
  const description = parameter.description ?? '';
  if (schema.type === 'string' && (/yyyy-MM-dd/.test(description) || /Date(From|To)?$|^(date|start|end)(From|To)$/.test(parameter.name))) return 'date';
  if (schema.type === 'integer') return 'integer';
  if (schema.type === 'number') return 'number';
  if (schema.type === 'boolean') return 'boolean';
  return 'string';
}

/** One line of text: the spec's descriptions carry HTML breaks and runs of spaces. */
export function oneLine(text) {
  return String(text ?? '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const nameOf = (ref) => (typeof ref === 'string' ? ref.split('/').pop() : undefined);

/** The name of the schema one row of a GET's answer follows: the items of `values`, or `value`. */
export function rowSchemaOf(spec, operation) {
  const response = operation.responses?.['200'] ?? operation.responses?.default;
  const envelope = spec.components?.schemas?.[nameOf(response?.content?.['application/json']?.schema?.$ref)];
  const properties = envelope?.properties ?? {};
  return nameOf(properties.values?.items?.$ref) ?? nameOf(properties.value?.$ref);
}

/** A schema's property, following a $ref to the schema it names. */
export function propertyOf(spec, schemaName, property) {
  const found = spec.components?.schemas?.[schemaName]?.properties?.[property];
  return found?.$ref ? spec.components?.schemas?.[nameOf(found.$ref)] : found;
}
