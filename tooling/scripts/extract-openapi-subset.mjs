#!/usr/bin/env node
// Extracts, from Tripletex's published OpenAPI 3.0 spec (openapi.json, as served at
// https://tripletex.no/v2/openapi.json; this project reads a copy kept beside the repository at
// ../shared/tripletex/openapi.json), the response schemas of the operations the simulator
// serves, plus Tripletex's error envelope, and writes tooling/simulator/tripletex-openapi-subset.json.
//
// Rerun after a new spec version:
//   node tooling/scripts/extract-openapi-subset.mjs [path/to/openapi.json]
// The output is sorted and stable: rerunning on the same spec gives no diff. The subset is
// committed, so the conformance test (test/simulator/openapi-conformance.test.ts) runs on a
// clone that has no copy of the spec.
//
// What the script does: for each operation below it takes the JSON schema of the 200 (or
// `default`) response, collects the transitive closure of `$ref`s, rewrites
// `#/components/schemas/X` to `#/definitions/X`, and records which definition each operation
// answers with. It also marks the two fields whose null the spec documents only in prose (its
// description of the envelopes) as `nullable`, after checking that prose is still there, and
// the few fields recorded answers show as null (RECORDED_NULLS).

import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const input = resolve(process.argv[2] ?? join(repoRoot, '..', 'shared', 'tripletex', 'openapi.json'));
const output = join(repoRoot, 'tooling', 'simulator', 'tripletex-openapi-subset.json');

/** The operations the simulator serves, as "METHOD path" in the spec's own spelling. */
const OPERATIONS = [
  'PUT /token/session/:create',
  'GET /token/session/>whoAmI',
  'GET /company/>withLoginAccess',
  'GET /company/{id}',
  'GET /customer',
  'POST /customer',
  'GET /customer/{id}',
  'GET /supplier',
  'GET /supplier/{id}',
  'GET /product',
  'GET /product/{id}',
  'GET /employee',
  'GET /employee/{id}',
  'GET /currency',
  'GET /currency/{id}',
  'GET /ledger/account',
  'GET /ledger/account/{id}',
  'GET /invoice',
  'GET /invoice/{id}',
  'GET /ledger/voucher',
  'GET /ledger/voucher/{id}',
  'GET /ledger/voucher/>nonPosted',
  'GET /ledger/posting',
  'GET /ledger/posting/{id}',
  'GET /order',
  'GET /order/{id}',
  'GET /ledger/vatType',
  'GET /ledger/vatType/{id}',
  'GET /company/salesmodules',
];

/** Tripletex's error body; every error the simulator sends is checked against it. */
const ERROR_ENVELOPE = 'ApiError';

/**
 * Nulls the spec states in its prose but not in its schemas: the envelope description says
 * versionDigest is "null if no result" and validationMessages "can be null". Each entry names
 * the text that must still be in info.description for the mark to be applied.
 */
const DOCUMENTED_NULLS = [
  { property: 'versionDigest', schemas: /^(ListResponse|VoucherSearchResponse$)/, evidence: 'null if no result' },
  { property: 'validationMessages', schemas: /^ApiError$/, evidence: 'can be null' },
];

/**
 * Nulls neither the schemas nor the prose mention, but answers recorded from the real API
 * (March 2026, see API-NOTES) carry: a 500's message is null, developerMessage can be null, and
 * every recorded validation message has rootId null. Marked `nullable` so the conformance test
 * accepts what Tripletex really sends.
 */
const RECORDED_NULLS = [
  { schema: 'ApiError', property: 'message' },
  { schema: 'ApiError', property: 'developerMessage' },
  { schema: 'ApiValidationMessage', property: 'path' },
  { schema: 'ApiValidationMessage', property: 'rootId' },
];

const REF_PREFIX = '#/components/schemas/';

function fail(message) {
  process.stderr.write(`extract-openapi-subset: ${message}\n`);
  process.exit(1);
}

let spec;
try {
  spec = JSON.parse(readFileSync(input, 'utf8'));
} catch (error) {
  fail(`cannot read ${input}: ${error.message}`);
}
const schemas = spec.components?.schemas ?? fail('the spec has no components.schemas');

function responseSchemaName(method, path) {
  const operation = spec.paths?.[path]?.[method.toLowerCase()];
  if (!operation) fail(`the spec has no operation ${method} ${path}`);
  const response = operation.responses?.['200'] ?? operation.responses?.default;
  const ref = response?.content?.['application/json']?.schema?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith(REF_PREFIX)) fail(`${method} ${path} has no JSON response schema reference`);
  return ref.slice(REF_PREFIX.length);
}

function collectRefs(node, out) {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, out);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) out.push(value.slice(REF_PREFIX.length));
      else collectRefs(value, out);
    }
  }
}

function rewrite(node) {
  if (Array.isArray(node)) return node.map(rewrite);
  if (node && typeof node === 'object') {
    const out = {};
    for (const key of Object.keys(node).sort()) {
      const value = node[key];
      out[key] = key === '$ref' && typeof value === 'string' ? value.replace(REF_PREFIX, '#/definitions/') : rewrite(value);
    }
    return out;
  }
  return node;
}

const operations = {};
for (const entry of OPERATIONS) {
  const [method, path] = entry.split(' ');
  operations[entry] = responseSchemaName(method, path);
}

const roots = [...Object.values(operations)];
if (schemas[ERROR_ENVELOPE]) roots.push(ERROR_ENVELOPE);
else process.stderr.write(`extract-openapi-subset: note: no ${ERROR_ENVELOPE} schema in this spec\n`);

const wanted = new Set();
const queue = [...roots];
while (queue.length > 0) {
  const name = queue.pop();
  if (wanted.has(name)) continue;
  if (!schemas[name]) fail(`$ref to a missing schema: ${name}`);
  wanted.add(name);
  const refs = [];
  collectRefs(schemas[name], refs);
  queue.push(...refs);
}

const definitions = {};
for (const name of [...wanted].sort()) definitions[name] = rewrite(schemas[name]);

const description = spec.info?.description ?? '';
for (const { property, schemas: pattern, evidence } of DOCUMENTED_NULLS) {
  if (!description.includes(evidence)) {
    process.stderr.write(`extract-openapi-subset: note: the spec no longer says "${evidence}"; ${property} is left as the schemas give it\n`);
    continue;
  }
  for (const [name, definition] of Object.entries(definitions)) {
    const prop = definition.properties?.[property];
    if (pattern.test(name) && prop) definition.properties[property] = rewrite({ ...prop, nullable: true });
  }
}

for (const { schema, property } of RECORDED_NULLS) {
  const prop = definitions[schema]?.properties?.[property];
  if (!prop) fail(`${schema}.${property} is not in the subset; update RECORDED_NULLS`);
  definitions[schema].properties[property] = rewrite({ ...prop, nullable: true });
}

const sortedOperations = {};
for (const key of Object.keys(operations).sort()) sortedOperations[key] = operations[key];

const subset = {
  source: { file: basename(input), title: spec.info?.title ?? '', version: spec.info?.version ?? '' },
  operations: sortedOperations,
  errorEnvelope: schemas[ERROR_ENVELOPE] ? ERROR_ENVELOPE : null,
  definitions,
};

writeFileSync(output, JSON.stringify(subset, null, 2) + '\n');
process.stdout.write(`wrote ${output}: ${Object.keys(operations).length} operations, ${Object.keys(definitions).length} definitions (from ${subset.source.title} ${subset.source.version})\n`);
