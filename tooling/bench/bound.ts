// What the rate limit allows, to hold the figures against.
//
// The rate-limit bound is the limit's throughput: requests per second times rows per request.
// A run a few windows long cannot reach it, because of how fixed windows work: the session is
// created first (one round trip), the list's last page must be fetched to prove the end, and the
// last window's request still takes a round trip to answer. The fastest schedule is what a
// client would take that knew every window's start and the list's end: each window's budget
// spent from its first instant, nothing more. Over many windows the two meet.

export interface Limit {
  limit: number;
  windowMs: number;
}

/** Requests a list of `rows` needs at `itemsPerPage`: every page, the last one short (or empty, to prove the end). */
export function listRequests(rows: number, itemsPerPage: number): number {
  return Math.floor(rows / itemsPerPage) + 1;
}

/** Rows per second the limit allows at `itemsPerPage`. */
export function rateBoundRowsPerSecond(limit: Limit, itemsPerPage: number): number {
  return (limit.limit / (limit.windowMs / 1000)) * itemsPerPage;
}

/**
 * Seconds the fastest client needs for `requests` requests (several processes' together, when
 * they share the token pair): a session first, then ⌈requests/limit⌉ windows, the first request
 * of the last one answered a round trip after it is sent.
 */
export function fastestScheduleSeconds(limit: Limit, requests: number, latencyMs: number): number {
  return (latencyMs + (Math.ceil(requests / limit.limit) - 1) * limit.windowMs + latencyMs) / 1000;
}
