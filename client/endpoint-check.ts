import { distance } from 'fastest-levenshtein';
import { hint, type Hint } from '../contract/hints.js';
import { addDays } from '../contract/oslo-date.js';
import type { Problem } from '../contract/validation.js';
import { documentedMethods, knownPathTemplates, operationFacts, specVersion, templateFor, type DateRange, type ParameterKind } from './endpoint-facts.js';

// Mistakes Tripletex would answer in Norwegian, caught before a request is sent: a path that
// is a near miss of a documented one (a plural, a typo, the wrong case) and a query without a
// parameter the operation requires. Both are judged by Tripletex's spec as the pack knows it
// (endpoint-facts). Tripletex adds endpoints between releases, so a path unlike every known one
// is sent, with a warning; and the spec the pack carries may be older than Tripletex, so the
// user can send a request as written anyway.

export interface EndpointRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  /** Query parameters the action adds itself (from, count, fields, sorting). */
  supplied: ReadonlySet<string>;
  /** Send a near miss, or a request without a required parameter, as written. */
  skipChecks: boolean;
  /** For the example: the user gives the last day wanted as the To date. */
  inclusiveEndDates: boolean;
  /** Today in Oslo (YYYY-MM-DD), for example dates. */
  today: string;
}

export interface EndpointVerdict {
  problems: Problem[];
  warnings: string[];
  hints: Hint[];
}

const SEND_ANYWAY = '{on:skipEndpointChecks}';

export function checkEndpoint(request: EndpointRequest): EndpointVerdict {
  const verdict: EndpointVerdict = { problems: [], warnings: [], hints: [] };
  const { method, path } = request;
  const version = specVersion();
  const known = templateFor(path);
  // "/invoice/detials" fits "/invoice/{id}"; a word where an id belongs may be a slip of a path.
  const words = known ? wordsForIds(known, path) : [];
  const nearest = !known || words.length > 0 ? nearMisses(path) : [];
  const template = nearest.length > 0 ? undefined : known;
  // "/customer/abc": the path of a documented endpoint with a word where it takes an id, and no
  // other endpoint it could be a slip of. Tripletex answers 400 (code 12000).
  if (template && words.length > 0) {
    const word = words.join(', ');
    if (request.skipChecks) {
      verdict.warnings.push(`${path} has ${word} where ${template} takes a numeric id; it was sent as written, as asked.`);
    } else {
      const anyway = hint(SEND_ANYWAY);
      verdict.hints.push(anyway);
      verdict.problems.push({ field: 'path', message: `has ${word} where ${template} takes a numeric id (a whole number), and Tripletex refuses anything else; to send it as written, ${anyway.text}` });
    }
    return verdict;
  }
  if (!template) {
    if (nearest.length === 0) {
      verdict.warnings.push(`${method} ${path} is not in Tripletex's API as this pack knows it (version ${version}); it was sent as written.`);
    } else if (request.skipChecks) {
      verdict.warnings.push(`${path} is not in Tripletex's API (version ${version}) but looks like ${orList(nearest)}; it was sent as written, as asked.`);
    } else {
      const anyway = hint(SEND_ANYWAY);
      verdict.hints.push(anyway);
      verdict.problems.push({ field: 'path', message: `is not an endpoint in Tripletex's API (version ${version}); did you mean ${orList(nearest)}? To send it as written, ${anyway.text}` });
    }
    return verdict;
  }
  const operation = operationFacts(method, path);
  if (!operation) {
    verdict.warnings.push(`Tripletex's API (version ${version}) documents ${documentedMethods(template).join(', ')} for ${template}, not ${method}; it was sent as written.`);
    return verdict;
  }
  const missing = (operation.facts.required ?? []).filter((p) => !request.supplied.has(p.name) && isBlank(request.query[p.name]));
  if (missing.length === 0) return verdict;
  const names = andList(missing.map((p) => p.name));
  if (request.skipChecks) {
    verdict.warnings.push(`${method} ${template} requires ${names} in the query (Tripletex's API, version ${version}); it was sent without, as asked.`);
    return verdict;
  }
  const example = missing.map((p) => `${p.name}=${exampleValue(p.name, p.kind, operation.facts.dateRanges ?? [], request)}`).join('&');
  const add = hint(`{query:${example}}`);
  const anyway = hint(SEND_ANYWAY);
  verdict.hints.push(add, anyway);
  verdict.problems.push({
    field: 'query',
    message: `${method} ${template} requires ${names}, and Tripletex refuses it without ${missing.length === 1 ? 'it' : 'them'}: ${add.text}. (If Tripletex no longer requires ${missing.length === 1 ? 'it' : 'them'}, ${anyway.text}.)`,
  });
  return verdict;
}

/** What a path has in the id segments of its template ({id}, {employeeId}) that is not a number, quoted. */
function wordsForIds(template: string, path: string): string[] {
  const expected = template.split('/');
  const given = path.split('/');
  return expected.flatMap((segment, i) => (/^\{(id|\w*Id|\w*ID)\}$/.test(segment) && !/^\d+$/.test(given[i] ?? '') ? [JSON.stringify(given[i] ?? '')] : []));
}

/** Missing, empty, or only spaces: Tripletex reads a value of spaces as none. */
function isBlank(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(isBlank);
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** A value that shows the form a parameter takes: this month for a date range, a placeholder for an id. */
function exampleValue(name: string, kind: ParameterKind, ranges: DateRange[], request: EndpointRequest): string {
  if (kind === 'date') {
    const firstOfMonth = request.today.slice(0, 8) + '01';
    const firstOfNext = addDays(firstOfMonth, 32).slice(0, 8) + '01';
    if (ranges.some((r) => r.from === name)) return firstOfMonth;
    const range = ranges.find((r) => r.to === name);
    if (range) return range.end === 'exclusive' && !request.inclusiveEndDates ? firstOfNext : addDays(firstOfNext, -1);
    return request.today;
  }
  if (kind === 'boolean') return 'true';
  if (name === 'year') return request.today.slice(0, 4);
  if (/Ids?$/.test(name)) return `<${name}>`;
  return '<value>';
}

/** Documented paths the given one is likely a slip of, best first, with the user's ids kept in. */
function nearMisses(path: string): string[] {
  const segments = path.split('/').slice(1);
  let best = Number.POSITIVE_INFINITY;
  let found: string[] = [];
  for (const template of knownPathTemplates()) {
    const expected = template.split('/').slice(1);
    if (expected.length !== segments.length) continue;
    let total = 0;
    const filled: string[] = [];
    for (let i = 0; i < expected.length && total < Number.POSITIVE_INFINITY; i++) {
      const want = expected[i]!;
      const given = segments[i]!;
      if (want.startsWith('{') && want.endsWith('}')) {
        filled.push(given);
        continue;
      }
      total += slip(given, want);
      filled.push(want);
    }
    if (total === 0 || total === Number.POSITIVE_INFINITY) continue;
    const suggestion = '/' + filled.join('/');
    if (total < best) {
      best = total;
      found = [suggestion];
    } else if (total === best && !found.includes(suggestion)) found.push(suggestion);
  }
  return found.slice(0, 3);
}

/** How far a path segment is from a documented one: 0 the same, small for a slip, infinite for another word. */
function slip(given: string, want: string): number {
  if (given === want) return 0;
  const a = given.toLowerCase();
  const b = want.toLowerCase();
  if (a === b) return 1;
  if (a === b + 's' || a === b + 'es' || b === a + 's') return 1;
  const edits = distance(a, b);
  return edits <= (b.length >= 6 ? 2 : 1) ? 1 + edits : Number.POSITIVE_INFINITY;
}

function andList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
