import type { FetchedPage } from '../../client/paginate.js';

// Small pieces the paginate tests share: their fetch function is a fake answered by hand, so
// nothing uses timers, and settle() lets promise chains run to completion.

/** Lets `turns` rounds of promise callbacks and immediates run. */
export const settle = async (turns = 3): Promise<void> => {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** `n` rows with ids from `from` on. */
export const rows = (from: number, n: number): { id: number }[] => Array.from({ length: Math.max(0, n) }, (_, i) => ({ id: from + i }));

/** A list answer holding `values`. */
export const list = (values: unknown[], extra: Partial<FetchedPage> = {}): FetchedPage => ({ kind: 'list', values, status: 200, requestId: 'r', ...extra });
