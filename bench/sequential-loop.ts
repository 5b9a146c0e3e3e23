// The baseline a careful integrator would write by hand: one page after another with
// from/count until a short page, through the pack's own client so that sessions, auth, rate
// limiting and retries are identical and only the paging strategy differs.
import { TripletexClient } from '../client/tripletex-client.js';
import { newRequestStats } from '../client/request-stats.js';
import type { ResolvedConnection } from '../connection/resolved-connection.js';

export interface LoopResult {
  rows: number;
  requests: number;
  rateLimited: number;
  ids: Set<number>;
}

export async function sequentialLoop(connection: ResolvedConnection, path: string, count: number): Promise<LoopResult> {
  const stats = newRequestStats();
  const client = new TripletexClient(connection, { stats });
  const ids = new Set<number>();
  let rows = 0;
  for (let from = 0; ; ) {
    const response = await client.request({ method: 'GET', path, query: { from, count } });
    const values = (response.body as { values: { id: number }[] }).values;
    for (const row of values) ids.add(row.id);
    rows += values.length;
    from += values.length;
    if (values.length < count) break;
  }
  return { rows, requests: stats.requests, rateLimited: stats.rateLimited, ids };
}
