import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LoadedOptions, OptionChoice } from '../contract/host.js';
import { templateFor, type ParameterKind } from './endpoint-facts.js';

// What a person filling in a request wants to see about an endpoint, from Tripletex's OpenAPI
// spec: its summary, its query parameters with their descriptions, and the fields of one row of
// its answer. Extracted by tooling/scripts/extract-endpoint-catalog.mjs into
// client/tripletex-endpoint-catalog.json. The pack never needs it to send a request; it feeds
// the paging action's load options (Path, Query and Fields choices in a designer) and gives a
// host the row fields to map rows to the next step.

export interface CatalogParameter {
  name: string;
  kind: ParameterKind;
  required?: true;
  description?: string;
}

/** v: a plain value; o: an object; l: a list of objects (o and l take a sub-selection, `name(*)`). */
export type RowFieldKind = 'v' | 'o' | 'l';

interface CatalogOperation {
  summary?: string;
  query?: CatalogParameter[];
  /** The schema of one row of a GET's answer. */
  row?: string;
}

interface CatalogFile {
  specVersion: string;
  operations: Record<string, Record<string, CatalogOperation>>;
  rows: Record<string, [string, RowFieldKind][]>;
}

export const ENDPOINT_CATALOG_FILE = fileURLToPath(new URL('./tripletex-endpoint-catalog.json', import.meta.url));

let loaded: CatalogFile | undefined;

function catalog(): CatalogFile {
  loaded ??= JSON.parse(readFileSync(ENDPOINT_CATALOG_FILE, 'utf8')) as CatalogFile;
  return loaded;
}

export interface CatalogEndpoint {
  path: string;
  summary?: string;
  required: CatalogParameter[];
}

/** Every documented path for a method, with its summary and the query parameters it requires. */
export function endpointsFor(method: string): CatalogEndpoint[] {
  const wanted = method.toUpperCase();
  const out: CatalogEndpoint[] = [];
  for (const [path, methods] of Object.entries(catalog().operations)) {
    const operation = methods[wanted];
    if (!operation) continue;
    out.push({ path, ...(operation.summary ? { summary: operation.summary } : {}), required: (operation.query ?? []).filter((p) => p.required) });
  }
  return out;
}

/** The operation a request path stands for ("/invoice/123" → "/invoice/{id}"), or undefined. */
function operationOf(method: string, path: string): { template: string; operation: CatalogOperation } | undefined {
  const template = templateFor(path.split('?')[0] ?? path);
  const operation = template ? catalog().operations[template]?.[method.toUpperCase()] : undefined;
  return template && operation ? { template, operation } : undefined;
}

/** The query parameters of METHOD path, required ones first. */
export function queryParametersOf(method: string, path: string): { template: string; parameters: CatalogParameter[] } | undefined {
  const found = operationOf(method, path);
  return found ? { template: found.template, parameters: found.operation.query ?? [] } : undefined;
}

/** The fields of one row that GET path answers with, in the spec's order. */
export function rowFieldsOf(method: string, path: string): { template: string; schema: string; fields: { name: string; kind: RowFieldKind }[] } | undefined {
  const found = operationOf(method, path);
  const schema = found?.operation.row;
  if (!found || !schema) return undefined;
  return { template: found.template, schema, fields: (catalog().rows[schema] ?? []).map(([name, kind]) => ({ name, kind })) };
}

// The paging action's load options (docs/host-contract.md, `x-load-options`): Path, Query and
// Fields choices for the method and path a step has.

function textInput(values: unknown, name: string): string | undefined {
  const value = typeof values === 'object' && values !== null ? (values as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** `endpointPaths`: every documented path for the step's Method, with what it requires. */
export function endpointPathOptions(values: unknown): LoadedOptions {
  const method = (textInput(values, 'method') ?? 'GET').toUpperCase();
  const endpoints = endpointsFor(method);
  return {
    options: endpoints.map((e) => {
      const needs = e.required.length > 0 ? `Requires ${e.required.map((p) => p.name).join(', ')}.` : '';
      const fill = e.path.includes('{') ? 'Replace the {…} part with an id.' : '';
      return { value: e.path, label: e.path, description: [e.summary ?? '', needs, fill].filter(Boolean).join(' ') };
    }),
    message: `${plural(endpoints.length, `documented ${method} path`)} in Tripletex's API ${catalog().specVersion}.`,
  };
}

/** `queryParameters`: the query parameters of METHOD path, required ones marked. */
export function queryParameterOptions(values: unknown): LoadedOptions {
  const method = (textInput(values, 'method') ?? 'GET').toUpperCase();
  const path = textInput(values, 'path');
  if (!path) return { options: [], message: 'Choose a Path to see its query parameters.' };
  const found = queryParametersOf(method, path);
  if (!found) return { options: [], message: `Tripletex's spec (${catalog().specVersion}) does not document ${method} ${path}, so its parameters are not known here.` };
  const summary = operationOf(method, path)?.operation.summary;
  return {
    options: found.parameters.map((p) => ({ value: p.name, label: p.name, description: [p.description ?? '', `(${p.kind})`].filter(Boolean).join(' '), ...(p.required ? { required: true } : {}) })),
    message: `${method} ${found.template}${summary ? `: ${summary}` : ''}`,
  };
}

/** `rowFields`: what Fields can select in one row of GET path: `*`, each field, and `name(*)` for objects. */
export function rowFieldOptions(values: unknown): LoadedOptions {
  const method = (textInput(values, 'method') ?? 'GET').toUpperCase();
  const path = textInput(values, 'path');
  if (!path) return { options: [], message: 'Choose a Path to see the fields of its rows.' };
  const found = rowFieldsOf(method, path);
  if (!found) return { options: [], message: method === 'GET' ? `Tripletex's spec does not say what a row of GET ${path} holds.` : `Fields selects what ${method} answers with; the spec's row fields are listed for GET requests.` };
  const options: OptionChoice[] = [{ value: '*', label: '*', description: `every field of the row (${found.schema}); objects in it as their id and url` }];
  for (const field of found.fields) {
    options.push({ value: field.name, label: field.name, description: field.kind === 'v' ? '' : field.kind === 'o' ? 'an object: its id and url' : 'a list of objects: their ids and urls' });
    if (field.kind !== 'v') options.push({ value: `${field.name}(*)`, label: `${field.name}(*)`, description: field.kind === 'o' ? 'the object with every field' : 'each object in the list with every field' });
  }
  return { options, message: `Fields of one ${found.schema} row (GET ${found.template}).` };
}
