import type { DateWindow, WindowPlan } from './date-windows.js';
import { DayTooLargeError, daysIn, firstHalf, sameWindow } from './date-windows.js';
import { rowDate } from './date-order.js';
import { paginate, quietly, startPage, type FetchedPage, type Page, type PageFetch, type PageHooks, type PaginateOptions, type PaginateResult, type StartedPage } from './paginate.js';

// Paging a date range window by window (see date-windows.ts): each window is paged like any
// list, in order, and a window Tripletex refuses as too large is halved before any of its rows
// has been handed on. Without a plan it is plain paging of one query.
//
// Windows overlap in time, not in rows: once a window's first answer is accepted, the next
// window's first page is asked for (windows are independent ranges), so that the end of one
// window, which a short page proves, does not leave the rate limit's budget idle while the next
// begins. A refusal of that first page splits the next window there and then. Rows are still
// handed on strictly in window order: the next window's page waits, and moves no resume point,
// until the window before it has ended. Within a window, where its rows per day say it should
// end (date-windows.ts), pages are not fetched ahead past that row.
//
// Every page carries the point to continue from after it (`resume`). A host that stores a
// page's rows and its resume point together can stop anywhere and continue exactly there. When
// the windows are read in date order (date-order.ts), the point is the date reached: every row
// of the window dated before it was handed on, and `index` of the rows dated that day. That
// point survives the data changing in between: a window that has grown past Tripletex's limit
// is split again, halves that lie before the date are stepped over, and the half that holds the
// date is asked for from that date, skipping only the rows of that day already handed on.
// Without date order the point is a row number in the window, which a split would not keep: a
// window refused after rows were skipped in it by number fails clearly instead of handing rows
// on twice.

/** Where a run stopped, so the next run can continue there. */
export interface ResumePoint {
  /** Rows already handed on: of `window` (or the whole list) from its start, or, with `date`, of the rows dated that day. */
  index: number;
  window?: DateWindow;
  /** Set when the window is read in date order: every row of the window dated before this day was handed on, and `index` counts those dated this day. */
  date?: string;
}

export interface WindowedPage extends Page {
  window?: DateWindow;
  /** Where to continue after this page (list pages only). */
  resume?: ResumePoint;
}

export interface WindowedResult extends PaginateResult {
  /** Windows paged (refused ones not counted); 0 without a plan. */
  windows: number;
  splits: number;
  /** Set when rows may remain: give it back as the next run's resume input. */
  resume?: ResumePoint;
}

// How many halvings of a refused window are asked for at once while nothing says how many rows
// a day holds: a year at 250 rows a day is accepted after four.
const HALVINGS_AT_ONCE = 4;

export interface WindowedOptions extends Omit<PaginateOptions, 'fetchPage' | 'startIndex'> {
  plan?: WindowPlan;
  /** Rows to skip in the first window (the startIndex input). */
  startIndex: number;
  /** Where an earlier run stopped (the resume input); replaces startIndex. */
  resume?: ResumePoint;
  /** Across all windows. */
  maxPageCount: number;
  /** Set when every window is read sorted by this field of the rows (date-order.ts): resume points then carry the date reached. */
  dateField?: string;
  fetchPage(page: PageFetch, window: DateWindow | undefined, signal: AbortSignal, hooks?: PageHooks): Promise<FetchedPage>;
  /** Whether an error is Tripletex refusing the query as matching too many rows; with the limit it named, when it named one. */
  isTooLarge(error: unknown): boolean | { limit: number };
  /** Turns a single day that is still too large into the error the run ends with. */
  dayTooLarge(window: DateWindow, cause: unknown): Error;
  /** The first window must be split, but rows were skipped in it by a row number a split does not keep. */
  cannotSplit(window: DateWindow, skipped: { index: number; by: 'startIndex' | 'resume' }, cause: unknown): Error;
}

/** The day a resumed run had reached, and how many rows of that day it had handed on. */
interface Reached {
  date: string;
  rows: number;
}

/** A window's paging: started at its turn, or before it (the next window: see the top). */
interface Started {
  /** What was asked for: the window, or the part of it from the date reached. */
  window: DateWindow | undefined;
  paging: ReturnType<typeof paginate>;
  iterator: AsyncIterator<Page>;
  /** The first page, asked for before the window's turn. */
  pending?: Promise<IteratorResult<Page>>;
  /** Before its turn: it fetches at most one page beyond the one waiting. */
  early: boolean;
  /** Stops its requests (a dropped early window); the caller's cancellation reaches it too. */
  stop(): void;
  /** Lets go of the caller's signal. */
  dispose(): void;
}

/** A signal that aborts with `outer` or when stopped. */
function linkedSignal(outer: AbortSignal | undefined): { signal: AbortSignal; stop(): void; dispose(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  if (outer?.aborted) controller.abort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, stop: () => controller.abort(), dispose: () => outer?.removeEventListener('abort', onAbort) };
}

export function pageWindows(options: WindowedOptions): { pages: AsyncIterable<WindowedPage>; result(): WindowedResult; position(): ResumePoint; grow(): boolean } {
  const { plan, dateField } = options;
  let emitted = 0;
  let finished: WindowedResult | undefined;
  const given = options.resume;
  let position: ResumePoint = given ? { ...given } : { index: options.startIndex };
  const totals = { pagesFetched: 0, pagesDropped: 0, warnings: [] as string[] };
  const warn = (message: string) => {
    totals.warnings.push(message);
    quietly(() => options.onWarning?.(message));
  };
  const speculationChanged = () => {
    quietly(() => options.onSpeculationChanged?.());
  };
  /** The window being paged, for grow(). */
  let current: Started | undefined;
  // A page size the endpoint refused in one window is refused in every other: keep the one it
  // took, and a size grown to in one window is kept in the next.
  let itemsPerPage = options.itemsPerPage;
  let growTo = options.growTo;
  const pageSizes: number[] = [];
  /** The next window, started while the one before is paged (see the top). */
  let next: Started | undefined;
  // Read through a function: startNext() changes it from callbacks the compiler cannot follow.
  const nextStarted = (): Started | undefined => next;
  /** Halves of a refused window asked for at once while nothing says how many rows a day holds; guesses until their turn. */
  const guesses: { window: DateWindow; page: StartedPage; due: boolean }[] = [];

  const tooLarge = (error: unknown): boolean => {
    const verdict = options.isTooLarge(error);
    if (typeof verdict === 'object') plan?.limitIs(verdict.limit);
    return verdict !== false;
  };
  /** The size pages are asked for at now: the window being paged may have learnt or grown it since it began. */
  const sizeNow = () => current?.paging.pageSize() ?? itemsPerPage;
  const pagesAhead = (size: number) => (options.prefetchFor ? options.prefetchFor(size) : options.prefetchPages);

  /** Starts paging `window` from `startIndex`; `early` before its turn. */
  const start = (window: DateWindow | undefined, startIndex: number, early: boolean, firstPage?: StartedPage): Started => {
    const link = linkedSignal(options.signal);
    // Where a window read from its start is expected to end, by the rows per day seen so far
    // (in the first window, by its own first pages).
    const expectedEnd = plan && window && startIndex === 0 ? () => plan.expectedRows(window) : undefined;
    const started: Started = {
      window,
      early,
      stop: link.stop,
      dispose: link.dispose,
      paging: undefined as unknown as Started['paging'],
      iterator: undefined as unknown as Started['iterator'],
    };
    started.paging = paginate({
      ...options,
      signal: link.signal,
      startIndex,
      itemsPerPage: sizeNow(),
      growTo,
      // A window started early may be handed more pages than the run has left; see the loop.
      maxPageCount: Math.max(1, options.maxPageCount - emitted),
      prefetchFor: (size) => (started.early ? Math.min(1, pagesAhead(size)) : pagesAhead(size)),
      ...(firstPage ? { firstPage } : {}),
      ...(expectedEnd ? { expectedEnd } : {}),
      fetchPage: (page, signal, hooks) => options.fetchPage(page, window, signal, hooks),
    });
    started.iterator = started.paging.pages[Symbol.asyncIterator]();
    return started;
  };
  /** Stops a window started early that will not be paged. */
  const drop = (started: Started | undefined) => {
    if (!started) return;
    started.stop();
    void (async () => {
      await started.pending?.catch(() => undefined);
      await started.iterator.return?.();
      const result = started.paging.result();
      totals.pagesDropped += result.pagesFetched + result.pagesDropped;
    })().catch(() => undefined).finally(() => started.dispose());
  };
  /** Starts the next window before its turn: its first page, and one more once that came back full. A refusal as too large splits it at once. */
  const startNext = (window: DateWindow) => {
    const started = start(window, 0, true);
    next = started;
    started.pending = started.iterator.next();
    started.pending.catch((error: unknown) => {
      if (next !== started || !tooLarge(error) || daysIn(window) <= 1) return;
      // A single day's refusal waits for its turn, where it ends the run with the error it deserves.
      next = undefined;
      drop(started);
      startNext(plan!.split(window));
    });
  };
  /** The first page of `window` if it was asked for as a guess; from now on it is needed. */
  const takeGuess = (window: DateWindow | undefined): StartedPage | undefined => {
    const at = guesses.findIndex((guess) => sameWindow(guess.window, window));
    if (at < 0) return undefined;
    const [guess] = guesses.splice(at, 1);
    guess!.due = true;
    speculationChanged();
    return guess!.page;
  };
  const dropGuesses = () => {
    for (const guess of guesses.splice(0)) {
      guess.page.controller.abort();
      totals.pagesDropped += 1;
    }
  };

  async function* iterate(): AsyncGenerator<WindowedPage, void, undefined> {
    // The date a resumed run had reached: windows before it are stepped over, the one holding it is asked for from it.
    let floor: Reached | undefined = plan && given?.window && given.date !== undefined && dateField ? { date: given.date, rows: given.index } : undefined;
    // Rows skipped by number at the start of the first window.
    let skip = floor ? 0 : (given?.index ?? options.startIndex);
    const skipBy = given ? 'resume' : 'startIndex';
    let last: PaginateResult | undefined;
    let lastWindow: DateWindow | undefined;
    let nextIndex = skip;
    let stoppedByCount = false;
    let window: DateWindow | undefined = plan?.first();
    try {
      for (;;) {
        if (plan && !window) break;
        if (window && floor && window.to <= floor.date) {
          // Wholly before the date reached: handed on by the run that stopped.
          window = plan!.after(window);
          continue;
        }
        const fromFloor = window !== undefined && floor !== undefined && floor.date >= window.from;
        const request = window && fromFloor ? { from: floor!.date, to: window.to } : window;
        const startIndex = fromFloor ? floor!.rows : skip;
        // Date order is tracked in a window when the rows before its first page are known to be
        // dated no later than that page: counted from a date, or none skipped.
        let reached: Reached | undefined = fromFloor ? { ...floor! } : undefined;
        let firstSeen: string | undefined;
        let dated = dateField !== undefined && window !== undefined;
        let handed = 0;
        const resumeHere = (): ResumePoint => {
          if (window && dated && reached && (fromFloor || startIndex === 0 || (firstSeen !== undefined && reached.date > firstSeen))) {
            return { index: reached.rows, window, date: reached.date };
          }
          return { index: startIndex + handed, ...(request ? { window: request } : {}) };
        };
        if (window) position = resumeHere();
        // This window's paging, if it was started while the one before was paged.
        let started: Started;
        if (next && startIndex === 0 && sameWindow(next.window, request)) {
          started = next;
          next = undefined;
          started.early = false;
        } else {
          drop(next);
          next = undefined;
          started = start(request, startIndex, false, startIndex === 0 ? takeGuess(request) : undefined);
        }
        current = started;
        let fromThisWindow = 0;
        let rowsThisWindow = 0;
        let emittedTo = startIndex;
        try {
          for (;;) {
            const step = started.pending ?? started.iterator.next();
            started.pending = undefined;
            const { done, value: page } = await step;
            if (done) break;
            if (emitted >= options.maxPageCount) {
              // A window started early was allowed more pages than the run had left by its turn.
              stoppedByCount = true;
              await started.iterator.return?.();
              break;
            }
            fromThisWindow += 1;
            if (plan && window && fromThisWindow === 1) {
              plan.paging(window);
              // Accepted: none of its halves asked for as guesses is needed.
              dropGuesses();
            }
            if (dated && page.from !== null) {
              for (const row of page.values) {
                const date = rowDate(row, dateField!);
                if (date === undefined || date < request!.from || date >= request!.to || (reached !== undefined && date < reached.date)) {
                  dated = false;
                  warn(
                    `Rows of ${request!.from} – ${request!.to} did not come in order of their "${dateField}" (a row ${date === undefined ? `without a date in "${dateField}"` : `dated ${date}`} came after ${reached?.date ?? 'the start'}): a run stopped in this window continues by row number in it, which holds only while the window does not grow past Tripletex's limit.`,
                  );
                  break;
                }
                firstSeen ??= date;
                reached = reached?.date === date ? { date, rows: reached.rows + 1 } : { date, rows: 1 };
              }
            }
            handed += page.from === null ? 0 : page.values.length;
            rowsThisWindow += page.from === null ? 0 : page.values.length;
            position = window ? resumeHere() : { index: (page.from ?? startIndex) + page.values.length };
            const resume = page.from === null ? undefined : { ...position };
            if (plan && window) {
              // Rows per day so far, from the rows dated before the day reached.
              if (dated && reached && startIndex === 0 && !fromFloor) plan.reached(request!, rowsThisWindow - reached.rows, daysIn({ from: request!.from, to: reached.date }));
              // This window was accepted: start the next one while this one is paged.
              // Not when the run fetches nothing ahead (prefetchPages 0): one request after another.
              if (fromThisWindow === 1 && !next && pagesAhead(sizeNow()) > 0) {
                const following = plan.after(window);
                if (following) startNext(following);
              }
            }
            if (page.from !== null) emittedTo = page.from + page.values.length;
            // The page names the query it came from: its `from` counts in that window (narrowed to the date reached, when resumed).
            yield { ...page, index: emitted++, ...(request ? { window: request } : {}), ...(resume ? { resume } : {}) };
          }
        } catch (error) {
          if (!plan || !window || fromThisWindow > 0 || !tooLarge(error)) throw error;
          const refused = started.paging.result();
          started.dispose();
          totals.pagesFetched += refused.pagesFetched;
          totals.pagesDropped += refused.pagesDropped;
          totals.warnings.push(...refused.warnings);
          // Refused whole: split it. Rows skipped by number would not be the same rows in a half;
          // rows of the day reached are (the half that holds the day is asked for from it).
          if (startIndex > 0 && !fromFloor) throw options.cannotSplit(request!, { index: startIndex, by: skipBy }, error);
          try {
            window = plan.split(window);
          } catch (refusal) {
            if (refusal instanceof DayTooLargeError) throw options.dayTooLarge(refusal.window, error);
            throw refusal;
          }
          // Nothing says yet how many rows a day holds: ask for the halves of the half at once
          // (as guesses, sent with budget to spare), so that the size Tripletex accepts is found
          // in about one round trip rather than one per halving.
          if (!fromFloor && pagesAhead(sizeNow()) > 0 && plan.expectedRows(window) === undefined && !guesses.some((guess) => guess.window.from === window!.from)) {
            for (let half = firstHalf(window), k = 1; k < HALVINGS_AT_ONCE && half.to !== window.to; half = firstHalf(half), k++) {
              const guess = { window: half, due: false, page: undefined as unknown as StartedPage };
              const target = half;
              guess.page = startPage((p, signal, hooks) => options.fetchPage(p, target, signal, hooks), { index: 0, from: 0, count: sizeNow() }, () => !guess.due);
              guesses.push(guess);
              if (daysIn(half) <= 1) break;
            }
          }
          continue;
        }
        const result = started.paging.result();
        started.dispose();
        last = stoppedByCount ? { ...result, stopReason: 'max-page-count', stoppedEarly: true, interrupted: false, nextIndex: emittedTo } : result;
        lastWindow = window;
        if (window && fromThisWindow === 0) plan?.paging(window);
        for (const size of last.pageSizes) if (!pageSizes.includes(size)) pageSizes.push(size);
        itemsPerPage = last.pageSize;
        if (last.largestServed !== undefined && growTo !== undefined) growTo = Math.min(growTo, last.largestServed);
        nextIndex = last.nextIndex;
        totals.pagesFetched += last.pagesFetched;
        totals.pagesDropped += last.pagesDropped;
        totals.warnings.push(...last.warnings);
        if (!plan || last.stoppedEarly) break;
        if (startIndex === 0 && !fromFloor) plan.read(window!, rowsThisWindow);
        floor = undefined;
        skip = 0;
        if (emitted >= options.maxPageCount) break;
        window = nextStarted()?.window ?? plan.after(window!);
      }
      const base: PaginateResult = last ?? { stopReason: 'end-of-results', stoppedEarly: false, nextIndex, pagesFetched: 0, pagesDropped: 0, warnings: [], interrupted: false, pageSizes: [], pageSize: itemsPerPage };
      // The range may go on past a full last page that hit maxPageCount: that is an early stop too.
      const following = plan !== undefined && last !== undefined && !last.stoppedEarly && lastWindow !== undefined ? (nextStarted()?.window ?? plan.after(lastWindow)) : undefined;
      const moreWindows = following !== undefined;
      const stoppedEarly = base.stoppedEarly || moreWindows;
      finished = {
        ...base,
        stopReason: moreWindows ? 'max-page-count' : base.stopReason,
        stoppedEarly,
        pagesFetched: totals.pagesFetched,
        pagesDropped: totals.pagesDropped,
        warnings: totals.warnings,
        pageSizes,
        pageSize: itemsPerPage,
        windows: plan?.windows ?? 0,
        splits: plan?.splits ?? 0,
        ...(stoppedEarly ? { resume: following ? { index: 0, window: following } : position } : {}),
      };
    } finally {
      // A break, an error or a cancellation: what was started is no longer wanted.
      if (current) {
        current.stop();
        await current.iterator.return?.();
        current.dispose();
      }
      drop(next);
      next = undefined;
      dropGuesses();
      current = undefined;
    }
  }

  return {
    pages: { [Symbol.asyncIterator]: () => iterate() },
    result() {
      if (!finished) throw new Error('pageWindows: result() is only known once iteration has ended');
      return finished;
    },
    position: () => position,
    /** The rate limit held a request back: grow the page size, if it is the run's to choose (see paginate). */
    grow: () => current?.paging.grow() ?? false,
  };
}
