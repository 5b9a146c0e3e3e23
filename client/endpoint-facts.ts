import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// What Tripletex's OpenAPI spec says about each endpoint, as far as the pack needs it: which
// paths exist, which query parameters an operation requires, and which of its date parameters
// end a range exclusively or inclusively (read from their descriptions, whatever their names),
// and which field of a list's rows such a range filters on.
// Extracted by tooling/scripts/extract-endpoint-facts.mjs into client/tripletex-endpoints.json.
// Tripletex adds endpoints between releases, so an operation missing here is unknown, never
// forbidden.

export type ParameterKind = 'date' | 'integer' | 'number' | 'boolean' | 'string';

export interface DateRange {
  /** The parameter that starts the range (dateFrom, fromDate, startDate, periodStart), when the operation has one. */
  from?: string;
  /** The parameter that ends it, whatever its name (dateTo, toDate, endDate, periodEnd, date). */
  to: string;
  /** As the parameter's description promises: "To and excluding" or "to and incl.". */
  end: 'exclusive' | 'inclusive';
  /** For an exclusive `xFrom`/`xTo` range of a list: the rows' field `x` it filters on, when the rows have it (date-order.ts). */
  rowField?: string;
}

export interface OperationFacts {
  required?: { name: string; kind: ParameterKind }[];
  dateRanges?: DateRange[];
}

interface EndpointFile {
  specVersion: string;
  paths: Record<string, Record<string, OperationFacts>>;
}

// Beside this module, in the sources and in dist/ alike (the build copies it there).
export const ENDPOINT_FACTS_FILE = fileURLToPath(new URL('./tripletex-endpoints.json', import.meta.url));

let loaded: { file: EndpointFile; templates: { path: string; segments: string[] }[] } | undefined;

function facts() {
  if (!loaded) {
    const file = JSON.parse(readFileSync(ENDPOINT_FACTS_FILE, 'utf8')) as EndpointFile;
    loaded = { file, templates: Object.keys(file.paths).map((path) => ({ path, segments: path.split('/').slice(1) })) };
  }
  return loaded;
}

/** The version of Tripletex's spec the facts were read from. */
export function specVersion(): string {
  return facts().file.specVersion;
}

/** Every path template Tripletex documents ("/customer", "/customer/{id}", …). */
export function knownPathTemplates(): string[] {
  return facts().templates.map((t) => t.path);
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The documented path a request path stands for: "/invoice/123" → "/invoice/{id}". Literal
 * segments beat parameters, so "/ledger/voucher/>nonPosted" is not read as a voucher id.
 */
export function templateFor(path: string): string | undefined {
  const segments = path.split('/').slice(1).map(decode);
  let best: { path: string; literals: number } | undefined;
  for (const template of facts().templates) {
    if (template.segments.length !== segments.length) continue;
    let literals = 0;
    let matches = true;
    for (let i = 0; i < segments.length; i++) {
      const expected = template.segments[i]!;
      if (expected.startsWith('{') && expected.endsWith('}')) {
        // An empty segment is no id (a path is normalised before it gets here; this is the guard).
        if (segments[i] === '') {
          matches = false;
          break;
        }
        continue;
      }
      if (expected !== segments[i]) {
        matches = false;
        break;
      }
      literals++;
    }
    if (matches && (!best || literals > best.literals)) best = { path: template.path, literals };
  }
  return best?.path;
}

/** The methods Tripletex documents for a path template ("GET", "POST", …). */
export function documentedMethods(template: string): string[] {
  return Object.keys(facts().file.paths[template] ?? {});
}

/** What the spec says about METHOD path, or undefined when Tripletex does not document it. */
export function operationFacts(method: string, path: string): { template: string; facts: OperationFacts } | undefined {
  const template = templateFor(path);
  if (!template) return undefined;
  const operation = facts().file.paths[template]?.[method.toUpperCase()];
  return operation ? { template, facts: operation } : undefined;
}
