import { addDays } from '../contract/oslo-date.js';
import type { Problem } from '../contract/validation.js';
import { operationFacts, specVersion } from './endpoint-facts.js';

// A flow builds paths from data, so a path is treated as untrusted: it may only name an
// endpoint below the connection's /v2 base, never another host or a parent folder.

export function pathProblems(path: string, field = 'path'): Problem[] {
  const problems: Problem[] = [];
  const say = (message: string) => problems.push({ field, message });
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('//')) say('must be a Tripletex path such as /customer, not a URL: the connection decides the host');
  else if (!path.startsWith('/')) say('must start with / (for example /customer)');
  if (/[?#]/.test(path)) say('must not contain ? or #: put query parameters in Query');
  if (/\s/.test(path)) say('must not contain spaces or line breaks');
  if (path.includes('\\')) say('must not contain backslashes');
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    say('has a broken %-escape');
  }
  const segments = decoded.split('/').slice(1);
  if (segments.some((s) => s === '..' || s === '.')) say('must not contain . or .. segments');
  if (decoded.includes('//')) say('must not contain empty segments (//)');
  if (/^\/v2(\/|$)/i.test(decoded)) say('must leave out /v2: the connection adds it (write /customer, not /v2/customer)');
  if (/[\u0000-\u001f\u007f]/.test(decoded)) say('must not contain control characters');
  if (/%2f/i.test(path)) say('must not contain an encoded slash (%2F)');
  const twice = /%25[0-9a-f]{2}/i.exec(path);
  if (twice) say(`is percent-encoded twice: ${twice[0]} is ${decodeURIComponent(twice[0])} encoded again; write the character itself or encode it once`);
  return problems;
}

/**
 * The one spelling of a path that every check and every request uses: a trailing slash is
 * dropped, because Tripletex serves `/invoice/` as `/invoice`, while the spec's templates would
 * read the empty segment after it as an id (`/invoice/{id}`) and judge the wrong endpoint.
 */
export function normalisePath(path: string): string {
  return path.length > 1 && path.endsWith('/') && !path.endsWith('//') ? path.slice(0, -1) : path;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export function isDateOnly(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE_ONLY.test(value)) return false;
  const parsed = new Date(value + 'T00:00:00Z');
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/**
 * With inclusive end dates on, a user's "last day" must reach Tripletex as the day after, but
 * only for the parameters Tripletex documents as exclusive ("To and excluding"). Parameters it
 * documents as inclusive ("to and incl.") are sent as given, and numeric ranges (numberTo) are
 * not dates at all. Which is which comes from Tripletex's spec (endpoint-facts), never from a
 * parameter's name.
 */
export function shiftInclusiveEndDates(
  method: string,
  path: string,
  query: Record<string, unknown>,
  field = 'query',
): { query: Record<string, unknown>; problems: Problem[]; shifted: string[]; notes: string[] } {
  const out: Record<string, unknown> = { ...query };
  const problems: Problem[] = [];
  const shifted: string[] = [];
  const notes: string[] = [];
  const operation = operationFacts(method, path);
  if (!operation) {
    notes.push(`End dates are inclusive, but ${method} ${path} is not in Tripletex's spec as this pack knows it (${specVersion()}), so which of its dates end a range exclusively is unknown: nothing was shifted. Give the day after the last day you want instead.`);
    return { query: out, problems, shifted, notes };
  }
  for (const range of operation.facts.dateRanges ?? []) {
    if (!(range.to in query)) continue;
    const value = query[range.to];
    if (range.end === 'inclusive') {
      notes.push(`${range.to} was sent as given: Tripletex already includes that day ("to and including").`);
      continue;
    }
    if (!isDateOnly(value)) {
      problems.push({ field: `${field}.${range.to}`, message: 'must be a date (YYYY-MM-DD) when end dates are inclusive' });
      continue;
    }
    out[range.to] = addDays(value, 1);
    shifted.push(range.to);
  }
  return { query: out, problems, shifted, notes };
}

/** Exclusive ranges whose From and To are the same date: Tripletex refuses those (an empty range). */
export function emptyRanges(method: string, path: string, query: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const range of operationFacts(method, path)?.facts.dateRanges ?? []) {
    if (range.end !== 'exclusive' || range.from === undefined) continue;
    const to = query[range.to];
    if (isDateOnly(to) && query[range.from] === to) out.push(`${range.from}/${range.to}`);
  }
  return out;
}
