import type { DateWindow, WindowPlan } from './date-windows.js';
import { DayTooLargeError } from './date-windows.js';
import { paginate, type FetchedPage, type Page, type PageFetch, type PaginateOptions, type PaginateResult } from './paginate.js';

// Paging a date range window by window (see date-windows.ts): each window is paged like any
// list, in order, and a window Tripletex refuses as too large is halved before any of its rows
// has been handed on. Without a plan it is plain paging of one query.

/** Where a run stopped, so the next run can continue there: the window (if any) and the row index in it. */
export interface ResumePoint {
  index: number;
  window?: DateWindow;
}

export interface WindowedPage extends Page {
  window?: DateWindow;
}

export interface WindowedResult extends PaginateResult {
  /** Windows paged (refused ones not counted); 0 without a plan. */
  windows: number;
  splits: number;
  /** Set when rows may remain: give it back as the next run's resume input. */
  resume?: ResumePoint;
}

export interface WindowedOptions extends Omit<PaginateOptions, 'fetchPage'> {
  plan?: WindowPlan;
  /** Applies to the first window only; later windows start at 0. */
  startIndex: number;
  /** Across all windows. */
  maxPageCount: number;
  fetchPage(page: PageFetch, window: DateWindow | undefined, signal: AbortSignal): Promise<FetchedPage>;
  /** Whether an error is Tripletex refusing the query as matching too many rows. */
  isTooLarge(error: unknown): boolean;
  /** Turns a single day that is still too large into the error the run ends with. */
  dayTooLarge(window: DateWindow, cause: unknown): Error;
}

export function pageWindows(options: WindowedOptions): { pages: AsyncIterable<WindowedPage>; result(): WindowedResult; position(): ResumePoint } {
  const { plan } = options;
  let emitted = 0;
  let finished: WindowedResult | undefined;
  let position: ResumePoint = { index: options.startIndex };
  const totals = { pagesFetched: 0, pagesDropped: 0, warnings: [] as string[] };

  async function* iterate(): AsyncGenerator<WindowedPage, void, undefined> {
    let startIndex = options.startIndex;
    // A page size the endpoint refused in one window is refused in every other: keep the one it took.
    let itemsPerPage = options.itemsPerPage;
    let last: PaginateResult | undefined;
    for (;;) {
      const window = plan?.next();
      if (plan && !window) break;
      position = { index: startIndex, ...(window ? { window } : {}) };
      const paging = paginate({
        ...options,
        startIndex,
        itemsPerPage,
        maxPageCount: options.maxPageCount - emitted,
        fetchPage: (page, signal) => options.fetchPage(page, window, signal),
      });
      let fromThisWindow = 0;
      try {
        for await (const page of paging.pages) {
          fromThisWindow += 1;
          position = { index: (page.from ?? startIndex) + page.values.length, ...(window ? { window } : {}) };
          yield { ...page, index: emitted++, ...(window ? { window } : {}) };
        }
      } catch (error) {
        if (!plan || !window || fromThisWindow > 0 || !options.isTooLarge(error)) throw error;
        const refused = paging.result();
        itemsPerPage = refused.refusedPageSize?.served ?? itemsPerPage;
        totals.warnings.push(...refused.warnings);
        try {
          plan.refused();
        } catch (refusal) {
          if (refusal instanceof DayTooLargeError) throw options.dayTooLarge(refusal.window, error);
          throw refusal;
        }
        continue;
      }
      last = paging.result();
      itemsPerPage = last.refusedPageSize?.served ?? itemsPerPage;
      totals.pagesFetched += last.pagesFetched;
      totals.pagesDropped += last.pagesDropped;
      totals.warnings.push(...last.warnings);
      if (!plan || last.stoppedEarly) break;
      plan.done();
      if (emitted >= options.maxPageCount) break;
      startIndex = 0;
    }
    const base: PaginateResult = last ?? { stopReason: 'end-of-results', stoppedEarly: false, nextIndex: startIndex, pagesFetched: 0, pagesDropped: 0, warnings: [], interrupted: false };
    // The range may go on past a full last page that hit maxPageCount: that is an early stop too.
    const following = plan !== undefined && last !== undefined && !last.stoppedEarly ? plan.peek() : undefined;
    const moreWindows = following !== undefined;
    const stoppedEarly = base.stoppedEarly || moreWindows;
    finished = {
      ...base,
      stopReason: moreWindows ? 'max-page-count' : base.stopReason,
      stoppedEarly,
      pagesFetched: totals.pagesFetched,
      pagesDropped: totals.pagesDropped,
      warnings: totals.warnings,
      windows: plan?.windows ?? 0,
      splits: plan?.splits ?? 0,
      ...(stoppedEarly ? { resume: following ? { index: 0, window: following } : position } : {}),
    };
  }

  return {
    pages: { [Symbol.asyncIterator]: () => iterate() },
    result() {
      if (!finished) throw new Error('pageWindows: result() is only known once iteration has ended');
      return finished;
    },
    position: () => position,
  };
}
