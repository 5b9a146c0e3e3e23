import { addDays } from '../contract/oslo-date.js';

// Tripletex refuses a list query that matches more than 10,000 objects (422, code 23000),
// whatever `from` and `count` say: a busy year of postings is refused whole. The cure is a
// narrower query, so a date range is cut into windows that each match fewer, paged one after
// another. Ranges end exclusively ("To and excluding"), so consecutive windows [a, b), [b, c)
// never share a row: every row is delivered once.
//
// How wide a window is: a refused window is halved until a half is accepted. After that the
// plan sizes windows by what earlier ones showed, rows per day, so that a window is expected to
// match RESULT_SET_SHARE of the limit: few refused, few more windows than needed. Until a
// window has been read to its end, the rows per day of the one being read (counted up to the
// day it has reached) stand in; with no evidence at all a window keeps the size last accepted.

/** A date range with an exclusive end, as YYYY-MM-DD. */
export interface DateWindow {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;

/** Tripletex's limit on the rows one query may match (its FAQ: "Limit of 10.000 reached"). */
export const DEFAULT_RESULT_SET_LIMIT = 10_000;

// A window is sized to match this share of the limit: rows per day vary (month ends, holidays),
// and a refused window costs a request and a split, where a smaller one costs a page at most.
const RESULT_SET_SHARE = 0.9;

// A window grows at most this much over the one before it: rows per day measured on a quiet
// stretch say little about a busy one, and a window far too large would be refused, halved and
// refused again.
const MAX_GROWTH = 2;

export function daysIn(window: DateWindow): number {
  return Math.round((Date.parse(window.to + 'T00:00:00Z') - Date.parse(window.from + 'T00:00:00Z')) / DAY_MS);
}

export function sameWindow(a: DateWindow | undefined, b: DateWindow | undefined): boolean {
  return a !== undefined && b !== undefined && a.from === b.from && a.to === b.to;
}

/** The first half of a window (the longer one when its days are odd). */
export function firstHalf(window: DateWindow): DateWindow {
  return { from: window.from, to: addDays(window.from, Math.ceil(daysIn(window) / 2)) };
}

/** A window Tripletex still refuses although it is a single day: no split can help. */
export class DayTooLargeError extends Error {
  constructor(readonly window: DateWindow) {
    super(`the single day ${window.from} matches more rows than Tripletex serves for one query`);
    this.name = 'DayTooLargeError';
  }
}

/** Walks a range window by window; see the top for how wide each is. */
export class WindowPlan {
  readonly range: DateWindow;
  /** The size the last window accepted had, in days: the next one's when nothing better is known. */
  #days: number;
  #windows = 0;
  #splits = 0;
  #limit = DEFAULT_RESULT_SET_LIMIT;
  /** Rows and days of the windows read to their end from their start. */
  #read = { rows: 0, days: 0 };
  /** Rows per day of the last window read to its end. */
  #lastRowsPerDay: number | undefined;
  /** Rows per day of the window being read, up to the day it has reached. */
  #partial: { window: DateWindow; rowsPerDay: number } | undefined;

  /** `first`, when resuming, is the exact window a stopped run was in. */
  constructor(range: DateWindow, first?: DateWindow) {
    this.range = range;
    this.#first = first ?? range;
    this.#days = daysIn(this.#first);
  }

  readonly #first: DateWindow;

  /** Windows paged so far (refused ones and ones stepped over not counted). */
  get windows(): number {
    return this.#windows;
  }

  /** Times a window was halved. */
  get splits(): number {
    return this.#splits;
  }

  /** The first window: the whole range, or the window a stopped run was in. */
  first(): DateWindow {
    return { ...this.#first };
  }

  /** The window after `window`, sized by what earlier windows showed; undefined once the range is done. */
  after(window: DateWindow): DateWindow | undefined {
    const from = window.to;
    if (daysIn({ from, to: this.range.to }) <= 0) return undefined;
    const to = addDays(from, this.#nextDays());
    return { from, to: to < this.range.to ? to : this.range.to };
  }

  /** Tripletex refused `window` as too large: its first half is the window to page instead. */
  split(window: DateWindow): DateWindow {
    if (daysIn(window) <= 1) throw new DayTooLargeError(window);
    const half = firstHalf(window);
    this.#days = daysIn(half);
    this.#splits += 1;
    return half;
  }

  /** `window` is being paged (its first answer was accepted). */
  paging(window: DateWindow): void {
    this.#windows += 1;
    this.#days = daysIn(window);
  }

  /** The limit a refusal named ("Limit of 10.000 reached"): windows are sized against it. */
  limitIs(limit: number): void {
    if (Number.isSafeInteger(limit) && limit >= 1) this.#limit = limit;
  }

  /** `window` was read from its start to its end: it matched `rows`. */
  read(window: DateWindow, rows: number): void {
    const days = daysIn(window);
    if (days <= 0) return;
    this.#read.rows += rows;
    this.#read.days += days;
    this.#lastRowsPerDay = rows / days;
    this.#partial = undefined;
  }

  /** While `window` is read in date order from its start: `rows` rows fall on its first `days` days. */
  reached(window: DateWindow, rows: number, days: number): void {
    if (days >= 1) this.#partial = { window, rowsPerDay: rows / days };
  }

  /** Rows `window` is expected to match, when earlier windows (or this one's start) say. */
  expectedRows(window: DateWindow): number | undefined {
    const perDay = this.#rowsPerDay();
    return perDay === undefined ? undefined : Math.ceil(perDay * daysIn(window));
  }

  #rowsPerDay(): number | undefined {
    if (this.#read.days > 0) return Math.max(this.#read.rows / this.#read.days, this.#lastRowsPerDay ?? 0);
    return this.#partial?.rowsPerDay;
  }

  #nextDays(): number {
    const perDay = this.#rowsPerDay();
    if (perDay === undefined) return this.#days;
    const fit = perDay <= 0 ? Infinity : Math.floor((this.#limit * RESULT_SET_SHARE) / perDay);
    return Math.max(1, Math.min(fit, this.#days * MAX_GROWTH, daysIn(this.range)));
  }
}
