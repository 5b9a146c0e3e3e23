import { operationFacts } from './endpoint-facts.js';

// A date range is read in date order, so that a run stopped part-way can be continued from the
// date it reached rather than from a row number: a window that has grown past Tripletex's
// 10,000-row limit by then can be split again without handing any row on twice (the first half
// of a window that starts at that date still starts with the same rows). The order is asked
// for, never assumed: the range's row field (`rowField` in the endpoint facts, read from Tripletex's
// spec) then id, unless the flow gives its own sorting. A flow's sorting that starts with that
// field keeps the date order; any other sorting is honoured and resumes by row number only.

/** How a date range is read so that its rows come in date order. */
export interface DateOrder {
  /** The rows' field the range filters on ("date", "invoiceDate"). */
  field: string;
  /** What to send as `sorting`. */
  sorting: string;
  /** What to send as `fields`: the caller's selection, with the field added when it leaves it out. */
  fields?: string;
  /** The field was added to `fields` only to read the date: it is taken out of each row before the row is handed on. */
  strip: boolean;
}

/** The top-level items of a Tripletex fields selector: "id,voucher(id,date),*" → ["id", "voucher(id,date)", "*"]. */
function topLevelItems(selector: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth++;
    if (char === ')') depth = Math.max(0, depth - 1);
    if (char === ',' && depth === 0) {
      items.push(current.trim());
      current = '';
    } else current += char;
  }
  items.push(current.trim());
  return items.filter((item) => item !== '');
}

/** The field a sorting sorts by first, ascending: "date" for "date,id" and "+date"; "-date" stays as it is (descending). */
export function firstSortKey(sorting: string): string {
  return sorting.split(',')[0]!.trim().replace(/^\+/, '');
}

/** The date order for a GET of `path` whose range starts with `fromParam`, or undefined when the rows cannot be read in date order. */
export function dateOrderFor(path: string, fromParam: string, sorting: string | undefined, fields: string | undefined): DateOrder | undefined {
  const field = operationFacts('GET', path)?.facts.dateRanges?.find((range) => range.from === fromParam)?.rowField;
  if (field === undefined) return undefined;
  if (sorting !== undefined && sorting.trim() !== '' && firstSortKey(sorting) !== field) return undefined;
  const sendSorting = sorting !== undefined && sorting.trim() !== '' ? sorting : `${field},id`;
  if (fields === undefined || fields.trim() === '') return { field, sorting: sendSorting, strip: false };
  const items = topLevelItems(fields);
  const has = items.some((item) => item === '*' || item === field || item.startsWith(`${field}(`));
  return has ? { field, sorting: sendSorting, fields, strip: false } : { field, sorting: sendSorting, fields: `${fields},${field}`, strip: true };
}

/** The date part of a row's field value ("2025-04-10", also from "2025-04-10T12:00:00"), or undefined. */
export function rowDate(row: unknown, field: string): string | undefined {
  if (typeof row !== 'object' || row === null) return undefined;
  const value = (row as Record<string, unknown>)[field];
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})/.exec(value);
  return match ? match[1] : undefined;
}

/** The row without the field the action added to read its date. */
export function withoutField(row: unknown, field: string): unknown {
  if (typeof row !== 'object' || row === null || Array.isArray(row) || !(field in row)) return row;
  const { [field]: _dropped, ...rest } = row as Record<string, unknown>;
  return rest;
}
