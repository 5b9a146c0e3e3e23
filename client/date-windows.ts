import { addDays } from '../contract/oslo-date.js';

// Tripletex refuses a list query that matches more than 10,000 objects (422, code 23000),
// whatever `from` and `count` say: a busy year of postings is refused whole. The cure is a
// narrower query, so a date range is cut into windows that each match fewer, paged one after
// another. Ranges end exclusively ("To and excluding"), so consecutive windows [a, b), [b, c)
// never share a row: every row is delivered once.

/** A date range with an exclusive end, as YYYY-MM-DD. */
export interface DateWindow {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;

export function daysIn(window: DateWindow): number {
  return Math.round((Date.parse(window.to + 'T00:00:00Z') - Date.parse(window.from + 'T00:00:00Z')) / DAY_MS);
}

/** A window Tripletex still refuses although it is a single day: no split can help. */
export class DayTooLargeError extends Error {
  constructor(readonly window: DateWindow) {
    super(`the single day ${window.from} matches more rows than Tripletex serves for one query`);
    this.name = 'DayTooLargeError';
  }
}

/**
 * Walks a range window by window. A refused window is halved until a half is accepted; the
 * size that was accepted is where the next window starts, so a busy period costs its splits
 * once, not once per window.
 */
export class WindowPlan {
  readonly range: DateWindow;
  #cursor: string;
  #days: number;
  #windows = 0;
  #splits = 0;
  #current: DateWindow | undefined;

  /** `first`, when resuming, is the exact window a stopped run was in. */
  constructor(range: DateWindow, first?: DateWindow) {
    this.range = range;
    this.#cursor = first?.from ?? range.from;
    this.#days = first ? daysIn(first) : daysIn(range);
  }

  /** Windows handed out so far (refused ones not counted). */
  get windows(): number {
    return this.#windows;
  }

  /** Times a window was halved. */
  get splits(): number {
    return this.#splits;
  }

  /** The window to page now, or undefined once the range is done. */
  next(): DateWindow | undefined {
    if (this.#current) return this.#current;
    this.#current = this.peek();
    if (this.#current) this.#windows += 1;
    return this.#current;
  }

  /** The window next() would give, without taking it. */
  peek(): DateWindow | undefined {
    if (this.#current) return this.#current;
    if (daysIn({ from: this.#cursor, to: this.range.to }) <= 0) return undefined;
    const to = addDays(this.#cursor, this.#days);
    return { from: this.#cursor, to: to < this.range.to ? to : this.range.to };
  }

  /** Tripletex refused the current window as too large: the next one is its first half. */
  refused(): DateWindow {
    const window = this.#current;
    if (!window) throw new Error('WindowPlan: no window in progress');
    const days = daysIn(window);
    if (days <= 1) throw new DayTooLargeError(window);
    this.#days = Math.ceil(days / 2);
    this.#splits += 1;
    this.#windows -= 1;
    this.#current = undefined;
    return this.next()!;
  }

  /** The current window was paged to its end: move past it, keeping its size. */
  done(): void {
    const window = this.#current;
    if (!window) throw new Error('WindowPlan: no window in progress');
    this.#cursor = window.to;
    this.#current = undefined;
  }

  /**
   * The current window lies wholly before the date a resumed run had reached: its rows were
   * handed on before, so it is stepped over without a request (and not counted as paged).
   */
  passed(): void {
    this.done();
    this.#windows -= 1;
  }
}
