import { addDays } from '../connection/oslo-date.js';
import type { Problem } from '../contract/validation.js';

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
  return problems;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export function isDateOnly(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE_ONLY.test(value)) return false;
  const parsed = new Date(value + 'T00:00:00Z');
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/** Query parameters that are the exclusive end of a Tripletex date range (dateTo, invoiceDateTo, …). */
export function isRangeEnd(name: string): boolean {
  return /To$/.test(name) && name.length > 2;
}

/**
 * Tripletex's …To dates are exclusive. With inclusive end dates on, a user's "last day"
 * becomes the day after, so that day's rows are not silently missing.
 */
export function shiftInclusiveEndDates(query: Record<string, unknown>, field = 'query'): { query: Record<string, unknown>; problems: Problem[]; shifted: string[] } {
  const out: Record<string, unknown> = { ...query };
  const problems: Problem[] = [];
  const shifted: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (!isRangeEnd(name)) continue;
    if (!isDateOnly(value)) {
      problems.push({ field: `${field}.${name}`, message: 'must be a date (YYYY-MM-DD) when end dates are inclusive' });
      continue;
    }
    out[name] = addDays(value, 1);
    shifted.push(name);
  }
  return { query: out, problems, shifted };
}

/** Pairs like invoiceDateFrom/invoiceDateTo whose values are equal: Tripletex refuses those (an empty range). */
export function emptyRanges(query: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (!isRangeEnd(name)) continue;
    const from = name.slice(0, -2) + 'From';
    if (from in query && query[from] === value && isDateOnly(value)) out.push(`${from}/${name}`);
  }
  return out;
}
