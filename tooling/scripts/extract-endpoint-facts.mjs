#!/usr/bin/env node
// Extracts, from Tripletex's published OpenAPI spec (where it is read from: openapi-spec.mjs), the
// few facts the pack needs about every endpoint, and writes them to client/tripletex-endpoints.json,
// which ships with the pack:
//
// - which paths exist, and with which methods;
// - the query parameters each operation requires (name and kind), so a request that lacks one
//   can be refused before it is sent;
// - each operation's date ranges: every date parameter that ends a range, whatever its name
//   (`invoiceDateTo`, `toDate`, `endDate`, `periodEnd`, `date`), whether that end is exclusive
//   ("To and excluding", "to and excl.") or inclusive ("to and incl."), and the parameter that
//   starts the same range, if the operation has one. The end comes from the description (or a
//   name that says it outright, `dateToExclusive`); the start is its counterpart by name
//   (To/From, End/Start, to…/from…). A start on another field is no partner, however alone:
//   /travelExpense's departureDateFrom and returnDateTo filter different dates, and windows
//   made of the two would lose every trip that spans a window's end.
//   Numeric ranges (accountNumberTo, "To and excluding" on an integer) are not dates and are
//   left out.
// - for an exclusive range `xFrom`/`xTo` of a GET list, the field of the listed rows it filters
//   on (`rowField`): the rows' model's string property `x` (`dateFrom` → `date` on
//   /ledger/posting, `invoiceDateFrom` → `invoiceDate` on /invoice). The paging action sorts a
//   range by it (then id), so that a stopped run resumes by the date it reached. Ranges whose
//   rows have no such property get none: the pack then never sorts by a field Tripletex might
//   refuse.
//
// Rerun after a new spec version:
//   node tooling/scripts/extract-endpoint-facts.mjs [path/to/openapi.json]
// The output is sorted and stable: rerunning on the same spec gives no diff.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kindOf, loadSpec, METHODS, propertyOf, queryOf, repoRoot, rowSchemaOf } from './openapi-spec.mjs';

const spec = loadSpec();
const output = join(repoRoot, 'client', 'tripletex-endpoints.json');

/** The end of a date range, by what the description promises (or a name that says it outright). */
function endOf(parameter) {
  const description = (parameter.description ?? '').toLowerCase();
  if (/to and excl(uding|\.)/.test(description)) return 'exclusive';
  if (/to and incl(uding|\.)/.test(description)) return 'inclusive';
  if (/.ToExclusive$/.test(parameter.name)) return 'exclusive';
  if (/.ToInclusive$/.test(parameter.name)) return 'inclusive';
  return undefined;
}

/** Names that would start the range `name` ends: dateTo → dateFrom, toDate → fromDate, endDate → startDate, periodEnd → periodStart. */
function startNamesFor(name) {
  const bare = name.replace(/(Ex|In)clusive$/, '');
  return [bare.replace(/To(?=[A-Z]|$)/, 'From'), bare.replace(/^to(?=[A-Z])/, 'from'), bare.replace(/End(?=[A-Z]|$)/, 'Start'), bare.replace(/^end(?=[A-Z])/, 'start')].filter((n) => n !== bare);
}

/** The rows' string field an exclusive `xFrom`/`xTo` range of a list filters on, when the rows have it. */
function rowFieldOf(range, listRow) {
  if (listRow === undefined || range.end !== 'exclusive' || !range.from?.endsWith('From') || range.from.length <= 4) return undefined;
  const field = range.from.slice(0, -'From'.length);
  return propertyOf(spec, listRow, field)?.type === 'string' ? field : undefined;
}

/** The date ranges of one operation's query parameters, each end paired with its start by meaning. */
function dateRangesOf(query, listRow) {
  const dates = query.filter((p) => (p.schema ?? {}).type === 'string');
  const byName = new Map(dates.map((p) => [p.name, p]));
  const ends = dates.map((p) => ({ parameter: p, end: endOf(p) })).filter((e) => e.end !== undefined);
  return ends.map(({ parameter, end }) => {
    const from = startNamesFor(parameter.name).find((n) => byName.has(n));
    const range = { ...(from !== undefined ? { from } : {}), to: parameter.name, end };
    const rowField = rowFieldOf(range, listRow);
    return rowField === undefined ? range : { ...range, rowField };
  });
}

/** The schema a GET list's rows follow (the items of `values`); undefined for anything else. */
function listRowOf(method, operation) {
  if (method !== 'get') return undefined;
  const response = operation.responses?.['200'] ?? operation.responses?.default;
  const envelope = response?.content?.['application/json']?.schema?.$ref?.split('/').pop();
  return spec.components?.schemas?.[envelope]?.properties?.values ? rowSchemaOf(spec, operation) : undefined;
}

const paths = {};
let ranges = 0;
for (const path of Object.keys(spec.paths).sort()) {
  const item = spec.paths[path];
  const methods = {};
  for (const method of METHODS) {
    const operation = item[method];
    if (!operation) continue;
    const query = queryOf(item, operation);
    const facts = {};
    const dateRanges = dateRangesOf(query, listRowOf(method, operation));
    // A range's ends are dates whatever their names say (periodStart, periodEnd).
    const rangeDates = new Set(dateRanges.flatMap((r) => [r.from, r.to]));
    const required = query.filter((p) => p.required === true).map((p) => ({ name: p.name, kind: rangeDates.has(p.name) ? 'date' : kindOf(p) }));
    if (required.length > 0) facts.required = required.sort((a, b) => a.name.localeCompare(b.name));
    if (dateRanges.length > 0) {
      facts.dateRanges = dateRanges.sort((a, b) => a.to.localeCompare(b.to));
      ranges += dateRanges.length;
    }
    methods[method.toUpperCase()] = facts;
  }
  if (Object.keys(methods).length > 0) paths[path] = methods;
}

const out = {
  comment: 'Generated by tooling/scripts/extract-endpoint-facts.mjs from Tripletex\'s OpenAPI spec; do not edit by hand.',
  specVersion: spec.info?.version ?? 'unknown',
  paths,
};
writeFileSync(output, JSON.stringify(out) + '\n');
process.stdout.write(`${Object.keys(paths).length} paths, ${ranges} date ranges → ${output}\n`);
