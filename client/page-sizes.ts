import { templateFor } from './endpoint-facts.js';

// How large a page the action grows to when Items per page is left empty (see
// client/paginate.ts, grow). Tripletex documents no largest `count`; what is known comes from
// recorded answers: 5,000 rows a page are served on the common endpoints, and 10,000 on
// /ledger/posting. Past these the pack would be guessing, so it grows no further; an endpoint
// that serves fewer says so (a 23000 that names its limit, or a short page with more rows
// left), and the run then keeps to what it serves.

/** Tripletex's own default `count`: where an automatic page size starts. */
export const STARTING_PAGE_SIZE = 1000;

/** The largest page known to be served on common endpoints. */
const COMMON_LARGEST_PAGE_SIZE = 5000;

const LARGEST_PAGE_SIZE: Record<string, number> = {
  '/ledger/posting': 10_000,
};

/** The largest page an automatic page size grows to on `path`. */
export function largestPageSize(path: string): number {
  return LARGEST_PAGE_SIZE[templateFor(path) ?? path] ?? COMMON_LARGEST_PAGE_SIZE;
}
