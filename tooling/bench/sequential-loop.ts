// The baseline: what someone paging by hand writes. One request at a time, `from` advanced by
// the rows received, stopping at the first short page. It goes through the pack's own
// TripletexClient, built the way the action builds it, so sessions, Basic auth, the shared
// rate limiter and 429 handling are the same in both passes and only the paging differs.
import { newRequestStats, type RequestStats } from '../../client/request-stats.js';
import { safeLogger } from '../../client/safe-logger.js';
import { TripletexClient } from '../../connection/tripletex-client.js';
import type { QueryValue } from '../../client/transport.js';
import type { ResolvedConnection } from '../../connection/resolved-connection.js';

export interface LoopOptions {
  connection: ResolvedConnection;
  path: string;
  query: Record<string, QueryValue>;
  itemsPerPage: number;
  /** Same as the action's default timeoutSeconds, so neither pass has a different deadline. */
  timeoutMs: number;
  /** Called with each page's rows; awaited, as the action awaits its host. */
  onPage(values: readonly unknown[]): void | Promise<void>;
  /** Stops after this many pages (for warming up); default: until a short page. */
  maxPages?: number;
}

export async function sequentialLoop(options: LoopOptions): Promise<RequestStats> {
  const stats = newRequestStats();
  const client = new TripletexClient(options.connection, { log: safeLogger(undefined), stats, timeoutMs: options.timeoutMs });
  const count = options.itemsPerPage;
  let from = 0;
  for (let page = 0; page < (options.maxPages ?? Infinity); page++) {
    const response = await client.request({ method: 'GET', path: options.path, query: { ...options.query, from, count } });
    const values = (response.body as { values?: unknown } | null)?.values;
    if (!Array.isArray(values)) throw new Error(`GET ${options.path} from=${from}: the answer has no values list (status ${response.status})`);
    await options.onPage(values);
    from += values.length;
    if (values.length < count) break;
  }
  return stats;
}
