import { untilSettledOrAborted } from '../contract/abortable.js';
import { CancelledError } from '../contract/errors.js';

// Tripletex pages with from/count. The only trustworthy end marker is a page shorter than
// `count`: fullResultSize is deprecated and inexact (from + count + 1 while more rows exist),
// so paging on it loses rows. Some endpoints ignore from/count and return their whole set every
// time, so a page that repeats the previous one also ends the run, or the loop would never stop.
//
// Fetch-ahead: `from` of page k is startIndex + k * itemsPerPage, known in advance, so later
// pages can be requested while earlier ones are still coming back. The price is requests for
// pages past the end, which are aborted and never yielded once the end is seen. fullResultSize
// is used as a hint there and only there: when it names a total, no page is fetched ahead that
// starts beyond it (the page that starts at it is, as the proof of the end).
//
// Some endpoints serve fewer rows a page than `count` asks for (Tripletex has one capped at 50).
// A short page whose own fullResultSize says more rows exist is therefore not taken for the end:
// one request from the next row tells, and if it brings rows, paging goes on at the size the
// endpoint really serves. The same goes for a short first page whose fullResultSize proves
// nothing (0, none, fewer rows than the page holds: all recorded on real endpoints): a capped
// endpoint can say 0 as well. Later short pages end the run as always; by then the size the
// endpoint serves is known.
//
// Some endpoints refuse a `count` above a limit of their own (422, code 23000, "Limit of
// 1.000"): `smallerPageAfter` tells such a refusal from others, and the page is asked for again
// at the size the endpoint takes, as are the pages after it.
//
// Growing pages (`growTo`): a caller that chose no page size may call grow() once the rate
// limit sets the pace (a request had to wait for a window): rows per second are then requests
// per second times rows per request, so the largest page pays most. The size goes to `growTo`,
// or to what the endpoint has shown it serves (a refused size, a cap) if that is less. Pages
// already sent keep their size; pages fetched ahead but still waiting for the rate limiter are
// asked for again from the same row at the new size, so every row stays in exactly one page
// and the pages stay in order.
//
// Speculation: a page is proven necessary when the page before it came back full (more rows
// may follow), or when it starts before an exact total fullResultSize names. Pages fetched
// ahead beyond that are speculative; the caller is told which (PageHooks.speculative, read
// when its rate limiter decides), so that it can hold them back when the rate-limit window has
// no budget the proven work does not need. `onSpeculationChanged` says when pages became proven.

export interface PageFetch {
  index: number;
  from: number;
  /** Rows asked for: itemsPerPage, what a capped endpoint was found to serve, or a grown size. */
  count: number;
}

/** What paginate tells the caller's HTTP about a page while it waits to be sent. */
export interface PageHooks {
  /**
   * True while no answer proves the page necessary (it was fetched ahead on speculation).
   * Read when a rate limiter decides whether to send it; it turns false as answers come.
   */
  speculative(): boolean;
  /** Call once the request is granted (it will be sent): from then on it is never re-planned at another size. */
  committed(): void;
  /** Call when the rate limit sets the pace (see RateLimiter's Speculation.rateBound). */
  rateBound(): void;
}

/** A page whose request was started outside paginate (the next date window's first page, fetched early). */
export interface StartedPage {
  from: number;
  count: number;
  controller: AbortController;
  settled: Promise<SettledPage>;
  /** Whether the request was granted (see PageHooks.committed). */
  isCommitted(): boolean;
}

type SettledPage = { ok: true; page: FetchedPage } | { ok: false; error: unknown };

/** Starts a request and settles it into a value, so that a page dropped before it fails is never an unhandled rejection. */
export function startPage(fetchPage: PaginateOptions['fetchPage'], page: PageFetch, speculative: () => boolean, rateBound: () => void = () => undefined): StartedPage {
  const controller = new AbortController();
  let committed = false;
  const hooks: PageHooks = { speculative, committed: () => void (committed = true), rateBound };
  let promise: Promise<FetchedPage>;
  try {
    promise = Promise.resolve(fetchPage(page, controller.signal, hooks));
  } catch (error) {
    promise = Promise.reject(error);
  }
  const settled = promise.then(
    (fetched): SettledPage => ({ ok: true, page: fetched }),
    (error: unknown): SettledPage => ({ ok: false, error }),
  );
  return { from: page.from, count: page.count, controller, settled, isCommitted: () => committed };
}

export interface FetchedPage {
  kind: 'list' | 'single' | 'empty' | 'not-modified';
  /** List rows; for 'single' [value]; for 'empty' []. */
  values: unknown[];
  /** For 'single'. */
  value?: unknown;
  fullResultSize?: number | null;
  versionDigest?: string | null;
  /** The `from` the list's envelope says it answered; differs from the `from` sent when an endpoint ignores it. */
  envelopeFrom?: number | null;
  status: number;
  requestId?: string | null;
}

export interface Page extends FetchedPage {
  index: number;
  /** Row index of values[0]; null for an answer that is not a list. */
  from: number | null;
  count: number;
}

export type StopReason = 'end-of-results' | 'max-page-count' | 'repeated-page' | 'single-response' | 'not-modified';

export interface PaginateOptions {
  startIndex: number;
  itemsPerPage: number;
  maxPageCount: number;
  prefetchPages: number;
  /** Pages fetched ahead at a page size, when it is to follow the size (a grown page holds more rows); else prefetchPages. */
  prefetchFor?(itemsPerPage: number): number;
  /** The caller's HTTP (already retries and rate-limits); must honour the signal. */
  fetchPage(page: PageFetch, signal: AbortSignal, hooks?: PageHooks): Promise<FetchedPage>;
  /** The first page, already asked for (from startIndex); used instead of asking again. */
  firstPage?: StartedPage;
  /**
   * The row where the list is expected to end, when the caller can tell (a date window's rows
   * per day): pages fetched ahead start no later, as with a total fullResultSize names, so a
   * good guess costs no request past the end and a low one a round trip per page beyond it.
   */
  expectedEnd?(): number | undefined;
  /** Set when the page size is the caller's to choose: grow() raises it to this, or to what the endpoint serves if less (see the top). */
  growTo?: number;
  /** Some pages stopped being speculative (see PageHooks). */
  onSpeculationChanged?(): void;
  /** The rate limit sets the pace: a page was held back for want of budget, or sent at a pace that will spend the window's (PageHooks.rateBound). */
  onRateBound?(): void;
  signal?: AbortSignal;
  onWarning?(message: string): void;
  /**
   * For a page that failed: the smaller count the endpoint would take instead (it refused the
   * page size, not the query), or undefined. Must be below `page.count` to be used.
   */
  smallerPageAfter?(error: unknown, page: PageFetch): number | undefined;
}

export interface PaginateResult {
  stopReason: StopReason;
  /** The page size the endpoint took, when it refused the one asked for (see smallerPageAfter). */
  refusedPageSize?: { asked: number; served: number };
  /** Rows asked for per request, each size once, in the order first used by a list page examined. */
  pageSizes: number[];
  /** The size a next page would be asked for at: grown, or what the endpoint showed it serves. */
  pageSize: number;
  /** The most rows a page the endpoint has shown it serves (a refused size, a cap), when it showed it. */
  largestServed?: number;
  /** True when rows may remain that were not emitted (see nextIndex). */
  stoppedEarly: boolean;
  /** `from` of the first row not emitted: the startIndex that continues this run. */
  nextIndex: number;
  /** Answers examined in page order (emitted pages plus the one that ended the run, if not emitted). */
  pagesFetched: number;
  /** Requests whose answers were never used: pages fetched ahead past the end, or in flight when the run was stopped. */
  pagesDropped: number;
  warnings: string[];
  /** True when the consumer stopped iterating (or an error ended it) before the end was seen. */
  interrupted: boolean;
  /** HTTP status of the last answer examined in order, even one that emitted no page (an empty list, a 304). */
  lastStatus?: number;
  /** versionDigest of the last examined answer that had one (not emitted when that answer was an empty list). */
  versionDigest?: string | null;
}

interface Slot extends StartedPage {
  /** Aborted because its page was asked for again at another size (see grow()). */
  replaced?: boolean;
}

/**
 * Where fullResultSize says a list ends, when it says so: a total no smaller than the rows seen,
 * other than Tripletex's inexact from + count + 1 on a full page (which says only that more rows
 * exist, not how many) unless the page before named the same total. Undefined when it names no
 * usable end.
 */
function hintFrom(claimed: number | undefined, from: number, rows: number, count: number, full: boolean, before: number | undefined): number | undefined {
  if (claimed === undefined || claimed < from + rows || claimed <= 0) return undefined;
  if (full && claimed === from + count + 1 && claimed !== before) return undefined;
  return claimed;
}

function assertCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`paginate: ${name} must be an integer >= ${min}, got ${value}`);
}

/**
 * The identity of a page's rows: their ids in order, when every row has one. Two full pages
 * with the same ids are the same rows, sent twice. Rows without ids (a `fields` selection that
 * leaves `id` out) have no identity: equal content proves nothing then (two pages of
 * `isInactive: false` are still different customers), so such pages are never called repeats.
 */
function identityOf(values: unknown[]): string | undefined {
  const ids: (string | number)[] = [];
  for (const row of values) {
    const id = typeof row === 'object' && row !== null ? (row as { id?: unknown }).id : undefined;
    if (typeof id !== 'number' && typeof id !== 'string') return undefined;
    ids.push(id);
  }
  return ids.length > 0 ? ids.join(',') : undefined;
}

/** Calls a caller's hook (a warning to log, a pacing hint); what it throws must not change how paging ends. */
export function quietly(hook: (() => void) | undefined): void {
  try {
    hook?.();
  } catch {
    // Ignored: see above.
  }
}

/**
 * Pages through from/count as an async iterator. Pages are yielded strictly in order. The
 * first request goes alone (the endpoint may not be a list, or may not page); after a full
 * first page, up to `prefetchPages` further pages are kept in flight. While the consumer holds
 * a page no request beyond that window starts, so at most prefetchPages + 1 pages are held.
 *
 * Decisions worth knowing:
 * - 'single' emits one page (from null); 'empty' (no body) emits one page with no rows, so a
 *   204 still reaches For each page with its status like any other one-shot answer;
 *   'not-modified' emits nothing. All three end the run after the first request.
 * - An empty list page is never emitted: zero rows, zero pages.
 * - An endpoint that ignores `from` is recognised by evidence only: the list's own `from`
 *   differs from the one sent, or a full page repeats the previous one row for row by id.
 *   Such a page is dropped and ends the run. stoppedEarly is false only when the repeated
 *   page held more rows than `count` (the endpoint ignores count too, so that was its whole
 *   set); a repeat of exactly `count` rows may be an endpoint that honours count but not from,
 *   with rows beyond it never reachable. Pages whose rows carry no id are never judged equal.
 * - `result()` is valid once iteration has ended (normally, by break, or by an error).
 */
export function paginate(options: PaginateOptions): { pages: AsyncIterable<Page>; result(): PaginateResult; grow(): boolean; pageSize(): number } {
  const { startIndex, itemsPerPage, signal } = options;
  assertCount('startIndex', startIndex, 0);
  assertCount('itemsPerPage', itemsPerPage, 1);
  assertCount('maxPageCount', options.maxPageCount, 1);
  assertCount('prefetchPages', options.prefetchPages, 0);
  if (options.growTo !== undefined) assertCount('growTo', options.growTo, 1);
  const growTo = options.growTo;

  // Row indexes stay exact: never page past the largest safe integer (only a startIndex
  // near it could get there), whatever size the pages grow to.
  const largestSize = Math.max(itemsPerPage, growTo ?? 0, options.firstPage?.count ?? 0);
  const maxPageCount = Math.min(options.maxPageCount, Math.floor((Number.MAX_SAFE_INTEGER - startIndex) / largestSize) + 1);
  // Pages from `index` on start at `from` and ask for `size` rows; a capped endpoint, a refused
  // size or a grown one starts a new stretch. Each page asked for keeps its own from and count.
  let stretch = { index: 0, from: startIndex, size: options.firstPage?.count ?? itemsPerPage };
  const fromOf = (index: number) => stretch.from + (index - stretch.index) * stretch.size;
  const ahead = () => (options.prefetchFor ? options.prefetchFor(stretch.size) : options.prefetchPages);
  /** Where fullResultSize says the list ends, when it names a total; pages fetched ahead start no later. */
  let endHint: number | undefined;
  /** Pages up to this one are proven necessary (see the top). */
  let provenUpTo = 0;
  const prove = (index: number) => {
    if (index <= provenUpTo) return;
    provenUpTo = index;
    quietly(() => options.onSpeculationChanged?.());
  };
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    quietly(() => options.onWarning?.(message));
  };

  let stopReason: StopReason | undefined;
  let stoppedEarly = false;
  let nextIndex = startIndex;
  let pagesFetched = 0;
  let pagesDropped = 0;
  let lastStatus: number | undefined;
  let versionDigest: string | null | undefined;
  let refusedPageSize: PaginateResult['refusedPageSize'];
  const pageSizes: number[] = [];
  let largestServed: number | undefined;
  /** The size later pages are asked for at, as far as the answers have borne it out (not a cap still being checked). */
  let settledSize = options.firstPage?.count ?? itemsPerPage;
  let firstPage = options.firstPage;
  let started = false;
  let finished = false;

  const slots = new Map<number, Slot>();
  let requested = 0; // pages 0 … requested-1 have been asked for
  /** The page the loop awaits next, and whether the consumer holds the one before it. */
  let awaiting = 0;
  let holding = false;
  /** The next page is asked for alone (the first page, the one after a short page that said more). */
  let alone = true;
  /** A page asked for again at a smaller size after the endpoint refused its size, until that answer comes. */
  let resized: { index: number; asked: number; served: number } | undefined;
  /** The short page that did not prove the end, while the request after it is out. */
  let capped: { index: number; from: number; rows: number; count: number; claimed: number | undefined } | undefined;

  const abortAll = () => {
    for (const slot of slots.values()) slot.controller.abort();
  };
  // Pages after `index` are not needed: abort what is in flight and forget what came back.
  const dropAfter = (index: number) => {
    for (const [at, slot] of slots) {
      if (at <= index) continue;
      slot.controller.abort();
      slots.delete(at);
      pagesDropped += 1;
    }
  };
  // Pages up to `needed` are asked for in any case; those after it are fetched ahead, and
  // only while they start no later than where fullResultSize says the list ends.
  const requestUpTo = (needed: number, last: number) => {
    const bound = Math.min(last, maxPageCount - 1);
    while (requested <= bound) {
      const likelyEnd = endHint ?? options.expectedEnd?.();
      if (requested > needed && likelyEnd !== undefined && fromOf(requested) > likelyEnd) return;
      const index = requested++;
      const page = { index, from: fromOf(index), count: stretch.size };
      const speculative = () => index > provenUpTo && !(endHint !== undefined && page.from < endHint);
      if (index === 0 && firstPage?.from === page.from) slots.set(0, { ...firstPage });
      else slots.set(index, startPage(options.fetchPage, page, speculative, rateBound));
      firstPage = undefined;
    }
  };
  const rateBound = () => {
    quietly(() => options.onRateBound?.());
  };
  /** Keeps the pages the loop is at, and those fetched ahead of it, asked for. */
  const fill = () => requestUpTo(awaiting, alone ? awaiting : awaiting - (holding ? 1 : 0) + ahead());

  /**
   * Asks again, at `size`, for the pages at the end of what was asked for that have not been
   * granted yet; later pages follow at that size.
   */
  const replan = (size: number) => {
    let first = requested;
    for (let index = requested - 1; index >= awaiting; index--) {
      const slot = slots.get(index);
      if (!slot || slot.isCommitted()) break;
      first = index;
    }
    const from = first < requested ? slots.get(first)!.from : fromOf(requested);
    for (let index = first; index < requested; index++) {
      const slot = slots.get(index)!;
      slot.replaced = true;
      slot.controller.abort();
      slots.delete(index);
    }
    requested = first;
    stretch = { index: first, from, size };
    settledSize = size;
    fill();
  };

  async function* iterate(): AsyncGenerator<Page, void, undefined> {
    const end = (reason: StopReason, early: boolean, index: number) => {
      stopReason = reason;
      stoppedEarly = early;
      dropAfter(index);
    };

    signal?.addEventListener('abort', abortAll);
    let previous: string | undefined;
    let previousRows = 0;
    let previousCount = itemsPerPage;
    let overlapWarned = false;
    try {
      for (let index = 0; index < maxPageCount; index++) {
        if (signal?.aborted) throw new CancelledError();
        // The first request goes alone, and so does the one after a short page that said more
        // rows exist; otherwise the page awaited plus `prefetchPages` more.
        awaiting = index;
        holding = false;
        alone = index === 0 || capped !== undefined;
        // The page awaited is needed whatever came before it.
        prove(index);
        let slot: Slot | undefined;
        let settled: SettledPage;
        for (;;) {
          fill();
          slot = slots.get(index);
          if (!slot) throw new Error(`paginate: page ${index} was never requested`);
          settled = await untilSettledOrAborted(slot.settled, signal);
          // Asked for again at another size while it waited to be sent: await that request.
          if (!slot.replaced) break;
        }
        slots.delete(index);
        const from = slot.from;
        const count = slot.count;
        if (!settled.ok) {
          if (signal?.aborted) throw new CancelledError();
          dropAfter(index);
          const page = { index, from, count };
          const smaller = options.smallerPageAfter?.(settled.error, page);
          if (smaller !== undefined && Number.isSafeInteger(smaller) && smaller >= 1 && smaller < page.count) {
            // The endpoint refused the page size, not the query: ask again from the same row at
            // the size it takes. Each refusal lowers the size, so this ends. Whether the size
            // was the cause only the answer to that request shows.
            resized = { index, asked: resized?.asked ?? page.count, served: smaller };
            requested = index;
            stretch = { index, from: page.from, size: smaller };
            capped = undefined;
            index -= 1;
            continue;
          }
          throw settled.error;
        }
        pagesFetched += 1;
        if (resized?.index === index) {
          // The smaller page was accepted: the size was what the endpoint refused.
          refusedPageSize = { asked: resized.asked, served: resized.served };
          largestServed = Math.min(largestServed ?? Infinity, resized.served);
          settledSize = resized.served;
          // A size the caller chose is worth a warning; one paging grew to by itself is not.
          if (resized.asked <= itemsPerPage) {
            warn(`Page ${index} (from ${from}) was refused for asking ${resized.asked} rows at once; the endpoint takes ${resized.served}, so paging went on ${resized.served} rows at a time. Set itemsPerPage to ${resized.served} to save the refused request.`);
          }
          resized = undefined;
        }
        const fetched = settled.page;
        const values = Array.isArray(fetched.values) ? fetched.values : [];
        lastStatus = fetched.status;
        // Only the first page is sent If-None-Match, so later pages carry no digest: keep the one seen.
        if (typeof fetched.versionDigest === 'string' || (fetched.versionDigest === null && versionDigest === undefined)) versionDigest = fetched.versionDigest;

        if (fetched.kind !== 'list') {
          if (index === 0) {
            if (fetched.kind === 'not-modified') {
              end('not-modified', false, index);
              return;
            }
            end('single-response', false, index);
            yield { ...fetched, values, index, from: null, count };
            return;
          }
          if (fetched.kind !== 'empty') {
            warn(`Page ${index} (from ${from}) was not a list (${fetched.kind}, status ${fetched.status}) although the pages before it were; paging stopped there. Rows from ${from} on were not fetched.`);
          }
          end('end-of-results', fetched.kind !== 'empty', index);
          return;
        }
        if (!pageSizes.includes(count)) pageSizes.push(count);

        const rows = values.length;
        const full = rows >= count;
        const claimed = typeof fetched.fullResultSize === 'number' ? fetched.fullResultSize : undefined;
        // A short page that its own answer says is not the last: the endpoint serves fewer rows
        // than asked for (see the top), unless the next request shows otherwise. So is a short
        // first page whose total says nothing either way (0, absent, fewer than it holds).
        const cappedHere = !full && rows > 0 && ((claimed !== undefined && claimed > from + rows) || (index === 0 && !(claimed !== undefined && claimed >= from + rows)));
        // Only a page that does not end the run can be a repeat that matters.
        const identity = full || cappedHere ? identityOf(values) : undefined;
        const answeredFrom = typeof fetched.envelopeFrom === 'number' ? fetched.envelopeFrom : undefined;
        if (index === 0 && answeredFrom !== undefined && answeredFrom !== from && rows > 0) {
          warn(`Asked for rows from ${from}, the endpoint answered rows from ${answeredFrom}: it ignores "from", so it cannot be continued from a start index. Nothing was emitted; run it again from 0.`);
          end('repeated-page', true, index);
          return;
        }
        const ignoresFrom = index > 0 && rows > 0 && answeredFrom !== undefined && answeredFrom !== from;
        if (ignoresFrom || (index > 0 && identity !== undefined && identity === previous)) {
          const wholeSet = rows > count;
          const evidence = ignoresFrom ? `answered rows from ${answeredFrom} when asked for rows from ${from}` : `returned the same ${rows} rows (by id) as page ${index - 1}`;
          warn(
            wholeSet
              ? `Page ${index} (from ${from}) ${evidence}: the endpoint ignores paging and returns its whole result each time. Every row was emitted once; paging stopped.`
              : `Page ${index} (from ${from}) ${evidence}: the endpoint ignores "from". The rows before were emitted once and paging stopped; if the endpoint caps its answer at ${count} rows, further rows cannot be paged to (a larger itemsPerPage would show whether there are more).`,
          );
          end('repeated-page', !wholeSet, index);
          return;
        }
        if (previousRows > previousCount && !overlapWarned) {
          // More rows than asked for, yet not a repeat: the endpoint honours "from" but not
          // "count", so this page starts inside the previous one and rows repeat across pages.
          overlapWarned = true;
          warn(`Page ${index - 1} returned ${previousRows} rows where ${previousCount} were asked for: the endpoint does not honour "count", so pages may overlap and rows may have been emitted twice. Use an itemsPerPage of at least ${previousRows}.`);
        }
        if (capped !== undefined && rows > 0) {
          // The request after a short page brought more rows: the short page was a cap.
          largestServed = Math.min(largestServed ?? Infinity, capped.rows);
          settledSize = capped.rows;
          // A size the caller chose is worth a warning; one paging grew to by itself is not.
          if (capped.count <= itemsPerPage) {
            const said = capped.claimed !== undefined && capped.claimed > capped.from + capped.rows ? `while its fullResultSize said ${capped.claimed}` : `and its fullResultSize (${capped.claimed ?? 'none'}) said nothing of more`;
            warn(
              `Page ${capped.index} (from ${capped.from}) returned ${capped.rows} rows where ${capped.count} were asked for, ${said}; the next request found more rows. The endpoint serves at most ${capped.rows} rows a page, so paging went on ${capped.rows} rows at a time.`,
            );
          }
        }
        capped = undefined;
        endHint = hintFrom(claimed, from, rows, count, full, endHint);
        // A full page proves that the one after it is needed.
        if (full) prove(index + 1);

        if (!full && !cappedHere) {
          // The only reliable end.
          end('end-of-results', false, index);
          if (rows > 0) {
            nextIndex = from + rows;
            yield { ...fetched, values, index, from, count };
          }
          return;
        }

        previous = identity;
        previousRows = rows;
        previousCount = count;
        nextIndex = from + rows;
        if (index === maxPageCount - 1) {
          // Full last page (or one that says more rows exist): more rows may exist; nextIndex continues after it.
          end('max-page-count', true, index);
          yield { ...fetched, values, index, from, count };
          return;
        }
        awaiting = index + 1;
        if (cappedHere) {
          // Ask from the next row, at the size the endpoint served; what was fetched ahead at
          // the old size is of no use. One request tells whether there is more; fetching
          // ahead resumes once it has.
          dropAfter(index);
          requested = index + 1;
          stretch = { index: index + 1, from: from + rows, size: rows };
          capped = { index, from, rows, count, claimed };
        }
        alone = cappedHere;
        // While the consumer holds this page, keep the window ahead of it in flight.
        holding = true;
        fill();
        yield { ...fetched, values, index, from, count };
      }
    } finally {
      signal?.removeEventListener('abort', abortAll);
      // A break, an error or a cancellation: whatever is still in flight is no longer wanted.
      pagesDropped += slots.size;
      abortAll();
      slots.clear();
      firstPage?.controller.abort();
      firstPage = undefined;
      finished = true;
    }
  }

  const pages: AsyncIterable<Page> = {
    [Symbol.asyncIterator]() {
      if (started) throw new Error('paginate: pages can be iterated only once');
      started = true;
      return iterate();
    },
  };

  return {
    pages,
    /** The size later pages are asked for at (see PaginateResult.pageSize). */
    pageSize(): number {
      return settledSize;
    },
    /**
     * The rate limit made a request wait: grow the page size to growTo, or what the endpoint
     * serves (see the top). Answers whether the size changed. Not while the endpoint is being
     * found out (a refused size, a short page that said more).
     */
    grow(): boolean {
      if (growTo === undefined || !started || finished || resized !== undefined || capped !== undefined) return false;
      const size = Math.min(growTo, largestServed ?? Infinity);
      if (size <= stretch.size) return false;
      replan(size);
      return true;
    },
    result(): PaginateResult {
      if (!finished) throw new Error('paginate: result() is only known once iteration has ended');
      const out: PaginateResult = {
        // Interrupted before the end: nothing in the schema's list fits better than a stop by
        // count, which tells the caller to continue from nextIndex.
        stopReason: stopReason ?? 'max-page-count',
        stoppedEarly: stopReason === undefined ? true : stoppedEarly,
        nextIndex,
        pagesFetched,
        pagesDropped,
        warnings: [...warnings],
        interrupted: stopReason === undefined,
        pageSizes: [...pageSizes],
        pageSize: settledSize,
      };
      if (lastStatus !== undefined) out.lastStatus = lastStatus;
      if (versionDigest !== undefined) out.versionDigest = versionDigest;
      if (refusedPageSize !== undefined) out.refusedPageSize = refusedPageSize;
      if (largestServed !== undefined) out.largestServed = largestServed;
      return out;
    },
  };
}
