// Peak memory of a pass, above where it started. A timer alone can miss a peak that comes and
// goes while the event loop is busy parsing a page, so callers also sample whenever a page is
// handed over, which is when the most pages are held.

const MB = 1024 * 1024;

const gc = (globalThis as { gc?: () => void }).gc;

export interface MemoryReport {
  heapPeakMb: number;
  rssPeakMb: number;
  /** Heap peak within each equal share of the rows: flat across shares means no growth with rows. */
  heapPeakByShareMb: number[];
  /** heapUsed after the pass and a full collection, above the baseline; null without --expose-gc. */
  heapRetainedMb: number | null;
}

export class MemoryPeaks {
  readonly #baseHeap: number;
  readonly #baseRss: number;
  #heapPeak: number;
  #rssPeak: number;
  readonly #byShare: number[];
  readonly #timer: NodeJS.Timeout;

  /** `share()` tells which share of the rows the pass is in (0 … shares-1). */
  constructor(
    intervalMs: number,
    shares: number,
    private readonly share: () => number,
  ) {
    // Without a collection first, the baseline would include whatever garbage the previous
    // pass left, and the peak would look smaller than it is.
    gc?.();
    const base = process.memoryUsage();
    this.#baseHeap = base.heapUsed;
    this.#baseRss = base.rss;
    this.#heapPeak = base.heapUsed;
    this.#rssPeak = base.rss;
    this.#byShare = new Array<number>(shares).fill(base.heapUsed);
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    const { heapUsed, rss } = process.memoryUsage();
    if (heapUsed > this.#heapPeak) this.#heapPeak = heapUsed;
    if (rss > this.#rssPeak) this.#rssPeak = rss;
    const at = Math.min(this.#byShare.length - 1, Math.max(0, this.share()));
    if (heapUsed > (this.#byShare[at] ?? 0)) this.#byShare[at] = heapUsed;
  }

  stop(): MemoryReport {
    clearInterval(this.#timer);
    this.sample();
    let heapRetainedMb: number | null = null;
    if (gc) {
      gc();
      heapRetainedMb = (process.memoryUsage().heapUsed - this.#baseHeap) / MB;
    }
    return {
      heapPeakMb: (this.#heapPeak - this.#baseHeap) / MB,
      rssPeakMb: (this.#rssPeak - this.#baseRss) / MB,
      heapPeakByShareMb: this.#byShare.map((peak) => (peak - this.#baseHeap) / MB),
      heapRetainedMb,
    };
  }
}

export const gcExposed = gc !== undefined;
