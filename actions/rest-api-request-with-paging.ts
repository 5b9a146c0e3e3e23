// REST API Request with paging: any Tripletex endpoint, every row once, one page at a time.
import type { ActionContext, LoadedOptions } from '../contract/host.js';
import { endpointPathOptions, queryParameterOptions, rowFieldOptions } from '../client/endpoint-catalog.js';
import { clientCompanyOptions } from '../connection/client-companies.js';
import { MAX_INPUT_DEPTH, tooDeep } from '../contract/input-depth.js';
import { assertValid, type Problem } from '../contract/validation.js';
import { resolveConnectionInput } from '../connection/connection-input.js';
import { companyLabel } from '../connection/resolved-connection.js';
import { untilSettledOrAborted } from '../contract/abortable.js';
import { CancelledError, FlowTripletexError, InputError, TripletexApiError, TripletexNetworkError } from '../contract/errors.js';
import type { FetchedPage, PageHooks, StopReason } from '../client/paginate.js';
import { emptyRanges, isDateOnly, normalisePath, pathProblems, shiftInclusiveEndDates } from '../client/request-path.js';
import { operationFacts } from '../client/endpoint-facts.js';
import { checkEndpoint } from '../client/endpoint-check.js';
import { hint, type Hint } from '../contract/hints.js';
import { osloDate } from '../contract/oslo-date.js';
import { MAX_SERVER_VALUE, untrustedText } from '../contract/server-text.js';
import { WindowPlan, type DateWindow } from '../client/date-windows.js';
import { pageWindows, type ResumePoint, type WindowedPage } from '../client/window-paging.js';
import { dateOrderFor, firstSortKey, withoutField, type DateOrder } from '../client/date-order.js';
import { largestPageSize, STARTING_PAGE_SIZE } from '../client/page-sizes.js';
import { newRequestStats } from '../client/request-stats.js';
import { HandedOnIds } from '../client/handed-on-ids.js';
import { safeLogger } from '../client/safe-logger.js';
import { TripletexClient, type ApiResponse } from '../connection/tripletex-client.js';
import { DEFAULT_MAX_RESPONSE_BYTES, type HttpMethod, type QueryValue } from '../client/transport.js';

export const id = 'rest-api-request-with-paging';

// Host contract: every module lets the host learn the secrets the pack keeps out of what it shows (docs/host-contract.md).
export { watchSecrets } from '../contract/secret.js';

export interface PagingInputs {
  connection: unknown;
  method?: HttpMethod;
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  companyId?: number | null;
  startIndex?: number;
  itemsPerPage?: number;
  maxPageCount?: number;
  fields?: string;
  sorting?: string;
  inclusiveEndDates?: boolean;
  skipEndpointChecks?: boolean;
  prefetchPages?: number;
  timeoutSeconds?: number;
  ifNoneMatch?: string;
  maxResponseMegabytes?: number;
  maxWaitSeconds?: number;
  resume?: ResumePoint;
}

/** What For each page receives (schemas/page.schema.json). */
export interface PortPage {
  index: number;
  from: number | null;
  count?: number;
  values: unknown[];
  value?: unknown;
  fullResultSize?: number | null;
  versionDigest?: string | null;
  status: number;
  requestId: string | null;
  window?: DateWindow;
  /** Where to continue after this page: store it with the page's rows (list pages only). */
  resume?: ResumePoint;
}

export interface PagingSummary {
  pages: number;
  items: number;
  requests: number;
  retries: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  rateLimited: number;
  durationMs: number;
  startIndex: number;
  nextIndex: number;
  stoppedEarly: boolean;
  stopReason: StopReason;
  status?: number;
  versionDigest?: string | null;
  /** Query parameters sent one day later than given, because End dates are inclusive was on. */
  shiftedEndDates?: string[];
  /** Set when the date range was paged in windows (Tripletex refused it whole as too large). */
  windows?: number;
  splits?: number;
  /** Set when rows may remain: the next run's resume input. */
  resume?: ResumePoint;
  /** Rows left out because a row with the same id had been handed on already in this run (the list shifted while it was paged). */
  repeatedRowsLeftOut?: number;
  /** Rows asked for per request, each size once, in the order first used (more than one when the action grew its pages, or the endpoint served fewer). */
  pageSizes?: number[];
  warnings: string[];
}

const MEGABYTE = 1024 * 1024;

const DEFAULTS = {
  method: 'GET' as HttpMethod,
  startIndex: 0,
  itemsPerPage: STARTING_PAGE_SIZE,
  maxPageCount: 9999,
  prefetchPages: 4,
  timeoutSeconds: 60,
  maxResponseMegabytes: DEFAULT_MAX_RESPONSE_BYTES / MEGABYTE,
  maxWaitSeconds: 300,
};

// What fetch-ahead may hold at once: every page in flight or waiting to be handed on can grow
// to the per-answer cap before it is abandoned, so the number of pages in flight is chosen to
// keep their sum within this, whatever a server sends. With the default cap that is 5 pages
// (the page For each page holds plus 4 ahead).
export const FETCH_AHEAD_BUDGET_BYTES = 5 * DEFAULT_MAX_RESPONSE_BYTES;

// Rows that fetch-ahead may hold when prefetchPages is left at its default: what the default
// holds at the default page size (4 pages of 1,000). A page fetched ahead is parsed while it
// waits, so pages of 5,000 rows, 4 ahead, would hold five times as much; at least one page is
// always fetched ahead, so a large page still overlaps its round trip with the page before.
const FETCH_AHEAD_ROWS = 4000;

/** Pages fetched ahead when prefetchPages is not given: the default, or fewer for large pages. */
export function defaultPagesAhead(itemsPerPage: number): number {
  return Math.max(1, Math.min(DEFAULTS.prefetchPages, Math.floor(FETCH_AHEAD_ROWS / itemsPerPage)));
}

/** Query parameters the action sets from its own inputs; in Query they would fight with them. */
const RESERVED_QUERY = new Map([
  ['fields', 'fields'],
  ['sorting', 'sorting'],
]);

/** Paging's own parameters: reserved only where the action pages (GET). A PUT may document a `count` of its own. */
const PAGING_QUERY = new Map([
  ['from', 'startIndex'],
  ['count', 'itemsPerPage'],
]);

function reservedQuery(method: HttpMethod): Map<string, string> {
  return method === 'GET' ? new Map([...PAGING_QUERY, ...RESERVED_QUERY]) : RESERVED_QUERY;
}

interface Prepared {
  inputs: PagingInputs & typeof DEFAULTS;
  query: Record<string, QueryValue>;
  warnings: string[];
  /** Query parameters sent one day later than given, because end dates are inclusive. */
  shiftedEndDates: string[];
  /** The exclusive date range the run may split into windows, if the query has one. */
  range?: { fromParam: string; toParam: string; window: DateWindow };
  /** Set when the range is read in date order, so that a stopped run resumes by the date it reached. */
  dateOrder?: DateOrder;
}

export function prepare(raw: unknown): Prepared {
  const normalised = typeof raw === 'object' && raw !== null && (raw as { companyId?: unknown }).companyId === '' ? dropKey(raw as Record<string, unknown>, 'companyId') : raw;
  const valid = assertValid<PagingInputs>('rest-api-request-with-paging.input.schema.json', normalised, 'REST API Request with paging: invalid input');
  const inputs = { ...DEFAULTS, ...valid };
  const problems: Problem[] = [...pathProblems(inputs.path)];
  // From here on, every check and the requests themselves see the one spelling of the path.
  inputs.path = normalisePath(inputs.path);
  const warnings: string[] = [];
  const hints: Hint[] = [];
  let query: Record<string, unknown> = { ...(inputs.query ?? {}) };
  const reserved = reservedQuery(inputs.method);
  for (const name of Object.keys(query)) {
    const instead = reserved.get(name);
    if (instead) problems.push({ field: `query.${name}`, message: `is set by the action; use the "${instead}" input instead` });
  }
  // A path or query Tripletex is known to refuse is refused here, in English, before sending.
  if (problems.length === 0) {
    const endpoint = checkEndpoint({
      method: inputs.method,
      path: inputs.path,
      query,
      supplied: new Set(reserved.keys()),
      skipChecks: inputs.skipEndpointChecks === true,
      inclusiveEndDates: inputs.inclusiveEndDates === true,
      today: osloDate(Date.now()),
    });
    problems.push(...endpoint.problems);
    warnings.push(...endpoint.warnings);
    hints.push(...endpoint.hints);
  }
  if (inputs.body !== undefined && inputs.method !== 'POST' && inputs.method !== 'PUT') {
    problems.push({ field: 'body', message: `is only sent with POST or PUT, not ${inputs.method}` });
  }
  // The query's schema allows only flat values; the body is free-form, so its depth is checked.
  const deep = tooDeep(inputs.body);
  if (deep) problems.push({ field: ['body', ...deep.slice(0, 3)].join('.') + (deep.length > 3 ? '…' : ''), message: `is nested more than ${MAX_INPUT_DEPTH} levels deep, the most a request accepts` });
  let shiftedEndDates: string[] = [];
  if (inputs.inclusiveEndDates) {
    const shifted = shiftInclusiveEndDates(inputs.method, inputs.path, query);
    problems.push(...shifted.problems);
    warnings.push(...shifted.notes);
    query = shifted.query;
    shiftedEndDates = shifted.shifted;
  }
  const range = inputs.method === 'GET' ? splittableRange(inputs.path, query) : undefined;
  const dateOrder = range ? dateOrderFor(inputs.path, range.fromParam, inputs.sorting, inputs.fields) : undefined;
  if (inputs.resume !== undefined) {
    if ((valid as { startIndex?: unknown }).startIndex !== undefined) problems.push({ field: 'resume', message: 'continues where an earlier run stopped; give it or startIndex, not both' });
    const window = inputs.resume.window;
    if (window && !range) problems.push({ field: 'resume.window', message: `is a date window, but this request has no exclusive date range to page in windows (${inputs.method} ${inputs.path} with the query given)` });
    if (window && range && !(window.from >= range.window.from && window.to <= range.window.to && window.from < window.to)) {
      problems.push({ field: 'resume.window', message: `must lie within the query's range ${range.fromParam} ${range.window.from} to ${range.toParam} ${range.window.to} (exclusive), with from before to` });
    }
    const date = inputs.resume.date;
    if (date !== undefined && !window) problems.push({ field: 'resume.date', message: 'is the date reached in a date window, and needs resume.window' });
    else if (date !== undefined && window && !(date >= window.from && date < window.to)) problems.push({ field: 'resume.date', message: `must lie within resume.window (${window.from} to ${window.to}, exclusive)` });
    else if (date !== undefined && range && !dateOrder) {
      // The index counts rows of that day in date order; read in another order it means nothing.
      problems.push({
        field: 'resume.date',
        message:
          inputs.sorting !== undefined
            ? `continues a run that read its rows in date order, but this run sorts by "${inputs.sorting}"; give the sorting the stopped run had`
            : `continues a run that read its rows in date order, which this request cannot (${inputs.method} ${inputs.path} has no known date field for ${range.fromParam})`,
      });
    }
  }
  if (problems.length > 0) throw new InputError(problems, 'REST API Request with paging: invalid input', hints);
  return { inputs, query: query as Record<string, QueryValue>, warnings, shiftedEndDates, ...(range ? { range } : {}), ...(dateOrder ? { dateOrder } : {}) };
}

/** The query's exclusive From/To date pair, as Tripletex's spec documents it for this endpoint: what a too-large result is split by. */
function splittableRange(path: string, query: Record<string, unknown>): Prepared['range'] {
  for (const range of operationFacts('GET', path)?.facts.dateRanges ?? []) {
    if (range.end !== 'exclusive' || range.from === undefined) continue;
    const from = query[range.from];
    const to = query[range.to];
    if (isDateOnly(from) && isDateOnly(to) && from < to) return { fromParam: range.from, toParam: range.to, window: { from, to } };
  }
  return undefined;
}

function dropKey(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = value;
  return rest;
}

// Tripletex's versionDigest is a checksum only when If-None-Match was sent; otherwise it is a
// sentence (recorded answers), and on endpoints without change detection it says so. Neither
// is a digest a flow could store and send back.
const NO_CHANGE_DETECTION = /checksum not (yet )?supported/i;

/** The digest, or null when Tripletex's versionDigest is a sentence rather than a checksum. */
function digestOf(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || /\s/.test(raw)) return null;
  // A server's string like any other: one that scrubbing or the length cap would change is no
  // digest to hand on (Tripletex's are short checksums).
  return untrustedText(raw, MAX_SERVER_VALUE) === raw ? raw : null;
}

/** A warning for a versionDigest that says the endpoint cannot tell whether its data changed. */
function digestNote(raw: unknown, where: string): string | undefined {
  if (typeof raw !== 'string' || !NO_CHANGE_DETECTION.test(raw)) return undefined;
  return `${where} has no change detection (Tripletex: "${untrustedText(raw.trim(), MAX_SERVER_VALUE)}"), so If-None-Match cannot save re-reading it; the summary holds no versionDigest.`;
}

function classify(response: ApiResponse): FetchedPage {
  const base = { status: response.status, requestId: response.requestId ?? null };
  if (response.status === 304) return { ...base, kind: 'not-modified', values: [] };
  const body = response.body;
  if (body === undefined || body === null) return { ...base, kind: 'empty', values: [] };
  if (typeof body === 'object' && !Array.isArray(body) && Array.isArray((body as { values?: unknown }).values)) {
    const list = body as { values: unknown[]; fullResultSize?: unknown; versionDigest?: unknown; from?: unknown };
    return {
      ...base,
      kind: 'list',
      values: list.values,
      fullResultSize: typeof list.fullResultSize === 'number' ? list.fullResultSize : null,
      versionDigest: digestOf(list.versionDigest),
      envelopeFrom: typeof list.from === 'number' ? list.from : null,
    };
  }
  const value = typeof body === 'object' && !Array.isArray(body) && 'value' in body ? (body as { value: unknown }).value : body;
  return { ...base, kind: 'single', values: value === undefined || value === null ? [] : [value], value };
}

function toPortPage(page: WindowedPage, index: number, rows: unknown[], dateOrder: DateOrder | undefined): PortPage {
  // A date field the action added to the selection only to know the rows' dates is not handed on.
  const values = dateOrder?.strip && page.from !== null ? rows.map((row) => withoutField(row, dateOrder.field)) : rows;
  const out: PortPage = { index, from: page.from, values, status: page.status, requestId: page.requestId ?? null };
  if (page.window) out.window = page.window;
  if (page.resume) out.resume = page.resume;
  if (page.from !== null) out.count = page.count;
  if (page.kind === 'single') out.value = page.value;
  if (page.fullResultSize !== undefined) out.fullResultSize = page.fullResultSize;
  if (page.versionDigest !== undefined) out.versionDigest = page.versionDigest;
  return out;
}

export async function run(raw: unknown, ctx: ActionContext): Promise<PagingSummary> {
  const started = Date.now();
  const log = safeLogger(ctx.log);
  const { inputs, query, warnings, shiftedEndDates, range, dateOrder } = prepare(raw);
  const connection = resolveConnectionInput(inputs.connection);
  const stats = newRequestStats();
  let pages = 0;
  let items = 0;
  const report = (extra: { rateLimitWaitMs?: number; message?: string } = {}) =>
    ctx.progress?.({
      pages,
      items,
      requests: stats.requests,
      retries: stats.retries,
      rateLimitWaits: stats.rateLimitWaits,
      ...(extra.rateLimitWaitMs !== undefined ? { rateLimitWaitMs: extra.rateLimitWaitMs } : {}),
      ...(extra.message ? { message: extra.message } : {}),
    });
  const maxResponseBytes = Math.round(inputs.maxResponseMegabytes * MEGABYTE);
  const client = new TripletexClient(connection, {
    log,
    stats,
    timeoutMs: inputs.timeoutSeconds * 1000,
    maxResponseBytes,
    maxWaitMs: inputs.maxWaitSeconds * 1000,
    onRateLimitWait: (ms) => {
      report({ rateLimitWaitMs: Math.round(ms), message: `Waiting ${(ms / 1000).toFixed(1)} s for Tripletex's rate limit` });
      rateLimited();
    },
  });
  let paging: ReturnType<typeof pageWindows> | undefined;
  // The rate limit sets the pace (a request waited for the window, found no budget to spare,
  // or went at a pace that will spend the window's budget before it ends): larger pages pay.
  // Not from inside the limiter's own call, and not before the requests it let go in the same
  // turn have been marked sent: growing asks again for those not sent.
  let growing = false;
  const rateLimited = () => {
    if (growing || paging === undefined) return;
    growing = true;
    setImmediate(() => {
      growing = false;
      paging?.grow();
    });
  };
  const companyId = inputs.companyId ?? null;
  const method = inputs.method;
  const where = `${method} ${inputs.path}`;
  log.info(`${where} on ${connection.name ? `"${connection.name}"` : 'a runtime connection'} (${connection.environment}, ${companyLabel(companyId ?? connection.defaultCompanyId)})`);
  for (const warning of warnings) log.warn(warning);

  const fetchPage = async (page: { index: number; from: number; count: number }, window: DateWindow | undefined, signal: AbortSignal, hooks?: PageHooks): Promise<FetchedPage> => {
    const paged = method === 'GET';
    const response = await client
      .request({
        method,
        path: inputs.path,
        query: {
          ...query,
          ...(window && range ? { [range.fromParam]: window.from, [range.toParam]: window.to } : {}),
          ...(paged ? { from: page.from, count: page.count } : {}),
          ...(paged && dateOrder?.fields !== undefined ? { fields: dateOrder.fields } : inputs.fields !== undefined ? { fields: inputs.fields } : {}),
          ...(paged && dateOrder ? { sorting: dateOrder.sorting } : inputs.sorting !== undefined ? { sorting: inputs.sorting } : {}),
        },
        body: inputs.body,
        headers: page.index === 0 && inputs.ifNoneMatch ? { 'if-none-match': inputs.ifNoneMatch } : undefined,
        companyId,
        signal,
        ...(hooks ? { speculation: { speculative: hooks.speculative, rateBound: hooks.rateBound }, onGranted: hooks.committed } : {}),
      })
      .catch((error: unknown) => {
        throw explain(error, method, inputs.path, query, paged ? page : undefined);
      });
    const fetched = classify(response);
    // That an endpoint has no change detection matters only to a run that asked for it.
    const digest = inputs.ifNoneMatch ? digestNote((response.body as { versionDigest?: unknown } | undefined)?.versionDigest, where) : undefined;
    for (const note of [...(response.warnings ?? []), digest]) {
      if (note === undefined || warnings.includes(note)) continue;
      warnings.push(note);
      log.warn(note);
    }
    // Only GET lists page; whatever a write returns is its one and only page.
    return paged || fetched.kind !== 'list' ? fetched : { ...fetched, kind: 'single', value: response.body, values: fetched.values };
  };

  // Every page in flight may grow to the answer cap: keep them together within the budget.
  const affordable = Math.max(0, Math.floor(FETCH_AHEAD_BUDGET_BYTES / maxResponseBytes) - 1);
  const given = (raw as { prefetchPages?: unknown }).prefetchPages !== undefined;
  const wanted = given ? inputs.prefetchPages : defaultPagesAhead(inputs.itemsPerPage);
  const prefetchPages = method === 'GET' ? Math.min(wanted, affordable) : 0;
  // Items per page left empty: the action grows its pages while the rate limit sets the pace.
  const automaticSize = method === 'GET' && (raw as { itemsPerPage?: unknown }).itemsPerPage === undefined;
  if (prefetchPages < wanted && method === 'GET') {
    const note = `Fetching ${prefetchPages} pages ahead instead of ${wanted}: with answers of up to ${inputs.maxResponseMegabytes} MB each, more would let fetch-ahead hold over ${FETCH_AHEAD_BUDGET_BYTES / MEGABYTE} MB.`;
    warnings.push(note);
    log.warn(note);
  }
  // A date range Tripletex refuses whole (more than 10,000 matches) is paged in windows.
  const plan = range ? new WindowPlan(range.window, inputs.resume?.window) : undefined;
  paging = pageWindows({
    plan,
    startIndex: inputs.startIndex,
    ...(inputs.resume ? { resume: inputs.resume } : {}),
    ...(dateOrder ? { dateField: dateOrder.field } : {}),
    itemsPerPage: inputs.itemsPerPage,
    ...(automaticSize ? { growTo: largestPageSize(inputs.path) } : {}),
    maxPageCount: method === 'GET' ? inputs.maxPageCount : 1,
    prefetchPages,
    // Left at its default, fetch-ahead follows the page size, so grown pages hold no more rows.
    ...(method === 'GET' && !given ? { prefetchFor: (size: number) => Math.min(defaultPagesAhead(size), affordable) } : {}),
    fetchPage,
    signal: ctx.signal,
    onWarning: (message) => log.warn(message),
    onSpeculationChanged: () => client.reconsiderWaiting(),
    onRateBound: rateLimited,
    smallerPageAfter: (error, page) => pageSizeLimit(error, page.count),
    isTooLarge: (error) => {
      if (!(error instanceof TripletexApiError && error.status === 422 && error.code === RESULT_SET_TOO_LARGE)) return false;
      const limit = namedLimit(error);
      return limit === undefined ? true : { limit };
    },
    dayTooLarge: (window, cause) => dayTooLarge(window, cause, range!),
    cannotSplit: (window, skipped, cause) => cannotSplit(window, skipped, cause, range!, inputs.sorting),
  });

  // Rows a shifting list would bring back (sorting -id while rows are created) are handed on once.
  const handedOn = new HandedOnIds();
  // A sorting that keeps date order (dateOrder) holds across windows; any other restarts at each.
  let sortingNote = range && inputs.sorting !== undefined && !dateOrder ? sortingAcrossWindows(inputs.sorting, range) : undefined;
  let firstWindow: DateWindow | undefined;
  try {
    for await (const page of paging.pages) {
      if (sortingNote && page.window) {
        firstWindow ??= page.window;
        if (page.window.from !== firstWindow.from) {
          // Said once, as the second window begins: from here on the order starts again.
          const note = sortingNote(page.window);
          sortingNote = undefined;
          warnings.push(note);
          log.warn(note);
        }
      }
      const before = handedOn.leftOut;
      const values = page.from === null ? page.values : handedOn.filter(page.values);
      if (before === 0 && handedOn.leftOut > 0) log.warn(`Page ${page.index} brought back rows already handed on in this run (by id): the list is shifting while it is paged. They are left out.`);
      // Every row of this page had been handed on: nothing to give the flow.
      if (values.length === 0 && page.values.length > 0) continue;
      // A host that never settles emit after cancelling must not keep the run pending.
      await untilSettledOrAborted(ctx.emit('forEachPage', toPortPage(page, pages, values, dateOrder)), ctx.signal);
      pages += 1;
      items += values.length;
      report();
    }
    // Cancelled while the last page was with the flow: the run did not finish, whatever came back.
    if (ctx.signal.aborted) throw new CancelledError();
  } catch (error) {
    // Cancelled while the host held a page: the run was cancelled, whatever the host threw.
    const failure = ctx.signal.aborted && !(error instanceof FlowTripletexError) ? new CancelledError() : error;
    // Where to pick up again, for a flow that continues after On Error, or a person after Ctrl-C.
    if (failure instanceof FlowTripletexError && method === 'GET') failure.resume = paging.position();
    throw failure;
  }
  const result = paging.result();
  const summary: PagingSummary = {
    pages,
    items,
    requests: stats.requests,
    retries: stats.retries,
    rateLimitWaits: stats.rateLimitWaits,
    rateLimitWaitMs: stats.rateLimitWaitMs,
    rateLimited: stats.rateLimited,
    durationMs: Date.now() - started,
    startIndex: inputs.startIndex,
    nextIndex: result.nextIndex,
    stoppedEarly: result.stoppedEarly,
    stopReason: result.stopReason,
    warnings: [...warnings, ...result.warnings],
  };
  if (result.pageSizes.length > 0) summary.pageSizes = result.pageSizes;
  if (handedOn.leftOut > 0) {
    summary.repeatedRowsLeftOut = handedOn.leftOut;
    const note = `${count(handedOn.leftOut, 'row')} came back that had been handed on already in this run (same id): the list shifted while it was paged, as it does when rows are created or removed during a run${inputs.sorting ? ` sorted by "${inputs.sorting}"` : ''}. They were left out, so every row was handed on once. Sort by id (ascending) so that new rows come last.`;
    summary.warnings.push(note);
    log.warn(note);
  }
  if (shiftedEndDates.length > 0) summary.shiftedEndDates = shiftedEndDates;
  if (plan) {
    summary.windows = result.windows;
    summary.splits = result.splits;
  }
  if (result.resume) summary.resume = result.resume;
  // From the last answer examined, emitted or not: a 304 or an empty list emits no page but
  // its status and digest are what the next run needs.
  if (result.lastStatus !== undefined) summary.status = result.lastStatus;
  if (result.versionDigest !== undefined) summary.versionDigest = result.versionDigest;
  // A host shows the summary itself (its Continue value); this line is for a debugging reader.
  log.debug(`${where}: ${count(items, 'row')} in ${count(pages, 'page')}, ${count(stats.requests, 'request')}, stopped: ${summary.stopReason}`);
  return summary;
}

/**
 * A warning for a sorting that cannot hold across date windows, or undefined when it can (the
 * range's own date, ascending, first). Windows follow each other in date order, so any other
 * order restarts at each window's start.
 */
function sortingAcrossWindows(sorting: string, range: NonNullable<Prepared['range']>): ((window: DateWindow) => string) | undefined {
  const first = firstSortKey(sorting);
  const dateField = range.fromParam.endsWith('From') ? range.fromParam.slice(0, -'From'.length) : undefined;
  if (dateField !== undefined && first === dateField) return undefined;
  return (window) =>
    `Rows are in "${sorting}" order only within each date window: Tripletex refused ${range.fromParam} ${range.window.from} to ${range.toParam} ${range.window.to} whole, so it was paged in windows, one after another by date, and the order starts again at each window (the second starts at ${window.from}). Sort by ${dateField ? `"${dateField}"` : 'the range\'s date'} for one order across the run, or sort the rows after the run.`;
}

/** Tripletex's code for a query that matches more rows than it will serve (10,000). */
const RESULT_SET_TOO_LARGE = 23000;

/**
 * The limit a 23000 names ("Result set too large. Limit of 1.000 reached.", with Norwegian
 * thousands separators), when it is below the page size asked for: then the page size was
 * refused, not the rows the query matches, and a smaller page is the cure, not a narrower query.
 */
function pageSizeLimit(error: unknown, count: number): number | undefined {
  if (!(error instanceof TripletexApiError) || error.status !== 422 || error.code !== RESULT_SET_TOO_LARGE) return undefined;
  const limit = namedLimit(error);
  return limit !== undefined && limit < count ? limit : undefined;
}

/** The limit a 23000 names ("Limit of 10.000 reached."), if it names one. */
function namedLimit(error: TripletexApiError): number | undefined {
  const named = /limit of\s*(\d{1,3}(?:[.,\s]\d{3})*|\d+)/i.exec(`${error.tripletexMessage ?? ''} ${error.developerMessage ?? ''}`);
  const limit = named ? Number(named[1]!.replace(/\D/g, '')) : undefined;
  return limit !== undefined && Number.isSafeInteger(limit) && limit >= 1 ? limit : undefined;
}

/** Said wherever a 23000 is blamed on the rows matched: the one other cause Tripletex has for it. */
const OR_THE_PAGE_SIZE = 'If the query cannot match that many rows, the page size is the cause instead: give a smaller itemsPerPage.';

function dayTooLarge(window: DateWindow, cause: unknown, range: NonNullable<Prepared['range']>): Error {
  const summary = `Tripletex refuses even a single day as too large: ${range.fromParam} ${window.from} to ${range.toParam} ${window.to} matches more rows than it serves for one query (422, code ${RESULT_SET_TOO_LARGE}). Splitting by date cannot go further; narrow the query with another filter (an account, a voucher type, a customer …). ${OR_THE_PAGE_SIZE}`;
  return cause instanceof TripletexApiError ? new TripletexApiError(cause.details, summary, cause.hints) : new Error(summary);
}

/**
 * A window that must be split after rows were skipped in it by number: in a half those numbers
 * point at other rows, so the run stops before handing any on (nothing is lost: no row of the
 * refused window was handed on).
 */
function cannotSplit(window: DateWindow, skipped: { index: number; by: 'startIndex' | 'resume' }, cause: unknown, range: NonNullable<Prepared['range']>, sorting: string | undefined): Error {
  const where = `${range.fromParam} ${window.from} to ${range.toParam} ${window.to}`;
  const summary =
    skipped.by === 'startIndex'
      ? `Tripletex refuses ${where} as too large (422, code ${RESULT_SET_TOO_LARGE}), so the range is paged in date windows, where startIndex ${skipped.index} (a row number in the whole range) points at no particular row. Nothing was handed on. To continue a run that stopped, give its resume point (the summary's or the error's "resume") instead of startIndex; otherwise start at 0.`
      : `Tripletex now refuses ${where} as too large (422, code ${RESULT_SET_TOO_LARGE}): the window has grown since the run stopped in it. The ${skipped.index.toLocaleString('en-US')} rows already handed on from it were counted in ${sorting !== undefined ? `the order of "${sorting}"` : 'an order that is not by date'}, not by date, so the window cannot be split without handing some of them on again. Nothing more was handed on. Read the range from this window on again in a new run (resume with index 0 in this window), and drop the rows of it that were already handed on.`;
  return cause instanceof TripletexApiError ? new TripletexApiError(cause.details, summary, cause.hints) : new Error(summary);
}

/** Adds what a person needs: which page an oversized answer was, the hint for an empty date range. */
function explain(error: unknown, method: string, path: string, query: Record<string, unknown>, page?: { index: number; from: number }): unknown {
  if (error instanceof TripletexNetworkError && error.failure === 'too-large' && page) {
    return new TripletexNetworkError({ ...error.details, detail: `${error.detail ?? ''}; it was page ${page.index + 1} of this run, rows from ${page.from}` }, error.hints);
  }
  if (!(error instanceof TripletexApiError) || error.status !== 422) return error;
  if (error.code === RESULT_SET_TOO_LARGE && method === 'GET' && !splittableRange(path, query)) {
    const ranges = (operationFacts(method, path)?.facts.dateRanges ?? []).filter((r) => r.end === 'exclusive' && r.from !== undefined);
    const how = ranges.length > 0 ? `give a date range (${ranges.map((r) => `${r.from}/${r.to}`).join(' or ')}) and the action pages it in windows small enough` : 'narrow the query with a filter';
    return new TripletexApiError(error.details, `${error.message}. Tripletex refuses a query that matches more than 10,000 rows, whatever the page size: ${how}. ${OR_THE_PAGE_SIZE}`, error.hints);
  }
  const empty = emptyRanges(method, path, query);
  if (empty.length === 0) return error;
  const inclusive = hint('{on:inclusiveEndDates}');
  return new TripletexApiError(
    error.details,
    `${error.message}. Note: Tripletex's end date is exclusive here, so ${empty.join(', ')} with the same date is an empty range; for a single day set the To date to the next day, or ${inclusive.text}`,
    [...error.hints, inclusive],
  );
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * Choices a designer offers while the step is filled in (`x-load-options` in the input schema):
 * Tripletex's documented paths for the Method, the chosen path's query parameters, the fields of
 * its rows, and the client companies of an accountant's workspace connection.
 */
export const loadOptions = {
  endpointPaths: async (inputs: unknown) => endpointPathOptions(inputs),
  queryParameters: async (inputs: unknown) => queryParameterOptions(inputs),
  rowFields: async (inputs: unknown) => rowFieldOptions(inputs),
  clientCompanies: async (inputs: unknown, ctx: ActionContext): Promise<LoadedOptions> => {
    const connection = typeof inputs === 'object' && inputs !== null ? (inputs as { connection?: unknown }).connection : undefined;
    if (typeof connection !== 'object' || connection === null) return { options: [], message: 'Choose a Connection to see the companies it can reach.' };
    if ('ref' in connection) return { options: [], message: 'The connection is made while the flow runs; test it on its Create Tripletex Connection step to see its client companies.' };
    return clientCompanyOptions(connection, ctx);
  },
};
