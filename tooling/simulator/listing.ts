import { createHash } from 'node:crypto';
import type { Collection, Row, Selection, SortKey } from './collection.js';
import { CODES, errorResponse, validationError, type SimResponse } from './envelope.js';
import { ALL_FIELDS, checkFields, FieldsError, parseFields, project, type FieldSpec } from './fields.js';
import { modelProperties, type PropertyInfo } from './model.js';
import { dayNumber, parseIsoDate } from './oslo-clock.js';
import { Refusal, type HandlerContext } from './routes/context.js';
import type { ListBehaviour } from './types.js';

// The query parameters every Tripletex list shares (from, count, sorting, fields), the list
// envelope, the inexact fullResultSize, versionDigest/If-None-Match, the result-set limit, and
// the paging quirks (cap, ignored from, whole set) some endpoints show.

export const DEFAULT_COUNT = 1000;

export function fieldsParam(ctx: HandlerContext, model: string): FieldSpec {
  const text = ctx.query.get('fields');
  if (text === null || text.trim() === '') return ALL_FIELDS;
  try {
    const spec = parseFields(text);
    checkFields(spec, model);
    return spec;
  } catch (error) {
    if (error instanceof FieldsError) throw new Refusal(errorResponse(400, { code: CODES.illegalFilter, message: error.message, developerMessage: error.message }));
    throw error;
  }
}

function wholeNumberParam(ctx: HandlerContext, name: string, fallback: number): number {
  const text = ctx.query.get(name);
  if (text === null || text === '') return fallback;
  if (!/^-?\d+$/.test(text.trim())) {
    throw new Refusal(validationError(CODES.param, [{ field: name, message: 'Verdien må være et heltall.' }], `Query parameter ${name} must be an integer.`));
  }
  const value = Number(text.trim());
  if (value < 0) throw new Refusal(validationError(CODES.valueValidation, [{ field: name, message: 'Verdien kan ikke være negativ.' }], `Query parameter ${name} must be ≥ 0.`));
  return value;
}

export function pagingParams(ctx: HandlerContext): { from: number; count: number } {
  const from = wholeNumberParam(ctx, 'from', 0);
  const count = wholeNumberParam(ctx, 'count', DEFAULT_COUNT);
  // An endpoint may have a limit of its own (a list's maxCount), else the instance's.
  const max = effectiveBehaviour(ctx).maxCount ?? ctx.instance.maxCount;
  if (count > max) throw resultSetTooLarge(max, `count may be at most ${max}; page with from and count.`);
  return { from, count };
}

/** `sorting=name,-customerNumber`: top-level fields, or one nested level such as customer.name. */
export function sortingParam(ctx: HandlerContext, model: string): SortKey[] {
  const text = ctx.query.get('sorting');
  if (text === null || text.trim() === '') return [];
  const keys: SortKey[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (!item) continue;
    const descending = item.startsWith('-');
    const path = item.replace(/^[-+]/, '').split('.');
    let current: string | undefined = model;
    for (const part of path) {
      const props: Map<string, PropertyInfo> | undefined = current ? modelProperties(current) : undefined;
      const info: PropertyInfo | undefined = props?.get(part);
      if (props && (!info || info.array)) {
        throw new Refusal(
          errorResponse(422, {
            code: CODES.sorting,
            message: `Ugyldig sortering: ${item}.`,
            developerMessage: `Cannot sort on ${item}: ${part} is not a sortable field of ${current}.`,
            // Recorded: a 17000 carries an empty list rather than naming the field.
            validationMessages: [],
          }),
        );
      }
      current = info?.ref;
    }
    keys.push({ path, descending });
  }
  return keys;
}

/**
 * A required (or optional) From/To date pair. `To` is exclusive, so `from == to` is an empty
 * range, which Tripletex refuses rather than answering with nothing.
 */
export function dateRangeParams(ctx: HandlerContext, fromName: string, toName: string, required: boolean): { fromDay?: number; toDay?: number } {
  const missing = [fromName, toName].filter((name) => !ctx.query.get(name));
  if (required && missing.length > 0) {
    // Recorded: 15000 "Validation failed", one "Kan ikke være null." per missing parameter.
    throw new Refusal(
      validationError(
        CODES.valueValidation,
        missing.map((field) => ({ field, message: 'Kan ikke være null.' })),
        `Required query parameter${missing.length > 1 ? 's' : ''} missing: ${missing.join(', ')}.`,
      ),
    );
  }
  const read = (name: string): number | undefined => {
    const text = ctx.query.get(name);
    if (!text) return undefined;
    if (!parseIsoDate(text)) throw new Refusal(validationError(CODES.valueValidation, [{ field: name, message: 'Ugyldig dato, bruk formatet ÅÅÅÅ-MM-DD.' }], `${name} must be a date (YYYY-MM-DD).`));
    return dayNumber(text);
  };
  const fromDay = read(fromName);
  const toDay = read(toName);
  if (fromDay !== undefined && toDay !== undefined && fromDay >= toDay) {
    throw new Refusal(
      validationError(
        CODES.valueValidation,
        [{ field: toName, message: 'Til-dato (ikke inkludert) må være etter fra-dato.' }],
        `${toName} is exclusive and must be after ${fromName}.`,
      ),
    );
  }
  return { ...(fromDay !== undefined ? { fromDay } : {}), ...(toDay !== undefined ? { toDay } : {}) };
}

/** What versionDigest says instead of a checksum (recorded answers, March 2026). */
export const DIGEST_NOT_ASKED = "'If-None-Match' header not specified";
export const DIGEST_NOT_SUPPORTED = 'Checksum not yet supported for this endpoint';

function ifNoneMatch(ctx: HandlerContext): string | undefined {
  const header = ctx.headers['if-none-match'];
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  return value.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/** Stands for the full result: same data revision, same search, same fields → same digest. */
function versionDigest(ctx: HandlerContext, collection: Collection, companyId: number): string {
  const query = [...ctx.query.entries()].filter(([key]) => key !== 'from' && key !== 'count').sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256')
    .update(JSON.stringify([ctx.instance.environment, ctx.instance.seed, companyId, ctx.path, collection.name, collection.revision, query]))
    .digest('hex')
    .slice(0, 32);
}

export interface ListOptions {
  collection: Collection;
  selection: Selection;
  companyId: number;
  fields: FieldSpec;
  /**
   * false for endpoints without change detection: their versionDigest always says so, and
   * If-None-Match never answers 304.
   */
  changeDetection?: boolean;
  extra?: Record<string, unknown>;
}

/** The list's own quirks with a test's setting for its path merged over them. */
export function effectiveBehaviour(ctx: HandlerContext): ListBehaviour {
  return { ...ctx.route.list, ...ctx.instance.listBehaviour(ctx.route.pattern) };
}

/** "10.000": Tripletex writes the limit with Norwegian thousands separators. */
function norwegianThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}

export function resultSetTooLarge(limit: number, developerMessage: string): Refusal {
  const message = `Result set too large. Limit of ${norwegianThousands(limit)} reached.`;
  return new Refusal(errorResponse(422, { code: CODES.resultSetTooLarge, message, developerMessage }));
}

/**
 * On date-ranged lists Tripletex refuses a query that matches more rows than its limit,
 * whatever page size is asked for (its FAQ; recorded): the client must narrow the range.
 */
export function checkResultSetLimit(ctx: HandlerContext, matches: number): void {
  const limit = ctx.instance.resultSetLimit();
  if (matches > limit) throw resultSetTooLarge(limit, `The query matches ${matches} rows, more than ${limit}; narrow the date range.`);
}

export function listResponse(ctx: HandlerContext, options: ListOptions): SimResponse {
  const { selection, fields } = options;
  const behaviour = effectiveBehaviour(ctx);
  const total = selection.total;
  let from: number;
  let count: number;
  if (behaviour.wholeSet) {
    from = 0;
    count = total;
  } else {
    ({ from, count } = pagingParams(ctx));
    if (behaviour.ignoreFrom) from = 0;
  }
  let digest: string;
  if (options.changeDetection === false) digest = DIGEST_NOT_SUPPORTED;
  else {
    const sent = ifNoneMatch(ctx);
    if (sent === undefined) digest = DIGEST_NOT_ASKED;
    else {
      digest = versionDigest(ctx, options.collection, options.companyId);
      if (sent === digest) return { status: 304 };
    }
  }
  const pageSize = behaviour.cap === undefined ? count : Math.min(count, behaviour.cap);
  const end = Math.max(from, Math.min(total, from + pageSize));
  const selectionKey = ctx.query.get('fields') ?? '';
  const render = (row: Row) => JSON.stringify(project(row, fields));
  const values: string[] = [];
  for (let p = from; p < end; p++) values.push(options.collection.rowJson(selection.indexAt(p), selectionKey, render));
  // Tripletex's fullResultSize is deprecated and inexact: with more rows beyond what was asked
  // for it says one more than the request reaches, not the total; some endpoints say 0.
  const mode = behaviour.fullResultSize ?? (ctx.instance.inexactFullResultSize() ? 'inexact' : 'exact');
  const fullResultSize = mode === 'zero' ? 0 : mode === 'inexact' && from + count < total ? from + count + 1 : total;
  // `count` reports the rows in this page, as Tripletex's does, not the count asked for. The
  // rows are already JSON (see Collection.rowJson), so the envelope is written around them.
  const envelope = JSON.stringify({ fullResultSize, from, count: values.length, versionDigest: digest, ...options.extra });
  return { status: 200, rawBody: `${envelope.slice(0, -1)},"values":[${values.join(',')}]}` };
}
